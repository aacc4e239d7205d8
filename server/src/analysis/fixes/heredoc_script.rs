//! Edits of a RUN whose script is a heredoc body (`RUN <<EOF ... EOF`), where
//! `run_chain::append_command` has no command line to extend.

use crate::analysis::fixes::lines::line_end;
use crate::analysis::shell::RunCommands;
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
