//! Document links: images to their registry's page, the `syntax` frontend, ADD URLs, and COPY/ADD sources to their files.

use std::path::Path;

use tower_lsp_server::ls_types::{DocumentLink, Range, Uri};

use super::convert::range;
use super::document::Document;
use crate::analysis::document_links::{LinkTarget, links};
use crate::position::PositionEncoding;
use crate::registry::RegistrySettings;
use crate::registry::links::link;
use crate::syntax::{Dockerfile, FileKind};

/// The links of a document, before any file is looked at (so that the document
/// need not be held while the disk is).
pub(crate) fn candidates(
    document: &Document,
    encoding: PositionEncoding,
) -> Vec<(Range, LinkTarget)> {
    if document.kind != FileKind::Dockerfile {
        return Vec::new();
    }
    let file = Dockerfile::new(&document.tree, document.text());
    links(&file, &document.file_model())
        .into_iter()
        .map(|l| (range(&document.rope, l.range, encoding), l.target))
        .collect()
}

/// Links with their targets: sources only when the file exists in `context` (the
/// Dockerfile's directory; none for a document that is not a file).
pub(crate) fn resolve(
    candidates: Vec<(Range, LinkTarget)>,
    context: Option<&Path>,
    settings: &RegistrySettings,
) -> Vec<DocumentLink> {
    candidates
        .into_iter()
        .filter_map(|(range, target)| {
            let (url, tooltip) = match target {
                LinkTarget::Image(image) | LinkTarget::Frontend(image) => {
                    let url = link(&image, settings);
                    let tooltip = format!("Open {} ({url})", image.familiar_name());
                    (url.parse::<Uri>().ok()?, tooltip)
                }
                LinkTarget::Url(url) => {
                    let tooltip = format!("Open {url}");
                    (url.parse::<Uri>().ok()?, tooltip)
                }
                LinkTarget::Path(path) => {
                    let file = context?.join(&path);
                    if !file.is_file() {
                        return None;
                    }
                    (Uri::from_file_path(&file)?, format!("Open {path}"))
                }
            };
            Some(DocumentLink {
                range,
                target: Some(url),
                tooltip: Some(tooltip),
                data: None,
            })
        })
        .collect()
}
