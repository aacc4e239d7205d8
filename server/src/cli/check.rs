//! The `check` command: reads each file, checks it and reports its findings in the chosen format.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::Status;
use super::located::Located;
use super::registry_facts::RegistryFacts;
use super::{github, human, json, sarif};
use std::sync::Arc;

use crate::analysis;
use crate::analysis::config::Threshold;
use crate::analysis::fixes;
use crate::analysis::settings::Context;
use crate::config_files;
use crate::files::{self, describe_io};
use crate::position::{LineIndex, PositionEncoding};
use crate::syntax::{FileKind, Severity};

/// How the findings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum Format {
    /// `path:line:col: severity[rule] message`, one finding a line
    Human,
    /// One JSON array of findings
    Json,
    /// A SARIF 2.1.0 log, for code scanning services such as GitHub's
    Sarif,
    /// GitHub Actions workflow commands, which annotate the files in pull requests
    Github,
}

/// The least serious finding that fails the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum FailLevel {
    Error,
    Warning,
    Info,
    Hint,
    /// Findings never fail the check (unreadable files still do)
    None,
}

impl FailLevel {
    fn threshold(self) -> Threshold {
        match self {
            FailLevel::Error => Threshold::At(Severity::Error),
            FailLevel::Warning => Threshold::At(Severity::Warning),
            FailLevel::Info => Threshold::At(Severity::Info),
            FailLevel::Hint => Threshold::At(Severity::Hint),
            FailLevel::None => Threshold::Never,
        }
    }
}

/// What to check and how to report it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Options<'a> {
    pub paths: &'a [PathBuf],
    pub format: Format,
    /// `None`: the configuration's threshold, else warning.
    pub fail_level: Option<FailLevel>,
    /// A configuration file given on the command line.
    pub config: Option<&'a Path>,
    pub fixes: Fixes,
    /// Ask registries about base images (`--registry`).
    pub registry: bool,
}

/// What `check` does with the safe fixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fixes {
    /// Nothing: report the findings.
    Report,
    /// Write the fixed files, then report what is left (`--fix`).
    Apply,
    /// Print a unified diff of the fixes, write nothing, report nothing else (`--diff`).
    Diff,
}

/// Checks every file `paths` leads to, printing the report to `out` and problems
/// with the files themselves to `err`.
///
/// A path or file that cannot be read is reported and skipped: the other files
/// are still checked and reported, and the run ends in [`Status::Failure`].
pub(super) fn run(options: Options<'_>, out: &mut dyn Write, err: &mut dyn Write) -> Status {
    match check_all(options, out, err) {
        Ok(status) => status,
        Err(error) => {
            // Nothing more can be said if stderr is gone as well.
            let _ = writeln!(err, "error: cannot write the report: {error}");
            Status::Failure
        }
    }
}

fn check_all(options: Options<'_>, out: &mut dyn Write, err: &mut dyn Write) -> io::Result<Status> {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let loaded = config_files::load(&cwd, options.config);
    for problem in &loaded.problems {
        writeln!(err, "{problem}")?;
    }
    if options.config.is_some() && loaded.files.is_empty() {
        // The file asked for cannot be used: checking with other settings would mislead.
        return Ok(Status::Failure);
    }
    let threshold = options
        .fail_level
        .map(FailLevel::threshold)
        .or(loaded.failure_threshold)
        .unwrap_or(Threshold::At(Severity::Warning));
    let settings = Arc::new(loaded.settings);
    let mut registry = match options.registry {
        true => match RegistryFacts::new(&settings) {
            Ok(registry) => Some(registry),
            Err(error) => {
                writeln!(err, "error: registry lookups are not possible: {error}")?;
                return Ok(Status::Failure);
            }
        },
        false => None,
    };
    let mut status = Status::Clean;
    // Whole-document formats are written once every file is checked.
    let mut collected = Vec::new();
    let mut checked = HashSet::new();
    let mut listings = config_files::ProjectListings::default();
    for given in options.paths {
        // One path at a time, so that a missing one does not hide the others.
        let files = match files::discover(std::slice::from_ref(given)) {
            Ok(files) => files,
            Err(error) => {
                writeln!(err, "{}: error: {error}", error.path().display())?;
                status = Status::Failure;
                continue;
            }
        };
        for path in files {
            if !checked.insert(path.clone()) {
                continue;
            }
            let text = match read_text(&path) {
                Ok(text) => text,
                Err(reason) => {
                    writeln!(err, "{}: error: {reason}", path.display())?;
                    status = Status::Failure;
                    continue;
                }
            };
            let relative = path.strip_prefix(&cwd).unwrap_or(&path);
            let mut context = Context {
                settings: Arc::clone(&settings),
                dockerignore: config_files::dockerignore_for(&path),
                project: listings.project_for(&path),
                size_budget: settings
                    .size_budget_for(Some(&relative.to_string_lossy().replace('\\', "/"))),
                ..Context::default()
            };
            let kind = files::kind_for_checking(&path);
            if let Some(registry) = registry.as_mut()
                && kind == FileKind::Dockerfile
            {
                registry.fill(&text, &mut context, err)?;
            }
            let text = match options.fixes {
                Fixes::Report => text,
                Fixes::Diff => {
                    let fixed = fixes::fix_all(kind, &text, &context);
                    if fixed.text != text {
                        write_diff(out, &path, &text, &fixed.text)?;
                        status = status.max(Status::Findings);
                    }
                    continue;
                }
                Fixes::Apply => {
                    let fixed = fixes::fix_all(kind, &text, &context);
                    if fixed.text != text {
                        if let Err(error) = fs::write(&path, &fixed.text) {
                            writeln!(
                                err,
                                "{}: error: cannot write the fixed file: {}",
                                path.display(),
                                describe_io(&error)
                            )?;
                            status = Status::Failure;
                            continue;
                        }
                        writeln!(
                            err,
                            "{}: fixed {} problem{}",
                            path.display(),
                            fixed.applied.len(),
                            if fixed.applied.len() == 1 { "" } else { "s" }
                        )?;
                    }
                    fixed.text
                }
            };
            let findings = analysis::check(kind, &text, &context);
            if findings.iter().any(|f| threshold.fails(f.severity)) {
                status = status.max(Status::Findings);
            }
            // `analysis::check` gives the findings in the order they occur in the file.
            let located = Located::all(&path, &text, findings);
            match options.format {
                Format::Human => {
                    for finding in &located {
                        writeln!(out, "{}", human::line(finding))?;
                    }
                }
                Format::Github => {
                    for finding in &located {
                        writeln!(out, "{}", github::line(finding))?;
                    }
                }
                Format::Json | Format::Sarif => collected.extend(located),
            }
        }
    }
    if options.fixes == Fixes::Diff {
        return Ok(status);
    }
    let document = match options.format {
        Format::Json => json::report(&collected)?,
        Format::Sarif => sarif::report(&collected)?,
        Format::Human | Format::Github => return Ok(status),
    };
    out.write_all(document.as_bytes())?;
    Ok(status)
}

