//! Code actions through the real server: quick fixes with their diagnostic, ignore
//! comments, fix-all, and a `.dockerignore` created next to the Dockerfile.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test stops loudly on a broken fixture

mod support;

use serde_json::{Value, json};
use support::lsp::{DEFAULT_TIMEOUT, Encoding, LspClient, Range, apply_change, code, uri};

fn initialized(root: Option<&std::path::Path>) -> LspClient {
    let mut client = LspClient::spawn(env!("CARGO_BIN_EXE_dockerfile-lsp"), &["--stdio"]);
    let mut params = LspClient::initialize_params(&["utf-16"]);
    if let Some(root) = root {
        params["rootUri"] = json!(format!("file://{}", root.display()));
    }
    let result = client.request("initialize", params);
    let kinds = &result["capabilities"]["codeActionProvider"]["codeActionKinds"];
    assert!(kinds.as_array().unwrap().contains(&json!("quickfix")));
    assert!(
        kinds
            .as_array()
            .unwrap()
            .contains(&json!("source.fixAll.dockerfile-lsp"))
    );
    client.notify("initialized", json!({}));
    client
}

/// The code actions for the whole of `text`, of the kinds in `only`.
fn actions(client: &mut LspClient, doc: &str, text: &str, only: &[&str]) -> Vec<Value> {
    let whole = Range::of_offsets(text, 0..text.len(), Encoding::Utf16);
    let result = client.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": doc},
            "range": whole.to_json(),
            "context": {"diagnostics": [], "only": only},
        }),
    );
    result.as_array().cloned().unwrap_or_default()
}

