//! A finding placed in its file: 1-based lines and character columns, as every report prints them.

use std::path::{Path, PathBuf};

use crate::analysis::rules::{self, Finding, Rule};
use crate::position::{LineIndex, PositionEncoding};

/// A 1-based line and a 1-based column counted in Unicode scalar values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Position {
    pub line: u64,
    pub column: u64,
}

/// A finding with the file it is in and where it starts and ends.
///
/// `end` is the position just after the last character, as in SARIF; a finding
/// that ends with a line break ends on the line the break ends, not at column 1
/// of the next line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Located {
    pub path: PathBuf,
    pub start: Position,
    pub end: Position,
    pub finding: Finding,
    /// The edits of the finding's fix in this file, placed like the finding
    /// (`start..end` replaced by the text); empty without a fix.
    pub edits: Vec<(Position, Position, String)>,
}

impl Located {
    /// Places each finding of `text` (the content of `path`).
    pub fn all(path: &Path, text: &str, findings: Vec<Finding>) -> Vec<Located> {
        if findings.is_empty() {
            return Vec::new();
        }
        let index = LineIndex::new(text);
        findings
            .into_iter()
            .map(|finding| {
                let end = end_before_line_break(text, finding.range.start, finding.range.end);
                let edits = finding
                    .fix_edits()
                    .into_iter()
                    .map(|edit| {
                        let start = position(&index, edit.range.start);
                        (start, position(&index, edit.range.end), edit.text)
                    })
                    .collect();
                Located {
                    path: path.to_path_buf(),
                    start: position(&index, finding.range.start),
                    end: position(&index, end),
                    finding,
                    edits,
                }
            })
            .collect()
    }

    /// The rule that reported this finding; `None` for syntax errors.
    pub fn rule(&self) -> Option<&'static Rule> {
        rule_for(self.finding.rule)
    }

    /// The other tools' codes for this finding's rule.
    pub fn aliases(&self) -> Vec<&'static str> {
        self.rule()
            .map(|rule| rule.aliases.iter().map(|a| a.code()).collect())
            .unwrap_or_default()
    }

    /// The path with `/` between its parts on every platform, as CI services expect.
    pub fn slash_path(&self) -> String {
        slash_path(&self.path)
    }
}

/// The rule whose id is `id` (not one that merely has it as an alias).
pub(super) fn rule_for(id: &str) -> Option<&'static Rule> {
    rules::by_id(id)
}

pub(super) fn slash_path(path: &Path) -> String {
    let text = path.display().to_string();
    if cfg!(windows) {
        text.replace('\\', "/")
    } else {
        text
    }
}

fn position(index: &LineIndex, offset: usize) -> Position {
    let at = index.position(offset, PositionEncoding::Utf32);
    Position {
        line: u64::from(at.line) + 1,
        column: u64::from(at.col) + 1,
    }
}

/// `end`, moved before a line break it directly follows, unless that would
/// leave nothing of a non-empty range.
pub(super) fn end_before_line_break(text: &str, start: usize, end: usize) -> usize {
    let Some(before) = text.get(..end) else {
        return end;
    };
    let trimmed = before
        .strip_suffix("\r\n")
        .or_else(|| before.strip_suffix('\n'))
        .or_else(|| before.strip_suffix('\r'))
        .map_or(end, str::len);
    if trimmed > start { trimmed } else { end }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::Severity;

    fn finding(range: std::ops::Range<usize>) -> Finding {
        Finding {
            rule: "syntax-test",
            message: "something is wrong".into(),
            range,
            severity: Severity::Error,
            fix: None,
        }
    }

    fn span(text: &str, range: std::ops::Range<usize>) -> (u64, u64, u64, u64) {
        let located = Located::all(Path::new("f"), text, vec![finding(range)]);
        let l = &located[0];
        (l.start.line, l.start.column, l.end.line, l.end.column)
    }

    #[test]
    fn columns_count_characters_and_the_end_is_exclusive() {
        let text = "FROM alpine\nRUN echo 🐳 && oops\n";
        let start = text.find("oops").expect("fixture has oops");
        // `oops` is the 15th to 18th character of line 2: the whale counts as one.
        assert_eq!(span(text, start..start + 4), (2, 15, 2, 19));
    }

    #[test]
    fn a_range_ending_with_a_line_break_ends_on_its_own_line() {
        let text = "FROM alpine\r\nRUN x\n";
        assert_eq!(span(text, 0..13), (1, 1, 1, 12));
        assert_eq!(span(text, 13..19), (2, 1, 2, 6));
    }

    #[test]
    fn a_range_of_just_a_line_break_keeps_it() {
        let text = "FROM alpine\n\n";
        assert_eq!(span(text, 11..12), (1, 12, 2, 1));
        assert_eq!(span(text, 12..12), (2, 1, 2, 1));
    }

    #[test]
    fn syntax_errors_have_no_rule_and_no_aliases() {
        let located = Located::all(Path::new("f"), "x", vec![finding(0..1)]);
        assert!(located[0].rule().is_none());
        assert!(located[0].aliases().is_empty());
    }

    #[test]
    fn a_rule_is_found_by_its_id_only() {
        let rule = rules::RULES[0];
        assert_eq!(rule_for(rule.id).map(|r| r.id), Some(rule.id));
        if let Some(alias) = rule.aliases.first() {
            assert!(rule_for(alias.code()).is_none());
        }
    }
}
