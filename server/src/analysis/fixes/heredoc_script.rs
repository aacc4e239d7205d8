//! Edits of a RUN whose script is a heredoc body (`RUN <<EOF ... EOF`), where
//! `run_chain::append_command` has no command line to extend.

use crate::analysis::fixes::lines::{line_end, line_start};
use crate::analysis::shell::{RunCommands, Separator};
use crate::syntax::{Edit, Instruction};

/// ` && command` after the last command of the RUN's heredoc script, on its line, so
/// that the script's exit status still fails with that command (a line of its own
/// would hide the failure of the line before, unless the script has `set -e`).
/// `None` unless the last command of the RUN ends the last script line of a
/// terminated heredoc, at the top level, with nothing after it on its line.
pub fn append_to_heredoc_script(
    instruction: &Instruction<'_>,
    run: &RunCommands,
    command: &str,
) -> Option<Edit> {
    if !run.complete {
        return None;
    }
    let last = run.commands.last()?;
    if last.in_subshell_or_condition || last.in_pipeline {
        return None;
    }
    let heredocs = instruction.heredocs();
    let heredoc = heredocs.last()?;
    let body = heredoc.body?.byte_range();
    if !heredoc.is_terminated() || !body.contains(&last.range.start) {
        return None;
    }
    let src = instruction.src();
    let end = line_end(src, last.range.end);
    let rest_of_line = src.get(last.range.end..end)?;
    // Lines after it may only be blank: a comment or a continuation would need care.
    let after = src.get(end..body.end)?;
    if !rest_of_line.trim().is_empty() || !after.trim().is_empty() {
        return None;
    }
    Some(Edit::insert(last.range.end, format!(" && {command}")))
}

/// The edits that delete the lines of the commands at `indices` (of `run.commands`)
/// from a heredoc script, where each must be alone on its line and not joined to
/// the line before (`&&`, `|`); `None` otherwise.
pub fn remove_script_lines(
    instruction: &Instruction<'_>,
    run: &RunCommands,
    indices: &[usize],
) -> Option<Vec<Edit>> {
    if !run.complete || indices.is_empty() {
        return None;
    }
    let src = instruction.src();
    let bodies: Vec<_> = instruction
        .heredocs()
        .iter()
        .filter_map(|h| h.body.map(|b| b.byte_range()))
        .collect();
    let mut edits: Vec<Edit> = Vec::new();
    for &index in indices {
        let command = run.commands.get(index)?;
        let alone = matches!(command.separator_before, None | Some(Separator::Newline))
            && !command.in_subshell_or_condition
            && !command.in_pipeline
            && run.commands.get(index + 1).is_none_or(|next| {
                matches!(next.separator_before, None | Some(Separator::Newline))
            });
        let start = line_start(src, command.range.start);
        let end = line_end(src, command.range.end);
        let in_body = bodies.iter().any(|b| b.start <= start && end <= b.end);
        let blank =
            |range: std::ops::Range<usize>| src.get(range).is_some_and(|t| t.trim().is_empty());
        if !alone
            || !in_body
            || !blank(start..command.range.start)
            || !blank(command.range.end..end)
        {
            return None;
        }
        let mut through = end;
        if src.get(through..)?.starts_with("\r\n") {
            through += 2;
        } else if src.get(through..)?.starts_with('\n') {
            through += 1;
        }
        if !edits.iter().any(|e| e.range.start == start) {
            edits.push(Edit::delete(start..through));
        }
    }
    Some(edits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fixes::apply_edits;
    use crate::analysis::shell::run_commands;
    use crate::syntax::{self, Dockerfile, FileKind};

    fn appended(text: &str) -> Option<String> {
        let tree = syntax::parse(FileKind::Dockerfile, text, None).expect("parse");
        let file = Dockerfile::new(&tree, text);
        let run = file.instructions().find(|i| i.keyword_text() == "RUN")?;
        let edit = append_to_heredoc_script(&run, &run_commands(&run), "rm -rf /x/*")?;
        apply_edits(text, &[edit])
    }

    #[test]
    fn the_command_joins_the_last_line_of_the_script() {
        insta::assert_snapshot!(appended("FROM a\nRUN <<EOF\nset -e\napt-get update\napt-get install -y git\n\nEOF\nCMD x\n").unwrap_or_default(), @r"
        FROM a
        RUN <<EOF
        set -e
        apt-get update
        apt-get install -y git && rm -rf /x/*

        EOF
        CMD x
        ");
        assert_eq!(
            appended("FROM a\r\nRUN <<-EOT bash\r\n\tapt-get update\r\nEOT\r\n").as_deref(),
            Some("FROM a\r\nRUN <<-EOT bash\r\n\tapt-get update && rm -rf /x/*\r\nEOT\r\n")
        );
    }

    fn without(text: &str, indices: &[usize]) -> Option<String> {
        let tree = syntax::parse(FileKind::Dockerfile, text, None).expect("parse");
        let file = Dockerfile::new(&tree, text);
        let run = file.instructions().find(|i| i.keyword_text() == "RUN")?;
        apply_edits(
            text,
            &remove_script_lines(&run, &run_commands(&run), indices)?,
        )
    }

    #[test]
    fn script_lines_are_removed_whole() {
        assert_eq!(
            without(
                "FROM a\nRUN <<EOF\n  apk update\napk add --no-cache git\nEOF\n",
                &[0]
            )
            .as_deref(),
            Some("FROM a\nRUN <<EOF\napk add --no-cache git\nEOF\n")
        );
        assert_eq!(without("FROM a\nRUN <<EOF\na && b\nc\nEOF\n", &[0]), None);
        assert_eq!(without("FROM a\nRUN <<EOF\na &&\nb\nc\nEOF\n", &[1]), None);
        assert_eq!(without("FROM a\nRUN <<EOF\na # x\nb\nEOF\n", &[0]), None);
        assert_eq!(without("FROM a\nRUN a && b\n", &[0]), None);
    }

    #[test]
    fn other_endings_are_refused() {
        assert_eq!(appended("FROM a\nRUN <<EOF\na\nb # done\nEOF\n"), None);
        assert_eq!(appended("FROM a\nRUN <<EOF\na\nb\n# done\nEOF\n"), None);
        assert_eq!(appended("FROM a\nRUN <<EOF\nif x; then b; fi\nEOF\n"), None);
        assert_eq!(appended("FROM a\nRUN <<EOF\na | b\nEOF\n"), None);
        assert_eq!(appended("FROM a\nRUN <<EOF\na\nb"), None);
        assert_eq!(appended("FROM a\nRUN python3 <<EOF\nprint(1)\nEOF\n"), None);
        assert_eq!(appended("FROM a\nRUN a && b\n"), None);
    }
}
