//! Replacing /bin/sh instead of setting SHELL.

use super::{Alias, Check, Findings, Rule, scan};
use crate::syntax::{Instruction, Severity};

pub static BIN_SH_SYMLINK: Rule = Rule {
    id: "bin-sh-symlink",
    summary: "Use SHELL to change the shell instead of linking /bin/sh",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL4005")],
    explanation: "Linking another shell over `/bin/sh` changes the shell of every later RUN without the \
Dockerfile saying so, and it changes it for the image too: system scripts and packages that expect a \
POSIX `sh` (and its speed, for dash) get bash instead. The `SHELL` instruction changes the shell of \
the RUN, CMD and ENTRYPOINT instructions that follow, visibly, and leaves the image's `/bin/sh` alone.",
    bad: "FROM debian:bookworm-slim\nRUN ln -sf /bin/bash /bin/sh\n",
    good: "FROM debian:bookworm-slim\nSHELL [\"/bin/bash\", \"-c\"]\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check),
};

fn check(instruction: &Instruction<'_>, findings: &mut Findings) {
    let Some(run) = scan::commands_mentioning(instruction, ["/bin/sh"]) else {
        return;
    };
    for command in &run.commands {
        if command.basename() != "ln" || command.has_flag(&["-t", "--target-directory"]) {
            continue;
        }
        // `ln [options] target link`: the link is the last operand.
        let operands = command.positional();
        let [.., target, link] = operands.as_slice() else {
            continue;
        };
        if matches!(link.text.as_str(), "/bin/sh" | "/usr/bin/sh") {
            findings.report(
                command.range.clone(),
                format!(
                    "this makes {} run {}: set `SHELL [\"{}\", \"-c\"]` instead",
                    link.text, target.text, target.text
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, flagged};

    #[test]
    fn linking_over_bin_sh() {
        let text = "FROM debian\nRUN rm /bin/sh && ln -s /bin/bash /bin/sh\n";
        assert_eq!(
            findings("bin-sh-symlink", text),
            [(
                "2:19-2:42".to_owned(),
                "this makes /bin/sh run /bin/bash: set `SHELL [\"/bin/bash\", \"-c\"]` instead"
                    .to_owned()
            )]
        );
    }

    #[test]
    fn linking_from_bin_sh_is_fine() {
        let text = "FROM debian\nRUN ln -s /bin/sh /usr/local/bin/sh2 && ln -s /bin/sh \\\n && ln -t /bin/sh x\n";
        assert!(flagged("bin-sh-symlink", text).is_empty());
    }

    #[test]
    fn usr_bin_sh_too() {
        let text = "FROM debian\nRUN ln -sfn bash /usr/bin/sh\n";
        assert_eq!(
            flagged("bin-sh-symlink", text),
            ["ln -sfn bash /usr/bin/sh"]
        );
    }
}
