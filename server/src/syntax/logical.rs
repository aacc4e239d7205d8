//! BuildKit's logical lines: continuations joined, comment and blank lines inside them dropped.

use std::ops::Range;

/// The logical text of `range` in `src`, as BuildKit joins it.
///
/// Every physical line but the last must end in a continuation (the escape
/// character and optional blanks); that is removed. Lines after a continuation
/// that are blank or whole-line comments are dropped. The leading whitespace of
/// a continued line is kept.
pub fn logical_text(src: &str, range: Range<usize>, escape: char) -> String {
    logical_segments(src, range, escape)
        .into_iter()
        .map(|(_, piece)| piece)
        .collect()
}

/// The pieces the logical text of `range` is joined from, each with the source
/// offset it starts at (for mapping positions in the joined text back to the file).
pub fn logical_segments(src: &str, range: Range<usize>, escape: char) -> Vec<(usize, &str)> {
    let Some(slice) = src.get(range.clone()) else {
        return Vec::new();
    };
    if !slice.contains('\n') && !ends_physical_line(src, range.end) {
        return vec![(range.start, slice)];
    }
    let mut pieces = Vec::new();
    let mut first = true;
    let mut offset = range.start;
    let mut rest = slice;
    while !rest.is_empty() {
        let (line, has_newline) = match rest.find('\n') {
            Some(i) => (&rest[..i], true),
            None => (rest, false),
        };
        let line_start = offset;
        let consumed = line.len() + usize::from(has_newline);
        rest = &rest[consumed..];
        offset += consumed;
        if !first && (is_comment_line(line) || is_blank_line(line)) {
            continue;
        }
        first = false;
        let line = line.trim_end_matches(['\r', '\n']);
        let at_line_end = has_newline || ends_physical_line(src, range.end);
        match strip_continuation(line, escape) {
            Some(joined) if at_line_end => pieces.push((line_start, joined)),
            _ => {
                pieces.push((line_start, line));
                break;
            }
        }
    }
    pieces
}

/// `line` without its trailing continuation, if it has one.
///
/// An escape preceded by another escape is escaped itself, not a continuation
/// (BuildKit's `([^\\])\\[ \t]*$|^\\[ \t]*$`).
pub fn strip_continuation(line: &str, escape: char) -> Option<&str> {
    let trimmed = line.trim_end_matches([' ', '\t']);
    let joined = trimmed.strip_suffix(escape)?;
    (!joined.ends_with(escape)).then_some(joined)
}

/// A whole-line comment, as BuildKit's `isComment` sees it.
pub fn is_comment_line(line: &str) -> bool {
    line.trim_start_matches(char::is_whitespace)
        .starts_with('#')
}

/// A line of whitespace only (BuildKit's `isEmptyContinuationLine`).
pub fn is_blank_line(line: &str) -> bool {
    line.chars().all(char::is_whitespace)
}

fn ends_physical_line(src: &str, end: usize) -> bool {
    src.get(end..).is_none_or(|rest| {
        rest.trim_start_matches('\r').is_empty() || rest.trim_start_matches('\r').starts_with('\n')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn joined(src: &str) -> String {
        logical_text(src, 0..src.len(), '\\')
    }

    #[test]
    fn joins_continuations_keeping_leading_whitespace() {
        assert_eq!(joined("RUN a \\\n    b"), "RUN a     b");
    }

    #[test]
    fn drops_comment_and_blank_lines_inside_a_continuation() {
        assert_eq!(joined("RUN a \\\n  # note\n\n  b"), "RUN a   b");
    }

    #[test]
    fn a_continuation_at_the_end_of_the_file_is_removed() {
        assert_eq!(joined("RUN a \\"), "RUN a ");
    }

    #[test]
    fn backtick_escape() {
        assert_eq!(logical_text("RUN a `\r\n b", 0..11, '`'), "RUN a  b");
    }

    #[test]
    fn an_escaped_escape_does_not_continue_the_line() {
        assert_eq!(joined("ENV C a\\\\\nENV D"), "ENV C a\\\\");
        assert_eq!(joined("ENV E a\\\n\\\nb"), "ENV E ab");
    }

    #[test]
    fn a_range_inside_a_line_is_returned_as_is() {
        let src = "FROM a\\b c";
        assert_eq!(logical_text(src, 5..8, '\\'), "a\\b");
    }
}
