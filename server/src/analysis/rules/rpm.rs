//! RPM package managers in RUN commands: yum, dnf, microdnf and zypper.

use super::{Alias, Check, Findings, Rule, scan};
use crate::analysis::shell::{self, Command, Word};
use crate::syntax::{Instruction, Severity};

pub static YUM_MISSING_YES: Rule = Rule {
    id: "yum-missing-yes",
    summary: "yum commands that install or remove packages should use `-y`",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3030")],
    explanation: "`yum install` asks for confirmation before it changes anything. A build has no one to \
answer: yum reads end-of-file, answers no and exits with an error, so the build fails. `-y` \
(`--assumeyes`) answers yes. The same holds for `update`, `remove`, `group install` and the other \
commands that change packages.",
    bad: "FROM centos:7\nRUN yum install httpd && yum clean all\n",
    good: "FROM centos:7\nRUN yum install -y httpd && yum clean all\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_yum_yes),
};

pub static DNF_MISSING_YES: Rule = Rule {
    id: "dnf-missing-yes",
    summary: "dnf commands that install or remove packages should use `-y`",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3038")],
    explanation: "`dnf install` asks for confirmation before it changes anything. A build has no one to \
answer: dnf reads end-of-file, answers no and exits with an error, so the build fails. `-y` \
(`--assumeyes`) answers yes. `microdnf` never asks, so it needs no `-y`.",
    bad: "FROM fedora:40\nRUN dnf install httpd && dnf clean all\n",
    good: "FROM fedora:40\nRUN dnf install -y httpd && dnf clean all\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_dnf_yes),
};

pub static ZYPPER_MISSING_NON_INTERACTIVE: Rule = Rule {
    id: "zypper-missing-non-interactive",
    summary: "zypper commands that change packages should run non-interactively",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3034")],
    explanation: "`zypper install` asks for confirmation before it changes anything, and a build has no \
one to answer, so the build fails or hangs. Use the global `--non-interactive` (`-n`, before the \
command) or the command's `-y` (`--no-confirm`).",
    bad: "FROM opensuse/leap:15.6\nRUN zypper install curl && zypper clean --all\n",
    good: "FROM opensuse/leap:15.6\nRUN zypper --non-interactive install curl && zypper clean --all\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_zypper_non_interactive),
};

pub static ZYPPER_DIST_UPGRADE: Rule = Rule {
    id: "zypper-dist-upgrade",
    summary: "Do not use `zypper dist-upgrade` in a build",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3035")],
    explanation: "`zypper dist-upgrade` (`dup`) can move the image to another release of the distribution, \
with new major versions, changed vendors and removed packages, and what it does depends on the day \
the image is built. Build from a base image of the release you want instead, and use \
`zypper update` or `zypper patch` for fixes within it.",
    bad: "FROM opensuse/tumbleweed\nRUN zypper -n dist-upgrade && zypper clean --all\n",
    good: "FROM opensuse/tumbleweed:20240601\nRUN zypper -n patch && zypper clean --all\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_zypper_dist_upgrade),
};

pub static YUM_CLEAN_MISSING: Rule = Rule {
    id: "yum-clean-missing",
    summary: "RUN instructions that install with yum should end with `yum clean all`",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3032"), Alias::Trivy("DS-0015")],
    explanation: "yum keeps the repository metadata and the downloaded packages under `/var/cache/yum`: \
often a hundred megabytes or more that the image carries for nothing. Clean it in the same RUN (a later \
RUN cannot shrink a layer already written), or mount a cache there \
(`RUN --mount=type=cache,target=/var/cache/yum`), which also speeds up rebuilds.",
    bad: "FROM centos:7\nRUN yum install -y httpd-2.4.6\n",
    good: "FROM centos:7\nRUN yum install -y httpd-2.4.6 && yum clean all\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_yum_clean),
};

pub static DNF_CLEAN_MISSING: Rule = Rule {
    id: "dnf-clean-missing",
    summary: "RUN instructions that install with dnf should end with `dnf clean all`",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3040"), Alias::Trivy("DS-0019")],
    explanation: "dnf keeps the repository metadata and the downloaded packages under `/var/cache/dnf` \
(`/var/cache/libdnf5` for dnf5): often a hundred megabytes or more that the image carries for nothing. \
Clean it in the same RUN (a later RUN cannot shrink a layer already written), or mount a cache there \
(`RUN --mount=type=cache,target=/var/cache/dnf`), which also speeds up rebuilds.",
    bad: "FROM fedora:40\nRUN dnf install -y httpd-2.4.62\n",
    good: "FROM fedora:40\nRUN dnf install -y httpd-2.4.62 && dnf clean all\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_dnf_clean),
};

