//! The language server's latency as an editor sees it, over stdio with the release binary:
//! `initialize` on fresh processes, and one-character edits until the last byte of their
//! diagnostics arrives (this client's own JSON parsing left out), in a realistic 60-line
//! Dockerfile and a generated 5,000-line one; plus the peak memory. The 5,000-line edits
//! are measured again, outside the memory figure, in a directory without a
//! `.dockerignore`, where a file-wide rule reads what every instruction copies.
//!
//! Run with `cargo bench -p dockerfile-lsp --bench lsp_latency`. Set `LSP_BENCH_JSON=path`
//! to also write the figures as JSON, and `LSP_BENCH_STRICT=1` to exit with status 1 when a
//! target is missed. Without `--bench` (as `cargo test --benches` runs it) it only makes a
//! short smoke run and judges no target.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark stops loudly on a broken fixture

mod common;
#[allow(dead_code)]
#[path = "../tests/support/lsp.rs"]
mod lsp;

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use lsp::{DEFAULT_TIMEOUT, LspClient, Position, Range, frame, uri};
use serde_json::{Value, json};

const EXE: &str = env!("CARGO_BIN_EXE_dockerfile-lsp");
const ENCODINGS: &[&str] = &["utf-8", "utf-16"];

/// How much to measure.
#[derive(Debug, Clone, Copy)]
struct Plan {
    spawns: usize,
    warmup_edits: usize,
    edits: usize,
}

const FULL: Plan = Plan {
    spawns: 20,
    warmup_edits: 20,
    edits: 200,
};

const SMOKE: Plan = Plan {
    spawns: 2,
    warmup_edits: 2,
    edits: 10,
};

/// Median and 95th percentile of some durations.
#[derive(Debug, Clone, Copy)]
struct Summary {
    samples: usize,
    median: Duration,
    p95: Duration,
}

impl Summary {
    fn of(samples: &[Duration]) -> Self {
        assert!(!samples.is_empty());
        let mut sorted = samples.to_vec();
        sorted.sort();
        let n = sorted.len();
        let median = if n % 2 == 1 {
            sorted[n / 2]
        } else {
            (sorted[n / 2 - 1] + sorted[n / 2]) / 2
        };
        let p95 = sorted[(n * 95).div_ceil(100).max(1) - 1];
        Summary {
            samples: n,
            median,
            p95,
        }
    }

    fn json(self) -> Value {
        json!({ "samples": self.samples, "median_ms": ms(self.median), "p95_ms": ms(self.p95) })
    }
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

/// From writing `initialize` to a fresh process until its response arrives.
fn initialize_latency(plan: Plan) -> Summary {
    let samples: Vec<Duration> = (0..plan.spawns)
        .map(|_| {
            let mut client = LspClient::spawn(EXE, &["--stdio"]);
            let params = LspClient::initialize_params(ENCODINGS);
            let start = Instant::now();
            let id = client.send_request("initialize", params);
            client.wait_response(&json!(id), DEFAULT_TIMEOUT);
            let elapsed = start.elapsed();
            client.notify("initialized", json!({}));
            client.shutdown_and_exit();
            elapsed
        })
        .collect();
    Summary::of(&samples)
}

/// The transport's floor: a request every server answers at once ("method not found"),
/// timed like the edits, from writing it to reading its response.
fn round_trip_latency(client: &mut LspClient, plan: Plan) -> Summary {
    let warmup = plan.warmup_edits;
    let mut samples = Vec::with_capacity(plan.edits);
    for i in 0..warmup + plan.edits {
        let id = json!(format!("probe-{i}"));
        let message = json!({
            "jsonrpc": "2.0", "id": id, "method": "dockerfile-lsp-bench/probe", "params": {},
        });
        let bytes = frame(&serde_json::to_vec(&message).expect("serialize"));
        let start = Instant::now();
        client.send_raw(&bytes);
        client.wait_response(&id, DEFAULT_TIMEOUT);
        let elapsed = start.elapsed();
        if i >= warmup {
            samples.push(elapsed);
        }
    }
    Summary::of(&samples)
}

/// Where the edits go: the middle of the plain `RUN` line nearest the middle of the text.
fn edit_point(text: &str) -> Position {
    let lines: Vec<&str> = text.lines().collect();
    let middle = lines.len() / 2;
    let (index, line) = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.starts_with("RUN ") && !l.contains("<<"))
        .min_by_key(|(i, _)| i.abs_diff(middle))
        .expect("a RUN line");
    assert!(line.is_ascii(), "columns are bytes and UTF-16 units alike");
    Position::new(index as u32, (line.len() / 2) as u32)
}

