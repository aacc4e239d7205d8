//! Publishes diagnostics: written as JSON on the spot and queued for the output, in the order computed.
//!
//! Handlers run concurrently, but each publishes synchronously, before its first
//! `.await`, so publications are queued in the order the changes arrived; the output
//! writes them in that order and skips one a newer publication for the same document
//! replaced before it was written.

use tower_lsp_server::ls_types::Uri;

use super::output::Outbox;

#[derive(Debug, Clone)]
pub(crate) struct Publisher {
    outbox: Outbox,
}

impl Publisher {
    pub fn new(outbox: Outbox) -> Self {
        Publisher { outbox }
    }

    /// Queues the diagnostics of a document version (`None`: the document was closed),
    /// each already written as a JSON `Diagnostic`.
    pub fn publish<D: AsRef<[u8]>>(&self, uri: &Uri, version: Option<i32>, diagnostics: &[D]) {
        self.outbox.diagnostics(uri.as_str(), |out| {
            // The fields of `PublishDiagnosticsParams`, in the order serde writes them.
            out.extend_from_slice(br#"{"uri":"#);
            serde_json::to_writer(&mut *out, uri)?;
            out.extend_from_slice(br#","diagnostics":["#);
            for (i, diagnostic) in diagnostics.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                out.extend_from_slice(diagnostic.as_ref());
            }
            out.push(b']');
            if let Some(version) = version {
                out.extend_from_slice(br#","version":"#);
                out.extend_from_slice(itoa::Buffer::new().format(version).as_bytes());
            }
            out.push(b'}');
            Ok(())
        });
    }
}
