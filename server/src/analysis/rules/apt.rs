//! apt-get and apt in RUN commands: recommends, version pins, prompts, package lists, `apt` itself.

use super::package_args::{
    OptionSyntax, command_through, has_option, is_dynamic, mentions, subcommand,
};
use super::package_cache::{cache_targets, covered, removes, shipped_runs};
use super::package_update::index_read_later;
use super::{Alias, Check, Findings, Rule};
use crate::analysis::fixes::heredoc_script::append_to_heredoc_script;
use crate::analysis::fixes::run_chain::{add_option, append_command};
use crate::analysis::model::StageModel;
use crate::analysis::shell::{self, Command, Word};
use crate::syntax::{Applicability, Fix, Instruction, Severity};

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
    tags: &[],
    fixable: true,
    enabled_by_default: true,
    check: Check::Instruction(check_recommends),
};

pub static APT_PACKAGE_UNPINNED: Rule = Rule {
    id: "apt-package-unpinned",
    summary: "Packages in `apt-get install` should have pinned versions",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3008")],
    explanation: "`apt-get install curl` installs whatever version the archive has on the day of the \
build, so two builds of the same Dockerfile can differ, and a rebuild can pull in a change nobody \
reviewed. `curl=7.88.1-10+deb12u5` makes the build repeatable and the upgrade a visible edit.\n\n\
The cost: Debian and Ubuntu drop superseded versions from their archives, so a pinned build fails once \
the version is gone and the pins need regular updating (or a snapshot archive). Turn it off \
(`disable = [\"DL3008\"]`) where that upkeep costs more than reproducible builds are worth. `pkg/release` selects a release, \
not a version, and is reported too. Local `.deb` files and variables (`$PACKAGES`) are not checked.",
    bad: "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl \\\n && rm -rf /var/lib/apt/lists/*\n",
    good: "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5 \\\n && rm -rf /var/lib/apt/lists/*\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_pins),
};

pub static APT_LISTS_NOT_DELETED: Rule = Rule {
    id: "apt-lists-not-removed",
    summary: "`apt-get update` should be followed by deleting /var/lib/apt/lists in the same RUN",
    severity: Severity::Info,
    aliases: &[Alias::Hadolint("DL3009")],
    explanation: "`apt-get update` downloads the package lists into `/var/lib/apt/lists`: tens of \
megabytes that stay in the layer, and so in the image, unless the same RUN removes them \
(`rm -rf /var/lib/apt/lists/*`, or `apt-get dist-clean` with apt 3, which deletes the lists too); a \
later RUN cannot take them out of the earlier layer.\n\n\
A BuildKit cache or tmpfs mount on `/var/lib/apt/lists` (or `/var/lib/apt`) keeps them out of the \
layer as well; a mount on `/var/cache/apt` alone does not. Only stages that end up in an image are \
checked: the last stage and the stages it is built `FROM`. A builder stage that is only copied from \
does not ship its lists.\n\n\
The fix ends the RUN with `rm -rf /var/lib/apt/lists/*` (on the last line of a heredoc script). It is \
not offered while something after the RUN still installs from these lists (a later RUN without its \
own `apt-get update`, a stage built on this one, an ONBUILD trigger), or when a later RUN removes \
them: `cleanup-in-later-layer` moves that removal here instead.",
    bad: "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n",
    good: "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl \\\n && rm -rf /var/lib/apt/lists/*\n",
    tags: &[],
    fixable: true,
    enabled_by_default: true,
    check: Check::Stage(check_lists),
};

pub static APT_MISSING_YES: Rule = Rule {
    id: "apt-missing-yes",
    summary: "`apt-get install` should use `-y`",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3014"), Alias::Trivy("DS-0021")],
    explanation: "A build has no one to answer apt's `Do you want to continue? [Y/n]`: without `-y` \
(`--yes`, `--assume-yes`, or quiet level 2: `-qq`, `-q=2`) apt aborts as soon as it would install more \
than was asked for or remove anything, and the build fails. `DEBIAN_FRONTEND=noninteractive` silences \
debconf questions, not this prompt.",
    bad: "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install --no-install-recommends curl\n",
    good: "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_yes),
};

