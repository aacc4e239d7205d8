//! Base images pinned by tag only, and the digest to pin them with.

use super::{Check, FileView, Findings, Rule};
use crate::analysis::fixes::global_arg;
use crate::analysis::image_ref;
use crate::analysis::model::{Base, StageInfo};
use crate::analysis::settings::ImageFacts;
use crate::syntax::{Applicability, Edit, Fix, Severity};

pub static UNPINNED_BASE_DIGEST: Rule = Rule {
    id: "unpinned-base-digest",
    summary: "Base images should be pinned by digest",
    severity: Severity::Info,
    aliases: &[],
    explanation: "A tag is a name the publisher can move: `python:3.12-slim` points at a new image \
with every patch release and rebuild, so two builds of the same Dockerfile can differ, and whoever \
controls the tag (or the registry) decides what your image is built on. `image:tag@sha256:…` keeps the \
tag for readers and pins the exact image; BuildKit pulls the digest and ignores where the tag points. \
The cost: updates become explicit edits (let a bot such as Renovate or Dependabot bump the digest).\n\n\
Off by default. Names built from ARGs that cannot be resolved, earlier stages and `scratch` are not \
reported. When the registry's digest for the tag is known, the fix appends it (keeping the tag); a FROM \
that names its image through a global ARG (`FROM $BASE`) gets the digest in the ARG's default.",
    bad: "FROM python:3.12-slim\n",
    good: "FROM python:3.12-slim@sha256:2ec5a4a5c3e919570f57675471f081d6299668d909feabd8d4803c6c61af666c\n",
    tags: &[],
    fixable: true,
    enabled_by_default: false,
    check: Check::File(check),
};

fn check(view: &FileView<'_, '_>, findings: &mut Findings) {
    for stage in &view.model.stages {
        let Base::Image(reference) = &stage.base else {
            continue;
        };
        if reference.digest.is_some()
            || image_ref::has_unexpanded_variable(&stage.expanded_image.value)
        {
            continue;
        }
        let current = reference.familiar();
        let known = known_digest(view, stage);
        let message = match known {
            Some(digest) => format!(
                "`{current}` is pinned by tag only, and the tag can be moved to another image: pin its digest, `{current}@{digest}`"
            ),
            None => format!(
                "`{current}` is pinned by tag only, and the tag can be moved to another image: pin its digest (`{current}@sha256:…`)"
            ),
        };
        match known.and_then(|digest| fix(view, stage, &current, digest)) {
            Some(fix) => findings.report_fix(stage.image_range.clone(), message, fix),
            None => findings.report(stage.image_range.clone(), message),
        }
    }
}

/// The registry's digest for the stage's image, when it is one a FROM line can hold.
fn known_digest<'c>(view: &'c FileView<'_, '_>, stage: &StageInfo) -> Option<&'c str> {
    let written = stage.expanded_image.value.as_str();
    view.context
        .image_facts(written)
        .and_then(|facts: &'c ImageFacts| facts.digest.as_deref())
        // A digest the reference grammar refuses would break the FROM line.
        .filter(|digest| image_ref::parse(&format!("{written}@{digest}")).is_ok())
}

