//! Syntax errors with exact ranges: what BuildKit rejects when it parses a Dockerfile.

use std::ops::Range;

use tree_sitter::Node;

use super::ast::{Dockerfile, Instruction, InstructionKind, node_text};
use super::logical::{is_blank_line, is_comment_line};
use super::{Finding, Severity};

/// BuildKit's scanner rejects longer lines.
const MAX_LINE_BYTES: usize = 65_535;

/// Every syntax error of a Dockerfile, in source order.
pub fn dockerfile_errors(file: &Dockerfile<'_>) -> Vec<Finding> {
    let mut errors = file_errors(file);
    for instruction in file.instructions() {
        instruction_errors(&instruction, &mut errors);
    }
    errors.sort_by_key(|e| (e.range.start, e.range.end));
    errors
}

/// The errors of one top-level instruction: they depend on its text alone (and the
/// escape character), so they can be cached by that text.
pub fn errors_of_instruction(instruction: &Instruction<'_>) -> Vec<Finding> {
    let mut errors = Vec::new();
    instruction_errors(instruction, &mut errors);
    errors
}

/// The errors that are not any one instruction's: ERROR and MISSING nodes, directives,
/// an empty file, overlong lines.
pub fn file_errors(file: &Dockerfile<'_>) -> Vec<Finding> {
    let mut errors = Vec::new();
    let src = file.src();
    tree_errors(file.root(), src, &mut errors);
    directive_errors(file, &mut errors);
    // An unterminated heredoc runs to the end of the file, so only the last
    // instruction can have one (its message names a line, so it is no
    // instruction's own error).
    if let Some(last) = file.last_instruction() {
        let trigger = last.onbuild_trigger();
        for heredoc in last
            .heredocs()
            .into_iter()
            .chain(trigger.iter().flat_map(|t| t.heredocs()))
        {
            if !heredoc.is_terminated() {
                let line = heredoc.marker.start_position().row + 1;
                errors.push(error(
                    "syntax-unterminated-heredoc",
                    heredoc.marker,
                    format!(
                        "unterminated heredoc: no line {:?} ends the heredoc started on line {line}",
                        heredoc.spec.name
                    ),
                ));
            }
        }
    }
    if !file.has_instructions() {
        errors.push(Finding {
            rule: "syntax-no-instructions",
            message: "file with no instructions: a Dockerfile needs at least a FROM".into(),
            range: 0..src.len().min(src.find('\n').unwrap_or(src.len())),
            severity: Severity::Error,
            fix: None,
        });
    }
    long_lines(src, &mut errors);
    errors
}

fn error(rule: &'static str, node: Node<'_>, message: String) -> Finding {
    Finding {
        rule,
        message: message.into(),
        range: node.byte_range(),
        severity: Severity::Error,
        fix: None,
    }
}

/// ERROR and MISSING nodes, described by what surrounds them.
fn tree_errors(root: Node<'_>, src: &str, errors: &mut Vec<Finding>) {
    if !root.has_error() {
        return;
    }
    let mut cursor = root.walk();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        if node.is_missing() {
            let what = match node.kind() {
                "\"" => "closing quote `\"`".to_owned(),
                "]" => "closing `]` of the JSON array".to_owned(),
                "}" => "closing `}` of the variable".to_owned(),
                kind => format!("`{kind}`"),
            };
            errors.push(error(
                "syntax-missing-token",
                node,
                format!("missing {what}{}", context(node)),
            ));
            continue;
        }
        if node.is_error() {
            let text = node_text(node, src);
            let shown: String = text.trim().chars().take(40).collect();
            let message = if shown.is_empty() {
                format!("unexpected end of line{}", context(node))
            } else {
                format!("unexpected `{shown}`{}", context(node))
            };
            errors.push(error("syntax-unexpected-token", node, message));
            continue;
        }
        if node.has_error() {
            stack.extend(
                node.children(&mut cursor)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev(),
            );
        }
    }
}

