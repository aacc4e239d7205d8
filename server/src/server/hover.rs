//! Hover on an image: what the registry says, from the cache at once, or "resolving" while a lookup runs.

use tower_lsp_server::ls_types::{
    Hover, HoverContents, MarkupContent, MarkupKind, Position, Range,
};

use super::convert::{self, line_col};
use super::document::Document;
use super::images::{self, ImageAt};
use super::state::Shared;
use crate::analysis::describe;
use crate::position::{PositionEncoding, rope};
use crate::registry::{Lookup, report};
use crate::syntax::{Dockerfile, FileKind};

/// The image named at a position of the document, with its range for the client.
pub(crate) fn image_at(
    document: &Document,
    position: Position,
    encoding: PositionEncoding,
) -> Option<(ImageAt, Range)> {
    if document.kind != FileKind::Dockerfile {
        return None;
    }
    let model = document.model.as_ref()?;
    let offset = rope::offset(&document.rope, line_col(position), encoding);
    let file = Dockerfile::new(&document.tree, document.text());
    let image = images::image_at(&file, model, offset)?;
    let range = convert::range(&document.rope, image.range.clone(), encoding);
    Some((image, range))
}

/// Documentation of what is under the cursor: instruction, flag, directive, variable
/// (with its value in effect), stage.
pub(crate) fn description(
    document: &Document,
    position: Position,
    encoding: PositionEncoding,
) -> Option<Hover> {
    if document.kind != FileKind::Dockerfile {
        return None;
    }
    let model = document.model.as_ref()?;
    let offset = rope::offset(&document.rope, line_col(position), encoding);
    let file = Dockerfile::new(&document.tree, document.text());
    let found = describe::describe(&file, model, &document.context, offset)?;
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: found.markdown,
        }),
        range: Some(convert::range(&document.rope, found.range, encoding)),
    })
}

/// The hover for an image: never waits for the network. A reference nobody asked
/// about yet is looked up in the background; hovering again shows the result.
pub(crate) async fn hover(shared: &Shared, image: ImageAt, range: Range) -> Option<Hover> {
    let registry = shared.registry()?;
    let reference = image.reference;
    let mut value = match registry.cached(&reference).await {
        Some(found) => report::hover_markdown(&reference, &found),
        None => match registry.peek(&reference) {
            Lookup::Ready(found) => report::hover_markdown(&reference, &found),
            Lookup::Failed(error) => report::failure_markdown(&reference, &error),
            Lookup::Pending => report::pending_markdown(&reference),
            Lookup::Unknown => {
                let background = shared.clone();
                let wanted = vec![reference.clone()];
                let looking = registry.clone();
                tokio::spawn(async move { background.look_up(looking, wanted).await });
                report::pending_markdown(&reference)
            }
        },
    };
    // Docker Hub counts manifest GETs against a pull limit: worth knowing when it runs low.
    if let Some(left) = registry.remaining_pulls(&reference) {
        value.push_str(&format!("\n\n_Pulls left on this registry: {left}_"));
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: Some(range),
    })
}
