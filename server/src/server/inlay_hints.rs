//! Inlay hints after FROM lines: the image a name built from ARGs resolves to, and the compressed size once the registry has told.

use tower_lsp_server::ls_types::{
    InlayHint, InlayHintKind, InlayHintLabel, InlayHintTooltip, Range,
};

use super::convert;
use super::document::Document;
use crate::analysis::image_ref;
use crate::analysis::model::Base;
use crate::analysis::rules::format_size;
use crate::position::PositionEncoding;
use crate::registry::{Lookup, Registry};
use crate::syntax::FileKind;

/// The hints for the FROM lines in `range`: what an ARG-built image resolves to, and the
/// size of images the registry has described.
pub(crate) fn image_hints(
    document: &Document,
    registry: Option<&Registry>,
    range: Range,
    encoding: PositionEncoding,
) -> Vec<InlayHint> {
    if document.kind != FileKind::Dockerfile {
        return Vec::new();
    }
    let sizes = document.context.settings.registry.inlay_image_size != Some(false);
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
        if stage.image != *written {
            hints.push(InlayHint {
                position,
                label: InlayHintLabel::String(format!("= {written}")),
                kind: Some(InlayHintKind::TYPE),
                text_edits: None,
                tooltip: Some(InlayHintTooltip::String(
                    "the image after expanding the global ARGs' defaults".to_owned(),
                )),
                padding_left: Some(true),
                padding_right: None,
                data: None,
            });
        }
        let Some(registry) = registry.filter(|_| sizes) else {
            continue;
        };
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
