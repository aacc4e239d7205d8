//! The language server keeps serving whatever its client sends: broken frames, unknown
//! methods, documents it never saw, positions past the end, very large documents. Each
//! specification ends by checking that the server still answers correctly.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test stops loudly on a broken fixture

mod support;

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use support::lsp::{
    DEFAULT_TIMEOUT, LspClient, PUBLISH_DIAGNOSTICS, Position, Range, codes_and_ranges, frame,
    syntax, uri,
};

fn initialized() -> LspClient {
    let mut client = LspClient::spawn(env!("CARGO_BIN_EXE_dockerfile-lsp"), &["--stdio"]);
    client.initialize(&["utf-16"]);
    client
}

fn pos(line: u32, character: u32) -> Position {
    Position::new(line, character)
}

fn unknown_instruction_at(line: u32) -> Vec<(String, Range)> {
    vec![(
        "syntax-unknown-instruction".to_owned(),
        Range::on_line(line, 0, 4),
    )]
}

/// The server still runs, answers a request, and checks a newly opened document.
///
/// The request is one the server cannot support, so that the probe depends on nothing but
/// the message loop: its answer must be "method not found" for the same id.
#[track_caller]
fn assert_still_serving(client: &mut LspClient) {
    static PROBES: AtomicU32 = AtomicU32::new(0);
    assert!(
        client.try_exit_status().is_none(),
        "the server exited: {:?}\n{}",
        client.try_exit_status(),
        client.stderr_text()
    );
    let response = client.call("dockerfile-lsp-tests/probe", json!({}));
    assert_eq!(response["error"]["code"], json!(-32601), "{response}");

    let probe = uri(&format!(
        "probe/{}/Dockerfile",
        PROBES.fetch_add(1, Ordering::Relaxed)
    ));
    client.open(&probe, "dockerfile", 1, "FORM alpine\n");
    assert_eq!(
        codes_and_ranges(&syntax(client.wait_diagnostics(&probe, 1, DEFAULT_TIMEOUT))),
        unknown_instruction_at(0)
    );
}

