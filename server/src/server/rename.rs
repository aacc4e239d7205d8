//! Rename over LSP: prepareRename's range and placeholder, rename's workspace edit, refusals as errors the client shows.

use std::collections::HashMap;

use tower_lsp_server::jsonrpc;
use tower_lsp_server::ls_types::{Position, PrepareRenameResponse, TextEdit, Uri, WorkspaceEdit};

use super::convert;
use super::document::Document;
use super::navigation::at_position;
use crate::analysis::rename::{self, Refusal};
use crate::position::PositionEncoding;

/// LSP's `RequestFailed`: the request was valid, the server declines it.
const REQUEST_FAILED: i64 = -32803;

/// A refusal as the error the client shows to the user.
pub(crate) fn refused(refusal: Refusal) -> jsonrpc::Error {
    jsonrpc::Error {
        code: jsonrpc::ErrorCode::from(REQUEST_FAILED),
        message: refusal.0.into(),
        data: None,
    }
}

pub(crate) fn prepare(
    document: &Document,
    position: Position,
    encoding: PositionEncoding,
) -> Result<Option<PrepareRenameResponse>, Refusal> {
    let Some(prepared) = at_position(document, position, encoding, rename::prepare) else {
        return Ok(None);
    };
    let (range, placeholder) = prepared?;
    Ok(Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: convert::range(&document.rope, range, encoding),
        placeholder,
    }))
}

pub(crate) fn rename(
    document: &Document,
    uri: &Uri,
    position: Position,
    new_name: &str,
    encoding: PositionEncoding,
) -> Result<Option<WorkspaceEdit>, Refusal> {
    let Some(edits) = at_position(document, position, encoding, |file, model, offset| {
        rename::rename(file, model, offset, new_name)
    }) else {
        return Ok(None);
    };
    let edits: Vec<TextEdit> = edits?
        .into_iter()
        .map(|(range, text)| TextEdit::new(convert::range(&document.rope, range, encoding), text))
        .collect();
    Ok(Some(WorkspaceEdit {
        changes: Some(HashMap::from([(uri.clone(), edits)])),
        ..WorkspaceEdit::default()
    }))
}
