//! Parsing text into tree-sitter trees, with one reusable parser per thread and grammar.

use std::cell::RefCell;

use tree_sitter::{Language, Parser, Tree};

use super::FileKind;

/// Why a parse produced no tree.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error("the {kind:?} grammar does not fit the tree-sitter runtime: {source}")]
    Language {
        kind: FileKind,
        source: tree_sitter::LanguageError,
    },
    #[error("the parser stopped before the end of the document")]
    Aborted,
}

/// The tree-sitter language for a kind of file.
pub fn language(kind: FileKind) -> Language {
    match kind {
        FileKind::Dockerfile => dockerfile_lsp_grammar::LANGUAGE_DOCKERFILE.into(),
        FileKind::Dockerignore => dockerfile_lsp_grammar::LANGUAGE_DOCKERIGNORE.into(),
    }
}

thread_local! {
    static PARSERS: RefCell<[Option<Parser>; 2]> = const { RefCell::new([None, None]) };
}

/// Parses `text`, reusing `old` (already edited with `Tree::edit`) when given.
pub fn parse(kind: FileKind, text: &str, old: Option<&Tree>) -> Result<Tree, ParseError> {
    let tree = with_parser(kind, |parser| parser.parse(text, old))?;
    // Around an ERROR, tree-sitter's recovery depends on which old nodes it reuses, so
    // an incremental reparse can build another tree than a fresh parse would. Such text
    // is rare (the grammar takes everything BuildKit takes without ERROR nodes), so it
    // is parsed afresh: the tree, and what is reported from it, never depends on the
    // edit history.
    if old.is_some() && tree.root_node().has_error() {
        return with_parser(kind, |parser| parser.parse(text, None));
    }
    Ok(tree)
}

fn with_parser(
    kind: FileKind,
    run: impl FnOnce(&mut Parser) -> Option<Tree>,
) -> Result<Tree, ParseError> {
    PARSERS.with(|cell| {
        let mut parsers = cell.borrow_mut();
        let slot = &mut parsers[kind as usize];
        if slot.is_none() {
            let mut parser = Parser::new();
            parser
                .set_language(&language(kind))
                .map_err(|source| ParseError::Language { kind, source })?;
            *slot = Some(parser);
        }
        let parser = slot.as_mut().ok_or(ParseError::Aborted)?;
        run(parser).ok_or(ParseError::Aborted)
    })
}
