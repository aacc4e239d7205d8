//! Semantic tokens: the legend, highlights encoded as LSP's relative tokens (one per line), and deltas.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{LazyLock, Mutex, MutexGuard};

use rustc_hash::FxHashMap;
use tower_lsp_server::ls_types::{
    SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokens, SemanticTokensDelta,
    SemanticTokensEdit, SemanticTokensFullDeltaResult, SemanticTokensFullOptions,
    SemanticTokensLegend, SemanticTokensOptions, SemanticTokensServerCapabilities, Uri,
};

use super::document::Document;
use crate::analysis::highlight::{Highlight, TokenKind, highlights, modifier};
use crate::position::{PositionEncoding, is_line_break};
use crate::syntax::{Dockerfile, FileKind};

/// The LSP token type of each of our kinds, in the legend's order.
fn token_type(kind: TokenKind) -> SemanticTokenType {
    match kind {
        TokenKind::Keyword => SemanticTokenType::KEYWORD,
        TokenKind::Comment => SemanticTokenType::COMMENT,
        TokenKind::Directive => SemanticTokenType::MACRO,
        TokenKind::Flag => SemanticTokenType::PARAMETER,
        TokenKind::Stage => SemanticTokenType::NAMESPACE,
        TokenKind::Image => SemanticTokenType::CLASS,
        TokenKind::Variable => SemanticTokenType::VARIABLE,
        TokenKind::Property => SemanticTokenType::PROPERTY,
        TokenKind::String => SemanticTokenType::STRING,
        TokenKind::Number => SemanticTokenType::NUMBER,
        TokenKind::Operator => SemanticTokenType::OPERATOR,
        TokenKind::Command => SemanticTokenType::FUNCTION,
    }
}

/// The modifiers, bit `i` of [`modifier`] being the `i`-th.
const MODIFIERS: [SemanticTokenModifier; modifier::COUNT] = [
    SemanticTokenModifier::DECLARATION,
    SemanticTokenModifier::READONLY,
    SemanticTokenModifier::DEFAULT_LIBRARY,
    SemanticTokenModifier::DEPRECATED,
];

pub(crate) fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TokenKind::ALL.iter().map(|&k| token_type(k)).collect(),
        token_modifiers: MODIFIERS.to_vec(),
    }
}

pub(crate) fn capability() -> SemanticTokensServerCapabilities {
    SemanticTokensServerCapabilities::SemanticTokensOptions(SemanticTokensOptions {
        legend: legend(),
        range: Some(true),
        full: Some(SemanticTokensFullOptions::Delta { delta: Some(true) }),
        ..SemanticTokensOptions::default()
    })
}

/// The tokens of a whole document, remembered for a later delta.
pub(crate) fn full(uri: &Uri, document: &Document, encoding: PositionEncoding) -> SemanticTokens {
    let data = encode_document(document, None, encoding);
    let result_id = remember(uri, &data);
    SemanticTokens {
        result_id: Some(result_id),
        data,
    }
}