pub static MICRODNF_CLEAN_MISSING: Rule = Rule {
    id: "microdnf-clean-missing",
    summary: "RUN instructions that install with microdnf should end with `microdnf clean all`",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3040"), Alias::Trivy("DS-0027")],
    explanation: "microdnf keeps the repository metadata and the downloaded packages in its cache, tens of \
megabytes in images chosen for being small. Clean it in the same RUN (a later RUN cannot shrink a layer \
already written), or mount a cache there (`RUN --mount=type=cache,target=/var/cache/yum`).",
    bad: "FROM registry.access.redhat.com/ubi9/ubi-minimal:9.4\nRUN microdnf install -y shadow-utils-4.9\n",
    good: "FROM registry.access.redhat.com/ubi9/ubi-minimal:9.4\nRUN microdnf install -y shadow-utils-4.9 && microdnf clean all\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_microdnf_clean),
};

pub static ZYPPER_CLEAN_MISSING: Rule = Rule {
    id: "zypper-clean-missing",
    summary: "RUN instructions that install with zypper should end with `zypper clean`",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3036"), Alias::Trivy("DS-0020")],
    explanation: "zypper keeps the repository metadata and the downloaded packages under `/var/cache/zypp`, \
which the image then carries for nothing. Clean it in the same RUN with `zypper clean --all` (a later \
RUN cannot shrink a layer already written), or mount a cache there \
(`RUN --mount=type=cache,target=/var/cache/zypp`).",
    bad: "FROM opensuse/leap:15.6\nRUN zypper -n install curl=8.6.0\n",
    good: "FROM opensuse/leap:15.6\nRUN zypper -n install curl=8.6.0 && zypper clean --all\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_zypper_clean),
};

pub static YUM_VERSION_UNPINNED: Rule = Rule {
    id: "yum-version-unpinned",
    summary: "Pin the versions of packages installed with yum",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3033")],
    explanation: "Without a version, `yum install` takes whatever the repositories hold on the day of the \
build: two builds of the same Dockerfile can differ, and an update can break the image with nothing in \
the Dockerfile to show it. Name the version (`httpd-2.4.6`); modules need a stream (`nodejs:18`). \
Packages given by variables, files, URLs and groups are not checked.",
    bad: "FROM centos:7\nRUN yum install -y httpd && yum clean all\n",
    good: "FROM centos:7\nRUN yum install -y httpd-2.4.6 && yum clean all\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_yum_pins),
};

pub static DNF_VERSION_UNPINNED: Rule = Rule {
    id: "dnf-version-unpinned",
    summary: "Pin the versions of packages installed with dnf or microdnf",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3041")],
    explanation: "Without a version, `dnf install` takes whatever the repositories hold on the day of the \
build: two builds of the same Dockerfile can differ, and an update can break the image with nothing in \
the Dockerfile to show it. Name the version (`httpd-2.4.62`); modules need a stream (`nodejs:20`). \
Packages given by variables, files, URLs and groups are not checked.",
    bad: "FROM fedora:40\nRUN dnf install -y httpd && dnf clean all\n",
    good: "FROM fedora:40\nRUN dnf install -y httpd-2.4.62 && dnf clean all\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_dnf_pins),
};

pub static ZYPPER_VERSION_UNPINNED: Rule = Rule {
    id: "zypper-version-unpinned",
    summary: "Pin the versions of packages installed with zypper",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3037")],
    explanation: "Without a version, `zypper install` takes whatever the repositories hold on the day of \
the build: two builds of the same Dockerfile can differ, and an update can break the image with nothing \
in the Dockerfile to show it. Name the version (`curl=8.6.0`) or a range (`'curl>=8.6'`). Packages \
given by variables, files, URLs and patterns are not checked.",
    bad: "FROM opensuse/leap:15.6\nRUN zypper -n install curl && zypper clean --all\n",
    good: "FROM opensuse/leap:15.6\nRUN zypper -n install curl=8.6.0 && zypper clean --all\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_zypper_pins),
};

/// How a package is pinned on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pin {
    /// `name-version[-release]`.
    Dash,
    /// `name=version`, `name>=version`... (zypper also reads `name-version`).
    Operator,
}

/// What the rules need to know of one package manager.
#[derive(Debug)]
struct Manager {
    /// The command names it is called by.
    names: &'static [&'static str],
    /// Actions that ask for confirmation (see [`Call::action`]).
    prompting: &'static [&'static str],
    /// Options that answer the confirmation, anywhere on the command.
    yes_flags: &'static [&'static str],
    /// Options that answer it only before the action (zypper's global `-n`).
    global_yes_flags: &'static [&'static str],
    /// Actions that download metadata or packages into the cache.
    caching: &'static [&'static str],
    /// Actions whose operands are packages to pin.
    installs: &'static [&'static str],
    /// Actions whose operands are modules, pinned by a stream.
    module_installs: &'static [&'static str],
    /// Actions that empty the cache, and the operand they need for it (`all`).
    clean: &'static [&'static str],
    clean_operand: Option<&'static str>,
    /// The commands whose clean action empties this one's cache too.
    cleaned_by: &'static [&'static str],
    /// How to clean, for messages.
    clean_hint: &'static str,
    /// Where the cache is: a cache mount there, or removing it, also cleans.
    cache_dirs: &'static [&'static str],
    /// Options that take the next word as their value.
    value_options: &'static [&'static str],
    pin: Pin,
}

