//! Edits of a RUN's command chain: add an option, append a command, drop a command,
//! in the continuation style the RUN is written in.

use crate::analysis::fixes::lines::{indentation, newline};
use crate::analysis::shell::{Command, RunCommands, Separator, Word};
use crate::syntax::{Edit, Instruction};

/// ` option` right after `word` (`apt-get install` + `--no-install-recommends`).
pub fn add_option(after: &Word, option: &str) -> Edit {
    Edit::insert(after.range.end, format!(" {option}"))
}

/// How a multi-line RUN is laid out, so that new commands look like the old ones.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Layout {
    /// Commands go on lines of their own.
    multi_line: bool,
    /// `&&` starts the continued lines (`\` then `&& cmd`), rather than ending them.
    leading_and: bool,
    /// The indentation of the continued lines.
    indent: String,
}

fn layout(instruction: &Instruction<'_>, commands: &[Command]) -> Layout {
    let src = instruction.src();
    let start = instruction.node().start_byte();
    let end = instruction.line_end();
    let text = src.get(start..end).unwrap_or("");
    let multi_line = text.contains('\n');
    let continued = commands
        .iter()
        .skip(1)
        .rev()
        .find(|c| indentation_line_differs(src, start, c.range.start));
    let (indent, leading_and) = match continued {
        Some(c) => (
            indentation(src, c.range.start).to_owned(),
            line_text_before(src, c.range.start).trim() == "&&",
        ),
        None => ("    ".to_owned(), false),
    };
    Layout {
        multi_line,
        leading_and,
        indent,
    }
}

/// Whether `at` is on a later line than `start`.
fn indentation_line_differs(src: &str, start: usize, at: usize) -> bool {
    src.get(start..at)
        .is_some_and(|between| between.contains('\n'))
}

/// The text of `at`'s line before it.
fn line_text_before(src: &str, at: usize) -> &str {
    let line_start = crate::analysis::fixes::lines::line_start(src, at);
    src.get(line_start..at).unwrap_or("")
}

/// Appends `command` to the RUN with `&&`; `None` when the end of the RUN is not a
/// plain command (a heredoc, a trailing comment, redirection, `&` or an unparsed script).
pub fn append_command(
    instruction: &Instruction<'_>,
    run: &RunCommands,
    command: &str,
) -> Option<Edit> {
    let end = chain_end(instruction, run)?;
    let src = instruction.src();
    let layout = layout(instruction, &run.commands);
    let escape = instruction.escape();
    let text = if layout.multi_line {
        // The RUN's own line break: a cached finding's fix must not depend on the
        // rest of the file.
        let nl = newline(src.get(instruction.node().byte_range()).unwrap_or(src));
        if layout.leading_and {
            format!(" {escape}{nl}{}&& {command}", layout.indent)
        } else {
            format!(" &&{} {escape}{nl}{}{command}", "", layout.indent)
        }
    } else {
        format!(" && {command}")
    };
    Some(Edit::insert(end, text))
}

/// Where the last command of a RUN ends, when it ends the RUN's command line.
fn chain_end(instruction: &Instruction<'_>, run: &RunCommands) -> Option<usize> {
    if !run.complete || !instruction.heredocs().is_empty() {
        return None;
    }
    let last = run.commands.last()?;
    if last.in_subshell_or_condition || last.in_pipeline {
        return None;
    }
    let rest = instruction
        .src()
        .get(last.range.end..instruction.line_end())?;
    rest.trim().is_empty().then_some(last.range.end)
}

