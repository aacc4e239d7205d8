//! The reports for people: code frames with the range underlined (as rustc and ruff print them),
//! the one-line `concise` form, and the summary that ends a run.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use super::located::{Located, end_before_line_break};
use crate::analysis::rules::severity_name;
use crate::syntax::Severity;

/// The finding's line, with a 1-based line and a 1-based column counted in
/// Unicode characters, as compilers print them (`--format concise`).
pub(super) fn line(located: &Located) -> String {
    format!(
        "{}:{}:{}: {}[{}] {}",
        located.path.display(),
        located.start.line,
        located.start.column,
        severity_name(located.finding.severity),
        located.finding.rule,
        located.finding.message
    )
}

/// Renders findings as code frames, with or without ANSI colours.
#[derive(Debug)]
pub(super) struct Frames {
    renderer: Renderer,
}

impl Frames {
    pub fn new(color: bool) -> Frames {
        let renderer = if color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        Frames { renderer }
    }

    /// The finding (found in `text`) as a header, a `-->` location, the lines it
    /// covers with the range underlined, and a help line; ends with a blank line.
    pub fn render(&self, located: &Located, text: &str) -> String {
        let finding = &located.finding;
        let range = finding.range.start.min(text.len())..finding.range.end.min(text.len());
        // A range that ends with a line break would draw an empty line under the next one.
        let end = end_before_line_break(text, range.start, range.end);
        // Only the lines the finding covers are handed over: the renderer then works on
        // a few lines, not on the whole file once per finding.
        let first = text[..range.start].rfind('\n').map_or(0, |i| i + 1);
        let last = text[end..].find('\n').map_or(text.len(), |i| end + i);
        let last = last.max(end);
        let source = &text[first..last];
        let line_start = usize::try_from(located.start.line).unwrap_or(1);
        let path = located.path.display().to_string();
        let title = level(finding.severity)
            .primary_title(&*finding.message)
            .id(finding.rule);
        let snippet = Snippet::source(source)
            .line_start(line_start)
            .path(path)
            .annotation(AnnotationKind::Primary.span(range.start - first..end - first));
        let mut group = Group::with_title(title).element(snippet);
        if let Some(help) = help(located) {
            group = group.element(Level::HELP.message(help));
        }
        let mut rendered = self.renderer.render(&[group]);
        rendered.push_str("\n\n");
        rendered
    }
}

/// What to do about the finding: its fix, else where to read why it matters.
fn help(located: &Located) -> Option<String> {
    match (&located.finding.fix, located.rule()) {
        (Some(fix), _) if fix.is_safe() => {
            Some(format!("{} (`check --fix` applies it)", fix.title))
        }
        (Some(fix), _) => Some(format!("{} (a quick fix in the editor)", fix.title)),
        (None, Some(rule)) => Some(format!(
            "`dockerfile-lsp explain {}` tells why it matters",
            rule.id
        )),
        (None, None) => None,
    }
}

/// Hints have no level of their own in rustc's vocabulary: they keep their name.
fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
        Severity::Hint => Level::NOTE.with_name("hint"),
    }
}

/// What a run found, added up over its files for the closing summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct Tally {
    pub files: usize,
    /// Findings by severity, most serious first.
    pub by_severity: [usize; 4],
    /// Findings with a fix `check --fix` applies.
    pub safe_fixes: usize,
    /// Findings with a fix only the editor offers (it needs a decision).
    pub other_fixes: usize,
    /// Paths and files that could not be read or written.
    pub failed: usize,
}

impl Tally {
    pub fn count(&mut self, located: &[Located]) {
        for finding in located.iter().map(|l| &l.finding) {
            let slot = match finding.severity {
                Severity::Error => 0,
                Severity::Warning => 1,
                Severity::Info => 2,
                Severity::Hint => 3,
            };
            self.by_severity[slot] += 1;
            match &finding.fix {
                Some(fix) if fix.is_safe() => self.safe_fixes += 1,
                Some(_) => self.other_fixes += 1,
                None => {}
            }
        }
    }

    pub fn add(&mut self, other: &Tally) {
        self.files += other.files;
        for (total, n) in self.by_severity.iter_mut().zip(other.by_severity) {
            *total += n;
        }
        self.safe_fixes += other.safe_fixes;
        self.other_fixes += other.other_fixes;
        self.failed += other.failed;
    }

    /// The closing line(s): files checked, findings by severity, what can be fixed.
    /// Nothing when no file could be checked: the errors said it all.
    pub fn summary(&self, fix_flag_applies: bool, color: bool) -> String {
        let files = plural(self.files, "file", "files");
        let total: usize = self.by_severity.iter().sum();
        let failed = match self.failed {
            0 => String::new(),
            n => format!("; {} could not be checked", plural(n, "path", "paths")),
        };
        if self.files == 0 && self.failed > 0 {
            return String::new();
        }
        if total == 0 && self.failed == 0 {
            return format!("{}: checked {files}, no findings\n", paint("ok", OK, color));
        }
        if total == 0 {
            return format!("checked {files}, no findings{failed}\n");
        }
        let names = [
            ("error", "errors", ERROR),
            ("warning", "warnings", WARNING),
            ("info", "infos", INFO),
            ("hint", "hints", HINT),
        ];
        let counts: Vec<String> = self
            .by_severity
            .iter()
            .zip(names)
            .filter(|(n, _)| **n > 0)
            .map(|(n, (one, many, style))| paint(&plural(*n, one, many), style, color))
            .collect();
        let mut out = format!(
            "checked {files}: {} ({}){failed}\n",
            plural(total, "finding", "findings"),
            counts.join(", ")
        );
        if self.safe_fixes > 0 && fix_flag_applies {
            out.push_str(&format!(
                "{} fixable with `dockerfile-lsp check --fix`\n",
                self.safe_fixes
            ));
        }
        if self.other_fixes > 0 {
            out.push_str(&format!(
                "{} more with a quick fix in the editor\n",
                self.other_fixes
            ));
        }
        out
    }
}

