//! CMD, ENTRYPOINT and HEALTHCHECK: exec form, and one of each per stage.

use super::{Alias, Check, Findings, Rule, Tag};
use crate::analysis::model::StageModel;
use crate::syntax::{Instruction, InstructionKind, Severity};

pub static JSON_ARGS_RECOMMENDED: Rule = Rule {
    id: "json-args-recommended",
    summary: "CMD and ENTRYPOINT should use the JSON (exec) form",
    severity: Severity::Warning,
    aliases: &[
        Alias::Hadolint("DL3025"),
        Alias::BuildKit("JSONArgsRecommended"),
    ],
    explanation: "In shell form the command runs as `/bin/sh -c \"...\"`: the shell is PID 1 and does not pass \
SIGTERM on, so `docker stop` waits for its timeout and then kills the process without letting it shut \
down cleanly. The JSON form runs the program directly.",
    bad: "FROM python:3.12-slim\nCMD python app.py\n",
    good: "FROM python:3.12-slim\nCMD [\"python\", \"app.py\"]\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_json_args),
};

pub static MULTIPLE_INSTRUCTIONS: Rule = Rule {
    id: "multiple-instructions-disallowed",
    summary: "Only the last CMD, ENTRYPOINT or HEALTHCHECK of a stage takes effect",
    severity: Severity::Warning,
    aliases: &[
        Alias::Hadolint("DL4003"),
        Alias::Hadolint("DL4004"),
        Alias::Hadolint("DL3012"),
        Alias::BuildKit("MultipleInstructionsDisallowed"),
        Alias::Trivy("DS-0016"),
        Alias::Trivy("DS-0007"),
        Alias::Trivy("DS-0023"),
    ],
    explanation: "A stage has one command, one entrypoint and one health check: each later one silently \
replaces the earlier, which is then dead code that misleads the reader.",
    bad: "FROM node:20-alpine\nCMD [\"npm\", \"test\"]\nCMD [\"node\", \"server.js\"]\n",
    good: "FROM node:20-alpine\nCMD [\"node\", \"server.js\"]\n",
    tags: &[Tag::Unnecessary],
    fixable: false,
    enabled_by_default: true,
    check: Check::Stage(check_multiple),
};

fn check_json_args(instruction: &Instruction<'_>, findings: &mut Findings) {
    let kind = instruction.kind();
    if !matches!(kind, InstructionKind::Cmd | InstructionKind::Entrypoint) {
        return;
    }
    if let Some(command) = instruction.shell_command() {
        findings.report(
            command.start_byte()..instruction.line_end(),
            format!(
                "shell form {}: the shell becomes PID 1 and the program gets no SIGTERM; use the JSON form [\"...\"]",
                kind.name()
            ),
        );
    }
}

fn check_multiple(model: &StageModel<'_, '_>, findings: &mut Findings) {
    let stage = model.stage;
    for kind in [
        InstructionKind::Cmd,
        InstructionKind::Entrypoint,
        InstructionKind::Healthcheck,
    ] {
        let all: Vec<&Instruction<'_>> = stage
            .instructions
            .iter()
            .filter(|i| i.kind() == kind)
            .collect();
        // Stage findings are cached by the stage's text, so the message names no line.
        if let Some((_, earlier)) = all.split_last() {
            for instruction in earlier {
                let at = instruction.keyword().unwrap_or(instruction.node());
                findings.report(
                    at.byte_range(),
                    format!(
                        "this {0} has no effect: a later {0} in the same stage replaces it",
                        kind.name()
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::flagged;

    #[test]
    fn shell_form_cmd_and_entrypoint() {
        let text = "FROM a\nCMD node server.js\nENTRYPOINT exec app \\\n  --flag\n";
        assert_eq!(
            flagged("json-args-recommended", text),
            ["node server.js", "exec app \\\n  --flag"]
        );
    }

    #[test]
    fn exec_form_and_run_are_fine() {
        assert!(
            flagged(
                "json-args-recommended",
                "FROM a\nRUN make\nCMD [\"node\", \"x\"]\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn earlier_commands_in_a_stage_are_dead() {
        let text = "FROM a\nCMD [\"a\"]\nENTRYPOINT [\"e\"]\nCMD [\"b\"]\nFROM c\nCMD [\"d\"]\n";
        assert_eq!(flagged("multiple-instructions-disallowed", text), ["CMD"]);
    }
}
