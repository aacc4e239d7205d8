//! The physical lines of a text, with where each one's content and line break end.

use std::ops::Range;

/// One physical line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Line {
    /// Where the content starts (after a byte order mark on the first line).
    pub start: usize,
    /// Where the content ends, before `\r\n` or `\n`.
    pub end: usize,
    /// Where the next line starts (the end of the text for the last line).
    pub next: usize,
}

impl Line {
    pub fn content(&self) -> Range<usize> {
        self.start..self.end
    }
}

/// The lines of a text: split at `\n` (a `\r` before it belongs to the break), the
/// empty piece after a final `\n` not counted.
#[derive(Debug)]
pub(crate) struct Lines<'s> {
    src: &'s str,
    lines: Vec<Line>,
}

impl<'s> Lines<'s> {
    pub fn new(src: &'s str) -> Self {
        let mut lines = Vec::with_capacity(src.len() / 32 + 1);
        // A byte order mark is kept where it is: no edit starts before it.
        let mut start = if src.starts_with('\u{feff}') { 3 } else { 0 };
        while start < src.len() {
            let (end, next) = match memchr::memchr(b'\n', &src.as_bytes()[start..]) {
                Some(i) => {
                    let newline = start + i;
                    let end = if newline > start && src.as_bytes()[newline - 1] == b'\r' {
                        newline - 1
                    } else {
                        newline
                    };
                    (end, newline + 1)
                }
                None => (src.len(), src.len()),
            };
            lines.push(Line { start, end, next });
            start = next;
        }
        Lines { src, lines }
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn get(&self, index: usize) -> Option<Line> {
        self.lines.get(index).copied()
    }

    /// A line's content, without its line break.
    pub fn text(&self, index: usize) -> &'s str {
        self.get(index)
            .and_then(|line| self.src.get(line.content()))
            .unwrap_or("")
    }

    /// The line a byte offset is on (the last line for the end of the text).
    pub fn line_of(&self, offset: usize) -> usize {
        self.lines
            .partition_point(|line| line.next <= offset)
            .min(self.lines.len().saturating_sub(1))
    }

    /// The line break the file uses: that of its first line (`\n` when it has none).
    pub fn newline(&self) -> &'static str {
        match self.lines.first() {
            Some(line) if self.src.get(line.end..line.next) == Some("\r\n") => "\r\n",
            _ => "\n",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_keep_their_breaks_out_of_the_content() {
        let lines = Lines::new("a\r\nbc\n\nd");
        let texts: Vec<&str> = (0..lines.len()).map(|i| lines.text(i)).collect();
        assert_eq!(texts, ["a", "bc", "", "d"]);
        assert_eq!(lines.line_of(0), 0);
        assert_eq!(lines.line_of(2), 0);
        assert_eq!(lines.line_of(3), 1);
        assert_eq!(lines.line_of(8), 3);
        assert_eq!(lines.line_of(9), 3);
        assert_eq!(lines.newline(), "\r\n");
        assert_eq!(Lines::new("a\n").len(), 1);
        assert_eq!(Lines::new("\u{feff}FROM a\n").text(0), "FROM a");
    }
}
