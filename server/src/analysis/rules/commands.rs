//! CMD, ENTRYPOINT and HEALTHCHECK: exec form, and one of each per stage.

use super::{Alias, Check, Findings, Rule, Tag};
use crate::analysis::fixes::exec_form;
use crate::analysis::model::StageModel;
use crate::syntax::{Applicability, Edit, Fix, Instruction, InstructionKind, Severity};

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
down cleanly. The JSON form runs the program directly.\n\n\
The fix rewrites the command in JSON form, split into words as the shell would and JSON-escaped, when \
the shell adds nothing to it. A command that needs the shell (variables, `&&`, pipes, redirections, \
globs, `~`, builtins such as `cd`) is left as it is: keep the shell form and start the program with \
`exec` (`CMD exec gunicorn -b :$PORT app`), or wrap it: `[\"sh\", \"-c\", \"...\"]`. The fix of an \
`ENTRYPOINT` is offered on its own: in JSON form it receives CMD and `docker run` arguments, which the \
shell form ignored.",
    bad: "FROM python:3.12-slim\nCMD python app.py\n",
    good: "FROM python:3.12-slim\nCMD [\"python\", \"app.py\"]\n",
    tags: &[],
    fixable: true,
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
    let Some(command) = instruction.shell_command() else {
        return;
    };
    let range = command.start_byte()..instruction.line_end();
    let problem = format!(
        "shell form {}: the shell becomes PID 1 and the program gets no SIGTERM",
        kind.name()
    );
    let text = instruction.logical(range.clone());
    // With the backtick escape (Windows images), a backslash is more likely a path
    // separator for cmd than an escape for sh.
    let windows_paths = instruction.escape() == '`' && text.contains('\\');
    if !instruction.heredocs().is_empty() || windows_paths {
        findings.report(range, format!("{problem}; use the JSON form [\"...\"]"));
        return;
    }
    match exec_form::plain_words(&text) {
        Ok(words) => {
            let exec = exec_form::json_array(&words);
            // A shell-form ENTRYPOINT ignores CMD and `docker run` arguments; the exec
            // form appends them, so the container may run differently.
            let applicability = match kind {
                InstructionKind::Cmd => Applicability::Safe,
                _ => Applicability::Unsafe,
            };
            let title = if exec.chars().count() <= 60 {
                format!("Rewrite as `{} {exec}`", kind.name())
            } else {
                "Rewrite in the JSON (exec) form".to_owned()
            };
            findings.report_fix(
                range.clone(),
                format!("{problem}; use the JSON form [\"...\"]"),
                Fix::new(title, applicability, vec![Edit::replace(range, exec)]),
            );
        }
        Err(feature) => findings.report(
            range,
            format!(
                "{problem}; it uses shell features ({feature}), so keep the shell form (with `exec` before the program) or wrap it: [\"sh\", \"-c\", \"...\"]"
            ),
        ),
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
    use super::super::testing::{findings, fixed, fixes, flagged};
    use crate::syntax::Applicability;

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
    fn the_fix_writes_the_json_form() {
        insta::assert_snapshot!(fixed("json-args-recommended", "FROM a\nCMD python app.py\nENTRYPOINT exec app \\\n  # a comment line\n  --flag \"a \\\"b\\\"\"\n"), @r#"
        FROM a
        CMD ["python", "app.py"]
        ENTRYPOINT ["app", "--flag", "a \"b\""]
        "#);
        assert_eq!(
            fixes(
                "json-args-recommended",
                "FROM a\nCMD python app.py\nENTRYPOINT app\n"
            ),
            [
                Some((
                    "Rewrite as `CMD [\"python\", \"app.py\"]`".to_owned(),
                    Applicability::Safe
                )),
                Some((
                    "Rewrite as `ENTRYPOINT [\"app\"]`".to_owned(),
                    Applicability::Unsafe
                )),
            ]
        );
    }

    #[test]
    fn the_fix_honours_the_escape_directive_and_onbuild() {
        insta::assert_snapshot!(fixed("json-args-recommended", "# escape=`\nFROM a\nCMD node `\n    server.js --title 'a b'\nONBUILD CMD npm start\n"), @r#"
        # escape=`
        FROM a
        CMD ["node", "server.js", "--title", "a b"]
        ONBUILD CMD ["npm", "start"]
        "#);
        // A backslash there is a Windows path more likely than an escape.
        assert_eq!(
            fixes(
                "json-args-recommended",
                "# escape=`\nFROM a\nCMD C:\\app\\run.exe\n"
            ),
            [None]
        );
    }

    #[test]
    fn commands_that_need_the_shell_keep_it() {
        let text = "FROM a\nCMD gunicorn -b :$PORT app\nCMD cd /srv && ./run\n";
        assert_eq!(fixes("json-args-recommended", text), [None, None]);
        let found = findings("json-args-recommended", text);
        assert_eq!(found[0].0, "2:5-2:27");
        insta::assert_snapshot!(found[0].1, @r#"shell form CMD: the shell becomes PID 1 and the program gets no SIGTERM; it uses shell features (`$PORT`), so keep the shell form (with `exec` before the program) or wrap it: ["sh", "-c", "..."]"#);
        insta::assert_snapshot!(found[1].1, @r#"shell form CMD: the shell becomes PID 1 and the program gets no SIGTERM; it uses shell features (`&&`), so keep the shell form (with `exec` before the program) or wrap it: ["sh", "-c", "..."]"#);
    }

    #[test]
    fn earlier_commands_in_a_stage_are_dead() {
        let text = "FROM a\nCMD [\"a\"]\nENTRYPOINT [\"e\"]\nCMD [\"b\"]\nFROM c\nCMD [\"d\"]\n";
        assert_eq!(flagged("multiple-instructions-disallowed", text), ["CMD"]);
    }
}
