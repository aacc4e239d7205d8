//! Base images from registries the project trusts (`trusted_registries` setting).

use super::{Alias, Check, FileView, Findings, Rule};
use crate::analysis::image_ref;
use crate::analysis::model::Base;
use crate::syntax::Severity;

pub static UNTRUSTED_REGISTRY: Rule = Rule {
    id: "untrusted-registry",
    summary: "Base images should come from a trusted registry",
    severity: Severity::Error,
    aliases: &[Alias::Hadolint("DL3026")],
    explanation: "When the settings list trusted registries (`trusted_registries`, globs such as \
`*.gcr.io` allowed), every FROM image must come from one of them: an image from anywhere else has not been \
vetted and could change or disappear. Images without a registry come from Docker Hub (`docker.io`, also \
accepted as `hub.docker.com`). Earlier stages, `scratch` and names built from ARGs without a default are \
not images and are skipped. Nothing is reported while the list is empty.",
    bad: "FROM quay.io/acme/base:1.0\n",
    good: "FROM python:3.12-slim\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::File(check),
};

/// A registry glob: `*` matches any run of characters; case does not matter.
fn glob_matches(pattern: &str, text: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    let text = text.to_ascii_lowercase();
    let parts: Vec<&str> = pattern.split('*').collect();
    let [first, middle @ .., last] = parts.as_slice() else {
        return pattern == text;
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Docker Hub's other names in configuration.
fn is_docker_hub_name(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "docker.io" | "hub.docker.com" | "index.docker.io" | "registry-1.docker.io"
    )
}

fn is_trusted(registry: &str, trusted: &[String]) -> bool {
    let hub = is_docker_hub_name(registry);
    trusted
        .iter()
        .any(|t| glob_matches(t, registry) || (hub && is_docker_hub_name(t)))
}

fn check(view: &FileView<'_, '_>, findings: &mut Findings) {
    let trusted = &findings.context().settings.trusted_registries;
    if trusted.is_empty() {
        return;
    }
    let trusted = trusted.clone();
    for stage in &view.model.stages {
        let Base::Image(reference) = &stage.base else {
            continue;
        };
        if image_ref::has_unexpanded_variable(&stage.expanded_image.value) {
            continue;
        }
        if !is_trusted(&reference.registry, &trusted) {
            findings.report(
                stage.image_range.clone(),
                format!(
                    "`{}` comes from `{}`, which is not a trusted registry ({})",
                    reference.familiar(),
                    reference.registry,
                    trusted.join(", ")
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::testing::{located, run_in};
    use super::glob_matches;
    use crate::analysis::settings::{Context, Settings};

    fn trusting(registries: &[&str]) -> Context {
        Context {
            settings: Arc::new(Settings {
                trusted_registries: registries.iter().map(|r| r.to_string()).collect(),
                ..Settings::default()
            }),
            ..Context::default()
        }
    }

    fn found(text: &str, registries: &[&str]) -> Vec<(String, String)> {
        located(
            text,
            run_in("untrusted-registry", text, &trusting(registries)),
        )
    }

    #[test]
    fn images_outside_the_trusted_registries() {
        let text = "FROM python:3.12\nFROM eu.gcr.io/p/app:1\nFROM quay.io/x/y:2 AS q\nFROM gcr.io/p/z:3\n";
        let result = found(text, &["docker.io", "*.gcr.io"]);
        let ranges: Vec<&str> = result.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(ranges, ["3:6-3:19", "4:6-4:18"]);
        insta::assert_snapshot!(result[0].1, @"`quay.io/x/y:2` comes from `quay.io`, which is not a trusted registry (docker.io, *.gcr.io)");
    }

    #[test]
    fn hub_images_need_docker_hub_in_the_list() {
        let text = "FROM python:3.12\nFROM library/debian:12\n";
        assert_eq!(found(text, &["ghcr.io"]).len(), 2);
        assert!(found(text, &["hub.docker.com"]).is_empty());
    }

    #[test]
    fn stages_scratch_arguments_and_an_empty_list_are_skipped() {
        let text = "ARG BASE\nARG OK=ghcr.io/o/a:1\nFROM ghcr.io/o/b:1 AS base\nFROM base\nFROM scratch\nFROM $BASE\nFROM $OK\n";
        assert!(found(text, &["ghcr.io"]).is_empty());
        assert!(found("FROM quay.io/x/y:1\n", &[]).is_empty());
        // An ARG's default is the image that is pulled.
        assert_eq!(
            found("ARG IMG=quay.io/x/y:1\nFROM $IMG\n", &["ghcr.io"])[0].0,
            "2:6-2:10"
        );
    }

    #[test]
    fn globs() {
        assert!(glob_matches("*.gcr.io", "eu.gcr.io"));
        assert!(!glob_matches("*.gcr.io", "gcr.io"));
        assert!(glob_matches("GHCR.io", "ghcr.io"));
        assert!(glob_matches(
            "registry.*.example.com",
            "registry.eu.example.com"
        ));
        assert!(!glob_matches("ghcr.io", "ghcr.io.evil.com"));
        assert!(glob_matches("*", "anything"));
    }
}
