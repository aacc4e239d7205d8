//! Variable expansion in instruction arguments, following BuildKit's word lexer.

use std::ops::Range;

/// How a `${name...}` reference treats an unset variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Modifier {
    /// `$name`, `${name}`, or a pattern operator (`#`, `%`, `/`): the value is used as is.
    Plain,
    /// `${name:-word}` / `${name-word}`: a default when unset.
    Default,
    /// `${name:+word}` / `${name+word}`: the word when set, else empty.
    Alternative,
    /// `${name:?message}` / `${name?message}`: an error when unset.
    Required,
}

/// One variable reference in a word.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VarRef {
    pub name: String,
    /// Bytes of the whole reference (`$name` or `${...}`) in the text given.
    pub range: Range<usize>,
    pub modifier: Modifier,
}

/// The result of expanding a word.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Expansion {
    /// The expanded text, quotes and escapes removed.
    pub value: String,
    /// Every variable the word referred to, in order (nested ones included).
    pub references: Vec<VarRef>,
    /// Whether every reference that decides the value resolved (a default counts).
    pub complete: bool,
}

/// The variables a word refers to.
pub fn references(text: &str, escape: char) -> Vec<VarRef> {
    expand(text, escape, &|_| None).references
}

/// Expands `text` as BuildKit does for the arguments of FROM, COPY, ENV, WORKDIR and the
/// like: quotes removed, the escape character escaping the next character, `$name` and
/// `${name}` with the `:-`, `-`, `:+`, `+`, `:?`, `?`, `#`, `##`, `%`, `%%`, `/`, `//`
/// operators. `lookup` gives the value of a variable, `None` when it is not defined.
pub fn expand(text: &str, escape: char, lookup: &dyn Fn(&str) -> Option<String>) -> Expansion {
    let mut lexer = Lexer {
        text,
        pos: 0,
        escape,
        lookup,
        references: Vec::new(),
        complete: true,
    };
    let value = lexer.word(&[], false);
    Expansion {
        value,
        references: lexer.references,
        complete: lexer.complete,
    }
}

struct Lexer<'a> {
    text: &'a str,
    pos: usize,
    escape: char,
    lookup: &'a dyn Fn(&str) -> Option<String>,
    references: Vec<VarRef>,
    complete: bool,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// Reads until one of `stops` (outside quotes) or the end.
    fn word(&mut self, stops: &[char], in_double: bool) -> String {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            if !in_double && stops.contains(&c) {
                break;
            }
            match c {
                '\'' if !in_double => {
                    self.bump();
                    while let Some(c) = self.bump() {
                        if c == '\'' {
                            break;
                        }
                        out.push(c);
                    }
                }
                '"' if in_double => break,
                '"' => {
                    self.bump();
                    out.push_str(&self.word(&[], true));
                    self.bump();
                }
                '$' => {
                    self.bump();
                    self.dollar(&mut out);
                }
                c if c == self.escape => {
                    self.bump();
                    match self.bump() {
                        // A continuation left in a raw range joins the lines.
                        Some('\n') => {}
                        Some('\r') if self.peek() == Some('\n') => {
                            self.bump();
                        }
                        // In double quotes BuildKit keeps the escape before ordinary characters.
                        Some(next)
                            if in_double && !matches!(next, '"' | '$') && next != self.escape =>
                        {
                            out.push(c);
                            out.push(next);
                        }
                        Some(next) => out.push(next),
                        None => out.push(c),
                    }
                }
                _ => {
                    self.bump();
                    out.push(c);
                }
            }
        }
        out
    }

    fn name(&mut self) -> String {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == '_' {
                self.bump();
            } else {
                break;
            }
        }
        self.text[start..self.pos].to_owned()
    }

    fn dollar(&mut self, out: &mut String) {
        let start = self.pos - 1;
        match self.peek() {
            Some('{') => {
                self.bump();
                self.braced(start, out);
            }
            Some(c) if c.is_ascii_alphabetic() || c == '_' => {
                let name = self.name();
                let value = self.resolve(&name, start..self.pos, Modifier::Plain);
                if value.is_none() {
                    self.complete = false;
                }
                out.push_str(&value.unwrap_or_default());
            }
            _ => out.push('$'),
        }
    }

    fn resolve(&mut self, name: &str, range: Range<usize>, modifier: Modifier) -> Option<String> {
        self.references.push(VarRef {
            name: name.to_owned(),
            range,
            modifier,
        });
        (self.lookup)(name)
    }

    fn braced(&mut self, start: usize, out: &mut String) {
        let name = self.name();
        let reference = self.references.len();
        let value = self.resolve(&name, start..self.pos, Modifier::Plain);
        let colon = self.peek() == Some(':');
        if colon {
            self.bump();
        }
        let operator = self.peek();
        let modifier = match operator {
            Some('-') => Modifier::Default,
            Some('+') => Modifier::Alternative,
            Some('?') => Modifier::Required,
            _ => Modifier::Plain,
        };
        if !matches!(operator, Some('}') | None) {
            self.bump();
        }
        let set = value.is_some();
        let empty = value.as_deref().is_none_or(str::is_empty);
        let unset = if colon { empty } else { !set };
        let result = match operator {
            Some('}') | None => {
                if !set {
                    self.complete = false;
                }
                value.unwrap_or_default()
            }
            Some('-') => {
                let word = self.word(&['}'], false);
                if unset {
                    word
                } else {
                    value.unwrap_or_default()
                }
            }
            Some('+') => {
                let word = self.word(&['}'], false);
                if unset { String::new() } else { word }
            }
            Some('?') => {
                self.word(&['}'], false);
                if unset {
                    self.complete = false;
                }
                value.unwrap_or_default()
            }
            Some('#' | '%') => {
                let op = operator.unwrap_or('#');
                let greedy = self.peek() == Some(op);
                if greedy {
                    self.bump();
                }
                let pattern = self.word(&['}'], false);
                if !set {
                    self.complete = false;
                }
                let value = value.unwrap_or_default();
                trim_pattern(&value, &pattern, op == '#', greedy)
            }
            Some('/') => {
                let all = self.peek() == Some('/');
                if all {
                    self.bump();
                }
                let pattern = self.word(&['/', '}'], false);
                let replacement = if self.peek() == Some('/') {
                    self.bump();
                    self.word(&['}'], false)
                } else {
                    String::new()
                };
                if !set {
                    self.complete = false;
                }
                let value = value.unwrap_or_default();
                if pattern.is_empty() {
                    value
                } else if all {
                    value.replace(&pattern, &replacement)
                } else {
                    value.replacen(&pattern, &replacement, 1)
                }
            }
            Some(_) => {
                // Not an operator BuildKit knows: the rest up to `}` is skipped.
                self.word(&['}'], false);
                value.unwrap_or_default()
            }
        };
        if self.peek() == Some('}') {
            self.bump();
        }
        if let Some(r) = self.references.get_mut(reference) {
            r.range = start..self.pos;
            r.modifier = modifier;
        }
        out.push_str(&result);
    }
}

