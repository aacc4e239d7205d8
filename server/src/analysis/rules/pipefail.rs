//! Pipelines in RUN without `pipefail`.

use std::ops::Range;

use super::{Alias, Check, Findings, Rule, scan};
use crate::analysis::model::StageModel;
use crate::analysis::shell::{Command, Separator};
use crate::syntax::{Instruction, Severity};

pub static PIPEFAIL_MISSING: Rule = Rule {
    id: "pipefail-missing",
    summary: "RUN with a pipe should set `-o pipefail`",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL4006"), Alias::Trivy("DS-0032")],
    explanation: "The status of a pipeline is the status of its last command: in \
`RUN curl -fsSL https://example.com/install.sh | sh`, a failed download gives `sh` an empty script, \
which succeeds, and the build goes on with a broken image. With `pipefail` the pipeline fails when any \
of its commands does. Set it for the stage with `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` \
(also `ash` and `zsh`), or in the script with `set -o pipefail`; a heredoc script run by its own shell \
needs its own `set -o pipefail`. RUNs under PowerShell or cmd are not checked.",
    bad: "FROM debian:bookworm-slim\nRUN curl -fsSL https://example.com/install.sh | sh\n",
    good: "FROM debian:bookworm-slim\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nRUN curl -fsSL https://example.com/install.sh | sh\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Stage(check),
};

fn check(model: &StageModel<'_, '_>, findings: &mut Findings) {
    if runs_on_windows(model) {
        return;
    }
    for (at, instruction) in model.stage.instructions.iter().enumerate() {
        // Parsing costs more than looking for a `|`: most RUNs have none.
        if !scan::run_mentions(instruction, ["|"]) {
            continue;
        }
        let argv = model.shell_at(at).map_or(&[][..], |s| s.argv.as_slice());
        if argv.first().is_some_and(|shell| is_non_posix(shell)) {
            continue;
        }
        let shell_sets_it = pipefail_setting(argv.iter().skip(1).map(String::as_str)) == Some(true);
        check_run(instruction, shell_sets_it, findings);
    }
}

/// Windows images run RUN with `cmd` unless SHELL says otherwise; a backtick
/// escape or a Windows base image gives them away.
fn runs_on_windows(model: &StageModel<'_, '_>) -> bool {
    let image = model
        .info()
        .map(|s| s.expanded_image.value.to_ascii_lowercase())
        .unwrap_or_default();
    model.shell_at(model.stage.instructions.len()).is_none()
        && (model.file.escape == '`'
            || ["windows", "nanoserver", "servercore"]
                .iter()
                .any(|w| image.contains(w)))
}

/// Shells that can read a heredoc script.
const SHELLS: &[&str] = &["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh"];

fn is_non_posix(shell: &str) -> bool {
    let name = shell.rsplit(['/', '\\']).next().unwrap_or(shell);
    let name = name.to_ascii_lowercase();
    ["pwsh", "powershell", "cmd"]
        .iter()
        .any(|p| name.starts_with(p))
}

/// What options turn pipefail on (`-o pipefail`, `-euxo pipefail`) or off (`+o pipefail`); the last one wins.
fn pipefail_setting<'a>(args: impl Iterator<Item = &'a str>) -> Option<bool> {
    let args: Vec<&str> = args.collect();
    let mut setting = None;
    for pair in args.windows(2) {
        let [option, name] = pair else { continue };
        if *name != "pipefail" || option.starts_with("--") {
            continue;
        }
        let takes_name =
            |prefix: char| option.strip_prefix(prefix).is_some_and(|l| l.contains('o'));
        if takes_name('-') {
            setting = Some(true);
        } else if takes_name('+') {
            setting = Some(false);
        }
    }
    setting
}

/// One script of a RUN: its command line or a heredoc body, and whether pipefail
/// is on when it starts.
struct Script {
    range: Range<usize>,
    pipefail: bool,
    /// Advice on where to set the option.
    advice: &'static str,
}

