//! Folding ranges: stages, multi-line instructions, heredoc bodies and blocks of comment lines.

use std::ops::Range;

use tree_sitter::Node;

use crate::syntax::{Dockerfile, InstructionKind, is_block, is_stage};

/// What a fold holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FoldKind {
    /// A stage, an instruction or a heredoc.
    Region,
    Comment,
}

/// A foldable region: from the line holding `range.start` to the one holding `range.end`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fold {
    pub range: Range<usize>,
    pub kind: FoldKind,
}

/// The folds of a file in source order (some may turn out to be on one line).
pub(crate) fn folds(file: &Dockerfile<'_>) -> Vec<Fold> {
    let src = file.src();
    let mut out = Vec::new();
    let mut comments: Option<Range<usize>> = None;
    let mut comment_lines = 0;
    let mut cursor = file.root().walk();
    // Pre-order over the tree, without descending into what cannot hold a fold.
    'walk: loop {
        let node = cursor.node();
        let kind = node.kind();
        let mut descend = true;
        if kind == "comment" {
            let range = trimmed(src, node.byte_range());
            match &mut comments {
                Some(block) if next_line(src, block.end, range.start) => {
                    block.end = range.end;
                    comment_lines += 1;
                }
                _ => {
                    push_comments(&mut out, comments.take(), comment_lines);
                    comments = Some(range);
                    comment_lines = 1;
                }
            }
            descend = false;
        } else if is_stage(node) {
            if let Some(end) = last_instruction_end(node) {
                out.push(Fold {
                    range: node.start_byte()..trimmed(src, node.start_byte()..end).end,
                    kind: FoldKind::Region,
                });
            }
        } else if InstructionKind::from_node_kind(kind).is_some() {
            // An ONBUILD trigger is on its instruction's lines: one fold for both.
            let nested = node
                .parent()
                .is_some_and(|p| InstructionKind::from_node_kind(p.kind()).is_some());
            if !nested {
                out.push(Fold {
                    range: trimmed(src, node.byte_range()),
                    kind: FoldKind::Region,
                });
            }
        } else if kind == "heredoc" {
            // From the marker's line (the line break before the body) to the delimiter.
            let start = node.start_byte().saturating_sub(1);
            out.push(Fold {
                range: start..trimmed(src, node.byte_range()).end,
                kind: FoldKind::Region,
            });
            descend = false;
        } else if !(kind == "source_file" || is_block(node) || node.is_error()) {
            // Words, flags, pairs, shell code: only comments inside, which a
            // continuation can hold.
            descend = node.child_count() > 0 && holds_comments(kind);
        }
        if descend && cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                break 'walk;
            }
        }
    }
    push_comments(&mut out, comments, comment_lines);
    out
}

/// Nodes that comment lines can sit in (continuation lines of an instruction).
fn holds_comments(kind: &str) -> bool {
    matches!(
        kind,
        "shell_command" | "json_array" | "pair" | "legacy_value"
    )
}

fn push_comments(out: &mut Vec<Fold>, block: Option<Range<usize>>, lines: usize) {
    if let Some(range) = block.filter(|_| lines >= 2) {
        out.push(Fold {
            range,
            kind: FoldKind::Comment,
        });
    }
}

/// Whether `start` is on the line after the one `end` is on, with only blanks between.
fn next_line(src: &str, end: usize, start: usize) -> bool {
    let gap = src.get(end..start).unwrap_or("");
    let gap = gap.trim_matches([' ', '\t']);
    matches!(gap, "\n" | "\r\n" | "\r")
}

/// A range without the blanks and line breaks it ends with.
fn trimmed(src: &str, range: Range<usize>) -> Range<usize> {
    let text = src.get(range.clone()).unwrap_or("");
    range.start..range.start + text.trim_end().len()
}

/// Where the last instruction of a stage ends (its trailing comments belong to what follows).
fn last_instruction_end(stage: Node<'_>) -> Option<usize> {
    let mut node = stage;
    loop {
        let last = (0..node.child_count())
            .rev()
            .filter_map(|i| node.child(i))
            .find(|c| c.is_named() && !c.is_extra())?;
        if is_stage(last) || is_block(last) {
            node = last;
        } else {
            return Some(last.end_byte());
        }
    }
}

/// Folds given as `(start line, end line, kind)`, made ready for a client: those on one
/// line dropped, sorted, and one per start line (the largest), since editors keep one.
pub(crate) fn by_lines(mut folds: Vec<(u32, u32, FoldKind)>) -> Vec<(u32, u32, FoldKind)> {
    folds.retain(|(start, end, _)| start < end);
    folds.sort_by_key(|&(start, end, _)| (start, std::cmp::Reverse(end)));
    folds.dedup_by_key(|(start, _, _)| *start);
    folds
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{self, FileKind};

    /// Each fold as `kind first-line..last-line` (lines counted from 0).
    fn folds_of(text: &str) -> String {
        let tree = syntax::parse(FileKind::Dockerfile, text, None).expect("parse");
        let file = Dockerfile::new(&tree, text);
        let line = |offset: usize| text[..offset].matches('\n').count() as u32;
        let lines = folds(&file)
            .into_iter()
            .map(|f| (line(f.range.start), line(f.range.end), f.kind))
            .collect();
        by_lines(lines)
            .into_iter()
            .map(|(start, end, kind)| format!("{kind:?} {start}..{end}"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn stages_instructions_heredocs_and_comment_blocks() {
        let text = "\
# syntax=docker/dockerfile:1
# the build
# stage
FROM golang:1.23 AS build
RUN go build \\
    -o /app \\
    ./cmd/app
COPY <<EOF /etc/app.conf
port = 80
EOF

# the runtime
# stage
FROM scratch
COPY --from=build /app /app
";
        insta::assert_snapshot!(folds_of(text), @r"
        Comment 1..2
        Region 3..9
        Region 4..6
        Region 7..9
        Comment 11..12
        Region 13..14
        ");
    }
}
