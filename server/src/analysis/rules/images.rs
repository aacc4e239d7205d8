//! Base image references: tags.

use super::{Alias, Check, Findings, Rule};
use crate::analysis::image_ref;
use crate::syntax::{Dockerfile, Severity};

pub static IMAGE_UNTAGGED: Rule = Rule {
    id: "image-untagged",
    summary: "Base images should name a version tag",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3006")],
    explanation: "An image without a tag means `:latest`, which moves: the next build may get another major \
version, another distribution or another size, with nothing in the Dockerfile to show it. Name a version \
tag (and pin its digest for reproducible builds). Names built from ARGs and earlier stages are not images.",
    bad: "FROM python\n",
    good: "FROM python:3.12-slim-bookworm\n",
    fixable: false,
    enabled_by_default: true,
    check: Check::File(check_untagged),
};

pub static IMAGE_LATEST_TAG: Rule = Rule {
    id: "image-latest-tag",
    summary: "Base images should not use the `latest` tag",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3007")],
    explanation: "`latest` is just the tag that was pushed last: builds stop being reproducible and can \
change major versions overnight. Name the version you tested.",
    bad: "FROM node:latest\n",
    good: "FROM node:20-alpine\n",
    fixable: false,
    enabled_by_default: true,
    check: Check::File(check_latest),
};

/// Each FROM image that is a registry image (not a stage, not `scratch`, no ARG),
/// with its parsed reference.
fn images<'t>(file: &Dockerfile<'t>) -> Vec<(tree_sitter::Node<'t>, image_ref::ImageRef)> {
    let mut stages: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut out = Vec::new();
    for from in file.stage_froms() {
        if let Some(image) = from.image() {
            let text = from.text(image);
            let is_stage = stages.contains(&text.to_ascii_lowercase());
            if !is_stage
                && !text.eq_ignore_ascii_case("scratch")
                && !image_ref::has_unexpanded_variable(text)
                && let Ok(reference) = image_ref::parse(text)
            {
                out.push((image, reference));
            }
        }
        if let Some(name) = from.stage_name() {
            stages.insert(from.text(name).to_ascii_lowercase());
        }
    }
    out
}

fn check_untagged(file: &Dockerfile<'_>, findings: &mut Findings) {
    for (node, reference) in images(file) {
        if reference.tag.is_none() && reference.digest.is_none() {
            findings.report(
                node.byte_range(),
                format!(
                    "`{}` has no tag, so it means `{}:latest`, which changes under you: name a version",
                    reference.familiar(),
                    reference.familiar()
                ),
            );
        }
    }
}

fn check_latest(file: &Dockerfile<'_>, findings: &mut Findings) {
    for (node, reference) in images(file) {
        if reference.tag.as_deref() == Some("latest") && reference.digest.is_none() {
            findings.report(
                node.byte_range(),
                format!(
                    "`{}` follows whatever was pushed last: name a version",
                    reference.familiar()
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::flagged;

    #[test]
    fn untagged_images() {
        let text = "FROM python\nFROM ghcr.io/acme/tool\nFROM alpine:3.20\nFROM debian@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n";
        assert_eq!(
            flagged("image-untagged", text),
            ["python", "ghcr.io/acme/tool"]
        );
    }

    #[test]
    fn stages_scratch_and_arguments_are_not_images() {
        let text = "ARG BASE=python\nFROM $BASE AS build\nFROM build AS test\nFROM scratch\nFROM ${BASE}:3.12\n";
        assert!(flagged("image-untagged", text).is_empty());
    }

    #[test]
    fn latest_tags() {
        let text = "FROM node:latest AS a\nFROM node:20\nFROM node\n";
        assert_eq!(flagged("image-latest-tag", text), ["node:latest"]);
    }
}