fn context(node: Node<'_>) -> String {
    let mut parent = node.parent();
    while let Some(p) = parent {
        if let Some(kind) = InstructionKind::from_node_kind(p.kind()) {
            return format!(" in {} instruction", kind.name());
        }
        match p.kind() {
            "json_array" => return " in JSON array".into(),
            "expansion" => return " in variable expansion".into(),
            "parser_directive" => return " in parser directive".into(),
            _ => parent = p.parent(),
        }
    }
    String::new()
}

fn directive_errors(file: &Dockerfile<'_>, errors: &mut Vec<Finding>) {
    let mut seen: Vec<String> = Vec::new();
    for directive in file.directives() {
        let name = directive.name().to_ascii_lowercase();
        if seen.contains(&name) {
            errors.push(error(
                "syntax-duplicate-directive",
                directive.node,
                format!("only one {name} parser directive can be used"),
            ));
        }
        if name == "escape" && !matches!(directive.value(), "\\" | "`") {
            let node = directive.value_node().unwrap_or(directive.node);
            errors.push(error(
                "syntax-invalid-escape",
                node,
                format!(
                    "invalid escape token '{}' does not match ` or \\",
                    directive.value()
                ),
            ));
        }
        seen.push(name);
    }
}

fn instruction_errors(instruction: &Instruction<'_>, errors: &mut Vec<Finding>) {
    let kind = instruction.kind();
    let node = instruction.node();
    let keyword = instruction.keyword().unwrap_or(node);

    if kind == InstructionKind::Unknown {
        let written = instruction.keyword_text();
        let message = match suggest(written) {
            Some(known) => format!("unknown instruction: {written} (did you mean {known}?)"),
            None => format!("unknown instruction: {written}"),
        };
        errors.push(error("syntax-unknown-instruction", keyword, message));
        return;
    }

    flag_errors(instruction, errors);
    argument_errors(instruction, errors);
    unclosed_expansions(node, instruction.src(), errors);

    // Forbidden triggers (ONBUILD, FROM, MAINTAINER) are the rule `onbuild-invalid-trigger`.
    if kind == InstructionKind::Onbuild
        && let Some(trigger) = instruction.onbuild_trigger()
    {
        instruction_errors(&trigger, errors);
    }
}

fn flag_errors(instruction: &Instruction<'_>, errors: &mut Vec<Finding>) {
    let kind = instruction.kind();
    let known = kind.known_flags();
    for flag in instruction.flags() {
        let flag_name = flag.name();
        if flag_name.is_empty() {
            continue;
        }
        if known.contains(&flag_name) {
            continue;
        }
        let mut message = format!("unknown flag: --{flag_name}");
        if let Some(close) = closest(flag_name, known.iter().copied()) {
            message.push_str(&format!(" (did you mean --{close}?)"));
        } else if known.is_empty() {
            message.push_str(&format!(" ({} takes no flags)", kind.name()));
        } else {
            let list: Vec<String> = known.iter().map(|f| format!("--{f}")).collect();
            message.push_str(&format!(" ({} accepts {})", kind.name(), list.join(", ")));
        }
        errors.push(error("syntax-unknown-flag", flag.node, message));
    }
}

