//! Formatting the real corpus: idempotent, and BuildKit reads the formatted file as it reads
//! the original once runs of whitespace are folded (BuildKit's own parser, through its Python
//! binding, as in the conformance test).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test stops loudly on a broken fixture

mod support;

use std::path::PathBuf;

use dockerfile_lsp::analysis::format::{FormatOptions, format_text};
use support::corpus::{corpus_dir, corpus_files, read};
use support::whitespace::folded;

#[test]
fn folding_treats_escaped_blanks_as_blanks() {
    assert_eq!(folded("(run \"a \\t  b\\\\t\")\n"), "(run \"a b\\\\t\")\n");
}

fn check_options(options: &FormatOptions, label: &str) {
    let files = corpus_files(&corpus_dir().join("real"));
    assert_eq!(files.len(), 397);
    let out = tempfile::tempdir().unwrap();
    let mut formatted_files = Vec::new();
    let mut not_idempotent = Vec::new();
    let mut changed = 0;
    for (i, path) in files.iter().enumerate() {
        let text = read(path);
        let once = format_text(&text, options);
        let twice = format_text(&once, options);
        if once != twice {
            not_idempotent.push(format!(
                "{}:\n--- once\n{once}--- twice\n{twice}",
                path.display()
            ));
        }
        changed += usize::from(once != text);
        let target = out.path().join(format!("{i:03}.Dockerfile"));
        std::fs::write(&target, &once).unwrap();
        formatted_files.push(target);
    }
    assert!(
        not_idempotent.is_empty(),
        "{label}: {} of 397 files change when formatted again:\n{}",
        not_idempotent.len(),
        not_idempotent.join("\n")
    );
    let mut all = files.clone();
    all.extend(formatted_files.iter().cloned());
    let dumps = support::buildkit::reference_dumps(&all);
    let mut differences = Vec::new();
    for (original, formatted) in files.iter().zip(&formatted_files) {
        let get = |path: &PathBuf| {
            let value = &dumps[path.to_string_lossy().as_ref()];
            match value.get("dump").and_then(|d| d.as_str()) {
                Some(dump) => folded(dump),
                None => format!("error: {}", value["error"]),
            }
        };
        let (before, after) = (get(original), get(formatted));
        if before != after {
            let diff: Vec<String> = before
                .lines()
                .zip(after.lines())
                .filter(|(a, b)| a != b)
                .take(3)
                .map(|(a, b)| format!("  before: {a}\n  after:  {b}"))
                .collect();
            differences.push(format!("{}:\n{}", original.display(), diff.join("\n")));
        }
    }
    assert!(
        differences.is_empty(),
        "{label}: {} of 397 files read differently once formatted:\n{}",
        differences.len(),
        differences.join("\n")
    );
    // The corpus is not all formatted already: the check means something.
    assert!(changed > 100, "{label}: only {changed} files changed");
}

#[test]
fn formatting_the_corpus_is_idempotent_and_keeps_what_buildkit_reads() {
    check_options(&FormatOptions::default(), "default");
}

#[test]
fn formatting_the_corpus_with_other_options_too() {
    check_options(
        &FormatOptions {
            indent: "\t".to_owned(),
            tab_width: 8,
            keep_multiline: true,
            max_blank_lines: 0,
        },
        "tabs, keep-multiline, no blank lines",
    );
}
