//! Properties of the parser and the syntax layer over generated input: nothing panics on
//! any bytes, and an incremental reparse after any edit gives the tree a fresh parse gives.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test stops loudly on a broken fixture

use dockerfile_lsp::syntax::{self, Dockerfile, FileKind};
use proptest::prelude::*;
use tree_sitter::{InputEdit, Point, Tree};

/// Pieces that exercise every path of the scanner: escapes, heredocs, quotes, JSON,
/// variables, flags, comments, directives, line endings.
const PIECES: &[&str] = &[
    "FROM ",
    "RUN ",
    "COPY ",
    "ADD ",
    "ENV ",
    "ARG ",
    "LABEL ",
    "CMD ",
    "ONBUILD ",
    "HEALTHCHECK ",
    "SHELL ",
    "EXPOSE ",
    "USER ",
    "WORKDIR ",
    "VOLUME ",
    "ENTRYPOINT ",
    "STOPSIGNAL ",
    "MAINTAINER ",
    "as ",
    "AS ",
    "FOO ",
    "\n",
    "\r\n",
    "\\\n",
    "`\n",
    "\\",
    "`",
    " ",
    "\t",
    "\"",
    "'",
    "[",
    "]",
    ",",
    "{",
    "}",
    "$",
    "${",
    "${A:-b}",
    "$HOME",
    "=",
    "--",
    "--mount=type=cache,target=/x ",
    "--from=build ",
    "<<EOF",
    "<<-EOF",
    "<<'EOF'",
    "3<<X",
    "EOF\n",
    "\tEOF\n",
    "X\n",
    "# ",
    "# escape=`\n",
    "# syntax=a\n",
    "#",
    "a",
    "b.txt",
    "/dest",
    "\"a b\"",
    "[\"sh\", \"-c\"]",
    "1",
    "true",
    "é",
    "😀",
    "\u{feff}",
    "\0",
    "&& ",
    "|",
    ";",
];

fn document() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..80).prop_map(|pieces| pieces.concat())
}

fn parse(text: &str, old: Option<&Tree>) -> Tree {
    syntax::parse(FileKind::Dockerfile, text, old).expect("a tree")
}

/// Every node's kind and byte range, depth first: stricter than the S-expression.
fn shape(tree: &Tree) -> Vec<(String, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut cursor = tree.walk();
    'outer: loop {
        let node = cursor.node();
        out.push((node.kind().to_owned(), node.byte_range()));
        if cursor.goto_first_child() {
            continue;
        }
        while !cursor.goto_next_sibling() {
            if !cursor.goto_parent() {
                break 'outer;
            }
        }
    }
    out
}

fn point_at(text: &str, byte: usize) -> Point {
    let before = &text[..byte];
    let row = before.matches('\n').count();
    let column = byte - before.rfind('\n').map_or(0, |i| i + 1);
    Point { row, column }
}

/// The nearest char boundary at or before `byte`.
fn floor_boundary(text: &str, byte: usize) -> usize {
    let mut b = byte.min(text.len());
    while !text.is_char_boundary(b) {
        b -= 1;
    }
    b
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        let tree = parse(&text, None);
        let file = Dockerfile::new(&tree, &text);
        let _ = syntax::errors(FileKind::Dockerfile, &tree, &text);
        let _ = syntax::buildkit_dump(&file);
        for stage in file.stages() {
            let _ = stage.name();
        }
        let _ = syntax::check(FileKind::Dockerignore, &text);
    }

    #[test]
    fn generated_dockerfiles_never_panic(text in document()) {
        let tree = parse(&text, None);
        let file = Dockerfile::new(&tree, &text);
        let errors = syntax::errors(FileKind::Dockerfile, &tree, &text);
        for e in &errors {
            prop_assert!(e.rule.starts_with("syntax-"));
            prop_assert!(e.range.start <= e.range.end && e.range.end <= text.len());
            prop_assert!(text.is_char_boundary(e.range.start) && text.is_char_boundary(e.range.end));
        }
        let _ = syntax::buildkit_dump(&file);
        for instruction in file.instructions() {
            let _ = instruction.heredocs();
            let _ = instruction.rest();
            for flag in instruction.flags() {
                let _ = flag.value();
            }
        }
    }

    #[test]
    fn incremental_reparse_equals_a_fresh_parse(
        start in document(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), 0usize..6, document().prop_map(|d| d.chars().take(12).collect::<String>())), 1..25),
    ) {
        let mut text = start;
        let mut tree = parse(&text, None);
        for (at, delete, insert) in edits {
            let start = floor_boundary(&text, at.index(text.len() + 1));
            let end = floor_boundary(&text, (start + delete).min(text.len())).max(start);
            let mut edited = String::with_capacity(text.len() + insert.len());
            edited.push_str(&text[..start]);
            edited.push_str(&insert);
            edited.push_str(&text[end..]);
            let edit = InputEdit {
                start_byte: start,
                old_end_byte: end,
                new_end_byte: start + insert.len(),
                start_position: point_at(&text, start),
                old_end_position: point_at(&text, end),
                new_end_position: point_at(&edited, start + insert.len()),
            };
            tree.edit(&edit);
            tree = parse(&edited, Some(&tree));
            text = edited;
            let fresh = parse(&text, None);
            prop_assert_eq!(tree.root_node().to_sexp(), fresh.root_node().to_sexp(), "text: {:?}", text);
            prop_assert_eq!(shape(&tree), shape(&fresh), "text: {:?}", text);
        }
    }
}
