//! Converts byte offsets to (line, column) positions and back, in any LSP position encoding.

use std::ops::Range;

/// The unit a column is counted in (LSP `PositionEncodingKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PositionEncoding {
    /// Columns count bytes of UTF-8.
    Utf8,
    /// Columns count UTF-16 code units; the LSP default.
    #[default]
    Utf16,
    /// Columns count Unicode scalar values (Rust `char`s).
    Utf32,
}

impl PositionEncoding {
    /// How many columns `ch` takes in this encoding.
    fn width(self, ch: char) -> usize {
        match self {
            PositionEncoding::Utf8 => ch.len_utf8(),
            PositionEncoding::Utf16 => ch.len_utf16(),
            PositionEncoding::Utf32 => 1,
        }
    }
}

/// A 0-based line and a 0-based column in some [`PositionEncoding`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct LineCol {
    pub line: u32,
    pub col: u32,
}

/// Whether a line ends at byte `at`: a `\n`, or a `\r` not followed by `\n` (a `\r\n`
/// is one break, which its `\n` ends), as the LSP specification counts lines.
pub(crate) fn is_line_break(bytes: &[u8], at: usize) -> bool {
    match bytes[at] {
        b'\n' => true,
        b'\r' => bytes.get(at + 1) != Some(&b'\n'),
        _ => false,
    }
}

/// The text of a document plus where each of its lines starts.
///
/// Line breaks are `\n`, `\r\n` and a lone `\r`, as the LSP specification says. The
/// index keeps its own copy of the text, so it can never be asked about a different one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    text: String,
    /// Byte offset of the first byte of every line; `line_starts[0] == 0`.
    line_starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut index = LineIndex {
            text: String::new(),
            line_starts: Vec::new(),
        };
        index.rebuild(text);
        index
    }

    /// Indexes `text` instead, in the memory this index already holds: the server
    /// indexes a document on every keystroke to place its diagnostics, and fresh
    /// memory for a large document is slower to touch than the indexing itself.
    pub fn rebuild(&mut self, text: &str) {
        self.text.clear();
        self.text.push_str(text);
        self.line_starts.clear();
        self.line_starts.push(0);
        let bytes = text.as_bytes();
        // Searched rather than looped over: the search is several times faster.
        for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
            if is_line_break(bytes, i) {
                self.line_starts.push(i + 1);
            }
        }
    }

    /// Replaces bytes `range` of the text with `new`, updating the line starts around
    /// the edit instead of searching the whole text again: a keystroke in a large
    /// document moves the later starts and looks at the edited bytes alone.
    pub fn edit(&mut self, range: Range<usize>, new: &str) {
        let boundary = |mut at: usize| {
            while !self.text.is_char_boundary(at) {
                at -= 1;
            }
            at
        };
        let start = boundary(range.start.min(self.text.len()));
        let end = boundary(range.end.clamp(start, self.text.len()));
        self.text.replace_range(start..end, new);
        let new_end = start + new.len();
        // A line starts after a break; a break at `i` depends on bytes `i` and `i + 1`.
        // Breaks before `start - 1` and from the old `end` on are unchanged (the later
        // ones moved); those in between are looked for again.
        let kept_before = self.line_starts.partition_point(|&s| s < start).max(1);
        let kept_after = self.line_starts.partition_point(|&s| s <= end);
        for s in &mut self.line_starts[kept_after..] {
            *s = *s - end + new_end;
        }
        let bytes = self.text.as_bytes();
        let from = start.saturating_sub(1);
        let found = memchr::memchr2_iter(b'\n', b'\r', &bytes[from..new_end])
            .map(|i| from + i)
            .filter(|&i| is_line_break(bytes, i))
            .map(|i| i + 1);
        self.line_starts
            .splice(kept_before..kept_after, found.collect::<Vec<_>>());
    }

    /// The text this index was built from.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Number of lines; text ending in a line break has an empty last line.
    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// Byte range of a line's content, without its line break.
    pub fn line_range(&self, line: usize) -> Option<Range<usize>> {
        let start = *self.line_starts.get(line)?;
        Some(start..self.content_end(line))
    }

    /// The position of byte `offset` with its column counted in `encoding`.
    ///
    /// An offset past the end means the end of the text; one inside a UTF-8 sequence
    /// means the start of that character; one between `\r` and `\n` means the `\r`.
    pub fn position(&self, offset: usize, encoding: PositionEncoding) -> LineCol {
        let mut line = 0;
        self.position_from(offset, encoding, &mut line)
    }

    /// [`Self::position`] for offsets met in order: `line` is where the last one was
    /// found, and where this one is looked for first (on its line or the next few)
    /// before a search of every line. Placing hundreds of diagnostics in source order
    /// then looks at a line or two each.
    pub fn position_from(
        &self,
        offset: usize,
        encoding: PositionEncoding,
        line: &mut usize,
    ) -> LineCol {
        let offset = self.snap(offset);
        let starts = &self.line_starts;
        let on = |l: usize| starts[l] <= offset && starts.get(l + 1).is_none_or(|&n| offset < n);
        let near = (*line..starts.len()).take(4).find(|&l| on(l));
        // `line_starts[0] == 0 <= offset`, so the partition point is at least 1.
        *line = near.unwrap_or_else(|| starts.partition_point(|&start| start <= offset) - 1);
        let line = *line;
        let start = self.line_starts[line];
        let col = match encoding {
            PositionEncoding::Utf8 => offset - start,
            // ASCII is one unit in every encoding, and most lines are ASCII.
            _ if self.text.as_bytes()[start..offset].is_ascii() => offset - start,
            _ => self.text[start..offset]
                .chars()
                .map(|ch| encoding.width(ch))
                .sum(),
        };
        LineCol {
            line: saturate(line),
            col: saturate(col),
        }
    }

    /// The byte offset of `position`, its column counted in `encoding`.
    ///
    /// A column past the line's end means the line's end, a line past the last means
    /// the end of the text, and a column inside a character means that character's start.
    pub fn offset(&self, position: LineCol, encoding: PositionEncoding) -> usize {
        let Some(range) = usize::try_from(position.line)
            .ok()
            .and_then(|line| self.line_range(line))
        else {
            return self.text.len();
        };
        let wanted = usize::try_from(position.col).unwrap_or(usize::MAX);
        let mut col = 0;
        for (i, ch) in self.text[range.clone()].char_indices() {
            let next = col + encoding.width(ch);
            if next > wanted {
                return range.start + i;
            }
            col = next;
        }
        range.end
    }

    /// Where the content of `line` ends, before its line break; `line` must exist.
    fn content_end(&self, line: usize) -> usize {
        let Some(&next_start) = self.line_starts.get(line + 1) else {
            return self.text.len();
        };
        let bytes = self.text.as_bytes();
        if next_start >= 2 && &bytes[next_start - 2..next_start] == b"\r\n" {
            next_start - 2
        } else {
            next_start - 1
        }
    }

    /// Moves `offset` back onto a character boundary that is not inside `\r\n`.
    fn snap(&self, offset: usize) -> usize {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let bytes = self.text.as_bytes();
        if offset > 0 && bytes.get(offset) == Some(&b'\n') && bytes[offset - 1] == b'\r' {
            offset -= 1;
        }
        offset
    }
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Conversions over a rope, the text of an open document.
///
/// The rope counts lines as the LSP does (`\n`, `\r\n` and a lone `\r`), so these
/// agree with [`LineIndex`] on the same text.
pub mod rope {
    use ropey::Rope;