/// Writes a `semanticTokens/full` result (`null` for none) as JSON, as serde would:
/// a whole document is tens of thousands of integers, which serde writes one call at
/// a time through its formatter, taking longer than finding the tokens.
pub(crate) fn write_json(
    tokens: Option<&SemanticTokens>,
    out: &mut Vec<u8>,
) -> serde_json::Result<()> {
    let Some(tokens) = tokens else {
        out.extend_from_slice(b"null");
        return Ok(());
    };
    out.push(b'{');
    if let Some(id) = &tokens.result_id {
        out.extend_from_slice(br#""resultId":"#);
        serde_json::to_writer(&mut *out, id)?;
        out.push(b',');
    }
    out.extend_from_slice(br#""data":["#);
    // Most integers are one or two digits.
    out.reserve(tokens.data.len() * 5 * 3);
    for (i, token) in tokens.data.iter().enumerate() {
        // A token's integers gathered first: one copy into `out` instead of ten.
        let mut text = [0u8; 5 * 11];
        let mut at = 0;
        for n in [
            token.delta_line,
            token.delta_start,
            token.length,
            token.token_type,
            token.token_modifiers_bitset,
        ] {
            text[at] = b',';
            at += 1;
            at = decimal(n, &mut text, at);
        }
        // No comma before the first integer.
        let from = usize::from(i == 0);
        out.extend_from_slice(&text[from..at]);
    }
    out.extend_from_slice(b"]}");
    Ok(())
}

/// Writes `n` in decimal at `text[at..]`; returns where it ends.
fn decimal(n: u32, text: &mut [u8], at: usize) -> usize {
    if n < 10 {
        text[at] = b"0123456789"[n as usize];
        at + 1
    } else {
        let mut buffer = itoa::Buffer::new();
        let digits = buffer.format(n).as_bytes();
        text[at..at + digits.len()].copy_from_slice(digits);
        at + digits.len()
    }
}

/// The tokens that touch `window` (bytes), positions still relative to the document's start.
pub(crate) fn range(
    document: &Document,
    window: Range<usize>,
    encoding: PositionEncoding,
) -> SemanticTokens {
    SemanticTokens {
        result_id: None,
        data: encode_document(document, Some(window), encoding),
    }
}

/// The edit from the tokens of `previous` to the current ones, or all of them when
/// `previous` is not the last result sent for this document.
pub(crate) fn delta(
    uri: &Uri,
    previous: &str,
    document: &Document,
    encoding: PositionEncoding,
) -> SemanticTokensFullDeltaResult {
    let data = encode_document(document, None, encoding);
    let old = {
        let cache = results();
        cache
            .get(uri.as_str())
            .filter(|(id, _)| id == previous)
            .map(|(_, old)| edit(old, &data))
    };
    let result_id = remember(uri, &data);
    match old {
        Some(edit) => SemanticTokensFullDeltaResult::TokensDelta(SemanticTokensDelta {
            result_id: Some(result_id),
            edits: edit.into_iter().collect(),
        }),
        None => SemanticTokensFullDeltaResult::Tokens(SemanticTokens {
            result_id: Some(result_id),
            data,
        }),
    }
}

fn encode_document(
    document: &Document,
    window: Option<Range<usize>>,
    encoding: PositionEncoding,
) -> Vec<SemanticToken> {
    if document.kind != FileKind::Dockerfile {
        return Vec::new();
    }
    let file = Dockerfile::new(&document.tree, document.text());
    let found = highlights(&file, Some(&document.file_model()), window);
    encode(document.text(), &found, encoding)
}

type Results = FxHashMap<String, (String, Vec<SemanticToken>)>;

/// The documents' last results: `(result id, tokens)` by URI. A client that never asks
/// for deltas leaves a few here; the map is emptied when it grows past [`MAX_RESULTS`].
fn results() -> MutexGuard<'static, Results> {
    static RESULTS: LazyLock<Mutex<Results>> = LazyLock::new(Mutex::default);
    RESULTS.lock().unwrap_or_else(|e| e.into_inner())
}

const MAX_RESULTS: usize = 64;

/// Stores the tokens sent for a document; returns their result id. Ids are unique in
/// the process, so a result of one session never matches another's.
fn remember(uri: &Uri, data: &[SemanticToken]) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let id = NEXT.fetch_add(1, Ordering::Relaxed).to_string();
    let mut cache = results();
    if cache.len() >= MAX_RESULTS && !cache.contains_key(uri.as_str()) {
        cache.clear();
    }
    cache.insert(uri.as_str().to_owned(), (id.clone(), data.to_vec()));
    id
}

/// One edit replacing what changed between the common start and the common end
/// (`None` when nothing did). Offsets count integers: five per token.
fn edit(old: &[SemanticToken], new: &[SemanticToken]) -> Option<SemanticTokensEdit> {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let deleted = old.len() - prefix - suffix;
    let inserted = &new[prefix..new.len() - suffix];
    if deleted == 0 && inserted.is_empty() {
        return None;
    }
    let ints = |n: usize| u32::try_from(n * 5).unwrap_or(u32::MAX);
    Some(SemanticTokensEdit {
        start: ints(prefix),
        delete_count: ints(deleted),
        data: (!inserted.is_empty()).then(|| inserted.to_vec()),
    })
}

/// Highlights as relative tokens, columns in `encoding`. A token spanning lines
/// becomes one per line (clients without multiline support need it), line breaks
/// left out. Lines end at `\n`, `\r\n` and a lone `\r`, as LSP counts them.
pub(crate) fn encode(
    text: &str,
    highlights: &[Highlight],
    encoding: PositionEncoding,
) -> Vec<SemanticToken> {
    let bytes = text.as_bytes();
    let len = bytes.len();
    let mut out = Vec::with_capacity(highlights.len());
    let mut line: u32 = 0;
    // Line breaks before `scanned` are counted in `line`.
    let mut scanned = 0;
    // A known column on the current line: (byte offset, column).
    let mut known = (0, 0u32);
    let mut previous = (0u32, 0u32);
    for highlight in highlights {
        let end = highlight.range.end.min(len);
        let mut start = highlight.range.start.max(scanned).min(end);
        // Gaps between tokens are a few bytes: a plain loop beats setting up a search.
        for at in scanned..start {
            if is_line_break(bytes, at) {
                line += 1;
                known = (at + 1, 0);
            }
        }
        scanned = start;
        while start < end {
            let piece_end = bytes[start..end]
                .iter()
                .position(|&b| b == b'\n' || b == b'\r')
                .map_or(end, |n| start + n);
            if piece_end > start {
                let col = known.1 + width(&bytes[known.0..start], encoding);
                let length = width(&bytes[start..piece_end], encoding);
                let delta_line = line - previous.0;
                let delta_start = if delta_line == 0 {
                    col - previous.1
                } else {
                    col
                };
                out.push(SemanticToken {
                    delta_line,
                    delta_start,
                    length,
                    token_type: highlight.kind.index(),
                    token_modifiers_bitset: highlight.modifiers,
                });
                previous = (line, col);
                known = (piece_end, col + length);
            }
            if piece_end >= end {
                scanned = end;
                break;
            }
            let next = if bytes[piece_end] == b'\r' && bytes.get(piece_end + 1) == Some(&b'\n') {
                piece_end + 2
            } else {
                piece_end + 1
            };
            line += 1;
            known = (next, 0);
            scanned = next;
            start = next;
        }
    }
    out
}

