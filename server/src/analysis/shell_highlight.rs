//! A lexer for highlighting shell code: commands, options, strings, variables, operators and comments.
//!
//! Highlighting must answer for a 5,000-line file in well under a millisecond or two, where
//! parsing every RUN with tree-sitter-bash costs tens of milliseconds: so this is a single
//! pass over the bytes that knows quoting, substitutions and where a command starts, and
//! nothing of the grammar beyond that. It is for colours only; rules use `shell.rs`.

use std::ops::Range;

use super::highlight::{Highlight, TokenKind, modifier, variable_end};
use super::model::PLATFORM_ARGS;

/// Words that are shell keywords where a command could start.
const KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac",
    "in", "function", "select", "time", "!", "{", "}", "[[", "]]",
];

/// Keywords after which the next word is a command again.
const COMMAND_KEYWORDS: &[&str] = &[
    "if", "then", "else", "elif", "while", "until", "do", "time", "!", "{",
];

/// Commands that run the command named after them (and their options).
const WRAPPERS: &[&str] = &[
    "sudo", "exec", "nohup", "command", "builtin", "env", "xargs", "nice", "chroot",
];

/// Shells whose script a heredoc body can be.
const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh", "mksh"];

/// Operators, the longest first where one is the prefix of another.
const OPERATORS: &[&str] = &[
    ";;&", "&>>", "<<<", "<<-", "&&", "||", "|&", ";;", ";&", "&>", ">>", ">&", ">|", "<<", "<&",
    "<>", "|", "&", ";", "(", ")", "<", ">",
];

/// A context the lexer is inside of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    /// `$( ... )`, with the parentheses opened inside it.
    Substitution {
        parens: u32,
    },
    /// `` `...` ``
    Backtick,
    DoubleQuote,
    SingleQuote,
}

/// The lexer's state, kept from one piece of code to the next: the fragments of a RUN
/// are one logical line, so a quote or a comment can go on after a continuation.
#[derive(Debug)]
pub(crate) struct ShellLexer {
    stack: Vec<Frame>,
    /// The next word names a command.
    command_start: bool,
    /// The command named was a wrapper: options may come before the command it runs.
    after_wrapper: bool,
    /// The next word is a redirection's file.
    redirect_target: bool,
    in_word: bool,
    comment: bool,
    /// The piece ended on an escape: the next byte is literal.
    escaped: bool,
    /// Where the string being read started in this piece.
    run_start: Option<usize>,
    /// Windows Dockerfiles escape with a backtick (PowerShell's escape too).
    backtick_escape: bool,
}

impl ShellLexer {
    pub(crate) fn new(backtick_escape: bool) -> Self {
        ShellLexer {
            stack: Vec::new(),
            command_start: true,
            after_wrapper: false,
            redirect_target: false,
            in_word: false,
            comment: false,
            escaped: false,
            run_start: None,
            backtick_escape,
        }
    }

    /// Blanks separate what comes next from what came before (between fragments).
    pub(crate) fn blank(&mut self) {
        self.in_word = false;
    }

    /// A heredoc marker stood here: it ends the word before it.
    pub(crate) fn heredoc_marker(&mut self) {
        self.in_word = false;
    }

    /// Lexes `range` of `src`, appending its tokens in order.
    pub(crate) fn lex(&mut self, src: &str, range: Range<usize>, out: &mut Vec<Highlight>) {
        let bytes = src.as_bytes();
        let end = range.end.min(bytes.len());
        let mut i = range.start;
        if matches!(
            self.stack.last(),
            Some(Frame::DoubleQuote | Frame::SingleQuote)
        ) {
            self.run_start = Some(i);
        }
        while i < end {
            if self.escaped {
                self.escaped = false;
                i = next_char(src, i);
                continue;
            }
            if self.comment {
                let eol = memchr::memchr(b'\n', &bytes[i..end]).map_or(end, |n| i + n);
                push(out, i..eol, TokenKind::Comment, 0);
                i = eol;
                if eol < end {
                    self.comment = false;
                }
                continue;
            }
            i = match self.stack.last() {
                Some(Frame::DoubleQuote) => self.double_quoted(src, i, end, out),
                Some(Frame::SingleQuote) => self.single_quoted(bytes, i, end, out),
                _ => self.code(src, i, end, out),
            };
        }
        if let Some(start) = self.run_start.take() {
            push(out, start..end, TokenKind::String, 0);
        }
    }

