//! Analysis: the semantic model of a Dockerfile and the rules that check it (pure: no LSP types, no I/O).

pub mod dockerignore_rules;
pub mod expand;
pub mod ignore_match;
pub mod image_ref;
pub mod model;
pub mod rules;
pub mod settings;
pub mod shell;

use crate::syntax::{self, Dockerfile, FileKind};
use rules::Finding;

/// Every finding for a file's text: its syntax errors and what the default rules report.
pub fn check(kind: FileKind, text: &str) -> Vec<Finding> {
    let tree = match syntax::parse(kind, text, None) {
        Ok(tree) => tree,
        Err(_) => {
            return syntax::check(kind, text).into_iter().collect();
        }
    };
    let mut findings: Vec<Finding> = syntax::errors(kind, &tree, text).into_iter().collect();
    if kind == FileKind::Dockerfile {
        findings.extend(rules::check_all(&Dockerfile::new(&tree, text)));
    }
    findings.sort_by(|a, b| {
        (a.range.start, a.range.end, a.rule).cmp(&(b.range.start, b.range.end, b.rule))
    });
    findings
}
