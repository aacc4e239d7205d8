//! Workspace symbols: the stages and global ARGs of every open Dockerfile that match the query.

use tower_lsp_server::ls_types::{Location, SymbolInformation, SymbolKind, Uri};

use super::convert::range;
use super::document::Document;
use crate::analysis::workspace_symbols::{self, file_symbols, matches};
use crate::position::PositionEncoding;
use crate::syntax::FileKind;

/// The symbols of one document that match `query`.
pub(crate) fn symbols(
    uri: &Uri,
    document: &Document,
    query: &str,
    encoding: PositionEncoding,
) -> Vec<SymbolInformation> {
    if document.kind != FileKind::Dockerfile {
        return Vec::new();
    }
    let container = container_name(uri);
    file_symbols(&document.file_model())
        .into_iter()
        .filter(|symbol| matches(query, &symbol.name))
        .map(|symbol| {
            #[allow(deprecated)] // `deprecated` is a required field of the struct
            SymbolInformation {
                name: symbol.name,
                kind: match symbol.kind {
                    workspace_symbols::SymbolKind::Stage => SymbolKind::MODULE,
                    workspace_symbols::SymbolKind::GlobalArg => SymbolKind::VARIABLE,
                },
                tags: None,
                deprecated: None,
                location: Location::new(uri.clone(), range(&document.rope, symbol.range, encoding)),
                container_name: Some(container.clone()),
            }
        })
        .collect()
}

/// The file and its directory (`api/Dockerfile`): workspaces have many `Dockerfile`s.
fn container_name(uri: &Uri) -> String {
    let path = uri.as_str().trim_end_matches('/');
    let mut parts = path.rsplit('/');
    let name = parts.next().unwrap_or(path);
    match parts.next() {
        Some(dir) if !dir.is_empty() && !dir.contains(':') => format!("{dir}/{name}"),
        _ => name.to_owned(),
    }
}
