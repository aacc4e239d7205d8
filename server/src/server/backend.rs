//! The LSP handlers: documents in, diagnostics and symbols out.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use futures::future::BoxFuture;
use tower_lsp_server::jsonrpc::{Request, Result};
use tower_lsp_server::ls_types::{
    CodeActionKind, CodeActionOptions, CodeActionParams, CodeActionProviderCapability,
    CodeActionResponse, CompletionOptions, CompletionParams, CompletionResponse,
    DidChangeConfigurationParams, DidChangeTextDocumentParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, DocumentFormattingParams,
    DocumentHighlight, DocumentHighlightParams, DocumentLink, DocumentLinkOptions,
    DocumentLinkParams, DocumentOnTypeFormattingOptions, DocumentOnTypeFormattingParams,
    DocumentRangeFormattingParams, DocumentSymbolParams, DocumentSymbolResponse, FoldingRange,
    FoldingRangeParams, FoldingRangeProviderCapability, GotoDefinitionParams,
    GotoDefinitionResponse, Hover, HoverParams, HoverProviderCapability, InitializeParams,
    InitializeResult, InitializedParams, InlayHint, InlayHintParams, Location, MessageType, OneOf,
    PrepareRenameResponse, ReferenceParams, RenameOptions, RenameParams, SaveOptions,
    SelectionRange, SelectionRangeParams, SelectionRangeProviderCapability, SemanticTokens,
    SemanticTokensDeltaParams, SemanticTokensFullDeltaResult, SemanticTokensParams,
    SemanticTokensRangeParams, SemanticTokensRangeResult, SemanticTokensResult, ServerCapabilities,
    ServerInfo, SignatureHelp, SignatureHelpOptions, SignatureHelpParams,
    TextDocumentPositionParams, TextDocumentSyncCapability, TextDocumentSyncKind,
    TextDocumentSyncOptions, TextDocumentSyncSaveOptions, TextEdit, Uri, WorkspaceEdit,
    WorkspaceSymbolParams, WorkspaceSymbolResponse,
};
use tower_lsp_server::{Client, LanguageServer};

use super::code_actions::{self, ImageChoice, Snapshot};
use super::completion;
use super::convert::{self, line_col};
use super::document::{Change, Document};
use super::document_links;
use super::folding;
use super::formatting;
use super::hover;
use super::images;
use super::inlay_hints;
use super::navigation;
use super::output::Outbox;
use super::rename;
use super::selection;
use super::semantic_tokens;
use super::signature_help;
use super::state::Shared;
use super::symbols::document_symbols;
use super::workspace::Workspace;
use super::workspace_symbols;
use crate::config_files;
use crate::files::file_kind;
use crate::position::{PositionEncoding, rope};
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
    /// Set once `initialize` is answered.
    initialized: AtomicBool,
    workspace: RwLock<Workspace>,
    /// Configuration problems found before the client could be told (during initialize).
    pending_problems: Mutex<Vec<String>>,
}

impl Backend {
    pub fn new(client: Client, shutdown: Arc<AtomicBool>, outbox: Outbox) -> Self {
        Backend {
            shared: Shared::new(client.clone(), outbox),
            client,
            shutdown,
            initialized: AtomicBool::new(false),
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
        report_failure(&self.client, what, uri);
    }

    /// Answers `textDocument/semanticTokens/full` straight to the output: the largest
    /// answer the server gives (five integers a token, tens of thousands of them), which
    /// the framework would first build into a `serde_json::Value`. `None` when the
    /// framework should answer instead: before `initialize` or after `shutdown`, or with
    /// params it rejects, so that the errors are the framework's.
    pub fn raw_semantic_tokens(&self, request: &Request) -> Option<BoxFuture<'static, ()>> {
        if !self.initialized.load(Ordering::SeqCst) || self.shutdown.load(Ordering::SeqCst) {
            return None;
        }
        let id = request.id()?.clone();
        let params: SemanticTokensParams =
            serde_json::from_value(request.params()?.clone()).ok()?;
        let shared = self.shared.clone();
        let client = self.client.clone();
        Some(Box::pin(async move {
            let tokens = whole_document_tokens(&shared, &client, &params.text_document.uri);
            shared
                .outbox
                .respond(&id, |out| semantic_tokens::write_json(tokens.as_ref(), out));
        }))
    }
}