    use super::{LineCol, PositionEncoding, saturate};

    /// The nearest character boundary at or before `offset`, not between `\r` and `\n`.
    pub fn snap(rope: &Rope, offset: usize) -> usize {
        let offset = offset.min(rope.len_bytes());
        let offset = rope.char_to_byte(rope.byte_to_char(offset));
        if offset > 0
            && offset < rope.len_bytes()
            && rope.byte(offset) == b'\n'
            && rope.byte(offset - 1) == b'\r'
        {
            offset - 1
        } else {
            offset
        }
    }

    /// The position of byte `offset`, its column counted in `encoding`.
    pub fn position(rope: &Rope, offset: usize, encoding: PositionEncoding) -> LineCol {
        let offset = snap(rope, offset);
        let line = rope.byte_to_line(offset);
        let line_start = rope.line_to_byte(line);
        let col = match encoding {
            PositionEncoding::Utf8 => offset - line_start,
            PositionEncoding::Utf32 => rope.byte_to_char(offset) - rope.byte_to_char(line_start),
            PositionEncoding::Utf16 => {
                rope.char_to_utf16_cu(rope.byte_to_char(offset))
                    - rope.char_to_utf16_cu(rope.byte_to_char(line_start))
            }
        };
        LineCol {
            line: saturate(line),
            col: saturate(col),
        }
    }

