//! Syntax layer: typed views over the Dockerfile and .dockerignore trees, and syntax errors.

mod ast;
mod directives;
mod dockerignore;
mod dump;
mod errors;
mod fix;
mod heredoc;
mod logical;
mod tree;

use std::ops::Range;

pub use ast::{
    Directive, Dockerfile, Flag, Heredoc, Instruction, InstructionKind, Pair, Stage,
    builder_flag_word, is_block, is_stage, node_text,
};
pub use directives::{RawDirective, check_directive, detect_syntax, directives};
pub use dockerignore::{Dockerignore, IgnorePattern};
pub use dump::{buildkit_dump, go_quote};
pub use errors::{
    closest, edit_distance, empty_continuation_lines, errors_of_instruction, file_errors,
};
pub use fix::{Applicability, Edit, Fix, NewFile};
pub use heredoc::{HeredocSpec, parse_marker};
pub use logical::{
    is_blank_line, is_comment_line, logical_segments, logical_text, strip_continuation,
};
pub use tree::{ParseError, language, parse};

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
    Info,
    Hint,
}

/// A syntax error or a rule finding, with an exact byte range into the source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Stable id: `syntax-...` for syntax errors, else the rule's id.
    pub rule: &'static str,
    pub message: std::sync::Arc<str>,
    /// Byte range in the source text.
    pub range: Range<usize>,
    pub severity: Severity,
    /// How to resolve it, when there is a way.
    pub fix: Option<std::sync::Arc<Fix>>,
}

impl Finding {
    /// The order findings are given in: by position, then by rule.
    pub fn source_order(&self) -> (usize, usize, &'static str) {
        (self.range.start, self.range.end, self.rule)
    }
}

/// Which grammar a file uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    Dockerfile = 0,
    Dockerignore = 1,
}

/// The syntax errors of a parsed document, in source order.
pub fn errors(kind: FileKind, tree: &tree_sitter::Tree, text: &str) -> Vec<Finding> {
    match kind {
        FileKind::Dockerfile => errors::dockerfile_errors(&Dockerfile::new(tree, text)),
        FileKind::Dockerignore => dockerignore::errors(&Dockerignore::new(tree, text)),
    }
}

/// Parses `text` and returns its syntax errors, in source order.
pub fn check(kind: FileKind, text: &str) -> Vec<Finding> {
    match parse(kind, text, None) {
        Ok(tree) => errors(kind, &tree, text),
        Err(err) => vec![Finding {
            rule: "syntax-parse-failed",
            message: err.to_string().into(),
            range: 0..0,
            severity: Severity::Error,
            fix: None,
        }],
    }
}