/// Logs an internal error and tells the user.
fn report_failure(client: &Client, what: &str, uri: &Uri) {
    let message = format!(
        "dockerfile-lsp: internal error while handling {what} for {}",
        uri.as_str()
    );
    tracing::error!("{message}");
    let client = client.clone();
    tokio::spawn(async move { client.show_message(MessageType::ERROR, message).await });
}

/// The semantic tokens of a whole open document (`None`: not open, or they failed).
fn whole_document_tokens(shared: &Shared, client: &Client, uri: &Uri) -> Option<SemanticTokens> {
    let encoding = shared.encoding();
    let Some(document) = shared.documents.get(uri) else {
        tracing::debug!(
            "semanticTokens/full for a document that is not open: {}",
            uri.as_str()
        );
        return None;
    };
    let tokens = guarded(|| semantic_tokens::full(uri, &document, encoding));
    drop(document);
    if tokens.is_none() {
        report_failure(client, "semanticTokens/full", uri);
    }
    tokens
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
        self.shared.progress.set_enabled(
            params
                .capabilities
                .window
                .as_ref()
                .and_then(|w| w.work_done_progress)
                .unwrap_or(false),
        );
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
        // The framework sends the answer next: from then on requests are served.
        self.initialized.store(true, Ordering::SeqCst);
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
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(
                        [" ", "-", "=", "$", "{", ":", ",", "<", "#"]
                            .iter()
                            .map(|c| (*c).to_owned())
                            .collect(),
                    ),
                    ..CompletionOptions::default()
                }),
                signature_help_provider: Some(SignatureHelpOptions {
                    trigger_characters: Some(vec![" ".to_owned(), ",".to_owned(), ":".to_owned()]),
                    ..SignatureHelpOptions::default()
                }),
                inlay_hint_provider: Some(OneOf::Left(true)),
                document_formatting_provider: Some(OneOf::Left(true)),
                document_range_formatting_provider: Some(OneOf::Left(true)),
                document_on_type_formatting_provider: Some(DocumentOnTypeFormattingOptions {
                    first_trigger_character: "\n".to_owned(),
                    more_trigger_character: None,
                }),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                document_highlight_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: Default::default(),
                })),
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
                semantic_tokens_provider: Some(semantic_tokens::capability()),
                folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
                selection_range_provider: Some(SelectionRangeProviderCapability::Simple(true)),
                document_link_provider: Some(DocumentLinkOptions {
                    resolve_provider: Some(false),
                    work_done_progress_options: Default::default(),
                }),
                workspace_symbol_provider: Some(OneOf::Left(true)),
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
            self.shared.publisher.publish(&uri, None, &[] as &[&[u8]]);
        }
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        let uri = params.text_document.uri;
        let encoding = self.encoding();
        // Copied out so that no lock on the store is held while sibling files are read.
        let snapshot = match self.shared.documents.get(&uri) {
            Some(document) => {
                let index = document.lines.clone();
                let start = index.offset(line_col(params.range.start), encoding);
                let end = index
                    .offset(line_col(params.range.end), encoding)
                    .max(start);
                let image = document.model.as_ref().and_then(|model| {
                    let file = Dockerfile::new(&document.tree, document.text());
                    images::image_at(&file, model, start)
                });
                let snapshot = Snapshot {
                    uri: uri.clone(),
                    kind: document.kind,
                    index,
                    context: document.context.clone(),
                    findings: document.published.to_vec(),
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
                return Some(open.text().to_owned());
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
            Some(document) => guarded(|| {
                hover::image_at(&document, position, encoding)
                    .ok_or_else(|| hover::description(&document, position, encoding))
            }),
            None => {
                tracing::debug!("hover for a document that is not open: {}", uri.as_str());
                return Ok(None);
            }
        };
        match found {
            Some(Ok((image, range))) => Ok(hover::hover(&self.shared, image, range).await),
            Some(Err(description)) => Ok(description),
            None => {
                self.report_failure("hover", &uri);
                Ok(None)
            }
        }
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let uri = params.text_document_position.text_document.uri;
        let position = params.text_document_position.position;
        let encoding = self.encoding();
        let found = match self.shared.documents.get(&uri) {
            Some(document) => guarded(|| completion::candidates(&document, position, encoding)),
            None => {
                tracing::debug!(
                    "completion for a document that is not open: {}",
                    uri.as_str()
                );
                return Ok(None);
            }
        };
        match found {
            Some(Some((items, tags))) => Ok(Some(CompletionResponse::List(completion::with_tags(
                &self.shared,
                items,
                tags,
            )))),
            Some(None) => Ok(None),
            None => {
                self.report_failure("completion", &uri);
                Ok(None)
            }
        }
    }

    async fn signature_help(&self, params: SignatureHelpParams) -> Result<Option<SignatureHelp>> {
        let uri = params.text_document_position_params.text_document.uri;
        let position = params.text_document_position_params.position;
        let encoding = self.encoding();
        let Some(document) = self.shared.documents.get(&uri) else {
            tracing::debug!(
                "signatureHelp for a document that is not open: {}",
                uri.as_str()
            );
            return Ok(None);
        };
        let help = guarded(|| signature_help::signature_help(&document, position, encoding));
        drop(document);
        match help {
            Some(help) => Ok(help),
            None => {
                self.report_failure("signatureHelp", &uri);
                Ok(None)
            }
        }
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        let uri = params.text_document.uri;
        let encoding = self.encoding();
        let registry = self.shared.registry();
        let Some(document) = self.shared.documents.get(&uri) else {
            tracing::debug!(
                "inlayHint for a document that is not open: {}",
                uri.as_str()
            );
            return Ok(None);
        };
        let hints = guarded(|| {
            inlay_hints::image_hints(&document, registry.as_ref(), params.range, encoding)
        });
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
            let file = Dockerfile::new(&document.tree, document.text());
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

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        // Requests normally come through `raw_semantic_tokens`; this answers the same.
        let uri = params.text_document.uri;
        Ok(whole_document_tokens(&self.shared, &self.client, &uri)
            .map(SemanticTokensResult::Tokens))
    }

    async fn semantic_tokens_full_delta(
        &self,
        params: SemanticTokensDeltaParams,
    ) -> Result<Option<SemanticTokensFullDeltaResult>> {
        let uri = params.text_document.uri;
        let encoding = self.encoding();
        let Some(document) = self.shared.documents.get(&uri) else {
            tracing::debug!(
                "semanticTokens/full/delta for a document that is not open: {}",
                uri.as_str()
            );
            return Ok(None);
        };
        let previous = params.previous_result_id;
        let tokens = guarded(|| semantic_tokens::delta(&uri, &previous, &document, encoding));
        drop(document);
        if tokens.is_none() {
            self.report_failure("semanticTokens/full/delta", &uri);
        }
        Ok(tokens)
    }

    async fn semantic_tokens_range(
        &self,
        params: SemanticTokensRangeParams,
    ) -> Result<Option<SemanticTokensRangeResult>> {
        let uri = params.text_document.uri;
        let encoding = self.encoding();
        let Some(document) = self.shared.documents.get(&uri) else {
            tracing::debug!(
                "semanticTokens/range for a document that is not open: {}",
                uri.as_str()
            );
            return Ok(None);
        };
        let tokens = guarded(|| {
            let start = rope::offset(&document.rope, line_col(params.range.start), encoding);
            let end = rope::offset(&document.rope, line_col(params.range.end), encoding);
            semantic_tokens::range(&document, start..end.max(start), encoding)
        });
        drop(document);
        match tokens {
            Some(tokens) => Ok(Some(SemanticTokensRangeResult::Tokens(tokens))),
            None => {
                self.report_failure("semanticTokens/range", &uri);
                Ok(None)
            }
        }
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        let uri = params.text_document.uri;
        let Some(document) = self.shared.documents.get(&uri) else {
            tracing::debug!(
                "foldingRange for a document that is not open: {}",
                uri.as_str()
            );
            return Ok(None);
        };
        let ranges = guarded(|| folding::folding_ranges(&document));
        drop(document);
        if ranges.is_none() {
            self.report_failure("foldingRange", &uri);
        }
        Ok(ranges)
    }

    async fn selection_range(
        &self,
        params: SelectionRangeParams,
    ) -> Result<Option<Vec<SelectionRange>>> {
        let uri = params.text_document.uri;
        let encoding = self.encoding();
        let Some(document) = self.shared.documents.get(&uri) else {
            tracing::debug!(
                "selectionRange for a document that is not open: {}",
                uri.as_str()
            );
            return Ok(None);
        };
        let ranges = guarded(|| selection::selections(&document, &params.positions, encoding));
        drop(document);
        if ranges.is_none() {
            self.report_failure("selectionRange", &uri);
        }
        Ok(ranges)
    }

    async fn document_link(&self, params: DocumentLinkParams) -> Result<Option<Vec<DocumentLink>>> {
        let uri = params.text_document.uri;
        let encoding = self.encoding();
        let candidates = match self.shared.documents.get(&uri) {
            Some(document) => guarded(|| document_links::candidates(&document, encoding)),
            None => {
                tracing::debug!(
                    "documentLink for a document that is not open: {}",
                    uri.as_str()
                );
                return Ok(None);
            }
        };
        let settings = RegistrySettings::from_options(&self.workspace().registry_options());
        let context = uri
            .to_file_path()
            .and_then(|path| path.parent().map(Path::to_owned));
        let links = candidates
            .and_then(|c| guarded(|| document_links::resolve(c, context.as_deref(), &settings)));
        if links.is_none() {
            self.report_failure("documentLink", &uri);
        }
        Ok(links)
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        let encoding = self.encoding();
        let query = params.query;
        let found = guarded(|| {
            let mut by_document: Vec<_> = self
                .shared
                .documents
                .iter()
                .map(|entry| {
                    let symbols =
                        workspace_symbols::symbols(entry.key(), entry.value(), &query, encoding);
                    (entry.key().as_str().to_owned(), symbols)
                })
                .collect();
            // The store's order is a hash's: give results in a stable one.
            by_document.sort_by(|a, b| a.0.cmp(&b.0));
            by_document
                .into_iter()
                .flat_map(|(_, symbols)| symbols)
                .collect::<Vec<_>>()
        });
        match found {
            Some(symbols) => Ok(Some(WorkspaceSymbolResponse::Flat(symbols))),
            None => {
                tracing::error!("internal error while handling workspace/symbol");
                Ok(None)
            }
        }
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        let uri = params.text_document_position_params.text_document.uri;
        let position = params.text_document_position_params.position;
        let encoding = self.encoding();
        let Some(document) = self.shared.documents.get(&uri) else {
            tracing::debug!(
                "definition for a document that is not open: {}",
                uri.as_str()
            );
            return Ok(None);
        };
        let found = guarded(|| navigation::definition(&document, &uri, position, encoding));
        drop(document);
        if found.is_none() {
            self.report_failure("definition", &uri);
        }
        Ok(found.flatten())
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        let uri = params.text_document_position.text_document.uri;
        let position = params.text_document_position.position;
        let include_declaration = params.context.include_declaration;
        let encoding = self.encoding();
        let Some(document) = self.shared.documents.get(&uri) else {
            tracing::debug!(
                "references for a document that is not open: {}",
                uri.as_str()
            );
            return Ok(None);
        };
        let found = guarded(|| {
            navigation::references(&document, &uri, position, include_declaration, encoding)
        });
        drop(document);
        if found.is_none() {
            self.report_failure("references", &uri);
        }
        Ok(found.flatten())
    }

    async fn document_highlight(
        &self,
        params: DocumentHighlightParams,
    ) -> Result<Option<Vec<DocumentHighlight>>> {
        let uri = params.text_document_position_params.text_document.uri;
        let position = params.text_document_position_params.position;
        let encoding = self.encoding();
        let Some(document) = self.shared.documents.get(&uri) else {
            tracing::debug!(
                "documentHighlight for a document that is not open: {}",
                uri.as_str()
            );
            return Ok(None);
        };
        let found = guarded(|| navigation::highlights(&document, position, encoding));
        drop(document);
        if found.is_none() {
            self.report_failure("documentHighlight", &uri);
        }
        Ok(found.flatten())
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        let uri = params.text_document.uri;
        let encoding = self.encoding();
        let Some(document) = self.shared.documents.get(&uri) else {
            tracing::debug!(
                "prepareRename for a document that is not open: {}",
                uri.as_str()
            );
            return Ok(None);
        };
        let found = guarded(|| rename::prepare(&document, params.position, encoding));
        drop(document);
        match found {
            Some(answer) => answer.map_err(rename::refused),
            None => {
                self.report_failure("prepareRename", &uri);
                Ok(None)
            }
        }
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        let uri = params.text_document_position.text_document.uri;
        let position = params.text_document_position.position;
        let encoding = self.encoding();
        let Some(document) = self.shared.documents.get(&uri) else {
            tracing::debug!("rename for a document that is not open: {}", uri.as_str());
            return Ok(None);
        };
        let found =
            guarded(|| rename::rename(&document, &uri, position, &params.new_name, encoding));
        drop(document);
        match found {
            Some(answer) => answer.map_err(rename::refused),
            None => {
                self.report_failure("rename", &uri);
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
