//! Inlay hints: the compressed size of each base image after its FROM, once the registry has told.

use tower_lsp_server::ls_types::{InlayHint, InlayHintLabel, InlayHintTooltip, Range};

use super::convert;
use super::document::Document;
use crate::analysis::image_ref;
use crate::analysis::model::Base;
use crate::analysis::rules::format_size;
use crate::position::PositionEncoding;
use crate::registry::{Lookup, Registry};
use crate::syntax::FileKind;

/// The hints for the FROM lines in `range` whose image the registry has described.
pub(crate) fn image_sizes(
    document: &Document,
    registry: &Registry,
    range: Range,
    encoding: PositionEncoding,
) -> Vec<InlayHint> {
    if document.kind != FileKind::Dockerfile
        || document.context.settings.registry.inlay_image_size == Some(false)
    {
        return Vec::new();
    }
    let Some(model) = &document.model else {
        return Vec::new();
    };
    let mut hints = Vec::new();
    for stage in &model.stages {
        let written = &stage.expanded_image.value;
        if !matches!(stage.base, Base::Image(_)) || image_ref::has_unexpanded_variable(written) {
            continue;
        }
        let position = convert::position(&document.rope, stage.image_range.end, encoding);
        if position.line < range.start.line || position.line > range.end.line {
            continue;
        }
        let Lookup::Ready(report) = registry.peek(written) else {
            continue;
        };
        let Some(selected) = report.selected() else {
            continue;
        };
        let mut tooltip = format!(
            "{} compressed for {}, {} layers",
            format_size(selected.compressed_size),
            selected.platform,
            selected.layers
        );
        if let Some(variant) = report.variants.first() {
            tooltip.push_str(&format!(
                "; `{}` is {} (saves {}%)",
                variant.reference,
                format_size(variant.compressed_size),
                variant.saving_percent
            ));
        }
        hints.push(InlayHint {
            position,
            label: InlayHintLabel::String(format_size(selected.compressed_size)),
            kind: None,
            text_edits: None,
            tooltip: Some(InlayHintTooltip::String(tooltip)),
            padding_left: Some(true),
            padding_right: None,
            data: None,
        });
    }
    hints
}
