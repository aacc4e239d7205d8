//! The `check` command: reads each file, checks it and prints its findings.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::Status;
use crate::analysis::{self, rules::Finding};
use crate::files::{self, describe_io};
use crate::position::{LineIndex, PositionEncoding};
use crate::syntax::Severity;

/// Checks every file `paths` leads to, printing findings to `out` and problems
/// with the files themselves to `err`.
pub(super) fn run(paths: &[PathBuf], out: &mut dyn Write, err: &mut dyn Write) -> Status {
    match check_all(paths, out, err) {
        Ok(status) => status,
        Err(error) => {
            // Nothing more can be said if stderr is gone as well.
            let _ = writeln!(err, "error: cannot write the report: {error}");
            Status::Failure
        }
    }
}

fn check_all(paths: &[PathBuf], out: &mut dyn Write, err: &mut dyn Write) -> io::Result<Status> {
    let files = match files::discover(paths) {
        Ok(files) => files,
        Err(error) => {
            writeln!(err, "{}: error: {error}", error.path().display())?;
            return Ok(Status::Failure);
        }
    };
    let mut status = Status::Clean;
    for path in &files {
        let text = match read_text(path) {
            Ok(text) => text,
            Err(reason) => {
                writeln!(err, "{}: error: {reason}", path.display())?;
                status = Status::Failure;
                continue;
            }
        };
        let findings = sorted(analysis::check(
            files::kind_for_checking(path),
            &text,
            &Default::default(),
        ));
        if findings.iter().any(|f| is_serious(f.severity)) {
            status = status.max(Status::Findings);
        }
        if findings.is_empty() {
            continue;
        }
        let index = LineIndex::new(&text);
        for finding in &findings {
            writeln!(out, "{}", format_finding(path, &index, finding))?;
        }
    }
    Ok(status)
}

/// The file's text, or why it has none.
fn read_text(path: &Path) -> Result<String, String> {
    let bytes = fs::read(path).map_err(|e| format!("cannot read file: {}", describe_io(&e)))?;
    String::from_utf8(bytes).map_err(|e| describe_bad_utf8(&e))
}

fn describe_bad_utf8(error: &std::string::FromUtf8Error) -> String {
    let bytes = error.as_bytes();
    let valid_up_to = error.utf8_error().valid_up_to();
    // The bytes before `valid_up_to` are valid UTF-8, so this borrows them unchanged.
    let before = String::from_utf8_lossy(&bytes[..valid_up_to]);
    let at = LineIndex::new(&before).position(before.len(), PositionEncoding::Utf32);
    let (line, col) = (u64::from(at.line) + 1, u64::from(at.col) + 1);
    match (error.utf8_error().error_len(), bytes.get(valid_up_to)) {
        (Some(_), Some(byte)) => {
            format!("not valid UTF-8: invalid byte 0x{byte:02X} at line {line}, column {col}")
        }
        _ => format!(
            "not valid UTF-8: incomplete character at the end of the file (line {line}, column {col})"
        ),
    }
}

/// Findings in the order they occur in the file.
fn sorted(mut findings: Vec<Finding>) -> Vec<Finding> {
    findings.sort_by(|a, b| {
        (a.range.start, a.range.end, a.rule).cmp(&(b.range.start, b.range.end, b.rule))
    });
    findings
}

/// Errors and warnings fail a check; infos and hints do not.
fn is_serious(severity: Severity) -> bool {
    matches!(severity, Severity::Error | Severity::Warning)
}

fn severity_label(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
        Severity::Hint => "hint",
    }
}

