//! A package index refresh (`apt-get update`, `apk update`, `dnf makecache`) with no install after it in its RUN.

use super::package_args::{OptionSyntax, command_through, has_option, mentions, subcommand};
use super::{Alias, Check, Findings, Rule};
use crate::analysis::fixes::heredoc_script::remove_script_lines;
use crate::analysis::fixes::lines::delete_instruction;
use crate::analysis::fixes::run_chain::remove_command;
use crate::analysis::model::StageModel;
use crate::analysis::shell::{self, Command, RunCommands, Separator, Word};
use crate::syntax::{Applicability, Edit, Fix, Instruction, InstructionKind, Severity};

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
metadata on their own).\n\n\
The fix moves the refresh into the next RUN of the stage, in front of its install (or drops it when \
that RUN refreshes the index itself). It is not offered when a USER, a SHELL or another RUN comes \
between (a setup script may use the index without naming the tool), when the RUNs' flags differ, or \
when the refresh failing would not fail the next RUN (`a; b` without `set -e`).",
    bad: "FROM debian:bookworm-slim\nRUN apt-get update\nRUN apt-get install -y --no-install-recommends curl\n",
    good: "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n",
    tags: &[],
    fixable: true,
    enabled_by_default: true,
    check: Check::Stage(check),
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

fn check(model: &StageModel<'_, '_>, findings: &mut Findings) {
    for (at, instruction) in model.stage.instructions.iter().enumerate() {
        // An ONBUILD trigger runs in another build: reported, not moved.
        let (run, trigger) = match instruction.kind() {
            InstructionKind::Run => (*instruction, false),
            InstructionKind::Onbuild => match instruction.onbuild_trigger() {
                Some(trigger) => (trigger, true),
                None => continue,
            },
            _ => continue,
        };
        if !["update", "makecache", "ref"]
            .iter()
            .any(|word| mentions(&run, word))
        {
            continue;
        }
        let found = shell::run_commands(&run);
        // An install may be in the part that did not parse.
        if !found.complete {
            continue;
        }
        for family in FAMILIES {
            let pending = lone_refreshes(family, &found);
            let fix = match pending.as_slice() {
                [(index, command, sub)] if !trigger => {
                    move_fix(model, at, &run, &found, family, *index, command, sub)
                }
                _ => None,
            };
            for (_, command, sub) in pending {
                let name = command.basename();
                let range = command_through(command, sub);
                let message = format!(
                    "`{name} {}` with nothing installed after it in this RUN: the layer is cached with its index, which goes stale for later installs; update and install in the same RUN",
                    sub.text
                );
                match &fix {
                    Some(fix) => findings.report_fix(range, message, fix.clone()),
                    None => findings.report(range, message),
                }
            }
        }
    }
}

/// The index refreshes of a family's tools with no command reading the index after
/// them in the RUN, with their index in `found.commands`.
fn lone_refreshes<'c>(
    family: &Family,
    found: &'c RunCommands,
) -> Vec<(usize, &'c Command, &'c Word)> {
    let mut pending = Vec::new();
    for (index, command) in found.commands.iter().enumerate() {
        if !family.tools.contains(&command.basename()) {
            continue;
        }
        let Some((sub, _)) = subcommand(&command.args, family.options) else {
            continue;
        };
        if family.refresh.contains(&sub.text.as_str()) {
            pending.push((index, command, sub));
        } else if !family.ignores_index.contains(&sub.text.as_str()) {
            pending.clear();
        }
    }
    pending
}

/// The fix: the lone refresh taken out of its RUN (the whole RUN when it is all
/// the RUN does) and put in front of the next RUN of the stage, which installs;
/// only taken out when that RUN refreshes the index itself first. `None` when the
/// move could change the build: the next RUN does not use the index, a USER or
/// SHELL comes between, the flags differ, or the refresh failing would not fail it.
#[allow(clippy::too_many_arguments)]
fn move_fix(
    model: &StageModel<'_, '_>,
    at: usize,
    run: &Instruction<'_>,
    found: &RunCommands,
    family: &Family,
    index: usize,
    command: &Command,
    sub: &Word,
) -> Option<Fix> {
    // The next RUN, with nothing between that changes how it runs. A RUN between
    // could use the index without naming the tool (a setup script): no fix then.
    let target = model
        .stage
        .instructions
        .get(at + 1..)?
        .iter()
        .find(|i| {
            matches!(
                i.kind(),
                InstructionKind::Run | InstructionKind::User | InstructionKind::Shell
            )
        })
        .filter(|i| i.kind() == InstructionKind::Run)?;
    let commands = shell::run_commands(target);
    if !commands.complete || !target.heredocs().is_empty() {
        return None;
    }
    let installs = next_use(family, &commands)?;
    let removal = if found.commands.len() == 1 {
        vec![delete_instruction(run)]
    } else {
        remove_command(found, index)
            .map(|edit| vec![edit])
            .or_else(|| remove_script_lines(run, found, &[index]))?
    };
    let name = format!("`{} {}`", command.basename(), sub.text);
    if !installs {
        return Some(Fix::new(
            format!("Remove {name}: the next RUN does without it"),
            Applicability::Safe,
            removal,
        ));
    }
    if flag_words(run) != flag_words(target) {
        return None;
    }
    let text = run.logical(command.range.clone());
    if text.contains('\n') {
        return None;
    }
    let insert = prefix(target, &commands, text.trim())?;
    let mut edits = removal;
    edits.push(insert);
    Some(Fix::new(
        format!("Move {name} into the RUN that installs"),
        Applicability::Safe,
        edits,
    ))
}

