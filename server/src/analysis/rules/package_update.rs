//! A package index refresh (`apt-get update`, `apk update`, `dnf makecache`) with no install after it in its RUN.

use super::package_args::{OptionSyntax, command_through, mentions, subcommand};
use super::{Alias, Check, Findings, Rule};
use crate::analysis::shell;
use crate::syntax::{Instruction, Severity};

pub static PACKAGE_UPDATE_ALONE: Rule = Rule {
    id: "package-manager-update-alone",
    summary: "A package index update should be followed by an install in the same RUN",
    severity: Severity::Warning,
    aliases: &[Alias::Trivy("DS-0017")],
    explanation: "`RUN apt-get update` on its own becomes a cached layer: later builds reuse it and \
never refresh the index, so an install in a later RUN works from lists that grow older with every \
build until the versions they name are gone from the mirror and the install fails (or installs \
outdated packages). Update and install in one RUN, so both run again together.\n\n\
Checked: `apt-get`/`apt update` and `apk update`, and the index-only refreshes of the RPM tools \
(`yum`/`dnf`/`microdnf makecache`, `zypper refresh`). `yum update` or `zypper up` alone is not \
reported: it upgrades packages, it is not an orphaned index refresh (and yum and dnf refresh expired \
metadata on their own).",
    bad: "FROM debian:bookworm-slim\nRUN apt-get update\nRUN apt-get install -y --no-install-recommends curl\n",
    good: "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check),
};

/// Package managers that share one index, how they refresh it, and the
/// subcommands that do not read it.
struct Family {
    tools: &'static [&'static str],
    refresh: &'static [&'static str],
    ignores_index: &'static [&'static str],
    options: OptionSyntax,
}

const FAMILIES: &[Family] = &[
    Family {
        tools: &["apt-get", "apt", "aptitude", "apt-cache"],
        refresh: &["update"],
        ignores_index: &[
            "update",
            "clean",
            "autoclean",
            "remove",
            "purge",
            "autoremove",
            "autopurge",
            "markauto",
            "unmarkauto",
            "hold",
            "unhold",
        ],
        options: super::apt::APT_OPTIONS,
    },
    Family {
        tools: &["apk"],
        refresh: &["update"],
        ignores_index: &["update", "del", "cache", "stats", "audit", "verify"],
        options: OptionSyntax {
            takes_value: &[
                "-X",
                "--repository",
                "-p",
                "--root",
                "--arch",
                "--cache-dir",
                "--keys-dir",
                "--repositories-file",
            ],
            bundles: true,
        },
    },
    Family {
        tools: &["yum", "dnf", "dnf5", "microdnf", "tdnf"],
        refresh: &["makecache"],
        ignores_index: &["makecache", "clean", "remove", "erase", "history"],
        options: OptionSyntax {
            takes_value: &[
                "-c",
                "--config",
                "--installroot",
                "--releasever",
                "--enablerepo",
                "--disablerepo",
                "--repo",
                "--repoid",
                "-x",
                "--exclude",
                "--setopt",
                "-d",
                "--debuglevel",
                "-e",
                "--errorlevel",
                "--forcearch",
            ],
            bundles: true,
        },
    },
    Family {
        tools: &["zypper"],
        refresh: &["refresh", "ref"],
        ignores_index: &["refresh", "ref", "clean", "cc", "remove", "rm"],
        options: OptionSyntax {
            takes_value: &[
                "-R",
                "--root",
                "-c",
                "--config",
                "--installroot",
                "-C",
                "--cache-dir",
                "-D",
                "--reposd-dir",
            ],
            bundles: true,
        },
    },
];

fn check(instruction: &Instruction<'_>, findings: &mut Findings) {
    if !["update", "makecache", "ref"]
        .iter()
        .any(|word| mentions(instruction, word))
    {
        return;
    }
    let found = shell::run_commands(instruction);
    // An install may be in the part that did not parse.
    if !found.complete {
        return;
    }
    for family in FAMILIES {
        let mut pending = Vec::new();
        for command in &found.commands {
            if !family.tools.contains(&command.basename()) {
                continue;
            }
            let Some((sub, _)) = subcommand(&command.args, family.options) else {
                continue;
            };
            if family.refresh.contains(&sub.text.as_str()) {
                pending.push((command, sub));
            } else if !family.ignores_index.contains(&sub.text.as_str()) {
                pending.clear();
            }
        }
        for (command, sub) in pending {
            let name = command.basename();
            findings.report(
                command_through(command, sub),
                format!(
                    "`{name} {}` with nothing installed after it in this RUN: the layer is cached with its index, which goes stale for later installs; update and install in the same RUN",
                    sub.text
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, flagged};

    #[test]
    fn an_update_alone_is_reported_on_the_command() {
        let text = "FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\n";
        let found = findings("package-manager-update-alone", text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "2:5-2:19");
        insta::assert_snapshot!(found[0].1, @"`apt-get update` with nothing installed after it in this RUN: the layer is cached with its index, which goes stale for later installs; update and install in the same RUN");
    }

    #[test]
    fn an_update_followed_by_something_else_is_still_alone() {
        let text = "FROM debian\nRUN apt-get update && adduser mike\nRUN apk update; apk del x\n";
        assert_eq!(
            flagged("package-manager-update-alone", text),
            ["apt-get update", "apk update"]
        );
    }

    #[test]
    fn an_install_or_upgrade_after_the_update_uses_it() {
        let text = "FROM debian\n\
                    RUN apt-get update && apt-get install -y curl\n\
                    RUN apt-get -q update; apt-get -y upgrade\n\
                    RUN apt update && apt-get install -y x\n\
                    RUN apk update && apk add --no-cache git\n\
                    RUN apk --update add curl\n\
                    RUN dnf makecache && dnf install -y git\n\
                    RUN zypper --non-interactive ref && zypper in -y curl\n\
                    RUN <<EOF\napt-get update\napt-get install -y jq\nEOF\n\
                    RUN yum update -y\n\
                    RUN sbt update && ./scripts/update.sh update\n";
        assert!(flagged("package-manager-update-alone", text).is_empty());
    }

    #[test]
    fn an_install_before_the_update_does_not_count() {
        let text = "FROM debian\nRUN apt-get install -y ca-certificates && apt-get update\n";
        assert_eq!(
            flagged("package-manager-update-alone", text),
            ["apt-get update"]
        );
    }

    #[test]
    fn index_refreshes_of_the_rpm_tools() {
        let text = "FROM fedora\nRUN dnf makecache\nRUN microdnf makecache\nRUN zypper refresh\n";
        assert_eq!(
            flagged("package-manager-update-alone", text),
            ["dnf makecache", "microdnf makecache", "zypper refresh"]
        );
    }

    #[test]
    fn each_manager_needs_its_own_install() {
        let text = "FROM debian\nRUN apk update && apt-get update && apt-get install -y x\n";
        assert_eq!(
            flagged("package-manager-update-alone", text),
            ["apk update"]
        );
    }
}
