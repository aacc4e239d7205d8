//! The LSP handlers: documents in, diagnostics and symbols out.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    CodeActionKind, CodeActionOptions, CodeActionParams, CodeActionProviderCapability,
    CodeActionResponse, DidChangeConfigurationParams, DidChangeTextDocumentParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DidSaveTextDocumentParams,
    DocumentFormattingParams, DocumentOnTypeFormattingOptions, DocumentOnTypeFormattingParams,
    DocumentRangeFormattingParams, DocumentSymbolParams, DocumentSymbolResponse, Hover,
    HoverParams, HoverProviderCapability, InitializeParams, InitializeResult, InitializedParams,
    InlayHint, InlayHintParams, MessageType, OneOf, SaveOptions, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, TextEdit, Uri,
};
use tower_lsp_server::{Client, LanguageServer};

use super::code_actions::{self, ImageChoice, Snapshot};
use super::convert::{self, line_col};
use super::document::{Change, Document};
use super::formatting;
use super::hover;
use super::images;
use super::inlay_hints;
use super::state::Shared;
use super::symbols::document_symbols;
use super::workspace::Workspace;
use crate::config_files;
use crate::files::file_kind;
use crate::position::{LineIndex, PositionEncoding};
use crate::registry::RegistrySettings;
use crate::syntax::{Dockerfile, FileKind};

/// How long after opening a document its base images are looked up.
const OPEN_LOOKUP_DELAY: Duration = Duration::from_millis(20);
/// How long typing must pause before a changed FROM line is looked up.
const EDIT_LOOKUP_DELAY: Duration = Duration::from_millis(400);

/// The params of a rejected message (see `transport`).
#[derive(Debug, serde::Deserialize)]
pub(crate) struct Rejected {
    code: i64,
    message: String,
}

#[derive(Debug)]
pub(crate) struct Backend {
    client: Client,
    shared: Shared,
    shutdown: Arc<AtomicBool>,
    workspace: RwLock<Workspace>,
    /// Configuration problems found before the client could be told (during initialize).
    pending_problems: Mutex<Vec<String>>,
}

impl Backend {
    pub fn new(client: Client, shutdown: Arc<AtomicBool>) -> Self {
        Backend {
            shared: Shared::new(client.clone()),
            client,
            shutdown,
            workspace: RwLock::default(),
            pending_problems: Mutex::default(),
        }
    }

    fn workspace(&self) -> std::sync::RwLockReadGuard<'_, Workspace> {
        // A panic while holding the lock leaves consistent data: the settings are replaced whole.
        self.workspace.read().unwrap_or_else(|e| e.into_inner())
    }

    fn workspace_mut(&self) -> std::sync::RwLockWriteGuard<'_, Workspace> {
        self.workspace.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Tells the user about configuration that could not be used (once per change).
    fn show_problems(&self, problems: Vec<String>) {
        if problems.is_empty() {
            return;
        }
        for problem in &problems {
            tracing::warn!("configuration: {problem}");
        }
        let message = format!("dockerfile-lsp configuration: {}", problems.join("; "));
        let client = self.client.clone();
        tokio::spawn(async move { client.show_message(MessageType::WARNING, message).await });
    }

    /// Gives every open document the current settings and publishes what changes.
    fn refresh_all(&self) {
        self.configure_registry();
        let done = guarded(|| {
            let workspace = self.workspace();
            for mut entry in self.shared.documents.iter_mut() {
                let uri = entry.key().clone();
                let path = uri.to_file_path().map(|p| p.into_owned());
                entry.value_mut().context = workspace.context_for(path.as_deref());
                self.shared.publish(&uri, entry.value_mut());
                self.shared
                    .schedule_lookups(&uri, entry.value(), OPEN_LOOKUP_DELAY);
            }
        });
        if done.is_none() {
            tracing::error!("internal error while applying new settings");
        }
    }

    fn encoding(&self) -> PositionEncoding {
        self.shared.encoding()
    }

    /// Builds the registry client from the settings now in force (when they changed).
    fn configure_registry(&self) {
        let options = self.workspace().registry_options();
        self.shared
            .configure_registry(RegistrySettings::from_options(&options));
    }

    /// Answers a message the transport guard rejected, with the error it chose.
    pub async fn reject_message(&self, rejected: Rejected) -> Result<()> {
        Err(tower_lsp_server::jsonrpc::Error {
            code: tower_lsp_server::jsonrpc::ErrorCode::from(rejected.code),
            message: rejected.message.into(),
            data: None,
        })
    }

    /// Reports a handler that failed (a bug), so that the user knows a result is missing.
    fn report_failure(&self, what: &str, uri: &Uri) {
        let message = format!(
            "dockerfile-lsp: internal error while handling {what} for {}",
            uri.as_str()
        );
        tracing::error!("{message}");
        let client = self.client.clone();
        tokio::spawn(async move { client.show_message(MessageType::ERROR, message).await });
    }
}

