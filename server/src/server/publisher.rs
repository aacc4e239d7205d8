//! Publishes diagnostics in the order they were computed, newest version last.
//!
//! Handlers run concurrently and sending is asynchronous, so two handlers could
//! otherwise deliver their results out of order. Each handler enqueues its result
//! synchronously (in the order the changes arrived); one task sends them, dropping
//! results that a newer one for the same document has already replaced.

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::{Diagnostic, Uri};

#[derive(Debug)]
struct Publication {
    uri: Uri,
    version: Option<i32>,
    diagnostics: Vec<Diagnostic>,
}

#[derive(Debug, Clone)]
pub(crate) struct Publisher {
    queue: UnboundedSender<Publication>,
}

impl Publisher {
    /// Starts the sending task on the current tokio runtime.
    pub fn spawn(client: Client) -> Self {
        let (queue, receiver) = unbounded_channel();
        tokio::spawn(send_all(client, receiver));
        Publisher { queue }
    }

    /// Queues diagnostics for a document version (`None`: the document was closed).
    pub fn publish(&self, uri: Uri, version: Option<i32>, diagnostics: Vec<Diagnostic>) {
        if self
            .queue
            .send(Publication {
                uri,
                version,
                diagnostics,
            })
            .is_err()
        {
            tracing::debug!("diagnostics dropped: the server is stopping");
        }
    }
}

async fn send_all(client: Client, mut receiver: UnboundedReceiver<Publication>) {
    let mut batch = Vec::new();
    while receiver.recv_many(&mut batch, 256).await > 0 {
        let superseded: Vec<bool> = (0..batch.len())
            .map(|i| batch[i + 1..].iter().any(|later| later.uri == batch[i].uri))
            .collect();
        for (publication, superseded) in batch.drain(..).zip(superseded) {
            if superseded {
                continue;
            }
            client
                .publish_diagnostics(
                    publication.uri,
                    publication.diagnostics,
                    publication.version,
                )
                .await;
        }
    }
}