struct DocumentFigures {
    lines: usize,
    open: Duration,
    edits: Summary,
    diagnostics: usize,
}

/// Opens `text`, then alternately inserts a character at the edit point and deletes it,
/// timing each from writing the didChange to receiving the diagnostics of its version.
fn edit_latency(client: &mut LspClient, doc: &str, text: &str, plan: Plan) -> DocumentFigures {
    let start = Instant::now();
    client.open(doc, "dockerfile", 1, text);
    let diagnostics = client.wait_diagnostics(doc, 1, DEFAULT_TIMEOUT).len();
    let open = start.elapsed();

    let at = edit_point(text);
    let insert = (Range::at(at), "x");
    let delete = (Range::new(at, Position::new(at.line, at.character + 1)), "");
    let mut samples = Vec::with_capacity(plan.edits);
    // An even warm-up keeps the measured edits alternating insert, delete, insert…
    let warmup = plan.warmup_edits.next_multiple_of(2);
    for i in 0..warmup + plan.edits {
        let version = i as i64 + 2;
        let (range, new_text) = if i % 2 == 0 { insert } else { delete };
        let message = json!({
            "jsonrpc": "2.0",
            "method": "textDocument/didChange",
            "params": {
                "textDocument": { "uri": doc, "version": version },
                "contentChanges": [{ "range": range.to_json(), "text": new_text }],
            },
        });
        let bytes = frame(&serde_json::to_vec(&message).expect("serialize"));

        let start = Instant::now();
        client.send_raw(&bytes);
        let (_, elapsed) = client.timed_wait_diagnostics(doc, version, start, DEFAULT_TIMEOUT);
        if i >= warmup {
            samples.push(elapsed);
        }
    }
    client.close(doc);

    DocumentFigures {
        lines: text.lines().count(),
        open,
        edits: Summary::of(&samples),
        diagnostics,
    }
}

/// The edits of the 5,000-line file again, as a file on disk in a project without a
/// `.dockerignore` (a server of its own, so that the memory figure stays comparable).
fn without_dockerignore(text: &str, plan: Plan) -> DocumentFigures {
    let project = tempfile::tempdir().expect("a temporary directory");
    for name in ["requirements.txt", "pyproject.toml", "README.md"] {
        std::fs::write(project.path().join(name), "").expect("a project file");
    }
    std::fs::create_dir(project.path().join("docs")).expect("a project folder");
    let doc = format!("file://{}/Dockerfile", project.path().display());
    let mut client = LspClient::spawn(EXE, &["--stdio"]);
    client.keep_history = false;
    client.initialize(ENCODINGS);
    let figures = edit_latency(&mut client, &doc, text, plan);
    client.shutdown_and_exit();
    figures
}

struct Target {
    what: &'static str,
    met: bool,
}

