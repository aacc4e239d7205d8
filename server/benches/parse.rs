//! Parser benchmarks: a full parse of a 5,000-line Dockerfile, and the incremental
//! reparse after a one-character edit in its middle.

#![allow(clippy::expect_used)] // a benchmark stops loudly on a broken fixture

mod common;

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use dockerfile_lsp::syntax::{self, FileKind};
use tree_sitter::{InputEdit, Point};

fn point_at(text: &str, byte: usize) -> Point {
    let before = &text[..byte];
    let row = before.matches('\n').count();
    let column = byte - before.rfind('\n').map_or(0, |i| i + 1);
    Point { row, column }
}

fn parse_benchmarks(c: &mut Criterion) {
    let text = common::generate_dockerfile(5_000);
    assert_eq!(text.lines().count(), 5_000);

    c.bench_function("full parse, 5,000 lines", |b| {
        b.iter(|| syntax::parse(FileKind::Dockerfile, black_box(&text), None))
    });

    let tree = syntax::parse(FileKind::Dockerfile, &text, None).expect("parse");
    assert!(!tree.root_node().has_error());

    // A one-character insertion inside a RUN line in the middle of the file.
    let middle = text.len() / 2;
    let offset = middle
        + text[middle..]
            .find("pip install")
            .expect("a pip install line")
        + 4;
    let mut edited = text.clone();
    edited.insert(offset, 'x');
    let edit = InputEdit {
        start_byte: offset,
        old_end_byte: offset,
        new_end_byte: offset + 1,
        start_position: point_at(&text, offset),
        old_end_position: point_at(&text, offset),
        new_end_position: point_at(&edited, offset + 1),
    };

    c.bench_function(
        "incremental reparse after a one-character edit, 5,000 lines",
        |b| {
            b.iter_batched(
                || {
                    let mut old = tree.clone();
                    old.edit(&edit);
                    old
                },
                |old| syntax::parse(FileKind::Dockerfile, black_box(&edited), Some(&old)),
                BatchSize::SmallInput,
            )
        },
    );

    c.bench_function("syntax errors of a parsed 5,000-line file", |b| {
        b.iter(|| syntax::errors(FileKind::Dockerfile, black_box(&tree), &text))
    });
}

criterion_group!(benches, parse_benchmarks);
criterion_main!(benches);
