//! Selection ranges: the analysis' nested ranges as LSP `SelectionRange` chains.

use tower_lsp_server::ls_types::{Position, SelectionRange};

use super::convert::{line_col, range};
use super::document::Document;
use crate::analysis::selection::{line_ranges, selection_ranges};
use crate::position::{PositionEncoding, rope};
use crate::syntax::{Dockerfile, FileKind};

/// One chain per position, in the order asked.
pub(crate) fn selections(
    document: &Document,
    positions: &[Position],
    encoding: PositionEncoding,
) -> Vec<SelectionRange> {
    let file = Dockerfile::new(&document.tree, document.text());
    positions
        .iter()
        .map(|&position| {
            let offset = rope::offset(&document.rope, line_col(position), encoding);
            let ranges = match document.kind {
                FileKind::Dockerfile => selection_ranges(&file, offset),
                FileKind::Dockerignore => line_ranges(document.text(), offset),
            };
            // Built from the outside in: each range's parent is the next larger one.
            let mut chain: Option<SelectionRange> = None;
            for bytes in ranges.into_iter().rev() {
                chain = Some(SelectionRange {
                    range: range(&document.rope, bytes, encoding),
                    parent: chain.map(Box::new),
                });
            }
            chain.unwrap_or(SelectionRange {
                range: tower_lsp_server::ls_types::Range::new(position, position),
                parent: None,
            })
        })
        .collect()
}