/// How many columns some UTF-8 bytes take in `encoding`.
fn width(bytes: &[u8], encoding: PositionEncoding) -> u32 {
    let n = match encoding {
        _ if bytes.is_ascii() => bytes.len(),
        PositionEncoding::Utf8 => bytes.len(),
        // A character starts at every byte that is not a continuation byte; those that
        // start four-byte sequences are two UTF-16 units.
        PositionEncoding::Utf16 => bytes
            .iter()
            .map(|&b| match b {
                0x80..=0xBF => 0,
                0xF0..=0xFF => 2,
                _ => 1,
            })
            .sum(),
        PositionEncoding::Utf32 => bytes
            .iter()
            .filter(|&&b| !(0x80..=0xBF).contains(&b))
            .count(),
    };
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::model::FileModel;
    use crate::syntax;

    /// The token stream decoded: `line:col len type[.modifiers] text`, one per token.
    fn decoded(text: &str, encoding: PositionEncoding) -> String {
        let tree = syntax::parse(FileKind::Dockerfile, text, None).expect("parse");
        let file = Dockerfile::new(&tree, text);
        let model = FileModel::new(&file);
        let data = encode(text, &highlights(&file, Some(&model), None), encoding);
        let legend = legend();
        let lines: Vec<Vec<char>> = text.split('\n').map(|l| l.chars().collect()).collect();
        let (mut line, mut col) = (0, 0);
        let mut out = Vec::new();
        for token in data {
            line += token.delta_line;
            col = if token.delta_line == 0 {
                col + token.delta_start
            } else {
                token.delta_start
            };
            let mut kind = legend.token_types[token.token_type as usize]
                .as_str()
                .to_owned();
            for (i, modifier) in legend.token_modifiers.iter().enumerate() {
                if token.token_modifiers_bitset & (1 << i) != 0 {
                    kind.push('.');
                    kind.push_str(modifier.as_str());
                }
            }
            // Columns are in UTF-16 units in these tests: the text is read back in them.
            let units: Vec<u16> = lines[line as usize]
                .iter()
                .collect::<String>()
                .encode_utf16()
                .collect();
            let piece =
                String::from_utf16_lossy(&units[col as usize..(col + token.length) as usize]);
            out.push(format!("{line}:{col} {} {kind} {piece}", token.length));
        }
        out.join("\n")
    }

    #[test]
    fn tokens_are_split_per_line_and_counted_in_utf16() {
        let text = "FROM alpine AS base\nCOPY <<EOF /etc/motd\nhéllo 🐳\nbye\nEOF\nRUN echo \"🐳 $HOME\" \\\n  && ls\n";
        insta::assert_snapshot!(decoded(text, PositionEncoding::Utf16), @r#"
        0:0 4 keyword FROM
        0:5 6 class alpine
        0:12 2 keyword AS
        0:15 4 namespace.declaration base
        1:0 4 keyword COPY
        1:5 5 keyword <<EOF
        2:0 8 string héllo 🐳
        3:0 3 string bye
        4:0 3 keyword EOF
        5:0 3 keyword RUN
        5:4 4 function echo
        5:9 4 string "🐳 
        5:13 5 variable $HOME
        5:18 1 string "
        6:2 2 operator &&
        6:5 2 function ls
        "#);
    }

    #[test]
    fn utf8_columns_count_bytes() {
        let text = "FROM alpine\nRUN echo é $X\n";
        let tree = syntax::parse(FileKind::Dockerfile, text, None).expect("parse");
        let file = Dockerfile::new(&tree, text);
        let data = encode(text, &highlights(&file, None, None), PositionEncoding::Utf8);
        let last = data.last().expect("tokens");
        // `$X` starts at byte 12 of its line, after `RUN echo é ` (é is two bytes), and
        // `echo` at byte 4.
        assert_eq!(
            (last.delta_line, last.delta_start, last.length),
            (0, 12 - 4, 2)
        );
    }

    #[test]
    fn lone_carriage_returns_and_crlf_end_lines() {
        // BuildKit reads a lone `\r` as part of a line; LSP clients end the line there.
        let text = "FROM a\r\nCOPY <<EOF /x\r\none\rtwo\r\nEOF\r\n";
        let tree = syntax::parse(FileKind::Dockerfile, text, None).expect("parse");
        let file = Dockerfile::new(&tree, text);
        let lines: Vec<u32> = encode(
            text,
            &highlights(&file, None, None),
            PositionEncoding::Utf16,
        )
        .iter()
        .scan(0, |line, t| {
            *line += t.delta_line;
            Some(*line)
        })
        .collect();
        assert_eq!(lines, [0, 0, 1, 1, 2, 3, 4]);
    }

    /// The hand-written JSON is what serde writes for the same result.
    #[test]
    fn tokens_are_written_as_serde_writes_them() {
        let text = "FROM alpine AS base\nRUN echo \"🐳 $HOME\"\n";
        let tree = syntax::parse(FileKind::Dockerfile, text, None).expect("parse");
        let file = Dockerfile::new(&tree, text);
        let data = encode(
            text,
            &highlights(&file, None, None),
            PositionEncoding::Utf16,
        );
        let written = |tokens: Option<&SemanticTokens>| {
            let mut out = Vec::new();
            write_json(tokens, &mut out).expect("write");
            String::from_utf8(out).expect("UTF-8")
        };
        for tokens in [
            SemanticTokens {
                result_id: Some("7\"x".into()),
                data: data.clone(),
            },
            SemanticTokens {
                result_id: None,
                data,
            },
            SemanticTokens {
                result_id: Some("1".into()),
                data: Vec::new(),
            },
        ] {
            let serde = serde_json::to_string(&tokens).expect("serde");
            assert_eq!(written(Some(&tokens)), serde);
        }
        assert_eq!(written(None), "null");
    }

    #[test]
    fn a_delta_replaces_only_what_changed() {
        let token = |delta_line, length| SemanticToken {
            delta_line,
            delta_start: 0,
            length,
            token_type: 0,
            token_modifiers_bitset: 0,
        };
        let old = [token(0, 4), token(1, 3), token(1, 5)];
        let new = [token(0, 4), token(1, 7), token(1, 5)];
        let changed = edit(&old, &new).expect("an edit");
        assert_eq!((changed.start, changed.delete_count), (5, 5));
        assert_eq!(changed.data, Some(vec![token(1, 7)]));
        assert_eq!(edit_count(&old, &old), 0);
        let shorter = edit(&old, &old[..2]).expect("an edit");
        assert_eq!(
            (shorter.start, shorter.delete_count, shorter.data),
            (10, 5, None)
        );
    }

    fn edit_count(old: &[SemanticToken], new: &[SemanticToken]) -> usize {
        usize::from(edit(old, new).is_some())
    }

    /// Not timed (a debug build on a shared machine says little): prints the time of a
    /// full answer on 5,000 lines of realistic stages, for a rough look; the lead's
    /// benchmark judges the release build.
    #[test]
    fn a_5000_line_file_is_highlighted_in_one_pass() {
        let stages = [
            include_str!("../../../examples/buildkit-heredoc/Dockerfile"),
            include_str!("../../../examples/flask-api/Dockerfile"),
            include_str!("../../../examples/go-service/Dockerfile"),
        ];
        let mut text = String::new();
        while text.lines().count() < 5000 {
            for stage in stages {
                text.push_str(stage);
            }
        }
        let tree = syntax::parse(FileKind::Dockerfile, &text, None).expect("parse");
        let file = Dockerfile::new(&tree, &text);
        let model = FileModel::new(&file);
        let runs: u32 = 5;
        let started = std::time::Instant::now();
        let mut data = Vec::new();
        for _ in 0..runs {
            data = encode(
                &text,
                &highlights(&file, Some(&model), None),
                PositionEncoding::Utf16,
            );
        }
        eprintln!(
            "semantic tokens of {} lines: {} tokens in {:?} per request (this build)",
            text.lines().count(),
            data.len(),
            started.elapsed() / runs
        );
        assert!(data.len() > 5_000);
    }

    #[test]
    fn the_legend_covers_every_kind_and_modifier() {
        let legend = legend();
        assert_eq!(legend.token_types.len(), TokenKind::ALL.len());
        for (i, kind) in TokenKind::ALL.iter().enumerate() {
            assert_eq!(kind.index() as usize, i);
        }
        assert_eq!(legend.token_modifiers.len(), modifier::COUNT);
    }
}