/// The actions of yum and dnf that change packages (and so ask first).
const YUM_PROMPTING: &[&str] = &[
    "install",
    "reinstall",
    "localinstall",
    "groupinstall",
    "update",
    "upgrade",
    "update-minimal",
    "upgrade-minimal",
    "downgrade",
    "distro-sync",
    "swap",
    "remove",
    "erase",
    "autoremove",
    "groupremove",
    "groupupdate",
    "group install",
    "group remove",
    "group update",
    "group upgrade",
    "groups install",
    "groups remove",
    "module install",
    "module enable",
    "module disable",
    "module remove",
    "module reset",
    "module switch-to",
];

/// The actions of yum and dnf that fill the cache.
const YUM_CACHING: &[&str] = &[
    "install",
    "reinstall",
    "localinstall",
    "groupinstall",
    "update",
    "upgrade",
    "update-minimal",
    "upgrade-minimal",
    "downgrade",
    "distro-sync",
    "swap",
    "makecache",
    "groupupdate",
    "group install",
    "group update",
    "group upgrade",
    "groups install",
    "module install",
];

/// Options of yum, dnf and microdnf that take a separate value.
const YUM_VALUE_OPTIONS: &[&str] = &[
    "-c",
    "--config",
    "-d",
    "--debuglevel",
    "-e",
    "--errorlevel",
    "-R",
    "--randomwait",
    "-x",
    "--exclude",
    "--excludepkgs",
    "--includepkgs",
    "--installroot",
    "--enablerepo",
    "--disablerepo",
    "--repo",
    "--repoid",
    "--repofrompath",
    "--releasever",
    "--setopt",
    "--rpmverbosity",
    "--forcearch",
    "--downloaddir",
    "--destdir",
    "--color",
    "--comment",
    "--advisory",
    "--advisories",
    "--bz",
    "--cve",
    "--sec-severity",
    "--secseverity",
];

/// Options of zypper (global and of its actions) that take a separate value.
const ZYPPER_VALUE_OPTIONS: &[&str] = &[
    "-c",
    "--config",
    "-R",
    "--root",
    "-D",
    "--reposd-dir",
    "-C",
    "--cache-dir",
    "--raw-cache-dir",
    "--solv-cache-dir",
    "--pkg-cache-dir",
    "-p",
    "--plus-repo",
    "--plus-content",
    "--userdata",
    "-t",
    "--type",
    "-r",
    "--repo",
    "--from",
    "--download",
];

/// yum, dnf and microdnf caches; the first is the usual one for yum and microdnf.
const RPM_CACHE_DIRS: &[&str] = &["/var/cache/yum", "/var/cache/dnf", "/var/cache/libdnf5"];

static YUM: Manager = Manager {
    names: &["yum"],
    prompting: YUM_PROMPTING,
    yes_flags: &["-y", "--assumeyes"],
    global_yes_flags: &[],
    caching: YUM_CACHING,
    installs: &["install"],
    module_installs: &["module install"],
    clean: &["clean"],
    clean_operand: Some("all"),
    // On systems with dnf, `yum` is dnf under another name, with the same cache.
    cleaned_by: &["yum", "dnf", "dnf-3", "dnf5"],
    clean_hint: "yum clean all",
    cache_dirs: RPM_CACHE_DIRS,
    value_options: YUM_VALUE_OPTIONS,
    pin: Pin::Dash,
};

static DNF: Manager = Manager {
    names: &["dnf", "dnf-3", "dnf5"],
    prompting: YUM_PROMPTING,
    yes_flags: &["-y", "--assumeyes"],
    global_yes_flags: &[],
    caching: YUM_CACHING,
    installs: &["install"],
    module_installs: &["module install"],
    clean: &["clean"],
    clean_operand: Some("all"),
    cleaned_by: &["dnf", "dnf-3", "dnf5", "yum"],
    clean_hint: "dnf clean all",
    cache_dirs: &["/var/cache/dnf", "/var/cache/libdnf5", "/var/cache/yum"],
    value_options: YUM_VALUE_OPTIONS,
    pin: Pin::Dash,
};

static MICRODNF: Manager = Manager {
    names: &["microdnf"],
    // microdnf never asks: its `-y` is accepted and ignored.
    prompting: &[],
    yes_flags: &["-y", "--assumeyes"],
    global_yes_flags: &[],
    caching: &[
        "install",
        "reinstall",
        "update",
        "upgrade",
        "downgrade",
        "distro-sync",
        "makecache",
        "module install",
    ],
    installs: &["install"],
    module_installs: &["module install"],
    clean: &["clean"],
    clean_operand: Some("all"),
    cleaned_by: &["microdnf"],
    clean_hint: "microdnf clean all",
    cache_dirs: RPM_CACHE_DIRS,
    value_options: YUM_VALUE_OPTIONS,
    pin: Pin::Dash,
};

