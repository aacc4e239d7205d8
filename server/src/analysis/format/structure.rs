//! What of an instruction the formatter may respace: keywords, the blanks between tokens, and which continuations fall between words.

use std::ops::Range;

use tree_sitter::Node;

use super::shell_quotes::QuoteScanner;
use crate::syntax::{Instruction, InstructionKind, logical_segments};

/// The respacing an instruction allows.
#[derive(Debug, Default)]
pub(crate) struct Structure {
    /// Tokens whose text is data (words, flags, pairs, JSON strings, a USER or WORKDIR
    /// value): the blanks at a continuation inside one are part of it.
    opaque: Vec<Range<usize>>,
    /// Where shell commands start: the rest of the logical line is shell code, and
    /// whether a continuation in it falls between words is in `shell_joins`.
    shell: Vec<usize>,
    /// The offset of each continuation's escape character in a shell command, and
    /// whether the blanks around it separate words of shell code. Sorted.
    shell_joins: Vec<(usize, bool)>,
    /// Blanks between tokens, which become one space when they are on one line.
    pub gaps: Vec<Range<usize>>,
    /// Keywords, written in upper case.
    pub keywords: Vec<Range<usize>>,
}

impl Structure {
    pub fn of(instruction: &Instruction<'_>) -> Self {
        let mut structure = Structure::default();
        structure.add(instruction);
        structure.shell_joins.sort_unstable();
        structure
    }

    /// Whether the blanks around the continuation whose escape character is at `escape`
    /// separate tokens, so that they may be resized (never removed).
    pub fn join_is_safe(&self, escape: usize) -> bool {
        let inside = |r: &Range<usize>| r.start < escape && escape < r.end;
        if self.opaque.iter().any(inside) {
            return false;
        }
        if self.shell.iter().any(|&start| start < escape) {
            return self
                .shell_joins
                .binary_search_by_key(&escape, |&(at, _)| at)
                .is_ok_and(|i| self.shell_joins[i].1);
        }
        true
    }

    fn add(&mut self, instruction: &Instruction<'_>) {
        use InstructionKind as K;
        let node = instruction.node();
        if instruction.kind() != K::Unknown
            && let Some(keyword) = instruction.keyword()
        {
            self.keywords.push(keyword.byte_range());
        }
        // The value of these is the rest of the line, blanks included.
        let one_string = matches!(
            instruction.kind(),
            K::User | K::Workdir | K::Stopsignal | K::Maintainer
        );
        let mut cursor = node.walk();
        let tokens: Vec<Node<'_>> = node
            .children(&mut cursor)
            .filter(|t| !t.is_extra() && t.kind() != "heredoc" && !t.byte_range().is_empty())
            .collect();
        let mut value: Option<Range<usize>> = None;
        for (i, token) in tokens.iter().enumerate() {
            if let Some(next) = tokens.get(i + 1) {
                let between_words = one_string && token.kind() == "word";
                if next.kind() != "ignored_text" && !between_words {
                    self.gaps.push(token.end_byte()..next.start_byte());
                }
            }
            match token.kind() {
                "shell_command" => self.add_shell(instruction, *token),
                "json_array" => self.add_json(*token),
                "pair"
                    if token
                        .child_by_field_name("value")
                        .is_some_and(|v| v.kind() == "legacy_value") =>
                {
                    // `ENV key value`: the blanks after the key separate; the value is data.
                    let mut cursor = token.walk();
                    let parts: Vec<Node<'_>> = token.named_children(&mut cursor).collect();
                    for pair in parts.windows(2) {
                        self.gaps.push(pair[0].end_byte()..pair[1].start_byte());
                    }
                    self.opaque.extend(parts.iter().map(Node::byte_range));
                }
                _ => {
                    match Instruction::from_node(*token, instruction.src(), instruction.escape()) {
                        Some(trigger) => self.add(&trigger),
                        _ => {
                            if one_string && token.kind() == "word" {
                                let start = value.as_ref().map_or(token.start_byte(), |v| v.start);
                                value = Some(start..token.end_byte());
                            }
                            self.opaque.push(token.byte_range());
                        }
                    }
                }
            }
        }
        self.opaque.extend(value);
    }

    fn add_shell(&mut self, instruction: &Instruction<'_>, command: Node<'_>) {
        self.shell.push(command.start_byte());
        // To the end of the last physical line: a continuation there that continues
        // nothing (at the end of the file) is outside the command's node.
        let src = instruction.src();
        let line_end = instruction.line_end();
        let end = src
            .get(line_end..)
            .and_then(|rest| rest.find('\n'))
            .map_or(src.len(), |i| line_end + i);
        let pieces = logical_segments(src, command.start_byte()..end, instruction.escape());
        let mut scanner = QuoteScanner::new(instruction.escape());
        // The last piece too: a continuation at the end of the file ends it.
        for (start, piece) in &pieces {
            let safe = scanner.feed(piece);
            self.shell_joins.push((start + piece.len(), safe));
        }
    }

    fn add_json(&mut self, array: Node<'_>) {
        let mut stack = vec![array];
        while let Some(node) = stack.pop() {
            if node.kind() == "json_string" {
                self.opaque.push(node.byte_range());
                continue;
            }
            let mut cursor = node.walk();
            stack.extend(node.named_children(&mut cursor));
        }
    }
}