const ERROR: anstyle::Style = annotate_snippets::renderer::DEFAULT_ERROR_STYLE;
const WARNING: anstyle::Style = annotate_snippets::renderer::DEFAULT_WARNING_STYLE;
const INFO: anstyle::Style = annotate_snippets::renderer::DEFAULT_INFO_STYLE;
const HINT: anstyle::Style = annotate_snippets::renderer::DEFAULT_NOTE_STYLE;
const OK: anstyle::Style = annotate_snippets::renderer::DEFAULT_NOTE_STYLE;

fn paint(text: &str, style: anstyle::Style, color: bool) -> String {
    if color {
        format!("{style}{text}{style:#}")
    } else {
        text.to_owned()
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::analysis::rules::Finding;

    fn located(text: &str, range: std::ops::Range<usize>, severity: Severity) -> Located {
        let finding = Finding {
            rule: "syntax-test",
            message: "something is wrong".into(),
            range,
            severity,
            fix: None,
        };
        Located::all(Path::new("app/Dockerfile"), text, vec![finding]).remove(0)
    }

    #[test]
    fn a_finding_prints_its_one_based_line_and_character_column() {
        let text = "FROM alpine\nRUN echo 🐳 && oops\n";
        let start = text.find("oops").expect("fixture has oops");
        // `oops` is the 15th character of line 2: the whale counts as one, not two or four.
        assert_eq!(
            line(&located(text, start..start + 4, Severity::Error)),
            "app/Dockerfile:2:15: error[syntax-test] something is wrong"
        );
    }

    #[test]
    fn every_severity_has_its_label() {
        let labels: Vec<String> = [
            Severity::Error,
            Severity::Warning,
            Severity::Info,
            Severity::Hint,
        ]
        .into_iter()
        .map(|severity| line(&located("x", 0..1, severity)))
        .collect();
        assert_eq!(
            labels,
            [
                "app/Dockerfile:1:1: error[syntax-test] something is wrong",
                "app/Dockerfile:1:1: warning[syntax-test] something is wrong",
                "app/Dockerfile:1:1: info[syntax-test] something is wrong",
                "app/Dockerfile:1:1: hint[syntax-test] something is wrong",
            ]
        );
    }

    #[test]
    fn a_frame_underlines_the_range_in_characters() {
        let text = "FROM alpine\nRUN echo 🐳 && oops\n";
        let start = text.find("oops").expect("fixture has oops");
        let frame =
            Frames::new(false).render(&located(text, start..start + 4, Severity::Hint), text);
        insta::assert_snapshot!(frame, @r"
        hint[syntax-test]: something is wrong
         --> app/Dockerfile:2:15
          |
        2 | RUN echo 🐳 && oops
          |                ^^^^
        ");
    }

    #[test]
    fn the_summary_counts_findings_by_severity_and_fixes() {
        let mut tally = Tally {
            files: 3,
            ..Tally::default()
        };
        assert_eq!(
            tally.summary(true, false),
            "ok: checked 3 files, no findings\n"
        );
        tally.failed = 1;
        assert_eq!(
            tally.summary(true, false),
            "checked 3 files, no findings; 1 path could not be checked\n"
        );
        let nothing_read = Tally {
            failed: 1,
            ..Tally::default()
        };
        assert_eq!(nothing_read.summary(true, false), "");
        tally.failed = 0;
        tally.by_severity = [1, 2, 0, 1];
        tally.safe_fixes = 2;
        tally.other_fixes = 1;
        assert_eq!(
            tally.summary(true, false),
            "checked 3 files: 4 findings (1 error, 2 warnings, 1 hint)\n\
             2 fixable with `dockerfile-lsp check --fix`\n\
             1 more with a quick fix in the editor\n"
        );
        tally.failed = 2;
        assert_eq!(
            tally.summary(false, false).lines().next(),
            Some(
                "checked 3 files: 4 findings (1 error, 2 warnings, 1 hint); 2 paths could not be checked"
            )
        );
        tally.failed = 0;
        // After `--fix` ran, what is left is not for it to fix.
        assert_eq!(
            tally.summary(false, false),
            "checked 3 files: 4 findings (1 error, 2 warnings, 1 hint)\n\
             1 more with a quick fix in the editor\n"
        );
        assert_eq!(
            tally.summary(false, true).lines().next(),
            Some(
                "checked 3 files: 4 findings (\u{1b}[1m\u{1b}[91m1 error\u{1b}[0m, \
                 \u{1b}[1m\u{1b}[33m2 warnings\u{1b}[0m, \u{1b}[1m\u{1b}[92m1 hint\u{1b}[0m)"
            )
        );
    }
}