    /// One step in code (outside quotes); returns where to go on.
    fn code(&mut self, src: &str, i: usize, end: usize, out: &mut Vec<Highlight>) -> usize {
        let bytes = src.as_bytes();
        let b = bytes[i];
        match b {
            b' ' | b'\t' | b'\r' => {
                self.in_word = false;
                i + 1
            }
            b'\n' => {
                self.in_word = false;
                self.new_command();
                i + 1
            }
            b'#' if !self.in_word => {
                self.comment = true;
                i
            }
            b'\\' => self.escape(src, i, end),
            b'`' if self.backtick_escape => self.escape(src, i, end),
            b'`' => {
                push(out, i..i + 1, TokenKind::Operator, 0);
                if self.stack.last() == Some(&Frame::Backtick) {
                    self.stack.pop();
                    self.in_word = true;
                } else {
                    self.start_special_word();
                    self.stack.push(Frame::Backtick);
                    self.in_word = false;
                    self.new_command();
                }
                i + 1
            }
            b'\'' => {
                self.start_special_word();
                self.stack.push(Frame::SingleQuote);
                self.run_start = Some(i);
                i + 1
            }
            b'"' => {
                self.start_special_word();
                self.stack.push(Frame::DoubleQuote);
                self.run_start = Some(i);
                i + 1
            }
            b'$' => {
                if bytes.get(i + 1) == Some(&b'\'') && i + 1 < end {
                    self.start_special_word();
                    self.stack.push(Frame::SingleQuote);
                    self.run_start = Some(i);
                    return i + 2;
                }
                self.dollar(src, i, end, out)
            }
            b'&' | b'|' | b';' | b'(' | b')' | b'<' | b'>' => self.operator(bytes, i, i, end, out),
            _ if self.in_word => plain_end(bytes, i, end),
            _ => self.word(src, i, end, out),
        }
    }

    fn escape(&mut self, src: &str, i: usize, end: usize) -> usize {
        if i + 1 >= end {
            self.escaped = true;
            return end;
        }
        // A continuation inside a heredoc script: the word goes on on the next line.
        if src.as_bytes()[i + 1] != b'\n' {
            self.start_special_word();
        }
        next_char(src, i + 1)
    }

    /// A word starting with plain text: a command name, a keyword, an assignment or an option.
    fn word(&mut self, src: &str, i: usize, end: usize, out: &mut Vec<Highlight>) -> usize {
        let bytes = src.as_bytes();
        let j = plain_end(bytes, i, end);
        let text = &src[i..j];
        let next = bytes.get(j).copied().filter(|_| j < end);
        if matches!(next, Some(b'<' | b'>')) && text.bytes().all(|b| b.is_ascii_digit()) {
            // `2>&1`: the descriptor belongs to the redirection.
            return self.operator(bytes, i, j, end, out);
        }
        self.in_word = true;
        let complete = matches!(
            next,
            None | Some(
                b' ' | b'\t' | b'\r' | b'\n' | b'&' | b'|' | b';' | b'(' | b')' | b'<' | b'>'
            )
        );
        if self.redirect_target {
            self.redirect_target = false;
            return j;
        }
        if self.command_start {
            if let Some(name_len) = assignment_name(text) {
                let modifiers = modifier::DECLARATION | platform_modifiers(&text[..name_len]);
                push(out, i..i + name_len, TokenKind::Variable, modifiers);
                return j;
            }
            if complete && KEYWORDS.contains(&text) {
                push(out, i..j, TokenKind::Keyword, 0);
                self.command_start = COMMAND_KEYWORDS.contains(&text);
                return j;
            }
            if self.after_wrapper && text.starts_with('-') {
                push(out, option_range(text, i), TokenKind::Flag, 0);
                return j;
            }
            push(out, i..j, TokenKind::Command, 0);
            self.command_start = false;
            let name = text.rsplit('/').next().unwrap_or(text);
            if complete && WRAPPERS.contains(&name) {
                self.command_start = true;
                self.after_wrapper = true;
            } else {
                self.after_wrapper = false;
            }
            return j;
        }
        if text.len() > 1 && text.starts_with('-') {
            push(out, option_range(text, i), TokenKind::Flag, 0);
        }
        j
    }