static ZYPPER: Manager = Manager {
    names: &["zypper"],
    prompting: &[
        "install",
        "in",
        "remove",
        "rm",
        "source-install",
        "si",
        "update",
        "up",
        "patch",
        "dist-upgrade",
        "dup",
        "install-new-recommends",
        "inr",
    ],
    yes_flags: &["-y", "--no-confirm"],
    global_yes_flags: &["-n", "--non-interactive"],
    caching: &[
        "install",
        "in",
        "source-install",
        "si",
        "update",
        "up",
        "patch",
        "dist-upgrade",
        "dup",
        "install-new-recommends",
        "inr",
        "refresh",
        "ref",
    ],
    installs: &["install", "in"],
    module_installs: &[],
    clean: &["clean", "cc"],
    clean_operand: None,
    cleaned_by: &["zypper"],
    clean_hint: "zypper clean --all",
    cache_dirs: &["/var/cache/zypp"],
    value_options: ZYPPER_VALUE_OPTIONS,
    pin: Pin::Operator,
};

/// A command of a package manager, read with the manager's options in mind.
#[derive(Debug)]
struct Call<'c> {
    command: &'c Command,
    /// The index in `command.args` of the action (`install`), if any.
    action_at: Option<usize>,
    /// The manager's options that take the next word as their value.
    value_options: &'static [&'static str],
}

impl<'c> Call<'c> {
    /// The command, if it runs one of `manager`'s names.
    fn of(command: &'c Command, manager: &Manager) -> Option<Self> {
        if !manager.names.contains(&command.basename()) {
            return None;
        }
        Some(Self::read(command, manager.value_options))
    }

    /// The command read as a package manager with these value options.
    fn read(command: &'c Command, value_options: &'static [&'static str]) -> Self {
        let action_at = operand_indices(&command.args, 0, value_options)
            .into_iter()
            .next();
        Call {
            command,
            action_at,
            value_options,
        }
    }

    /// The action, and the operand that completes it for `group`, `groups` and
    /// `module` (`module install`).
    fn action(&self) -> Option<(String, std::ops::Range<usize>)> {
        let at = self.action_at?;
        let first = self.command.args.get(at)?;
        if matches!(first.text.as_str(), "group" | "groups" | "module")
            && let Some(second) = self.operands().first()
        {
            return Some((
                format!("{} {}", first.text, second.text),
                first.range.start..second.range.end,
            ));
        }
        Some((first.text.clone(), first.range.clone()))
    }

    /// Whether the action is one of `actions`.
    fn is(&self, actions: &[&str]) -> bool {
        self.action()
            .is_some_and(|(action, _)| actions.contains(&action.as_str()))
    }

    /// The operands after the action word, option values left out.
    fn operands(&self) -> Vec<&'c Word> {
        let Some(at) = self.action_at else {
            return Vec::new();
        };
        operand_indices(&self.command.args, at + 1, self.value_options)
            .into_iter()
            .filter_map(|i| self.command.args.get(i))
            .collect()
    }

    /// The options before the action (global options).
    fn global_options(&self) -> &'c [Word] {
        let end = self.action_at.unwrap_or(self.command.args.len());
        self.command.args.get(..end).unwrap_or_default()
    }

    /// From the manager's name to the end of its action: `yum install`.
    fn action_range(&self) -> std::ops::Range<usize> {
        let end = self
            .action()
            .map_or(self.command.name_range.end, |(_, range)| range.end);
        self.command.name_range.start..end
    }

    /// `yum install`, as written (without the options between).
    fn display(&self) -> String {
        match self.action() {
            Some((action, _)) => format!("{} {action}", self.command.basename()),
            None => self.command.basename().to_owned(),
        }
    }
}

fn is_option(text: &str) -> bool {
    text.len() > 1 && text.starts_with('-')
}

/// The indices of the operands in `args[from..]`: words that are not options,
/// nor the separate value of one of `value_options`; every word after `--`.
fn operand_indices(args: &[Word], from: usize, value_options: &[&str]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut i = from;
    let mut options_ended = false;
    while let Some(arg) = args.get(i) {
        let text = arg.text.as_str();
        if options_ended || !is_option(text) {
            out.push(i);
        } else if text == "--" {
            options_ended = true;
        } else if value_options.contains(&text) {
            i += 1;
        }
        i += 1;
    }
    out
}

/// Whether one of `names` is among `words` (a one-letter name also inside a bundle: `-ny`).
fn has_option(words: &[Word], names: &[&str]) -> bool {
    words.iter().any(|w| {
        let text = w.text.as_str();
        names.iter().any(|name| {
            if text == *name || text.strip_prefix(name).is_some_and(|v| v.starts_with('=')) {
                return true;
            }
            match name.strip_prefix('-') {
                Some(letter) if letter.len() == 1 && !text.starts_with("--") => text
                    .strip_prefix('-')
                    .is_some_and(|bundle| bundle.contains(letter)),
                _ => false,
            }
        })
    })
}

