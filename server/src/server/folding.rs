//! Folding ranges: the analysis' folds as LSP line ranges.

use tower_lsp_server::ls_types::{FoldingRange, FoldingRangeKind};

use super::document::Document;
use crate::analysis::folding::{FoldKind, by_lines, folds};
use crate::position::{PositionEncoding, rope};
use crate::syntax::{Dockerfile, FileKind};

pub(crate) fn folding_ranges(document: &Document) -> Vec<FoldingRange> {
    if document.kind != FileKind::Dockerfile {
        return Vec::new();
    }
    let file = Dockerfile::new(&document.tree, document.text());
    // Lines only: the encoding of columns does not matter, UTF-8 costs nothing.
    let line = |offset: usize| rope::position(&document.rope, offset, PositionEncoding::Utf8).line;
    let lines = folds(&file)
        .into_iter()
        .map(|fold| (line(fold.range.start), line(fold.range.end), fold.kind))
        .collect();
    by_lines(lines)
        .into_iter()
        .map(|(start_line, end_line, kind)| FoldingRange {
            start_line,
            end_line,
            kind: Some(match kind {
                FoldKind::Region => FoldingRangeKind::Region,
                FoldKind::Comment => FoldingRangeKind::Comment,
            }),
            ..FoldingRange::default()
        })
        .collect()
}