fn check_run(instruction: &Instruction<'_>, shell_sets_it: bool, findings: &mut Findings) {
    let run = crate::analysis::shell::run_commands(instruction);
    if !run.commands.iter().any(is_piped) {
        return;
    }
    let line_end = instruction.line_end();
    let line_commands: Vec<&Command> = run
        .commands
        .iter()
        .filter(|c| c.range.start < line_end)
        .collect();
    let mut scripts = vec![Script {
        range: instruction.node().start_byte()..line_end,
        pipefail: shell_sets_it,
        advice: "start the RUN with `set -o pipefail &&`, or set `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` before it",
    }];
    for heredoc in instruction.heredocs() {
        let Some(body) = heredoc.body else { continue };
        let text = instruction.text(body);
        let pipefail = if let Some(shebang) = text.lines().next().and_then(|l| l.strip_prefix("#!"))
        {
            // Run as a file by its interpreter: SHELL does not apply.
            pipefail_setting(shebang.split_whitespace()) == Some(true)
        } else if line_commands.is_empty() {
            // `RUN <<EOF`: BuildKit hands the body to SHELL.
            shell_sets_it
        } else {
            // `RUN bash -o pipefail <<EOF`: the shell reading the body decides (a
            // `set` on the line does not reach it).
            line_commands.iter().any(|c| {
                SHELLS.contains(&c.basename())
                    && pipefail_setting(c.args.iter().map(|a| a.text.as_str())) == Some(true)
            })
        };
        scripts.push(Script {
            range: body.byte_range(),
            pipefail,
            advice: "put `set -o pipefail` at the top of the script",
        });
    }
    for script in &scripts {
        let commands: Vec<&Command> = run
            .commands
            .iter()
            .filter(|c| script.range.contains(&c.range.start))
            .collect();
        check_script(&commands, script, findings);
    }
}

fn is_piped(command: &Command) -> bool {
    matches!(
        command.separator_before,
        Some(Separator::Pipe | Separator::PipeStderr)
    )
}

/// The commands of one pipeline, by index in the script's commands.
struct Pipeline {
    members: Vec<usize>,
    /// pipefail was off when it ran.
    masked: bool,
}

fn check_script(commands: &[&Command], script: &Script, findings: &mut Findings) {
    let mut pipefail = script.pipefail;
    let mut pipelines: Vec<Pipeline> = Vec::new();
    for (j, command) in commands.iter().enumerate() {
        if command.basename() == "set"
            && !command.in_subshell_or_condition
            && let Some(setting) = pipefail_setting(command.args.iter().map(|a| a.text.as_str()))
        {
            pipefail = setting;
        }
        if !is_piped(command) || j == 0 {
            continue;
        }
        // The command before the pipe: commands of a substitution in it come in between.
        let mut before = j - 1;
        while before > 0 && commands.get(before).is_some_and(|c| !c.in_pipeline) {
            before -= 1;
        }
        match pipelines.last_mut() {
            Some(pipeline) if pipeline.members.last().is_some_and(|&last| last >= before) => {
                pipeline.members.push(j);
            }
            _ => pipelines.push(Pipeline {
                members: vec![before, j],
                masked: !pipefail,
            }),
        }
    }
    for pipeline in pipelines.iter().filter(|p| p.masked) {
        let members: Vec<&Command> = pipeline
            .members
            .iter()
            .filter_map(|&i| commands.get(i).copied())
            .collect();
        report(&members, script.advice, findings);
    }
}

