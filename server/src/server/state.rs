//! What handlers and background tasks share: the open documents, publishing, and the registry.

use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use dashmap::DashMap;
use futures::future::join_all;
use tower_lsp_server::Client;
use tower_lsp_server::ls_types::Uri;

use super::checked::Checked;
use super::convert;
use super::diagnostic_json::to_json;
use super::document::Document;
use super::output::Outbox;
use super::progress::LookupProgress;
use super::publisher::Publisher;
use crate::position::PositionEncoding;
use crate::registry::{Lookup, Registry, RegistrySettings};
use crate::syntax::FileKind;

/// The most diagnostics one document gets: past this an editor slows down and a list
/// is no longer read; the most serious are kept.
const MAX_DIAGNOSTICS: usize = 2_000;

/// Cheap to clone: background tasks hold a copy.
#[derive(Debug, Clone)]
pub(crate) struct Shared {
    pub client: Client,
    pub documents: Arc<DashMap<Uri, Document>>,
    encoding: Arc<AtomicU8>,
    pub publisher: Publisher,
    /// Messages serialised here rather than by the framework.
    pub outbox: Outbox,
    /// `None` until the settings are known (after `initialize`).
    registry: Arc<RwLock<Option<Registry>>>,
    /// The client refreshes inlay hints when asked (`workspace/inlayHint/refresh`).
    pub inlay_refresh: Arc<AtomicBool>,
    /// The latest lookup scheduled per document: an older one that wakes up gives way.
    generations: Arc<DashMap<Uri, u64>>,
    /// Tells the client which lookups run, when it shows progress.
    pub progress: LookupProgress,
}

impl Shared {
    pub fn new(client: Client, outbox: Outbox) -> Shared {
        Shared {
            publisher: Publisher::new(outbox.clone()),
            outbox,
            progress: LookupProgress::spawn(client.clone()),
            client,
            documents: Arc::default(),
            encoding: Arc::new(AtomicU8::new(encoding_to_u8(PositionEncoding::Utf16))),
            registry: Arc::default(),
            inlay_refresh: Arc::default(),
            generations: Arc::default(),
        }
    }

    pub fn encoding(&self) -> PositionEncoding {
        match self.encoding.load(Ordering::Relaxed) {
            0 => PositionEncoding::Utf8,
            2 => PositionEncoding::Utf32,
            _ => PositionEncoding::Utf16,
        }
    }

    pub fn set_encoding(&self, encoding: PositionEncoding) {
        self.encoding
            .store(encoding_to_u8(encoding), Ordering::Relaxed);
    }

    pub fn registry(&self) -> Option<Registry> {
        self.registry
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Uses these registry settings from now on; a registry with other settings is
    /// replaced (what it cached on disk stays). Returns whether it changed.
    pub fn configure_registry(&self, settings: RegistrySettings) -> bool {
        let mut current = self.registry.write().unwrap_or_else(|e| e.into_inner());
        if current.as_ref().is_some_and(|r| *r.settings() == settings) {
            return false;
        }
        match Registry::new(settings) {
            Ok(registry) => {
                *current = Some(registry);
                true
            }
            Err(error) => {
                tracing::error!("registry lookups are off: {error}");
                *current = None;
                false
            }
        }
    }

    /// Computes the document's diagnostics and queues them for publishing. What the
    /// registry knows of its base images goes into the context first.
    pub fn publish(&self, uri: &Uri, document: &mut Document) {
        let encoding = self.encoding();
        let mut checked = document.check();
        if document.kind == FileKind::Dockerfile
            && let Some(registry) = self.registry()
        {
            let facts = registry.facts(&document.base_images);
            if facts != *document.context.images {
                document.context.images = Arc::new(facts);
                document.context.target_platform = Some(registry.settings().platform.to_string());
                checked = document.check();
            }
        }
        let mut hidden = 0;
        if checked.len() > MAX_DIAGNOSTICS {
            let mut findings = checked.to_vec();
            hidden = convert::keep_most_serious(&mut findings, MAX_DIAGNOSTICS);
            checked = Checked::from_findings(findings);
        }
        let mut diagnostics = document
            .published_json
            .write(&document.lines, &checked, encoding);
        if hidden > 0 {
            diagnostics.push(to_json(&convert::too_many(hidden, MAX_DIAGNOSTICS)));
        }
        document.published = checked;
        self.publisher
            .publish(uri, Some(document.version), &diagnostics);
    }

    /// Looks up, after `delay` and in the background, the document's base images the
    /// registry was not asked about. A newer call for the document replaces this one,
    /// so that typing in a FROM line asks only for what it ends with.
    pub fn schedule_lookups(&self, uri: &Uri, document: &Document, delay: Duration) {
        let Some(registry) = self.registry() else {
            return;
        };
        let unknown = document
            .base_images
            .iter()
            .any(|r| matches!(registry.peek(r), Lookup::Unknown));
        if !unknown {
            return;
        }
        let generation = {
            let mut entry = self.generations.entry(uri.clone()).or_insert(0);
            *entry += 1;
            *entry
        };
        let shared = self.clone();
        let uri = uri.clone();
        tokio::spawn(async move {
            tokio::time::sleep(delay).await;
            if shared.generations.get(&uri).map(|g| *g) != Some(generation) {
                return;
            }
            let Some(references) = shared.documents.get(&uri).map(|d| d.base_images.clone()) else {
                return;
            };
            shared.look_up(registry, references).await;
        });
    }

    /// Looks the references up, then shows the results: diagnostics that depend on
    /// them, and inlay hints. Those nobody asked about yet are reported as progress
    /// (offline, answers come from the disk at once: nothing to wait for).
    pub async fn look_up(&self, registry: Registry, references: Vec<String>) {
        let reported = !registry.settings().offline;
        join_all(references.iter().map(|reference| {
            let tracked = if reported && matches!(registry.peek(reference), Lookup::Unknown) {
                self.progress.track(reference)
            } else {
                None
            };
            let registry = &registry;
            async move {
                let result = registry.lookup(reference).await;
                drop(tracked);
                result
            }
        }))
        .await;
        self.images_changed();
    }

    /// Republishes the documents whose registry facts changed, and asks the client to
    /// refresh inlay hints.
    fn images_changed(&self) {
        let Some(registry) = self.registry() else {
            return;
        };
        for mut entry in self.documents.iter_mut() {
            if entry.kind != FileKind::Dockerfile {
                continue;
            }
            let facts = registry.facts(&entry.base_images);
            if facts != *entry.context.images {
                let uri = entry.key().clone();
                self.publish(&uri, entry.value_mut());
            }
        }
        if self.inlay_refresh.load(Ordering::Relaxed) {
            let client = self.client.clone();
            tokio::spawn(async move {
                if let Err(error) = client.inlay_hint_refresh().await {
                    tracing::debug!("inlay hint refresh: {error}");
                }
            });
        }
    }

    pub fn forget(&self, uri: &Uri) {
        self.generations.remove(uri);
    }
}

fn encoding_to_u8(encoding: PositionEncoding) -> u8 {
    match encoding {
        PositionEncoding::Utf8 => 0,
        PositionEncoding::Utf16 => 1,
        PositionEncoding::Utf32 => 2,
    }
}
