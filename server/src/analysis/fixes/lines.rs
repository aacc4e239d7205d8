//! Line-level edits: insert a line next to an instruction, delete an instruction,
//! in the file's own newline and indentation.

use crate::syntax::{Edit, Instruction};

/// The file's line break: CRLF when it already uses it.
pub fn newline(src: &str) -> &'static str {
    if src.contains("\r\n") { "\r\n" } else { "\n" }
}

/// `at`, or the start of the character it falls inside (`end_byte() - 1` of a
/// node that ends with a multi-byte character).
fn char_start(src: &str, at: usize) -> usize {
    let mut at = at.min(src.len());
    while !src.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// Where the line holding `at` starts.
pub fn line_start(src: &str, at: usize) -> usize {
    let at = char_start(src, at);
    src.get(..at)
        .and_then(|before| before.rfind('\n'))
        .map_or(0, |i| i + 1)
}

/// Where the line holding `at` ends (before its line break).
pub fn line_end(src: &str, at: usize) -> usize {
    let at = char_start(src, at);
    let end = src
        .get(at..)
        .and_then(|after| after.find('\n'))
        .map_or(src.len(), |i| at + i);
    if end > 0 && src.as_bytes().get(end - 1) == Some(&b'\r') {
        end - 1
    } else {
        end
    }
}

/// The spaces and tabs that start the line holding `at`.
pub fn indentation(src: &str, at: usize) -> &str {
    let start = line_start(src, at);
    let line = src.get(start..).unwrap_or("");
    let width = line.len() - line.trim_start_matches([' ', '\t']).len();
    &line[..width]
}

/// A new line with `text` above the instruction, indented like it.
pub fn insert_line_before(instruction: &Instruction<'_>, text: &str) -> Edit {
    let src = instruction.src();
    let at = instruction.node().start_byte();
    let start = line_start(src, at);
    Edit::insert(
        start,
        format!("{}{text}{}", indentation(src, at), newline(src)),
    )
}

/// A new line with `text` below the instruction (after any heredoc body), indented like it.
pub fn insert_line_after(instruction: &Instruction<'_>, text: &str) -> Edit {
    let src = instruction.src();
    let node = instruction.node();
    let indent = indentation(src, node.start_byte());
    let end = line_end(
        src,
        node.end_byte().saturating_sub(1).max(node.start_byte()),
    );
    let nl = newline(src);
    Edit::insert(end, format!("{nl}{indent}{text}"))
}

/// The line break used inside `range` of `src`: CRLF when the text there uses it, else
/// LF. Fixes of cached stage or instruction findings must not depend on text outside
/// their scope (the file's other lines), or the cached fix goes stale when they change.
pub fn newline_in(src: &str, range: std::ops::Range<usize>) -> &'static str {
    if src.get(range).is_some_and(|text| text.contains("\r\n")) {
        "\r\n"
    } else {
        "\n"
    }
}

/// [`insert_line_before`] with the line break given (see [`newline_in`]).
pub fn insert_line_before_with(instruction: &Instruction<'_>, text: &str, nl: &str) -> Edit {
    let src = instruction.src();
    let at = instruction.node().start_byte();
    let start = line_start(src, at);
    Edit::insert(start, format!("{}{text}{nl}", indentation(src, at)))
}

/// [`insert_line_after`] with the line break given (see [`newline_in`]).
pub fn insert_line_after_with(instruction: &Instruction<'_>, text: &str, nl: &str) -> Edit {
    let src = instruction.src();
    let node = instruction.node();
    let indent = indentation(src, node.start_byte());
    let end = line_end(
        src,
        node.end_byte().saturating_sub(1).max(node.start_byte()),
    );
    Edit::insert(end, format!("{nl}{indent}{text}"))
}

/// Removes the instruction's lines (heredoc bodies included) and their line break.
pub fn delete_instruction(instruction: &Instruction<'_>) -> Edit {
    let src = instruction.src();
    let node = instruction.node();
    let start = line_start(src, node.start_byte());
    let last = node.end_byte().saturating_sub(1).max(node.start_byte());
    let mut end = line_end(src, last);
    if src[end..].starts_with("\r\n") {
        end += 2;
    } else if src[end..].starts_with('\n') {
        end += 1;
    }
    Edit::delete(start..end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fixes::apply_edits;
    use crate::syntax::{self, Dockerfile, FileKind};

    fn with_second(text: &str, edit: impl Fn(&Instruction<'_>) -> Edit) -> String {
        let tree = syntax::parse(FileKind::Dockerfile, text, None).expect("parse");
        let file = Dockerfile::new(&tree, text);
        let second = file.instructions().nth(1).expect("two instructions");
        apply_edits(text, &[edit(&second)]).expect("edit applies")
    }

    #[test]
    fn lines_keep_indentation_and_crlf() {
        let text = "FROM a\r\n  RUN b \\\r\n    c\r\nCMD d\r\n";
        assert_eq!(
            with_second(text, |i| insert_line_before(i, "USER x")),
            "FROM a\r\n  USER x\r\n  RUN b \\\r\n    c\r\nCMD d\r\n"
        );
        assert_eq!(
            with_second(text, |i| insert_line_after(i, "USER x")),
            "FROM a\r\n  RUN b \\\r\n    c\r\n  USER x\r\nCMD d\r\n"
        );
        assert_eq!(with_second(text, delete_instruction), "FROM a\r\nCMD d\r\n");
    }

    #[test]
    fn an_instruction_ending_in_a_multi_byte_character_is_deleted_alone() {
        let text = "FROM a\nRUN echo \\\n😀\r\nFROM b\n";
        assert_eq!(with_second(text, delete_instruction), "FROM a\nFROM b\n");
    }

    #[test]
    fn a_heredoc_body_goes_with_its_instruction() {
        let text = "FROM a\nRUN <<EOF\necho hi\nEOF\nCMD d";
        assert_eq!(with_second(text, delete_instruction), "FROM a\nCMD d");
        assert_eq!(
            with_second(text, |i| insert_line_after(i, "USER x")),
            "FROM a\nRUN <<EOF\necho hi\nEOF\nUSER x\nCMD d"
        );
    }
}
