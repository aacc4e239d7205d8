//! The before/after pairs in `examples/fixes/<rule>/`: for every fixable rule, a
//! Dockerfile (or ignore file) that triggers it, and what its fixes make of it.
//!
//! `DOCKERFILE_LSP_UPDATE_EXAMPLES=1` rewrites the `after` files from the `before` ones.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test stops loudly on a broken fixture

use std::path::{Path, PathBuf};
use std::sync::Arc;

use dockerfile_lsp::analysis::settings::{Context, ImageFacts, Settings};
use dockerfile_lsp::analysis::{self, fixes, rules};
use dockerfile_lsp::config_files;
use dockerfile_lsp::syntax::FileKind;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/fixes")
}

/// The `before` file of a pair and its kind.
fn before(dir: &Path) -> (PathBuf, FileKind) {
    let dockerfile = dir.join("before.Dockerfile");
    if dockerfile.is_file() {
        (dockerfile, FileKind::Dockerfile)
    } else {
        (dir.join("before.dockerignore"), FileKind::Dockerignore)
    }
}

/// The context `check` gives a file: settings by default, its ignore file, its directory.
fn context_for(path: &Path) -> Context {
    Context {
        settings: Arc::default(),
        dockerignore: config_files::dockerignore_for(path),
        project: config_files::project_for(path),
        ..Context::default()
    }
}

#[test]
fn every_fixable_rule_has_a_before_and_after_pair_that_its_fixes_produce() {
    let update = std::env::var_os("DOCKERFILE_LSP_UPDATE_EXAMPLES").is_some();
    let mut problems = Vec::new();
    for rule in rules::RULES.iter().filter(|r| r.fixable) {
        let dir = examples().join(rule.id);
        let (path, kind) = before(&dir);
        let Ok(text) = std::fs::read_to_string(&path) else {
            problems.push(format!(
                "{}: no examples/fixes/{}/before.Dockerfile",
                rule.id, rule.id
            ));
            continue;
        };
        let mut context = context_for(&path);
        if !rule.enabled_by_default {
            let mut settings = Settings::default();
            settings.enabled.insert(rule.id);
            context.settings = Arc::new(settings);
        }
        if rule.id == "unpinned-base-digest" {
            // What the registry answers for the example's base image (hover and this
            // fix get it from the registry; no network in tests).
            context.images = Arc::new(vec![ImageFacts {
                reference: "python:3.12-slim-bookworm".to_owned(),
                digest: Some(
                    "sha256:2ec5a4a5c3e919570f57675471f081d6299668d909feabd8d4803c6c61af666c"
                        .to_owned(),
                ),
                ..ImageFacts::default()
            }]);
        }
        let found: Vec<_> = analysis::check(kind, &text, &context)
            .into_iter()
            .filter(|f| f.rule == rule.id)
            .collect();
        if !found.iter().any(|f| f.fix.is_some()) {
            problems.push(format!("{}: the before file gets no fix", rule.id));
            continue;
        }
        // Every fix of the rule, safe or not, in the rounds fix-all takes.
        let after_text = fixes::fix_all_where(kind, &text, &context, |f| f.rule == rule.id).text;
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or("Dockerfile");
        let mut expected = vec![(dir.join(format!("after.{extension}")), after_text)];
        for file in found
            .iter()
            .filter_map(|f| f.fix.as_ref()?.new_file.as_ref())
        {
            // Beside `after.Dockerfile`, Docker reads `after.Dockerfile.dockerignore`.
            let name = match file.name.as_str() {
                ".dockerignore" => format!("after.{extension}.dockerignore"),
                other => format!("after.{other}"),
            };
            // The fix appends to an ignore file that exists.
            let existing = std::fs::read_to_string(dir.join(&file.name)).unwrap_or_default();
            expected.push((dir.join(name), existing + &file.contents));
        }
        for (path, text) in expected {
            if update {
                std::fs::write(&path, &text).unwrap();
            } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                problems.push(format!(
                    "{}: {} is not what the fixes make (DOCKERFILE_LSP_UPDATE_EXAMPLES=1 rewrites it):\n{text}",
                    rule.id,
                    path.display()
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
