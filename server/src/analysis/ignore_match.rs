//! Whether a path of the build context is excluded by `.dockerignore` patterns, as
//! moby/patternmatcher decides it (Go `filepath.Match` syntax plus `**`, `!` exceptions,
//! the last matching pattern wins, a match on a parent directory excludes its content).

use super::settings::IgnoreRule;

/// `path` cleaned as Go's `path.Clean` does (`a//b/./c/..` is `a/b`).
pub fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            part => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_owned(),
        (false, false) => joined,
    }
}

/// A COPY or ADD source as a path of the build context (leading `/` and `./` removed,
/// cleaned); `None` for the context root itself or a path outside it.
pub fn context_path(source: &str) -> Option<String> {
    let cleaned = clean(source);
    let relative = cleaned.trim_start_matches('/');
    if relative.is_empty() || relative == "." || relative == ".." || relative.starts_with("../") {
        return None;
    }
    Some(relative.to_owned())
}

/// Decides exclusion for paths of one build context.
#[derive(Debug, Clone, Copy)]
pub struct IgnoreMatcher<'a> {
    rules: &'a [IgnoreRule],
}

impl<'a> IgnoreMatcher<'a> {
    pub fn new(rules: &'a [IgnoreRule]) -> Self {
        IgnoreMatcher { rules }
    }

    /// The pattern that excludes `path` (a cleaned path relative to the context root),
    /// or `None` when it is sent with the context (patternmatcher's
    /// `MatchesOrParentMatches`).
    pub fn excluded_by(&self, path: &str) -> Option<&'a IgnoreRule> {
        let parents: Vec<&str> = path
            .char_indices()
            .filter(|&(_, c)| c == '/')
            .filter_map(|(i, _)| path.get(..i))
            .collect();
        let mut decided: Option<&'a IgnoreRule> = None;
        for rule in self.rules {
            // An exception can only undo a match, a pattern only make one.
            if rule.pattern.is_empty() || rule.exception != decided.is_some() {
                continue;
            }
            let hit = pattern_matches(&rule.pattern, path)
                || parents.iter().any(|p| pattern_matches(&rule.pattern, p));
            if hit {
                decided = (!rule.exception).then_some(rule);
            }
        }
        decided
    }
}

/// Whether a cleaned pattern matches the whole of `path`. An invalid pattern (an
/// unclosed `[`) matches nothing.
pub fn pattern_matches(pattern: &str, path: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let path: Vec<char> = path.chars().collect();
    glob(&pattern, &path)
}

fn glob(pattern: &[char], text: &[char]) -> bool {
    let Some((&first, rest)) = pattern.split_first() else {
        return text.is_empty();
    };
    match first {
        '*' if rest.first() == Some(&'*') => {
            // `**` (and `**/`) is `(.*/)?` before more pattern, `.*` at the end.
            let mut rest = &rest[1..];
            if rest.first() == Some(&'/') {
                rest = &rest[1..];
            }
            if rest.is_empty() {
                return true;
            }
            glob(rest, text)
                || text
                    .iter()
                    .enumerate()
                    .any(|(i, &c)| c == '/' && glob(rest, &text[i + 1..]))
        }
        '*' => {
            for i in 0..=text.len() {
                if glob(rest, &text[i..]) {
                    return true;
                }
                if text.get(i) == Some(&'/') {
                    break;
                }
            }
            false
        }
        '?' => text.first().is_some_and(|&c| c != '/') && glob(rest, &text[1..]),
        '[' => match class(rest) {
            Some((class, after)) => {
                text.first().is_some_and(|&c| class.matches(c)) && glob(after, &text[1..])
            }
            None => false,
        },
        '\\' => match rest.split_first() {
            Some((&escaped, after)) => text.first() == Some(&escaped) && glob(after, &text[1..]),
            None => text == ['\\'],
        },
        c => text.first() == Some(&c) && glob(rest, &text[1..]),
    }
}

/// A `[...]` character class.
struct Class {
    negated: bool,
    ranges: Vec<(char, char)>,
}

impl Class {
    fn matches(&self, c: char) -> bool {
        self.ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != self.negated
    }
}

/// Parses a class after its `[`; returns it and the pattern after its `]`, or `None`
/// when `filepath.Match` would reject it.
fn class(pattern: &[char]) -> Option<(Class, &[char])> {
    let mut rest = pattern;
    let negated = rest.first() == Some(&'^');
    if negated {
        rest = &rest[1..];
    }
    let mut ranges = Vec::new();
    loop {
        match rest.first() {
            None => return None,
            Some(']') if !ranges.is_empty() => {
                return Some((Class { negated, ranges }, &rest[1..]));
            }
            _ => {}
        }
        let (lo, after) = class_char(rest)?;
        rest = after;
        let mut hi = lo;
        if rest.first() == Some(&'-') {
            let (end, after) = class_char(&rest[1..])?;
            hi = end;
            rest = after;
        }
        if lo > hi {
            return None;
        }
        ranges.push((lo, hi));
    }
}

