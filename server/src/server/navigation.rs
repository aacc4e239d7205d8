//! Definition, references and document highlights over LSP: a position in, locations out.

use tower_lsp_server::ls_types::{
    DocumentHighlight, DocumentHighlightKind, GotoDefinitionResponse, Location, Position, Uri,
};

use super::convert::{self, line_col};
use super::document::Document;
use crate::analysis::model::FileModel;
use crate::analysis::navigation;
use crate::position::{PositionEncoding, rope};
use crate::syntax::{Dockerfile, FileKind};

/// Runs `work` on a Dockerfile document at a position (as a byte offset), with its
/// file model; `None` for ignore files.
pub(crate) fn at_position<T>(
    document: &Document,
    position: Position,
    encoding: PositionEncoding,
    work: impl FnOnce(&Dockerfile<'_>, &FileModel, usize) -> T,
) -> Option<T> {
    if document.kind != FileKind::Dockerfile {
        return None;
    }
    let offset = rope::offset(&document.rope, line_col(position), encoding);
    let file = Dockerfile::new(&document.tree, document.text());
    Some(work(&file, &document.file_model(), offset))
}

pub(crate) fn definition(
    document: &Document,
    uri: &Uri,
    position: Position,
    encoding: PositionEncoding,
) -> Option<GotoDefinitionResponse> {
    let ranges = at_position(document, position, encoding, navigation::definition)?;
    let mut locations: Vec<Location> = ranges
        .into_iter()
        .map(|range| Location::new(uri.clone(), convert::range(&document.rope, range, encoding)))
        .collect();
    match locations.len() {
        0 => None,
        1 => locations.pop().map(GotoDefinitionResponse::Scalar),
        _ => Some(GotoDefinitionResponse::Array(locations)),
    }
}

pub(crate) fn references(
    document: &Document,
    uri: &Uri,
    position: Position,
    include_declaration: bool,
    encoding: PositionEncoding,
) -> Option<Vec<Location>> {
    let symbol = at_position(document, position, encoding, navigation::symbol_at)??;
    Some(
        symbol
            .occurrences
            .into_iter()
            .filter(|o| include_declaration || !o.declaration)
            .map(|o| {
                Location::new(
                    uri.clone(),
                    convert::range(&document.rope, o.range, encoding),
                )
            })
            .collect(),
    )
}

/// Declarations are written (Write), uses read (Read).
pub(crate) fn highlights(
    document: &Document,
    position: Position,
    encoding: PositionEncoding,
) -> Option<Vec<DocumentHighlight>> {
    let symbol = at_position(document, position, encoding, navigation::symbol_at)??;
    Some(
        symbol
            .occurrences
            .into_iter()
            .map(|o| DocumentHighlight {
                range: convert::range(&document.rope, o.range, encoding),
                kind: Some(if o.declaration {
                    DocumentHighlightKind::WRITE
                } else {
                    DocumentHighlightKind::READ
                }),
            })
            .collect(),
    )
}
