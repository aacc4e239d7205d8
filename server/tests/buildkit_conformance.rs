//! Our parser against BuildKit's: its parser test files, the cases of its Go tests, and
//! 397 real Dockerfiles compared with BuildKit's own parser (through its Python binding).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test stops loudly on a broken fixture

mod support;

use dockerfile_lsp::syntax::{self, Dockerfile, FileKind, InstructionKind};
use support::corpus::{corpus_dir, corpus_files, read};
use tree_sitter::Tree;

fn parse(text: &str) -> Tree {
    syntax::parse(FileKind::Dockerfile, text, None).expect("parse")
}

fn dump(text: &str) -> String {
    let tree = parse(text);
    syntax::buildkit_dump(&Dockerfile::new(&tree, text))
}

/// The errors we report for a text: syntax errors and the rules that find what makes
/// BuildKit fail (ONBUILD triggers, say).
fn error_errors(text: &str) -> Vec<syntax::Finding> {
    dockerfile_lsp::analysis::check(FileKind::Dockerfile, text, &Default::default())
        .into_iter()
        .filter(|e| e.severity == syntax::Severity::Error)
        .collect()
}

/// A node that tree-sitter marks as an error, with its position, if any.
fn first_tree_error(tree: &Tree) -> Option<String> {
    let mut cursor = tree.walk();
    let mut stack = vec![tree.root_node()];
    while let Some(node) = stack.pop() {
        if node.is_error() || node.is_missing() {
            return Some(format!("{} at {:?}", node.kind(), node.start_position()));
        }
        if node.has_error() {
            stack.extend(node.children(&mut cursor).collect::<Vec<_>>());
        }
    }
    None
}