/// Responses the server sent that no request of ours asked for (an `id` of `null`).
fn unsolicited_responses(client: &mut LspClient) -> Vec<Value> {
    client
        .drain()
        .into_iter()
        .filter(|m| m.get("method").is_none() && m.get("id") == Some(&Value::Null))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Broken and strange input
// ---------------------------------------------------------------------------------------

#[test]
fn a_body_that_is_not_json_gets_a_parse_error_or_is_logged_and_serving_goes_on() {
    let mut client = initialized();
    let bodies: [&[u8]; 5] = [
        b"this is not json",
        b"{\"jsonrpc\": \"2.0\", \"id\": 99, \"method\": ",
        b"{\"jsonrpc\": \"2.0\", \"method\": \"initialized\", }",
        b"\xff\xfe\x00 not utf-8",
        b"",
    ];
    for body in bodies {
        client.send_raw(&frame(body));
        assert_still_serving(&mut client);
        for response in unsolicited_responses(&mut client) {
            assert_eq!(
                response["error"]["code"],
                json!(-32700),
                "the answer to {:?} must be a parse error: {response}",
                String::from_utf8_lossy(body)
            );
        }
    }
}

#[test]
fn json_that_is_not_a_message_does_not_stop_the_server() {
    let mut client = initialized();
    let bodies = [
        "[1, 2, 3]",
        "42",
        "{\"foo\": 1}",
        "{\"jsonrpc\": \"2.0\", \"id\": 12345, \"result\": null}",
        "{\"jsonrpc\": \"2.0\", \"method\": 7}",
    ];
    for body in bodies {
        client.send_raw(&frame(body.as_bytes()));
        assert_still_serving(&mut client);
        for response in unsolicited_responses(&mut client) {
            assert!(
                response["error"]["code"].is_i64(),
                "the answer to {body} must be an error: {response}"
            );
        }
    }
}

#[test]
fn frames_are_read_whatever_their_headers_and_however_they_are_written() {
    let mut client = initialized();
    // A request the server answers with `null` for a document it never saw.
    let hover = |id: Value| {
        serde_json::to_vec(&json!({
            "jsonrpc": "2.0", "id": id, "method": "textDocument/documentSymbol",
            "params": { "textDocument": { "uri": uri("nowhere/Dockerfile") } },
        }))
        .unwrap()
    };

    // A Content-Type header, before or after the length.
    let body = hover(json!(1001));
    let mut bytes = b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n".to_vec();
    bytes.extend(frame(&body));
    client.send_raw(&bytes);
    let response = client.wait_response(&json!(1001), DEFAULT_TIMEOUT);
    assert_eq!(response.get("result"), Some(&Value::Null), "{response}");

    let body = hover(json!(1002));
    let mut bytes = format!(
        "Content-Length: {}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n",
        body.len()
    )
    .into_bytes();
    bytes.extend(&body);
    client.send_raw(&bytes);
    let response = client.wait_response(&json!(1002), DEFAULT_TIMEOUT);
    assert_eq!(response.get("result"), Some(&Value::Null), "{response}");

    // Two frames in one write.
    let mut bytes = frame(&hover(json!(1003)));
    bytes.extend(frame(&hover(json!(1004))));
    client.send_raw(&bytes);
    for id in [1003, 1004] {
        let response = client.wait_response(&json!(id), DEFAULT_TIMEOUT);
        assert_eq!(response.get("result"), Some(&Value::Null), "{response}");
    }

    // One frame written a byte at a time.
    for byte in frame(&hover(json!(1005))) {
        client.send_raw(&[byte]);
    }
    let response = client.wait_response(&json!(1005), DEFAULT_TIMEOUT);
    assert_eq!(response.get("result"), Some(&Value::Null), "{response}");

    // A string id comes back as the same string.
    client.send_raw(&frame(&hover(json!("request-α"))));
    let response = client.wait_response(&json!("request-α"), DEFAULT_TIMEOUT);
    assert_eq!(response.get("result"), Some(&Value::Null), "{response}");

    assert_still_serving(&mut client);
}

// ---------------------------------------------------------------------------------------
// Unknown methods
// ---------------------------------------------------------------------------------------

#[test]
fn an_unknown_request_is_answered_with_method_not_found() {
    let mut client = initialized();
    for method in ["dockerfile/noSuchRequest", "$/noSuchRequest"] {
        let response = client.call(method, json!({ "x": 1 }));
        assert_eq!(
            response["error"]["code"],
            json!(-32601),
            "{method}: {response}"
        );
        assert!(response.get("result").is_none(), "{method}: {response}");
    }
    assert_still_serving(&mut client);
}

#[test]
fn an_unknown_notification_is_ignored() {
    let mut client = initialized();
    client.notify("dockerfile/noSuchNotification", json!({ "x": 1 }));
    client.notify("$/noSuchNotification", json!({}));
    client.notify("$/cancelRequest", json!({ "id": 424_242 }));
    client.notify("$/setTrace", json!({ "value": "off" }));
    assert_still_serving(&mut client);
    assert_eq!(
        unsolicited_responses(&mut client),
        Vec::<Value>::new(),
        "a notification is never answered"
    );
}

#[test]
fn a_second_initialize_is_an_error() {
    let mut client = initialized();
    let response = client.call("initialize", LspClient::initialize_params(&["utf-8"]));
    assert!(response["error"]["code"].is_i64(), "{response}");
    assert_still_serving(&mut client);
}

// ---------------------------------------------------------------------------------------
// Documents the server never saw
// ---------------------------------------------------------------------------------------

#[test]
fn a_request_about_a_document_never_opened_returns_null() {
    let mut client = initialized();
    for name in ["never/Dockerfile", "never/.dockerignore", "never/notes.txt"] {
        let result = client.request(
            "textDocument/documentSymbol",
            json!({ "textDocument": { "uri": uri(name) } }),
        );
        assert_eq!(result, Value::Null, "{name}");
    }
    assert_still_serving(&mut client);
}

#[test]
fn a_change_to_a_document_never_opened_is_ignored() {
    let mut client = initialized();
    let doc = uri("never-opened/Dockerfile");
    client.change(&doc, 2, &[(Range::at(pos(0, 0)), "FORM x\n")]);
    client.change_full(&doc, 3, "FORM x\n");
    client.save(&doc);
    client.close(&doc);
    assert_still_serving(&mut client);
    let published = client.try_wait_notification(
        PUBLISH_DIAGNOSTICS,
        |p| p["uri"] == doc.as_str() && !p["diagnostics"].as_array().unwrap().is_empty(),
        Duration::from_millis(300),
    );
    assert_eq!(
        published, None,
        "nothing is checked for a document never opened"
    );

    // Opening it afterwards starts from the opened text alone.
    client.open(&doc, "dockerfile", 1, "FROM alpine\n");
    assert!(syntax(client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT)).is_empty());
    assert_still_serving(&mut client);
}

// ---------------------------------------------------------------------------------------
// Positions the text does not have
// ---------------------------------------------------------------------------------------