pub static APT_INSTEAD_OF_APT_GET: Rule = Rule {
    id: "apt-instead-of-apt-get",
    summary: "Use `apt-get` or `apt-cache` instead of `apt` in scripts",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3027")],
    explanation: "`apt` is the command line for people at a terminal: its output and behaviour may \
change between releases and it warns that it \"does not have a stable CLI interface\". `apt-get` and \
`apt-cache` take the same commands and are meant for scripts like a Dockerfile.",
    bad: "FROM debian:bookworm-slim\nRUN apt update && apt install -y --no-install-recommends curl\n",
    good: "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_apt),
};

/// Options of apt-get and apt that take the next word as their value.
pub(super) const APT_OPTIONS: OptionSyntax = OptionSyntax {
    takes_value: &[
        "-o",
        "--option",
        "-c",
        "--config-file",
        "-t",
        "--target-release",
        "--default-release",
        "-a",
        "--host-architecture",
        "-P",
        "--build-profiles",
        "--solver",
        "--planner",
    ],
    bundles: true,
};

/// An `apt-get`/`apt` command with its subcommand and the operands after it.
struct AptCommand<'c> {
    command: &'c Command,
    subcommand: &'c Word,
    operands: Vec<&'c Word>,
}

fn apt_commands<'c>(commands: &'c [Command]) -> impl Iterator<Item = AptCommand<'c>> + 'c {
    commands.iter().filter_map(|command| {
        if !matches!(command.basename(), "apt-get" | "apt") {
            return None;
        }
        let (subcommand, operands) = subcommand(&command.args, APT_OPTIONS)?;
        Some(AptCommand {
            command,
            subcommand,
            operands,
        })
    })
}

fn check_recommends(instruction: &Instruction<'_>, findings: &mut Findings) {
    // Parsing the shell costs more than looking for the word: most RUNs have no apt.
    if !mentions(instruction, "apt") {
        return;
    }
    let found = shell::run_commands(instruction);
    for apt in apt_commands(&found.commands) {
        if apt.subcommand.text != "install" {
            continue;
        }
        let recommends_off = has_option(&apt.command.args, &["--no-install-recommends"])
            || apt.command.args.iter().any(|a| {
                a.text.contains("Install-Recommends=false")
                    || a.text.contains("Install-Recommends=0")
            });
        if !recommends_off {
            findings.report_fix(
                command_through(apt.command, apt.subcommand),
                format!(
                    "`{} install` without `--no-install-recommends` also installs every recommended package",
                    apt.command.basename()
                ),
                Fix::new(
                    "Add `--no-install-recommends`",
                    Applicability::Safe,
                    vec![add_option(apt.subcommand, "--no-install-recommends")],
                ),
            );
        }
    }
}

fn check_pins(instruction: &Instruction<'_>, findings: &mut Findings) {
    if !mentions(instruction, "apt") {
        return;
    }
    let found = shell::run_commands(instruction);
    for apt in apt_commands(&found.commands) {
        if apt.subcommand.text != "install" {
            continue;
        }
        for package in apt.operands {
            if let Some(name) = unpinned_package(package) {
                findings.report(
                    package.range.clone(),
                    format!("pin the version of {name}: {name}=<version>"),
                );
            }
        }
    }
}

/// The package name of an operand of `apt-get install` that has no version, if so.
fn unpinned_package(word: &Word) -> Option<&str> {
    let text = word.text.as_str();
    let is_file = text.ends_with(".deb") || text.starts_with(['/', '.', '~']);
    // A trailing `-` removes the package; globs and regexes name no single package.
    let not_a_name = text.ends_with('-') || text.contains(['*', '?', '[', '^']) || text.is_empty();
    if is_dynamic(word) || is_file || not_a_name || text.contains('=') {
        return None;
    }
    let name = text.split('/').next().unwrap_or(text);
    Some(name.strip_suffix('+').unwrap_or(name))
}

/// Subcommands that may ask for confirmation.
const PROMPTING: &[&str] = &[
    "install",
    "reinstall",
    "upgrade",
    "dist-upgrade",
    "full-upgrade",
    "remove",
    "purge",
    "autoremove",
    "autopurge",
    "build-dep",
    "satisfy",
];

