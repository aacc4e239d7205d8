//! Where a shell command's continuations fall: between words, or inside quotes where blanks are data.

/// What the scanner is inside.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Context {
    /// Shell code (the top level, `$(...)` or a backquoted command): blanks separate words.
    Code,
    /// Code inside backquotes.
    Backquoted,
    Double,
    Single,
    /// `$'...'`, where the escape character works.
    AnsiC,
}

/// Reads a shell command's logical text piece by piece (the pieces BuildKit joins at
/// continuations) and tells, at the end of each piece, whether the blanks around the
/// join may be changed without changing what the shell reads.
///
/// It is deliberately simple and errs towards "no": quotes, `$'...'`, escapes, `$(...)`,
/// backquotes and comments are followed; anything it does not model leaves blanks alone
/// at worst. With the backtick escape directive (Windows images) the shell is taken to be
/// PowerShell-like: the backtick escapes and backslashes are plain characters.
#[derive(Debug)]
pub(crate) struct QuoteScanner {
    stack: Vec<Context>,
    escape: char,
    /// The escape character was just read: the next character is taken literally.
    pending_escape: bool,
    /// A comment runs to the end of the logical line.
    comment: bool,
    previous: Option<char>,
    /// Where (in the text fed so far) the last character taken literally was.
    last_escaped: Option<usize>,
    fed: usize,
}

impl QuoteScanner {
    pub fn new(dockerfile_escape: char) -> Self {
        QuoteScanner {
            stack: vec![Context::Code],
            escape: if dockerfile_escape == '`' { '`' } else { '\\' },
            pending_escape: false,
            comment: false,
            previous: None,
            last_escaped: None,
            fed: 0,
        }
    }

    fn top(&self) -> Context {
        self.stack.last().copied().unwrap_or(Context::Code)
    }

    /// Reads a piece, then says whether blanks at its end (and at the start of the next
    /// piece) are word separators of shell code that may be resized.
    pub fn feed(&mut self, piece: &str) -> bool {
        let start = self.fed;
        for (i, c) in piece.char_indices() {
            self.step(c, start + i);
        }
        self.fed += piece.len();
        let trailing = piece.len() - piece.trim_end_matches([' ', '\t']).len();
        let blanks_escaped = self
            .last_escaped
            .is_some_and(|at| at >= self.fed - trailing);
        !self.pending_escape
            && !blanks_escaped
            && (self.comment || matches!(self.top(), Context::Code | Context::Backquoted))
    }

    fn step(&mut self, c: char, at: usize) {
        if self.comment {
            return;
        }
        if self.pending_escape {
            self.pending_escape = false;
            self.last_escaped = Some(at);
            self.previous = Some(c);
            return;
        }
        let previous = self.previous;
        self.previous = Some(c);
        let backquotes = self.escape == '\\';
        match self.top() {
            Context::Code | Context::Backquoted => {
                if c == self.escape {
                    self.pending_escape = true;
                } else if c == '\'' {
                    self.stack.push(if previous == Some('$') {
                        Context::AnsiC
                    } else {
                        Context::Single
                    });
                } else if c == '"' {
                    self.stack.push(Context::Double);
                } else if c == '`' && backquotes {
                    if self.top() == Context::Backquoted {
                        self.stack.pop();
                    } else {
                        self.stack.push(Context::Backquoted);
                    }
                } else if c == '(' && previous == Some('$') {
                    self.stack.push(Context::Code);
                } else if c == ')' && self.stack.len() > 1 && self.top() == Context::Code {
                    self.stack.pop();
                } else if c == '#'
                    && self.stack.len() == 1
                    && previous.is_none_or(|p| p.is_whitespace() || ";&|()<>".contains(p))
                {
                    self.comment = true;
                }
            }
            Context::Double => {
                if c == self.escape {
                    self.pending_escape = true;
                } else if c == '"' {
                    self.stack.pop();
                } else if c == '`' && backquotes {
                    self.stack.push(Context::Backquoted);
                } else if c == '(' && previous == Some('$') {
                    self.stack.push(Context::Code);
                }
            }
            Context::Single => {
                if c == '\'' {
                    self.stack.pop();
                }
            }
            Context::AnsiC => {
                if c == self.escape {
                    self.pending_escape = true;
                } else if c == '\'' {
                    self.stack.pop();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether the join after each piece but the last may be resized.
    fn joins(pieces: &[&str]) -> Vec<bool> {
        let mut scanner = QuoteScanner::new('\\');
        pieces[..pieces.len() - 1]
            .iter()
            .map(|p| scanner.feed(p))
            .collect()
    }

    #[test]
    fn blanks_between_words_may_change() {
        assert_eq!(
            joins(&["apt-get update ", "&& apt-get install x ", "y"]),
            [true, true]
        );
        assert_eq!(joins(&["a \"b\" 'c' ", "d"]), [true]);
        assert_eq!(joins(&["echo $(ls \"x\") ", "y"]), [true]);
    }

    #[test]
    fn blanks_inside_quotes_are_data() {
        assert_eq!(joins(&["echo \"a ", "b\" ", "c"]), [false, true]);
        assert_eq!(joins(&["echo 'a ", "b' ", "c"]), [false, true]);
        assert_eq!(joins(&["echo $'it\\'s ", "x' ", "y"]), [false, true]);
        assert_eq!(joins(&["echo \"$(echo ')') b ", "c\""]), [false]);
        assert_eq!(joins(&["echo \"$(echo ')' ", ")\" ", "x"]), [true, true]);
    }

    #[test]
    fn an_escaped_blank_is_part_of_a_word() {
        assert_eq!(joins(&["echo a\\ ", "b"]), [false]);
        assert_eq!(joins(&["echo a\\  ", "b"]), [false]);
    }

    #[test]
    fn comments_run_to_the_end_of_the_logical_line() {
        assert_eq!(joins(&["a # it's ", "b \"", "c"]), [true, true]);
        assert_eq!(joins(&["echo a#b ", "'c ", "d'"]), [true, false]);
    }

    #[test]
    fn powershell_escapes_with_the_backtick() {
        let mut scanner = QuoteScanner::new('`');
        assert!(scanner.feed("New-Item C:\\x\\ "));
        assert!(!scanner.feed("Write-Host \"a`\" "));
    }
}