#[test]
fn a_character_past_the_end_of_its_line_means_the_end_of_the_line() {
    let mut client = initialized();
    let doc = uri("clamp-character/Dockerfile");
    client.open(&doc, "dockerfile", 1, "FROM alpine\nCOPY a b\n");
    assert!(syntax(client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT)).is_empty());

    client.change(
        &doc,
        2,
        &[(Range::new(pos(0, 100), pos(0, 200)), "\nFORM x")],
    );
    assert_eq!(
        codes_and_ranges(&syntax(client.wait_diagnostics(&doc, 2, DEFAULT_TIMEOUT))),
        unknown_instruction_at(1),
        "the text is now FROM alpine / FORM x / COPY a b"
    );
    assert_still_serving(&mut client);
}

#[test]
fn a_line_past_the_end_of_the_text_means_the_end_of_the_text() {
    let mut client = initialized();
    let doc = uri("clamp-line/Dockerfile");
    client.open(&doc, "dockerfile", 1, "FROM alpine\nCOPY a b\n");
    assert!(syntax(client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT)).is_empty());

    client.change(
        &doc,
        2,
        &[(Range::new(pos(99, 0), pos(120, 3)), "FORM x\n")],
    );
    assert_eq!(
        codes_and_ranges(&syntax(client.wait_diagnostics(&doc, 2, DEFAULT_TIMEOUT))),
        unknown_instruction_at(2),
        "the text is now FROM alpine / COPY a b / FORM x"
    );
    assert_still_serving(&mut client);
}

#[test]
fn nonsense_ranges_do_not_crash_the_server() {
    let mut client = initialized();
    let doc = uri("nonsense/Dockerfile");
    client.open(&doc, "dockerfile", 1, "FROM alpine\nLABEL x=\"😀\"\n");
    assert!(syntax(client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT)).is_empty());

    let changes: [(Range, &str); 5] = [
        // The end before the start.
        (Range::new(pos(1, 5), pos(0, 2)), "x"),
        // Inside the emoji's surrogate pair (UTF-16 character 10 of line 1).
        (Range::on_line(1, 10, 10), "y"),
        (Range::on_line(1, 9, 10), ""),
        // Far beyond everything.
        (
            Range::new(pos(u32::MAX, u32::MAX), pos(u32::MAX, u32::MAX)),
            "z",
        ),
        (Range::new(pos(0, u32::MAX), pos(u32::MAX, 0)), ""),
    ];
    for (i, (range, text)) in changes.into_iter().enumerate() {
        client.change(&doc, i as i64 + 2, &[(range, text)]);
    }

    // A full change brings the client and the server back to the same text.
    client.change_full(&doc, 10, "FROM alpine\nFORM x\n");
    assert_eq!(
        codes_and_ranges(&syntax(client.wait_diagnostics(&doc, 10, DEFAULT_TIMEOUT))),
        unknown_instruction_at(1)
    );
    assert_still_serving(&mut client);
}

// ---------------------------------------------------------------------------------------
// Size
// ---------------------------------------------------------------------------------------

#[test]
fn a_10_mb_document_opens_and_gets_its_diagnostics() {
    let mut client = initialized();
    // Parsing 10 MB takes seconds in a debug build.
    let slow = Duration::from_secs(180);
    client.timeout = slow;

    let mut text = String::from("FROM alpine\n");
    let mut lines = 1;
    while text.len() < 10_000_000 {
        text.push_str(&format!("RUN echo \"layer {lines}\" && make -j4 install\n"));
        lines += 1;
    }
    text.push_str("FORM x\n");
    let doc = uri("huge/Dockerfile");
    client.open(&doc, "dockerfile", 1, &text);
    let diagnostics = client.wait_diagnostics(&doc, 1, slow);
    // Every RUN after the first is a finding (consecutive RUNs): the editor gets the
    // most serious ones and a note saying how many more there are.
    assert_eq!(diagnostics.len(), 2_001);
    let note = diagnostics.last().unwrap();
    assert_eq!(note["code"], "too-many-findings");
    // The untagged image, the RUNs after the first, the unknown instruction, the stage
    // running as root: `lines + 1` findings.
    let hidden = format!("{} more findings", lines as usize + 1 - 2_000);
    assert!(
        note["message"].as_str().unwrap().starts_with(&hidden),
        "{note}"
    );
    assert_eq!(
        codes_and_ranges(&syntax(diagnostics)),
        unknown_instruction_at(lines),
        "the only error is on the last line"
    );

    client.change(&doc, 2, &[(Range::on_line(lines, 1, 3), "RO")]);
    assert!(syntax(client.wait_diagnostics(&doc, 2, slow)).is_empty());

    client.timeout = DEFAULT_TIMEOUT;
    assert_still_serving(&mut client);
}
