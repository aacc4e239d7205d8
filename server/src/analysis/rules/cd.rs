//! `cd` in RUN commands instead of WORKDIR.

use super::{Alias, Check, Findings, Rule, scan};
use crate::syntax::{Instruction, Severity};

pub static CD_INSTEAD_OF_WORKDIR: Rule = Rule {
    id: "cd-instead-of-workdir",
    summary: "Use WORKDIR to change directory instead of `cd` in RUN",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3003"), Alias::Trivy("DS-0013")],
    explanation: "A `cd` lasts only until the end of its RUN: the next instruction starts in the WORKDIR \
again, so `RUN cd /app` on its own does nothing, and a `cd` in the middle of a long RUN changes where \
every later command of it runs without saying so. Set the directory with `WORKDIR`, give commands \
absolute paths, or, when a RUN must build somewhere and come back (to delete the sources in the same \
layer), scope the `cd` in a subshell: `(cd /src && make install) && rm -rf /src`. A `cd` in a subshell \
or a condition is not reported.",
    bad: "FROM golang:1.22\nRUN cd /src && go build -o /bin/app .\n",
    good: "FROM golang:1.22\nWORKDIR /src\nRUN go build -o /bin/app .\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check),
};

fn check(instruction: &Instruction<'_>, findings: &mut Findings) {
    let Some(run) = scan::commands_mentioning(instruction, ["cd"]) else {
        return;
    };
    let commands = &run.commands;
    for (i, command) in commands.iter().enumerate() {
        if command.basename() != "cd" || command.in_subshell_or_condition {
            continue;
        }
        let target = command
            .positional()
            .first()
            .map_or_else(|| "~".to_owned(), |w| w.text.clone());
        let message = if i + 1 == commands.len() {
            format!(
                "`cd {target}` has no effect: the next instruction starts in the WORKDIR again; use `WORKDIR {target}`"
            )
        } else {
            format!(
                "`cd {target}` moves the rest of this RUN without saying so: use `WORKDIR {target}` before it, or scope it in a subshell `(cd {target} && ...)`"
            )
        };
        findings.report(command.range.clone(), message);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, flagged};

    #[test]
    fn a_cd_that_moves_the_rest_of_the_run() {
        let text = "FROM golang\nRUN git clone https://x/y.git /src \\\n && cd /src && make\n";
        assert_eq!(
            findings("cd-instead-of-workdir", text),
            [(
                "3:5-3:12".to_owned(),
                "`cd /src` moves the rest of this RUN without saying so: use `WORKDIR /src` before it, or scope it in a subshell `(cd /src && ...)`".to_owned()
            )]
        );
    }

    #[test]
    fn a_cd_that_does_nothing() {
        let text = "FROM alpine\nRUN cd /app\n";
        assert_eq!(
            findings("cd-instead-of-workdir", text),
            [(
                "2:5-2:12".to_owned(),
                "`cd /app` has no effect: the next instruction starts in the WORKDIR again; use `WORKDIR /app`".to_owned()
            )]
        );
    }

    #[test]
    fn a_cd_in_a_subshell_or_a_condition_is_scoped() {
        let text = "FROM alpine\nRUN (cd /src && make install) && rm -rf /src\n\
                    RUN if [ -d /x ]; then cd /x && make; fi\n\
                    RUN echo cd && abcd x && make -C /src\n";
        assert!(flagged("cd-instead-of-workdir", text).is_empty());
    }

    #[test]
    fn heredoc_scripts_are_checked() {
        let text = "FROM alpine\nRUN <<EOF\ncd /src\nmake\nEOF\n";
        assert_eq!(flagged("cd-instead-of-workdir", text), ["cd /src"]);
    }
}