fn report(pipeline: &[&Command], advice: &str, findings: &mut Findings) {
    let (Some(first), Some(last)) = (pipeline.first(), pipeline.last()) else {
        return;
    };
    let masked: Vec<String> = pipeline[..pipeline.len() - 1]
        .iter()
        .map(|c| format!("`{}`", c.basename()))
        .collect();
    findings.report(
        first.range.start..last.range.end,
        format!(
            "if {} fails, the pipeline still succeeds: only `{}` sets its status; {advice}",
            masked.join(" or "),
            last.basename()
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, flagged};

    const LINE_ADVICE: &str = "start the RUN with `set -o pipefail &&`, or set `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` before it";

    #[test]
    fn a_pipe_under_the_default_shell() {
        let text =
            "FROM debian\nRUN curl -fsSL https://x/install.sh \\\n  | sh -s -- -y && echo done\n";
        assert_eq!(
            findings("pipefail-missing", text),
            [(
                "2:5-3:16".to_owned(),
                format!(
                    "if `curl` fails, the pipeline still succeeds: only `sh` sets its status; {LINE_ADVICE}"
                )
            )]
        );
    }

    #[test]
    fn every_command_but_the_last_is_named() {
        let text = "FROM debian\nRUN a | b |& c\n";
        insta::assert_snapshot!(findings("pipefail-missing", text)[0].1, @r#"if `a` or `b` fails, the pipeline still succeeds: only `c` sets its status; start the RUN with `set -o pipefail &&`, or set `SHELL ["/bin/bash", "-o", "pipefail", "-c"]` before it"#);
    }

    #[test]
    fn a_shell_with_pipefail_covers_the_stage_and_the_stages_built_on_it() {
        let text = "FROM debian AS base\nSHELL [\"/bin/bash\", \"-eo\", \"pipefail\", \"-c\"]\nRUN a | b\n\
                    FROM base\nRUN c | d\n\
                    FROM debian\nRUN e | f\n";
        assert_eq!(flagged("pipefail-missing", text), ["e | f"]);
    }

    #[test]
    fn set_o_pipefail_before_the_pipe() {
        let text = "FROM debian\nRUN set -euxo pipefail; a | b\n\
                    RUN set -e -o pipefail && a | b\n\
                    RUN a | b && set -o pipefail\n\
                    RUN (set -o pipefail) && c | d\n\
                    RUN set -o pipefail && set +o pipefail && e | f\n\
                    RUN a || b\n";
        assert_eq!(
            flagged("pipefail-missing", text),
            ["a | b", "c | d", "e | f"]
        );
        assert_eq!(findings("pipefail-missing", text)[0].0, "4:5-4:10");
    }

    #[test]
    fn non_posix_shells_are_skipped() {
        let text = "FROM mcr.microsoft.com/windows/servercore:ltsc2022\nRUN dir | findstr x\n\
                    FROM alpine\nSHELL [\"pwsh\", \"-Command\"]\nRUN Get-ChildItem | Select-Object Name\n";
        assert!(flagged("pipefail-missing", text).is_empty());
    }

    #[test]
    fn heredocs_run_by_buildkit_use_the_shell() {
        // hadolint#1137: a bash heredoc that sets pipefail itself is fine.
        let text = "FROM debian\nRUN <<EOF\nset -o pipefail\ncurl x | sh\nEOF\n\
                    RUN <<EOF bash\nset -o pipefail\ncurl x | sh\nEOF\n\
                    RUN bash <<EOF\nset -eo pipefail\ncurl x | sh\nEOF\n\
                    SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n\
                    RUN <<EOF\ncurl y | sh\nEOF\n";
        assert!(flagged("pipefail-missing", text).is_empty());
    }

    #[test]
    fn heredocs_with_their_own_shell_need_their_own_pipefail() {
        let text = "FROM debian\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n\
                    RUN <<EOF\n#!/bin/sh\ncurl x | sh\nEOF\n\
                    RUN bash <<EOF\ncurl y | sh\nEOF\n\
                    RUN bash -o pipefail <<EOF\ncurl z | sh\nEOF\n\
                    RUN <<EOF bash\ncurl w | sh\nEOF\n\
                    RUN set -o pipefail && bash <<EOF\ncurl v | sh\nEOF\n";
        let found = findings("pipefail-missing", text);
        let ranges: Vec<&str> = found.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(ranges, ["5:1-5:12", "8:1-8:12", "14:1-14:12", "17:1-17:12"]);
        assert!(
            found[0]
                .1
                .ends_with("put `set -o pipefail` at the top of the script")
        );
    }
}
