//! Formatting over stdio with the real binary: `textDocument/formatting`, `rangeFormatting`
//! and `onTypeFormatting` on the example Dockerfiles.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test stops loudly on a broken fixture

mod support;

use std::path::Path;

use dockerfile_lsp::analysis::format::{FormatOptions, FormatSettings, format_text};
use serde_json::{Value, json};
use support::lsp::{DEFAULT_TIMEOUT, Encoding, LspClient, Position, Range, uri};

fn initialized() -> LspClient {
    let mut client = LspClient::spawn(env!("CARGO_BIN_EXE_dockerfile-lsp"), &["--stdio"]);
    client.initialize(&["utf-16"]);
    client
}

fn open(client: &mut LspClient, name: &str, text: &str) -> String {
    let doc = uri(name);
    client.open(&doc, "dockerfile", 1, text);
    client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT);
    doc
}

/// Editor options as VS Code sends them by default.
fn options() -> Value {
    json!({ "tabSize": 4, "insertSpaces": true })
}

fn format(client: &mut LspClient, doc: &str) -> Value {
    client.request(
        "textDocument/formatting",
        json!({ "textDocument": { "uri": doc }, "options": options() }),
    )
}

fn format_range(client: &mut LspClient, doc: &str, range: Range) -> Value {
    client.request(
        "textDocument/rangeFormatting",
        json!({ "textDocument": { "uri": doc }, "range": range.to_json(), "options": options() }),
    )
}

fn on_type(client: &mut LspClient, doc: &str, at: Position) -> Value {
    client.request(
        "textDocument/onTypeFormatting",
        json!({
            "textDocument": { "uri": doc }, "position": at.to_json(), "ch": "\n",
            "options": options(),
        }),
    )
}

