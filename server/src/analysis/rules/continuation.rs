//! Continuation lines: blank lines inside a continued instruction.

use super::{Alias, Check, Findings, Rule};
use crate::syntax::{self, Instruction, Severity};

pub static NO_EMPTY_CONTINUATION: Rule = Rule {
    id: "no-empty-continuation",
    summary: "A continued instruction should not contain empty lines",
    severity: Severity::Warning,
    aliases: &[Alias::BuildKit("NoEmptyContinuation")],
    explanation: "BuildKit skips a blank line inside an instruction continued with `\\`, but warns that it \
will become an error in a future release. A blank line usually means a continuation was left behind after \
a line was removed, or that the instruction ends earlier than it looks: remove the blank line (a comment \
line is fine).",
    bad: "FROM debian:12\nRUN apt-get update && \\\n\n    apt-get install -y curl\n",
    good: "FROM debian:12\nRUN apt-get update && \\\n    apt-get install -y curl\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check),
};

fn check(instruction: &Instruction<'_>, findings: &mut Findings) {
    let lines = syntax::empty_continuation_lines(instruction);
    // The lines of a trigger are the ONBUILD's, which reports them.
    if lines.is_empty() || instruction.is_onbuild_trigger() {
        return;
    }
    for line in lines {
        findings.report(
            line,
            format!(
                "empty line inside a continued {}: BuildKit will reject it in a future release; remove it",
                instruction.kind().name()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::findings;

    const ID: &str = "no-empty-continuation";

    #[test]
    fn each_blank_line_inside_a_continuation_is_reported() {
        let text = "FROM a\nRUN a \\\n\n  b \\\n   \n  c\n";
        assert_eq!(
            findings(ID, text),
            [
                (
                    "3:1-3:1".to_owned(),
                    "empty line inside a continued RUN: BuildKit will reject it in a future release; remove it"
                        .to_owned()
                ),
                (
                    "5:1-5:4".to_owned(),
                    "empty line inside a continued RUN: BuildKit will reject it in a future release; remove it"
                        .to_owned()
                ),
            ]
        );
    }

    #[test]
    fn an_onbuild_trigger_is_reported_once() {
        let text = "FROM a\nONBUILD RUN a \\\n\n  b\n";
        let found = findings(ID, text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "3:1-3:1");
    }

    #[test]
    fn comment_lines_and_blank_lines_between_instructions_are_fine() {
        let text = "FROM a\n\nRUN a \\\n  # note\n  b\n\nRUN c\n";
        assert!(findings(ID, text).is_empty());
    }

    #[test]
    fn blank_lines_in_a_heredoc_body_are_content() {
        let text = "FROM a\nRUN <<EOF\necho a\n\necho b\nEOF\n";
        assert!(findings(ID, text).is_empty());
    }
}
