//! Comments right above a named FROM or an ARG, which BuildKit reads as descriptions.

use std::ops::Range;

use tree_sitter::Node;

use super::{Alias, Check, FileView, Findings, Rule};
use crate::syntax::{Instruction, InstructionKind, Severity};

pub static INVALID_DEFINITION_DESCRIPTION: Rule = Rule {
    id: "invalid-definition-description",
    summary: "A comment right above a named stage or an ARG should start with its name",
    severity: Severity::Warning,
    aliases: &[Alias::BuildKit("InvalidDefinitionDescription")],
    explanation: "`docker build --call=outline` and `--call=targets` describe build stages and arguments \
with the comment lines right above their FROM or ARG, when a line starts with the stage's or argument's \
name (`# build compiles the binary`). A comment there that does not is either a description that will not \
show, or an ordinary comment that sits where a description goes: start it with the name, or put an empty \
line (or an empty `#` line) between the comment and the instruction.\n\nBuildKit checks only the comment \
line nearest to the instruction; here any line of the comment block may carry the description, as the \
outline reads it. This is an experimental check in BuildKit, off by default.",
    bad: "# Compile the binary\nFROM golang:1.22 AS build\n",
    good: "# build compiles the binary\nFROM golang:1.22 AS build\n",
    tags: &[],
    fixable: false,
    enabled_by_default: false,
    check: Check::File(check),
};

/// A run of comment lines with no blank or empty-comment line between them.
#[derive(Debug, Default)]
struct Block {
    /// The text after `#` of each line, trimmed.
    lines: Vec<String>,
    /// From the first `#` to the end of the last line (without its line end).
    range: Option<Range<usize>>,
    /// Where the line after the block starts.
    next_line: usize,
}

/// The start and end (before `\r\n`) of the line holding `at`.
fn line_around(src: &str, at: usize) -> (usize, usize) {
    let bytes = src.as_bytes();
    let start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
    let end = memchr::memchr(b'\n', &bytes[at..]).map_or(src.len(), |i| at + i);
    let end = if end > start && bytes[end - 1] == b'\r' {
        end - 1
    } else {
        end
    };
    (start, end)
}

/// The instruction whose keyword starts exactly at `at`, if any.
fn instruction_at<'t>(view: &FileView<'_, 't>, at: usize) -> Option<Instruction<'t>> {
    let node: Node<'t> = view.file.root().descendant_for_byte_range(at, at)?;
    if node.kind() != "keyword" || node.start_byte() != at {
        return None;
    }
    let instruction = Instruction::from_node(node.parent()?, view.file.src(), view.file.escape())?;
    (instruction.node().start_byte() == at).then_some(instruction)
}

/// The names a description above `instruction` may start with, and what to call it.
fn described(instruction: &Instruction<'_>) -> Option<(Vec<String>, String)> {
    match instruction.kind() {
        InstructionKind::From => {
            let name = instruction.text(instruction.stage_name()?).to_owned();
            let what = format!("stage `{name}`");
            Some((vec![name], what))
        }
        InstructionKind::Arg => {
            let names: Vec<String> = instruction
                .pairs()
                .iter()
                .map(|p| p.key().to_owned())
                .filter(|k| !k.is_empty())
                .collect();
            let what = match names.as_slice() {
                [] => return None,
                [one] => format!("ARG `{one}`"),
                _ => "this ARG".to_owned(),
            };
            Some((names, what))
        }
        _ => None,
    }
}

fn check_block(view: &FileView<'_, '_>, block: &Block, findings: &mut Findings) {
    let Some(range) = block.range.clone() else {
        return;
    };
    let src = view.file.src();
    let Some(first) = src
        .get(block.next_line..)
        .and_then(|rest| rest.find(|c: char| c != ' ' && c != '\t'))
    else {
        return;
    };
    let Some(instruction) = instruction_at(view, block.next_line + first) else {
        return;
    };
    let Some((names, what)) = described(&instruction) else {
        return;
    };
    let starts_with_name = block.lines.iter().any(|line| {
        line.split_whitespace()
            .next()
            .is_some_and(|word| names.iter().any(|n| n == word))
    });
    if starts_with_name {
        return;
    }
    let example = match names.as_slice() {
        [one] => one.as_str(),
        _ => "<arg name>",
    };
    findings.report(
        range,
        format!(
            "this comment is read as the description of {what}: start it with `# {example} <description>`, or put an empty line between it and the {}",
            instruction.kind().name()
        ),
    );
}

