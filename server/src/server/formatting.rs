//! Formatting requests (document, range, on-type): the formatter's byte edits as LSP text edits.

use tower_lsp_server::ls_types::{FormattingOptions, Position, Range, TextEdit};

use super::convert::{self, line_col};
use super::document::Document;
use crate::analysis::format::{self, FormatOptions};
use crate::position::{PositionEncoding, rope};
use crate::syntax::{Dockerfile, Edit, FileKind};

/// The options for a request: the workspace's `[format]` settings over the editor's.
fn options(document: &Document, editor: &FormattingOptions) -> FormatOptions {
    FormatOptions::resolve(
        &document.context.settings.format,
        Some((editor.tab_size, editor.insert_spaces)),
    )
}

fn text_edits(document: &Document, edits: Vec<Edit>, encoding: PositionEncoding) -> Vec<TextEdit> {
    edits
        .into_iter()
        .map(|edit| TextEdit {
            range: convert::range(&document.rope, edit.range, encoding),
            new_text: edit.text,
        })
        .collect()
}

/// `textDocument/formatting` and `textDocument/rangeFormatting` (with `range`). `None`
/// for ignore files, which have no formatter.
pub(crate) fn format(
    document: &Document,
    editor: &FormattingOptions,
    range: Option<Range>,
    encoding: PositionEncoding,
) -> Option<Vec<TextEdit>> {
    if document.kind != FileKind::Dockerfile {
        return None;
    }
    let bytes = range.map(|range| {
        let start = rope::offset(&document.rope, line_col(range.start), encoding);
        let end = rope::offset(&document.rope, line_col(range.end), encoding);
        start..end.max(start)
    });
    let file = Dockerfile::new(&document.tree, document.text());
    let edits = format::format(&file, &options(document, editor), bytes);
    Some(text_edits(document, edits, encoding))
}

/// `textDocument/onTypeFormatting` after a newline, the cursor at `position`.
pub(crate) fn on_type(
    document: &Document,
    editor: &FormattingOptions,
    position: Position,
    encoding: PositionEncoding,
) -> Option<Vec<TextEdit>> {
    if document.kind != FileKind::Dockerfile {
        return None;
    }
    let offset = rope::offset(&document.rope, line_col(position), encoding);
    let file = Dockerfile::new(&document.tree, document.text());
    let edits = format::on_type(&file, &options(document, editor), offset);
    Some(text_edits(document, edits, encoding))
}