/// `text` with the edits of a WorkspaceEdit's `changes` for `doc` applied.
fn applied(text: &str, edit: &Value, doc: &str) -> String {
    let mut edits: Vec<(Range, String)> = edit["changes"][doc]
        .as_array()
        .expect("edits for the document")
        .iter()
        .map(|e| {
            (
                Range::from_json(&e["range"]),
                e["newText"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    // From the end, so that earlier positions stay valid.
    edits.sort_by_key(|(r, _)| std::cmp::Reverse((r.start.line, r.start.character)));
    let mut out = text.to_owned();
    for (range, new_text) in edits {
        apply_change(&mut out, Some(range), &new_text, Encoding::Utf16);
    }
    out
}

fn rule_codes(diagnostics: &[Value]) -> Vec<String> {
    diagnostics.iter().map(|d| code(d).to_owned()).collect()
}

const APT: &str = "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl \\\n    && rm -rf /var/lib/apt/lists/*\nUSER nobody\nCMD [\"curl\", \"--version\"]\n";

#[test]
fn a_quick_fix_carries_its_diagnostic_and_resolves_it() {
    let mut client = initialized(None);
    let doc = uri("actions/Dockerfile");
    client.open(&doc, "dockerfile", 1, APT);
    let diagnostics = client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT);
    assert!(rule_codes(&diagnostics).contains(&"apt-no-install-recommends".to_owned()));

    let all = actions(&mut client, &doc, APT, &["quickfix"]);
    let fix = all
        .iter()
        .find(|a| {
            a["diagnostics"][0]["code"] == "apt-no-install-recommends"
                && !a["title"].as_str().unwrap().starts_with("Ignore")
        })
        .expect("a quick fix for apt-no-install-recommends");
    assert_eq!(fix["kind"], "quickfix");
    assert_eq!(fix["isPreferred"], true);
    let fixed = applied(APT, &fix["edit"], &doc);
    assert!(
        fixed.contains("apt-get install --no-install-recommends -y curl"),
        "{fixed}"
    );

    client.change_full(&doc, 2, &fixed);
    let diagnostics = client.wait_diagnostics(&doc, 2, DEFAULT_TIMEOUT);
    assert!(!rule_codes(&diagnostics).contains(&"apt-no-install-recommends".to_owned()));
}

#[test]
fn ignore_actions_insert_a_comment_for_the_instruction_or_the_file() {
    let mut client = initialized(None);
    let doc = uri("actions/ignore/Dockerfile");
    client.open(&doc, "dockerfile", 1, APT);
    client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT);
    let all = actions(&mut client, &doc, APT, &["quickfix"]);
    let titled = |title: &str| {
        all.iter()
            .find(|a| a["title"] == title)
            .unwrap_or_else(|| panic!("no action {title:?} in {all:#?}"))
            .clone()
    };
    let here = titled("Ignore `apt-no-install-recommends` for this instruction");
    let text = applied(APT, &here["edit"], &doc);
    assert!(text.contains("\n# dockerfile-lsp ignore=apt-no-install-recommends\nRUN apt-get"));
    client.change_full(&doc, 2, &text);
    let diagnostics = client.wait_diagnostics(&doc, 2, DEFAULT_TIMEOUT);
    assert!(!rule_codes(&diagnostics).contains(&"apt-no-install-recommends".to_owned()));

    let everywhere = titled("Ignore `apt-no-install-recommends` in this file");
    let text = applied(APT, &everywhere["edit"], &doc);
    assert!(text.starts_with("# dockerfile-lsp global ignore=apt-no-install-recommends\n"));
}

#[test]
fn fix_all_applies_every_safe_fix_and_then_has_nothing_left() {
    let mut client = initialized(None);
    let doc = uri("actions/all/Dockerfile");
    let text = "FROM python:3.12-slim-bookworm\nRUN apt-get update\nRUN apt-get install -y gcc\nRUN pip install -r requirements.txt\nUSER nobody\nCMD python app.py\n";
    client.open(&doc, "dockerfile", 1, text);
    client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT);
    let all = actions(&mut client, &doc, text, &["source.fixAll"]);
    assert_eq!(all.len(), 1, "{all:#?}");
    assert_eq!(all[0]["kind"], "source.fixAll.dockerfile-lsp");
    let fixed = applied(text, &all[0]["edit"], &doc);
    insta::assert_snapshot!(fixed, @r#"
    FROM python:3.12-slim-bookworm
    RUN apt-get update && apt-get install --no-install-recommends -y gcc && pip install --no-cache-dir -r requirements.txt && rm -rf /var/lib/apt/lists/*
    USER nobody
    CMD ["python", "app.py"]
    "#);

    client.change_full(&doc, 2, &fixed);
    client.wait_diagnostics(&doc, 2, DEFAULT_TIMEOUT);
    assert_eq!(
        actions(&mut client, &doc, &fixed, &["source.fixAll"]),
        Vec::<Value>::new()
    );
}

#[test]
fn a_code_action_for_a_document_never_opened_is_empty() {
    let mut client = initialized(None);
    let response = client.call(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": uri("never/Dockerfile")},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}},
            "context": {"diagnostics": []},
        }),
    );
    assert_eq!(response["result"], Value::Null, "{response}");
}

#[test]
fn a_missing_dockerignore_is_created_next_to_the_dockerfile_by_a_workspace_edit() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("package.json"), "{}").unwrap();
    let mut client = initialized(Some(root.path()));
    let doc = format!("file://{}/Dockerfile", root.path().display());
    let text = "FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN npm ci --omit=dev\nUSER node\nCMD [\"node\", \"server.js\"]\n";
    client.open(&doc, "dockerfile", 1, text);
    let diagnostics = client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT);
    assert!(rule_codes(&diagnostics).contains(&"missing-dockerignore".to_owned()));
    let all = actions(&mut client, &doc, text, &["quickfix"]);
    let create = all
        .iter()
        .find(|a| {
            a["diagnostics"][0]["code"] == "missing-dockerignore"
                && !a["title"].as_str().unwrap().starts_with("Ignore")
        })
        .expect("a fix for missing-dockerignore");
    assert_eq!(
        create["isPreferred"], false,
        "creating the file is not a safe fix"
    );
    let operations = create["edit"]["documentChanges"]
        .as_array()
        .expect("document changes");
    let ignore = format!("file://{}/.dockerignore", root.path().display());
    assert_eq!(operations[0]["kind"], "create");
    assert_eq!(operations[0]["uri"], ignore);
    assert_eq!(operations[1]["textDocument"]["uri"], ignore);
    let contents = operations[1]["edits"][0]["newText"].as_str().unwrap();
    assert!(contents.lines().any(|l| l == "node_modules"), "{contents}");
    assert!(contents.lines().any(|l| l == ".git"), "{contents}");
}
