//! apk (Alpine) in RUN commands: version pins and the package cache.

use super::package_args::{
    OptionSyntax, command_through, has_option, is_dynamic, mentions, subcommand,
};
use super::package_cache::{cache_targets, covered, removes};
use super::package_update::index_read_later;
use super::{Alias, Check, Findings, Rule};
use crate::analysis::fixes::command_removal::remove_commands;
use crate::analysis::fixes::heredoc_script::remove_script_lines;
use crate::analysis::fixes::run_chain::add_option;
use crate::analysis::model::StageModel;
use crate::analysis::shell::{self, Command, RunCommands, Word};
use crate::syntax::{Applicability, Edit, Fix, Instruction, InstructionKind, Severity};

pub static APK_PACKAGE_UNPINNED: Rule = Rule {
    id: "apk-package-unpinned",
    summary: "Packages in `apk add` should have pinned versions",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3018")],
    explanation: "`apk add curl` installs whatever version the repository has on the day of the \
build, so two builds of the same Dockerfile can differ. `curl=8.5.0-r0` (exact) or `curl~8.5` (any \
8.5.x) makes the build repeatable and the upgrade a visible edit.\n\n\
The cost: Alpine keeps only the current version of each package in a release's repository, so an \
exact pin breaks the build when the package is patched. Prefer `~` pins on a fixed Alpine release where reproducibility matters. `--virtual` names, local \
`.apk` files and variables are not checked.",
    bad: "FROM alpine:3.20\nRUN apk add --no-cache curl\n",
    good: "FROM alpine:3.20\nRUN apk add --no-cache curl~8.9\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_pins),
};

pub static APK_MISSING_NO_CACHE: Rule = Rule {
    id: "apk-no-cache",
    summary: "`apk add` should use `--no-cache`",
    severity: Severity::Info,
    aliases: &[Alias::Hadolint("DL3019"), Alias::Trivy("DS-0025")],
    explanation: "`apk add` reads the package index from `/var/cache/apk`, which `apk update` or \
`--update` download into the layer, where it stays. `apk add --no-cache` fetches the index into a \
temporary place and leaves nothing behind, replacing both `--update` and a final \
`rm -rf /var/cache/apk/*`.\n\n\
An `apk update` before `apk add --no-cache` is reported too: its copy of the index only stays in \
the layer.\n\n\
Not reported when the same RUN removes `/var/cache/apk` after the install, or when a BuildKit cache \
or tmpfs mount covers `/var/cache/apk` (which is what makes the cache worth keeping). The fix keeps \
`apk update` and `--update` while a later RUN of the stage, a stage built on it, or an ONBUILD \
trigger may add packages with the index they leave.",
    bad: "FROM alpine:3.20\nRUN apk update && apk add curl\n",
    good: "FROM alpine:3.20\nRUN apk add --no-cache curl\n",
    tags: &[],
    fixable: true,
    enabled_by_default: true,
    check: Check::Stage(check_cache),
};

/// Options of apk that take the next word as their value.
pub(super) const APK_OPTIONS: OptionSyntax = OptionSyntax {
    takes_value: &[
        "-t",
        "--virtual",
        "-X",
        "--repository",
        "-p",
        "--root",
        "--arch",
        "--cache-dir",
        "--keys-dir",
        "--repositories-file",
        "--progress-fd",
        "--cache-max-age",
        "--timeout",
    ],
    bundles: true,
};

/// The `apk add` commands of a RUN, with their operands (packages).
fn apk_adds(commands: &[Command]) -> impl Iterator<Item = (&Command, &Word, Vec<&Word>)> {
    commands.iter().filter_map(|command| {
        if command.basename() != "apk" {
            return None;
        }
        let (sub, operands) = subcommand(&command.args, APK_OPTIONS)?;
        (sub.text == "add").then_some((command, sub, operands))
    })
}

fn check_pins(instruction: &Instruction<'_>, findings: &mut Findings) {
    if !mentions(instruction, "apk") {
        return;
    }
    let found = shell::run_commands(instruction);
    for (_, _, packages) in apk_adds(&found.commands) {
        for package in packages {
            let text = package.text.as_str();
            let pinned = text.contains(['=', '~', '<', '>']);
            let is_file = text.ends_with(".apk") || text.starts_with(['/', '.']);
            // `!pkg` forbids a package; it installs nothing.
            if pinned || is_file || is_dynamic(package) || text.starts_with('!') {
                continue;
            }
            findings.report(
                package.range.clone(),
                format!("pin the version of {text}: {text}=<version> or {text}~<version>"),
            );
        }
    }
}

