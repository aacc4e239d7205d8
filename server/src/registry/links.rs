//! The web page of an image on its registry's site.

use super::settings::RegistrySettings;
use crate::analysis::image_ref::ImageRef;

/// Docker Hub, GHCR, Quay and MCR have pages per repository; another registry gets its
/// tag list, the page its API has.
pub fn page(image: &ImageRef, settings: &RegistrySettings) -> String {
    let repository = &image.repository;
    if image.is_docker_hub() {
        return match repository.strip_prefix("library/") {
            Some(name) if !name.contains('/') => format!("https://hub.docker.com/_/{name}"),
            _ => format!("https://hub.docker.com/r/{repository}"),
        };
    }
    match image.registry.as_str() {
        "ghcr.io" => format!("https://ghcr.io/{repository}"),
        "quay.io" => format!("https://quay.io/repository/{repository}"),
        "mcr.microsoft.com" => format!("https://mcr.microsoft.com/artifact/mar/{repository}"),
        host => {
            let scheme = if settings.allows_http(host) {
                "http"
            } else {
                "https"
            };
            format!("{scheme}://{host}/v2/{repository}/tags/list")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::image_ref;

    #[test]
    fn pages() {
        let settings = RegistrySettings::default();
        let page = |r: &str| page(&image_ref::parse(r).expect("reference"), &settings);
        assert_eq!(page("python:3.12"), "https://hub.docker.com/_/python");
        assert_eq!(
            page("bitnami/redis"),
            "https://hub.docker.com/r/bitnami/redis"
        );
        assert_eq!(page("ghcr.io/o/r:1"), "https://ghcr.io/o/r");
        assert_eq!(
            page("quay.io/prometheus/node-exporter"),
            "https://quay.io/repository/prometheus/node-exporter"
        );
        assert_eq!(
            page("mcr.microsoft.com/dotnet/aspnet:8.0"),
            "https://mcr.microsoft.com/artifact/mar/dotnet/aspnet"
        );
        assert_eq!(
            page("127.0.0.1:5000/app"),
            "http://127.0.0.1:5000/v2/app/tags/list"
        );
    }
}
