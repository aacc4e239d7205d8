//! Heredoc markers (`<<EOF`, `<<-"EOF"`, `3<<EOF`) read as BuildKit reads them.

/// What a heredoc marker declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeredocSpec {
    /// The delimiter with quotes and escapes removed.
    pub name: String,
    /// `<<-`: leading tabs are stripped from the body and the delimiter line.
    pub chomp: bool,
    /// Variables in the body are expanded (no part of the delimiter was quoted).
    pub expand: bool,
    /// The file descriptor before `<<`, if any.
    pub file_descriptor: Option<u32>,
}

/// Reads a marker's text; `None` if it is not a heredoc marker.
pub fn parse_marker(text: &str) -> Option<HeredocSpec> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let file_descriptor = text[..digits].parse().ok();
    let rest = text[digits..].strip_prefix("<<")?;
    let (chomp, rest) = match rest.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    // BuildKit's `^(\d*)<<(-?)\s*([^<]*)$`: `<<<` is a here-string.
    if rest.contains('<') {
        return None;
    }
    let raw = raw_word(rest.trim_start_matches([' ', '\t']));
    if raw.is_empty() {
        return None;
    }
    let name = unquote(raw)?;
    let quotes = |s: &str| s.chars().filter(|c| matches!(c, '\'' | '"')).count();
    Some(HeredocSpec {
        expand: quotes(&name) == quotes(raw),
        name,
        chomp,
        file_descriptor,
    })
}

/// The first shell word of `text` as written (quotes may contain blanks).
fn raw_word(text: &str) -> &str {
    let mut quote = None;
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match (quote, c) {
            (None, ' ' | '\t' | '\r' | '\n') => return &text[..i],
            (None, '\'' | '"') => quote = Some(c),
            (None, '\\') => {
                chars.next();
            }
            (Some('"'), '\\') => {
                chars.next();
            }
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
    }
    text
}

/// Removes quotes and applies backslash escapes like BuildKit's shell lexer;
/// `$` is kept as written. `None` for an unterminated quote.
fn unquote(word: &str) -> Option<String> {
    let mut out = String::with_capacity(word.len());
    let mut chars = word.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => loop {
                match chars.next()? {
                    '\'' => break,
                    c => out.push(c),
                }
            },
            '"' => loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => {
                        let next = chars.next()?;
                        if !matches!(next, '"' | '\\' | '$' | '`') {
                            out.push('\\');
                        }
                        out.push(next);
                    }
                    c => out.push(c),
                }
            },
            '\\' => {
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            }
            c => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> (String, bool, bool, Option<u32>) {
        let s = parse_marker(text).unwrap();
        (s.name, s.chomp, s.expand, s.file_descriptor)
    }

    #[test]
    fn plain_chomped_and_numbered_markers() {
        assert_eq!(spec("<<EOF"), ("EOF".into(), false, true, None));
        assert_eq!(spec("<<-EOF"), ("EOF".into(), true, true, None));
        assert_eq!(spec("3<<EMPTY2"), ("EMPTY2".into(), false, true, Some(3)));
    }

    #[test]
    fn quoting_disables_expansion() {
        assert_eq!(spec("<<'EOF'"), ("EOF".into(), false, false, None));
        assert_eq!(spec("<<eo'f'"), ("eof".into(), false, false, None));
        assert_eq!(spec("<<'one two'"), ("one two".into(), false, false, None));
        assert_eq!(spec("<<'e'o\\'f"), ("eo'f".into(), false, false, None));
    }

    #[test]
    fn escapes_and_variables() {
        assert_eq!(spec("<<eo\\'f"), ("eo'f".into(), false, true, None));
        assert_eq!(spec("<<$EOF"), ("$EOF".into(), false, true, None));
    }

    #[test]
    fn spaced_form() {
        assert_eq!(spec("<<  EOF"), ("EOF".into(), false, true, None));
    }

    #[test]
    fn not_a_marker() {
        assert_eq!(parse_marker("<EOF"), None);
        assert_eq!(parse_marker("<<<\"here string\""), None);
        assert_eq!(parse_marker("<<"), None);
    }
}
