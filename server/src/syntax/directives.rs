//! Parser directives (`# syntax=`, `# escape=`, `# check=`) read from raw text as BuildKit does.

/// A directive found at the top of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawDirective {
    /// Lower-cased name.
    pub name: String,
    pub value: String,
    /// 1-based line.
    pub line: usize,
}

const KNOWN: [&str; 3] = ["syntax", "escape", "check"];

/// `#\s*name\s*=\s*value` (BuildKit's `reDirectives`), or `//` for `syntax`.
fn match_directive(line: &str, comment: &str) -> Option<(String, String)> {
    let rest = line.strip_prefix(comment)?.trim_start();
    let name_len = rest
        .char_indices()
        .take_while(|&(i, c)| {
            if i == 0 {
                c.is_ascii_alphabetic()
            } else {
                c.is_ascii_alphanumeric()
            }
        })
        .count();
    if name_len == 0 {
        return None;
    }
    let (name, rest) = rest.split_at(name_len);
    let value = rest.trim_start().strip_prefix('=')?.trim();
    if value.is_empty() {
        return None;
    }
    Some((name.to_ascii_lowercase(), value.to_owned()))
}

fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.split('\n')
        .map(|l| l.trim_end_matches('\r'))
        .enumerate()
        .map(|(i, l)| (i + 1, l))
}

/// BuildKit's `DirectiveParser.ParseAll`: known directives in the leading block
/// of `# name=value` lines; anything else ends the block.
pub fn directives(text: &str) -> Vec<RawDirective> {
    let mut found = Vec::new();
    for (line, content) in lines(text) {
        let Some((name, value)) = match_directive(content.trim_start(), "#") else {
            break;
        };
        if !KNOWN.contains(&name.as_str()) {
            continue;
        }
        found.push(RawDirective { name, value, line });
    }
    found
}

fn detect(text: &str, name: &str, allow_slashes: bool) -> Option<RawDirective> {
    let mut lines = lines(text).peekable();
    // A shebang on the first line does not end the directive block.
    if lines.peek().is_some_and(|(_, l)| l.starts_with("#!")) {
        lines.next();
    }
    for (line, content) in lines {
        let found = match_directive(content, "#").or_else(|| {
            allow_slashes
                .then(|| match_directive(content, "//"))
                .flatten()
        });
        let Some((key, value)) = found else {
            break;
        };
        if key == name {
            return Some(RawDirective {
                name: key,
                value,
                line,
            });
        }
    }
    None
}

/// The frontend named by `# syntax=` (also `//syntax=` or a JSON object on the
/// first line), as BuildKit's `DetectSyntax`: (reference, full value, line).
pub fn detect_syntax(text: &str) -> Option<(String, String, usize)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim_start().starts_with('{') {
        // Only a file that is one JSON object names its frontend this way.
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        let reference = value.get("syntax")?.as_str()?.to_owned();
        return Some((reference.clone(), reference, 1));
    }
    let directive = detect(text, "syntax", true)?;
    let reference = directive
        .value
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_owned();
    Some((reference, directive.value, directive.line))
}

/// The `# check=` directive's value and line (BuildKit's `ParseDirective("check", ...)`):
/// (value without trailing `// comment`, full value, line).
pub fn check_directive(text: &str) -> Option<(String, String, usize)> {
    let directive = detect(text, "check", false)?;
    let value = directive
        .value
        .split_once("//")
        .map_or(directive.value.as_str(), |(v, _)| v)
        .trim()
        .to_owned();
    Some((value, directive.value, directive.line))
}
