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

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use tree_sitter::{InputEdit, Parser, Point};

    use super::*;

    /// How many parser steps tree-sitter's log shows for reparsing `text` after
    /// inserting one character at the start of line `line`.
    fn steps_to_reparse(text: &str, line: usize) -> usize {
        let mut parser = Parser::new();
        parser
            .set_language(&language(FileKind::Dockerfile))
            .expect("the grammar loads");
        let mut tree = parser.parse(text, None).expect("parsed");
        let at: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        let mut edited = text.to_string();
        edited.insert(at, 'x');
        tree.edit(&InputEdit {
            start_byte: at,
            old_end_byte: at,
            new_end_byte: at + 1,
            start_position: Point::new(line, 0),
            old_end_position: Point::new(line, 0),
            new_end_position: Point::new(line, 1),
        });
        let steps = Arc::new(Mutex::new(0));
        let counter = Arc::clone(&steps);
        parser.set_logger(Some(Box::new(move |_, message| {
            if message.starts_with("process ") {
                *counter.lock().expect("not poisoned") += 1;
            }
        })));
        let reparsed = parser.parse(&edited, Some(&tree)).expect("reparsed");
        assert!(!reparsed.root_node().has_error());
        *steps.lock().expect("not poisoned")
    }

    #[test]
    fn an_edit_among_many_stages_reparses_a_few_of_them() {
        // tree-sitter takes the items of a repetition one by one, so 200 stages in
        // one repetition would cost over 200 steps; in groups of about 8 (where the
        // hash of a FROM line ends one), the edit costs a step per group and one per
        // stage of its group, plus the edited lines.
        let text: String = (0..200)
            .map(|i| format!("FROM alpine:3.20 AS stage-{i}\nRUN echo {i}\nCOPY . /src\n\n"))
            .collect();
        let steps = steps_to_reparse(&text, 401);
        assert!(steps < 80, "{steps} steps");
    }
}