    /// The byte offset of `position`: a column past the line's end means the line's
    /// end, a line past the last means the end of the text, a column inside a
    /// character means that character's start.
    pub fn offset(rope: &Rope, position: LineCol, encoding: PositionEncoding) -> usize {
        let line = usize::try_from(position.line).unwrap_or(usize::MAX);
        if line >= rope.len_lines() {
            return rope.len_bytes();
        }
        let start = rope.line_to_byte(line);
        let end = content_end(rope, line);
        let col = usize::try_from(position.col).unwrap_or(usize::MAX);
        let offset = match encoding {
            PositionEncoding::Utf8 => start.saturating_add(col).min(end),
            PositionEncoding::Utf32 => {
                let start_char = rope.byte_to_char(start);
                let end_char = rope.byte_to_char(end);
                rope.char_to_byte(start_char.saturating_add(col).min(end_char))
            }
            PositionEncoding::Utf16 => {
                let start_cu = rope.char_to_utf16_cu(rope.byte_to_char(start));
                let end_cu = rope.char_to_utf16_cu(rope.byte_to_char(end));
                let cu = start_cu.saturating_add(col).min(end_cu);
                let char_index = rope.utf16_cu_to_char(cu);
                // Inside a surrogate pair: the character's start.
                let char_index = if rope.char_to_utf16_cu(char_index) > cu {
                    char_index - 1
                } else {
                    char_index
                };
                rope.char_to_byte(char_index)
            }
        };
        snap(rope, offset)
    }

    /// Where the content of `line` ends, before its line break.
    fn content_end(rope: &Rope, line: usize) -> usize {
        let end = if line + 1 < rope.len_lines() {
            rope.line_to_byte(line + 1)
        } else {
            return rope.len_bytes();
        };
        let mut end = end;
        if end > 0 && rope.byte(end - 1) == b'\n' {
            end -= 1;
        }
        if end > 0 && rope.byte(end - 1) == b'\r' {
            end -= 1;
        }
        end
    }

