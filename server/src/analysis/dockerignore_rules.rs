//! The patterns of a `.dockerignore` text as the build context applies them (Docker's
//! `dockerignore.ReadAll`), for the rules' context.

use super::ignore_match::clean;
use super::settings::IgnoreRule;

/// Each pattern of a `.dockerignore`, cleaned as Docker does: comment lines (`#` in
/// the first column) and blank lines dropped, white space trimmed, `!` read as an
/// exception, the path cleaned and a leading `/` removed. A lone `!` (which Docker
/// rejects) is left out.
pub fn ignore_rules(text: &str) -> Vec<IgnoreRule> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut rules = Vec::new();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.starts_with('#') {
            continue;
        }
        let pattern = line.trim();
        if pattern.is_empty() {
            continue;
        }
        let (exception, pattern) = match pattern.strip_prefix('!') {
            Some(rest) => (true, rest.trim()),
            None => (false, pattern),
        };
        if pattern.is_empty() {
            continue;
        }
        let mut pattern = clean(pattern);
        if pattern.len() > 1 && pattern.starts_with('/') {
            pattern.remove(0);
        }
        rules.push(IgnoreRule { pattern, exception });
    }
    rules
}

#[cfg(test)]
mod tests {
    use super::*;

    fn patterns(text: &str) -> Vec<String> {
        ignore_rules(text)
            .into_iter()
            .map(|r| {
                if r.exception {
                    format!("!{}", r.pattern)
                } else {
                    r.pattern
                }
            })
            .collect()
    }

    #[test]
    fn comments_blank_lines_and_white_space() {
        let text = "\u{feff}# comment\n\n  node_modules  \r\n #not a comment\n\t\n";
        assert_eq!(patterns(text), ["node_modules", "#not a comment"]);
    }

    #[test]
    fn paths_are_cleaned_and_made_relative() {
        let text = "/dist/\n./build//out/\nlogs/../tmp\n/\n";
        assert_eq!(patterns(text), ["dist", "build/out", "tmp", "/"]);
    }

    #[test]
    fn exceptions_keep_their_mark() {
        let text = "*.md\n! README.md\n!/docs/\n!\n";
        assert_eq!(patterns(text), ["*.md", "!README.md", "!docs"]);
    }
}
