//! Base images that are not published for the platform being built.

use super::{Alias, Check, FileView, Findings, Rule};
use crate::analysis::expand;
use crate::analysis::model::{Base, StageInfo};
use crate::analysis::settings::{Context, ImageFacts};
use crate::syntax::Severity;

pub static INVALID_BASE_IMAGE_PLATFORM: Rule = Rule {
    id: "invalid-base-image-platform",
    summary: "Base images should be published for the platform being built",
    severity: Severity::Warning,
    aliases: &[Alias::BuildKit("InvalidBaseImagePlatform")],
    explanation: "When a base image has no manifest for the target platform (or for the `--platform` of its \
FROM), BuildKit pulls whatever platform the image has: every RUN then runs under emulation, slowly, or \
fails with `exec format error`, and the result is an image for the wrong architecture. Pick an image \
(or a tag) published for the platform, or build for a platform the image supports.\n\nThis needs the \
image's platforms from its registry; the example assumes `acme/tool:1.0` is published for linux/amd64 \
only, `node:20` for linux/amd64 and linux/arm64, and a build for linux/arm64.",
    bad: "FROM acme/tool:1.0\n",
    good: "FROM node:20\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::File(check),
};

/// `os/arch[/variant]`, normalised as containerd's `platforms.Normalize` does.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Platform {
    os: String,
    arch: String,
    variant: String,
}

fn parse_platform(text: &str) -> Option<Platform> {
    let lower = text.trim().to_ascii_lowercase();
    let mut parts = lower.split('/');
    let os = match parts.next()? {
        "macos" => "darwin",
        os => os,
    };
    let arch = parts.next()?;
    let variant = parts.next().unwrap_or("");
    if parts.next().is_some() || os.is_empty() || arch.is_empty() {
        return None;
    }
    let (arch, variant) = match (arch, variant) {
        ("x86_64" | "x86-64" | "amd64", "v1") => ("amd64", ""),
        ("x86_64" | "x86-64", v) => ("amd64", v),
        ("aarch64" | "arm64", "v8" | "") => ("arm64", ""),
        ("aarch64", v) => ("arm64", v),
        ("armhf", "") => ("arm", "v7"),
        ("armel", "") => ("arm", "v6"),
        ("arm", "") => ("arm", "v7"),
        ("arm", "5" | "6" | "7" | "8") => ("arm", variant_with_v(variant)),
        ("i386" | "i486" | "i586" | "i686", v) => ("386", v),
        (arch, variant) => (arch, variant),
    };
    Some(Platform {
        os: os.to_owned(),
        arch: arch.to_owned(),
        variant: variant.to_owned(),
    })
}

fn variant_with_v(variant: &str) -> &'static str {
    match variant {
        "5" => "v5",
        "6" => "v6",
        "8" => "v8",
        _ => "v7",
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.arch)?;
        if !self.variant.is_empty() {
            write!(f, "/{}", self.variant)?;
        }
        Ok(())
    }
}

/// The registry data about a stage's base image, if the context has it.
fn platforms_of<'c>(stage: &StageInfo, context: &'c Context) -> Option<&'c ImageFacts> {
    let Base::Image(_) = &stage.base else {
        return None;
    };
    context.image_facts(&stage.expanded_image.value)
}

/// The platform a stage is built for: its `--platform` (with the global ARGs and the
/// target's `TARGET*` ARGs), else the target platform. `None` when it depends on what
/// is not known here (`$BUILDPLATFORM`).
fn wanted_platform(view: &FileView<'_, '_>, stage: &StageInfo) -> Option<Platform> {
    let target = view
        .context
        .target_platform
        .as_deref()
        .and_then(parse_platform);
    let Some(written) = stage.platform.as_deref() else {
        return target;
    };
    let lookup = |name: &str| -> Option<String> {
        let target = target.as_ref();
        match name {
            "TARGETPLATFORM" => target.map(ToString::to_string),
            "TARGETOS" => target.map(|t| t.os.clone()),
            "TARGETARCH" => target.map(|t| t.arch.clone()),
            "TARGETVARIANT" => target.map(|t| t.variant.clone()),
            _ => view
                .model
                .global_arg(name)
                .map(|d| d.value.clone().unwrap_or_default()),
        }
    };
    let expanded = expand::expand(written, view.model.escape, &lookup);
    if !expanded.complete {
        return None;
    }
    parse_platform(&expanded.value)
}

