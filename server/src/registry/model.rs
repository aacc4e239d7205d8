//! What a registry says about an image: the data that hover, the `image` command and the rules show.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An operating system and CPU architecture, as image indexes name them (`linux/arm64/v8`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

impl Platform {
    /// Parses `os/arch[/variant]`; `None` for anything else.
    pub fn parse(text: &str) -> Option<Platform> {
        let mut parts = text.trim().split('/');
        let os = parts.next().filter(|s| !s.is_empty())?.to_ascii_lowercase();
        let architecture = parts.next().filter(|s| !s.is_empty())?.to_ascii_lowercase();
        let variant = parts.next().map(str::to_ascii_lowercase);
        if parts.next().is_some() || variant.as_deref() == Some("") {
            return None;
        }
        Some(Platform {
            os,
            architecture,
            variant,
        })
    }

    /// The platform of the machine running this program, as `docker build` picks by default.
    pub fn host() -> Platform {
        let architecture = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "powerpc64" => "ppc64le",
            "riscv64" => "riscv64",
            "s390x" => "s390x",
            "arm" => "arm",
            other => other,
        };
        Platform {
            os: "linux".to_owned(),
            architecture: architecture.to_owned(),
            variant: None,
        }
    }

    /// Whether an image published for `self` serves a build for `wanted`: the same OS and
    /// architecture, and the same variant when `wanted` names one (`arm64` is `arm64/v8`).
    pub fn serves(&self, wanted: &Platform) -> bool {
        if self.os != wanted.os || self.architecture != wanted.architecture {
            return false;
        }
        match wanted.variant.as_deref() {
            None => true,
            Some(variant) => self.normalised_variant() == Some(variant),
        }
    }

    fn normalised_variant(&self) -> Option<&str> {
        match (self.architecture.as_str(), self.variant.as_deref()) {
            ("arm64", None) => Some("v8"),
            (_, variant) => variant,
        }
    }

    /// Attestation manifests in an index carry `unknown/unknown`: they are not images.
    pub fn is_unknown(&self) -> bool {
        self.os == "unknown" || self.architecture == "unknown"
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(variant) = &self.variant {
            write!(f, "/{variant}")?;
        }
        Ok(())
    }
}

/// One image of a reference: a platform's manifest and what its config says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformImage {
    pub platform: Platform,
    /// The platform manifest's digest.
    pub digest: String,
    /// What a pull downloads: the layers plus the config, compressed as stored.
    pub compressed_size: u64,
    pub layers: usize,
    /// When the image was built (RFC 3339), from its config.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// The largest layers, largest first, with the step that made each.
    pub largest_layers: Vec<Layer>,
}

/// A layer and the build step that made it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layer {
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
}

/// An image reference as the registry resolved it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageInfo {
    /// The normalised reference: `docker.io/library/python:3.12`.
    pub reference: String,
    /// The digest the tag points at (an index for multi-platform images).
    pub digest: String,
    pub media_type: String,
    /// Every image of the reference, attestations left out.
    pub platforms: Vec<PlatformImage>,
}

impl ImageInfo {
    /// The image for a platform, if the reference has one.
    pub fn for_platform(&self, wanted: &Platform) -> Option<&PlatformImage> {
        self.platforms.iter().find(|p| p.platform.serves(wanted))
    }
}

/// A smaller variant of an image that exists in the same repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    /// The variant's reference, as written in a FROM line: `python:3.12-slim`.
    pub reference: String,
    pub tag: String,
    pub digest: String,
    /// Its size for the report's platform.
    pub compressed_size: u64,
    /// What switching saves against the image for the same platform, in percent.
    pub saving_percent: u8,
    /// What switching saves, in bytes.
    pub saving: u64,
}

/// Everything a hover or the `image` command shows about a reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImageReport {
    pub image: ImageInfo,
    /// The platform the report is for (the configured one), first in the table.
    pub platform: Platform,
    /// Smaller variants that exist, smallest first.
    pub variants: Vec<Variant>,
    /// The image's page on its registry's website, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<String>,
}

impl ImageReport {
    /// The platform image the report is about, if the reference has one.
    pub fn selected(&self) -> Option<&PlatformImage> {
        self.image.for_platform(&self.platform)
    }

    /// Platforms with the configured one first, the others in the index's order.
    pub fn platforms_in_order(&self) -> Vec<&PlatformImage> {
        let selected = self.selected().map(|p| p.digest.as_str());
        let mut out: Vec<&PlatformImage> = self.selected().into_iter().collect();
        out.extend(
            self.image
                .platforms
                .iter()
                .filter(|p| Some(p.digest.as_str()) != selected),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_parse_and_print() {
        let p = Platform::parse("linux/arm64/v8");
        assert_eq!(
            p.as_ref().map(ToString::to_string).as_deref(),
            Some("linux/arm64/v8")
        );
        assert_eq!(Platform::parse("linux"), None);
        assert_eq!(Platform::parse("linux/amd64/"), None);
        assert_eq!(Platform::parse("a/b/c/d"), None);
    }

    #[test]
    fn arm64_serves_arm64_v8_and_variants_must_match() {
        let published = |t: &str| Platform::parse(t).unwrap_or_else(|| panic!("{t}"));
        assert!(published("linux/arm64/v8").serves(&published("linux/arm64")));
        assert!(published("linux/arm64").serves(&published("linux/arm64/v8")));
        assert!(!published("linux/arm/v6").serves(&published("linux/arm/v7")));
        assert!(published("linux/arm/v7").serves(&published("linux/arm")));
        assert!(!published("linux/amd64").serves(&published("windows/amd64")));
    }
}