fn check(view: &FileView<'_, '_>, findings: &mut Findings) {
    let src = view.file.src();
    let root = view.file.root();
    let mut block = Block::default();
    let mut last_line_end: Option<usize> = None;
    for at in memchr::memchr_iter(b'#', src.as_bytes()) {
        let (start, end) = line_around(src, at);
        if !src[start..at].bytes().all(|b| b == b' ' || b == b'\t') {
            continue; // `#` inside a line
        }
        let is_comment = root
            .descendant_for_byte_range(at, at + 1)
            .is_some_and(|n| n.kind() == "comment");
        // A comment line right after the previous one continues the block.
        let adjacent = last_line_end.is_some_and(|e| {
            src.get(e..start)
                .is_some_and(|gap| gap.trim_start_matches('\r') == "\n")
        });
        if !adjacent {
            check_block(view, &block, findings);
            block = Block::default();
        }
        last_line_end = Some(end);
        let text = src[at + 1..end].trim();
        if !is_comment || text.is_empty() {
            // A directive, a heredoc line or an empty `#` ends any description.
            block = Block::default();
            continue;
        }
        block.lines.push(text.to_owned());
        let first = block.range.as_ref().map_or(at, |r| r.start);
        block.range = Some(first..end);
        block.next_line = (end + 1).min(src.len());
        if src.as_bytes().get(end) == Some(&b'\r') {
            block.next_line = (end + 2).min(src.len());
        }
    }
    check_block(view, &block, findings);
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, flagged};

    const ID: &str = "invalid-definition-description";

    #[test]
    fn a_comment_above_a_named_stage_or_an_arg() {
        let text =
            "# Compile it\n# for linux\nFROM golang AS build\n# the version\nARG VERSION=1\n";
        assert_eq!(
            findings(ID, text),
            [
                (
                    "1:1-2:12".to_owned(),
                    "this comment is read as the description of stage `build`: start it with `# build <description>`, or put an empty line between it and the FROM".to_owned()
                ),
                (
                    "4:1-4:14".to_owned(),
                    "this comment is read as the description of ARG `VERSION`: start it with `# VERSION <description>`, or put an empty line between it and the ARG".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn descriptions_that_start_with_the_name() {
        let text = "# build compiles it\n# on any platform\nFROM golang AS build\n# Details first\n# VERSION is the release\nARG VERSION=1\n#A x\nARG A B\n";
        assert!(flagged(ID, text).is_empty());
    }

    #[test]
    fn an_empty_line_or_empty_comment_separates() {
        let text = "# just a note\n\nFROM golang AS build\n# a note\n#\nARG V\n  # indented note\n\nARG W\n";
        assert!(flagged(ID, text).is_empty());
    }

    #[test]
    fn unnamed_stages_directives_and_other_instructions_are_not_described() {
        let text = "# syntax=docker/dockerfile:1\nFROM alpine AS base\n# a note\nFROM alpine\n# a note\nRUN echo\n# a note\nONBUILD ARG X\n";
        assert!(flagged(ID, text).is_empty());
    }

    #[test]
    fn several_args_and_global_args() {
        let text = "# versions\nARG A=1 B=2\nFROM scratch\n";
        assert_eq!(
            findings(ID, text)[0].1,
            "this comment is read as the description of this ARG: start it with `# <arg name> <description>`, or put an empty line between it and the ARG"
        );
    }

    #[test]
    fn comments_inside_heredocs_and_continuations_are_not_descriptions() {
        let text = "FROM a\nRUN <<EOF\n# not a comment\nEOF\nARG X\nRUN a \\\n# inside\n  b\n";
        assert!(flagged(ID, text).is_empty());
    }
}