/// A unified diff of one file, `a/` and `b/` prefixed as `git apply` and `patch -p1` expect.
fn write_diff(out: &mut dyn Write, path: &Path, old: &str, new: &str) -> io::Result<()> {
    let name = path.display().to_string();
    let diff = similar::TextDiff::from_lines(old, new);
    write!(
        out,
        "{}",
        diff.unified_diff()
            .context_radius(3)
            .header(&format!("a/{name}"), &format!("b/{name}"))
    )
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fail_level_is_the_least_serious_severity_that_fails() {
        let severities = [
            Severity::Error,
            Severity::Warning,
            Severity::Info,
            Severity::Hint,
        ];
        let failing = |level: FailLevel| -> Vec<Severity> {
            severities
                .into_iter()
                .filter(|s| level.threshold().fails(*s))
                .collect()
        };
        assert_eq!(failing(FailLevel::Error), [Severity::Error]);
        assert_eq!(
            failing(FailLevel::Warning),
            [Severity::Error, Severity::Warning]
        );
        assert_eq!(
            failing(FailLevel::Info),
            [Severity::Error, Severity::Warning, Severity::Info]
        );
        assert_eq!(failing(FailLevel::Hint), severities);
        assert_eq!(failing(FailLevel::None), []);
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
        let paths = [first.clone(), second.clone()];
        let options = Options {
            paths: &paths,
            format: Format::Human,
            fail_level: None,
            config: None,
            fixes: Fixes::Report,
            registry: false,
        };
        let status = run(options, &mut out, &mut err);
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

    #[test]
    fn ignore_files_are_checked_against_the_directory_they_sit_in() {
        let dir = tempfile::tempdir().expect("temp dir");
        fs::create_dir(dir.path().join(".git")).expect("mkdir");
        fs::write(dir.path().join("package.json"), b"{}").expect("write");
        fs::write(
            dir.path().join("Dockerfile"),
            b"FROM node:20\nWORKDIR /app\nCOPY . .\n",
        )
        .expect("write");
        let run_on = |paths: &[PathBuf]| {
            let (mut out, mut err) = (Vec::new(), Vec::new());
            let options = Options {
                paths,
                format: Format::Human,
                fail_level: None,
                config: None,
                fixes: Fixes::Report,
                registry: false,
            };
            run(options, &mut out, &mut err);
            String::from_utf8(out).expect("stdout is text")
        };
        let whole = [dir.path().to_owned()];
        let report = run_on(&whole);
        assert!(report.contains("[missing-dockerignore]"), "{report}");

        let ignore = dir.path().join(".dockerignore");
        fs::write(&ignore, b"node_modules\n").expect("write");
        for paths in [whole.to_vec(), vec![ignore.clone()]] {
            let report = run_on(&paths);
            assert!(!report.contains("[missing-dockerignore]"), "{report}");
            let line = report
                .lines()
                .find(|l| l.contains("[dockerignore-missing-entries]"))
                .unwrap_or_default();
            assert!(
                line.starts_with(&format!("{}:1:1:", ignore.display())),
                "{report}"
            );
            assert!(line.contains("`.git`"), "{line}");
        }
    }
}