/// The RUN's commands, or nothing when no word of the RUN could be a command of these managers.
fn commands_for(
    instruction: &Instruction<'_>,
    managers: &[&Manager],
) -> Option<std::sync::Arc<shell::RunCommands>> {
    let names = managers.iter().flat_map(|m| m.names.iter().copied());
    scan::commands_mentioning(instruction, names)
}

fn check_yes(manager: &Manager, instruction: &Instruction<'_>, findings: &mut Findings) {
    let Some(run) = commands_for(instruction, &[manager]) else {
        return;
    };
    for call in run.commands.iter().filter_map(|c| Call::of(c, manager)) {
        if !call.is(manager.prompting) {
            continue;
        }
        let command = call.command;
        let answered = command.has_flag(manager.yes_flags)
            || has_option(call.global_options(), manager.global_yes_flags)
            // `--setopt=assumeyes=1`, as in the configuration file.
            || command.args.iter().any(|a| {
                a.text.contains("assumeyes=")
                    && !a.text.ends_with("=0")
                    && !a.text.to_ascii_lowercase().ends_with("=false")
            });
        if answered {
            continue;
        }
        let message = if manager.global_yes_flags.is_empty() {
            format!(
                "`{}` asks for confirmation and the build cannot answer, so it fails: add `-y`",
                call.display()
            )
        } else {
            format!(
                "`{}` asks for confirmation and the build cannot answer: add `--non-interactive` before the command (`{} --non-interactive {}`) or `-y` after it",
                call.display(),
                command.basename(),
                call.action().map(|(a, _)| a).unwrap_or_default()
            )
        };
        findings.report(call.action_range(), message);
    }
}

fn check_yum_yes(instruction: &Instruction<'_>, findings: &mut Findings) {
    check_yes(&YUM, instruction, findings);
}

fn check_dnf_yes(instruction: &Instruction<'_>, findings: &mut Findings) {
    check_yes(&DNF, instruction, findings);
}

fn check_zypper_non_interactive(instruction: &Instruction<'_>, findings: &mut Findings) {
    check_yes(&ZYPPER, instruction, findings);
}

fn check_zypper_dist_upgrade(instruction: &Instruction<'_>, findings: &mut Findings) {
    let Some(run) = commands_for(instruction, &[&ZYPPER]) else {
        return;
    };
    for call in run.commands.iter().filter_map(|c| Call::of(c, &ZYPPER)) {
        if call.is(&["dist-upgrade", "dup"]) {
            findings.report(
                call.action_range(),
                format!(
                    "`{}` can move the image to another release of the distribution: build from a newer base image, or use `zypper patch`",
                    call.display()
                ),
            );
        }
    }
}

/// Whether a `RUN --mount=type=cache` (or `tmpfs`) covers one of `dirs`: what is
/// written there does not stay in the layer.
pub(crate) fn cache_mounted(instruction: &Instruction<'_>, dirs: &[&str]) -> bool {
    instruction
        .flags()
        .iter()
        .filter(|flag| flag.name() == "mount")
        .filter_map(|flag| flag.value())
        .any(|spec| {
            let mut kind = "bind";
            let mut target = None;
            for field in spec.split(',') {
                let (key, value) = field.split_once('=').unwrap_or((field, ""));
                match key.trim() {
                    "type" => kind = value.trim(),
                    "target" | "dst" | "destination" => target = Some(value.trim()),
                    _ => {}
                }
            }
            matches!(kind, "cache" | "tmpfs") && target.is_some_and(|t| covers(t, dirs))
        })
}

