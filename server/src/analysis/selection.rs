//! Selection ranges: from the word at the cursor out to its flag or argument, instruction, stage and file.

use std::ops::Range;

use tree_sitter::Node;

use crate::syntax::{Dockerfile, is_block};

/// The ranges to select around `offset`, innermost first, each holding the one before.
pub(crate) fn selection_ranges(file: &Dockerfile<'_>, offset: usize) -> Vec<Range<usize>> {
    let src = file.src();
    let offset = offset.min(src.len());
    let mut ranges = Vec::new();
    if let Some(leaf) = leaf_at(file.root(), offset) {
        if let Some(word) = word_in_leaf(src, leaf, offset) {
            ranges.push(word);
        }
        let mut node = Some(leaf);
        while let Some(n) = node {
            // Blocks are the grammar's way to reparse less, not something a reader sees.
            if !is_block(n) && n.parent().is_some() {
                ranges.push(trimmed(src, n.byte_range()));
            }
            node = n.parent();
        }
    }
    ranges.push(0..src.len());
    nested(ranges, offset)
}

/// For files without a Dockerfile tree (ignore files): the line, then the file.
pub(crate) fn line_ranges(src: &str, offset: usize) -> Vec<Range<usize>> {
    let offset = offset.min(src.len());
    let start = src
        .get(..offset)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1);
    let end = src
        .get(offset..)
        .and_then(|s| s.find(['\n', '\r']))
        .map_or(src.len(), |i| offset + i);
    nested(vec![start..end, 0..src.len()], offset)
}

/// The smallest node at `offset`; at the end of a word (the cursor just after it),
/// that word rather than the blank after it.
fn leaf_at(root: Node<'_>, offset: usize) -> Option<Node<'_>> {
    let node = root.descendant_for_byte_range(offset, offset)?;
    let inside = node.child_count() == 0 && node.start_byte() <= offset && offset < node.end_byte();
    if inside || offset == 0 {
        return Some(node);
    }
    match root.descendant_for_byte_range(offset - 1, offset - 1) {
        Some(before) if before.child_count() == 0 && before.end_byte() == offset => Some(before),
        _ => Some(node),
    }
}

/// Inside text the grammar keeps whole (shell code, heredoc bodies, comments, option
/// lists), the word at the cursor; in an option list, the option.
fn word_in_leaf(src: &str, leaf: Node<'_>, offset: usize) -> Option<Range<usize>> {
    let separators: &[char] = match leaf.kind() {
        "shell_fragment" | "heredoc_body" | "comment" | "ignored_text" => &[' ', '\t', '\n', '\r'],
        "flag_value" => &[','],
        _ => return None,
    };
    let range = leaf.byte_range();
    let text = src.get(range.clone())?;
    let at = offset.checked_sub(range.start)?.min(text.len());
    let start = text.get(..at)?.rfind(separators).map_or(0, |i| i + 1);
    let end = text
        .get(at..)?
        .find(separators)
        .map_or(text.len(), |i| at + i);
    (start < end).then(|| range.start + start..range.start + end)
}

/// A range without the blanks and line breaks it ends with.
fn trimmed(src: &str, range: Range<usize>) -> Range<usize> {
    let text = src.get(range.clone()).unwrap_or("");
    range.start..range.start + text.trim_end().len()
}

/// Makes each range hold the one before it (and the cursor) and drops repeats.
fn nested(ranges: Vec<Range<usize>>, offset: usize) -> Vec<Range<usize>> {
    let mut out: Vec<Range<usize>> = Vec::with_capacity(ranges.len());
    for range in ranges {
        let (mut start, mut end) = (range.start.min(offset), range.end.max(offset));
        if let Some(inner) = out.last() {
            start = start.min(inner.start);
            end = end.max(inner.end);
        }
        if out.last() != Some(&(start..end)) {
            out.push(start..end);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{self, FileKind};

    /// The text of each range, innermost first; `|` in `text` marks the cursor.
    fn selections(text: &str) -> Vec<String> {
        let offset = text.find('|').expect("cursor");
        let text = text.replacen('|', "", 1);
        let tree = syntax::parse(FileKind::Dockerfile, &text, None).expect("parse");
        let file = Dockerfile::new(&tree, &text);
        selection_ranges(&file, offset)
            .into_iter()
            .map(|r| text[r].to_owned())
            .collect()
    }

    const FILE: &str = "FROM alpine AS base\nFROM base\nRUN --mount=type=cache,tar|get=/var/cache/apk apk add curl\n";

    #[test]
    fn from_a_mount_option_out_to_the_file() {
        let file = FILE.replace('|', "");
        assert_eq!(
            selections(FILE),
            [
                "target=/var/cache/apk",
                "type=cache,target=/var/cache/apk",
                "--mount=type=cache,target=/var/cache/apk",
                "RUN --mount=type=cache,target=/var/cache/apk apk add curl",
                "FROM base\nRUN --mount=type=cache,target=/var/cache/apk apk add curl",
                file.as_str(),
            ]
        );
    }

    #[test]
    fn from_a_shell_word_and_from_the_end_of_a_word() {
        let text = "FROM alpine\nRUN apk add cu|rl\n";
        assert_eq!(
            selections(text)[..3],
            ["curl", "apk add curl", "RUN apk add curl"]
        );
        let text = "FROM alpine:3.20| AS base\n";
        assert_eq!(
            selections(text)[..3],
            [
                "alpine:3.20",
                "FROM alpine:3.20 AS base",
                "FROM alpine:3.20 AS base\n"
            ]
        );
    }
}
