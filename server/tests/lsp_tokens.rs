//! Semantic tokens, folding ranges, selection ranges, document links and workspace symbols
//! through the real server over stdio, on the examples and on every corpus file.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test stops loudly on a broken fixture

mod support;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use support::corpus::{corpus_dir, corpus_files, read};
use support::lsp::{Encoding, LspClient, Position, Range, uri};

fn initialized(encodings: &[&str]) -> (LspClient, Value) {
    let mut client = LspClient::spawn(env!("CARGO_BIN_EXE_dockerfile-lsp"), &["--stdio"]);
    let result = client.initialize(encodings);
    let legend = result["capabilities"]["semanticTokensProvider"]["legend"].clone();
    (client, legend)
}

fn examples() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path().join("Dockerfile"))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(files.len() >= 5, "examples: {files:?}");
    files
}

/// The `file://` URI of a real file (so that links to its neighbours can be checked).
fn file_uri(path: &Path) -> String {
    format!("file://{}", path.canonicalize().unwrap().display())
}

/// Opens `examples/buildkit-heredoc/Dockerfile` under its real `file://` URI: the URI and
/// the text.
fn open_heredoc_example(client: &mut LspClient) -> (String, String) {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/buildkit-heredoc/Dockerfile");
    let text = read(&path);
    let uri = file_uri(&path);
    client.open(&uri, "dockerfile", 1, &text);
    (uri, text)
}

fn doc(uri: &str) -> Value {
    json!({ "textDocument": { "uri": uri } })
}

// ---------------------------------------------------------------------------------------
// Semantic tokens: decoding and the properties every answer must have
// ---------------------------------------------------------------------------------------

/// A token with absolute position and its legend names.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    line: u32,
    col: u32,
    len: u32,
    kind: String,
    modifiers: Vec<String>,
}

/// Decodes relative tokens; panics on a type or modifier outside the legend.
fn decode(data: &Value, legend: &Value) -> Vec<Token> {
    let ints: Vec<u32> = data
        .as_array()
        .expect("data")
        .iter()
        .map(|n| n.as_u64().unwrap() as u32)
        .collect();
    assert_eq!(ints.len() % 5, 0, "data is five integers per token");
    let types = legend["tokenTypes"].as_array().unwrap();
    let modifiers = legend["tokenModifiers"].as_array().unwrap();
    let (mut line, mut col) = (0, 0);
    ints.chunks(5)
        .map(|t| {
            line += t[0];
            col = if t[0] == 0 { col + t[1] } else { t[1] };
            let kind = types
                .get(t[3] as usize)
                .unwrap_or_else(|| panic!("token type {} is outside the legend", t[3]));
            assert!(
                t[4] >> modifiers.len() == 0,
                "modifiers {:b} outside the legend",
                t[4]
            );
            Token {
                line,
                col,
                len: t[2],
                kind: kind.as_str().unwrap().to_owned(),
                modifiers: (0..modifiers.len())
                    .filter(|i| t[4] & (1 << i) != 0)
                    .map(|i| modifiers[i].as_str().unwrap().to_owned())
                    .collect(),
            }
        })
        .collect()
}

/// The lines as LSP counts them: `\n`, `\r\n` and a lone `\r` end a line.
fn lsp_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\n' => {
                lines.push(&text[start..i]);
                start = i + 1;
            }
            b'\r' => {
                lines.push(&text[start..i]);
                if bytes.get(i + 1) == Some(&b'\n') {
                    i += 1;
                }
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    lines.push(&text[start..]);
    lines
}

fn width(text: &str, encoding: Encoding) -> u32 {
    text.chars().map(|c| encoding.width(c)).sum()
}

/// Tokens are in order, never overlap, are not empty, stay on their line and start
/// and end on character boundaries.
fn check_tokens(name: &str, text: &str, tokens: &[Token], encoding: Encoding) {
    let lines = lsp_lines(text);
    let mut previous: Option<&Token> = None;
    for token in tokens {
        assert!(token.len > 0, "{name}: an empty token {token:?}");
        let line = lines
            .get(token.line as usize)
            .unwrap_or_else(|| panic!("{name}: {token:?} is past the last line"));
        assert!(
            token.col + token.len <= width(line, encoding),
            "{name}: {token:?} goes past the end of its line {line:?}"
        );
        let mut units = 0;
        let mut boundaries = vec![0];
        for c in line.chars() {
            units += encoding.width(c);
            boundaries.push(units);
        }
        assert!(
            boundaries.contains(&token.col) && boundaries.contains(&(token.col + token.len)),
            "{name}: {token:?} splits a character of {line:?}"
        );
        if let Some(p) = previous {
            assert!(
                (token.line, token.col) >= (p.line, p.col + p.len),
                "{name}: {token:?} overlaps or comes before {p:?}"
            );
        }
        previous = Some(token);
    }
}

