//! One instruction's lines, formatted: keyword case, spacing, continuation indentation.

use std::ops::Range;

use super::lines::Lines;
use super::structure::Structure;
use super::{FormatOptions, Plan};
use crate::syntax::Instruction;
use crate::syntax::{is_blank_line, is_comment_line, strip_continuation};

/// What a physical line of an instruction is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineKind {
    /// The keyword's line.
    First,
    /// A continuation line with content.
    Content,
    /// A comment line inside the continuation (BuildKit drops it).
    Comment,
    /// A blank line inside the continuation (BuildKit drops it, with a warning).
    Blank,
}

/// The physical lines of an instruction, as BuildKit joins them.
#[derive(Debug)]
pub(crate) struct Walk {
    /// Line index and kind, from the keyword's line; comment and blank lines after a
    /// continuation that runs to the end of the file are left out.
    pub lines: Vec<(usize, LineKind)>,
    /// The last line with content.
    pub last_content: usize,
    /// The last content line ends with a continuation, but the file ends there: the
    /// escape character continues nothing.
    pub dangling: bool,
}

impl Walk {
    pub fn first(&self) -> usize {
        self.lines.first().map_or(0, |&(k, _)| k)
    }

    pub fn last(&self) -> usize {
        self.lines.last().map_or(0, |&(k, _)| k)
    }
}

/// Follows continuations from line `first`, as BuildKit does.
pub(crate) fn walk(lines: &Lines<'_>, first: usize, escape: char) -> Walk {
    let mut walked = vec![(first, LineKind::First)];
    let mut last_content = first;
    let mut open = strip_continuation(lines.text(first), escape).is_some();
    let mut k = first + 1;
    while open && k < lines.len() {
        let text = lines.text(k);
        if is_blank_line(text) {
            walked.push((k, LineKind::Blank));
        } else if is_comment_line(text) {
            walked.push((k, LineKind::Comment));
        } else {
            walked.push((k, LineKind::Content));
            last_content = k;
            open = strip_continuation(text, escape).is_some();
        }
        k += 1;
    }
    if open {
        walked.retain(|&(k, _)| k <= last_content);
    }
    Walk {
        lines: walked,
        last_content,
        dangling: open,
    }
}

/// A content line cut into its parts.
#[derive(Debug, Clone)]
struct Parts {
    /// The indentation (nothing on the keyword's line, whatever precedes the keyword).
    leading: Range<usize>,
    /// From the first token to the last non-blank before the continuation or the end.
    body: Range<usize>,
    /// The blanks before the escape character, and the escape character's offset.
    continuation: Option<(Range<usize>, usize)>,
}

fn parts(lines: &Lines<'_>, k: usize, body_start: Option<usize>, escape: char) -> Option<Parts> {
    let line = lines.get(k)?;
    let text = lines.text(k);
    let indent = text.len() - text.trim_start_matches([' ', '\t']).len();
    let start = match body_start {
        Some(start) if (line.start..=line.end).contains(&start) => start,
        Some(_) => return None,
        None => line.start + indent,
    };
    let (body_end, continuation) = match strip_continuation(text, escape) {
        Some(joined) => {
            let at = line.start + joined.len();
            let trimmed = joined.trim_end_matches([' ', '\t']);
            // `a\ ` before the continuation: the first blank is escaped, part of the word.
            let escapes = trimmed.len() - trimmed.trim_end_matches(escape).len();
            let escaped_blank = usize::from(escapes % 2 == 1 && trimmed.len() < joined.len());
            let end = line.start + trimmed.len() + escaped_blank;
            (end, Some((end.max(start)..at, at)))
        }
        None => (line.start + text.trim_end_matches([' ', '\t']).len(), None),
    };
    Some(Parts {
        leading: line.start..start,
        body: start..body_end.max(start),
        continuation,
    })
}

