//! Analysis: the semantic model of a Dockerfile and the rules that check it (pure: no LSP types, no I/O).

pub mod completion;
pub mod config;
pub mod describe;
pub mod dockerignore_rules;
pub mod docs;
pub(crate) mod document_links;
pub mod expand;
pub mod fixes;
pub(crate) mod folding;
pub mod format;
pub(crate) mod highlight;
pub(crate) mod highlight_memo;
pub mod ignore_match;
pub mod image_ref;
pub(crate) mod instruction_memo;
pub mod model;
pub mod navigation;
pub mod occurrences;
pub mod rename;
pub mod rules;
pub mod scope;
pub(crate) mod selection;
pub mod settings;
pub mod shell;
pub(crate) mod shell_highlight;
pub mod signature;
pub mod suppress;
pub(crate) mod workspace_symbols;

use crate::syntax::{self, Dockerfile, Dockerignore, FileKind};
use rules::Finding;
use settings::Context;

/// Every finding for a file's text: its syntax errors and what the rules enabled in
/// the context report, less what ignore comments cover (in Dockerfiles).
pub fn check(kind: FileKind, text: &str, context: &Context) -> Vec<Finding> {
    let tree = match syntax::parse(kind, text, None) {
        Ok(tree) => tree,
        Err(_) => {
            return syntax::check(kind, text).into_iter().collect();
        }
    };
    let mut findings: Vec<Finding> = syntax::errors(kind, &tree, text).into_iter().collect();
    if kind == FileKind::Dockerfile {
        let file = Dockerfile::new(&tree, text);
        findings.extend(rules::check_with(&file, context));
        suppress::apply(&file, &context.settings, &mut findings);
    } else {
        let file = Dockerignore::new(&tree, text);
        findings.extend(rules::check_dockerignore(&rules::DockerignoreView {
            file: &file,
            context,
        }));
    }
    findings.sort_by_key(Finding::source_order);
    findings
}