    /// The tree-sitter point (row, byte column) of a byte offset.
    pub fn point(rope: &Rope, offset: usize) -> (usize, usize) {
        let offset = offset.min(rope.len_bytes());
        let line = rope.byte_to_line(offset);
        (line, offset - rope.line_to_byte(line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PositionEncoding::{Utf8, Utf16, Utf32};
    use proptest::prelude::*;

    const ALL: [PositionEncoding; 3] = [Utf8, Utf16, Utf32];

    fn lc(line: u32, col: u32) -> LineCol {
        LineCol { line, col }
    }

    #[test]
    fn empty_text_has_one_empty_line() {
        let index = LineIndex::new("");
        assert_eq!(index.line_count(), 1);
        assert_eq!(index.line_range(0), Some(0..0));
        assert_eq!(index.line_range(1), None);
        for enc in ALL {
            assert_eq!(index.position(0, enc), lc(0, 0));
            assert_eq!(index.position(10, enc), lc(0, 0));
            assert_eq!(index.offset(lc(0, 0), enc), 0);
            assert_eq!(index.offset(lc(0, 5), enc), 0);
            assert_eq!(index.offset(lc(3, 5), enc), 0);
        }
    }

    #[test]
    fn ascii_lines_count_the_same_in_every_encoding() {
        let index = LineIndex::new("FROM alpine\nRUN true\n");
        for enc in ALL {
            assert_eq!(index.position(0, enc), lc(0, 0));
            assert_eq!(index.position(5, enc), lc(0, 5));
            assert_eq!(index.position(12, enc), lc(1, 0));
            assert_eq!(index.offset(lc(1, 4), enc), 16);
        }
    }

    #[test]
    fn emoji_is_a_surrogate_pair_in_utf16() {
        // U+1F433 (whale) is 4 bytes of UTF-8, 2 UTF-16 code units, 1 char.
        let text = "RUN echo 🐳 ok";
        let index = LineIndex::new(text);
        let after = text.find(" ok").expect("fixture has \" ok\"");
        assert_eq!(index.position(after, Utf8), lc(0, 13));
        assert_eq!(index.position(after, Utf16), lc(0, 11));
        assert_eq!(index.position(after, Utf32), lc(0, 10));
        assert_eq!(index.offset(lc(0, 11), Utf16), after);
        assert_eq!(index.offset(lc(0, 10), Utf32), after);
    }

    #[test]
    fn a_column_inside_a_character_means_its_start() {
        let text = "a🐳b";
        let index = LineIndex::new(text);
        // UTF-16 column 2 is between the two halves of the surrogate pair.
        assert_eq!(index.offset(lc(0, 2), Utf16), 1);
        // UTF-8 columns 2..=4 are inside the 4-byte sequence.
        for col in 2..=4 {
            assert_eq!(index.offset(lc(0, col), Utf8), 1);
        }
        assert_eq!(index.offset(lc(0, 5), Utf8), 5);
    }

    #[test]
    fn an_offset_inside_a_character_means_its_start() {
        let index = LineIndex::new("é🐳");
        assert_eq!(index.position(1, Utf8), lc(0, 0));
        assert_eq!(index.position(3, Utf16), lc(0, 1));
        assert_eq!(index.position(4, Utf32), lc(0, 1));
    }

    #[test]
    fn cjk_takes_three_bytes_and_one_utf16_unit() {
        let text = "LABEL 名前=値\n";
        let index = LineIndex::new(text);
        let eq = text.find('=').expect("fixture has '='");
        assert_eq!(index.position(eq, Utf8), lc(0, 12));
        assert_eq!(index.position(eq, Utf16), lc(0, 8));
        assert_eq!(index.position(eq, Utf32), lc(0, 8));
        assert_eq!(index.offset(lc(0, 8), Utf16), eq);
    }

    #[test]
    fn combining_marks_are_separate_characters() {
        // "e" + U+0301 COMBINING ACUTE ACCENT renders as one glyph but is two chars.
        let text = "e\u{301}x";
        let index = LineIndex::new(text);
        assert_eq!(index.position(3, Utf32), lc(0, 2));
        assert_eq!(index.position(3, Utf16), lc(0, 2));
        assert_eq!(index.position(3, Utf8), lc(0, 3));
        assert_eq!(index.offset(lc(0, 1), Utf32), 1);
    }

    #[test]
    fn tabs_are_one_column() {
        let index = LineIndex::new("\tRUN\tx");
        for enc in ALL {
            assert_eq!(index.position(5, enc), lc(0, 5));
        }
    }

    #[test]
    fn crlf_is_one_line_break() {
        let text = "FROM a\r\nRUN b\r\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 3);
        assert_eq!(index.line_range(0), Some(0..6));
        assert_eq!(index.line_range(1), Some(8..13));
        assert_eq!(index.line_range(2), Some(15..15));
        assert_eq!(index.position(8, Utf16), lc(1, 0));
        assert_eq!(index.position(15, Utf16), lc(2, 0));
    }

    #[test]
    fn an_offset_between_cr_and_lf_means_the_line_end() {
        let index = LineIndex::new("ab\r\ncd");
        for enc in ALL {
            assert_eq!(index.position(2, enc), lc(0, 2));
            assert_eq!(index.position(3, enc), lc(0, 2));
        }
    }

    #[test]
    fn a_lone_cr_is_a_line_break() {
        let index = LineIndex::new("a\rb\n\rc");
        assert_eq!(index.line_count(), 4);
        assert_eq!(index.line_range(0), Some(0..1));
        assert_eq!(index.line_range(1), Some(2..3));
        assert_eq!(index.line_range(2), Some(4..4));
        assert_eq!(index.line_range(3), Some(5..6));
        assert_eq!(index.position(2, Utf16), lc(1, 0));
        assert_eq!(index.position(5, Utf16), lc(3, 0));
        assert_eq!(index.offset(lc(3, 1), Utf16), 6);
    }

    #[test]
    fn a_column_past_the_line_end_clamps_to_the_line_end() {
        let index = LineIndex::new("FROM a\r\nRUN b\nX");
        for enc in ALL {
            assert_eq!(index.offset(lc(0, 99), enc), 6);
            assert_eq!(index.offset(lc(1, 99), enc), 13);
            assert_eq!(index.offset(lc(2, 99), enc), 15);
            assert_eq!(index.offset(lc(2, u32::MAX), enc), 15);
        }
    }

    #[test]
    fn a_line_past_the_end_clamps_to_the_end_of_text() {
        let index = LineIndex::new("FROM a\nRUN b");
        for enc in ALL {
            assert_eq!(index.offset(lc(2, 0), enc), 12);
            assert_eq!(index.offset(lc(u32::MAX, u32::MAX), enc), 12);
        }
    }

    #[test]
    fn the_end_of_file_is_a_position() {
        let with_newline = LineIndex::new("FROM a\n");
        assert_eq!(with_newline.position(7, Utf16), lc(1, 0));
        assert_eq!(with_newline.offset(lc(1, 0), Utf16), 7);
        let without = LineIndex::new("FROM 🐳");
        assert_eq!(without.position(9, Utf16), lc(0, 7));
        assert_eq!(without.position(usize::MAX, Utf16), lc(0, 7));
        assert_eq!(without.offset(lc(0, 7), Utf16), 9);
    }

    /// An index rebuilt for another text is the index of that text alone.
    #[test]
    fn a_rebuilt_index_forgets_the_old_text() {
        let mut index = LineIndex::new("a\r\nbb\rccc\nlonger text\n\n\n");
        for text in ["x\ny", "", "\r\r\n\n", "one line"] {
            index.rebuild(text);
            assert_eq!(index, LineIndex::new(text));
        }
    }

    #[test]
    fn the_line_break_itself_is_at_the_line_end() {
        let index = LineIndex::new("ab\ncd");
        for enc in ALL {
            assert_eq!(index.position(2, enc), lc(0, 2));
            assert_eq!(index.offset(lc(0, 2), enc), 2);
        }
    }

    /// Strings rich in what makes positions hard: line breaks of every kind, multi-byte
    /// characters, surrogate pairs and combining marks.
    fn tricky_text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("\n"),
            Just("\r"),
            Just("\r\n"),
            Just("\t"),
            Just("a"),
            Just("é"),
            Just("e\u{301}"),
            Just("名"),
            Just("🐳"),
            Just("\\"),
        ];
        prop_oneof![
            prop::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat()),
            any::<String>(),
        ]
    }

