//! Analysis benchmarks: every rule over a parsed 5,000-line Dockerfile, and the lint of
//! the 397-file real corpus through the CLI.

#![allow(clippy::expect_used)] // a benchmark stops loudly on a broken fixture

mod common;

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use dockerfile_lsp::analysis::{self, rules, settings::Context};
use dockerfile_lsp::syntax::{self, Dockerfile, FileKind};

fn analysis_benchmarks(c: &mut Criterion) {
    let text = common::generate_dockerfile(5_000);
    let tree = syntax::parse(FileKind::Dockerfile, &text, None).expect("parse");
    let context = Context::default();
    let found = rules::check_with(&Dockerfile::new(&tree, &text), &context);
    println!("{} findings in the 5,000-line file", found.len());

    c.bench_function("full analysis (every rule), 5,000 lines, parsed", |b| {
        b.iter(|| rules::check_with(&Dockerfile::new(black_box(&tree), &text), &context))
    });
    c.bench_function("parse, syntax errors and every rule, 5,000 lines", |b| {
        b.iter(|| analysis::check(FileKind::Dockerfile, black_box(&text), &context))
    });
}

/// The CLI over the corpus of real Dockerfiles, as a user runs it: wall time of the
/// whole process, median of several runs.
fn corpus_lint(_: &mut Criterion) {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/real");
    if !corpus.is_dir() {
        println!("corpus lint: {} not found, skipped", corpus.display());
        return;
    }
    let mut times: Vec<Duration> = (0..11)
        .map(|_| common::timed_check(&["--format", "json"], &corpus).0)
        .collect();
    times.sort();
    let files = std::fs::read_dir(&corpus)
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| e.path().extension().is_some_and(|x| x == "Dockerfile"))
                .count()
        })
        .unwrap_or(0);
    println!(
        "corpus lint through the CLI ({files} Dockerfiles): median {:.0} ms, min {:.0} ms, max {:.0} ms",
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3,
    );
}

criterion_group!(benches, analysis_benchmarks, corpus_lint);
criterion_main!(benches);
