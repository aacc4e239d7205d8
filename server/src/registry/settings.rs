//! How the registry client behaves: the `registry.*` settings, with their defaults.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::model::Platform;
use crate::analysis::settings::RegistryOptions;

/// Set (to anything but `0`), registry lookups use the cache only.
pub const OFFLINE_VARIABLE: &str = "DOCKERFILE_LSP_OFFLINE";

/// The registry settings in effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrySettings {
    /// No network at all: answers come from the cache only.
    pub offline: bool,
    /// The platform reports are for (sizes in inlay hints, the first row of the table).
    pub platform: Platform,
    /// The limit of each request.
    pub timeout: Duration,
    /// How long a tag's digest is trusted before the registry is asked again.
    pub cache_ttl: Duration,
    /// Where manifests and configs are kept across runs (`None`: memory only).
    pub cache_dir: Option<PathBuf>,
    /// Registry host (`docker.io`) to the base URL used instead (`http://127.0.0.1:5000`).
    pub mirrors: BTreeMap<String, String>,
    /// Hosts allowed over plain HTTP (loopback always is).
    pub insecure: Vec<String>,
    /// The directory of Docker's `config.json` (`$DOCKER_CONFIG`, else `~/.docker`).
    pub docker_config: Option<PathBuf>,
    /// Requests in flight at once, over all registries.
    pub max_requests: usize,
}

impl Default for RegistrySettings {
    fn default() -> Self {
        RegistrySettings {
            offline: false,
            platform: Platform::host(),
            timeout: Duration::from_secs(5),
            cache_ttl: Duration::from_secs(3600),
            cache_dir: default_cache_dir(),
            mirrors: BTreeMap::new(),
            insecure: Vec::new(),
            docker_config: default_docker_config(),
            max_requests: 8,
        }
    }
}

/// The platform's cache directory (`~/.cache/dockerfile-lsp/registry` on Linux).
pub fn default_cache_dir() -> Option<PathBuf> {
    dirs::cache_dir().map(|dir| dir.join("dockerfile-lsp").join("registry"))
}

/// Where Docker keeps `config.json`: `$DOCKER_CONFIG`, else `~/.docker`.
pub fn default_docker_config() -> Option<PathBuf> {
    std::env::var_os("DOCKER_CONFIG")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| dirs::home_dir().map(|home| home.join(".docker")))
}

impl RegistrySettings {
    /// The settings the options ask for, with the defaults for what they leave out.
    pub fn from_options(options: &RegistryOptions) -> RegistrySettings {
        let mut settings = RegistrySettings::default();
        if let Some(offline) = options.offline {
            settings.offline = offline;
        }
        // For air-gapped machines and test runs: no request whatever the settings say.
        if std::env::var_os(OFFLINE_VARIABLE).is_some_and(|v| !v.is_empty() && v != "0") {
            settings.offline = true;
        }
        if let Some(platform) = options.platform.as_deref().and_then(Platform::parse) {
            settings.platform = platform;
        }
        if let Some(ms) = options.timeout_ms.filter(|ms| *ms > 0) {
            settings.timeout = Duration::from_millis(ms);
        }
        if let Some(seconds) = options.cache_ttl_seconds {
            settings.cache_ttl = Duration::from_secs(seconds);
        }
        if let Some(dir) = &options.cache_dir {
            // An empty directory turns the disk cache off.
            settings.cache_dir = (!dir.trim().is_empty()).then(|| expand_home(dir.trim()));
        }
        settings.mirrors = options.mirrors.clone();
        if let Some(insecure) = &options.insecure {
            settings.insecure = insecure.clone();
        }
        settings
    }

    /// Whether `host` (`name[:port]`) may be reached over plain HTTP.
    pub fn allows_http(&self, host: &str) -> bool {
        is_loopback(host) || self.insecure.iter().any(|h| h == host)
    }
}

fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), dirs::home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ => PathBuf::from(path),
    }
}

/// `localhost`, `127.x.x.x` or `[::1]`, with or without a port.
pub fn is_loopback(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    name == "localhost"
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_override_the_defaults() {
        let options = RegistryOptions {
            platform: Some("linux/arm64/v8".to_owned()),
            timeout_ms: Some(1500),
            cache_dir: Some(String::new()),
            ..RegistryOptions::default()
        };
        let settings = RegistrySettings::from_options(&options);
        assert_eq!(settings.platform.to_string(), "linux/arm64/v8");
        assert_eq!(settings.timeout, Duration::from_millis(1500));
        assert_eq!(settings.cache_dir, None);
        assert_eq!(settings.cache_ttl, Duration::from_secs(3600));
        assert!(!settings.offline);
    }

    #[test]
    fn loopback_hosts_are_allowed_over_http() {
        let settings = RegistrySettings {
            insecure: vec!["registry.lan:5000".to_owned()],
            ..RegistrySettings::default()
        };
        for host in [
            "127.0.0.1:5000",
            "localhost",
            "[::1]:5000",
            "127.1.2.3",
            "registry.lan:5000",
        ] {
            assert!(settings.allows_http(host), "{host}");
        }
        for host in [
            "registry.lan",
            "ghcr.io",
            "10.0.0.1:5000",
            "localhost.example.com",
        ] {
            assert!(!settings.allows_http(host), "{host}");
        }
    }
}
