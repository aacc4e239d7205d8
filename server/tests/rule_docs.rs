//! `docs/rules/<id>.md` is generated from the rule definitions and must be current.
//!
//! Regenerate with `DOCKERFILE_LSP_UPDATE_DOCS=1 cargo test -p dockerfile-lsp --test rule_docs`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test stops loudly on a broken fixture

use std::path::Path;

use dockerfile_lsp::analysis::rules::{RULES, documentation};

#[test]
fn rule_documentation_is_current() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/rules");
    let update = std::env::var_os("DOCKERFILE_LSP_UPDATE_DOCS").is_some();
    if update {
        std::fs::create_dir_all(&dir).unwrap();
    }
    let mut stale = Vec::new();
    for rule in RULES {
        let path = dir.join(format!("{}.md", rule.id));
        let expected = documentation(rule);
        if update {
            std::fs::write(&path, &expected).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(expected.as_str()) {
            stale.push(path.display().to_string());
        }
    }
    // No page for a rule that no longer exists.
    let known: Vec<String> = RULES.iter().map(|r| format!("{}.md", r.id)).collect();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") && name != "README.md" && !known.contains(&name) {
            stale.push(format!("{name} (no such rule)"));
        }
    }
    assert!(
        stale.is_empty(),
        "rule documentation is out of date: {stale:?}; regenerate with DOCKERFILE_LSP_UPDATE_DOCS=1 cargo test -p dockerfile-lsp --test rule_docs"
    );
}
