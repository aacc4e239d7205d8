//! What the registry says about base images: tags that do not exist, and images over the size budget.

use super::{Check, FileView, Findings, Rule};
use crate::analysis::image_ref;
use crate::analysis::model::Base;
use crate::syntax::Severity;

pub static BASE_IMAGE_NOT_FOUND: Rule = Rule {
    id: "base-image-not-found",
    summary: "The base image's tag must exist in its registry",
    severity: Severity::Error,
    aliases: &[],
    explanation: "The registry answered that the name or tag in FROM does not exist (a 404 to the \
manifest request), so `docker build` will fail at this line with `manifest unknown` or `not found`: \
often a typo, a version that was never published (`python:3.99`), or a variant that exists for \
another version only.\n\n\
Reported only when the registry has been asked (in the editor, when the file is opened or a FROM \
line changes) and said so; a registry that refuses to answer (401 or 403, as for a private \
repository without credentials) is not a missing tag, and the hover shows it instead.",
    bad: "FROM python:3.99\n",
    good: "FROM python:3.12-slim\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::File(check_exists),
};

pub static BASE_IMAGE_SIZE_BUDGET: Rule = Rule {
    id: "base-image-size-budget",
    summary: "The base image should fit the configured size budget",
    severity: Severity::Warning,
    aliases: &[],
    explanation: "Every megabyte of the base image is pulled by every build machine and every node that \
runs the container, and scanned for vulnerabilities. A budget makes the cost of the first line of a \
Dockerfile visible: a base image whose compressed size (what a pull downloads, for the configured \
platform) is over it is reported, with the slimmer variant of the same image the registry has, if \
any.\n\n\
Off until a budget is set: `size-budget = \"200MB\"` under `[registry]` in `dockerfile-lsp.toml` (or \
the editor settings) for every Dockerfile, and `[registry.size-budgets]` with a pattern per path \
(`\"services/api/Dockerfile\" = \"120MB\"`) for some. Sizes come from the registry.",
    bad: "FROM python:3.12\n",
    good: "FROM python:3.12-slim\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::File(check_budget),
};

fn check_exists(view: &FileView<'_, '_>, findings: &mut Findings) {
    if view.context.images.is_empty() {
        return;
    }
    for stage in &view.model.stages {
        let written = stage.expanded_image.value.as_str();
        if !matches!(stage.base, Base::Image(_)) || image_ref::has_unexpanded_variable(written) {
            continue;
        }
        let Some(facts) = view.context.image_facts(written) else {
            continue;
        };
        if facts.digest.is_none() {
            findings.report(
                stage.image_range.clone(),
                format!(
                    "`{written}` does not exist: {} has no such repository or tag, so the build fails here",
                    facts.registry
                ),
            );
        }
    }
}

fn check_budget(view: &FileView<'_, '_>, findings: &mut Findings) {
    let Some(budget) = view.context.size_budget else {
        return;
    };
    for stage in &view.model.stages {
        let written = stage.expanded_image.value.as_str();
        if !matches!(stage.base, Base::Image(_)) {
            continue;
        }
        let Some(facts) = view.context.image_facts(written) else {
            continue;
        };
        let Some(size) = facts.size.filter(|size| *size > budget) else {
            continue;
        };
        let advice = match &facts.slimmer {
            Some((variant, slim)) if *slim <= budget => {
                format!(": `{variant}` is {}", format_size(*slim))
            }
            Some((variant, slim)) => format!(
                ": `{variant}` is {}, still over it; build on a smaller image",
                format_size(*slim)
            ),
            None => ": build on a smaller image".to_owned(),
        };
        findings.report(
            stage.image_range.clone(),
            format!(
                "`{written}` is {} compressed, over the budget of {}{advice}",
                format_size(size),
                format_size(budget)
            ),
        );
    }
}

/// Sizes as registries' sites show them: `45.2 MB`, `1.2 GB`, `850 kB` (units of 1000).
pub fn format_size(bytes: u64) -> String {
    let value = bytes as f64;
    if value >= 1e9 {
        format!("{:.1} GB", value / 1e9)
    } else if value >= 1e7 {
        format!("{:.0} MB", value / 1e6)
    } else if value >= 1e6 {
        format!("{:.1} MB", value / 1e6)
    } else if value >= 1e3 {
        format!("{:.0} kB", value / 1e3)
    } else {
        format!("{bytes} B")
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::testing::{located, run_in};
    use super::format_size;
    use crate::analysis::settings::{Context, ImageFacts};

    fn context(budget: Option<u64>) -> Context {
        let found = |reference: &str, size: u64, slimmer: Option<(&str, u64)>| ImageFacts {
            reference: reference.to_owned(),
            registry: "registry-1.docker.io".to_owned(),
            digest: Some("sha256:00".to_owned()),
            platforms: vec!["linux/amd64".to_owned()],
            size: Some(size),
            slimmer: slimmer.map(|(r, s)| (r.to_owned(), s)),
        };
        Context {
            images: Arc::new(vec![
                found(
                    "python:3.12",
                    380_000_000,
                    Some(("python:3.12-slim", 45_200_000)),
                ),
                found(
                    "node:20",
                    400_000_000,
                    Some(("node:20-alpine", 250_000_000)),
                ),
                found("golang:1.22", 300_000_000, None),
                found("alpine:3.20", 3_600_000, None),
                ImageFacts {
                    reference: "python:3.99".to_owned(),
                    registry: "registry-1.docker.io".to_owned(),
                    ..ImageFacts::default()
                },
            ]),
            size_budget: budget,
            ..Context::default()
        }
    }

    fn found(id: &str, text: &str, context: &Context) -> Vec<(String, String)> {
        located(text, run_in(id, text, context))
    }

    #[test]
    fn a_tag_the_registry_does_not_have() {
        let text = "ARG PY=3.99\nFROM python:${PY} AS build\nFROM python:3.12\nFROM build\n";
        insta::assert_debug_snapshot!(found("base-image-not-found", text, &context(None)), @r#"
        [
            (
                "2:6-2:18",
                "`python:3.99` does not exist: registry-1.docker.io has no such repository or tag, so the build fails here",
            ),
        ]
        "#);
        // Not asked yet: nothing to say.
        assert!(found("base-image-not-found", text, &Context::default()).is_empty());
    }

    #[test]
    fn images_over_the_budget_name_their_size_and_the_slimmer_variant() {
        let text = "FROM python:3.12\nFROM node:20\nFROM golang:1.22\nFROM alpine:3.20\nFROM python:3.12-slim\n";
        insta::assert_debug_snapshot!(found("base-image-size-budget", text, &context(Some(200_000_000))), @r#"
        [
            (
                "1:6-1:17",
                "`python:3.12` is 380 MB compressed, over the budget of 200 MB: `python:3.12-slim` is 45 MB",
            ),
            (
                "2:6-2:13",
                "`node:20` is 400 MB compressed, over the budget of 200 MB: `node:20-alpine` is 250 MB, still over it; build on a smaller image",
            ),
            (
                "3:6-3:17",
                "`golang:1.22` is 300 MB compressed, over the budget of 200 MB: build on a smaller image",
            ),
        ]
        "#);
        assert!(found("base-image-size-budget", text, &context(None)).is_empty());
    }

    #[test]
    fn sizes_read_like_registry_sites() {
        assert_eq!(format_size(380_400_000), "380 MB");
        assert_eq!(format_size(3_600_000), "3.6 MB");
        assert_eq!(format_size(1_234_000_000), "1.2 GB");
        assert_eq!(format_size(850_000), "850 kB");
        assert_eq!(format_size(12), "12 B");
    }
}
