//! What may come before the first FROM.

use super::{Alias, Check, FileView, Findings, Rule};
use crate::syntax::{InstructionKind, Severity};

pub static INSTRUCTION_BEFORE_FROM: Rule = Rule {
    id: "instruction-before-from",
    summary: "Only ARG, comments and parser directives may come before the first FROM",
    severity: Severity::Error,
    aliases: &[Alias::Hadolint("DL3061")],
    explanation: "Every instruction but ARG works on a build stage, and stages start with FROM. BuildKit \
stops at an instruction before the first FROM: there is no stage for it to act on. Move it below FROM, \
or make it an ARG when it only sets a value for FROM lines.",
    bad: "ENV VERSION=3.12\nFROM python:3.12-slim\n",
    good: "ARG VERSION=3.12\nFROM python:${VERSION}-slim\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::File(check),
};

fn check(view: &FileView<'_, '_>, findings: &mut Findings) {
    for instruction in view.file.preamble() {
        let kind = instruction.kind();
        if matches!(kind, InstructionKind::Arg | InstructionKind::Unknown) {
            continue; // an unknown keyword is already a syntax error
        }
        let at = instruction.keyword().unwrap_or(instruction.node());
        findings.report(
            at.byte_range(),
            format!(
                "{} before the first FROM: only ARG may come before FROM; move it into a stage",
                kind.name()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::findings;

    #[test]
    fn instructions_before_from() {
        let text = "# syntax=docker/dockerfile:1\n# a comment\nARG A=1\nLABEL x=y\nRUN echo\nFROM alpine\nRUN ok\n";
        let found = findings("instruction-before-from", text);
        insta::assert_debug_snapshot!(found, @r#"
        [
            (
                "4:1-4:6",
                "LABEL before the first FROM: only ARG may come before FROM; move it into a stage",
            ),
            (
                "5:1-5:4",
                "RUN before the first FROM: only ARG may come before FROM; move it into a stage",
            ),
        ]
        "#);
    }

    #[test]
    fn args_comments_and_directives_first_are_fine() {
        let text = "# escape=`\n# comment\nARG BASE=alpine\nARG TAG\nFROM ${BASE}:${TAG}\nENV X=1\nFROM scratch\nLABEL a=b\n";
        assert!(findings("instruction-before-from", text).is_empty());
    }
}