/// The text of a token.
fn token_text(text: &str, token: &Token, encoding: Encoding) -> String {
    let line = lsp_lines(text)[token.line as usize];
    let mut units = 0;
    let mut out = String::new();
    for c in line.chars() {
        if units >= token.col && units < token.col + token.len {
            out.push(c);
        }
        units += encoding.width(c);
    }
    out
}

fn full_tokens(client: &mut LspClient, uri: &str) -> Value {
    client.request("textDocument/semanticTokens/full", doc(uri))
}

// ---------------------------------------------------------------------------------------
// initialize
// ---------------------------------------------------------------------------------------

/// Whole-document tokens are written by the server itself, not by its LSP framework
/// (see `server/raw_responses.rs`): they still follow the protocol's rules. Before
/// `initialize` and after `shutdown` the request gets the framework's errors, an
/// unknown document gets `null`, params of the wrong shape an error, and tokens asked
/// for right after a change (without waiting) are those of the changed text.
#[test]
fn whole_document_tokens_follow_the_protocol_around_them() {
    let mut client = LspClient::spawn(env!("CARGO_BIN_EXE_dockerfile-lsp"), &["--stdio"]);
    let early = client.call("textDocument/semanticTokens/full", doc("file:///early"));
    assert_eq!(early["error"]["code"], -32002, "{early}");

    let legend =
        client.initialize(&["utf-16"])["capabilities"]["semanticTokensProvider"]["legend"].clone();
    let unknown = client.call("textDocument/semanticTokens/full", doc("file:///nowhere"));
    assert_eq!(unknown["result"], Value::Null, "{unknown}");
    assert!(unknown.get("error").is_none(), "{unknown}");
    let bad = client.call(
        "textDocument/semanticTokens/full",
        json!({ "textDocument": 7 }),
    );
    assert_eq!(bad["error"]["code"], -32602, "{bad}");

    let doc_uri = uri("order/Dockerfile");
    client.open(&doc_uri, "dockerfile", 1, "FROM alpine\n");
    client.change(
        &doc_uri,
        2,
        &[(Range::at(Position::new(1, 0)), "RUN echo hi\n")],
    );
    let result = full_tokens(&mut client, &doc_uri);
    let kinds: Vec<String> = decode(&result["data"], &legend)
        .into_iter()
        .map(|t| format!("{}:{} {}", t.line, t.col, t.kind))
        .collect();
    assert_eq!(
        kinds,
        ["0:0 keyword", "0:5 class", "1:0 keyword", "1:4 function"]
    );
    assert!(result["resultId"].is_string(), "{result}");

    client.request("shutdown", Value::Null);
    let late = client.call("textDocument/semanticTokens/full", doc(&doc_uri));
    assert_eq!(late["error"]["code"], -32600, "{late}");
    client.notify("exit", Value::Null);
}

#[test]
fn initialize_announces_the_requests_and_a_legend_of_standard_types() {
    let (mut client, legend) = initialized(&["utf-16"]);
    let types: Vec<&str> = legend["tokenTypes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "keyword",
            "comment",
            "macro",
            "parameter",
            "namespace",
            "class",
            "variable",
            "property",
            "string",
            "number",
            "operator",
            "function"
        ]
    );
    assert_eq!(
        legend["tokenModifiers"],
        json!(["declaration", "readonly", "defaultLibrary", "deprecated"])
    );
    client.shutdown_and_exit();
}