fn check(view: &FileView<'_, '_>, findings: &mut Findings) {
    if view.context.images.is_empty() {
        return;
    }
    for stage in &view.model.stages {
        let Some(image) = platforms_of(stage, view.context) else {
            continue;
        };
        let published: Vec<Platform> = image
            .platforms
            .iter()
            .filter_map(|p| parse_platform(p))
            .filter(|p| p.os != "unknown")
            .collect();
        if published.is_empty() {
            continue;
        }
        let Some(wanted) = wanted_platform(view, stage) else {
            continue;
        };
        if published.contains(&wanted) {
            continue;
        }
        let list: Vec<String> = published.iter().take(6).map(ToString::to_string).collect();
        let more = if published.len() > 6 { ", ..." } else { "" };
        findings.report(
            stage.image_range.clone(),
            format!(
                "`{}` is not published for {wanted} (only {}{more}): BuildKit would pull another platform, which runs under emulation or fails",
                stage.expanded_image.value,
                list.join(", ")
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::testing::{located, run_in};
    use crate::analysis::settings::{Context, ImageFacts};

    const ID: &str = "invalid-base-image-platform";

    fn context(target: Option<&str>) -> Context {
        let image = |reference: &str, platforms: &[&str]| ImageFacts {
            reference: reference.to_owned(),
            digest: Some("sha256:00".to_owned()),
            platforms: platforms.iter().map(|p| (*p).to_owned()).collect(),
            ..ImageFacts::default()
        };
        Context {
            images: Arc::new(vec![
                image("acme/tool:1.0", &["linux/amd64"]),
                image(
                    "node:20",
                    &[
                        "linux/amd64",
                        "linux/arm64/v8",
                        "linux/arm/v7",
                        "unknown/unknown",
                    ],
                ),
                image(
                    "docker.io/library/alpine:3.20",
                    &["linux/amd64", "linux/386"],
                ),
            ]),
            target_platform: target.map(str::to_owned),
            ..Context::default()
        }
    }

    fn found(target: Option<&str>, text: &str) -> Vec<(String, String)> {
        located(text, run_in(ID, text, &context(target)))
    }

    #[test]
    fn an_image_without_the_target_platform() {
        assert_eq!(
            found(Some("linux/arm64"), "FROM acme/tool:1.0 AS tool\nFROM node:20\n"),
            [(
                "1:6-1:19".to_owned(),
                "`acme/tool:1.0` is not published for linux/arm64 (only linux/amd64): BuildKit would pull another platform, which runs under emulation or fails".to_owned()
            )]
        );
    }

    #[test]
    fn platforms_are_normalised() {
        assert!(found(Some("linux/aarch64"), "FROM node:20\n").is_empty());
        assert!(found(Some("linux/arm"), "FROM node:20\n").is_empty());
        assert_eq!(
            found(Some("linux/arm/v6"), "FROM node:20\n")[0].1,
            "`node:20` is not published for linux/arm/v6 (only linux/amd64, linux/arm64, linux/arm/v7): BuildKit would pull another platform, which runs under emulation or fails"
        );
    }

    #[test]
    fn the_from_platform_flag_decides() {
        let text = "ARG ARCH=arm64\nFROM --platform=linux/$ARCH acme/tool:1.0\nFROM --platform=$BUILDPLATFORM acme/tool:1.0\nFROM --platform=$TARGETPLATFORM node:20\n";
        let found = found(Some("linux/amd64"), text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "2:29-2:42");
    }

    #[test]
    fn references_are_compared_normalised() {
        assert_eq!(
            found(Some("linux/arm64"), "ARG V=3.20\nFROM alpine:$V\n")
                .into_iter()
                .map(|f| f.0)
                .collect::<Vec<_>>(),
            ["2:6-2:15"]
        );
    }

    #[test]
    fn nothing_without_registry_data_or_a_target() {
        assert!(found(None, "FROM acme/tool:1.0\n").is_empty());
        assert!(found(Some("linux/arm64"), "FROM other:1\nFROM scratch\n").is_empty());
        let text = "FROM acme/tool:1.0\n";
        assert!(located(text, run_in(ID, text, &Context::default())).is_empty());
    }
}
