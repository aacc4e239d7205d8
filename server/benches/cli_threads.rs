//! `check` over the 397 real Dockerfiles of `../shared/corpus/real` with `--threads 1` and
//! `--threads 2`: the release binary as a user runs it, wall time of the whole process,
//! runs of the two alternating so that a busy moment of the machine hits both alike.
//!
//! Run with `cargo bench -p dockerfile-lsp --bench cli_threads`; without `--bench` (as
//! `cargo test --benches` runs it) it makes a short smoke run. `CLI_THREADS_STRICT=1` exits
//! with status 1 when 2 threads are not faster than 1.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark stops loudly on a broken fixture

use std::path::Path;
use std::process::{ExitCode, Output};
use std::time::Duration;

mod common;

fn check(corpus: &Path, threads: &str) -> (Duration, Output) {
    common::timed_check(&["--color", "never", "--threads", threads], corpus)
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e3
}

fn main() -> ExitCode {
    let full = std::env::args().any(|a| a == "--bench");
    let runs = if full { 15 } else { 2 };
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/real");
    if !corpus.is_dir() {
        println!("cli threads: {} not found, skipped", corpus.display());
        return ExitCode::SUCCESS;
    }
    // Warm the page cache, and check that both give the same report.
    let (_, one) = check(&corpus, "1");
    let (_, two) = check(&corpus, "2");
    assert!(one.stdout == two.stdout, "the reports differ");
    let (mut single, mut double) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        single.push(check(&corpus, "1").0);
        double.push(check(&corpus, "2").0);
    }
    let (single, double) = (median(&mut single), median(&mut double));
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    let summary = String::from_utf8_lossy(&one.stdout)
        .lines()
        .find(|l| l.starts_with("checked "))
        .unwrap_or_default()
        .to_owned();
    println!("cli threads ({summary}; {cores} cores; median of {runs} runs each):");
    println!("  --threads 1: {:.0} ms", ms(single));
    println!("  --threads 2: {:.0} ms", ms(double));
    println!(
        "  speed-up: {:.2}x",
        single.as_secs_f64() / double.as_secs_f64()
    );
    let strict = std::env::var_os("CLI_THREADS_STRICT").is_some();
    if strict && double >= single {
        println!("2 threads are not faster than 1");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