    /// A word that starts with a quote, `$` or an escape: it takes the place of a
    /// command name or a redirection's file all the same.
    fn start_special_word(&mut self) {
        if self.in_word {
            return;
        }
        self.in_word = true;
        if self.redirect_target {
            self.redirect_target = false;
        } else if self.command_start {
            self.command_start = false;
            self.after_wrapper = false;
        }
    }

    fn new_command(&mut self) {
        self.command_start = true;
        self.after_wrapper = false;
        self.redirect_target = false;
    }

    /// An operator at `at` (its token starts at `start`, before a descriptor number).
    fn operator(
        &mut self,
        bytes: &[u8],
        start: usize,
        at: usize,
        end: usize,
        out: &mut Vec<Highlight>,
    ) -> usize {
        let rest = &bytes[at..end];
        let op = OPERATORS
            .iter()
            .find(|op| rest.starts_with(op.as_bytes()))
            .copied()
            .unwrap_or(";");
        let mut op_end = at + op.len().min(rest.len()).max(1);
        if matches!(op, ">&" | "<&") {
            // `2>&1`, `>&-`: the descriptor duplicated or closed is part of the redirection.
            op_end += bytes[op_end..end]
                .iter()
                .take_while(|b| b.is_ascii_digit() || **b == b'-')
                .count();
        }
        push(out, start..op_end, TokenKind::Operator, 0);
        self.in_word = false;
        match op {
            "&&" | "||" | "|" | "|&" | ";" | ";;" | ";&" | ";;&" | "&" => self.new_command(),
            "(" => {
                if let Some(Frame::Substitution { parens }) = self.stack.last_mut() {
                    *parens += 1;
                }
                self.new_command();
            }
            ")" => match self.stack.last_mut() {
                Some(Frame::Substitution { parens: 0 }) => {
                    self.stack.pop();
                    self.in_word = true;
                }
                Some(Frame::Substitution { parens }) => *parens -= 1,
                _ => self.command_start = false,
            },
            _ => self.redirect_target = true,
        }
        op_end
    }

    /// `$NAME`, `${...}`, `$1`, `$?`, `$(`...`)`, `$((`...`))`.
    fn dollar(&mut self, src: &str, i: usize, end: usize, out: &mut Vec<Highlight>) -> usize {
        let bytes = src.as_bytes();
        let next = bytes.get(i + 1).copied().filter(|_| i + 1 < end);
        match next {
            Some(b'(') => {
                self.start_special_word();
                let arithmetic = bytes.get(i + 2) == Some(&b'(') && i + 2 < end;
                let op_end = if arithmetic { i + 3 } else { i + 2 };
                push(out, i..op_end, TokenKind::Operator, 0);
                self.stack.push(Frame::Substitution {
                    parens: u32::from(arithmetic),
                });
                self.in_word = false;
                self.new_command();
                if arithmetic {
                    self.command_start = false;
                }
                op_end
            }
            Some(b'{') => {
                self.start_special_word();
                let j = variable_end(bytes, i, end);
                let name = src.get(i + 2..j).unwrap_or("");
                push(out, i..j, TokenKind::Variable, platform_modifiers(name));
                j
            }
            Some(b) if b.is_ascii_alphabetic() || b == b'_' => {
                self.start_special_word();
                let j = variable_end(bytes, i, end);
                let name = src.get(i + 1..j).unwrap_or("");
                push(out, i..j, TokenKind::Variable, platform_modifiers(name));
                j
            }
            Some(b) if b.is_ascii_digit() || b"@*#?$!-".contains(&b) => {
                self.start_special_word();
                push(out, i..i + 2, TokenKind::Variable, 0);
                i + 2
            }
            _ => {
                if !self.in_word {
                    return self.word(src, i, end, out);
                }
                i + 1
            }
        }
    }