/// Removes one command of an `&&` chain with the operator that joins it; `None` when
/// the command is alone, or joined by anything but `&&`, or not at the top level.
pub fn remove_command(run: &RunCommands, index: usize) -> Option<Edit> {
    let command = run.commands.get(index)?;
    if !run.complete || command.in_subshell_or_condition || command.in_pipeline {
        return None;
    }
    let next = run.commands.get(index + 1);
    if command.separator_before == Some(Separator::And) {
        let previous = run.commands.get(index.checked_sub(1)?)?;
        if previous.in_subshell_or_condition || previous.in_pipeline {
            return None;
        }
        return Some(Edit::delete(previous.range.end..command.range.end));
    }
    let next = next?;
    if command.separator_before.is_some() || next.separator_before != Some(Separator::And) {
        return None;
    }
    Some(Edit::delete(command.range.start..next.range.start))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fixes::apply_edits;
    use crate::analysis::shell::run_commands;
    use crate::syntax::{self, Dockerfile, FileKind};

    fn on_run(
        text: &str,
        edit: impl Fn(&Instruction<'_>, &RunCommands) -> Option<Edit>,
    ) -> Option<String> {
        let tree = syntax::parse(FileKind::Dockerfile, text, None).expect("parse");
        let file = Dockerfile::new(&tree, text);
        let run = file
            .instructions()
            .find(|i| i.keyword_text().eq_ignore_ascii_case("run"))?;
        let commands = run_commands(&run);
        let edit = edit(&run, &commands)?;
        apply_edits(text, &[edit])
    }

    fn appended(text: &str) -> Option<String> {
        on_run(text, |i, r| {
            append_command(i, r, "rm -rf /var/lib/apt/lists/*")
        })
    }

    #[test]
    fn appending_follows_the_continuation_style() {
        insta::assert_snapshot!(appended("FROM a\nRUN apt-get update && apt-get install -y x\n").unwrap_or_default(), @r"
        FROM a
        RUN apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/*
        ");
        insta::assert_snapshot!(appended("FROM a\nRUN apt-get update \\\n  && apt-get install -y x\n").unwrap_or_default(), @r"
        FROM a
        RUN apt-get update \
          && apt-get install -y x \
          && rm -rf /var/lib/apt/lists/*
        ");
        insta::assert_snapshot!(appended("FROM a\nRUN apt-get update && \\\n\tapt-get install -y x\n").unwrap_or_default(), @r"
        FROM a
        RUN apt-get update && \
        	apt-get install -y x && \
        	rm -rf /var/lib/apt/lists/*
        ");
        insta::assert_snapshot!(appended("# escape=`\nFROM a\nRUN apt-get update && `\n    apt-get install -y x\n").unwrap_or_default(), @r"
        # escape=`
        FROM a
        RUN apt-get update && `
            apt-get install -y x && `
            rm -rf /var/lib/apt/lists/*
        ");
    }

    #[test]
    fn appending_uses_the_runs_own_line_break() {
        assert_eq!(
            appended("FROM a\r\nRUN a && \\\n  b\r\n").as_deref(),
            Some("FROM a\r\nRUN a && \\\n  b && \\\n  rm -rf /var/lib/apt/lists/*\r\n")
        );
    }

    #[test]
    fn appending_refuses_ends_it_cannot_extend() {
        assert_eq!(appended("FROM a\nRUN apt-get install -y x # done\n"), None);
        assert_eq!(appended("FROM a\nRUN apt-get install -y x > log\n"), None);
        assert_eq!(appended("FROM a\nRUN (apt-get install -y x)\n"), None);
        assert_eq!(
            appended("FROM a\nRUN <<EOF\napt-get install -y x\nEOF\n"),
            None
        );
        assert_eq!(appended("FROM a\nRUN [\"apt-get\", \"install\"]\n"), None);
    }

    #[test]
    fn removing_takes_the_joining_operator() {
        let remove = |text: &str, index: usize| on_run(text, |_, r| remove_command(r, index));
        assert_eq!(
            remove("RUN a && b && c\n", 1).as_deref(),
            Some("RUN a && c\n")
        );
        assert_eq!(remove("RUN a \\\n  && b\n", 0).as_deref(), Some("RUN b\n"));
        assert_eq!(remove("RUN a \\\n  && b\n", 1).as_deref(), Some("RUN a\n"));
        assert_eq!(remove("RUN a; b\n", 1), None);
        assert_eq!(remove("RUN a || b\n", 0), None);
        assert_eq!(remove("RUN a\n", 0), None);
    }
}