const CACHE: &str = "/var/cache/apk";

fn check_cache(model: &StageModel<'_, '_>, findings: &mut Findings) {
    for (at, instruction) in model.stage.instructions.iter().enumerate() {
        let run = match instruction.kind() {
            InstructionKind::Run => *instruction,
            InstructionKind::Onbuild => match instruction.onbuild_trigger() {
                Some(trigger) => trigger,
                None => continue,
            },
            _ => continue,
        };
        if mentions(&run, "apk") {
            // A later RUN (or stage, or build) may add packages with the index this
            // RUN leaves: then it stays.
            cache_left(&run, || index_read_later(model, at, "apk"), findings);
        }
    }
}

fn cache_left(
    instruction: &Instruction<'_>,
    index_needed: impl Fn() -> bool,
    findings: &mut Findings,
) {
    let found = shell::run_commands(instruction);
    // The cleanup may be in the part that did not parse.
    if !found.complete {
        return;
    }
    let targets = cache_targets(instruction);
    if covered(&targets, CACHE) || covered(&targets, "/etc/apk/cache") {
        return;
    }
    let flagged: Vec<_> = apk_adds(&found.commands)
        .filter(|(command, _, _)| !has_option(&command.args, &["--no-cache"]))
        .filter(|(command, _, _)| {
            let cleaned_after = found
                .commands
                .iter()
                .skip_while(|c| !std::ptr::eq(*c, *command))
                .any(|c| removes(c, CACHE));
            !cleaned_after
        })
        .map(|(command, sub, _)| (command, sub))
        .collect();
    if flagged.is_empty() {
        return updates_left(instruction, &found, index_needed, findings);
    }
    // One fix for the whole RUN, offered on each `apk add` it flags: dropping
    // `apk update` is only right once every `apk add` has `--no-cache`.
    let fix = no_cache_fix(instruction, &found, &flagged, index_needed());
    for (command, sub) in flagged {
        let range = command_through(command, sub);
        let message = "`apk add` without `--no-cache` leaves the package index in /var/cache/apk in the layer: use `apk add --no-cache` (and drop `apk update`/`--update`)";
        match &fix {
            Some(fix) => findings.report_fix(range, message, fix.clone()),
            None => findings.report(range, message),
        }
    }
}

/// `apk update` before `apk add --no-cache`, which fetches an index of its own: the
/// update's copy only stays in the layer (unless something after the RUN reads it).
fn updates_left(
    instruction: &Instruction<'_>,
    found: &RunCommands,
    index_needed: impl Fn() -> bool,
    findings: &mut Findings,
) {
    let sub = |c: &Command| subcommand(&c.args, APK_OPTIONS).map(|(s, _)| s.text.clone());
    let mut needed = None;
    for (i, command) in found.commands.iter().enumerate() {
        if command.basename() != "apk" {
            continue;
        }
        let Some((update, _)) = subcommand(&command.args, APK_OPTIONS) else {
            continue;
        };
        if update.text != "update" {
            continue;
        }
        let mut no_cache_adds = false;
        let mut read_or_cleaned = false;
        for later in found.commands.get(i + 1..).unwrap_or(&[]) {
            if later.basename() == "apk" {
                match sub(later).as_deref() {
                    Some("add") if has_option(&later.args, &["--no-cache"]) => {
                        no_cache_adds = true;
                    }
                    Some("del" | "update") => {}
                    _ => read_or_cleaned = true,
                }
            } else if removes(later, CACHE) {
                read_or_cleaned = true;
            }
        }
        if !no_cache_adds || read_or_cleaned || *needed.get_or_insert_with(&index_needed) {
            continue;
        }
        let range = command_through(command, update);
        let message = "`apk update` stores the package index in /var/cache/apk, where it stays in the layer, and `apk add --no-cache` fetches its own: drop the update";
        let removal =
            remove_commands(found, &[i]).or_else(|| remove_script_lines(instruction, found, &[i]));
        match removal {
            Some(edits) => findings.report_fix(
                range,
                message,
                Fix::new("Drop `apk update`", Applicability::Safe, edits),
            ),
            None => findings.report(range, message),
        }
    }
}

