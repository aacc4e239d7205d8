//! On-type formatting: a newline after a continuation is indented like the instruction's other continuation lines.

use super::FormatOptions;
use super::lines::Lines;
use super::structure::Structure;
use crate::syntax::{Dockerfile, Edit, is_blank_line, is_comment_line, strip_continuation};

/// The edit for the line a newline just started, the cursor at `offset`: indented as a
/// continuation when the line before continues an instruction, or its blanks removed
/// when the line before ended a multi-line instruction. Heredoc bodies and quoted text
/// that runs across the continuation are left alone.
pub fn on_type(file: &Dockerfile<'_>, options: &FormatOptions, offset: usize) -> Vec<Edit> {
    let src = file.src();
    let lines = Lines::new(src);
    // After a final newline the cursor is on a line `Lines` does not count.
    let (line, line_start) = if offset >= src.len() && (src.is_empty() || src.ends_with('\n')) {
        (lines.len(), src.len())
    } else {
        let line = lines.line_of(offset);
        match lines.get(line) {
            Some(l) => (line, l.start),
            None => return Vec::new(),
        }
    };
    let Some(previous) = line.checked_sub(1) else {
        return Vec::new();
    };
    let Some(anchor) = (0..=previous)
        .rev()
        .find(|&k| !is_blank_line(lines.text(k)))
    else {
        return Vec::new();
    };
    let anchor_text = lines.text(anchor);
    let anchor_offset = lines.get(anchor).map_or(0, |l| l.start)
        + (anchor_text.len() - anchor_text.trim_start().len());
    let Some(instruction) = file.instruction_at(anchor_offset) else {
        return Vec::new();
    };
    let escape = file.escape();
    let first = lines.line_of(instruction.node().start_byte());

    // Follow the instruction's lines up to the one before the cursor.
    let mut open = false;
    let mut closed_at = None;
    let mut last_escape = None;
    let mut indent_before: Option<&str> = None;
    for k in first..=previous {
        let text = lines.text(k);
        if k > first && !open {
            return Vec::new();
        }
        if k > first && (is_blank_line(text) || is_comment_line(text)) {
            continue;
        }
        match strip_continuation(text, escape) {
            Some(joined) => {
                open = true;
                last_escape = lines.get(k).map(|l| l.start + joined.len());
            }
            None => {
                open = false;
                closed_at = Some(k);
            }
        }
        if k > first {
            indent_before = Some(leading(text));
        }
    }

    let current = lines.text(line);
    let blanks = leading(current);
    let replace = |indent: &str| -> Vec<Edit> {
        if indent == blanks {
            Vec::new()
        } else {
            vec![Edit::replace(line_start..line_start + blanks.len(), indent)]
        }
    };
    if open {
        let safe = last_escape.is_some_and(|at| Structure::of(&instruction).join_is_safe(at));
        if !safe {
            return Vec::new();
        }
        let indent = indent_before
            .or_else(|| indent_after(&lines, line + 1))
            .unwrap_or(&options.indent);
        return replace(indent);
    }
    let ended_here = closed_at == Some(previous) && previous > first;
    if ended_here && instruction.heredocs().is_empty() && is_blank_line(current) {
        return replace("");
    }
    Vec::new()
}

/// The indentation of the first continuation line with content from line `from`, when
/// it is indented (an unindented line is more likely the next instruction).
fn indent_after<'s>(lines: &Lines<'s>, from: usize) -> Option<&'s str> {
    (from..lines.len())
        .map(|k| lines.text(k))
        .find(|text| !is_blank_line(text) && !is_comment_line(text))
        .map(leading)
        .filter(|blanks| !blanks.is_empty())
}

fn leading(text: &str) -> &str {
    &text[..text.len() - text.trim_start_matches([' ', '\t']).len()]
}
