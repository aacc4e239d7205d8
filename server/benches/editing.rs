//! Editing requests on a generated 5,000-line Dockerfile, as an editor sees them: the release
//! binary over stdio, each request timed from writing it to reading its answer. Completion
//! (variables after `$`, instructions at a line start), hover (a keyword, a variable),
//! definition (a variable) and semantic tokens (the whole file). Target: under 2 ms each.
//!
//! Run with `cargo bench -p dockerfile-lsp --bench editing`; without `--bench` (as `cargo
//! test --benches` runs it) it makes a short smoke run. `LSP_BENCH_STRICT=1` exits with
//! status 1 when a median misses 2 ms.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark stops loudly on a broken fixture

mod common;
#[allow(dead_code)]
#[path = "../tests/support/lsp.rs"]
mod lsp;

use std::process::ExitCode;
use std::time::Duration;

use lsp::{DEFAULT_TIMEOUT, LspClient, uri};
use serde_json::{Value, json};

const EXE: &str = env!("CARGO_BIN_EXE_dockerfile-lsp");
const TARGET: Duration = Duration::from_millis(2);

fn position_of(text: &str, offset: usize) -> Value {
    let line = text[..offset].matches('\n').count();
    let character = offset - text[..offset].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": character})
}

/// Prints the median and 95th percentile; true when the median misses the target.
fn report(name: &str, mut samples: Vec<Duration>) -> bool {
    samples.sort();
    let median = samples[samples.len() / 2];
    let p95 = samples[(samples.len() * 95).div_ceil(100).max(1) - 1];
    println!(
        "{name}: median {:.3} ms, p95 {:.3} ms (target < 2 ms)",
        median.as_secs_f64() * 1e3,
        p95.as_secs_f64() * 1e3
    );
    median >= TARGET
}

fn main() -> ExitCode {
    let full = std::env::args().any(|a| a == "--bench");
    let rounds = if full { 200 } else { 3 };
    let text = common::generate_dockerfile(5_000);
    let mut client = LspClient::spawn(EXE, &["--stdio"]);
    client.keep_history = false;
    client.initialize(&["utf-16"]);
    let doc = uri("bench/Dockerfile");
    client.open(&doc, "dockerfile", 1, &text);
    client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT);

    // Places in the last stage, where scopes are deepest.
    let last_env = text.rfind("PATH=\"/opt/venv/bin:$PATH\"").unwrap();
    let variable = last_env + "PATH=\"/opt/venv/bin:$".len();
    let keyword = text.rfind("\nWORKDIR").unwrap() + 3;
    let line_start = text.rfind("\nCOPY . .").unwrap() + 1;
    let screen = text[..text.len() / 2].rfind("\nFROM ").unwrap() + 1;
    let requests: Vec<(&str, &str, Value)> = vec![
        (
            "completion, variables after $",
            "textDocument/completion",
            json!({"textDocument": {"uri": doc}, "position": position_of(&text, variable)}),
        ),
        (
            "completion, instructions",
            "textDocument/completion",
            json!({"textDocument": {"uri": doc}, "position": position_of(&text, line_start)}),
        ),
        (
            "hover, keyword",
            "textDocument/hover",
            json!({"textDocument": {"uri": doc}, "position": position_of(&text, keyword)}),
        ),
        (
            "hover, variable",
            "textDocument/hover",
            json!({"textDocument": {"uri": doc}, "position": position_of(&text, variable + 1)}),
        ),
        (
            "definition, variable",
            "textDocument/definition",
            json!({"textDocument": {"uri": doc}, "position": position_of(&text, variable + 1)}),
        ),
        (
            "semantic tokens, whole file",
            "textDocument/semanticTokens/full",
            json!({"textDocument": {"uri": doc}}),
        ),
        (
            "semantic tokens, a screen of 80 lines",
            "textDocument/semanticTokens/range",
            json!({"textDocument": {"uri": doc}, "range": {
                "start": position_of(&text, screen), "end": {"line": position_of(&text, screen)["line"].as_u64().unwrap() + 80, "character": 0}}}),
        ),
    ];
    let mut missed = false;
    for (name, method, params) in &requests {
        let first = client.call(method, params.clone());
        if first.get("error").is_some() {
            println!("{name}: not served ({})", first["error"]["message"]);
            missed = true;
            continue;
        }
        if let Some(data) = first["result"]["data"].as_array() {
            println!(
                "{name}: {} tokens, {} bytes of JSON",
                data.len() / 5,
                first.to_string().len()
            );
        }
        let samples = (0..rounds)
            .map(|_| {
                let (answer, took) = client.timed_call(method, params.clone());
                assert!(answer.get("error").is_none(), "{name}: {answer}");
                took
            })
            .collect();
        missed |= report(name, samples);
    }

    // What an editor asks for while someone types: one line changes, then the tokens
    // again, as a delta on the last result (computed in full on the server: nothing
    // is reused between versions).
    let edited = text.rfind("\nWORKDIR /app/").unwrap() + 1;
    let line = text[..edited].matches('\n').count();
    let mut version = 1;
    let mut previous = client.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": doc}}),
    )["resultId"]
        .as_str()
        .unwrap()
        .to_owned();
    let samples = (0..rounds)
        .map(|round| {
            version += 1;
            let typed = if round % 2 == 0 { "x" } else { "" };
            let range = json!({"start": {"line": line, "character": 8}, "end": {"line": line, "character": 8 + usize::from(round % 2 == 1)}});
            client.notify(
                "textDocument/didChange",
                json!({"textDocument": {"uri": doc, "version": version},
                       "contentChanges": [{"range": range, "text": typed}]}),
            );
            // The edit's own reparse and check are the keystroke benchmark's
            // (`lsp_latency`); here the clock starts once they are done.
            client.wait_diagnostics(&doc, version, DEFAULT_TIMEOUT);
            let (answer, took) = client.timed_call(
                "textDocument/semanticTokens/full/delta",
                json!({"textDocument": {"uri": doc}, "previousResultId": previous}),
            );
            let result = &answer["result"];
            assert!(result["edits"].is_array(), "a delta, not all tokens: {answer}");
            previous = result["resultId"].as_str().unwrap().to_owned();
            took
        })
        .collect();
    missed |= report("semantic tokens, delta after typing", samples);
    client.shutdown_and_exit();
    if full && missed && std::env::var_os("LSP_BENCH_STRICT").is_some() {
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
