//! Base image references: tags.

use super::{Alias, Check, FileView, Findings, Rule};
use crate::analysis::image_ref;
use crate::analysis::model::Base;
use crate::syntax::Severity;

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
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::File(check_untagged),
};

pub static IMAGE_LATEST_TAG: Rule = Rule {
    id: "image-latest-tag",
    summary: "Base images should not use the `latest` tag",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3007"), Alias::Trivy("DS-0001")],
    explanation: "`latest` is just the tag that was pushed last: builds stop being reproducible and can \
change major versions overnight. Name the version you tested.",
    bad: "FROM node:latest\n",
    good: "FROM node:20-alpine\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::File(check_latest),
};

/// Each FROM image that is a registry image written without ARGs (not a stage, not
/// `scratch`), with its parsed reference.
fn images<'v>(
    view: &'v FileView<'_, '_>,
) -> impl Iterator<Item = (std::ops::Range<usize>, &'v image_ref::ImageRef)> + 'v {
    view.model
        .stages
        .iter()
        .filter_map(|stage| match &stage.base {
            Base::Image(reference) if !image_ref::has_unexpanded_variable(&stage.image) => {
                Some((stage.image_range.clone(), &**reference))
            }
            _ => None,
        })
}

fn check_untagged(view: &FileView<'_, '_>, findings: &mut Findings) {
    for (range, reference) in images(view) {
        if reference.tag.is_none() && reference.digest.is_none() {
            findings.report(
                range.clone(),
                format!(
                    "`{}` has no tag, so it means `{}:latest`, which changes under you: name a version",
                    reference.familiar(),
                    reference.familiar()
                ),
            );
        }
    }
}

fn check_latest(view: &FileView<'_, '_>, findings: &mut Findings) {
    for (range, reference) in images(view) {
        if reference.tag.as_deref() == Some("latest") && reference.digest.is_none() {
            findings.report(
                range.clone(),
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