fn argument_errors(instruction: &Instruction<'_>, errors: &mut Vec<Finding>) {
    use InstructionKind as K;
    let kind = instruction.kind();
    let name = kind.name();
    let node = instruction.node();
    let keyword = instruction.keyword().unwrap_or(node);
    let rest = instruction.rest();
    let missing = |message: String| error("syntax-missing-argument", keyword, message);

    match kind {
        K::Maintainer | K::Workdir | K::User | K::Stopsignal if rest.is_empty() => {
            errors.push(missing(format!("{name} requires exactly one argument")));
        }
        K::Env
        | K::Label
        | K::Onbuild
        | K::Healthcheck
        | K::Expose
        | K::Volume
        | K::From
        | K::Run
        | K::Cmd
        | K::Entrypoint
        | K::Shell
            if rest.is_empty() =>
        {
            errors.push(missing(format!("{name} requires at least one argument")));
        }
        K::Copy | K::Add => {
            let count = match instruction.json_array() {
                Some(array) => {
                    let mut cursor = array.walk();
                    array.named_children(&mut cursor).count()
                }
                None => rest.split_whitespace().count(),
            };
            if count < 2 {
                errors.push(missing(format!(
                    "{name} requires at least two arguments, but only {} provided. Destination could not be determined",
                    if count == 0 { "none was" } else { "one was" }
                )));
            } else if instruction.json_array().is_none()
                && let Some(last) = instruction.arguments().last()
                && last.kind() == "heredoc_marker"
            {
                errors.push(error(
                    "syntax-heredoc-destination",
                    *last,
                    format!("{name} cannot accept a heredoc as a destination"),
                ));
            }
        }
        _ => {}
    }

    if kind == K::From {
        let extra = node.child_by_field_name("extra");
        let as_without_name =
            node.child_by_field_name("as").is_some() && node.child_by_field_name("name").is_none();
        if let Some(at) = extra.or(as_without_name.then_some(keyword)) {
            errors.push(error(
                "syntax-from-arguments",
                at,
                "FROM requires either one or three arguments: FROM image [AS name]".into(),
            ));
        }
    }

    if matches!(kind, K::Env | K::Label) {
        for pair in instruction.pairs() {
            let key = pair.key_node().unwrap_or(pair.node);
            if pair.key().is_empty() {
                errors.push(error(
                    "syntax-missing-argument",
                    key,
                    format!("{name} names can not be blank"),
                ));
            } else if !pair.has_equals() && pair.value_node().is_none() {
                let message = if instruction.pairs().len() == 1 {
                    format!("{name} must have two arguments")
                } else {
                    format!(
                        "Syntax error - can't find = in {:?}. Must be of the form: name=value",
                        pair.key()
                    )
                };
                errors.push(error("syntax-missing-argument", key, message));
            }
        }
    }

    // Text after the array and items that are not strings exist only in the exec form.
    if let Some(array) = instruction.json_array() {
        let mut cursor = node.walk();
        if let Some(ignored) = node
            .children(&mut cursor)
            .find(|c| c.kind() == "ignored_text")
        {
            errors.push(Finding {
                rule: "syntax-json-trailing-text",
                message: format!(
                    "BuildKit ignores this text after the JSON array of {name}: only the array is used"
                )
                .into(),
                range: ignored.byte_range(),
                severity: Severity::Warning,
                fix: None,
            });
        }
        let mut cursor = array.walk();
        for item in array.named_children(&mut cursor) {
            if item.kind() != "json_string" {
                errors.push(error(
                    "syntax-json-not-strings",
                    item,
                    "when using JSON array syntax, arrays must be comprised of strings only".into(),
                ));
            }
        }
    }
}

/// `${name` with no `}` before the word ends.
fn unclosed_expansions(node: Node<'_>, src: &str, errors: &mut Vec<Finding>) {
    // A walk of every node of the instruction, for text that has no `${` at all.
    if !node_text(node, src).contains("${") {
        return;
    }
    let mut cursor = node.walk();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if n.kind() == "expansion" {
            let text = node_text(n, src);
            if text.starts_with("${") && !text.ends_with('}') {
                errors.push(error(
                    "syntax-unterminated-expansion",
                    n,
                    format!(
                        "missing `}}` to close `{}`",
                        text.chars().take(40).collect::<String>()
                    ),
                ));
            }
        }
        stack.extend(n.named_children(&mut cursor).collect::<Vec<_>>());
    }
}