/// Runs `work`, turning a panic into `None` so that one bad input cannot stop the server.
fn guarded<T>(work: impl FnOnce() -> T) -> Option<T> {
    catch_unwind(AssertUnwindSafe(work)).ok()
}

/// Which grammar a document uses, from its language id or else its file name.
fn document_kind(language_id: &str, uri: &Uri) -> Option<FileKind> {
    match language_id {
        "dockerfile" | "containerfile" => return Some(FileKind::Dockerfile),
        "ignore" | "dockerignore" | "containerignore" => return Some(FileKind::Dockerignore),
        _ => {}
    }
    let name = uri.as_str().rsplit('/').next().unwrap_or("");
    file_kind(Path::new(name))
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        let offered = params
            .capabilities
            .general
            .as_ref()
            .and_then(|general| general.position_encodings.as_deref());
        let encoding = convert::negotiate(offered);
        self.shared.set_encoding(encoding);
        let inlay_refresh = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.inlay_hint.as_ref())
            .and_then(|h| h.refresh_support)
            .unwrap_or(false);
        self.shared
            .inlay_refresh
            .store(inlay_refresh, Ordering::Relaxed);
        #[allow(deprecated)] // rootUri and rootPath are what older clients send.
        let root = params
            .workspace_folders
            .as_ref()
            .and_then(|folders| folders.first())
            .and_then(|folder| folder.uri.to_file_path().map(|p| p.into_owned()))
            .or_else(|| {
                params
                    .root_uri
                    .as_ref()
                    .and_then(|uri| uri.to_file_path().map(|p| p.into_owned()))
            });
        let problems = self
            .workspace_mut()
            .configure(root, params.initialization_options.as_ref());
        self.pending_problems
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend(problems);
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(convert::encoding_kind(encoding)),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                            include_text: Some(false),
                        })),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                document_symbol_provider: Some(OneOf::Left(true)),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                inlay_hint_provider: Some(OneOf::Left(true)),
                document_formatting_provider: Some(OneOf::Left(true)),
                document_range_formatting_provider: Some(OneOf::Left(true)),
                document_on_type_formatting_provider: Some(DocumentOnTypeFormattingOptions {
                    first_trigger_character: "\n".to_owned(),
                    more_trigger_character: None,
                }),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![
                            CodeActionKind::QUICKFIX,
                            CodeActionKind::REFACTOR_REWRITE,
                            CodeActionKind::SOURCE_FIX_ALL,
                            code_actions::fix_all_kind(),
                        ]),
                        ..CodeActionOptions::default()
                    },
                )),
                ..ServerCapabilities::default()
            },
            server_info: Some(ServerInfo {
                name: "dockerfile-lsp".to_owned(),
                version: Some(env!("CARGO_PKG_VERSION").to_owned()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        tracing::info!("initialized, positions in {:?}", self.encoding());
        self.configure_registry();
        let problems = std::mem::take(
            &mut *self
                .pending_problems
                .lock()
                .unwrap_or_else(|e| e.into_inner()),
        );
        self.show_problems(problems);
    }

    async fn shutdown(&self) -> Result<()> {
        self.shutdown.store(true, Ordering::SeqCst);
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let item = params.text_document;
        let Some(kind) = document_kind(&item.language_id, &item.uri) else {
            tracing::debug!("not a Dockerfile or ignore file: {}", item.uri.as_str());
            return;
        };
        let uri = item.uri;
        let path = uri.to_file_path().map(|p| p.into_owned());
        let context = self.workspace().context_for(path.as_deref());
        let opened = guarded(|| match Document::open(kind, item.version, item.text) {
            Ok(mut document) => {
                document.context = context;
                self.shared.publish(&uri, &mut document);
                self.shared
                    .schedule_lookups(&uri, &document, OPEN_LOOKUP_DELAY);
                self.shared.documents.insert(uri.clone(), document);
                true
            }
            Err(error) => {
                tracing::error!("cannot parse {}: {error}", uri.as_str());
                false
            }
        });
        if opened != Some(true) {
            self.report_failure("didOpen", &uri);
        }
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let uri = params.text_document.uri;
        let version = params.text_document.version;
        let changes: Vec<Change> = params
            .content_changes
            .into_iter()
            .map(|change| Change {
                range: change.range.map(|r| (line_col(r.start), line_col(r.end))),
                text: change.text,
            })
            .collect();
        let encoding = self.encoding();
        let done = guarded(|| {
            let Some(mut document) = self.shared.documents.get_mut(&uri) else {
                tracing::warn!(
                    "didChange for a document that is not open: {}",
                    uri.as_str()
                );
                return true;
            };
            match document.apply_changes(version, changes, encoding) {
                Ok(()) => {
                    self.shared.publish(&uri, &mut document);
                    self.shared
                        .schedule_lookups(&uri, &document, EDIT_LOOKUP_DELAY);
                    true
                }
                Err(error) => {
                    tracing::error!("cannot parse {}: {error}", uri.as_str());
                    false
                }
            }
        });
        if done != Some(true) {
            // The document may be half-edited: drop it rather than report on wrong text.
            self.shared.documents.remove(&uri);
            self.report_failure("didChange", &uri);
        }
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        let Some(path) = params.text_document.uri.to_file_path() else {
            return;
        };
        if config_files::is_config_file(&path) {
            let problems = self.workspace_mut().reload();
            self.show_problems(problems.into_iter().map(|p| p.to_string()).collect());
            self.refresh_all();
        } else if file_kind(&path) == Some(FileKind::Dockerignore) {
            // What COPY may send depends on it: the Dockerfiles beside it change.
            self.refresh_all();
        }
    }

    async fn did_change_configuration(&self, params: DidChangeConfigurationParams) {
        let problems = {
            let mut workspace = self.workspace_mut();
            let root = workspace.root().map(Path::to_owned);
            workspace.configure(root, Some(&params.settings))
        };
        self.show_problems(problems);
        self.refresh_all();
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let uri = params.text_document.uri;
        self.shared.forget(&uri);
        if self.shared.documents.remove(&uri).is_some() {
            self.shared.publisher.publish(uri, None, Vec::new());
        }
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = params.text_document.uri;
        let encoding = self.encoding();
        // Copied out so that no lock on the store is held while sibling files are read.
        let snapshot = match self.shared.documents.get(&uri) {
            Some(document) => {
                let index = LineIndex::new(&document.text);
                let start = index.offset(line_col(params.range.start), encoding);
                let end = index
                    .offset(line_col(params.range.end), encoding)
                    .max(start);
                let image = document.model.as_ref().and_then(|model| {
                    let file = Dockerfile::new(&document.tree, &document.text);
                    images::image_at(&file, model, start)
                });
                let snapshot = Snapshot {
                    uri: uri.clone(),
                    kind: document.kind,
                    index,
                    context: document.context.clone(),
                    findings: document.published.clone(),
                    image: None,
                };
                (snapshot, start..end, image)
            }
            None => {
                tracing::debug!(
                    "codeAction for a document that is not open: {}",
                    uri.as_str()
                );
                return Ok(None);
            }
        };
        let (mut snapshot, range, image) = snapshot;
        if let (Some(image), Some(registry)) = (image, self.shared.registry())
            && let Some(tag) = images::tag_reference(&image.reference)
            && let Some(report) = registry.cached(&tag).await
        {
            snapshot.image = Some(ImageChoice {
                range: image.range,
                report,
            });
        }
        let only = params.context.only;
        let sibling = |target: &Uri| -> Option<String> {
            if let Some(open) = self.shared.documents.get(target) {
                return Some(open.text.clone());
            }
            let path = target.to_file_path()?;
            std::fs::read_to_string(&path).ok()
        };
        match guarded(|| {
            code_actions::actions(&snapshot, range, only.as_deref(), encoding, &sibling)
        }) {
            Some(actions) => Ok(Some(actions)),
            None => {
                self.report_failure("codeAction", &uri);
                Ok(None)
            }
        }
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        let uri = params.text_document_position_params.text_document.uri;
        let position = params.text_document_position_params.position;
        let encoding = self.encoding();
        let found = match self.shared.documents.get(&uri) {
            Some(document) => guarded(|| hover::image_at(&document, position, encoding)),
            None => {
                tracing::debug!("hover for a document that is not open: {}", uri.as_str());
                return Ok(None);
            }
        };
        match found {
            Some(Some((image, range))) => Ok(hover::hover(&self.shared, image, range).await),
            Some(None) => Ok(None),
            None => {
                self.report_failure("hover", &uri);
                Ok(None)
            }
        }
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let uri = params.text_document.uri;
        let encoding = self.encoding();
        let Some(registry) = self.shared.registry() else {
            return Ok(Some(Vec::new()));
        };
        let Some(document) = self.shared.documents.get(&uri) else {
            tracing::debug!(
                "inlayHint for a document that is not open: {}",
                uri.as_str()
            );
            return Ok(None);
        };
        let hints =
            guarded(|| inlay_hints::image_sizes(&document, &registry, params.range, encoding));
        drop(document);
        if hints.is_none() {
            self.report_failure("inlayHint", &uri);
        }
        Ok(hints)
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        let uri = params.text_document.uri;
        let encoding = self.encoding();
        let Some(document) = self.shared.documents.get(&uri) else {
            tracing::debug!(
                "documentSymbol for a document that is not open: {}",
                uri.as_str()
            );
            return Ok(None);
        };
        if document.kind != FileKind::Dockerfile {
            return Ok(Some(DocumentSymbolResponse::Nested(Vec::new())));
        }
        let symbols = guarded(|| {
            let file = Dockerfile::new(&document.tree, &document.text);
            document_symbols(&file, &document.rope, encoding)
        });
        drop(document);
        match symbols {
            Some(symbols) => Ok(Some(DocumentSymbolResponse::Nested(symbols))),
            None => {
                self.report_failure("documentSymbol", &uri);
                Ok(None)
            }
        }
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        let uri = params.text_document.uri;
        let encoding = self.encoding();
        let Some(document) = self.shared.documents.get(&uri) else {
            tracing::debug!(
                "formatting for a document that is not open: {}",
                uri.as_str()
            );
            return Ok(None);
        };
        let edits = guarded(|| formatting::format(&document, &params.options, None, encoding));
        drop(document);
        match edits {
            Some(edits) => Ok(edits),
            None => {
                self.report_failure("formatting", &uri);
                Ok(None)
            }
        }
    }

    async fn range_formatting(
        &self,
        params: DocumentRangeFormattingParams,
    ) -> Result<Option<Vec<TextEdit>>> {
        let uri = params.text_document.uri;
        let encoding = self.encoding();
        let Some(document) = self.shared.documents.get(&uri) else {
            tracing::debug!(
                "rangeFormatting for a document that is not open: {}",
                uri.as_str()
            );
            return Ok(None);
        };
        let edits = guarded(|| {
            formatting::format(&document, &params.options, Some(params.range), encoding)
        });
        drop(document);
        match edits {
            Some(edits) => Ok(edits),
            None => {
                self.report_failure("rangeFormatting", &uri);
                Ok(None)
            }
        }
    }

    async fn on_type_formatting(
        &self,
        params: DocumentOnTypeFormattingParams,
    ) -> Result<Option<Vec<TextEdit>>> {
        let uri = params.text_document_position.text_document.uri;
        let position = params.text_document_position.position;
        let encoding = self.encoding();
        if params.ch != "\n" {
            return Ok(None);
        }
        let Some(document) = self.shared.documents.get(&uri) else {
            tracing::debug!(
                "onTypeFormatting for a document that is not open: {}",
                uri.as_str()
            );
            return Ok(None);
        };
        let edits = guarded(|| formatting::on_type(&document, &params.options, position, encoding));
        drop(document);
        match edits {
            Some(edits) => Ok(edits),
            None => {
                self.report_failure("onTypeFormatting", &uri);
                Ok(None)
            }
        }
    }
}