fn check_yes(instruction: &Instruction<'_>, findings: &mut Findings) {
    if !mentions(instruction, "apt") {
        return;
    }
    let found = shell::run_commands(instruction);
    for apt in apt_commands(&found.commands) {
        let sub = apt.subcommand.text.as_str();
        if !PROMPTING.contains(&sub) || assumes_yes(&apt.command.args) {
            continue;
        }
        let name = apt.command.basename();
        findings.report(
            command_through(apt.command, apt.subcommand),
            format!(
                "`{name} {sub}` without `-y` stops at the confirmation prompt and fails the build: add `-y`"
            ),
        );
    }
}

/// `-y` and its spellings, or quiet level 2 (which implies `-y`).
fn assumes_yes(args: &[Word]) -> bool {
    if has_option(args, &["-y", "--yes", "--assume-yes"]) {
        return true;
    }
    let assume_yes_option = args.iter().any(|a| {
        a.text
            .split_once("Assume-Yes=")
            .is_some_and(|(_, v)| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes"))
    });
    let mut quiet = 0u32;
    for arg in args.iter().take_while(|a| a.text != "--") {
        let text = arg.text.as_str();
        if let Some(level) = text
            .strip_prefix("--quiet=")
            .or_else(|| text.strip_prefix("-q="))
        {
            quiet = level.parse().unwrap_or(quiet);
        } else if text == "--quiet" {
            quiet += 1;
        } else if let Some(bundle) = text.strip_prefix('-').filter(|b| !b.starts_with('-')) {
            quiet += bundle.chars().filter(|&c| c == 'q').count() as u32;
        }
    }
    assume_yes_option || quiet >= 2
}

/// apt subcommands that `apt-cache` has; the others are `apt-get`'s.
const APT_CACHE_SUBCOMMANDS: &[&str] = &[
    "search", "show", "showsrc", "policy", "depends", "rdepends", "madison", "showpkg",
];

fn check_apt(instruction: &Instruction<'_>, findings: &mut Findings) {
    if !mentions(instruction, "apt") {
        return;
    }
    let found = shell::run_commands(instruction);
    for command in found.commands.iter().filter(|c| c.basename() == "apt") {
        let sub = subcommand(&command.args, APT_OPTIONS).map(|(s, _)| s.text.as_str());
        let instead = match sub {
            Some(s) if APT_CACHE_SUBCOMMANDS.contains(&s) => format!("`apt-cache {s}`"),
            Some("full-upgrade") => "`apt-get dist-upgrade`".to_owned(),
            Some(s) if s != "list" && s != "edit-sources" => format!("`apt-get {s}`"),
            _ => "`apt-get` or `apt-cache`".to_owned(),
        };
        findings.report(
            command.name_range.clone(),
            format!(
                "`apt` is meant for interactive use and has no stable command-line interface: use {instead}"
            ),
        );
    }
}

fn check_lists(model: &StageModel<'_, '_>, findings: &mut Findings) {
    let runs = shipped_runs(model, |run| mentions(run, "apt") && mentions(run, "update"));
    for (at, run) in runs {
        // Removing the lists breaks what still reads them: offer the fix only when
        // nothing later does. When a later RUN removes them, moving that removal
        // here (cleanup-in-later-layer's fix) leaves no empty RUN behind.
        let removable = || !index_read_later(model, at, "apt-get") && !removed_later(model, at);
        lists_left(&run, removable, findings);
    }
}

/// Whether a later RUN of the stage removes the package lists.
fn removed_later(model: &StageModel<'_, '_>, at: usize) -> bool {
    model
        .stage
        .instructions
        .get(at + 1..)
        .unwrap_or(&[])
        .iter()
        .filter(|i| mentions(i, LISTS))
        .any(|i| {
            shell::run_commands(i)
                .commands
                .iter()
                .any(|c| removes(c, LISTS))
        })
}

const LISTS: &str = "/var/lib/apt/lists";
const LISTS_CLEANUP: &str = "rm -rf /var/lib/apt/lists/*";

fn lists_left(run: &Instruction<'_>, removable: impl Fn() -> bool, findings: &mut Findings) {
    let found = shell::run_commands(run);
    // The cleanup may be in the part that did not parse.
    if !found.complete {
        return;
    }
    let targets = cache_targets(run);
    if covered(&targets, LISTS) {
        return;
    }
    let mut pending = Vec::new();
    for command in &found.commands {
        let sub = matches!(command.basename(), "apt-get" | "apt")
            .then(|| subcommand(&command.args, APT_OPTIONS))
            .flatten();
        // apt 3's `dist-clean` is `clean` plus deleting the package lists.
        let dist_clean = sub
            .as_ref()
            .is_some_and(|(sub, _)| matches!(sub.text.as_str(), "dist-clean" | "distclean"));
        if removes(command, LISTS) || dist_clean {
            pending.clear();
        } else if let Some((sub, _)) = sub
            && sub.text == "update"
        {
            pending.push((command, sub));
        }
    }
    let hint = if covered(&targets, "/var/cache/apt") {
        "the cache mount on /var/cache/apt does not hold them: also mount a cache on /var/lib/apt/lists, or end this RUN with `rm -rf /var/lib/apt/lists/*`"
    } else {
        "end this RUN with `rm -rf /var/lib/apt/lists/*`, or mount a cache on /var/lib/apt/lists"
    };
    // One edit fixes every update of the RUN; each finding offers it.
    let append = || {
        append_command(run, &found, LISTS_CLEANUP)
            .or_else(|| append_to_heredoc_script(run, &found, LISTS_CLEANUP))
    };
    let fix = (!pending.is_empty() && removable())
        .then(append)
        .flatten()
        .map(|edit| {
            Fix::new(
                "Remove the package lists at the end of this RUN",
                Applicability::Safe,
                vec![edit],
            )
        });
    for (command, sub) in pending {
        let range = command_through(command, sub);
        let message = format!(
            "`{} update` leaves its package lists (/var/lib/apt/lists) in the layer: {hint}",
            command.basename()
        );
        match &fix {
            Some(fix) => findings.report_fix(range, message, fix.clone()),
            None => findings.report(range, message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, fixed, fixed_all, fixes, flagged};
    use crate::syntax::Applicability;

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
    fn an_option_value_before_the_subcommand_is_not_the_subcommand() {
        let text = "FROM debian\nRUN apt-get -o Dpkg::Options::=--force-confold install -y git\n";
        assert_eq!(
            flagged("apt-no-install-recommends", text),
            ["apt-get -o Dpkg::Options::=--force-confold install"]
        );
    }

    #[test]
    fn heredoc_scripts_are_checked() {
        let text = "FROM debian\nRUN <<EOF\nset -e\napt-get install -qy vim\nEOF\n";
        assert_eq!(
            flagged("apt-no-install-recommends", text),
            ["apt-get install"]
        );
    }

    #[test]
    fn the_fix_adds_the_flag_after_install() {
        insta::assert_snapshot!(fixed("apt-no-install-recommends", "FROM debian\nRUN apt-get update \\\n  && apt-get install -y curl \\\n  && apt install -qy git\n"), @r"
        FROM debian
        RUN apt-get update \
          && apt-get install --no-install-recommends -y curl \
          && apt install --no-install-recommends -qy git
        ");
        assert_eq!(
            fixes(
                "apt-no-install-recommends",
                "FROM debian\nRUN apt-get install x\n"
            ),
            [Some((
                "Add `--no-install-recommends`".to_owned(),
                Applicability::Safe
            ))]
        );
    }

    #[test]
    fn the_fix_works_with_the_escape_directive_onbuild_and_heredocs() {
        insta::assert_snapshot!(fixed("apt-no-install-recommends", "# escape=`\nFROM debian\nRUN apt-get update && `\n    apt-get -o Dpkg::Options::=--force-confold install -y curl\nONBUILD RUN apt-get install -y jq\nRUN <<EOF\napt-get install -y vim\nEOF\n"), @r"
        # escape=`
        FROM debian
        RUN apt-get update && `
            apt-get -o Dpkg::Options::=--force-confold install --no-install-recommends -y curl
        ONBUILD RUN apt-get install --no-install-recommends -y jq
        RUN <<EOF
        apt-get install --no-install-recommends -y vim
        EOF
        ");
    }

    // apt-package-unpinned

    #[test]
    fn each_unpinned_package_is_reported_on_its_word() {
        let text = "FROM debian\nRUN apt-get install -y --no-install-recommends \\\n    curl=7.88.1-10 \\\n    git \\\n    ca-certificates\n";
        assert_eq!(
            findings("apt-package-unpinned", text),
            [
                (
                    "4:5-4:8".to_owned(),
                    "pin the version of git: git=<version>".to_owned()
                ),
                (
                    "5:5-5:20".to_owned(),
                    "pin the version of ca-certificates: ca-certificates=<version>".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn a_release_is_not_a_version() {
        let text =
            "FROM debian\nRUN apt-get install -y -t bookworm-backports curl/bookworm-backports\n";
        insta::assert_debug_snapshot!(findings("apt-package-unpinned", text), @r#"
        [
            (
                "2:46-2:69",
                "pin the version of curl: curl=<version>",
            ),
        ]
        "#);
    }

    #[test]
    fn files_variables_and_option_values_are_not_packages() {
        let text = "FROM debian\n\
                    RUN apt-get install -y ./pkg.deb /tmp/other.deb $EXTRA \"${MORE}\" $(cat list)\n\
                    RUN apt-get -o Debug::pkgProblemResolver=yes -t stable install -y curl=1 \\\n    && apt-get update\n\
                    RUN apt install -y --target-release stable git=1:2.39 old-pkg-\n";
        assert!(flagged("apt-package-unpinned", text).is_empty());
    }

    #[test]
    fn apt_and_onbuild_are_checked_too() {
        let text = "FROM debian\nONBUILD RUN apt install -y jq\n";
        assert_eq!(flagged("apt-package-unpinned", text), ["jq"]);
    }

    // apt-missing-yes

    #[test]
    fn install_without_yes_is_reported_on_the_command() {
        let text = "FROM debian\nRUN apt-get update && \\\n    DEBIAN_FRONTEND=noninteractive apt-get install --no-install-recommends curl\n";
        let found = findings("apt-missing-yes", text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "3:36-3:51");
        insta::assert_snapshot!(found[0].1, @"`apt-get install` without `-y` stops at the confirmation prompt and fails the build: add `-y`");
    }

    #[test]
    fn every_spelling_of_yes_is_accepted() {
        let text = "FROM debian\n\
                    RUN apt-get install -y a\n\
                    RUN apt-get -qy install a\n\
                    RUN apt-get install --yes a\n\
                    RUN apt-get install --assume-yes a\n\
                    RUN apt-get -qq install a\n\
                    RUN apt-get -q -q install a\n\
                    RUN apt-get -q=2 install a\n\
                    RUN apt-get --quiet=2 install a\n\
                    RUN apt-get -o APT::Get::Assume-Yes=true install a\n\
                    RUN apt-get update && apt-get clean\n";
        assert!(flagged("apt-missing-yes", text).is_empty());
    }

    #[test]
    fn one_q_is_not_enough_and_removals_prompt_too() {
        let text = "FROM debian\nRUN apt-get -q install a && apt-get purge b && apt autoremove\n";
        assert_eq!(
            flagged("apt-missing-yes", text),
            ["apt-get -q install", "apt-get purge", "apt autoremove"]
        );
    }

    // apt-instead-of-apt-get

    #[test]
    fn apt_is_reported_with_the_command_to_use() {
        let text = "FROM debian\nRUN apt update && apt install -y curl && apt search x && apt full-upgrade -y\n";
        let found = findings("apt-instead-of-apt-get", text);
        let ranges: Vec<_> = found.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(ranges, ["2:5-2:8", "2:19-2:22", "2:42-2:45", "2:58-2:61"]);
        insta::assert_debug_snapshot!(found.iter().map(|(_, m)| m).collect::<Vec<_>>(), @r#"
        [
            "`apt` is meant for interactive use and has no stable command-line interface: use `apt-get update`",
            "`apt` is meant for interactive use and has no stable command-line interface: use `apt-get install`",
            "`apt` is meant for interactive use and has no stable command-line interface: use `apt-cache search`",
            "`apt` is meant for interactive use and has no stable command-line interface: use `apt-get dist-upgrade`",
        ]
        "#);
    }

    #[test]
    fn apt_get_apt_cache_and_words_containing_apt_are_fine() {
        let text =
            "FROM debian\nRUN apt-get update && apt-cache policy curl && echo apt && ./apt-setup\n";
        assert!(flagged("apt-instead-of-apt-get", text).is_empty());
    }

    // apt-lists-not-removed

    #[test]
    fn lists_left_by_update_are_reported_on_the_update() {
        let text = "FROM debian\nRUN apt-get update \\\n && apt-get install -y curl\n";
        let found = findings("apt-lists-not-removed", text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "2:5-2:19");
        insta::assert_snapshot!(found[0].1, @"`apt-get update` leaves its package lists (/var/lib/apt/lists) in the layer: end this RUN with `rm -rf /var/lib/apt/lists/*`, or mount a cache on /var/lib/apt/lists");
    }

    #[test]
    fn deleting_the_lists_after_the_update_is_enough() {
        let text = "FROM debian\n\
                    RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n\
                    RUN apt-get update && apt-get install -y git && rm -fr /var/lib/apt/lists\n\
                    RUN apt-get update && apt-get install -y vim; find /var/lib/apt/lists -type f -delete\n\
                    RUN <<EOF\napt-get update\napt-get install -y jq\nrm -r /var/lib/apt/*\nEOF\n";
        assert!(flagged("apt-lists-not-removed", text).is_empty());
    }

    #[test]
    fn deleting_before_the_update_is_not() {
        let text = "FROM debian\nRUN rm -rf /var/lib/apt/lists/* && apt-get update && apt-get install -y curl\n";
        assert_eq!(flagged("apt-lists-not-removed", text), ["apt-get update"]);
    }

    #[test]
    fn a_cache_mount_on_the_lists_keeps_them_out_of_the_layer() {
        let text = "FROM debian\n\
                    RUN --mount=type=cache,target=/var/lib/apt/lists apt-get update && apt-get install -y a\n\
                    RUN --mount=type=cache,target=/var/cache/apt,sharing=locked \\\n    --mount=type=cache,target=/var/lib/apt,sharing=locked \\\n    apt-get update && apt-get install -y b\n\
                    RUN --mount=type=tmpfs,target=/var/lib/apt/lists/ apt-get update\n";
        assert!(flagged("apt-lists-not-removed", text).is_empty());
    }

    #[test]
    fn a_cache_mount_on_the_archives_alone_does_not() {
        let text = "FROM debian\nRUN --mount=type=cache,target=/var/cache/apt apt-get update && apt-get install -y a\n";
        let found = findings("apt-lists-not-removed", text);
        assert_eq!(found.len(), 1);
        insta::assert_snapshot!(found[0].1, @"`apt-get update` leaves its package lists (/var/lib/apt/lists) in the layer: the cache mount on /var/cache/apt does not hold them: also mount a cache on /var/lib/apt/lists, or end this RUN with `rm -rf /var/lib/apt/lists/*`");
    }

    #[test]
    fn only_stages_that_ship_are_checked() {
        let text = "FROM debian AS build\nRUN apt-get update && apt-get install -y gcc\n\
                    FROM debian AS base\nRUN apt-get update && apt-get install -y curl\n\
                    FROM base\nCOPY --from=build /out /out\nONBUILD RUN apt-get update\n";
        let found = flagged("apt-lists-not-removed", text);
        assert_eq!(found, ["apt-get update", "apt-get update"]);
        let found = findings("apt-lists-not-removed", text);
        assert_eq!(found[0].0, "4:5-4:19");
        assert_eq!(found[1].0, "7:13-7:27");
    }

    #[test]
    fn apt_dist_clean_deletes_the_lists() {
        let text = "FROM debian:trixie\nRUN set -eux; apt-get update; \\\n  apt-get install -y --no-install-recommends gnupg; \\\n  apt-get dist-clean\n\
                    RUN apt-get update && apt-get install -y curl && apt-get distclean\n";
        assert!(flagged("apt-lists-not-removed", text).is_empty());
        let text =
            "FROM debian:trixie\nRUN apt-get update && apt-get install -y curl && apt-get clean\n";
        assert_eq!(flagged("apt-lists-not-removed", text), ["apt-get update"]);
    }

    #[test]
    fn the_fix_appends_the_cleanup_in_the_runs_own_style() {
        insta::assert_snapshot!(fixed("apt-lists-not-removed", "FROM debian\nRUN apt-get update && apt-get install -y curl\nRUN apt-get update \\\n    && apt-get install -y git\n"), @r"
        FROM debian
        RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
        RUN apt-get update \
            && apt-get install -y git \
            && rm -rf /var/lib/apt/lists/*
        ");
        insta::assert_snapshot!(fixed("apt-lists-not-removed", "# escape=`\nFROM debian\nRUN set -eux; apt-get update; `\n\tapt-get install -y curl\n"), @r"
        # escape=`
        FROM debian
        RUN set -eux; apt-get update; `
        	apt-get install -y curl && `
        	rm -rf /var/lib/apt/lists/*
        ");
        assert_eq!(
            fixed(
                "apt-lists-not-removed",
                "FROM debian\r\nRUN apt-get update && \\\r\n  apt-get install -y curl\r\n"
            ),
            "FROM debian\r\nRUN apt-get update && \\\r\n  apt-get install -y curl && \\\r\n  rm -rf /var/lib/apt/lists/*\r\n"
        );
    }

    #[test]
    fn two_updates_in_one_run_share_one_cleanup() {
        let text = "FROM debian\nRUN apt-get update && apt-get install -y gnupg && apt-get update && apt-get install -y x\n";
        assert_eq!(fixes("apt-lists-not-removed", text).len(), 2);
        insta::assert_snapshot!(fixed_all("apt-lists-not-removed", text), @r"
        FROM debian
        RUN apt-get update && apt-get install -y gnupg && apt-get update && apt-get install -y x && rm -rf /var/lib/apt/lists/*
        ");
    }

    #[test]
    fn no_fix_while_something_later_reads_the_lists() {
        let text = "FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\n";
        assert_eq!(fixes("apt-lists-not-removed", text), [None]);
        let text = "FROM debian\nRUN apt-get update && apt-get install -y a\nRUN apt-get install -y b && rm -rf /var/lib/apt/lists/*\n";
        assert_eq!(fixes("apt-lists-not-removed", text), [None]);
        let text = "FROM debian AS base\nRUN apt-get update && apt-get install -y a\nFROM base\nRUN apt-get install -y b\n";
        assert_eq!(fixes("apt-lists-not-removed", text), [None]);
        let text = "FROM debian\nONBUILD RUN apt-get update && apt-get install -y a\n";
        assert_eq!(fixes("apt-lists-not-removed", text), [None]);
        // A later RUN removes them: cleanup-in-later-layer moves that removal here.
        let text = "FROM debian\nRUN apt-get update && apt-get install -y a\nRUN rm -rf /var/lib/apt/lists/*\n";
        assert_eq!(fixes("apt-lists-not-removed", text), [None]);
        // A later RUN that refreshes the lists first does not need these.
        let text = "FROM debian\nRUN apt-get update && apt-get install -y a\nRUN apt-get clean\nRUN apt-get update && apt-get install -y b\n";
        assert_eq!(
            fixes("apt-lists-not-removed", text)
                .iter()
                .filter(|f| f.is_some())
                .count(),
            2
        );
    }

    #[test]
    fn a_heredoc_script_gets_the_cleanup_on_its_last_line() {
        insta::assert_snapshot!(fixed("apt-lists-not-removed", "FROM debian\nRUN <<EOF\napt-get update\napt-get install -y jq\nEOF\n"), @r"
        FROM debian
        RUN <<EOF
        apt-get update
        apt-get install -y jq && rm -rf /var/lib/apt/lists/*
        EOF
        ");
    }

    #[test]
    fn no_fix_where_the_run_does_not_end_in_a_plain_command() {
        let text = "FROM debian\n\
                    RUN apt-get update && apt-get install -y curl # tools\n\
                    RUN <<EOF\napt-get update\napt-get install -y jq\n# done\nEOF\n\
                    RUN apt-get update && apt-get install -y x > /dev/null\n";
        assert_eq!(fixes("apt-lists-not-removed", text), [None, None, None]);
    }

    #[test]
    fn an_install_without_update_leaves_no_new_lists() {
        let text = "FROM debian\nRUN apt-get install -y curl\nRUN echo update\n";
        assert!(flagged("apt-lists-not-removed", text).is_empty());
    }
}