/// The text with the edits of a response applied, as a client applies them.
fn applied(text: &str, edits: &Value) -> String {
    let mut edits: Vec<(usize, usize, String)> = edits
        .as_array()
        .unwrap_or_else(|| panic!("not a list of edits: {edits}"))
        .iter()
        .map(|e| {
            let range = Range::from_json(&e["range"]);
            (
                range.start.to_offset(text, Encoding::Utf16),
                range.end.to_offset(text, Encoding::Utf16),
                e["newText"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_owned();
    for (start, end, new) in edits {
        out.replace_range(start..end, &new);
    }
    out
}

fn examples() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut found: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let path = e.unwrap().path().join("Dockerfile");
            let text = std::fs::read_to_string(&path).ok()?;
            Some((
                path.parent()?.file_name()?.to_string_lossy().into_owned(),
                text,
            ))
        })
        .collect();
    found.sort();
    assert!(found.len() >= 8, "{found:?}");
    found
}

#[test]
fn initialize_advertises_the_three_formatting_requests() {
    let mut client = LspClient::spawn(env!("CARGO_BIN_EXE_dockerfile-lsp"), &["--stdio"]);
    let result = client.initialize(&["utf-16"]);
    let capabilities = &result["capabilities"];
    assert_eq!(capabilities["documentFormattingProvider"], json!(true));
    assert_eq!(capabilities["documentRangeFormattingProvider"], json!(true));
    assert_eq!(
        capabilities["documentOnTypeFormattingProvider"]["firstTriggerCharacter"],
        "\n"
    );
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

#[test]
fn every_example_formats_as_the_formatter_does_and_then_stays_as_it_is() {
    let mut client = initialized();
    let expected_options = FormatOptions::resolve(&FormatSettings::default(), Some((4, true)));
    for (name, text) in examples() {
        // Made untidy, with a non-ASCII comment so that UTF-16 columns differ from bytes.
        let untidy = format!(
            "# café ☕ — {name}\n\n\n{}",
            text.replace("\nFROM ", "\nfrom  ")
                .replace("\nRUN ", "\nrun ")
                .replace("\n    ", "\n  ")
        );
        let doc = open(&mut client, &format!("{name}/Dockerfile"), &untidy);
        let formatted = applied(&untidy, &format(&mut client, &doc));
        assert_eq!(formatted, format_text(&untidy, &expected_options), "{name}");
        assert!(
            !formatted.contains("\nfrom") && !formatted.contains("\n\n\n"),
            "{name}:\n{formatted}"
        );
        client.change_full(&doc, 2, &formatted);
        client.wait_diagnostics(&doc, 2, DEFAULT_TIMEOUT);
        assert_eq!(format(&mut client, &doc), json!([]), "{name} again");
    }
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

#[test]
fn the_examples_are_formatted_already() {
    // The examples are written the way the formatter writes (LABEL's aligned
    // continuation aside, which it indents like the others).
    let mut client = initialized();
    for (name, text) in examples() {
        let doc = open(&mut client, &format!("{name}/Dockerfile"), &text);
        let edits = format(&mut client, &doc);
        let changed = applied(&text, &edits);
        if name == "python-onbuild-base" {
            assert_eq!(
                changed,
                text.replace(
                    "\n      org.opencontainers.image.description",
                    "\n    org.opencontainers.image.description"
                )
            );
        } else {
            assert_eq!(edits, json!([]), "{name}");
        }
    }
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

#[test]
fn crlf_heredocs_and_json_survive_formatting() {
    let mut client = initialized();
    let text = include_str!("../../examples/buildkit-heredoc/Dockerfile")
        .replace("WORKDIR /srv/worker", "workdir   /srv/worker   ")
        .replace('\n', "\r\n");
    let doc = open(&mut client, "heredoc/Dockerfile", &text);
    let formatted = applied(&text, &format(&mut client, &doc));
    assert_eq!(
        formatted,
        text.replace("workdir   /srv/worker   ", "WORKDIR /srv/worker")
    );
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

#[test]
fn range_formatting_touches_only_the_instructions_in_the_range() {
    let mut client = initialized();
    let text = include_str!("../../examples/flask-api/Dockerfile")
        .replace("WORKDIR /app", "workdir  /app")
        .replace("EXPOSE 5000", "expose  5000");
    let doc = open(&mut client, "flask/Dockerfile", &text);
    // Lines 3 to 10: the RUN (already tidy) and the WORKDIR.
    let edits = format_range(
        &mut client,
        &doc,
        Range::new(Position::new(3, 0), Position::new(10, 0)),
    );
    assert_eq!(
        applied(&text, &edits),
        text.replace("workdir  /app", "WORKDIR /app")
    );
    // A range inside the continuation of the RUN formats the whole RUN.
    let untidy_run = text.replace("\n    ", "\n  ");
    client.change_full(&doc, 2, &untidy_run);
    client.wait_diagnostics(&doc, 2, DEFAULT_TIMEOUT);
    let edits = format_range(&mut client, &doc, Range::on_line(6, 2, 3));
    assert_eq!(applied(&untidy_run, &edits), text);
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

#[test]
fn a_newline_after_a_continuation_is_indented_on_type() {
    let mut client = initialized();
    let text = include_str!("../../examples/flask-api/Dockerfile");
    let doc = open(&mut client, "flask/Dockerfile", text);
    // Enter at the end of `    libjpeg-dev \` (line 6): VS Code has put nothing on the new line.
    let end_of_line = Position::new(6, "    libjpeg-dev \\".len() as u32);
    client.change(&doc, 2, &[(Range::at(end_of_line), "\n")]);
    let edits = on_type(&mut client, &doc, Position::new(7, 0));
    assert_eq!(
        edits,
        json!([{ "range": Range::at(Position::new(7, 0)).to_json(), "newText": "    " }])
    );
    // Enter after the end of the RUN (`    curl`, now line 8) with the editor's indentation: removed.
    client.change(&doc, 3, &[(Range::at(Position::new(8, 8)), "\n    ")]);
    let edits = on_type(&mut client, &doc, Position::new(9, 4));
    assert_eq!(
        edits,
        json!([{ "range": Range::on_line(9, 0, 4).to_json(), "newText": "" }])
    );
    // Enter after a line that continues nothing: no edit.
    client.change(&doc, 4, &[(Range::at(Position::new(0, 17)), "\n")]);
    assert_eq!(on_type(&mut client, &doc, Position::new(1, 0)), json!([]));
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

#[test]
fn on_type_follows_the_backtick_escape_of_a_windows_dockerfile() {
    let mut client = initialized();
    let text = include_str!("../../examples/windows-iis/Dockerfile");
    let doc = open(&mut client, "iis/Dockerfile", text);
    let line = text
        .lines()
        .position(|l| l.starts_with("HEALTHCHECK"))
        .unwrap() as u32;
    let width = text.lines().nth(line as usize).unwrap().len() as u32;
    client.change(&doc, 2, &[(Range::at(Position::new(line, width)), "\n")]);
    let edits = on_type(&mut client, &doc, Position::new(line + 1, 0));
    assert_eq!(
        edits,
        json!([{ "range": Range::at(Position::new(line + 1, 0)).to_json(), "newText": "    " }])
    );
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

#[test]
fn format_settings_from_the_editor_apply() {
    let mut client = initialized();
    client.notify(
        "workspace/didChangeConfiguration",
        json!({ "settings": { "dockerfile-lsp": { "format": { "indent": 2, "keepMultiline": true } } } }),
    );
    let text = "FROM alpine\nRUN apk add \\\n        curl   \\\n\n        git\n";
    let doc = open(&mut client, "settings/Dockerfile", text);
    assert_eq!(
        applied(text, &format(&mut client, &doc)),
        "FROM alpine\nRUN apk add \\\n  curl   \\\n\n  git\n"
    );
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}

#[test]
fn ignore_files_are_not_formatted() {
    let mut client = initialized();
    let doc = uri("ctx/.dockerignore");
    client.open(&doc, "dockerignore", 1, "node_modules   \n");
    client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT);
    assert_eq!(format(&mut client, &doc), Value::Null);
    assert_eq!(client.shutdown_and_exit().code(), Some(0));
}
