//! Merging one RUN into another: the commands joined with `&&`, the second RUN deleted.

use crate::analysis::fixes::lines::delete_instruction;
use crate::analysis::fixes::run_chain::append_command;
use crate::analysis::shell::{RunCommands, run_commands};
use crate::syntax::{Edit, Instruction};

/// The edits that move `second`'s commands to the end of `first`; `None` when the two
/// cannot be one RUN unchanged: different flags (mounts, network), a heredoc, the exec form.
pub fn merge_runs(first: &Instruction<'_>, second: &Instruction<'_>) -> Option<Vec<Edit>> {
    merge_parsed_runs(
        (first, &run_commands(first)),
        (second, &run_commands(second)),
    )
}

/// [`merge_runs`] with the commands of both RUNs already parsed (a rule walking a
/// long stage parses each RUN once, not once per neighbour).
pub fn merge_parsed_runs(
    (first, first_run): (&Instruction<'_>, &RunCommands),
    (second, second_run): (&Instruction<'_>, &RunCommands),
) -> Option<Vec<Edit>> {
    let flags = |i: &Instruction<'_>| -> Vec<String> {
        let mut flags: Vec<String> = i
            .flags()
            .iter()
            .map(|f| i.text(f.node).to_owned())
            .collect();
        flags.sort();
        flags
    };
    if flags(first) != flags(second) || !second.heredocs().is_empty() {
        return None;
    }
    let commands = second.shell_command()?;
    let body = second
        .src()
        .get(commands.start_byte()..second.line_end())?
        .trim_end();
    if !second_run.complete || second_run.commands.is_empty() {
        return None;
    }
    // `a || b` or `a; b` after `&&` would change what runs when the first part fails.
    let body = if second_run.commands.iter().any(
        |c| matches!(c.separator_before, Some(s) if s != crate::analysis::shell::Separator::And),
    ) {
        format!("( {body} )")
    } else {
        body.to_owned()
    };
    let append = append_command(first, first_run, &body)?;
    Some(vec![append, delete_instruction(second)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fixes::apply_edits;
    use crate::syntax::{self, Dockerfile, FileKind};

    fn merged(text: &str) -> Option<String> {
        let tree = syntax::parse(FileKind::Dockerfile, text, None).expect("parse");
        let file = Dockerfile::new(&tree, text);
        let runs: Vec<_> = file
            .instructions()
            .filter(|i| i.keyword_text() == "RUN")
            .collect();
        apply_edits(text, &merge_runs(&runs[0], &runs[1])?)
    }

    #[test]
    fn merging_joins_with_and_and_drops_the_second_run() {
        insta::assert_snapshot!(merged("FROM a\nRUN apt-get update\nRUN apt-get install -y \\\n      curl\nCMD x\n").unwrap_or_default(), @r"
        FROM a
        RUN apt-get update && apt-get install -y \
              curl
        CMD x
        ");
        insta::assert_snapshot!(merged("FROM a\nRUN a \\\n    && b\nRUN c || d\n").unwrap_or_default(), @r"
        FROM a
        RUN a \
            && b \
            && ( c || d )
        ");
    }

    #[test]
    fn different_flags_or_heredocs_are_not_merged() {
        assert_eq!(merged("FROM a\nRUN --network=none a\nRUN b\n"), None);
        assert_eq!(merged("FROM a\nRUN a\nRUN <<EOF\nb\nEOF\n"), None);
        assert_eq!(merged("FROM a\nRUN [\"a\"]\nRUN b\n"), None);
    }
}