/// Whether the first command of the family that uses the index in a RUN installs
/// (`Some(true)`), or refreshes the index itself or needs none (`Some(false)`);
/// `None` when the RUN does not use the index.
fn next_use(family: &Family, commands: &RunCommands) -> Option<bool> {
    for command in &commands.commands {
        if !family.tools.contains(&command.basename()) {
            continue;
        }
        let Some((sub, _)) = subcommand(&command.args, family.options) else {
            continue;
        };
        let sub = sub.text.as_str();
        if family.refresh.contains(&sub) {
            return Some(false);
        }
        if !family.ignores_index.contains(&sub) {
            // `apk add --no-cache` fetches a fresh index of its own.
            let own_index =
                command.basename() == "apk" && has_option(&command.args, &["--no-cache"]);
            return Some(!own_index);
        }
    }
    None
}

/// Whether something after instruction `at` may read the package index (apt's lists,
/// apk's cache) that the RUN at `at` leaves, so that the RUN must keep it: a later
/// RUN of the stage that reads it before refreshing it (or that cannot be read), a
/// later stage built on this one, or any build when the RUN is an ONBUILD trigger.
pub(super) fn index_read_later(model: &StageModel<'_, '_>, at: usize, tool: &str) -> bool {
    let Some(family) = FAMILIES.iter().find(|f| f.tools.contains(&tool)) else {
        return true;
    };
    let instructions = &model.stage.instructions;
    let index = model.stage.index;
    let built_on = model
        .file
        .stages
        .iter()
        .any(|s| s.base == crate::analysis::model::Base::Stage(index));
    if built_on
        || instructions
            .get(at)
            .is_none_or(|i| i.kind() != InstructionKind::Run)
    {
        return true;
    }
    for later in instructions.get(at + 1..).unwrap_or(&[]) {
        match later.kind() {
            InstructionKind::Run => {}
            InstructionKind::Onbuild => return true,
            _ => continue,
        }
        if !family.tools.iter().any(|tool| mentions(later, tool)) {
            continue;
        }
        let commands = shell::run_commands(later);
        if !commands.complete || later.shell_command().is_none() {
            return true;
        }
        for command in &commands.commands {
            if !family.tools.contains(&command.basename()) {
                continue;
            }
            let Some((sub, _)) = subcommand(&command.args, family.options) else {
                continue;
            };
            let sub = sub.text.as_str();
            let apk_add = command.basename() == "apk" && sub == "add";
            if family.refresh.contains(&sub)
                || (apk_add
                    && has_option(&command.args, &["-U", "--update", "--update-cache"])
                    && !has_option(&command.args, &["--no-cache"]))
            {
                return false;
            }
            let own_index = apk_add && has_option(&command.args, &["--no-cache"]);
            if !family.ignores_index.contains(&sub) && !own_index {
                return true;
            }
        }
    }
    false
}

/// The flags as BuildKit reads them, in a canonical order.
fn flag_words(instruction: &Instruction<'_>) -> Vec<String> {
    let mut words: Vec<String> = instruction.flags().iter().map(|f| f.word()).collect();
    words.sort();
    words
}

