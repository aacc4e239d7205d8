//! apt-get in RUN commands.

use super::{Alias, Check, Findings, Rule};
use crate::analysis::shell;
use crate::syntax::{Instruction, InstructionKind, Severity};

pub static APT_NO_INSTALL_RECOMMENDS: Rule = Rule {
    id: "apt-no-install-recommends",
    summary: "`apt-get install` should use `--no-install-recommends`",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3015"), Alias::Trivy("DS-0029")],
    explanation: "Without `--no-install-recommends`, apt installs every package the requested ones \
*recommend*: documentation, extra tools and libraries the image never uses, often tens of megabytes \
per install, each a possible vulnerability to patch.",
    bad: "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\n",
    good: "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n",
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check),
};

fn check(instruction: &Instruction<'_>, findings: &mut Findings) {
    // Parsing the shell costs more than looking for the word: most RUNs have no apt-get.
    if instruction.kind() != InstructionKind::Run
        || !instruction
            .src()
            .get(instruction.node().byte_range())
            .is_some_and(|t| t.contains("apt-get"))
    {
        return;
    }
    for script in shell::shell_scripts(instruction) {
        for command in script.commands() {
            if command.basename() != "apt-get" {
                continue;
            }
            let Some(subcommand) = command.subcommand() else {
                continue;
            };
            if subcommand.text != "install" {
                continue;
            }
            let recommends_off = command.has_flag(&["--no-install-recommends"])
                || command.args.iter().any(|a| {
                    a.text.contains("Install-Recommends=false")
                        || a.text.contains("Install-Recommends=0")
                });
            if !recommends_off {
                findings.report(
                    command.name_range.start..subcommand.range.end,
                    "`apt-get install` without `--no-install-recommends` also installs every recommended package",
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, flagged};

    #[test]
    fn points_at_the_install_command_on_its_own_line() {
        let text = "FROM debian\nRUN apt-get update \\\n  && apt-get install -y curl \\\n  && rm -rf /var/lib/apt/lists/*\n";
        let found = findings("apt-no-install-recommends", text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "3:6-3:21");
        assert_eq!(
            flagged("apt-no-install-recommends", text),
            ["apt-get install"]
        );
    }

    #[test]
    fn the_flag_or_the_apt_option_is_enough() {
        let text = "FROM debian\nRUN apt-get install -y --no-install-recommends curl\nRUN apt-get -o APT::Install-Recommends=false install -y git\nRUN apt-get update\n";
        assert!(flagged("apt-no-install-recommends", text).is_empty());
    }

    #[test]
    fn heredoc_scripts_are_checked() {
        let text = "FROM debian\nRUN <<EOF\nset -e\napt-get install -qy vim\nEOF\n";
        assert_eq!(
            flagged("apt-no-install-recommends", text),
            ["apt-get install"]
        );
    }
}
