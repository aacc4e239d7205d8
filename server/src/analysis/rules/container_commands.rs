//! Commands that make no sense in a build: interactive tools, daemons and system controls.

use super::{Alias, Check, Findings, Rule, scan};
use crate::analysis::shell::Separator;
use crate::syntax::{Instruction, Severity};

pub static COMMAND_POINTLESS_IN_CONTAINER: Rule = Rule {
    id: "command-pointless-in-container",
    summary: "Commands like `ssh`, `vim`, `service` or `shutdown` make no sense in a RUN",
    severity: Severity::Info,
    aliases: &[Alias::Hadolint("DL3001")],
    explanation: "A RUN is a non-interactive, unprivileged process that ends with the instruction: an \
editor or `top` has no terminal to draw on, a daemon started with `service` is killed when the RUN \
ends, `ps` and `free` describe a build container nobody will see, and `mount` or `shutdown` need powers \
a build does not have. Such commands either fail the build or do nothing but slow it down; they are \
usually left over from an interactive session.",
    bad: "FROM debian:bookworm-slim\nRUN service nginx start\n",
    good: "FROM debian:bookworm-slim\nCMD [\"nginx\", \"-g\", \"daemon off;\"]\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check),
};

/// Each command, and why it has no place in a RUN.
const POINTLESS: &[(&str, &str)] = &[
    (
        "ssh",
        "opens a remote session that nothing can answer and that ends with the RUN; for private git repositories use `RUN --mount=type=ssh`",
    ),
    (
        "vim",
        "is an interactive editor and a build has no terminal: edit files with `sed`, or COPY them",
    ),
    (
        "vi",
        "is an interactive editor and a build has no terminal: edit files with `sed`, or COPY them",
    ),
    (
        "nano",
        "is an interactive editor and a build has no terminal: edit files with `sed`, or COPY them",
    ),
    (
        "top",
        "is an interactive monitor and shows only the build container, which nobody sees",
    ),
    (
        "ps",
        "lists the processes of the build container, which nobody sees and which end with the RUN",
    ),
    (
        "free",
        "reports the memory of the build container, not of where the image will run",
    ),
    (
        "service",
        "starts a daemon that is killed when the RUN ends: start it from CMD or ENTRYPOINT",
    ),
    (
        "shutdown",
        "cannot stop or restart anything from inside a build",
    ),
    (
        "reboot",
        "cannot stop or restart anything from inside a build",
    ),
    (
        "halt",
        "cannot stop or restart anything from inside a build",
    ),
    (
        "poweroff",
        "cannot stop or restart anything from inside a build",
    ),
    (
        "mount",
        "needs privileges a build does not have, and its mounts end with the RUN: use `RUN --mount`",
    ),
    (
        "ifconfig",
        "shows or changes the network of the build container, not the one the image will run with",
    ),
    (
        "kill",
        "finds nothing to stop: no process outlives the instruction that started it",
    ),
];

fn check(instruction: &Instruction<'_>, findings: &mut Findings) {
    let needles = POINTLESS.iter().map(|(name, _)| *name);
    let Some(run) = scan::commands_mentioning(instruction, needles) else {
        return;
    };
    // `server & ... kill $!` stops a process the same RUN started in the background.
    let backgrounds = run
        .commands
        .iter()
        .any(|c| c.separator_before == Some(Separator::Background));
    for command in &run.commands {
        let name = command.basename();
        let Some((_, why)) = POINTLESS.iter().find(|(n, _)| *n == name) else {
            continue;
        };
        if name == "kill" && backgrounds {
            continue;
        }
        findings.report(command.name_range.clone(), format!("`{name}` {why}"));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, flagged};

    #[test]
    fn pointless_commands_are_named() {
        let text = "FROM debian\nRUN apt-get install -y vim && vim /etc/hosts \\\n && /usr/sbin/service nginx start\n";
        assert_eq!(
            findings("command-pointless-in-container", text),
            [
                (
                    "2:31-2:34".to_owned(),
                    "`vim` is an interactive editor and a build has no terminal: edit files with `sed`, or COPY them".to_owned()
                ),
                (
                    "3:5-3:22".to_owned(),
                    "`service` starts a daemon that is killed when the RUN ends: start it from CMD or ENTRYPOINT".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn names_as_arguments_and_lookalikes_are_fine() {
        let text = "FROM debian\nRUN apt-get install -y openssh-client procps \\\n && ssh-keygen -A && command -v ps && echo top\n";
        assert!(flagged("command-pointless-in-container", text).is_empty());
    }

    #[test]
    fn kill_is_fine_for_a_job_the_run_started() {
        let text = "FROM mysql\nRUN mysqld & sleep 5 && mysql < init.sql && kill $!\nRUN kill 1\n";
        assert_eq!(flagged("command-pointless-in-container", text), ["kill"]);
        assert_eq!(
            findings("command-pointless-in-container", text)[0].0,
            "3:5-3:9"
        );
    }
}