#[test]
fn capabilities_cover_tokens_folding_selection_links_and_workspace_symbols() {
    let mut client = LspClient::spawn(env!("CARGO_BIN_EXE_dockerfile-lsp"), &["--stdio"]);
    let result = client.initialize(&["utf-16"]);
    let capabilities = &result["capabilities"];
    let tokens = &capabilities["semanticTokensProvider"];
    assert_eq!(tokens["full"], json!({ "delta": true }), "{result}");
    assert_eq!(tokens["range"], json!(true), "{result}");
    assert_eq!(
        capabilities["foldingRangeProvider"],
        json!(true),
        "{result}"
    );
    assert_eq!(
        capabilities["selectionRangeProvider"],
        json!(true),
        "{result}"
    );
    assert_eq!(
        capabilities["documentLinkProvider"]["resolveProvider"],
        json!(false),
        "{result}"
    );
    assert_eq!(
        capabilities["workspaceSymbolProvider"],
        json!(true),
        "{result}"
    );
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

// ---------------------------------------------------------------------------------------
// Semantic tokens
// ---------------------------------------------------------------------------------------

#[test]
fn every_example_gets_well_formed_tokens_in_both_encodings() {
    for encoding in ["utf-16", "utf-8"] {
        let (mut client, legend) = initialized(&[encoding]);
        let enc = Encoding::from_name(encoding).unwrap();
        for path in examples() {
            let text = read(&path);
            let uri = file_uri(&path);
            client.open(&uri, "dockerfile", 1, &text);
            let result = full_tokens(&mut client, &uri);
            assert!(result["resultId"].is_string(), "{result}");
            let tokens = decode(&result["data"], &legend);
            let name = path.display().to_string();
            check_tokens(&name, &text, &tokens, enc);
            // Every instruction keyword is a keyword token.
            let keywords = tokens.iter().filter(|t| t.kind == "keyword").count();
            let instructions = lsp_lines(&text)
                .iter()
                .filter(|l| {
                    l.split_whitespace().next().is_some_and(|w| {
                        [
                            "FROM", "RUN", "COPY", "WORKDIR", "CMD", "ENV", "USER", "EXPOSE",
                        ]
                        .contains(&w)
                    })
                })
                .count();
            assert!(keywords >= instructions, "{name}: {tokens:?}");
            client.close(&uri);
        }
        client.shutdown_and_exit();
    }
}

#[test]
fn the_tokens_of_an_example_read_as_a_reader_sees_the_file() {
    let (mut client, legend) = initialized(&["utf-16"]);
    let (uri, text) = open_heredoc_example(&mut client);
    let tokens = decode(&full_tokens(&mut client, &uri)["data"], &legend);
    let shown: Vec<String> = tokens
        .iter()
        .take(24)
        .map(|t| {
            let mut kind = t.kind.clone();
            for m in &t.modifiers {
                kind = format!("{kind}.{m}");
            }
            format!(
                "{}:{} {kind} {}",
                t.line,
                t.col,
                token_text(&text, t, Encoding::Utf16)
            )
        })
        .collect();
    insta::assert_snapshot!(shown.join("\n"), @r"
    0:0 comment #
    0:2 macro syntax
    0:8 operator =
    0:9 string docker/dockerfile:1.7
    2:0 keyword FROM
    2:5 class python:3.12-slim-bookworm
    4:0 keyword RUN
    4:4 keyword <<EOF
    5:0 function set
    5:4 parameter -eux
    6:0 function groupadd
    6:9 parameter --system
    7:0 function useradd
    7:8 parameter --system
    7:17 parameter --gid
    7:30 parameter --home-dir
    7:53 parameter --create-home
    8:0 keyword EOF
    10:0 keyword WORKDIR
    12:0 keyword RUN
    12:4 parameter --mount
    12:12 property type
    12:17 string cache
    12:23 property target
    ");
    client.shutdown_and_exit();
}

#[test]
fn range_tokens_are_the_full_tokens_of_those_lines() {
    let (mut client, legend) = initialized(&["utf-16"]);
    let (uri, _) = open_heredoc_example(&mut client);
    let full = decode(&full_tokens(&mut client, &uri)["data"], &legend);
    let range = Range::new(Position::new(12, 0), Position::new(15, 0));
    let result = client.request(
        "textDocument/semanticTokens/range",
        json!({ "textDocument": { "uri": uri }, "range": range.to_json() }),
    );
    let ranged = decode(&result["data"], &legend);
    let expected: Vec<Token> = full
        .into_iter()
        .filter(|t| (12..15).contains(&t.line))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(ranged, expected);
    client.shutdown_and_exit();
}

/// Applies LSP semantic token edits to a previous result.
fn apply_edits(old: &Value, edits: &Value) -> Value {
    let mut data: Vec<Value> = old.as_array().unwrap().clone();
    let mut edits: Vec<&Value> = edits.as_array().unwrap().iter().collect();
    // Edits refer to the old array: apply from the end.
    edits.sort_by_key(|e| std::cmp::Reverse(e["start"].as_u64().unwrap()));
    for edit in edits {
        let start = edit["start"].as_u64().unwrap() as usize;
        let count = edit["deleteCount"].as_u64().unwrap() as usize;
        let new = edit["data"].as_array().cloned().unwrap_or_default();
        data.splice(start..start + count, new);
    }
    Value::Array(data)
}

#[test]
fn deltas_turn_the_previous_result_into_the_new_one() {
    let (mut client, _) = initialized(&["utf-16"]);
    let doc_uri = uri("delta/Dockerfile");
    let mut text = String::from(
        "FROM alpine:3.20 AS base\nRUN apk add curl\nENV A=1\nFROM base\nCOPY --from=base /a /a\n",
    );
    client.open(&doc_uri, "dockerfile", 1, &text);
    let first = full_tokens(&mut client, &doc_uri);

    // `RUN apk add curl` → `RUN apk add --no-cache curl`.
    let at = text.find("curl").unwrap();
    text.insert_str(at, "--no-cache ");
    let position = Position::of_offset(&text, at, Encoding::Utf16);
    client.change(&doc_uri, 2, &[(Range::at(position), "--no-cache ")]);
    let delta = client.request(
        "textDocument/semanticTokens/full/delta",
        json!({ "textDocument": { "uri": doc_uri }, "previousResultId": first["resultId"] }),
    );
    assert!(delta["edits"].is_array(), "a delta: {delta}");
    assert_ne!(delta["resultId"], first["resultId"]);
    let fresh = full_tokens(&mut client, &doc_uri);
    assert_eq!(apply_edits(&first["data"], &delta["edits"]), fresh["data"]);

    // An unknown previous result gets all the tokens.
    let unknown = client.request(
        "textDocument/semanticTokens/full/delta",
        json!({ "textDocument": { "uri": doc_uri }, "previousResultId": "no-such-result" }),
    );
    assert_eq!(unknown["data"], fresh["data"], "{unknown}");

    // Nothing changed: no edits.
    let same = client.request(
        "textDocument/semanticTokens/full/delta",
        json!({ "textDocument": { "uri": doc_uri }, "previousResultId": unknown["resultId"] }),
    );
    assert_eq!(same["edits"], json!([]), "{same}");
    client.shutdown_and_exit();
}

#[test]
fn every_corpus_file_gets_well_formed_tokens_folds_and_selections() {
    let files = corpus_files(&corpus_dir().join("real"));
    assert!(files.len() > 300, "{} corpus files", files.len());
    let (mut client, legend) = initialized(&["utf-16"]);
    for (i, path) in files.iter().enumerate() {
        let text = read(path);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let doc_uri = uri(&format!("corpus/{i}/Dockerfile"));
        client.open(&doc_uri, "dockerfile", 1, &text);

        let tokens = decode(&full_tokens(&mut client, &doc_uri)["data"], &legend);
        check_tokens(&name, &text, &tokens, Encoding::Utf16);

        let line_count = lsp_lines(&text).len() as u64;
        let folds = client.request("textDocument/foldingRange", doc(&doc_uri));
        let mut previous_start = None;
        for fold in folds.as_array().unwrap() {
            let (start, end) = (
                fold["startLine"].as_u64().unwrap(),
                fold["endLine"].as_u64().unwrap(),
            );
            assert!(start < end && end < line_count, "{name}: {fold}");
            assert!(
                previous_start < Some(start),
                "{name}: one fold per start line, in order"
            );
            previous_start = Some(start);
        }

        // A selection at the start of every tenth line: nested ranges holding the cursor.
        let positions: Vec<Value> = (0..line_count as u32)
            .step_by(10)
            .map(|line| Position::new(line, 0).to_json())
            .collect();
        let selections = client.request(
            "textDocument/selectionRange",
            json!({ "textDocument": { "uri": doc_uri }, "positions": positions }),
        );
        assert_eq!(
            selections.as_array().unwrap().len(),
            positions.len(),
            "{name}"
        );
        for (selection, position) in selections.as_array().unwrap().iter().zip(&positions) {
            let position = Position::from_json(position);
            let mut inner = Range::new(position, position);
            let mut node = Some(selection);
            while let Some(s) = node {
                let range = Range::from_json(&s["range"]);
                assert!(
                    range.start <= inner.start && inner.end <= range.end,
                    "{name}: {range:?} does not hold {inner:?}"
                );
                inner = range;
                node = s.get("parent");
            }
        }

        let links = client.request("textDocument/documentLink", doc(&doc_uri));
        for link in links.as_array().unwrap() {
            let target = link["target"].as_str().unwrap();
            assert!(!target.is_empty(), "{name}: {link}");
        }
        client.close(&doc_uri);
    }
    client.shutdown_and_exit();
}

// ---------------------------------------------------------------------------------------
// Folding and selection ranges
// ---------------------------------------------------------------------------------------

#[test]
fn folds_of_an_example_cover_heredocs_continuations_and_the_stage() {
    let mut client = LspClient::spawn(env!("CARGO_BIN_EXE_dockerfile-lsp"), &["--stdio"]);
    client.initialize(&["utf-16"]);
    let (uri, _) = open_heredoc_example(&mut client);
    let folds = client.request("textDocument/foldingRange", doc(&uri));
    let folds: Vec<String> = folds
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}..{} {}",
                f["startLine"],
                f["endLine"],
                f["kind"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        folds,
        [
            // The stage, from FROM to the last instruction.
            "2..33 region",
            // RUN <<EOF ... EOF
            "4..8 region",
            // RUN --mount=... \ (three lines)
            "12..14 region",
            // COPY <<EOF /etc/worker/config.toml ... EOF
            "16..23 region",
            "27..30 region",
        ]
    );
    client.shutdown_and_exit();
}

#[test]
fn selections_grow_from_the_word_to_the_file() {
    let mut client = LspClient::spawn(env!("CARGO_BIN_EXE_dockerfile-lsp"), &["--stdio"]);
    client.initialize(&["utf-16"]);
    let doc_uri = uri("select/Dockerfile");
    let text =
        "FROM python:3.12 AS build\nRUN pip install \\\n    --no-cache-dir flask\nFROM build\n";
    client.open(&doc_uri, "dockerfile", 1, text);
    let at = text.find("cache-dir").unwrap();
    let position = Position::of_offset(text, at, Encoding::Utf16);
    let result = client.request(
        "textDocument/selectionRange",
        json!({ "textDocument": { "uri": doc_uri }, "positions": [position.to_json()] }),
    );
    let mut texts = Vec::new();
    let mut node = result.get(0);
    while let Some(s) = node {
        let range = Range::from_json(&s["range"]);
        let start = range.start.to_offset(text, Encoding::Utf16);
        let end = range.end.to_offset(text, Encoding::Utf16);
        texts.push(text[start..end].to_owned());
        node = s.get("parent");
    }
    assert_eq!(
        texts,
        [
            "--no-cache-dir",
            "--no-cache-dir flask",
            "pip install \\\n    --no-cache-dir flask",
            "RUN pip install \\\n    --no-cache-dir flask",
            "FROM python:3.12 AS build\nRUN pip install \\\n    --no-cache-dir flask",
            text,
        ]
    );
    client.shutdown_and_exit();
}

// ---------------------------------------------------------------------------------------
// Document links
// ---------------------------------------------------------------------------------------

#[test]
fn links_go_to_registry_pages_frontends_and_files_that_exist() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("requirements.txt"), "flask\n").unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/app.py"), "print()\n").unwrap();
    let text = "# syntax=docker/dockerfile:1\n\
                FROM gcr.io/distroless/python3 AS base\n\
                FROM python:3.12-slim AS build\n\
                COPY requirements.txt missing.txt ./\n\
                COPY src/app.py *.cfg /app/\n\
                COPY --from=ghcr.io/astral-sh/uv:0.5 /uv /bin/\n\
                COPY --from=base /x /x\n\
                ADD https://example.com/tool.tgz /opt/\n\
                FROM quay.io/prometheus/node-exporter\n";
    std::fs::write(dir.path().join("Dockerfile"), text).unwrap();
    let doc_uri = file_uri(&dir.path().join("Dockerfile"));

    let mut client = LspClient::spawn(env!("CARGO_BIN_EXE_dockerfile-lsp"), &["--stdio"]);
    client.initialize(&["utf-16"]);
    client.open(&doc_uri, "dockerfile", 1, text);
    let links = client.request("textDocument/documentLink", doc(&doc_uri));
    let root = file_uri(dir.path());
    let shown: Vec<String> = links
        .as_array()
        .unwrap()
        .iter()
        .map(|link| {
            let range = Range::from_json(&link["range"]);
            let start = range.start.to_offset(text, Encoding::Utf16);
            let end = range.end.to_offset(text, Encoding::Utf16);
            let target = link["target"].as_str().unwrap().replace(&root, "<dir>");
            format!("{} -> {target}", &text[start..end])
        })
        .collect();
    assert_eq!(
        shown,
        [
            "docker/dockerfile:1 -> https://hub.docker.com/r/docker/dockerfile",
            "gcr.io/distroless/python3 -> https://console.cloud.google.com/gcr/images/distroless/global/python3",
            "python:3.12-slim -> https://hub.docker.com/_/python",
            "requirements.txt -> <dir>/requirements.txt",
            "src/app.py -> <dir>/src/app.py",
            "ghcr.io/astral-sh/uv:0.5 -> https://ghcr.io/astral-sh/uv",
            "https://example.com/tool.tgz -> https://example.com/tool.tgz",
            "quay.io/prometheus/node-exporter -> https://quay.io/repository/prometheus/node-exporter",
        ]
    );
    client.shutdown_and_exit();
}