/// One character of a class, `\` escaping the next one.
fn class_char(pattern: &[char]) -> Option<(char, &[char])> {
    match pattern.split_first()? {
        (']' | '-', _) => None,
        ('\\', rest) => rest.split_first().map(|(&c, after)| (c, after)),
        (&c, rest) => Some((c, rest)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(patterns: &[&str]) -> Vec<IgnoreRule> {
        patterns
            .iter()
            .map(|p| match p.strip_prefix('!') {
                Some(p) => IgnoreRule {
                    pattern: p.to_owned(),
                    exception: true,
                },
                None => IgnoreRule {
                    pattern: (*p).to_owned(),
                    exception: false,
                },
            })
            .collect()
    }

    fn excluded(patterns: &[&str], path: &str) -> bool {
        let rules = rules(patterns);
        IgnoreMatcher::new(&rules).excluded_by(path).is_some()
    }

    #[test]
    fn star_stays_inside_one_path_segment() {
        assert!(pattern_matches("*.md", "README.md"));
        assert!(!pattern_matches("*.md", "docs/README.md"));
        assert!(pattern_matches("docs/*.md", "docs/README.md"));
        assert!(pattern_matches("*", "anything"));
        assert!(!pattern_matches("*", "a/b"));
    }

    #[test]
    fn question_mark_is_one_character_but_not_a_slash() {
        assert!(pattern_matches("file?.txt", "file1.txt"));
        assert!(!pattern_matches("file?.txt", "file10.txt"));
        assert!(!pattern_matches("a?b", "a/b"));
    }

    #[test]
    fn classes_ranges_negation_and_escapes() {
        assert!(pattern_matches("log[0-9].txt", "log7.txt"));
        assert!(!pattern_matches("log[0-9].txt", "logx.txt"));
        assert!(pattern_matches("[a-c]x", "bx"));
        assert!(pattern_matches("[^a-c]x", "dx"));
        assert!(!pattern_matches("[^a-c]x", "ax"));
        assert!(pattern_matches("[\\]]", "]"));
        assert!(pattern_matches("\\*", "*"));
        assert!(!pattern_matches("\\*", "a"));
        // Unclosed or empty classes are errors for Docker: they match nothing.
        assert!(!pattern_matches("[a-", "a"));
        assert!(!pattern_matches("[]", "]"));
    }

    #[test]
    fn double_star_spans_directories() {
        assert!(pattern_matches("**/*.go", "main.go"));
        assert!(pattern_matches("**/*.go", "cmd/tool/main.go"));
        assert!(pattern_matches("vendor/**", "vendor/a/b"));
        assert!(!pattern_matches("vendor/**", "vendor"));
        assert!(pattern_matches("a/**/b", "a/b"));
        assert!(pattern_matches("a/**/b", "a/x/y/b"));
        assert!(pattern_matches("**", "any/thing"));
        // As in patternmatcher, `**` not followed by `/` still stands for `(.*/)?`.
        assert!(pattern_matches("**.go", ".go"));
        assert!(!pattern_matches("**.go", "a/b.go"));
    }

    #[test]
    fn a_matching_directory_excludes_its_content() {
        assert!(excluded(
            &["node_modules"],
            "node_modules/left-pad/index.js"
        ));
        assert!(excluded(&["docs/*"], "docs/api/index.md"));
        assert!(!excluded(&["node_modules"], "src/node_modules_helper.js"));
    }

    #[test]
    fn exceptions_and_the_last_match_wins() {
        assert!(!excluded(&["*.md", "!README.md"], "README.md"));
        assert!(excluded(&["*.md", "!README.md"], "CHANGES.md"));
        assert!(excluded(&["*.md", "!README.md", "README.md"], "README.md"));
        assert!(!excluded(&["docs", "!docs/keep.md"], "docs/keep.md"));
        assert!(excluded(&["docs", "!docs/keep.md"], "docs/other.md"));
        // An exception before any match has nothing to undo.
        assert!(excluded(&["!a.txt", "*.txt"], "a.txt"));
    }

    #[test]
    fn everything_but_an_allow_list() {
        let patterns = ["*", "!src", "!package.json"];
        assert!(!excluded(&patterns, "src/index.js"));
        assert!(!excluded(&patterns, "package.json"));
        assert!(excluded(&patterns, ".env"));
    }

    #[test]
    fn sources_become_context_paths() {
        assert_eq!(context_path("./app/").as_deref(), Some("app"));
        assert_eq!(context_path("/etc/config").as_deref(), Some("etc/config"));
        assert_eq!(context_path("a//b/./c/../d").as_deref(), Some("a/b/d"));
        assert_eq!(context_path("."), None);
        assert_eq!(context_path("./"), None);
        assert_eq!(context_path("../outside"), None);
    }

    #[test]
    fn clean_follows_go() {
        assert_eq!(clean(""), ".");
        assert_eq!(clean("/"), "/");
        assert_eq!(clean("/../a"), "/a");
        assert_eq!(clean("../../a/"), "../../a");
        assert_eq!(clean("a/../.."), "..");
    }
}