fn main() -> ExitCode {
    let full = std::env::args().any(|arg| arg == "--bench");
    let plan = if full { FULL } else { SMOKE };

    let initialize = initialize_latency(plan);

    let mut client = LspClient::spawn(EXE, &["--stdio"]);
    client.keep_history = false;
    client.initialize(ENCODINGS);
    let round_trip = round_trip_latency(&mut client, plan);
    let small = edit_latency(
        &mut client,
        &uri("realistic/Dockerfile"),
        &common::realistic_dockerfile(),
        plan,
    );
    let large_text = common::generate_dockerfile(5_000);
    let large = edit_latency(&mut client, &uri("generated/Dockerfile"), &large_text, plan);
    let peak_rss_kib = client.peak_rss_kib();
    let status = client.shutdown_and_exit();
    let unignored = without_dockerignore(&large_text, plan);

    let peak_rss_mib = peak_rss_kib.map(|kib| kib as f64 / 1024.0);
    let targets = [
        Target {
            what: "initialize median < 10 ms",
            met: initialize.median < Duration::from_millis(10),
        },
        Target {
            what: "60 lines: edit median < 0.3 ms",
            met: small.edits.median < Duration::from_micros(300),
        },
        Target {
            what: "5,000 lines: edit median < 1 ms",
            met: large.edits.median < Duration::from_millis(1),
        },
        Target {
            what: "5,000 lines: edit p95 < 3 ms",
            met: large.edits.p95 < Duration::from_millis(3),
        },
        Target {
            what: "peak RSS < 20 MiB",
            met: peak_rss_mib.is_some_and(|mib| mib < 20.0),
        },
    ];

    let mut table = String::new();
    let _ = writeln!(
        table,
        "dockerfile-lsp over stdio ({})",
        if full {
            "release build"
        } else {
            "smoke run: targets not judged"
        }
    );
    let _ = writeln!(
        table,
        "{:<44} {:>8} {:>11} {:>11}",
        "measure", "samples", "median ms", "p95 ms"
    );
    let mut row = |what: &str, summary: Summary| {
        let _ = writeln!(
            table,
            "{what:<44} {:>8} {:>11.3} {:>11.3}",
            summary.samples,
            ms(summary.median),
            ms(summary.p95)
        );
    };
    row("initialize → response (fresh process)", initialize);
    row("unknown request → error (transport floor)", round_trip);
    for figures in [&small, &large] {
        row(
            &format!("{} lines: didChange → diagnostics", figures.lines),
            figures.edits,
        );
    }
    row(
        &format!("{} lines, no .dockerignore: didChange", unignored.lines),
        unignored.edits,
    );
    for figures in [&small, &large] {
        let _ = writeln!(
            table,
            "{:<44} {:>8} {:>11.3} {:>11}",
            format!("{} lines: didOpen → diagnostics", figures.lines),
            1,
            ms(figures.open),
            "",
        );
    }
    let _ = writeln!(
        table,
        "{:<44} {}",
        "peak RSS (VmHWM)",
        peak_rss_mib.map_or_else(|| "unknown".to_owned(), |mib| format!("{mib:.1} MiB"))
    );
    let _ = writeln!(table, "server exit status: {status}");
    if full {
        let _ = writeln!(table, "targets:");
        for target in &targets {
            let verdict = if target.met { "met" } else { "MISSED" };
            let _ = writeln!(table, "  {:<40} {verdict}", target.what);
        }
    }
    print!("{table}");

    for figures in [&small, &large] {
        if figures.diagnostics != 0 {
            println!(
                "note: the {}-line document has {} diagnostics",
                figures.lines, figures.diagnostics
            );
        }
    }
    println!(
        "note: without a .dockerignore it has {} (missing-dockerignore among them)",
        unignored.diagnostics
    );

    if let Some(path) = std::env::var_os("LSP_BENCH_JSON") {
        let document = |f: &DocumentFigures| {
            json!({
                "lines": f.lines,
                "open_ms": ms(f.open),
                "edit": f.edits.json(),
                "diagnostics": f.diagnostics,
            })
        };
        let report = json!({
            "full_run": full,
            "initialize": initialize.json(),
            "round_trip": round_trip.json(),
            "documents": [document(&small), document(&large)],
            "without_dockerignore": document(&unignored),
            "peak_rss_kib": peak_rss_kib,
            "targets": targets
                .iter()
                .map(|t| json!({ "target": t.what, "met": t.met }))
                .collect::<Vec<_>>(),
        });
        let text = serde_json::to_string_pretty(&report).expect("serialize");
        if let Err(e) = std::fs::write(&path, text + "\n") {
            eprintln!("cannot write {}: {e}", path.to_string_lossy());
            return ExitCode::FAILURE;
        }
    }

    let strict = std::env::var_os("LSP_BENCH_STRICT").is_some_and(|v| v != "0");
    if full && strict && targets.iter().any(|t| !t.met) {
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