/// `path:line:col: severity[rule] message`, with a 1-based line and a 1-based
/// column counted in Unicode characters, as compilers print them.
fn format_finding(path: &Path, index: &LineIndex, finding: &Finding) -> String {
    let at = index.position(finding.range.start, PositionEncoding::Utf32);
    format!(
        "{}:{}:{}: {}[{}] {}",
        path.display(),
        u64::from(at.line) + 1,
        u64::from(at.col) + 1,
        severity_label(finding.severity),
        finding.rule,
        finding.message
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(range: std::ops::Range<usize>, severity: Severity) -> Finding {
        Finding {
            rule: "syntax-test",
            message: "something is wrong".to_owned(),
            range,
            severity,
        }
    }

    #[test]
    fn a_finding_prints_its_one_based_line_and_character_column() {
        let text = "FROM alpine\nRUN echo 🐳 && oops\n";
        let index = LineIndex::new(text);
        let start = text.find("oops").expect("fixture has oops");
        let line = format_finding(
            Path::new("app/Dockerfile"),
            &index,
            &finding(start..start + 4, Severity::Error),
        );
        // `oops` is the 15th character of line 2: the whale counts as one, not two or four.
        assert_eq!(
            line,
            "app/Dockerfile:2:15: error[syntax-test] something is wrong"
        );
    }

    #[test]
    fn every_severity_has_its_label() {
        let index = LineIndex::new("x");
        let labels: Vec<String> = [
            Severity::Error,
            Severity::Warning,
            Severity::Info,
            Severity::Hint,
        ]
        .into_iter()
        .map(|severity| format_finding(Path::new("f"), &index, &finding(0..1, severity)))
        .collect();
        assert_eq!(
            labels,
            [
                "f:1:1: error[syntax-test] something is wrong",
                "f:1:1: warning[syntax-test] something is wrong",
                "f:1:1: info[syntax-test] something is wrong",
                "f:1:1: hint[syntax-test] something is wrong",
            ]
        );
    }

    #[test]
    fn findings_are_sorted_by_position() {
        let findings = sorted(vec![
            finding(10..12, Severity::Info),
            finding(3..9, Severity::Error),
            finding(3..4, Severity::Warning),
        ]);
        let ranges: Vec<_> = findings.into_iter().map(|f| f.range).collect();
        assert_eq!(ranges, [3..4, 3..9, 10..12]);
    }

    #[test]
    fn only_errors_and_warnings_fail_a_check() {
        assert!(is_serious(Severity::Error));
        assert!(is_serious(Severity::Warning));
        assert!(!is_serious(Severity::Info));
        assert!(!is_serious(Severity::Hint));
    }

    #[test]
    fn invalid_utf8_is_located_by_line_and_character() {
        let bytes = b"FROM alpine\nRUN echo \xC3\xA9 \xFF\n".to_vec();
        let error = String::from_utf8(bytes).expect_err("fixture is not UTF-8");
        assert_eq!(
            describe_bad_utf8(&error),
            "not valid UTF-8: invalid byte 0xFF at line 2, column 12"
        );
    }

    #[test]
    fn a_truncated_character_at_the_end_is_described_as_such() {
        let error = String::from_utf8(b"FROM \xE2\x82".to_vec()).expect_err("fixture is not UTF-8");
        assert_eq!(
            describe_bad_utf8(&error),
            "not valid UTF-8: incomplete character at the end of the file (line 1, column 6)"
        );
    }

    #[test]
    fn a_run_reports_every_unreadable_file_and_fails() {
        let dir = tempfile::tempdir().expect("temp dir");
        let first = dir.path().join("first.Dockerfile");
        let second = dir.path().join("second.Dockerfile");
        fs::write(&first, b"FROM \xFF\n").expect("write");
        fs::write(&second, b"FROM alpine\n\xC3").expect("write");
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let status = run(&[first.clone(), second.clone()], &mut out, &mut err);
        assert_eq!(status, Status::Failure);
        assert!(out.is_empty());
        assert_eq!(
            String::from_utf8(err).expect("stderr is text"),
            format!(
                "{}: error: not valid UTF-8: invalid byte 0xFF at line 1, column 6\n\
                 {}: error: not valid UTF-8: incomplete character at the end of the file (line 2, column 1)\n",
                first.display(),
                second.display()
            )
        );
    }
}