/// `refresh && ` in front of a RUN's commands, or `refresh; ` after a leading
/// `set -e`; `None` when the refresh failing would not fail the RUN (`a; b`,
/// `a || b`) or something comes before the first command (`(`, `if`, `!`).
fn prefix(target: &Instruction<'_>, commands: &RunCommands, refresh: &str) -> Option<Edit> {
    let start = target.shell_command()?.start_byte();
    let first = commands.commands.first()?;
    if first.range.start != start || first.in_subshell_or_condition || first.in_pipeline {
        return None;
    }
    let guarded = commands.commands.iter().skip(1).all(|c| {
        c.in_subshell_or_condition
            || matches!(
                c.separator_before,
                Some(Separator::And | Separator::Pipe | Separator::PipeStderr)
            )
    });
    if guarded {
        return Some(Edit::insert(start, format!("{refresh} && ")));
    }
    // `set -e; ...`: the shell stops at the refresh when it fails.
    let second = commands.commands.get(1)?;
    let errexit = first.basename() == "set"
        && first.args.iter().any(|a| {
            a.text == "errexit"
                || (a.text.starts_with('-') && !a.text.starts_with("--") && a.text.contains('e'))
        });
    if !errexit || second.in_subshell_or_condition {
        return None;
    }
    let joined = match second.separator_before {
        Some(Separator::Semicolon) => ";",
        Some(Separator::And) => " &&",
        _ => return None,
    };
    Some(Edit::insert(
        second.range.start,
        format!("{refresh}{joined} "),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, fixed, fixes, flagged};
    use crate::syntax::Applicability;

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

    #[test]
    fn the_fix_moves_the_update_into_the_install() {
        insta::assert_snapshot!(fixed("package-manager-update-alone", "FROM debian\nRUN apt-get update\n# tools\nENV DEBIAN_FRONTEND=noninteractive\nRUN apt-get install -y \\\n      curl \\\n && rm -rf /var/lib/apt/lists/*\n"), @r"
        FROM debian
        # tools
        ENV DEBIAN_FRONTEND=noninteractive
        RUN apt-get update && apt-get install -y \
              curl \
         && rm -rf /var/lib/apt/lists/*
        ");
        assert_eq!(
            fixes(
                "package-manager-update-alone",
                "FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\n"
            ),
            [Some((
                "Move `apt-get update` into the RUN that installs".to_owned(),
                Applicability::Safe
            ))]
        );
    }

    #[test]
    fn the_rest_of_the_updates_run_stays() {
        insta::assert_snapshot!(fixed("package-manager-update-alone", "# escape=`\nFROM alpine\nRUN adduser -D app && `\n    apk update\nRUN apk add curl\nFROM fedora\nRUN dnf -q makecache && echo ok\nRUN dnf install -y git\n"), @r"
        # escape=`
        FROM alpine
        RUN adduser -D app
        RUN apk update && apk add curl
        FROM fedora
        RUN echo ok
        RUN dnf -q makecache && dnf install -y git
        ");
    }

    #[test]
    fn after_set_e_the_update_follows_it() {
        insta::assert_snapshot!(fixed("package-manager-update-alone", "FROM debian\nRUN apt-get -qq update\nRUN set -eux; \\\n    apt-get install -y curl; \\\n    rm -rf /var/lib/apt/lists/*\n"), @r"
        FROM debian
        RUN set -eux; \
            apt-get -qq update; apt-get install -y curl; \
            rm -rf /var/lib/apt/lists/*
        ");
    }

    #[test]
    fn an_update_the_next_run_does_not_need_is_dropped() {
        insta::assert_snapshot!(fixed("package-manager-update-alone", "FROM debian\nRUN apt-get update\nRUN apt-get update && apt-get install -y curl\nFROM alpine\nRUN apk update\nRUN apk add --no-cache git\n"), @r"
        FROM debian
        RUN apt-get update && apt-get install -y curl
        FROM alpine
        RUN apk add --no-cache git
        ");
    }

    #[test]
    fn a_heredoc_script_loses_the_update_line() {
        insta::assert_snapshot!(fixed("package-manager-update-alone", "FROM debian\nRUN <<EOF\nuseradd app\napt-get update\nEOF\nRUN apt-get install -y curl\n"), @r"
        FROM debian
        RUN <<EOF
        useradd app
        EOF
        RUN apt-get update && apt-get install -y curl
        ");
    }

    #[test]
    fn no_fix_when_the_move_could_change_the_build() {
        let text = "FROM debian\n\
                    RUN apt-get update\nUSER app\nRUN apt-get install -y a\n\
                    RUN apt-get update\nRUN ./setup.sh\nRUN apt-get install -y b\n\
                    RUN apt-get update\nRUN apt-get install -y c; echo done\n\
                    RUN apt-get update\nRUN --network=host apt-get install -y d\n\
                    RUN apt-get update\nRUN <<EOF\napt-get install -y e\nEOF\n\
                    RUN apt-get update\nRUN apt-get install -y f || true\n\
                    RUN apt-get update\nRUN if true; then apt-get install -y g; fi\n\
                    ONBUILD RUN apt-get update\nONBUILD RUN apt-get install -y h\n\
                    RUN apt-get update; echo x\nRUN apt-get install -y i\n\
                    RUN apt-get update\n";
        assert_eq!(fixes("package-manager-update-alone", text), vec![None; 10]);
    }
}
