//! Consecutive RUN instructions that could be one.

use super::{Alias, Check, Findings, Rule};
use crate::analysis::fixes::merge_run::merge_parsed_runs;
use crate::analysis::model::StageModel;
use crate::analysis::shell::{self, RunCommands};
use crate::syntax::{Applicability, Fix, Instruction, InstructionKind, Severity};
use std::sync::Arc;

pub static CONSECUTIVE_RUN_INSTRUCTIONS: Rule = Rule {
    id: "consecutive-run",
    summary: "Consecutive short RUN instructions could be one",
    severity: Severity::Info,
    aliases: &[Alias::Hadolint("DL3059")],
    explanation: "Each RUN adds a layer and a step to the build. Short RUNs one after the other, each \
with a command or two, are usually one task split up: joined with `&&` they build faster, make fewer \
layers, and let a later command delete what an earlier one left behind in the same layer. RUNs with \
different flags (`--mount`, `--network`...) cannot be joined, and RUNs of three commands or more are \
taken to be split on purpose (to cache the slow part apart); hadolint already takes a RUN of two commands \
so, and reports only RUNs of one. Comments between RUNs do not separate them.\n\n\
The fix appends the RUN's commands to the RUN above with `&&` (in parentheses when they are joined \
by `;` or `||`, so that a failure above still stops them) and deletes it. It is not offered for the \
exec form, heredocs, or a RUN above that ends in a comment.",
    bad: "FROM alpine:3.20\nRUN apk add --no-cache git\nRUN git --version\n",
    good: "FROM alpine:3.20\nRUN apk add --no-cache git && git --version\n",
    tags: &[],
    fixable: true,
    enabled_by_default: true,
    check: Check::Stage(check),
};

/// RUNs with more commands than this are taken to be split on purpose.
const SHORT: usize = 2;

/// The RUN before: the instruction, its flags and command count, and its commands
/// when they were parsed already.
type Previous<'a, 't> = (
    &'a Instruction<'t>,
    Vec<String>,
    usize,
    Option<Arc<RunCommands>>,
);

fn check(model: &StageModel<'_, '_>, findings: &mut Findings) {
    let mut previous: Option<Previous<'_, '_>> = None;
    let instructions = &model.stage.instructions;
    let is_run = |i: usize| {
        instructions
            .get(i)
            .is_some_and(|n| n.kind() == InstructionKind::Run)
    };
    for (i, instruction) in instructions.iter().enumerate() {
        // Reading a RUN's flags and commands is for RUNs next to another RUN only.
        if !is_run(i) || (!is_run(i + 1) && previous.is_none()) {
            previous = None;
            continue;
        }
        let flags = flag_words(instruction);
        let count = command_count(instruction);
        let mut parsed = None;
        if let Some((previous_run, previous_flags, previous_count, previous_parsed)) = &previous
            && *previous_flags == flags
            && *previous_count <= SHORT
            && count <= SHORT
        {
            let at = instruction
                .keyword()
                .map_or_else(|| instruction.node().byte_range(), |k| k.byte_range());
            let message = "this RUN follows another short RUN with the same flags: join them with `&&` to save a layer and a build step";
            let first = previous_parsed
                .clone()
                .unwrap_or_else(|| shell::run_commands(previous_run));
            let second = shell::run_commands(instruction);
            match merge_parsed_runs((previous_run, &first), (instruction, &second)) {
                Some(edits) => findings.report_fix(
                    at,
                    message,
                    Fix::new("Merge into the RUN above", Applicability::Safe, edits),
                ),
                None => findings.report(at, message),
            }
            parsed = Some(second);
        }
        previous = Some((instruction, flags, count, parsed));
    }
}

/// The flags as BuildKit reads them, in a canonical order.
fn flag_words(instruction: &Instruction<'_>) -> Vec<String> {
    let mut words: Vec<String> = instruction.flags().iter().map(|f| f.word()).collect();
    words.sort();
    words
}

/// How many simple commands a RUN runs (its heredoc scripts included).
fn command_count(instruction: &Instruction<'_>) -> usize {
    if instruction.shell_command().is_none() {
        return 1;
    }
    simple_count(&instruction.rest())
        .unwrap_or_else(|| shell::run_commands(instruction).commands.len())
}