/// Whether `path` is one of `dirs` or a directory above one.
fn covers(path: &str, dirs: &[&str]) -> bool {
    let path = path.trim_end_matches('/');
    dirs.iter().any(|dir| {
        dir.strip_prefix(path)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// Whether a command empties `manager`'s cache: its clean action, or `rm` of the cache.
fn cleans(command: &Command, manager: &Manager) -> bool {
    if command.basename() == "rm" {
        return command.positional().iter().any(|path| {
            let path = path.text.strip_suffix("/*").unwrap_or(&path.text);
            !path.is_empty() && covers(path, manager.cache_dirs)
        });
    }
    if !manager.cleaned_by.contains(&command.basename()) {
        return false;
    }
    let call = Call::read(command, manager.value_options);
    call.is(manager.clean)
        && manager
            .clean_operand
            .is_none_or(|needed| call.operands().iter().any(|o| o.text == needed))
}

fn check_clean(manager: &Manager, instruction: &Instruction<'_>, findings: &mut Findings) {
    let Some(run) = commands_for(instruction, &[manager]) else {
        return;
    };
    if cache_mounted(instruction, manager.cache_dirs) {
        return;
    }
    let commands = &run.commands;
    // A clean before the last install leaves that install's cache behind.
    let cleaned_from = commands
        .iter()
        .rposition(|c| cleans(c, manager))
        .map_or(0, |i| i + 1);
    let uncleaned = commands
        .iter()
        .enumerate()
        .filter(|(i, _)| *i >= cleaned_from)
        .filter_map(|(_, c)| Call::of(c, manager))
        .filter(|call| call.is(manager.caching));
    for call in uncleaned {
        let cache = match call.command.basename() {
            "dnf5" => "/var/cache/libdnf5",
            _ => manager.cache_dirs.first().copied().unwrap_or_default(),
        };
        findings.report(
            call.action_range(),
            format!(
                "`{}` leaves its package cache in the layer: end this RUN with `{}`, or mount a cache at {}",
                call.display(),
                manager.clean_hint,
                cache
            ),
        );
    }
}

fn check_yum_clean(instruction: &Instruction<'_>, findings: &mut Findings) {
    check_clean(&YUM, instruction, findings);
}

fn check_dnf_clean(instruction: &Instruction<'_>, findings: &mut Findings) {
    check_clean(&DNF, instruction, findings);
}

fn check_microdnf_clean(instruction: &Instruction<'_>, findings: &mut Findings) {
    check_clean(&MICRODNF, instruction, findings);
}

fn check_zypper_clean(instruction: &Instruction<'_>, findings: &mut Findings) {
    check_clean(&ZYPPER, instruction, findings);
}

/// Whether a word names a package in a repository (not a file, a URL, a group, a
/// capability, a glob or a word whose value comes from the shell).
fn is_package_name(text: &str) -> bool {
    // Globs (`python3-*`) name many packages: there is no one version to give.
    !text.is_empty()
        && !text.contains(['$', '`', '/', '(', '@', '*', '?', '['])
        && !text.ends_with(".rpm")
        && !text.starts_with('-')
}

/// `name-version[-release]`: some dash-separated part after the name starts with a
/// digit and every part after the name is made of version characters.
fn dash_pinned(text: &str) -> bool {
    let mut parts = text.split('-');
    parts.next();
    let rest: Vec<&str> = parts.collect();
    !rest.is_empty()
        && rest
            .iter()
            .any(|p| p.starts_with(|c: char| c.is_ascii_digit()))
        && rest.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || ".~^_:+".contains(c))
        })
}

fn is_pinned(text: &str, pin: Pin) -> bool {
    match pin {
        Pin::Dash => dash_pinned(text),
        Pin::Operator => text.contains(['=', '<', '>']) || dash_pinned(text),
    }
}

fn check_pins(managers: &[&Manager], instruction: &Instruction<'_>, findings: &mut Findings) {
    let Some(run) = commands_for(instruction, managers) else {
        return;
    };
    for command in &run.commands {
        let Some((manager, call)) = managers
            .iter()
            .find_map(|m| Call::of(command, m).map(|call| (*m, call)))
        else {
            continue;
        };
        if call.is(manager.module_installs) {
            // `module install` names the module after its second word.
            for module in call.operands().iter().skip(1) {
                if is_package_name(&module.text) && !module.text.contains(':') {
                    findings.report(
                        module.range.clone(),
                        format!("pin the stream of module {0}: {0}:<stream>", module.text),
                    );
                }
            }
            continue;
        }
        if !call.is(manager.installs)
            || (command.basename() == "zypper" && installs_other_than_packages(command))
        {
            continue;
        }
        for package in call.operands() {
            if is_package_name(&package.text) && !is_pinned(&package.text, manager.pin) {
                let hint = match manager.pin {
                    Pin::Dash => format!("{}-<version>", package.text),
                    Pin::Operator => format!("{}=<version>", package.text),
                };
                findings.report(
                    package.range.clone(),
                    format!("pin the version of {}: {hint}", package.text),
                );
            }
        }
    }
}

/// `zypper install -t pattern x`: patterns, patches and products have no version to pin.
fn installs_other_than_packages(command: &Command) -> bool {
    let args = &command.args;
    args.iter().enumerate().any(|(i, arg)| {
        let value = match arg.text.as_str() {
            "-t" | "--type" => args.get(i + 1).map(|v| v.text.as_str()),
            text => text
                .strip_prefix("--type=")
                .or_else(|| text.strip_prefix("-t").filter(|v| !v.is_empty())),
        };
        value.is_some_and(|v| v != "package")
    })
}

fn check_yum_pins(instruction: &Instruction<'_>, findings: &mut Findings) {
    check_pins(&[&YUM], instruction, findings);
}

fn check_dnf_pins(instruction: &Instruction<'_>, findings: &mut Findings) {
    check_pins(&[&DNF, &MICRODNF], instruction, findings);
}

