//! Signature help as LSP types: the instruction's parameters and the active one.

use tower_lsp_server::ls_types::{
    Documentation, ParameterInformation, ParameterLabel, Position, SignatureHelp,
    SignatureInformation,
};

use super::convert::line_col;
use super::document::Document;
use crate::analysis::signature;
use crate::position::{PositionEncoding, rope};
use crate::syntax::{Dockerfile, FileKind};

pub(crate) fn signature_help(
    document: &Document,
    position: Position,
    encoding: PositionEncoding,
) -> Option<SignatureHelp> {
    if document.kind != FileKind::Dockerfile {
        return None;
    }
    let offset = rope::offset(&document.rope, line_col(position), encoding);
    let file = Dockerfile::new(&document.tree, document.text());
    let found = signature::signature_at(&file, offset)?;
    let active = u32::try_from(found.active).unwrap_or(0);
    Some(SignatureHelp {
        signatures: vec![SignatureInformation {
            label: found.label.clone(),
            documentation: Some(Documentation::String(found.documentation.clone())),
            parameters: Some(
                found
                    .parameters
                    .iter()
                    .map(|(label, doc)| ParameterInformation {
                        label: ParameterLabel::Simple(label.clone()),
                        documentation: Some(Documentation::String(doc.clone())),
                    })
                    .collect(),
            ),
            active_parameter: Some(active),
        }],
        active_signature: Some(0),
        active_parameter: Some(active),
    })
}