/// `apk add`'s spellings of "refresh the index first", which `--no-cache` always does.
const UPDATE_OPTIONS: &[&str] = &["-U", "--update", "--update-cache"];

/// `--no-cache` on each flagged `apk add` (in place of its `--update`), and, when no
/// apk command of the RUN reads the cache any more, its `apk update` and its
/// `rm -rf /var/cache/apk/*` dropped. When something after the RUN needs the index
/// it leaves (`index_needed`), the updates stay, and an `apk add --update` gets no
/// fix: with `--no-cache` it would no longer leave the index.
fn no_cache_fix(
    instruction: &Instruction<'_>,
    found: &RunCommands,
    flagged: &[(&Command, &Word)],
    index_needed: bool,
) -> Option<Fix> {
    if index_needed {
        if flagged
            .iter()
            .any(|(c, _)| has_option(&c.args, UPDATE_OPTIONS))
        {
            return None;
        }
        let edits = flagged
            .iter()
            .map(|(_, sub)| add_option(sub, "--no-cache"))
            .collect();
        return Some(Fix::new("Add `--no-cache`", Applicability::Safe, edits));
    }
    let mut edits = Vec::new();
    for (command, sub) in flagged {
        let update = command
            .args
            .iter()
            .take_while(|a| a.text != "--")
            .find(|a| UPDATE_OPTIONS.contains(&a.text.as_str()));
        edits.push(match update {
            Some(word) => Edit::replace(word.range.clone(), "--no-cache"),
            None => add_option(sub, "--no-cache"),
        });
    }
    let fixed = |c: &Command| flagged.iter().any(|(f, _)| std::ptr::eq(*f, c));
    let mut updates = Vec::new();
    let mut cleanups = Vec::new();
    let mut cache_still_read = false;
    for (i, command) in found.commands.iter().enumerate() {
        if command.basename() == "apk" {
            let sub = subcommand(&command.args, APK_OPTIONS).map(|(s, _)| s.text.as_str());
            match sub {
                Some("update") => updates.push(i),
                Some("del") => {}
                _ if fixed(command) || has_option(&command.args, &["--no-cache"]) => {}
                _ => cache_still_read = true,
            }
        } else if removes(command, CACHE) && only_under(command, CACHE) {
            cleanups.push(i);
        }
    }
    // Nothing writes the cache any more: the updates and the cache removals are
    // no-ops. Both go, or the updates alone when a removal cannot be cut out.
    let mut dropped = Vec::new();
    if !cache_still_read {
        let both: Vec<usize> = updates.iter().chain(&cleanups).copied().collect();
        let remove = |indices: &[usize]| {
            remove_commands(found, indices)
                .or_else(|| remove_script_lines(instruction, found, indices))
        };
        let removal = remove(&both)
            .map(|edits| (edits, true))
            .or_else(|| remove(&updates).map(|edits| (edits, false)));
        if let Some((removal, with_cleanups)) = removal {
            edits.extend(removal);
            if !updates.is_empty() {
                dropped.push("`apk update`");
            }
            if with_cleanups && !cleanups.is_empty() {
                dropped.push("the cache removal");
            }
        }
    }
    let title = if dropped.is_empty() {
        "Add `--no-cache`".to_owned()
    } else {
        format!("Add `--no-cache` and drop {}", dropped.join(" and "))
    };
    Some(Fix::new(title, Applicability::Safe, edits))
}

