//! Properties of the formatter over generated Dockerfiles: it never panics, formatting twice
//! changes nothing more, and what the file means (its BuildKit dump) changes only in
//! whitespace.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test stops loudly on a broken fixture

mod support;

use dockerfile_lsp::analysis::format::{FormatOptions, apply, format, format_text, on_type};
use dockerfile_lsp::syntax::{self, Dockerfile, FileKind};
use proptest::prelude::*;
use support::whitespace::folded;

/// Pieces that exercise what the formatter respaces: keywords in any case, blanks,
/// continuations (escaped and not), quotes, comments, heredocs, JSON, line endings.
const PIECES: &[&str] = &[
    "FROM a",
    "from  a  as b",
    "RUN ",
    "run  ",
    "COPY ",
    "copy  --from=b ",
    "ENV A=1 ",
    "env  K  v  w",
    "ARG X",
    "LABEL a=\"b c\"",
    "CMD ",
    "onbuild  run ",
    "HEALTHCHECK  --interval=5s  CMD ",
    "USER  u  g",
    "WORKDIR  /a  b",
    "EXPOSE  80  443",
    "\n",
    "\r\n",
    "\n\n\n",
    " \\\n",
    "\\\n",
    "\\\n  ",
    " `\n",
    "`\n",
    "\\ ",
    "\\\\",
    " ",
    "   ",
    "\t",
    "\"",
    "'",
    "$'",
    "$(",
    ")",
    "[\"a\",  \"b  c\"]",
    "[\"x\", \\\n  \"y\"]",
    "echo ",
    "a",
    "&& ",
    "# c",
    "\n# c\n",
    "\n  # c  \n",
    "<<EOF\n  body  \nEOF\n",
    "<<-EOF\n\tx\n\tEOF\n",
    "# escape=`\n",
    "# syntax=a\n",
    "é",
    "\u{feff}",
];

fn document() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..40).prop_map(|pieces| pieces.concat())
}

fn options() -> impl Strategy<Value = FormatOptions> {
    (any::<bool>(), any::<bool>(), 0usize..3).prop_map(|(tabs, keep, blanks)| FormatOptions {
        indent: if tabs { "\t".into() } else { "  ".into() },
        tab_width: 4,
        keep_multiline: keep,
        max_blank_lines: blanks,
    })
}

/// The dump, or `None` when the parser reports a syntax error (BuildKit may read such
/// text differently from our tree).
fn clean_dump(text: &str) -> Option<String> {
    let tree = syntax::parse(FileKind::Dockerfile, text, None).unwrap();
    if tree.root_node().has_error() || !syntax::check(FileKind::Dockerfile, text).is_empty() {
        return None;
    }
    // Our dump keeps the blanks that end an unterminated quote at the end of a line,
    // which BuildKit trims (and so does the formatter): left out of the comparison.
    let dump = folded(&syntax::buildkit_dump(&Dockerfile::new(&tree, text)));
    Some(dump.replace(" \")", "\")").replace(" \" ", "\" "))
}

/// A word continued across a blank or comment line: `COPY a\\`, a blank line, `b`.
/// BuildKit drops the blank line and reads `ab`; our parser (and so our dump) ends the
/// word at the skipped line and reads `a` and `b`. The formatter removes the blank line,
/// after which both read `ab`: such texts are left out of the meaning comparison, as
/// our dump is wrong about the original. (Either escape character counts.)
fn glued_across_skipped_lines(text: &str) -> bool {
    let lines: Vec<&str> = text.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    lines.iter().enumerate().any(|(k, line)| {
        let glued = line.ends_with(['\\', '`']) && !line[..line.len() - 1].ends_with([' ', '\t']);
        let after = &lines[k + 1..];
        let skipped = after
            .iter()
            .take_while(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
            .count();
        glued
            && skipped > 0
            && after
                .get(skipped)
                .is_some_and(|next| !next.starts_with([' ', '\t']))
    })
}

/// Whether our tree takes the escape character BuildKit does (its directives are read
/// line by line, as `syntax::directives` does). Our grammar still takes a directive after
/// a line holding only a continuation (` \\`, then `# escape=``) where BuildKit's
/// directives have ended: on such a text the formatter works from a wrong escape
/// character, which is the parser's bug, not one the formatter can promise around.
fn escape_agrees(text: &str) -> bool {
    let tree = syntax::parse(FileKind::Dockerfile, text, None).unwrap();
    let buildkit = syntax::directives(text)
        .iter()
        .find(|d| d.name == "escape")
        .and_then(|d| d.value.chars().next())
        .unwrap_or('\\');
    Dockerfile::new(&tree, text).escape() == buildkit
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn formatting_is_idempotent_and_keeps_the_meaning(text in document(), options in options()) {
        let once = format_text(&text, &options);
        if !(escape_agrees(&text) && escape_agrees(&once)) {
            return Ok(());
        }
        let twice = format_text(&once, &options);
        prop_assert_eq!(&twice, &once, "formatting again changes more");
        if let Some(before) = clean_dump(&text).filter(|_| !glued_across_skipped_lines(&text)) {
            let after = clean_dump(&once);
            prop_assert_eq!(Some(before), after, "formatted:\n{}", once);
        }
    }

    #[test]
    fn range_and_on_type_formatting_never_panic(
        text in document(),
        options in options(),
        a in 0usize..2000,
        b in 0usize..2000,
    ) {
        let tree = syntax::parse(FileKind::Dockerfile, &text, None).unwrap();
        let file = Dockerfile::new(&tree, &text);
        let floor = |mut at: usize| {
            at = at.min(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            at
        };
        let (start, end) = (floor(a.min(b)), floor(a.max(b)));
        for edit in format(&file, &options, Some(start..end)).iter().chain(&on_type(&file, &options, end)) {
            prop_assert!(edit.range.start <= edit.range.end && edit.range.end <= text.len());
            prop_assert!(text.is_char_boundary(edit.range.start) && text.is_char_boundary(edit.range.end));
        }
        let _ = apply(&text, &on_type(&file, &options, start));
    }
}