#[test]
fn every_buildkit_parser_test_file_dumps_as_buildkit_expects() {
    let dir = corpus_dir().join("buildkit-parser/testfiles");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert_eq!(
        cases.len(),
        33,
        "BuildKit has 33 positive parser test files"
    );
    let mut failures = Vec::new();
    for case in &cases {
        let text = read(&case.join("Dockerfile"));
        let expected = read(&case.join("result"));
        let got = dump(&text);
        if got != expected {
            failures.push(format!(
                "{}:\n--- expected\n{expected}--- got\n{got}",
                case.file_name().unwrap().to_string_lossy()
            ));
        }
        assert!(
            first_tree_error(&parse(&text)).is_none(),
            "{} has a tree error",
            case.display()
        );
    }
    assert!(
        failures.is_empty(),
        "{} of 33 differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_negative_buildkit_test_file_has_a_syntax_error() {
    let dir = corpus_dir().join("buildkit-parser/testfiles-negative");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert_eq!(cases.len(), 4);
    for case in cases {
        let text = read(&case.join("Dockerfile"));
        let errors: Vec<_> = error_errors(&text)
            .into_iter()
            .filter(|e| e.rule.starts_with("syntax-"))
            .collect();
        assert!(
            !errors.is_empty(),
            "{} parsed without a syntax error",
            case.display()
        );
        for e in &errors {
            assert_ne!(&*e.message, "syntax error");
        }
    }
}

#[test]
fn instruction_line_numbers_match_buildkit() {
    let text = read(&corpus_dir().join("buildkit-parser/testfile-line/Dockerfile"));
    let tree = parse(&text);
    let file = Dockerfile::new(&tree, &text);
    let lines: Vec<(usize, usize)> = file
        .instructions()
        .map(|i| {
            (
                i.node().start_position().row + 1,
                i.node().end_position().row + 1,
            )
        })
        .collect();
    assert_eq!(lines, vec![(5, 5), (11, 12), (17, 31)]);
}

#[test]
fn every_real_dockerfile_parses_cleanly_and_dumps_as_buildkit_does() {
    let files = corpus_files(&corpus_dir().join("real"));
    assert_eq!(files.len(), 397);
    let reference = support::buildkit::reference_dumps(&files);
    let mut tree_errors = Vec::new();
    let mut differences = Vec::new();
    for path in &files {
        let text = read(path);
        let tree = parse(&text);
        if let Some(e) = first_tree_error(&tree) {
            tree_errors.push(format!("{}: {e}", path.display()));
        }
        let syntax_errors: Vec<_> = error_errors(&text)
            .into_iter()
            .filter(|e| e.rule.starts_with("syntax-"))
            .collect();
        if !syntax_errors.is_empty() {
            tree_errors.push(format!("{}: {:?}", path.display(), syntax_errors));
        }
        let key = path.to_string_lossy().into_owned();
        let expected = reference
            .get(&key)
            .and_then(|v| v.get("dump"))
            .and_then(|v| v.as_str());
        let got = syntax::buildkit_dump(&Dockerfile::new(&tree, &text));
        match expected {
            Some(expected) if expected == got => {}
            Some(expected) => {
                let diff: Vec<String> = expected
                    .lines()
                    .zip(got.lines())
                    .filter(|(a, b)| a != b)
                    .take(2)
                    .map(|(a, b)| format!("  buildkit: {a}\n  ours:     {b}"))
                    .collect();
                differences.push(format!("{}:\n{}", path.display(), diff.join("\n")));
            }
            None => differences.push(format!(
                "{}: no reference dump: {:?}",
                path.display(),
                reference.get(&key)
            )),
        }
    }
    assert!(
        tree_errors.is_empty(),
        "{} files with errors:\n{}",
        tree_errors.len(),
        tree_errors.join("\n")
    );
    assert!(
        differences.is_empty(),
        "{} of 397 dumps differ from BuildKit's:\n{}",
        differences.len(),
        differences.join("\n")
    );
}

#[test]
fn every_real_dockerignore_parses_cleanly() {
    let files = corpus_files(&corpus_dir().join("dockerignore"));
    assert_eq!(files.len(), 55);
    for path in files {
        let text = read(&path);
        let tree = syntax::parse(FileKind::Dockerignore, &text, None).unwrap();
        assert!(
            !tree.root_node().has_error(),
            "{} has a tree error",
            path.display()
        );
    }
}

// ---------------------------------------------------------------------------
// Cases transcribed from BuildKit's Go tests (buildkit-cases.json)
// ---------------------------------------------------------------------------

fn cases(kind: &str) -> Vec<serde_json::Value> {
    let json: serde_json::Value =
        serde_json::from_str(&read(&corpus_dir().join("buildkit-cases.json"))).unwrap();
    let cases: Vec<serde_json::Value> = json["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["kind"] == kind)
        .cloned()
        .collect();
    assert!(!cases.is_empty(), "no {kind} cases");
    cases
}

#[test]
fn heredoc_cases_hold() {
    for case in cases("parse-heredocs") {
        let text = case["dockerfile"].as_str().unwrap();
        let tree = parse(text);
        assert!(first_tree_error(&tree).is_none(), "{}", case["id"]);
        let file = Dockerfile::new(&tree, text);
        let instructions: Vec<_> = file.instructions().collect();
        for child in case["expect"]["children"].as_array().unwrap() {
            let index = child["index"].as_u64().unwrap() as usize;
            let instruction = &instructions[index];
            if let Some(line) = child["line"].as_str() {
                assert_eq!(
                    instruction.logical(instruction.line_range()),
                    line,
                    "{} child {index}",
                    case["id"]
                );
            }
            let got: Vec<serde_json::Value> = instruction
                .heredocs()
                .iter()
                .map(|h| {
                    serde_json::json!({
                        "Name": h.spec.name,
                        "Content": h.content(text),
                        "Expand": h.spec.expand,
                        "Chomp": h.spec.chomp,
                        "FileDescriptor": h.spec.file_descriptor.unwrap_or(0),
                    })
                })
                .collect();
            let expected = match &child["heredocs"] {
                serde_json::Value::Null => Vec::new(),
                v => v.as_array().unwrap().clone(),
            };
            assert_eq!(
                got, expected,
                "{} child {index} ({})",
                case["id"], child["line"]
            );
        }
    }
}

#[test]
fn directive_cases_hold() {
    for case in cases("directives") {
        let text = case["dockerfile"].as_str().unwrap();
        let got: Vec<serde_json::Value> = syntax::directives(text)
            .into_iter()
            .map(|d| serde_json::json!({"name": d.name, "value": d.value}))
            .collect();
        assert_eq!(
            &serde_json::Value::Array(got),
            &case["expect"]["directives"],
            "{}",
            case["id"]
        );
        // The grammar sees the same directives.
        let tree = parse(text);
        let names: Vec<String> = Dockerfile::new(&tree, text)
            .directives()
            .map(|d| d.name().to_ascii_lowercase())
            .collect();
        let expected: Vec<String> = case["expect"]["directives"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["name"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(names, expected, "{}", case["id"]);
    }
}

#[test]
fn detect_syntax_cases_hold() {
    for case in cases("detect-syntax") {
        let text = case["dockerfile"].as_str().unwrap();
        let expect = &case["expect"];
        let got = syntax::detect_syntax(text);
        assert_eq!(
            got.is_some(),
            expect["found"].as_bool().unwrap(),
            "{}",
            case["id"]
        );
        if let Some((reference, cmdline, line)) = got {
            assert_eq!(reference, expect["ref"].as_str().unwrap(), "{}", case["id"]);
            if let Some(c) = expect["cmdline"].as_str() {
                assert_eq!(cmdline, c, "{}", case["id"]);
            }
            if let Some(l) = expect["line"].as_u64() {
                assert_eq!(line as u64, l, "{}", case["id"]);
            }
        }
    }
}

#[test]
fn check_directive_cases_hold() {
    for case in cases("parse-directive") {
        let text = case["dockerfile"].as_str().unwrap();
        let expect = &case["expect"];
        let got = syntax::check_directive(text);
        assert_eq!(
            got.is_some(),
            expect["found"].as_bool().unwrap(),
            "{}",
            case["id"]
        );
        if let Some((value, cmdline, line)) = got {
            assert_eq!(value, expect["value"].as_str().unwrap(), "{}", case["id"]);
            if let Some(c) = expect["cmdline"].as_str() {
                assert_eq!(cmdline, c, "{}", case["id"]);
            }
            if let Some(l) = expect["line"].as_u64() {
                assert_eq!(line as u64, l, "{}", case["id"]);
            }
        }
    }
}

#[test]
fn empty_continuation_line_warnings_match_buildkit() {
    for case in cases("parse-warnings") {
        let text = case["dockerfile"].as_str().unwrap();
        let warnings: Vec<_> =
            dockerfile_lsp::analysis::check(FileKind::Dockerfile, text, &Default::default())
                .into_iter()
                .filter(|e| e.rule == "no-empty-continuation")
                .collect();
        // BuildKit warns once per instruction; we point at each blank line.
        let tree = parse(text);
        let file = Dockerfile::new(&tree, text);
        let warned: std::collections::BTreeSet<usize> = file
            .instructions()
            .filter(|i| {
                warnings
                    .iter()
                    .any(|w| i.line_range().contains(&w.range.start))
            })
            .map(|i| i.node().start_byte())
            .collect();
        assert_eq!(
            warned.len() as u64,
            case["expect"]["warning_count"].as_u64().unwrap()
        );
        for expected in case["expect"]["warnings_contain"].as_array().unwrap() {
            let line = expected
                .as_array()
                .unwrap()
                .last()
                .unwrap()
                .as_str()
                .unwrap();
            assert!(
                file.instructions()
                    .any(|i| i.logical(i.line_range()) == line
                        && warned.contains(&i.node().start_byte())),
                "no warning for {line:?}"
            );
        }
    }
}

#[test]
fn an_overlong_line_is_an_error() {
    for case in cases("parse-error") {
        let template = case["dockerfile_template"].as_str().unwrap();
        let text = template.replace("%s", &"a".repeat(65536));
        let errors = error_errors(&text);
        let expected = case["expect"]["error"].as_str().unwrap();
        assert!(errors.iter().any(|e| *e.message == *expected), "{errors:?}");
    }
}

#[test]
fn instruction_error_cases_are_reported_with_buildkits_words() {
    for case in cases("instruction-error") {
        let text = case["dockerfile"].as_str().unwrap();
        let expected = case["expect"]["instruction_error"]
            .as_str()
            .or(case["expect"]["instruction_error_contains"].as_str())
            .unwrap();
        let errors = error_errors(text);
        assert!(
            errors.iter().any(|e| e.message.contains(expected)),
            "{}: expected an error containing {expected:?}, got {errors:?}",
            case["id"]
        );
    }
}

#[test]
fn instruction_kinds_cover_every_keyword() {
    for kind in InstructionKind::ALL_KNOWN {
        let text = format!("FROM a\n{} x\n", kind.name().to_lowercase());
        let tree = parse(&text);
        let file = Dockerfile::new(&tree, &text);
        assert_eq!(file.instructions().nth(1).map(|i| i.kind()), Some(kind));
    }
}