/// Whether every path a command names is `dir` or inside it.
fn only_under(command: &Command, dir: &str) -> bool {
    command
        .args
        .iter()
        .filter(|a| !a.text.starts_with('-'))
        .all(|a| a.text == dir || a.text.strip_prefix(dir).is_some_and(|r| r.starts_with('/')))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, fixed, fixed_all, fixes, flagged};
    use crate::syntax::Applicability;

    #[test]
    fn each_unpinned_package_is_reported_on_its_word() {
        let text = "FROM alpine\nRUN apk add --no-cache \\\n    curl=8.9.1-r0 \\\n    git~2.45 \\\n    bash\n";
        let found = findings("apk-package-unpinned", text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "5:5-5:9");
        insta::assert_snapshot!(found[0].1, @"pin the version of bash: bash=<version> or bash~<version>");
    }

    #[test]
    fn virtual_names_files_and_variables_are_not_packages() {
        let text = "FROM alpine\n\
                    RUN apk add --no-cache --virtual .build-deps gcc=13.2.1-r0 \"musl-dev>1.2\"\n\
                    RUN apk add --no-cache -t .rundeps $RUNTIME_DEPS \"${MORE}\"\n\
                    RUN apk add --allow-untrusted /tmp/pkg.apk ./local.apk\n\
                    RUN apk add -X https://dl-cdn.alpinelinux.org/alpine/edge/testing --no-cache foo=1\n\
                    RUN apk del curl && apk info bash\n";
        assert!(flagged("apk-package-unpinned", text).is_empty());
    }

    #[test]
    fn the_virtual_package_itself_is_not_pinned_but_its_contents_are_checked() {
        let text = "FROM alpine\nRUN apk add --no-cache --virtual=.deps gcc\n";
        assert_eq!(flagged("apk-package-unpinned", text), ["gcc"]);
    }

    #[test]
    fn add_without_no_cache_is_reported_on_the_command() {
        let text = "FROM alpine\nRUN apk update && \\\n    apk add curl\n";
        let found = findings("apk-no-cache", text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "3:5-3:12");
        insta::assert_snapshot!(found[0].1, @"`apk add` without `--no-cache` leaves the package index in /var/cache/apk in the layer: use `apk add --no-cache` (and drop `apk update`/`--update`)");
        assert_eq!(
            flagged("apk-no-cache", "FROM alpine\nRUN apk --update add curl\n"),
            ["apk --update add"]
        );
    }

    #[test]
    fn no_cache_a_cache_mount_or_a_later_cleanup_is_enough() {
        let text = "FROM alpine\n\
                    RUN apk add --no-cache curl\n\
                    RUN apk --no-cache add curl\n\
                    RUN --mount=type=cache,target=/var/cache/apk apk add -U curl\n\
                    RUN --mount=type=cache,target=/etc/apk/cache apk add curl\n\
                    RUN apk add --update curl && rm -rf /var/cache/apk/*\n\
                    RUN apk del curl && apk upgrade\n";
        assert!(flagged("apk-no-cache", text).is_empty());
    }

    #[test]
    fn a_cleanup_before_the_add_does_not_count() {
        let text = "FROM alpine\nRUN rm -rf /var/cache/apk/* && apk add -U curl\n";
        assert_eq!(flagged("apk-no-cache", text), ["apk add"]);
    }

    #[test]
    fn the_fix_adds_no_cache_and_drops_the_update() {
        insta::assert_snapshot!(fixed("apk-no-cache", "FROM alpine\nRUN apk update && \\\n    apk add curl\nRUN apk --update add git\nRUN apk add -U --virtual .deps gcc\n"), @r"
        FROM alpine
        RUN apk add --no-cache curl
        RUN apk --no-cache add git
        RUN apk add --no-cache --virtual .deps gcc
        ");
        assert_eq!(
            fixes(
                "apk-no-cache",
                "FROM alpine\nRUN apk update && apk add curl\n"
            ),
            [Some((
                "Add `--no-cache` and drop `apk update`".to_owned(),
                Applicability::Safe
            ))]
        );
    }

    #[test]
    fn the_fix_drops_a_cache_removal_that_has_nothing_left_to_remove() {
        insta::assert_snapshot!(fixed("apk-no-cache", "FROM alpine\nRUN rm -rf /var/cache/apk/* \\\n && apk update \\\n && apk add -U curl \\\n && adduser -D app\n"), @r"
        FROM alpine
        RUN apk add --no-cache curl \
         && adduser -D app
        ");
        // Something else in the removal: kept.
        insta::assert_snapshot!(fixed("apk-no-cache", "FROM alpine\nRUN rm -rf /var/cache/apk/* /tmp/* && apk add curl\n"), @r"
        FROM alpine
        RUN rm -rf /var/cache/apk/* /tmp/* && apk add --no-cache curl
        ");
    }

    #[test]
    fn the_update_stays_while_another_command_reads_the_index() {
        let text = "FROM alpine\nRUN apk update && apk upgrade && apk add curl\n";
        insta::assert_snapshot!(fixed("apk-no-cache", text), @r"
        FROM alpine
        RUN apk update && apk upgrade && apk add --no-cache curl
        ");
        // The update cannot be cut out of a `;` list: only the flag is added.
        let text = "# escape=`\nFROM alpine\nRUN apk update; `\n    apk add curl\n";
        assert_eq!(
            fixes("apk-no-cache", text),
            [Some(("Add `--no-cache`".to_owned(), Applicability::Safe))]
        );
        insta::assert_snapshot!(fixed("apk-no-cache", text), @r"
        # escape=`
        FROM alpine
        RUN apk update; `
            apk add --no-cache curl
        ");
    }

    #[test]
    fn the_index_stays_while_something_later_reads_it() {
        let text = "FROM alpine\nRUN apk update && apk add curl\nRUN apk add git\n";
        // Fix-all: `--no-cache` everywhere, then the update nothing reads goes.
        insta::assert_snapshot!(fixed_all("apk-no-cache", text), @r"
        FROM alpine
        RUN apk add --no-cache curl
        RUN apk add --no-cache git
        ");
        assert_eq!(
            fixes("apk-no-cache", text)[0],
            Some(("Add `--no-cache`".to_owned(), Applicability::Safe))
        );
        // `--update` leaves the index the later RUN reads: no fix for it.
        let text = "FROM alpine AS base\nRUN apk add --update curl\nFROM base\nRUN apk add git\n";
        assert_eq!(
            fixes("apk-no-cache", text),
            [
                None,
                Some(("Add `--no-cache`".to_owned(), Applicability::Safe))
            ]
        );
        let text = "FROM alpine\nONBUILD RUN apk add -U git\n";
        assert_eq!(fixes("apk-no-cache", text), [None]);
        // A later RUN that refreshes the index itself does not need this one.
        let text = "FROM alpine\nRUN apk update && apk add curl\nRUN apk add --no-cache jq && apk --update add git\n";
        assert_eq!(
            fixes("apk-no-cache", text)[0],
            Some((
                "Add `--no-cache` and drop `apk update`".to_owned(),
                Applicability::Safe
            ))
        );
    }

    #[test]
    fn an_update_before_adds_with_no_cache_is_dropped() {
        let text = "FROM alpine\nRUN apk update && \\\n    apk add --no-cache curl\n";
        let found = findings("apk-no-cache", text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "2:5-2:15");
        insta::assert_snapshot!(found[0].1, @"`apk update` stores the package index in /var/cache/apk, where it stays in the layer, and `apk add --no-cache` fetches its own: drop the update");
        insta::assert_snapshot!(fixed("apk-no-cache", text), @r"
        FROM alpine
        RUN apk add --no-cache curl
        ");
        // Something reads the index, cleans it, or may later: the update stays.
        let text = "FROM alpine\n\
                    RUN apk update && apk add --no-cache curl && apk upgrade\n\
                    RUN apk update && apk add --no-cache jq && rm -rf /var/cache/apk/*\n\
                    RUN apk update && apk add --no-cache git\nRUN apk add vim\n";
        assert_eq!(flagged("apk-no-cache", text), ["apk add"]);
    }

    #[test]
    fn heredoc_scripts_lose_the_update_line() {
        insta::assert_snapshot!(fixed_all("apk-no-cache", "FROM alpine\nRUN <<EOF\napk update\napk add git\nEOF\n"), @r"
        FROM alpine
        RUN <<EOF
        apk add --no-cache git
        EOF
        ");
    }

    #[test]
    fn two_adds_share_one_fix_for_the_run() {
        let text = "FROM alpine\nRUN apk update && apk add curl && apk add --virtual .b gcc && apk del .b\n";
        assert_eq!(fixes("apk-no-cache", text).len(), 2);
        insta::assert_snapshot!(fixed_all("apk-no-cache", text), @r"
        FROM alpine
        RUN apk add --no-cache curl && apk add --no-cache --virtual .b gcc && apk del .b
        ");
    }

    #[test]
    fn onbuild_and_heredocs_are_checked() {
        let text = "FROM alpine\nONBUILD RUN apk add git\nRUN <<EOF\napk add --update jq\nEOF\n";
        assert_eq!(flagged("apk-no-cache", text), ["apk add", "apk add"]);
    }
}
