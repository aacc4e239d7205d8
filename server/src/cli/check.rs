//! The `check` command: reads each file, checks it and reports its findings in the chosen format.

use std::collections::HashSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Status;
use super::human::{Frames, Tally};
use super::located::Located;
use super::registry_facts::RegistryFacts;
use super::{github, human, json, sarif};

use crate::analysis;
use crate::analysis::config::Threshold;
use crate::analysis::fixes;
use crate::analysis::settings::{Context, ProjectFiles, Settings};
use crate::config_files;
use crate::files::{self, describe_io};
use crate::position::{LineIndex, PositionEncoding};
use crate::syntax::{FileKind, Severity};

/// How the findings are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum Format {
    /// Each finding with a code frame of its lines, the range underlined, and a
    /// help line; then a summary
    Human,
    /// `path:line:col: severity[rule] message`, one finding a line, no summary
    Concise,
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
    /// How many files are checked at once (at least 1).
    pub threads: usize,
    /// ANSI colours in the human report.
    pub color: bool,
    /// A progress bar on stderr when there are many files (stderr is a terminal).
    pub progress: bool,
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

/// More files than this get a progress bar (on a terminal).
const PROGRESS_FROM: usize = 20;

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

/// A file to check with what it needs from the directory around it, or a path
/// that could not be listed; in the order the report gives them.
#[derive(Debug)]
enum Item {
    File(Job),
    Unlisted(String),
}

/// One file's work: everything it needs is its own, so files can be checked on
/// any thread in any order.
#[derive(Debug)]
struct Job {
    path: PathBuf,
    project: Option<Arc<ProjectFiles>>,
}

/// What checking one file gave, printed in path order once every file is done.
#[derive(Debug, Default)]
struct FileReport {
    status: Status,
    /// Messages about the file itself (unreadable, fixed, registry failures).
    err: Vec<u8>,
    /// Its part of a line-by-line report (frames, lines, a diff).
    out: String,
    /// Its findings, kept for whole-document formats.
    located: Vec<Located>,
    tally: Tally,
}

/// What every file's check shares, read-only.
struct Shared<'a> {
    options: Options<'a>,
    cwd: &'a Path,
    settings: &'a Arc<Settings>,
    threshold: Threshold,
    frames: Frames,
    /// Registry lookups are one client's (a mutex, so that the shared parts stay
    /// shareable; files are checked on one thread when there is a client).
    registry: Option<Mutex<RegistryFacts>>,
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
    let registry = match options.registry {
        true => match RegistryFacts::new(&settings) {
            Ok(registry) => Some(Mutex::new(registry)),
            Err(error) => {
                writeln!(err, "error: registry lookups are not possible: {error}")?;
                return Ok(Status::Failure);
            }
        },
        false => None,
    };
    let items = gather(options.paths);
    let shared = Shared {
        options,
        cwd: &cwd,
        settings: &settings,
        threshold,
        frames: Frames::new(options.color),
        registry,
    };
    let files = items.iter().filter(|i| matches!(i, Item::File(_))).count();
    let progress = (options.progress && files > PROGRESS_FROM).then(|| progress_bar(files));
    // A large file's stages are shared between threads too, as many as check files.
    crate::analysis::rules::limit_threads(options.threads);
    // Registry lookups take turns with one client and tell each failure once, on the
    // first file that meets it: on one thread, that is the same file every run.
    let threads = if shared.registry.is_some() {
        1
    } else {
        options.threads
    };
    let reports = in_parallel(&items, threads, |job| {
        let report = check_file(&shared, job);
        if let Some(bar) = &progress {
            bar.inc(1);
        }
        report
    });
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }

    let mut status = Status::Clean;
    let mut collected = Vec::new();
    let mut tally = Tally::default();
    for (item, report) in items.iter().zip(reports) {
        let report = match (item, report) {
            (Item::Unlisted(message), _) => {
                writeln!(err, "{message}")?;
                status = Status::Failure;
                tally.failed += 1;
                continue;
            }
            (Item::File(_), Some(report)) => report,
            (Item::File(_), None) => continue,
        };
        err.write_all(&report.err)?;
        out.write_all(report.out.as_bytes())?;
        status = status.max(report.status);
        tally.add(&report.tally);
        collected.extend(report.located);
    }
    let document = match (options.fixes, options.format) {
        (Fixes::Diff, _) => return Ok(status),
        (_, Format::Json) => json::report(&collected)?,
        (_, Format::Sarif) => sarif::report(&collected)?,
        (_, Format::Human) => tally.summary(options.fixes == Fixes::Report, options.color),
        (_, Format::Concise | Format::Github) => return Ok(status),
    };
    out.write_all(document.as_bytes())?;
    Ok(status)
}

/// Every file the paths lead to, each once, with its directory's listing (read
/// once per directory here, so that the checks share no cache).
fn gather(paths: &[PathBuf]) -> Vec<Item> {
    let mut items = Vec::new();
    let mut checked = HashSet::new();
    let mut listings = config_files::ProjectListings::default();
    for given in paths {
        // One path at a time, so that a missing one does not hide the others.
        match files::discover(std::slice::from_ref(given)) {
            Ok(files) => {
                for path in files {
                    if checked.insert(path.clone()) {
                        let project = listings.project_for(&path);
                        items.push(Item::File(Job { path, project }));
                    }
                }
            }
            Err(error) => items.push(Item::Unlisted(format!(
                "{}: error: {error}",
                error.path().display()
            ))),
        }
    }
    items
}

