//! Properties every fix must keep, checked over every rule's example and the corpus of
//! real Dockerfiles: a fix leaves no new syntax error, resolves its finding, brings no new
//! error-level finding, and fix-all reaches a text it would not change again.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test stops loudly on a broken fixture

mod support;

use dockerfile_lsp::analysis::{self, fixes, rules, settings::Context};
use dockerfile_lsp::syntax::{FileKind, Finding, Severity};
use support::corpus::{corpus_dir, corpus_files, read};

/// What a text is found to have, in the counts the properties compare.
struct Counts {
    syntax_errors: usize,
    errors: usize,
}

fn counts(findings: &[Finding]) -> Counts {
    Counts {
        syntax_errors: findings
            .iter()
            .filter(|f| f.rule.starts_with("syntax-"))
            .count(),
        errors: findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .count(),
    }
}

/// Every property for every fix offered on `text`; returns how many fixes were tried,
/// and pushes a description of each broken property to `failures`.
fn check_fixes(name: &str, text: &str, context: &Context, failures: &mut Vec<String>) -> usize {
    let findings = analysis::check(FileKind::Dockerfile, text, context);
    let before = counts(&findings);
    let mut tried = 0;
    for finding in findings.iter().filter(|f| f.fix.is_some()) {
        let edits = finding.fix_edits();
        if edits.is_empty() {
            continue; // a fix that only creates a file next to the Dockerfile
        }
        tried += 1;
        let Some(after_text) = fixes::apply_edits(text, &edits) else {
            failures.push(format!(
                "{name}: {} fix has overlapping edits",
                finding.rule
            ));
            continue;
        };
        let after = analysis::check(FileKind::Dockerfile, &after_text, context);
        let same_rule = |list: &[Finding]| list.iter().filter(|f| f.rule == finding.rule).count();
        let now = counts(&after);
        if now.syntax_errors > before.syntax_errors {
            failures.push(format!(
                "{name}: {} fix adds a syntax error:\n{after_text}",
                finding.rule
            ));
        }
        if same_rule(&after) >= same_rule(&findings) {
            failures.push(format!(
                "{name}: {} fix does not resolve it:\n{after_text}",
                finding.rule
            ));
        }
        if now.errors > before.errors {
            let new: Vec<&str> = after
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .map(|f| f.rule)
                .collect();
            failures.push(format!(
                "{name}: {} fix brings errors {new:?}:\n{after_text}",
                finding.rule
            ));
        }
    }
    let once = fixes::fix_all(FileKind::Dockerfile, text, context);
    let twice = fixes::fix_all(FileKind::Dockerfile, &once.text, context);
    if twice.text != once.text {
        failures.push(format!(
            "{name}: fix-all changes its own result again ({:?}):\n{}",
            twice.applied, once.text
        ));
    }
    tried
}

fn assert_no_failures(failures: &[String], tried: usize) {
    assert!(
        failures.is_empty(),
        "{} of {tried} fixes break a property; the first ones:\n\n{}",
        failures.len(),
        failures
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

#[test]
fn every_fix_of_every_rule_example_keeps_the_properties() {
    let context = Context::default();
    let mut failures = Vec::new();
    let mut tried = 0;
    for rule in rules::RULES.iter().filter(|r| r.fixable) {
        tried += check_fixes(rule.id, rule.bad, &context, &mut failures);
    }
    assert_no_failures(&failures, tried);
}

#[test]
fn every_fix_over_the_real_corpus_keeps_the_properties() {
    let dir = corpus_dir().join("real");
    let context = Context::default();
    let mut failures = Vec::new();
    let mut tried = 0;
    for path in corpus_files(&dir) {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        tried += check_fixes(&name, &read(&path), &context, &mut failures);
    }
    println!("{tried} fixes tried over the corpus");
    assert!(
        tried > 0,
        "the corpus offers no fix at all: the test would prove nothing"
    );
    assert_no_failures(&failures, tried);
}