/// `${v#p}`, `${v##p}`, `${v%p}`, `${v%%p}` with `*` and `?` wildcards.
fn trim_pattern(value: &str, pattern: &str, prefix: bool, greedy: bool) -> String {
    let cuts: Vec<usize> = value
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(value.len()))
        .collect();
    let matching = |range: &str| glob_match(pattern, range);
    let candidates: Box<dyn Iterator<Item = &usize>> = if greedy == prefix {
        Box::new(cuts.iter().rev())
    } else {
        Box::new(cuts.iter())
    };
    for &cut in candidates {
        if prefix && matching(&value[..cut]) {
            return value[cut..].to_owned();
        }
        if !prefix && matching(&value[cut..]) {
            return value[..cut].to_owned();
        }
    }
    value.to_owned()
}

fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    fn value(text: &str, vars: &'static [(&'static str, &'static str)]) -> String {
        expand(text, '\\', &with(vars)).value
    }

    #[test]
    fn plain_and_braced_references() {
        let vars = &[("A", "x"), ("B", "")];
        assert_eq!(value("$A/${A}-$B.$C", vars), "x/x-.");
        assert_eq!(value("a$", vars), "a$");
        assert_eq!(value("$1x", vars), "$1x");
    }

    #[test]
    fn modifiers_follow_the_shell() {
        let vars = &[("SET", "v"), ("EMPTY", "")];
        assert_eq!(
            value("${UNSET:-d}|${EMPTY:-d}|${EMPTY-d}|${SET:-d}", vars),
            "d|d||v"
        );
        assert_eq!(
            value("${UNSET:+a}|${EMPTY:+a}|${EMPTY+a}|${SET+a}", vars),
            "||a|a"
        );
        assert_eq!(value("${UNSET:-${SET}}", vars), "v");
    }

    #[test]
    fn pattern_operators() {
        let vars = &[("V", "1.22.3-alpine"), ("P", "a/b/c")];
        assert_eq!(value("${V%-*}", vars), "1.22.3");
        assert_eq!(value("${V%%.*}", vars), "1");
        assert_eq!(value("${V#*.}", vars), "22.3-alpine");
        assert_eq!(value("${V##*.}", vars), "3-alpine");
        assert_eq!(value("${P/\\//_}", vars), "a_b/c");
        assert_eq!(value("${P//\\//_}", vars), "a_b_c");
    }

    #[test]
    fn quotes_and_escapes() {
        let vars = &[("A", "x")];
        assert_eq!(value("'$A'\"$A\"\\$A", vars), "$Ax$A");
        assert_eq!(expand("`$A", '`', &with(vars)).value, "$A");
    }

    #[test]
    fn references_have_ranges_and_modifiers() {
        let refs = references("img:${TAG:-1}-$VARIANT", '\\');
        assert_eq!(refs.len(), 2);
        assert_eq!(refs[0].name, "TAG");
        assert_eq!(refs[0].range, 4..13);
        assert_eq!(refs[0].modifier, Modifier::Default);
        assert_eq!(refs[1].name, "VARIANT");
        assert_eq!(refs[1].range, 14..22);
        assert_eq!(refs[1].modifier, Modifier::Plain);
    }

    #[test]
    fn completeness() {
        let vars = &[("A", "x")];
        assert!(expand("$A${B:-y}", '\\', &with(vars)).complete);
        assert!(!expand("$A$B", '\\', &with(vars)).complete);
    }
}