/// The blank lines inside a continued instruction (an ONBUILD's include its
/// trigger's), without their line ends: BuildKit warns they will become errors.
pub fn empty_continuation_lines(instruction: &Instruction<'_>) -> Vec<Range<usize>> {
    let src = instruction.src();
    // Finding where the logical line ends walks the instruction's children; the whole
    // node's text (heredoc bodies included) rarely has a blank line to look for.
    let whole = src.get(instruction.node().byte_range()).unwrap_or("");
    let any_blank = whole
        .split_inclusive('\n')
        .skip(1)
        .any(|line| is_blank_line(line.trim_end_matches(['\n', '\r'])));
    if !any_blank {
        return Vec::new();
    }
    let range = instruction.line_range();
    let Some(text) = src.get(range.clone()) else {
        return Vec::new();
    };
    if !text.contains('\n') {
        return Vec::new();
    }
    let mut lines = Vec::new();
    let mut offset = range.start;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let content = line.trim_end_matches(['\n', '\r']);
        if i > 0 && is_blank_line(content) && !is_comment_line(content) {
            lines.push(offset..offset + content.len());
        }
        offset += line.len();
    }
    lines
}

fn long_lines(src: &str, errors: &mut Vec<Finding>) {
    if src.len() <= MAX_LINE_BYTES {
        return;
    }
    let bytes = src.as_bytes();
    let mut start = 0;
    // Runs on every keystroke: leap over whole windows of short lines by the last line
    // break in each. A window without one starts a line that is too long; what is left
    // after the last window is too short to hold one.
    while start + MAX_LINE_BYTES < bytes.len() {
        match memchr::memrchr(b'\n', &bytes[start..=start + MAX_LINE_BYTES]) {
            Some(at) => start += at + 1,
            None => {
                let end = memchr::memchr(b'\n', &bytes[start..]).map_or(src.len(), |at| start + at);
                errors.push(Finding {
                    rule: "syntax-line-too-long",
                    message: format!(
                        "dockerfile line greater than max allowed size of {MAX_LINE_BYTES}"
                    )
                    .into(),
                    range: start..end,
                    severity: Severity::Error,
                    fix: None,
                });
                start = end + 1;
            }
        }
    }
}

/// The known instruction closest to a misspelt one.
fn suggest(written: &str) -> Option<&'static str> {
    closest(written, InstructionKind::ALL_KNOWN.iter().map(|k| k.name()))
}

/// The candidate within a small edit distance of `word` (case-insensitive).
pub fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_ascii_lowercase();
    let limit = (word.chars().count() / 3).clamp(1, 3);
    candidates
        .map(|c| (edit_distance(&word, &c.to_ascii_lowercase()), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

/// Optimal string alignment distance (a transposition counts as one edit).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{self, FileKind};

    fn long_line_ranges(text: &str) -> Vec<Range<usize>> {
        let tree = syntax::parse(FileKind::Dockerfile, text, None).expect("parse");
        file_errors(&Dockerfile::new(&tree, text))
            .into_iter()
            .filter(|f| f.rule == "syntax-line-too-long")
            .map(|f| f.range)
            .collect()
    }

    /// Lines over BuildKit's limit are found wherever they are: after more than a
    /// window of short lines, at the end without a line break, and not at the limit.
    #[test]
    fn each_line_over_the_limit_is_an_error() {
        let short = "RUN echo ok\n".repeat(7_000);
        let long = format!("LABEL a={}\n", "x".repeat(MAX_LINE_BYTES));
        let text = format!("FROM a\n{short}{long}{short}{long}RUN end");
        let first = 7 + short.len();
        let second = first + long.len() + short.len();
        assert_eq!(
            long_line_ranges(&text),
            [
                first..first + long.len() - 1,
                second..second + long.len() - 1
            ]
        );
        let at_limit = format!("FROM a\n{short}LABEL a={}", "x".repeat(MAX_LINE_BYTES - 8));
        assert!(long_line_ranges(&at_limit).is_empty());
        let unterminated = format!("FROM a\n{short}LABEL a={}", "x".repeat(MAX_LINE_BYTES));
        let start = 7 + short.len();
        assert_eq!(
            long_line_ranges(&unterminated),
            vec![start..unterminated.len()]
        );
    }
}
