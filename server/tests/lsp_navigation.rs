//! Definition, references, document highlight, prepareRename and rename end to end: the real
//! binary over stdio, on the example Dockerfiles.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test stops loudly on a broken fixture

mod support;

use serde_json::{Value, json};
use support::lsp::{Encoding, LspClient, Position, Range, apply_change, uri};

const RUST_MULTISTAGE: &str = include_str!("../../examples/rust-multistage/Dockerfile");
const PYTHON_ONBUILD: &str = include_str!("../../examples/python-onbuild-base/Dockerfile");
const SPRING_BOOT: &str = include_str!("../../examples/spring-boot/Dockerfile");
const BUILDKIT_HEREDOC: &str = include_str!("../../examples/buildkit-heredoc/Dockerfile");
const WINDOWS_IIS: &str = include_str!("../../examples/windows-iis/Dockerfile");

/// A server with `text` open as `name`, positions in UTF-16.
fn open(name: &str, text: &str) -> (LspClient, String) {
    let mut client = LspClient::spawn(env!("CARGO_BIN_EXE_dockerfile-lsp"), &["--stdio"]);
    client.initialize(&["utf-16"]);
    let uri = uri(name);
    client.open(&uri, "dockerfile", 1, text);
    client.wait_diagnostics(&uri, 1, support::lsp::DEFAULT_TIMEOUT);
    (client, uri)
}

/// The position of the `n`th (from 0) `needle` in `text`, `shift` bytes into it.
fn at(text: &str, needle: &str, n: usize, shift: usize) -> Position {
    let offset = text
        .match_indices(needle)
        .nth(n)
        .unwrap_or_else(|| panic!("no {n}th `{needle}`"))
        .0;
    Position::of_offset(text, offset + shift, Encoding::Utf16)
}

fn params(uri: &str, position: Position) -> Value {
    json!({ "textDocument": { "uri": uri }, "position": position.to_json() })
}

/// `line:start-end` of each range, the way the specifications below write them.
fn spans(ranges: impl IntoIterator<Item = Range>) -> Vec<String> {
    ranges
        .into_iter()
        .map(|r| {
            assert_eq!(r.start.line, r.end.line, "a name is on one line");
            format!("{}:{}-{}", r.start.line, r.start.character, r.end.character)
        })
        .collect()
}

fn location_spans(locations: &Value, uri: &str) -> Vec<String> {
    let list: Vec<Value> = match locations {
        Value::Array(items) => items.clone(),
        Value::Null => Vec::new(),
        single => vec![single.clone()],
    };
    spans(list.iter().map(|l| {
        assert_eq!(l["uri"], uri, "{l}");
        Range::from_json(&l["range"])
    }))
}

fn definition(client: &mut LspClient, uri: &str, position: Position) -> Vec<String> {
    let result = client.request("textDocument/definition", params(uri, position));
    location_spans(&result, uri)
}

fn references(client: &mut LspClient, uri: &str, position: Position, decl: bool) -> Vec<String> {
    let mut p = params(uri, position);
    p["context"] = json!({ "includeDeclaration": decl });
    let result = client.request("textDocument/references", p);
    location_spans(&result, uri)
}

/// Highlights as `line:start-end W|R`.
fn highlights(client: &mut LspClient, uri: &str, position: Position) -> Vec<String> {
    let result = client.request("textDocument/documentHighlight", params(uri, position));
    let list = result.as_array().cloned().unwrap_or_default();
    list.iter()
        .map(|h| {
            let span = spans([Range::from_json(&h["range"])]).remove(0);
            let kind = match h["kind"].as_u64() {
                Some(3) => "W",
                Some(2) => "R",
                other => panic!("highlight kind {other:?}"),
            };
            format!("{span} {kind}")
        })
        .collect()
}