    /// Inside `"..."`: the text is a string, but for variables and substitutions.
    fn double_quoted(
        &mut self,
        src: &str,
        i: usize,
        end: usize,
        out: &mut Vec<Highlight>,
    ) -> usize {
        let bytes = src.as_bytes();
        if self.run_start.is_none() {
            self.run_start = Some(i);
        }
        let mut j = i;
        while j < end {
            match bytes[j] {
                b'"' => {
                    let start = self.run_start.take().unwrap_or(j);
                    push(out, start..j + 1, TokenKind::String, 0);
                    self.stack.pop();
                    return j + 1;
                }
                b'\\' => {
                    if j + 1 >= end {
                        self.escaped = true;
                        return end;
                    }
                    j += 2;
                }
                b'`' if !self.backtick_escape => {
                    self.flush(j, out);
                    push(out, j..j + 1, TokenKind::Operator, 0);
                    self.stack.push(Frame::Backtick);
                    self.in_word = false;
                    self.new_command();
                    return j + 1;
                }
                b'$' if is_expansion_start(bytes.get(j + 1).copied().filter(|_| j + 1 < end)) => {
                    self.flush(j, out);
                    // Inside quotes a `$` never starts a word of its own.
                    self.in_word = true;
                    let after = self.dollar(src, j, end, out);
                    if self.stack.last() == Some(&Frame::DoubleQuote) {
                        self.run_start = Some(after);
                    }
                    return after;
                }
                _ => j += 1,
            }
        }
        end
    }

    /// Inside `'...'`: everything up to the closing quote is a string.
    fn single_quoted(
        &mut self,
        bytes: &[u8],
        i: usize,
        end: usize,
        out: &mut Vec<Highlight>,
    ) -> usize {
        let start = self.run_start.take().unwrap_or(i);
        match memchr::memchr(b'\'', &bytes[i..end]) {
            Some(n) => {
                push(out, start..i + n + 1, TokenKind::String, 0);
                self.stack.pop();
                i + n + 1
            }
            None => {
                self.run_start = Some(start);
                end
            }
        }
    }

    /// Ends the string being read at `at`.
    fn flush(&mut self, at: usize, out: &mut Vec<Highlight>) {
        if let Some(start) = self.run_start.take() {
            push(out, start..at, TokenKind::String, 0);
        }
    }
}

fn push(out: &mut Vec<Highlight>, range: Range<usize>, kind: TokenKind, modifiers: u32) {
    if !range.is_empty() {
        out.push(Highlight {
            range,
            kind,
            modifiers,
        });
    }
}

/// Where a run of plain word bytes starting at `i` ends.
fn plain_end(bytes: &[u8], i: usize, end: usize) -> usize {
    let mut j = i;
    while j < end
        && !matches!(
            bytes[j],
            b' ' | b'\t'
                | b'\r'
                | b'\n'
                | b'&'
                | b'|'
                | b';'
                | b'('
                | b')'
                | b'<'
                | b'>'
                | b'\''
                | b'"'
                | b'`'
                | b'$'
                | b'\\'
        )
    {
        j += 1;
    }
    // A `$` that starts nothing is plain text: never return without progress.
    j.max(i + 1).min(end.max(i + 1))
}

/// The start of the character after the one at `i`.
fn next_char(src: &str, i: usize) -> usize {
    let mut j = i + 1;
    while j < src.len() && !src.is_char_boundary(j) {
        j += 1;
    }
    j
}

fn is_expansion_start(next: Option<u8>) -> bool {
    next.is_some_and(|b| b.is_ascii_alphanumeric() || b"_{(@*#?$!-".contains(&b))
}

