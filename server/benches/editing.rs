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
use std::time::{Duration, Instant};

use lsp::{DEFAULT_TIMEOUT, LspClient, uri};
use serde_json::{Value, json};

const EXE: &str = env!("CARGO_BIN_EXE_dockerfile-lsp");
const TARGET: Duration = Duration::from_millis(2);

fn position_of(text: &str, offset: usize) -> Value {
    let line = text[..offset].matches('\n').count();
    let character = offset - text[..offset].rfind('\n').map_or(0, |i| i + 1);
    json!({"line": line, "character": character})
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
    ];
    let mut missed = false;
    for (name, method, params) in &requests {
        let first = client.call(method, params.clone());
        if first.get("error").is_some() {
            println!("{name}: not served ({})", first["error"]["message"]);
            missed = true;
            continue;
        }
        let mut samples: Vec<Duration> = (0..rounds)
            .map(|_| {
                let started = Instant::now();
                let answer = client.call(method, params.clone());
                let took = started.elapsed();
                assert!(answer.get("error").is_none(), "{name}: {answer}");
                took
            })
            .collect();
        samples.sort();
        let median = samples[samples.len() / 2];
        let p95 = samples[(samples.len() * 95).div_ceil(100).max(1) - 1];
        println!(
            "{name}: median {:.3} ms, p95 {:.3} ms (target < 2 ms)",
            median.as_secs_f64() * 1e3,
            p95.as_secs_f64() * 1e3
        );
        missed |= median >= TARGET;
    }
    client.shutdown_and_exit();
    if full && missed && std::env::var_os("LSP_BENCH_STRICT").is_some() {
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
