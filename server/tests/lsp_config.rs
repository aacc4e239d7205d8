//! Configuration through the language server: initializationOptions, didChangeConfiguration,
//! the configuration files at the workspace root, and what a broken configuration does.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test stops loudly on a broken fixture

mod support;

use serde_json::{Value, json};
use support::lsp::{DEFAULT_TIMEOUT, LspClient, code, uri};

const DOCKERFILE: &str = "FROM alpine:3.20\nWORKDIR app\nUSER app\nCMD run --fast\n";

fn server() -> LspClient {
    LspClient::spawn(env!("CARGO_BIN_EXE_dockerfile-lsp"), &["--stdio"])
}

/// Initializes with `options` as initializationOptions and `root` as the workspace root.
fn initialized(options: Value, root: Option<&std::path::Path>) -> LspClient {
    let mut client = server();
    let mut params = LspClient::initialize_params(&["utf-16"]);
    params["initializationOptions"] = options;
    if let Some(root) = root {
        params["rootUri"] = json!(format!("file://{}", root.display()));
    }
    client.request("initialize", params);
    client.notify("initialized", json!({}));
    client
}

fn codes(diagnostics: &[Value]) -> Vec<String> {
    let mut codes: Vec<String> = diagnostics.iter().map(|d| code(d).to_owned()).collect();
    codes.sort();
    codes
}

#[test]
fn initialization_options_and_did_change_configuration_choose_the_rules() {
    let mut client = initialized(
        json!({"rules": {"disable": ["json-args-recommended"], "severity": {"DL3000": "error"}}}),
        None,
    );
    let doc = uri("config/Dockerfile");
    client.open(&doc, "dockerfile", 1, DOCKERFILE);
    let diagnostics = client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT);
    assert_eq!(codes(&diagnostics), ["workdir-relative"]);
    assert_eq!(
        diagnostics[0]["severity"], 1,
        "the override makes it an error"
    );

    // The editor's settings under our name, as VS Code sends them.
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"dockerfile-lsp": {"rules": {"disable": ["workdir-relative"]}}}}),
    );
    let diagnostics = client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT);
    assert_eq!(codes(&diagnostics), ["json-args-recommended"]);
}

#[test]
fn configuration_files_at_the_workspace_root_are_read() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join(".hadolint.yaml"), "ignored:\n  - DL3025\n").unwrap();
    let mut client = initialized(Value::Null, Some(root.path()));
    let doc = uri("files/Dockerfile");
    client.open(&doc, "dockerfile", 1, DOCKERFILE);
    assert_eq!(
        codes(&client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT)),
        ["workdir-relative"]
    );
}

#[test]
fn a_broken_configuration_is_shown_once_and_the_defaults_apply() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(
        root.path().join("dockerfile-lsp.toml"),
        "[rules]\ndisable = \"oops\"\n",
    )
    .unwrap();
    let mut client = initialized(json!({"rules": 3}), Some(root.path()));
    let message = client.wait_notification("window/showMessage", |_| true, DEFAULT_TIMEOUT);
    let text = message["message"].as_str().unwrap();
    assert!(text.contains("settings:"), "{text}");
    assert!(text.contains("dockerfile-lsp.toml: line 2"), "{text}");
    assert_eq!(message["type"], 2, "a warning");
    let doc = uri("broken/Dockerfile");
    client.open(&doc, "dockerfile", 1, DOCKERFILE);
    assert_eq!(
        codes(&client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT)),
        ["json-args-recommended", "workdir-relative"]
    );
    // Still serving.
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"rules": {"disable": "x"}}}),
    );
    let diagnostics = client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT);
    assert_eq!(diagnostics.len(), 2);
}

#[test]
fn deprecated_and_dead_instructions_are_tagged_for_the_editor() {
    let mut client = initialized(Value::Null, None);
    let doc = uri("tags/Dockerfile");
    client.open(
        &doc,
        "dockerfile",
        1,
        "FROM alpine:3.20\nMAINTAINER me@example.com\nCMD [\"a\"]\nCMD [\"b\"]\n",
    );
    let diagnostics = client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT);
    let tags = |rule: &str| {
        diagnostics
            .iter()
            .find(|d| code(d) == rule)
            .map(|d| d["tags"].clone())
    };
    // 2 is Deprecated, 1 Unnecessary (faded) in the LSP specification.
    assert_eq!(tags("maintainer-deprecated"), Some(json!([2])));
    assert_eq!(tags("multiple-instructions-disallowed"), Some(json!([1])));
}

#[test]
fn the_dockerignore_beside_a_dockerfile_is_read_and_reread_when_saved() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join(".dockerignore"), "*.env\n").unwrap();
    let mut client = initialized(Value::Null, Some(root.path()));
    let doc = format!("file://{}/Dockerfile", root.path().display());
    client.open(
        &doc,
        "dockerfile",
        1,
        "FROM alpine:3.20\nCOPY app.env /etc/app/\n",
    );
    let copy_ignored = |diagnostics: &[Value]| {
        diagnostics
            .iter()
            .filter(|d| code(d) == "copy-ignored-file")
            .count()
    };
    assert_eq!(
        copy_ignored(&client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT)),
        1
    );

    std::fs::write(root.path().join(".dockerignore"), "node_modules\n").unwrap();
    let ignore = format!("file://{}/.dockerignore", root.path().display());
    client.notify(
        "textDocument/didSave",
        json!({"textDocument": {"uri": ignore}}),
    );
    assert_eq!(
        copy_ignored(&client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT)),
        0
    );
}
