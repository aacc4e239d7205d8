//! Typed view over a .dockerignore tree: patterns, exceptions and their errors.

use std::ops::Range;

use tree_sitter::{Node, Tree};

use super::ast::node_text;
use super::{Finding, Severity};

/// A parsed .dockerignore file.
#[derive(Debug, Clone, Copy)]
pub struct Dockerignore<'t> {
    root: Node<'t>,
    src: &'t str,
}

/// One pattern line.
#[derive(Debug, Clone)]
pub struct IgnorePattern<'t> {
    pub node: Node<'t>,
    /// `!pattern`: re-includes what earlier patterns excluded.
    pub exception: bool,
    /// The pattern as written, trimmed (empty for a lone `!`).
    pub text: &'t str,
    /// Byte range of `text`.
    pub range: Range<usize>,
}

impl<'t> Dockerignore<'t> {
    pub fn new(tree: &'t Tree, src: &'t str) -> Self {
        Dockerignore {
            root: tree.root_node(),
            src,
        }
    }

    pub fn root(&self) -> Node<'t> {
        self.root
    }

    /// The file's text.
    pub fn src(&self) -> &'t str {
        self.src
    }

    pub fn patterns(&self) -> Vec<IgnorePattern<'t>> {
        let mut cursor = self.root.walk();
        self.root
            .named_children(&mut cursor)
            .filter(|n| n.kind() == "pattern")
            .map(|node| {
                let path = node.child_by_field_name("path");
                let range = path.map_or(node.end_byte()..node.end_byte(), |p| p.byte_range());
                IgnorePattern {
                    node,
                    exception: node.child(0).is_some_and(|c| c.kind() == "negation"),
                    text: path.map_or("", |p| node_text(p, self.src)),
                    range,
                }
            })
            .collect()
    }
}

/// ERROR nodes (none for any text the grammar knows) and patterns BuildKit rejects.
pub fn errors(file: &Dockerignore<'_>) -> Vec<Finding> {
    let mut errors = Vec::new();
    if file.root.has_error() {
        let mut cursor = file.root.walk();
        for node in file.root.children(&mut cursor) {
            if node.is_error() || node.is_missing() || node.has_error() {
                errors.push(Finding {
                    rule: "syntax-unexpected-token",
                    message: format!(
                        "unexpected `{}` in .dockerignore",
                        node_text(node, file.src).trim()
                    )
                    .into(),
                    range: node.byte_range(),
                    severity: Severity::Error,
                    fix: None,
                });
            }
        }
    }
    for pattern in file.patterns() {
        if let Some(offset) = unterminated_class(pattern.text) {
            let start = pattern.range.start + offset;
            errors.push(Finding {
                rule: "syntax-invalid-pattern",
                message: "syntax error in pattern: `[` starts a character class that is never closed with `]`"
                    .into(),
                range: start..pattern.range.end,
                severity: Severity::Error,
                fix: None,
            });
        }
    }
    errors
}

/// Where an unclosed `[` starts (Go's filepath.Match returns ErrBadPattern).
fn unterminated_class(pattern: &str) -> Option<usize> {
    let bytes = pattern.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'[' => {
                let start = i;
                i += 1;
                loop {
                    match bytes.get(i) {
                        None => return Some(start),
                        Some(b'\\') => i += 2,
                        Some(b']') if i > start + 1 => break,
                        Some(_) => i += 1,
                    }
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}