    proptest! {
        #[test]
        fn every_char_boundary_round_trips(text in tricky_text()) {
            let index = LineIndex::new(&text);
            let bytes = text.as_bytes();
            for offset in (0..=text.len()).filter(|&o| text.is_char_boundary(o)) {
                let inside_crlf = offset > 0 && bytes.get(offset) == Some(&b'\n') && bytes[offset - 1] == b'\r';
                // Between `\r` and `\n` is not a place in the text; it means the `\r`.
                let expected = if inside_crlf { offset - 1 } else { offset };
                for enc in ALL {
                    let position = index.position(offset, enc);
                    prop_assert_eq!(index.offset(position, enc), expected, "{:?} at {}", enc, offset);
                }
            }
        }

        #[test]
        fn a_position_found_from_a_hint_is_the_position(
            text in tricky_text(),
            offsets in prop::collection::vec(0usize..300, 1..40),
        ) {
            let index = LineIndex::new(&text);
            for enc in ALL {
                let mut line = 0;
                for &offset in &offsets {
                    let found = index.position_from(offset, enc, &mut line);
                    prop_assert_eq!(found, index.position(offset, enc), "{:?} at {}", enc, offset);
                    prop_assert_eq!(line, found.line as usize);
                }
            }
        }

        #[test]
        fn any_position_maps_to_a_char_boundary(text in tricky_text(), line in 0u32..50, col in 0u32..50) {
            let index = LineIndex::new(&text);
            for enc in ALL {
                let offset = index.offset(LineCol { line, col }, enc);
                prop_assert!(offset <= text.len());
                prop_assert!(text.is_char_boundary(offset));
                let bytes = text.as_bytes();
                prop_assert!(!(offset > 0 && bytes.get(offset) == Some(&b'\n') && bytes[offset - 1] == b'\r'));
            }
        }
    }

    proptest! {
        /// Edits anywhere, line breaks split or joined at the edit's ends (`\r` then
        /// `\n`) included, leave the index equal to one built from the edited text.
        #[test]
        fn an_edited_index_equals_a_fresh_one(
            text in tricky_text(),
            edits in prop::collection::vec((0usize..200, 0usize..8, tricky_text()), 1..6),
        ) {
            let mut index = LineIndex::new(&text);
            let mut expected = text.clone();
            for (at, len, new) in edits {
                let boundary = |mut i: usize, t: &str| {
                    i = i.min(t.len());
                    while !t.is_char_boundary(i) {
                        i -= 1;
                    }
                    i
                };
                let start = boundary(at, &expected);
                let end = boundary(start + len, &expected);
                // The index is given bytes that are not on a character boundary as
                // well: it moves them back onto one, as the expectation does here.
                index.edit(start..(start + len).min(expected.len()), &new);
                expected.replace_range(start..end, &new);
                prop_assert_eq!(&index, &LineIndex::new(&expected));
            }
        }

        #[test]
        fn the_rope_conversions_agree_with_the_line_index(text in tricky_text(), line in 0u32..12, col in 0u32..40) {
            let index = LineIndex::new(&text);
            let rope = ropey::Rope::from_str(&text);
            for encoding in [PositionEncoding::Utf8, PositionEncoding::Utf16, PositionEncoding::Utf32] {
                let at = LineCol { line, col };
                prop_assert_eq!(rope::offset(&rope, at, encoding), index.offset(at, encoding), "{:?} {:?}", encoding, at);
                for offset in 0..=text.len() {
                    prop_assert_eq!(rope::position(&rope, offset, encoding), index.position(offset, encoding));
                }
            }
        }
    }
}