fn check_zypper_pins(instruction: &Instruction<'_>, findings: &mut Findings) {
    check_pins(&[&ZYPPER], instruction, findings);
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, flagged};

    fn pair(range: &str, message: &str) -> (String, String) {
        (range.to_owned(), message.to_owned())
    }

    #[test]
    fn yum_install_without_yes() {
        let text = "FROM centos:7\nRUN yum install httpd \\\n && yum -y remove vim \\\n && yum --assumeyes update\n";
        assert_eq!(
            findings("yum-missing-yes", text),
            [pair(
                "2:5-2:16",
                "`yum install` asks for confirmation and the build cannot answer, so it fails: add `-y`"
            )]
        );
    }

    #[test]
    fn yum_actions_that_do_not_ask_and_answers_in_other_forms() {
        let text = "FROM centos:7\nRUN yum makecache && yum list installed && yum clean all\n\
                    RUN yum -qy install a-1 && yum install --setopt=assumeyes=1 b-2\n\
                    RUN yum --enablerepo epel install -y x\n";
        assert!(flagged("yum-missing-yes", text).is_empty());
    }

    #[test]
    fn yum_group_and_module_actions_ask_too() {
        let text = "FROM centos:8\nRUN yum group install 'Development Tools' && yum module enable nodejs:18\n";
        assert_eq!(
            flagged("yum-missing-yes", text),
            ["yum group install", "yum module enable"]
        );
    }

    #[test]
    fn dnf_without_yes_but_not_microdnf() {
        let text = "FROM fedora:40\nRUN dnf upgrade && sudo dnf5 install x && microdnf install y\n";
        assert_eq!(
            flagged("dnf-missing-yes", text),
            ["dnf upgrade", "dnf5 install"]
        );
    }

    #[test]
    fn zypper_needs_non_interactive_before_or_yes_after() {
        let text = "FROM opensuse/leap\nRUN zypper in curl\n\
                    RUN zypper install -n curl\n\
                    RUN zypper -n in curl && zypper --non-interactive rm x && zypper up -y && zypper patch --no-confirm\n\
                    RUN zypper refresh && zypper search x\n";
        assert_eq!(
            findings("zypper-missing-non-interactive", text),
            [
                pair(
                    "2:5-2:14",
                    "`zypper in` asks for confirmation and the build cannot answer: add `--non-interactive` before the command (`zypper --non-interactive in`) or `-y` after it"
                ),
                pair(
                    "3:5-3:19",
                    "`zypper install` asks for confirmation and the build cannot answer: add `--non-interactive` before the command (`zypper --non-interactive install`) or `-y` after it"
                ),
            ]
        );
    }

    #[test]
    fn zypper_dist_upgrade() {
        let text = "FROM opensuse/tumbleweed\nRUN zypper -n --gpg-auto-import-keys dup\nRUN zypper -n dist-upgrade\nRUN zypper -n up\n";
        assert_eq!(
            flagged("zypper-dist-upgrade", text),
            [
                "zypper -n --gpg-auto-import-keys dup",
                "zypper -n dist-upgrade"
            ]
        );
        insta::assert_snapshot!(findings("zypper-dist-upgrade", text)[0].1, @"`zypper dup` can move the image to another release of the distribution: build from a newer base image, or use `zypper patch`");
    }

    #[test]
    fn yum_clean_must_follow_the_last_install() {
        let text = "FROM centos:7\nRUN yum clean all && yum install -y a-1\n\
                    RUN yum install -y a-1 && yum clean all\n\
                    RUN yum install -y a-1 && yum clean metadata\n";
        assert_eq!(
            findings("yum-clean-missing", text),
            [
                pair(
                    "2:22-2:33",
                    "`yum install` leaves its package cache in the layer: end this RUN with `yum clean all`, or mount a cache at /var/cache/yum"
                ),
                pair(
                    "4:5-4:16",
                    "`yum install` leaves its package cache in the layer: end this RUN with `yum clean all`, or mount a cache at /var/cache/yum"
                ),
            ]
        );
    }

    #[test]
    fn removing_the_cache_or_mounting_it_is_enough() {
        let text = "FROM centos:7\nRUN yum install -y a-1 && rm -rf /var/cache/yum/*\n\
                    RUN --mount=type=cache,target=/var/cache/yum yum install -y a-1\n\
                    RUN --mount=type=cache,target=/var/cache yum install -y a-1\n\
                    RUN yum install -y a-1 && dnf clean all\n\
                    RUN yum list && yum remove -y x\n";
        assert!(flagged("yum-clean-missing", text).is_empty());
        let text = "FROM centos:7\nRUN --mount=type=cache,target=/root/.cache yum install -y a-1\n\
                    RUN --mount=type=bind,target=/var/cache/yum yum install -y a-1\n\
                    RUN yum install -y a-1 && rm -rf /var/cache/yumx\n";
        assert_eq!(flagged("yum-clean-missing", text).len(), 3);
    }

    #[test]
    fn dnf_clean_in_a_heredoc_and_on_onbuild() {
        let text = "FROM fedora:40\nRUN <<EOF\nset -e\ndnf install -y x-1\nEOF\n\
                    ONBUILD RUN dnf5 makecache\n\
                    RUN <<EOF\ndnf install -y x-1\ndnf clean all\nEOF\n\
                    RUN --mount=type=cache,target=/var/cache/libdnf5 dnf5 install -y x-1\n";
        assert_eq!(
            findings("dnf-clean-missing", text)
                .into_iter()
                .map(|(range, _)| range)
                .collect::<Vec<_>>(),
            ["4:1-4:12", "6:13-6:27"]
        );
    }

    #[test]
    fn cache_mounts_in_any_spelling() {
        let text = "FROM fedora:40\n\
                    RUN --mount=type=cache,id=dnf,sharing=locked,dst=/var/cache/dnf/ dnf install -y x-1\n\
                    RUN --mount=type=tmpfs,destination=/var/cache/dnf \\\n    --mount=type=secret,id=a dnf install -y x-1\n";
        assert!(flagged("dnf-clean-missing", text).is_empty());
    }

    #[test]
    fn a_false_assumeyes_answers_nothing() {
        let text = "FROM fedora:40\nRUN dnf install --setopt=assumeyes=False x-1\n";
        assert_eq!(flagged("dnf-missing-yes", text), ["dnf install"]);
    }

    #[test]
    fn microdnf_has_its_own_clean() {
        let text = "FROM ubi9-minimal\nRUN microdnf install -y x-1 && dnf clean all\n\
                    RUN microdnf install x-1 && microdnf clean all\n\
                    RUN dnf install -y x-1 && dnf clean all\n";
        assert_eq!(
            findings("microdnf-clean-missing", text),
            [pair(
                "2:5-2:21",
                "`microdnf install` leaves its package cache in the layer: end this RUN with `microdnf clean all`, or mount a cache at /var/cache/yum"
            )]
        );
    }

    #[test]
    fn zypper_clean_or_cc() {
        let text = "FROM opensuse/leap\nRUN zypper -n in x=1 && zypper cc -a\n\
                    RUN zypper -n ref && zypper -n in y=2 && zypper clean\n\
                    RUN --mount=type=cache,target=/var/cache/zypp zypper -n in z=3\n\
                    RUN zypper -n in w=4\n";
        assert_eq!(flagged("zypper-clean-missing", text), ["zypper -n in"]);
        assert_eq!(findings("zypper-clean-missing", text)[0].0, "5:5-5:17");
    }

    #[test]
    fn yum_packages_without_versions() {
        let text = "FROM centos:7\nRUN yum install -y httpd-2.4.6 \\\n    python3-pip \\\n    gcc-c++ epel-release \\\n    nodejs-1:16.20.2 tzdata-2024a-1.el7\n";
        assert_eq!(
            findings("yum-version-unpinned", text),
            [
                pair(
                    "3:5-3:16",
                    "pin the version of python3-pip: python3-pip-<version>"
                ),
                pair("4:5-4:12", "pin the version of gcc-c++: gcc-c++-<version>"),
                pair(
                    "4:13-4:25",
                    "pin the version of epel-release: epel-release-<version>"
                ),
            ]
        );
    }

    #[test]
    fn variables_files_urls_groups_and_option_values_are_not_packages() {
        let text = "FROM centos:7\nRUN yum install -y $PKGS \"${EXTRA}\" /tmp/x.rpm ./y.rpm \
                    https://example.com/z.rpm @development 'perl(Foo)' \
                    --enablerepo epel --setopt tsflags=nodocs -x kernel a-1.0\n\
                    RUN yum groupinstall -y 'Development Tools' && yum update -y x 'python3-*'\n\
                    RUN yum install -y 'python3-*' lib?.so\n";
        assert!(flagged("yum-version-unpinned", text).is_empty());
    }

    #[test]
    fn modules_need_a_stream() {
        let text = "FROM fedora:40\nRUN dnf module install -y nodejs:20/common php\n";
        assert_eq!(
            findings("dnf-version-unpinned", text),
            [pair(
                "2:44-2:47",
                "pin the stream of module php: php:<stream>"
            )]
        );
    }

    #[test]
    fn dnf_and_microdnf_packages_without_versions() {
        let text =
            "FROM fedora:40\nRUN dnf install -y x-1.0 y && microdnf install z\nRUN yum install w\n";
        assert_eq!(flagged("dnf-version-unpinned", text), ["y", "z"]);
    }

    #[test]
    fn zypper_versions_with_operators() {
        let text = "FROM opensuse/leap\nRUN zypper --root /mnt -n in -y 'curl>=8' vim=9.1 git-2.43 wget \\\n  && zypper -n in -t pattern devel_basis\n";
        assert_eq!(
            findings("zypper-version-unpinned", text),
            [pair("2:60-2:64", "pin the version of wget: wget=<version>")]
        );
    }
}
