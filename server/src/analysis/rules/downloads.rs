//! Download tools in RUN commands: wget's progress output, and wget and curl side by side.

use std::ops::Range;

use super::{Alias, Check, Findings, Rule, scan};
use crate::analysis::model::StageModel;
use crate::syntax::{Instruction, Severity};

pub static WGET_PROGRESS_BAR: Rule = Rule {
    id: "wget-progress-bar",
    summary: "`wget` should use `--progress=dot:giga`, `-nv` or `-q` in a build",
    severity: Severity::Info,
    aliases: &[Alias::Hadolint("DL3047")],
    explanation: "Without a terminal, wget reports progress as a dot per kilobyte, fifty to a line: a \
download of a few hundred megabytes writes thousands of lines to the build log, which slows the build \
output down and buries the lines that matter. `--progress=dot:giga` writes a dot per megabyte, `-nv` \
(`--no-verbose`) a line per file and `-q` nothing (BusyBox wget knows only `-q`).",
    bad: "FROM debian:bookworm-slim\nRUN wget https://example.com/big.tar.gz\n",
    good: "FROM debian:bookworm-slim\nRUN wget --progress=dot:giga https://example.com/big.tar.gz\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_progress),
};

pub static WGET_AND_CURL: Rule = Rule {
    id: "wget-and-curl",
    summary: "Use either `wget` or `curl` in a stage, not both",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL4001"), Alias::Trivy("DS-0014")],
    explanation: "`wget` and `curl` do the same job. A stage that uses both needs both installed: two \
tools, their libraries and their vulnerabilities where one would do, and two sets of options for \
retries, redirects and failures to keep right. The uses of the tool the stage uses less are reported.",
    bad: "FROM debian:bookworm-slim\nRUN curl -fsSLo /tmp/a.tgz https://example.com/a.tgz\nRUN wget -q https://example.com/b.tgz\n",
    good: "FROM debian:bookworm-slim\nRUN curl -fsSLo /tmp/a.tgz https://example.com/a.tgz\nRUN curl -fsSLO https://example.com/b.tgz\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Stage(check_both),
};

fn check_progress(instruction: &Instruction<'_>, findings: &mut Findings) {
    let Some(run) = scan::commands_mentioning(instruction, ["wget"]) else {
        return;
    };
    for command in &run.commands {
        // Logging to a file (`-o`, `-a`) keeps the progress out of the build output too.
        let quiet = command.has_flag(&[
            "--progress",
            "-q",
            "--quiet",
            "-nv",
            "--no-verbose",
            "-o",
            "--output-file",
            "-a",
            "--append-output",
        ]);
        if command.basename() == "wget" && !quiet {
            findings.report(
                command.name_range.clone(),
                "`wget` without `--progress` writes a dot per kilobyte to the build log: add `--progress=dot:giga`, `-nv` or `-q`",
            );
        }
    }
}

fn check_both(model: &StageModel<'_, '_>, findings: &mut Findings) {
    let stage = model.stage;
    // Most stages name at most one of the tools: look before parsing any RUN.
    let text = stage.from.src().get(stage.node.byte_range()).unwrap_or("");
    if !text.contains("curl") || !text.contains("wget") {
        return;
    }
    let mut uses: [Vec<Range<usize>>; 2] = [Vec::new(), Vec::new()];
    const TOOLS: [&str; 2] = ["curl", "wget"];
    for instruction in &stage.instructions {
        let Some(run) = scan::commands_mentioning(instruction, TOOLS) else {
            continue;
        };
        for command in &run.commands {
            if let Some(tool) = TOOLS.iter().position(|t| *t == command.basename()) {
                uses[tool].push(command.name_range.clone());
            }
        }
    }
    let [curl, wget] = &uses;
    let (Some(first_curl), Some(first_wget)) = (curl.first(), wget.first()) else {
        return;
    };
    // The tool used less gives way; on a tie, the one that came second.
    let minority = match curl.len().cmp(&wget.len()) {
        std::cmp::Ordering::Less => 0,
        std::cmp::Ordering::Greater => 1,
        std::cmp::Ordering::Equal => usize::from(first_wget.start > first_curl.start),
    };
    let (other, kept) = (TOOLS[minority], TOOLS[1 - minority]);
    for range in &uses[minority] {
        findings.report(
            range.clone(),
            format!(
                "this stage downloads with both `{kept}` and `{other}`: use `{kept}` here too, so the image needs only one of them"
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, flagged};

    #[test]
    fn wget_without_a_quiet_option() {
        let text = "FROM debian\nRUN wget -O /tmp/x https://x \\\n && /usr/bin/wget https://y\n";
        assert_eq!(
            findings("wget-progress-bar", text),
            [
                (
                    "2:5-2:9".to_owned(),
                    "`wget` without `--progress` writes a dot per kilobyte to the build log: add `--progress=dot:giga`, `-nv` or `-q`".to_owned()
                ),
                (
                    "3:5-3:18".to_owned(),
                    "`wget` without `--progress` writes a dot per kilobyte to the build log: add `--progress=dot:giga`, `-nv` or `-q`".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn quiet_options_in_any_form() {
        let text = "FROM debian\nRUN wget -qO- https://x | tar xz && wget -nv https://y \\\n && wget --progress=dot:giga https://z && wget -o /tmp/log https://w \\\n && apt-get install -y wget\n";
        assert!(flagged("wget-progress-bar", text).is_empty());
    }

    #[test]
    fn the_less_used_tool_is_reported() {
        let text = "FROM debian AS a\nRUN apt-get install -y curl wget\n\
                    RUN curl -fsSLO https://x && curl -fsSLO https://y\n\
                    RUN wget -q https://z\n\
                    FROM debian AS b\nRUN wget -q https://z\n";
        assert_eq!(
            findings("wget-and-curl", text),
            [(
                "4:5-4:9".to_owned(),
                "this stage downloads with both `curl` and `wget`: use `curl` here too, so the image needs only one of them".to_owned()
            )]
        );
    }

    #[test]
    fn on_a_tie_the_second_tool_gives_way() {
        let text = "FROM debian\nRUN wget -q https://a\nRUN curl -fsSLO https://b\n";
        assert_eq!(flagged("wget-and-curl", text), ["curl"]);
    }

    #[test]
    fn one_tool_per_stage_is_fine() {
        let text = "FROM debian AS a\nRUN curl -fsSLO https://x\n# wget would do too\n\
                    FROM debian\nRUN wget -q https://z && echo curl\n";
        assert!(flagged("wget-and-curl", text).is_empty());
    }
}