/// `work` done on every file of `items` by `threads` threads, the results in the
/// order of `items` (`None` for the paths that could not be listed).
fn in_parallel<T: Send>(
    items: &[Item],
    threads: usize,
    work: impl Fn(&Job) -> T + Sync,
) -> Vec<Option<T>> {
    let jobs: Vec<(usize, &Job)> = items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| match item {
            Item::File(job) => Some((i, job)),
            Item::Unlisted(_) => None,
        })
        .collect();
    let mut results: Vec<Option<T>> = items.iter().map(|_| None).collect();
    let threads = threads.clamp(1, jobs.len().max(1));
    if threads == 1 {
        for (i, job) in jobs {
            results[i] = Some(work(job));
        }
        return results;
    }
    // Files differ in size a lot: each thread takes the next file when it is done.
    let next = AtomicUsize::new(0);
    let done: Vec<Vec<(usize, T)>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        let Some((i, job)) = jobs.get(n) else { break };
                        mine.push((*i, work(job)));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    });
    for (i, result) in done.into_iter().flatten() {
        results[i] = Some(result);
    }
    results
}

fn progress_bar(files: usize) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(
        Some(u64::try_from(files).unwrap_or(u64::MAX)),
        ProgressDrawTarget::stderr(),
    );
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} files {elapsed}") {
        bar.set_style(style);
    }
    bar
}

/// Reads, fixes if asked, checks and reports one file.
fn check_file(shared: &Shared<'_>, job: &Job) -> FileReport {
    let mut report = FileReport::default();
    // Writes into memory cannot fail.
    let _ = check_into(shared, job, &mut report);
    report
}

fn check_into(shared: &Shared<'_>, job: &Job, report: &mut FileReport) -> io::Result<()> {
    let options = shared.options;
    let path = &job.path;
    let err = &mut report.err;
    let text = match read_text(path) {
        Ok(text) => text,
        Err(reason) => {
            writeln!(err, "{}: error: {reason}", path.display())?;
            report.status = Status::Failure;
            report.tally.failed = 1;
            return Ok(());
        }
    };
    let relative = path.strip_prefix(shared.cwd).unwrap_or(path);
    let mut context = Context {
        settings: Arc::clone(shared.settings),
        dockerignore: config_files::dockerignore_for(path),
        project: job.project.clone(),
        size_budget: shared
            .settings
            .size_budget_for(Some(&relative.to_string_lossy().replace('\\', "/"))),
        ..Context::default()
    };
    let kind = files::kind_for_checking(path);
    if let Some(registry) = &shared.registry
        && kind == FileKind::Dockerfile
    {
        // A thread that panicked while holding the client leaves it usable: it
        // keeps no state a half-done lookup could break.
        let mut registry = registry.lock().unwrap_or_else(PoisonError::into_inner);
        registry.fill(&text, &mut context, err)?;
    }
    let text = match options.fixes {
        Fixes::Report => text,
        Fixes::Diff => {
            let fixed = fixes::fix_all(kind, &text, &context);
            if fixed.text != text {
                report.out = diff(path, &text, &fixed.text);
                report.status = Status::Findings;
            }
            return Ok(());
        }
        Fixes::Apply => {
            let fixed = fixes::fix_all(kind, &text, &context);
            if fixed.text != text {
                if let Err(error) = fs::write(path, &fixed.text) {
                    writeln!(
                        err,
                        "{}: error: cannot write the fixed file: {}",
                        path.display(),
                        describe_io(&error)
                    )?;
                    report.status = Status::Failure;
                    report.tally.failed = 1;
                    return Ok(());
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
    if findings.iter().any(|f| shared.threshold.fails(f.severity)) {
        report.status = Status::Findings;
    }
    // `analysis::check` gives the findings in the order they occur in the file.
    let located = Located::all(path, &text, findings);
    report.tally.files = 1;
    report.tally.count(&located);
    match options.format {
        Format::Human => {
            for finding in &located {
                report.out.push_str(&shared.frames.render(finding, &text));
            }
        }
        Format::Concise => {
            for finding in &located {
                report.out.push_str(&human::line(finding));
                report.out.push('\n');
            }
        }
        Format::Github => {
            for finding in &located {
                report.out.push_str(&github::line(finding));
                report.out.push('\n');
            }
        }
        Format::Json | Format::Sarif => report.located = located,
    }
    Ok(())
}

/// A unified diff of one file, `a/` and `b/` prefixed as `git apply` and `patch -p1` expect.
fn diff(path: &Path, old: &str, new: &str) -> String {
    let name = path.display().to_string();
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
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
            format: Format::Concise,
            fail_level: None,
            config: None,
            fixes: Fixes::Report,
            registry: false,
            threads: 1,
            color: false,
            progress: false,
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
                format: Format::Concise,
                fail_level: None,
                config: None,
                fixes: Fixes::Report,
                registry: false,
                threads: 2,
                color: false,
                progress: false,
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