/// The new text of each changed line of the instruction; `None` when it cannot be
/// formatted safely (its lines are then left as they are).
pub(crate) fn plan(
    instruction: &Instruction<'_>,
    lines: &Lines<'_>,
    walk: &Walk,
    options: &FormatOptions,
) -> Option<Vec<(usize, Plan)>> {
    let src = instruction.src();
    let escape = instruction.escape();
    let structure = Structure::of(instruction);
    let multiline = walk.lines.len() > 1;
    // With `keep-multiline`, a multi-line instruction only gets its indentation changed.
    let respace = !(options.keep_multiline && multiline);

    let mut content: Vec<(usize, Parts)> = Vec::new();
    for &(k, kind) in &walk.lines {
        let body_start = (kind == LineKind::First).then(|| instruction.node().start_byte());
        if matches!(kind, LineKind::First | LineKind::Content) {
            content.push((k, parts(lines, k, body_start, escape)?));
        }
    }
    // Whether the blanks at the join into each content line may be resized.
    let mut join_in = vec![false; content.len()];
    for i in 1..content.len() {
        let (before, after) = (&content[i - 1].1, &content[i].1);
        if let Some((blanks, at)) = &before.continuation {
            let has_blanks = !blanks.is_empty() || !after.leading.is_empty();
            join_in[i] = has_blanks && structure.join_is_safe(*at);
        }
    }
    let width = |range: &Range<usize>| indent_width(src.get(range.clone()).unwrap_or(""), options);
    let base = content
        .iter()
        .zip(&join_in)
        .filter(|(_, safe)| **safe)
        .map(|((_, p), _)| width(&p.leading))
        .min();

    // The new indentation of each content line: kept where its blanks are data.
    let prefixes: Vec<String> = content
        .iter()
        .zip(&join_in)
        .enumerate()
        .map(|(i, ((_, p), safe))| match (i, safe, base) {
            // Blanks before the keyword go; anything else the parser skipped there (a
            // byte order mark in the middle of the file) is BuildKit's text: it stays.
            (0, _, _) => {
                let leading = src.get(p.leading.clone()).unwrap_or("");
                if leading.bytes().all(|b| b == b' ' || b == b'\t') {
                    String::new()
                } else {
                    leading.to_owned()
                }
            }
            (_, true, Some(base)) => indent(width(&p.leading).saturating_sub(base), options),
            _ => src.get(p.leading.clone()).unwrap_or("").to_owned(),
        })
        .collect();
    let mut plans = Vec::new();
    let mut next_content = 0;
    for &(k, kind) in &walk.lines {
        let new = match kind {
            LineKind::Blank => {
                plans.push((
                    k,
                    if options.keep_multiline {
                        Plan::Set(String::new())
                    } else {
                        Plan::Delete
                    },
                ));
                continue;
            }
            LineKind::Comment => {
                // A comment is about the line after it: it takes that line's indentation.
                let text = lines.text(k);
                let prefix = prefixes.get(next_content).map_or("", String::as_str);
                format!("{prefix}{}", text.trim())
            }
            LineKind::First | LineKind::Content => {
                let i = next_content;
                next_content += 1;
                let (_, p) = content.get(i)?;
                let mut new = prefixes.get(i).cloned().unwrap_or_default();
                new.push_str(&respaced(src, p.body.clone(), &structure, respace));
                if let Some((blanks, _)) = &p.continuation {
                    let join_out = join_in.get(i + 1).copied().unwrap_or(false);
                    if walk.dangling && k == walk.last_content {
                        // The file ends there: the escape character continues nothing
                        // and goes with the blanks before it (BuildKit trims them, even
                        // an escaped one), unless the text would then end with an escape
                        // character of its own: then the line stays as written.
                        let bare = new.trim_end_matches([' ', '\t']);
                        if strip_continuation(bare, escape).is_none() {
                            new.truncate(bare.len());
                        } else {
                            new.push_str(src.get(blanks.clone()).unwrap_or(""));
                            new.push(escape);
                        }
                    } else {
                        if respace && join_out {
                            if !p.body.is_empty() {
                                new.push(' ');
                            }
                        } else {
                            new.push_str(src.get(blanks.clone()).unwrap_or(""));
                        }
                        new.push(escape);
                    }
                }
                new
            }
        };
        if new != lines.text(k) {
            plans.push((k, Plan::Set(new)));
        }
    }
    Some(plans)
}

/// The text of `range` with keywords in upper case and, when `respace`, the blanks
/// between tokens on one line made one space.
fn respaced(src: &str, range: Range<usize>, structure: &Structure, respace: bool) -> String {
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    for keyword in &structure.keywords {
        let text = src.get(keyword.clone()).unwrap_or("");
        if text.contains(['\n', '\r']) {
            continue;
        }
        let upper = text.to_ascii_uppercase();
        if upper != text {
            edits.push((keyword.clone(), upper));
        }
    }
    if respace {
        for gap in &structure.gaps {
            let text = src.get(gap.clone()).unwrap_or("");
            if !text.is_empty() && text != " " && text.bytes().all(|b| b == b' ' || b == b'\t') {
                edits.push((gap.clone(), " ".to_owned()));
            }
        }
    }
    edits.retain(|(r, _)| range.start <= r.start && r.end <= range.end);
    edits.sort_by_key(|(r, _)| r.start);
    let mut out = String::with_capacity(range.len());
    let mut at = range.start;
    for (r, text) in edits {
        if r.start < at {
            continue;
        }
        out.push_str(src.get(at..r.start).unwrap_or(""));
        out.push_str(&text);
        at = r.end;
    }
    out.push_str(src.get(at..range.end).unwrap_or(""));
    out
}

/// The columns a run of blanks takes, tabs to the next tab stop.
pub(crate) fn indent_width(blanks: &str, options: &FormatOptions) -> usize {
    let tab = options.tab_width.max(1);
    blanks.chars().fold(0, |column, c| match c {
        '\t' => (column / tab + 1) * tab,
        _ => column + 1,
    })
}

/// One level of indentation and `extra` more columns, in the indentation's style.
pub(crate) fn indent(extra: usize, options: &FormatOptions) -> String {
    let mut out = options.indent.clone();
    if options.indent.contains('\t') {
        let tab = options.tab_width.max(1);
        out.extend(std::iter::repeat_n('\t', extra / tab));
        out.extend(std::iter::repeat_n(' ', extra % tab));
    } else {
        out.extend(std::iter::repeat_n(' ', extra));
    }
    out
}