/// The text after the rename's edits, or the error message.
fn renamed(
    client: &mut LspClient,
    uri: &str,
    text: &str,
    position: Position,
    new_name: &str,
) -> Result<String, String> {
    let mut p = params(uri, position);
    p["newName"] = json!(new_name);
    let response = client.call("textDocument/rename", p);
    if let Some(error) = response.get("error") {
        assert_eq!(error["code"], -32803, "RequestFailed: {error}");
        return Err(error["message"].as_str().unwrap().to_owned());
    }
    let changes = &response["result"]["changes"];
    let edits = changes[uri].as_array().expect("edits for the document");
    assert_eq!(changes.as_object().unwrap().len(), 1, "one document");
    let mut edits: Vec<(Range, String)> = edits
        .iter()
        .map(|e| {
            (
                Range::from_json(&e["range"]),
                e["newText"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    edits.sort_by_key(|(r, _)| r.start);
    let mut out = text.to_owned();
    for (range, new) in edits.iter().rev() {
        apply_change(&mut out, Some(*range), new, Encoding::Utf16);
    }
    Ok(out)
}

fn prepare(client: &mut LspClient, uri: &str, position: Position) -> Result<Value, String> {
    let response = client.call("textDocument/prepareRename", params(uri, position));
    match response.get("error") {
        Some(error) => {
            assert_eq!(error["code"], -32803, "RequestFailed: {error}");
            Err(error["message"].as_str().unwrap().to_owned())
        }
        None => Ok(response["result"].clone()),
    }
}

#[test]
fn initialize_announces_navigation_and_rename_with_prepare() {
    let mut client = LspClient::spawn(env!("CARGO_BIN_EXE_dockerfile-lsp"), &["--stdio"]);
    let result = client.initialize(&["utf-16"]);
    let capabilities = &result["capabilities"];
    assert_eq!(capabilities["definitionProvider"], json!(true), "{result}");
    assert_eq!(capabilities["referencesProvider"], json!(true), "{result}");
    assert_eq!(
        capabilities["documentHighlightProvider"],
        json!(true),
        "{result}"
    );
    assert_eq!(
        capabilities["renameProvider"],
        json!({ "prepareProvider": true }),
        "{result}"
    );
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

#[test]
fn a_stage_from_copy_from_to_its_name_and_back() {
    let (mut client, uri) = open("Dockerfile", RUST_MULTISTAGE);
    let text = RUST_MULTISTAGE;
    let copy_from = at(text, "--from=build", 0, "--from=bu".len());
    assert_eq!(definition(&mut client, &uri, copy_from), ["2:32-37"]);
    assert_eq!(
        references(&mut client, &uri, copy_from, true),
        ["2:32-37", "10:12-17"]
    );
    assert_eq!(
        references(&mut client, &uri, copy_from, false),
        ["10:12-17"]
    );
    let name = at(text, "AS build", 0, 3);
    assert_eq!(
        highlights(&mut client, &uri, name),
        ["2:32-37 W", "10:12-17 R"]
    );
    // The image is no symbol.
    let image = at(text, "gcr.io", 0, 2);
    assert_eq!(definition(&mut client, &uri, image), Vec::<String>::new());
    assert_eq!(
        client.request("textDocument/documentHighlight", params(&uri, image)),
        Value::Null
    );
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

#[test]
fn renaming_a_stage_rewrites_its_name_and_every_reference() {
    let (mut client, uri) = open("Dockerfile", RUST_MULTISTAGE);
    let text = RUST_MULTISTAGE;
    let name = at(text, "AS build", 0, 3);
    let prepared = prepare(&mut client, &uri, name).unwrap();
    assert_eq!(prepared["placeholder"], "build");
    assert_eq!(spans([Range::from_json(&prepared["range"])]), ["2:32-37"]);
    let new_text = renamed(&mut client, &uri, text, name, "compile").unwrap();
    assert_eq!(
        new_text,
        text.replace("AS build", "AS compile")
            .replace("--from=build", "--from=compile")
    );
    assert_eq!(
        renamed(&mut client, &uri, text, name, "9lives").unwrap_err(),
        "`9lives` is not a valid name: a stage name starts with a letter and holds letters, digits, `_`, `.` and `-`"
    );
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

#[test]
fn a_global_arg_is_followed_into_from_and_into_the_stage_that_redeclares_it() {
    let (mut client, uri) = open("Dockerfile", PYTHON_ONBUILD);
    let text = PYTHON_ONBUILD;
    // `${PY}` in the LABEL, after `ARG PY` re-declares it in the stage.
    let label_use = at(text, "Python ${PY}", 0, "Python ${".len());
    assert_eq!(definition(&mut client, &uri, label_use), ["2:4-6"]);
    assert_eq!(
        highlights(&mut client, &uri, label_use),
        ["2:4-6 W", "5:14-16 R", "7:4-6 W", "9:53-55 R"]
    );
    let new_text = renamed(&mut client, &uri, text, label_use, "PYTHON_VERSION").unwrap();
    assert_eq!(
        new_text,
        text.replace("PY=", "PYTHON_VERSION=")
            .replace("${PY}", "${PYTHON_VERSION}")
            .replace("ARG PY\n", "ARG PYTHON_VERSION\n")
    );
    // DEBIAN is another variable, left as it was.
    assert!(new_text.contains("ARG DEBIAN=bookworm") && new_text.contains("${DEBIAN}"));
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

#[test]
fn an_env_used_by_the_shell_form_entrypoint_is_one_variable() {
    let (mut client, uri) = open("Dockerfile", SPRING_BOOT);
    let text = SPRING_BOOT;
    let use_site = at(text, "$JAVA_OPTS", 0, 2);
    assert_eq!(definition(&mut client, &uri, use_site), ["14:4-13"]);
    assert_eq!(
        references(&mut client, &uri, use_site, true),
        ["14:4-13", "17:17-26"]
    );
    let new_text = renamed(&mut client, &uri, text, use_site, "JVM_OPTIONS").unwrap();
    assert_eq!(new_text, text.replace("JAVA_OPTS", "JVM_OPTIONS"));
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

#[test]
fn each_heredoc_pairs_its_marker_with_its_closing_line() {
    let (mut client, uri) = open("Dockerfile", BUILDKIT_HEREDOC);
    let text = BUILDKIT_HEREDOC;
    // The second of three `EOF` heredocs: the COPY's.
    let marker = at(text, "<<EOF", 1, 3);
    assert_eq!(
        highlights(&mut client, &uri, marker),
        ["16:7-10 W", "23:0-3 R"]
    );
    let closing = at(text, "\nEOF\n", 1, 1);
    assert_eq!(definition(&mut client, &uri, closing), ["16:7-10"]);
    let new_text = renamed(&mut client, &uri, text, closing, "CONFIG").unwrap();
    let expected = text.replacen(
        "<<EOF /etc/worker/config.toml",
        "<<CONFIG /etc/worker/config.toml",
        1,
    );
    let closing_offset = expected.match_indices("\nEOF\n").nth(1).unwrap().0;
    let mut expected = expected;
    expected.replace_range(closing_offset + 1..closing_offset + 4, "CONFIG");
    assert_eq!(new_text, expected);
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

#[test]
fn prepare_rename_says_why_a_keyword_an_image_or_a_stage_index_cannot_be_renamed() {
    let (mut client, uri) = open("Dockerfile", WINDOWS_IIS);
    assert_eq!(
        prepare(&mut client, &uri, at(WINDOWS_IIS, "WORKDIR", 0, 2)).unwrap_err(),
        "`WORKDIR` is an instruction keyword: only stage names, ARG and ENV variables and heredoc delimiters can be renamed"
    );
    assert_eq!(
        prepare(&mut client, &uri, at(WINDOWS_IIS, "mcr.microsoft", 0, 4)).unwrap_err(),
        "`mcr.microsoft.com/dotnet/framework/aspnet:4.8-windowsservercore-ltsc2022` is an image, not a stage of this file: only stage names, ARG and ENV variables and heredoc delimiters can be renamed"
    );
    let text = "FROM alpine AS tools\nFROM scratch\nCOPY --from=0 /bin/busybox /\nARG TARGETARCH\nRUN echo $TARGETARCH\n";
    let other = uri.replace("Dockerfile", "index.Dockerfile");
    client.open(&other, "dockerfile", 1, text);
    assert_eq!(
        prepare(&mut client, &other, at(text, "from=0", 0, 5)).unwrap_err(),
        "`0` names a stage by its index: rename the stage's name (after AS) instead"
    );
    // Still a reference to the stage, though.
    assert_eq!(
        definition(&mut client, &other, at(text, "from=0", 0, 5)),
        ["0:15-20"]
    );
    assert_eq!(
        prepare(&mut client, &other, at(text, "$TARGETARCH", 0, 3)).unwrap_err(),
        "`TARGETARCH` is predefined by BuildKit: under another name it would lose its value"
    );
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

#[test]
fn positions_follow_edits_and_count_utf16_units() {
    let text =
        "FROM alpine AS base\nENV GREETING=\"héllo 😀\" NAME=x\nFROM base\nRUN echo \"😀 $NAME\"\n";
    let (mut client, uri) = open("Dockerfile", text);
    let use_site = at(text, "$NAME", 0, 1);
    // `😀` is two UTF-16 units.
    assert_eq!(
        references(&mut client, &uri, use_site, true),
        ["1:24-28", "3:14-18"]
    );
    // An edit that shifts everything: the answers follow the new text.
    let mut edited = text.to_owned();
    let insert = Range::new(Position::new(1, 0), Position::new(1, 0));
    apply_change(&mut edited, Some(insert), "ARG NAME=y\n", Encoding::Utf16);
    client.change(&uri, 2, &[(insert, "ARG NAME=y\n")]);
    client.wait_diagnostics(&uri, 2, support::lsp::DEFAULT_TIMEOUT);
    let use_site = at(&edited, "$NAME", 0, 1);
    assert_eq!(
        highlights(&mut client, &uri, use_site),
        ["1:4-8 W", "2:24-28 W", "4:14-18 R"]
    );
    assert_eq!(
        renamed(&mut client, &uri, &edited, use_site, "WHO").unwrap(),
        edited.replace("NAME", "WHO")
    );
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}
