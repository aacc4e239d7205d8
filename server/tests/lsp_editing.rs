//! Editing features over stdio with the real binary: completion, hover documentation and
//! signature help, on the example projects.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test stops loudly on a broken fixture

mod support;

use serde_json::{Value, json};
use support::lsp::{DEFAULT_TIMEOUT, LspClient, uri};

fn server() -> LspClient {
    let mut client = LspClient::spawn(env!("CARGO_BIN_EXE_dockerfile-lsp"), &["--stdio"]);
    client.initialize(&["utf-16"]);
    client
}

fn example(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/../examples/{name}/Dockerfile",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

/// Opens `text` and waits until it was checked (requests need the file model).
fn open(client: &mut LspClient, name: &str, text: &str) -> String {
    let doc = uri(name);
    client.open(&doc, "dockerfile", 1, text);
    client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT);
    doc
}

#[test]
fn initialize_advertises_every_editing_capability() {
    let mut client = LspClient::spawn(env!("CARGO_BIN_EXE_dockerfile-lsp"), &["--stdio"]);
    let capabilities = client.initialize(&["utf-16"])["capabilities"].clone();
    let advertised = |key: &str| {
        let value = &capabilities[key];
        !value.is_null() && *value != json!(false)
    };
    let missing: Vec<&str> = [
        "completionProvider",
        "hoverProvider",
        "signatureHelpProvider",
        "definitionProvider",
        "referencesProvider",
        "documentHighlightProvider",
        "renameProvider",
        "documentSymbolProvider",
        "workspaceSymbolProvider",
        "foldingRangeProvider",
        "selectionRangeProvider",
        "semanticTokensProvider",
        "documentLinkProvider",
        "documentFormattingProvider",
        "documentRangeFormattingProvider",
        "documentOnTypeFormattingProvider",
        "inlayHintProvider",
        "codeActionProvider",
    ]
    .into_iter()
    .filter(|key| !advertised(key))
    .collect();
    assert!(
        missing.is_empty(),
        "not advertised: {missing:?} in {capabilities}"
    );
    assert_eq!(
        capabilities["renameProvider"]["prepareProvider"],
        json!(true)
    );
    let tokens = &capabilities["semanticTokensProvider"];
    assert_eq!(tokens["range"], json!(true));
    assert_eq!(tokens["full"]["delta"], json!(true));
    assert_eq!(
        capabilities["documentOnTypeFormattingProvider"]["firstTriggerCharacter"],
        json!("\n")
    );
    assert!(client.shutdown_and_exit().success());
}

fn position_of(text: &str, needle: &str, delta: usize) -> Value {
    let offset = text.find(needle).unwrap() + delta;
    let line = text[..offset].matches('\n').count();
    let character = offset - text[..offset].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": character})
}

#[test]
fn the_server_advertises_the_editing_capabilities() {
    let mut client = LspClient::spawn(env!("CARGO_BIN_EXE_dockerfile-lsp"), &["--stdio"]);
    let result = client.initialize(&["utf-16"]);
    let capabilities = &result["capabilities"];
    assert_eq!(capabilities["hoverProvider"], true);
    assert!(
        capabilities["completionProvider"]["triggerCharacters"]
            .as_array()
            .unwrap()
            .contains(&json!("$"))
    );
    assert!(
        capabilities["signatureHelpProvider"]["triggerCharacters"]
            .as_array()
            .is_some()
    );
}

#[test]
fn completion_on_a_real_file() {
    let mut client = server();
    let text = example("flask-api");
    let doc = open(&mut client, "flask/Dockerfile", &text);
    // At the start of the line after WORKDIR: instructions.
    let at = position_of(&text, "WORKDIR /app", 0);
    let list = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": doc}, "position": at}),
    );
    let labels: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["label"].as_str().unwrap())
        .collect();
    assert!(
        labels.contains(&"WORKDIR") && labels.contains(&"COPY"),
        "{labels:?}"
    );

    // Variables after `$` in a new line, with their values.
    let mut edited = text.clone();
    edited.push_str("RUN echo $\n");
    client.change(
        &doc,
        2,
        &[(
            support::lsp::Range::of_offsets(&text, 0..text.len(), support::lsp::Encoding::Utf16),
            &edited,
        )],
    );
    client.wait_diagnostics(&doc, 2, DEFAULT_TIMEOUT);
    let at = position_of(&edited, "RUN echo $\n", "RUN echo $".len());
    let list = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": doc}, "position": at}),
    );
    let flask = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["label"] == "FLASK_APP")
        .expect("FLASK_APP");
    assert_eq!(flask["detail"], "ENV = app.py");
    assert_eq!(list["isIncomplete"], false);
}

#[test]
fn hover_documents_instructions_and_variables() {
    let mut client = server();
    let text = example("flask-api");
    let doc = open(&mut client, "flask/Dockerfile", &text);
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": doc}, "position": position_of(&text, "WORKDIR", 2)}),
    );
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("WORKDIR <path>"),
        "{hover}"
    );
    assert_eq!(hover["range"]["start"]["character"], 0);
    let hover = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": doc}, "position": position_of(&text, "FLASK_APP", 2)}),
    );
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("app.py"),
        "{hover}"
    );
}

#[test]
fn signature_help_follows_the_cursor() {
    let mut client = server();
    let text = "FROM alpine\nCOPY src/ /app/\n";
    let doc = open(&mut client, "sig/Dockerfile", text);
    let help = client.request(
        "textDocument/signatureHelp",
        json!({"textDocument": {"uri": doc}, "position": position_of(text, "/app/", 0)}),
    );
    assert_eq!(
        help["signatures"][0]["label"],
        "COPY [flags] <src>... <dest>"
    );
    assert_eq!(help["activeParameter"], 1);
    let help = client.request(
        "textDocument/signatureHelp",
        json!({"textDocument": {"uri": doc}, "position": position_of(text, "src/", 0)}),
    );
    assert_eq!(help["activeParameter"], 0);
}

#[test]
fn inlay_hints_show_what_an_arg_built_image_resolves_to() {
    let mut client = server();
    let text = "ARG PY=3.12\nFROM python:${PY}-slim AS app\nFROM alpine:3.20\n";
    let doc = open(&mut client, "hints/Dockerfile", text);
    let hints = client.request(
        "textDocument/inlayHint",
        json!({"textDocument": {"uri": doc}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 3, "character": 0}}}),
    );
    let hints = hints.as_array().unwrap();
    assert_eq!(hints.len(), 1, "{hints:?}");
    assert_eq!(hints[0]["label"], "= python:3.12-slim");
    assert_eq!(hints[0]["position"], json!({"line": 1, "character": 22}));
}