/// `NAME=...` at a command's start: the length of the name.
fn assignment_name(text: &str) -> Option<usize> {
    let eq = text.find('=')?;
    let name = &text[..eq];
    let mut chars = name.chars();
    let first = chars.next()?;
    ((first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then_some(eq)
}

/// An option up to its `=`: `--output=x` highlights `--output`.
fn option_range(text: &str, start: usize) -> Range<usize> {
    start..start + text.find('=').unwrap_or(text.len())
}

fn platform_modifiers(name: &str) -> u32 {
    let name = name
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .next()
        .unwrap_or("");
    if PLATFORM_ARGS.contains(&name) {
        modifier::DEFAULT_LIBRARY | modifier::READONLY
    } else {
        0
    }
}

/// Whether a RUN heredoc's body is run by the shell: the command is only the marker
/// (and the body's `#!` line, if any, names a shell) or the command is a shell reading
/// its standard input (`bash <<EOF`, `sudo sh -e <<EOF`). `command` is the RUN's shell
/// text without its markers.
pub(crate) fn body_runs_as_shell(command: &str, body: &str) -> bool {
    let first = command
        .split_whitespace()
        .find(|w| !w.starts_with('-') && !w.contains('=') && !WRAPPERS.contains(w));
    match first {
        Some(word) => SHELLS.contains(&basename(word)),
        None => match body.trim_start_matches([' ', '\t']).strip_prefix("#!") {
            Some(shebang) => {
                let line = shebang.lines().next().unwrap_or("");
                let mut words = line.split_whitespace();
                let interpreter = words.next().map(basename);
                let interpreter = match interpreter {
                    Some("env") => words.find(|w| !w.starts_with('-')).map(basename),
                    other => other,
                };
                interpreter.is_some_and(|name| SHELLS.contains(&name))
            }
            None => true,
        },
    }
}

fn basename(word: &str) -> &str {
    word.rsplit('/').next().unwrap_or(word)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each token as `kind:text`, in order.
    fn lex(code: &str) -> String {
        let mut out = Vec::new();
        ShellLexer::new(false).lex(code, 0..code.len(), &mut out);
        out.iter()
            .map(|h| format!("{:?}:{}", h.kind, &code[h.range.clone()]))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn commands_options_and_operators() {
        insta::assert_snapshot!(
            lex("apt-get update && apt-get install -y --no-install-recommends curl | tee log 2>&1"),
            @"Command:apt-get Operator:&& Command:apt-get Flag:-y Flag:--no-install-recommends Operator:| Command:tee Operator:2>&1"
        );
    }

    #[test]
    fn assignments_keywords_wrappers_and_substitutions() {
        insta::assert_snapshot!(
            lex("A=1 sudo -E make; if [ -f x ]; then echo \"$(id -u)\" `date`; fi"),
            @r#"Variable:A Command:sudo Flag:-E Command:make Operator:; Keyword:if Command:[ Flag:-f Operator:; Keyword:then Command:echo String:" Operator:$( Command:id Flag:-u Operator:) String:" Operator:` Command:date Operator:` Operator:; Keyword:fi"#
        );
    }

    #[test]
    fn quotes_and_comments_go_on_across_pieces() {
        let code = "echo 'a b\ncd' # note\nls";
        let mut out = Vec::new();
        let mut lexer = ShellLexer::new(false);
        // Two pieces of one logical line: the quote and then the comment run on.
        lexer.lex(code, 0..7, &mut out);
        lexer.lex(code, 7..code.len(), &mut out);
        let found: Vec<String> = out
            .iter()
            .map(|h| format!("{:?}:{}", h.kind, &code[h.range.clone()]))
            .collect();
        assert_eq!(
            found,
            [
                "Command:echo",
                "String:'a",
                "String: b\ncd'",
                "Comment:# note",
                "Command:ls"
            ]
        );
    }

    #[test]
    fn heredoc_scripts_are_told_from_data() {
        assert!(body_runs_as_shell("", "set -e\n"));
        assert!(body_runs_as_shell("bash ", "echo\n"));
        assert!(body_runs_as_shell("sudo sh -e ", "echo\n"));
        assert!(body_runs_as_shell("", "#!/usr/bin/env bash\necho\n"));
        assert!(!body_runs_as_shell("", "#!/usr/bin/env python3\nprint()\n"));
        assert!(!body_runs_as_shell("python3 ", "print()\n"));
        assert!(!body_runs_as_shell("cat > /etc/x ", "data\n"));
    }
}