#[test]
fn links_of_an_example_reach_its_files() {
    let mut client = LspClient::spawn(env!("CARGO_BIN_EXE_dockerfile-lsp"), &["--stdio"]);
    client.initialize(&["utf-16"]);
    let (uri, _) = open_heredoc_example(&mut client);
    let links = client.request("textDocument/documentLink", doc(&uri));
    let targets: Vec<&str> = links
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["target"].as_str().unwrap())
        .collect();
    let worker = file_uri(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/buildkit-heredoc/worker.py"),
    );
    assert_eq!(
        targets,
        [
            "https://hub.docker.com/r/docker/dockerfile",
            "https://hub.docker.com/_/python",
            worker.as_str(),
        ]
    );
    client.shutdown_and_exit();
}

// ---------------------------------------------------------------------------------------
// Workspace symbols
// ---------------------------------------------------------------------------------------

#[test]
fn workspace_symbols_list_stages_and_global_args_of_open_documents() {
    let mut client = LspClient::spawn(env!("CARGO_BIN_EXE_dockerfile-lsp"), &["--stdio"]);
    client.initialize(&["utf-16"]);
    let api = uri("api/Dockerfile");
    let web = uri("web/Dockerfile");
    client.open(
        &api,
        "dockerfile",
        1,
        "ARG GO_VERSION=1.23\nFROM golang:${GO_VERSION} AS build-api\nFROM scratch\n",
    );
    client.open(
        &web,
        "dockerfile",
        1,
        "FROM node:22 AS build-web\nFROM nginx AS runtime\n",
    );
    client.open(&uri("api/.dockerignore"), "ignore", 1, "node_modules\n");
    let names = |client: &mut LspClient, query: &str| -> Vec<String> {
        let result = client.request("workspace/symbol", json!({ "query": query }));
        result
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                format!(
                    "{} {} {}",
                    s["name"].as_str().unwrap(),
                    s["kind"],
                    s["containerName"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(
        names(&mut client, ""),
        [
            "GO_VERSION 13 api/Dockerfile",
            "build-api 2 api/Dockerfile",
            "stage 1 2 api/Dockerfile",
            "build-web 2 web/Dockerfile",
            "runtime 2 web/Dockerfile",
        ]
    );
    assert_eq!(
        names(&mut client, "BLD"),
        ["build-api 2 api/Dockerfile", "build-web 2 web/Dockerfile"]
    );
    assert_eq!(names(&mut client, "rt"), ["runtime 2 web/Dockerfile"]);

    // The location is the name where it is declared.
    let result = client.request("workspace/symbol", json!({ "query": "runtime" }));
    assert_eq!(result[0]["location"]["uri"], json!(web));
    assert_eq!(
        Range::from_json(&result[0]["location"]["range"]),
        Range::on_line(1, 14, 21)
    );
    client.shutdown_and_exit();
}