/// Appends the digest to the image word, or to the default of the global ARG that
/// names the whole image; an image built from ARGs in part gets no fix (a digest
/// fixed there would not follow the ARGs).
fn fix(view: &FileView<'_, '_>, stage: &StageInfo, current: &str, digest: &str) -> Option<Fix> {
    let short: String = digest.chars().take("sha256:".len() + 12).collect();
    let title = format!("Pin `{current}` to its digest `{short}…`");
    let at = if !stage.image.contains('$') {
        stage.image_range.end
    } else {
        let arg = global_arg::whole_image_arg(&stage.image, view.model.escape)?;
        let (range, value) = global_arg::default_value(view.file, &arg)?;
        if value.contains('$') {
            return None;
        }
        range.end
    };
    Some(Fix::new(
        title,
        Applicability::Safe,
        vec![Edit::insert(at, format!("@{digest}"))],
    ))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::testing::{fixed_in, located, run_in};
    use crate::analysis::settings::{Context, ImageFacts};

    const ID: &str = "unpinned-base-digest";
    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    fn with_digests(references: &[&str]) -> Context {
        Context {
            images: Arc::new(
                references
                    .iter()
                    .map(|r| ImageFacts {
                        reference: (*r).to_owned(),
                        digest: Some(DIGEST.to_owned()),
                        ..ImageFacts::default()
                    })
                    .collect(),
            ),
            ..Context::default()
        }
    }

    fn found(text: &str, context: &Context) -> Vec<(String, String)> {
        located(text, run_in(ID, text, context))
    }

    fn fix_titles(text: &str, context: &Context) -> Vec<Option<String>> {
        run_in(ID, text, context)
            .into_iter()
            .map(|f| f.fix.map(|x| x.title.clone()))
            .collect()
    }

    #[test]
    fn images_pinned_by_tag_only() {
        let text = "FROM golang:1.22 AS build\nFROM build AS test\nFROM scratch\nFROM gcr.io/distroless/static-debian12@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nFROM python\n";
        let found = found(text, &Context::default());
        let ranges: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(ranges, ["1:6-1:17", "5:6-5:12"]);
        insta::assert_snapshot!(found[0].1, @"`golang:1.22` is pinned by tag only, and the tag can be moved to another image: pin its digest (`golang:1.22@sha256:…`)");
        assert_eq!(fix_titles(text, &Context::default()), [None, None]);
    }

    #[test]
    fn unresolved_args_are_not_images() {
        assert!(
            found(
                "ARG BASE\nFROM $BASE\nFROM ${TARGETPLATFORM}\n",
                &Context::default()
            )
            .is_empty()
        );
    }

    #[test]
    fn a_known_digest_is_appended_and_the_tag_kept() {
        let context = with_digests(&["python:3.12-slim", "docker.io/library/node:20"]);
        let text = "FROM python:3.12-slim AS app\nFROM node:20\nFROM ruby:3.3\n";
        insta::assert_snapshot!(found(text, &context)[0].1, @"`python:3.12-slim` is pinned by tag only, and the tag can be moved to another image: pin its digest, `python:3.12-slim@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef`");
        assert_eq!(
            fix_titles(text, &context),
            [
                Some("Pin `python:3.12-slim` to its digest `sha256:0123456789ab…`".to_owned()),
                Some("Pin `node:20` to its digest `sha256:0123456789ab…`".to_owned()),
                None
            ]
        );
        let only_known = "# escape=`\nFROM python:3.12-slim AS app\nFROM node:20\n";
        insta::assert_snapshot!(fixed_in(ID, only_known, &context), @r"
        # escape=`
        FROM python:3.12-slim@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef AS app
        FROM node:20@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
        ");
    }

    #[test]
    fn args_get_the_digest_in_their_default_or_no_fix() {
        let context = with_digests(&["python:3.12-slim"]);
        insta::assert_snapshot!(fixed_in(ID, "ARG BASE=\"python:3.12-slim\"\nFROM ${BASE}\n", &context), @r#"
        ARG BASE="python:3.12-slim@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
        FROM ${BASE}
        "#);
        // Part of the name from an ARG: a digest there would not follow the ARG.
        assert_eq!(
            fix_titles("ARG PY=3.12\nFROM python:${PY}-slim\n", &context),
            [None]
        );
    }

    #[test]
    fn a_malformed_digest_is_not_offered() {
        let context = Context {
            images: Arc::new(vec![ImageFacts {
                reference: "python:3.12".to_owned(),
                digest: Some("not a digest".to_owned()),
                ..ImageFacts::default()
            }]),
            ..Context::default()
        };
        assert_eq!(fix_titles("FROM python:3.12\n", &context), [None]);
    }
}
