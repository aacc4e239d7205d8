//! The web page of an image on its registry's site.

use super::settings::RegistrySettings;
use crate::analysis::image_ref::ImageRef;

/// Docker Hub, GHCR, Quay, MCR and Google's registries have pages per repository;
/// another registry gets its tag list, the page its API has.
pub fn page(image: &ImageRef, settings: &RegistrySettings) -> String {
    site_page(image).unwrap_or_else(|| {
        format!(
            "{}://{}/v2/{}/tags/list",
            scheme(&image.registry, settings),
            image.registry,
            image.repository
        )
    })
}

/// Where a link on an image in the editor goes: its page on the registry's site, or
/// else the registry's home (an API answer is no page to open in a browser).
pub fn link(image: &ImageRef, settings: &RegistrySettings) -> String {
    site_page(image).unwrap_or_else(|| {
        format!(
            "{}://{}/",
            scheme(&image.registry, settings),
            image.registry
        )
    })
}

fn scheme(host: &str, settings: &RegistrySettings) -> &'static str {
    if settings.allows_http(host) {
        "http"
    } else {
        "https"
    }
}

/// The repository's page on a registry whose site we know.
fn site_page(image: &ImageRef) -> Option<String> {
    let repository = &image.repository;
    if image.is_docker_hub() {
        return Some(match repository.strip_prefix("library/") {
            Some(name) if !name.contains('/') => format!("https://hub.docker.com/_/{name}"),
            _ => format!("https://hub.docker.com/r/{repository}"),
        });
    }
    let host = image.registry.as_str();
    Some(match host {
        "ghcr.io" => format!("https://ghcr.io/{repository}"),
        "quay.io" => format!("https://quay.io/repository/{repository}"),
        "mcr.microsoft.com" => format!("https://mcr.microsoft.com/artifact/mar/{repository}"),
        "public.ecr.aws" => format!("https://gallery.ecr.aws/{repository}"),
        "gcr.io" | "us.gcr.io" | "eu.gcr.io" | "asia.gcr.io" => {
            // Container Registry: `gcr.io/<project>/<image>`, in the project's console.
            let (project, name) = repository.split_once('/')?;
            let location = host.strip_suffix(".gcr.io").unwrap_or("global");
            format!("https://console.cloud.google.com/gcr/images/{project}/{location}/{name}")
        }
        _ => {
            // Artifact Registry: `<location>-docker.pkg.dev/<project>/<repository>/<image>`.
            let location = host.strip_suffix("-docker.pkg.dev")?;
            let (project, rest) = repository.split_once('/')?;
            format!("https://console.cloud.google.com/artifacts/docker/{project}/{location}/{rest}")
        }
    })
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
        assert_eq!(
            page("gcr.io/distroless/static:nonroot"),
            "https://console.cloud.google.com/gcr/images/distroless/global/static"
        );
    }

    #[test]
    fn links_go_to_the_registry_site_never_to_docker_hub_for_other_registries() {
        let settings = RegistrySettings::default();
        let link = |r: &str| link(&image_ref::parse(r).expect("reference"), &settings);
        assert_eq!(link("python:3.12"), "https://hub.docker.com/_/python");
        assert_eq!(
            link("docker.io/bitnami/redis"),
            "https://hub.docker.com/r/bitnami/redis"
        );
        assert_eq!(
            link("gcr.io/distroless/base-debian12"),
            "https://console.cloud.google.com/gcr/images/distroless/global/base-debian12"
        );
        assert_eq!(
            link("eu.gcr.io/my-project/app/api:1"),
            "https://console.cloud.google.com/gcr/images/my-project/eu/app/api"
        );
        assert_eq!(
            link("us-central1-docker.pkg.dev/my-project/images/api:2"),
            "https://console.cloud.google.com/artifacts/docker/my-project/us-central1/images/api"
        );
        assert_eq!(
            link("public.ecr.aws/nginx/nginx"),
            "https://gallery.ecr.aws/nginx/nginx"
        );
        assert_eq!(
            link("registry.example.com:5000/team/app"),
            "https://registry.example.com:5000/"
        );
        assert_eq!(link("localhost:5000/app"), "http://localhost:5000/");
    }
}
