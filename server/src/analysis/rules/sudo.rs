//! `sudo` in RUN commands.

use super::{Alias, Check, Findings, Rule, scan};
use crate::syntax::{Instruction, Severity};

pub static SUDO_IN_RUN: Rule = Rule {
    id: "sudo-in-run",
    summary: "Do not use `sudo` in RUN: switch users with USER",
    severity: Severity::Error,
    aliases: &[Alias::Hadolint("DL3004"), Alias::Trivy("DS-0010")],
    explanation: "A RUN already runs as the USER in effect, with no password to give. `sudo` adds a setuid \
binary and its configuration to the image (an attack surface at run time), behaves differently without \
a terminal, and hides which user really runs each command. Set `USER root` before the instructions that \
need it and switch back after; in an entrypoint, drop privileges with `gosu` or `su-exec`.",
    bad: "FROM ubuntu:24.04\nUSER app\nRUN sudo apt-get update\n",
    good: "FROM ubuntu:24.04\nUSER root\nRUN apt-get update\nUSER app\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check),
};

fn check(instruction: &Instruction<'_>, findings: &mut Findings) {
    let Some(run) = scan::commands_mentioning(instruction, ["sudo"]) else {
        return;
    };
    for command in &run.commands {
        // `sudo x` is looked through (x is the command); `sudo -v` alone is the command.
        let words = command
            .wrappers
            .iter()
            .filter(|w| w.text.rsplit('/').next() == Some("sudo"))
            .map(|w| w.range.clone());
        let bare = (command.basename() == "sudo").then(|| command.name_range.clone());
        for range in words.chain(bare) {
            findings.report(
                range,
                "`sudo` in a build: RUN already runs as the current USER; set `USER root` before this RUN instead (and `gosu` or `su-exec` at run time)",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, flagged};

    #[test]
    fn the_sudo_word_is_reported() {
        let text = "FROM ubuntu\nRUN apt-get update && sudo -u app -E make install \\\n  && /usr/bin/sudo -v\n";
        let found = findings("sudo-in-run", text);
        let ranges: Vec<&str> = found.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(ranges, ["2:23-2:27", "3:6-3:19"]);
        insta::assert_snapshot!(found[0].1, @"`sudo` in a build: RUN already runs as the current USER; set `USER root` before this RUN instead (and `gosu` or `su-exec` at run time)");
    }

    #[test]
    fn sudo_as_a_package_or_in_a_heredoc() {
        let text = "FROM ubuntu\nRUN apt-get install -y sudo && echo 'app ALL=(ALL) NOPASSWD: ALL' > /etc/sudoers.d/app\n";
        assert!(flagged("sudo-in-run", text).is_empty());
        let text = "FROM ubuntu\nRUN <<EOF\nsudo make install\nEOF\n";
        assert_eq!(flagged("sudo-in-run", text), ["sudo"]);
    }
}