/// The command count of a plain line (words, quotes without expansions, `&&`,
/// `||` and `|`), read without parsing; `None` for anything else.
fn simple_count(text: &str) -> Option<usize> {
    let mut count = 1;
    let mut quote = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some('\'') if c == '\'' => quote = None,
            Some('\'') => {}
            Some(_) => match c {
                '"' => quote = None,
                '$' | '`' | '\\' => return None,
                _ => {}
            },
            None => match c {
                '\'' | '"' => quote = Some(c),
                '&' if chars.peek() == Some(&'&') => {
                    chars.next();
                    count += 1;
                }
                '|' => {
                    chars.next_if(|n| *n == '|' || *n == '&');
                    count += 1;
                }
                // `2>&1`, `>|`: redirections, not separators.
                '>' => {
                    chars.next_if(|n| *n == '&' || *n == '|');
                }
                '&' | ';' | '\n' | '$' | '`' | '\\' | '(' | ')' | '{' | '}' | '#' | '<' => {
                    return None;
                }
                _ => {}
            },
        }
    }
    quote.is_none().then_some(count)
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, fixed, fixed_all, fixes, flagged};
    use super::simple_count;

    #[test]
    fn the_second_run_keyword_is_reported() {
        let text = "FROM alpine\nRUN apk add git\n# check it\nrun git --version && git help\n";
        assert_eq!(
            findings("consecutive-run", text),
            [(
                "4:1-4:4".to_owned(),
                "this RUN follows another short RUN with the same flags: join them with `&&` to save a layer and a build step".to_owned()
            )]
        );
    }

    #[test]
    fn a_chain_of_short_runs() {
        let text = "FROM alpine\nRUN a\nRUN b\nRUN [\"c\"]\n";
        assert_eq!(
            findings("consecutive-run", text)
                .into_iter()
                .map(|(range, _)| range)
                .collect::<Vec<_>>(),
            ["3:1-3:4", "4:1-4:4"]
        );
    }

    #[test]
    fn other_instructions_flags_and_long_runs_separate() {
        let text = "FROM alpine\nRUN a\nWORKDIR /x\nRUN b\n\
                    RUN --mount=type=cache,target=/root/.cache c\n\
                    RUN --network=none d\n\
                    RUN e && f && g\nRUN h\n\
                    RUN <<EOF\nset -e\ni\nj\nEOF\nRUN k\n\
                    ONBUILD RUN l\nRUN m\n\
                    FROM alpine\nRUN n\n";
        assert!(flagged("consecutive-run", text).is_empty());
    }

    #[test]
    fn the_same_flags_in_another_order_do_not_separate() {
        let text = "FROM alpine\nRUN --network=none --mount=type=secret,id=a a\nRUN --mount=type=secret,id=a --network=none b\n";
        assert_eq!(flagged("consecutive-run", text), ["RUN"]);
    }

    #[test]
    fn the_fix_merges_the_run_into_the_one_above() {
        insta::assert_snapshot!(fixed("consecutive-run", "FROM alpine\nRUN apk add --no-cache git\n# check it\nRUN git --version \\\n    && git help\nCMD [\"git\"]\n"), @r#"
        FROM alpine
        RUN apk add --no-cache git && git --version \
            && git help
        # check it
        CMD ["git"]
        "#);
        insta::assert_snapshot!(fixed("consecutive-run", "# escape=`\nFROM mcr.microsoft.com/windows/servercore\nRUN --network=none a && `\n    b\nRUN --network=none c || d\n"), @r"
        # escape=`
        FROM mcr.microsoft.com/windows/servercore
        RUN --network=none a && `
            b && `
            ( c || d )
        ");
    }

    #[test]
    fn a_chain_of_runs_becomes_one_in_rounds() {
        insta::assert_snapshot!(fixed_all("consecutive-run", "FROM alpine\nRUN a\nRUN b\nRUN c\nFROM alpine\nRUN d\nRUN e"), @r"
        FROM alpine
        RUN a && b && c
        FROM alpine
        RUN d && e
        ");
    }

    #[test]
    fn no_fix_for_the_exec_form_or_a_heredoc() {
        let text = "FROM alpine\nRUN a\nRUN [\"b\"]\nRUN c\n";
        assert_eq!(fixes("consecutive-run", text), [None, None]);
        let text = "FROM alpine\nRUN a\nRUN <<EOF\nb\nEOF\n";
        assert_eq!(fixes("consecutive-run", text), [None]);
        let text = "FROM alpine\nRUN a # first\nRUN b\n";
        assert_eq!(fixes("consecutive-run", text), [None]);
    }

    #[test]
    fn plain_lines_are_counted_without_parsing() {
        assert_eq!(
            simple_count("echo \"layer 1\" && make -j4 install"),
            Some(2)
        );
        assert_eq!(simple_count("a | b || c 2>&1 >| d"), Some(3));
        assert_eq!(simple_count("echo 'a && b; c'"), Some(1));
        assert_eq!(simple_count("echo \"$HOME\""), None);
        assert_eq!(simple_count("a; b"), None);
        assert_eq!(simple_count("a &"), None);
        assert_eq!(simple_count("echo 'open"), None);
    }
}
