//! Applying fixes: one fix, or every safe fix until the file is stable.

use std::ops::Range;

use crate::analysis::{self, settings::Context};
use crate::syntax::{Edit, FileKind, Finding};

/// The most rounds of fix-all: a fix can reveal another (a merged RUN now lacks a
/// flag), but a fix that undoes another must not loop forever.
const MAX_ROUNDS: usize = 8;

/// `text` with `edits` applied; `None` when two edits overlap or one is out of range.
pub fn apply_edits(text: &str, edits: &[Edit]) -> Option<String> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for edit in sorted {
        if edit.range.start < at || edit.range.end < edit.range.start {
            return None;
        }
        out.push_str(text.get(at..edit.range.start)?);
        out.push_str(&edit.text);
        at = edit.range.end;
    }
    out.push_str(text.get(at..)?);
    Some(out)
}

/// What fix-all did to a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixAll {
    pub text: String,
    /// The rule of every fix applied, in the order applied.
    pub applied: Vec<&'static str>,
}

/// Applies every safe fix, re-checking after each round, until none is left.
///
/// In a round, fixes are taken in source order and a fix whose edits touch bytes
/// another one already changes waits for the next round (its finding is re-computed
/// on the new text then).
pub fn fix_all(kind: FileKind, text: &str, context: &Context) -> FixAll {
    fix_all_where(kind, text, context, is_safe)
}

/// [`fix_all`] over the fixes of the findings `take` accepts (one rule's, unsafe ones
/// too), in the same rounds.
pub fn fix_all_where(
    kind: FileKind,
    text: &str,
    context: &Context,
    take: impl Fn(&Finding) -> bool,
) -> FixAll {
    let mut current = text.to_owned();
    let mut applied = Vec::new();
    for _ in 0..MAX_ROUNDS {
        let findings = analysis::check(kind, &current, context);
        let mut taken: Vec<Edit> = Vec::new();
        let mut spans: Vec<Range<usize>> = Vec::new();
        let mut rules = Vec::new();
        for finding in findings.iter().filter(|f| take(f)) {
            let edits = finding.fix_edits();
            // Two insertions at one place would land in no defined order.
            let touches = |e: &Edit| {
                spans.iter().any(|s| {
                    e.range.start < s.end && s.start < e.range.end || e.range.start == s.start
                })
            };
            if edits.is_empty() || edits.iter().any(touches) {
                continue;
            }
            spans.extend(edits.iter().map(|e| e.range.clone()));
            taken.extend(edits);
            rules.push(finding.rule);
        }
        if taken.is_empty() {
            break;
        }
        match apply_edits(&current, &taken) {
            Some(next) if next != current => {
                current = next;
                applied.extend(rules);
            }
            _ => break,
        }
    }
    FixAll {
        text: current,
        applied,
    }
}

fn is_safe(finding: &Finding) -> bool {
    finding
        .fix
        .as_ref()
        .is_some_and(|f| f.is_safe() && f.new_file.is_none())
}

/// The edits that turn `old` into `new`, one per changed run of lines: what an
/// editor applies for a fix-all without moving the cursor or folding the rest.
pub fn minimal_edits(old: &str, new: &str) -> Vec<Edit> {
    let diff = similar::TextDiff::from_lines(old, new);
    let mut edits: Vec<Edit> = Vec::new();
    let old_lines: Vec<usize> = line_starts(old);
    let new_lines: Vec<usize> = line_starts(new);
    for op in diff.ops() {
        let (tag, old_range, new_range) = op.as_tag_tuple();
        if tag == similar::DiffTag::Equal {
            continue;
        }
        let byte =
            |starts: &[usize], line: usize, len: usize| starts.get(line).copied().unwrap_or(len);
        let start = byte(&old_lines, old_range.start, old.len());
        let end = byte(&old_lines, old_range.end, old.len());
        let text = &new[byte(&new_lines, new_range.start, new.len())
            ..byte(&new_lines, new_range.end, new.len())];
        match edits.last_mut() {
            Some(last) if last.range.end == start => {
                last.range.end = end;
                last.text.push_str(text);
            }
            _ => edits.push(Edit::replace(start..end, text)),
        }
    }
    edits
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .filter(|&i| i < text.len() || i == 0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_apply_in_source_order_and_overlaps_are_refused() {
        let text = "RUN a\nRUN b\n";
        let edits = vec![Edit::insert(5, " x"), Edit::replace(0..3, "run")];
        assert_eq!(
            apply_edits(text, &edits).as_deref(),
            Some("run a x\nRUN b\n")
        );
        let overlapping = vec![Edit::replace(0..4, ""), Edit::replace(2..6, "")];
        assert_eq!(apply_edits(text, &overlapping), None);
        assert_eq!(apply_edits(text, &[Edit::delete(10..40)]), None);
    }

    #[test]
    fn minimal_edits_rebuild_the_new_text_and_leave_equal_lines_alone() {
        let old = "FROM a\nRUN b\nRUN c\nCMD d\n";
        let new = "FROM a\nRUN b && c\nCMD [\"d\"]\n";
        let edits = minimal_edits(old, new);
        assert_eq!(apply_edits(old, &edits).as_deref(), Some(new));
        assert!(edits.iter().all(|e| e.range.start >= "FROM a\n".len()));
        assert_eq!(minimal_edits(old, old), Vec::new());
        let no_newline = minimal_edits("a\nb", "a\nc");
        assert_eq!(apply_edits("a\nb", &no_newline).as_deref(), Some("a\nc"));
    }
}
