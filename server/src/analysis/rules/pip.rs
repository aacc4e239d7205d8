//! pip in RUN commands: version pins and the download cache.

use super::package_args::{
    OptionSyntax, command_through, has_option, is_dynamic, mentions, option_value, subcommand,
};
use super::package_cache::{cache_targets, covered};
use super::{Alias, Check, Findings, Rule};
use crate::analysis::fixes::run_chain::add_option;
use crate::analysis::model::{StageModel, VarKind};
use crate::analysis::shell::{self, Command, Word};
use crate::syntax::{Applicability, Fix, Instruction, InstructionKind, Severity};

pub static PIP_PACKAGE_UNPINNED: Rule = Rule {
    id: "pip-package-unpinned",
    summary: "Packages in `pip install` should have pinned versions",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3013")],
    explanation: "`pip install flask` installs the newest release on the day of the build: two \
builds of the same Dockerfile can get different code, and a new major release can break the image \
without any change to the Dockerfile. Pin the version (`flask==3.0.3`, or at least a range such as \
`flask>=3,<4`), or install from a requirements file (`-r requirements.txt`) or a constraints file \
(`-c constraints.txt`) that pins them.\n\n\
Not reported: local paths and archives (`.`, `./pkg`, `dist/x.whl`), archive URLs, VCS URLs with a \
ref (`git+https://...@v1.2`), variables, and `pip install --upgrade pip` (the installer itself).",
    bad: "FROM python:3.12-slim\nRUN pip install --no-cache-dir flask\n",
    good: "FROM python:3.12-slim\nRUN pip install --no-cache-dir flask==3.0.3\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_pins),
};

pub static PIP_MISSING_NO_CACHE_DIR: Rule = Rule {
    id: "pip-no-cache-dir",
    summary: "`pip install` should use `--no-cache-dir`",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3042")],
    explanation: "pip keeps every wheel it downloads or builds in its cache (`~/.cache/pip`). In an \
image that cache is dead weight, often as large as the installed packages themselves, since the \
next build starts from a fresh layer anyway. `pip install --no-cache-dir` skips it.\n\n\
Not reported when the cache cannot reach the layer or is already off: a BuildKit cache or tmpfs \
mount on the pip cache (`--mount=type=cache,target=/root/.cache/pip`, which also makes rebuilds \
faster), or `PIP_NO_CACHE_DIR` set by ENV or ARG in the stage, inline, or exported earlier in the RUN.",
    bad: "FROM python:3.12-slim\nRUN pip install flask==3.0.3\n",
    good: "FROM python:3.12-slim\nRUN pip install --no-cache-dir flask==3.0.3\n",
    tags: &[],
    fixable: true,
    enabled_by_default: true,
    check: Check::Stage(check_cache),
};

/// Options of `pip install` (and pip's general options) that take the next word as their value.
pub(super) const PIP_OPTIONS: OptionSyntax = OptionSyntax {
    takes_value: &[
        "-r",
        "--requirement",
        "-c",
        "--constraint",
        "-e",
        "--editable",
        "-t",
        "--target",
        "--platform",
        "--python-version",
        "--implementation",
        "--abi",
        "--root",
        "--prefix",
        "--src",
        "--upgrade-strategy",
        "-C",
        "--config-settings",
        "--global-option",
        "--install-option",
        "-i",
        "--index-url",
        "--extra-index-url",
        "-f",
        "--find-links",
        "--no-binary",
        "--only-binary",
        "--progress-bar",
        "--root-user-action",
        "--report",
        "--log",
        "--log-file",
        "--proxy",
        "--retries",
        "--timeout",
        "--exists-action",
        "--trusted-host",
        "--cert",
        "--client-cert",
        "--cache-dir",
        "--keyring-provider",
        "--python",
        "--use-feature",
        "--use-deprecated",
        "--group",
        "-b",
        "--build",
    ],
    bundles: true,
};

/// Options of `pipx install` that take the next word as their value.
const PIPX_OPTIONS: OptionSyntax = OptionSyntax {
    takes_value: &[
        "--python",
        "--pip-args",
        "--suffix",
        "--index-url",
        "-i",
        "--preinstall",
        "--spec",
    ],
    bundles: true,
};

/// A name with an optional version suffix: `pip`, `pip3`, `pip3.12`.
fn is_versioned(name: &str, base: &str) -> bool {
    name.strip_prefix(base)
        .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// The arguments pip reads: all of them for `pip3 ...`, those after `-m pip` for `python3 -m pip ...`.
fn pip_args(command: &Command) -> Option<&[Word]> {
    let name = command.basename();
    if is_versioned(name, "pip") {
        return Some(&command.args);
    }
    if !is_versioned(name, "python") {
        return None;
    }
    let args = &command.args;
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        match arg.text.as_str() {
            "-m" => {
                return (args.get(i + 1)?.text == "pip").then(|| args.get(i + 2..).unwrap_or(&[]));
            }
            "-mpip" => return args.get(i + 1..),
            "-W" | "-X" => i += 2,
            text if text.starts_with('-') => i += 1,
            // A script: not pip.
            _ => return None,
        }
    }
    None
}

/// `pip install` (or `pipx install`): the subcommand word, the arguments and the packages.
pub(super) struct Install<'c> {
    pub(super) subcommand: &'c Word,
    pub(super) args: &'c [Word],
    packages: Vec<&'c Word>,
    pub(super) pipx: bool,
}

pub(super) fn install(command: &Command) -> Option<Install<'_>> {
    let (args, syntax, pipx) = match pip_args(command) {
        Some(args) => (args, PIP_OPTIONS, false),
        None if command.basename() == "pipx" => (&command.args[..], PIPX_OPTIONS, true),
        None => return None,
    };
    let (sub, packages) = subcommand(args, syntax)?;
    (sub.text == "install").then_some(Install {
        subcommand: sub,
        args,
        packages,
        pipx,
    })
}

fn check_pins(instruction: &Instruction<'_>, findings: &mut Findings) {
    if !mentions(instruction, "pip") {
        return;
    }
    let found = shell::run_commands(instruction);
    for install in found.commands.iter().filter_map(install) {
        // A constraints file pins what it lists.
        if !install.pipx && has_option(install.args, &["-c", "--constraint"]) {
            continue;
        }
        let upgrade = has_option(install.args, &["-U", "--upgrade"]);
        for package in install.packages {
            let is_pip = package.text.eq_ignore_ascii_case("pip");
            if (upgrade && is_pip) || !unpinned(package) {
                continue;
            }
            let name = &package.text;
            findings.report(
                package.range.clone(),
                format!("pin the version of {name}: {name}==<version>"),
            );
        }
    }
}

/// Whether an operand of `pip install` names a package without a version.
fn unpinned(word: &Word) -> bool {
    let text = word.text.as_str();
    if is_dynamic(word) || text.is_empty() {
        return false;
    }
    if ["==", ">=", "<=", "!=", "~=", ">", "<", " @ "]
        .iter()
        .any(|s| text.contains(s))
    {
        return false;
    }
    let vcs = ["git+", "hg+", "svn+", "bzr+"]
        .iter()
        .any(|p| text.starts_with(p));
    if vcs {
        // `git+https://host/repo@v1.2`: the ref follows the path (not `git@` of ssh).
        let path = text
            .split_once("://")
            .and_then(|(_, rest)| rest.split_once('/'))
            .map_or("", |(_, path)| path);
        return !path.contains('@');
    }
    let local_or_url = text.contains('/') || text.starts_with(['.', '~']) || text.contains(':');
    let archive = [".whl", ".tar.gz", ".tgz", ".zip", ".tar.bz2"]
        .iter()
        .any(|s| text.ends_with(s));
    !(local_or_url || archive)
}

fn check_cache(model: &StageModel<'_, '_>, findings: &mut Findings) {
    let end = model.stage.instructions.len();
    for (at, instruction) in model.stage.instructions.iter().enumerate() {
        // An ONBUILD trigger runs in a build FROM this image: it sees the ENV the
        // image ends with, and none of its ARGs.
        let (run, at, env_only) = match instruction.kind() {
            InstructionKind::Run => (*instruction, at, false),
            InstructionKind::Onbuild => match instruction.onbuild_trigger() {
                Some(trigger) => (trigger, end, true),
                None => continue,
            },
            _ => continue,
        };
        if !mentions(&run, "pip") {
            continue;
        }
        let env = |name: &str| {
            model.lookup(name, at).filter(|d| {
                // An ARG without a value is not in the environment of RUN.
                d.kind == VarKind::Env
                    || (!env_only && d.value.as_deref().is_some_and(|v| !v.is_empty()))
            })
        };
        // pip turns its cache off for any value of the variable, even `false` (for
        // backwards compatibility), so being set is what counts.
        if env("PIP_NO_CACHE_DIR").is_some() {
            continue;
        }
        let env_cache_dir = env("PIP_CACHE_DIR").and_then(|d| d.value.clone());
        cache_kept(&run, env_cache_dir.as_deref(), findings);
    }
}

fn cache_kept(run: &Instruction<'_>, env_cache_dir: Option<&str>, findings: &mut Findings) {
    let found = shell::run_commands(run);
    let targets = cache_targets(run);
    let mut exported = false;
    for command in &found.commands {
        let assigns = |name: &str, words: &[Word]| {
            words.iter().find_map(|w| {
                w.text
                    .strip_prefix(name)?
                    .strip_prefix('=')
                    .map(str::to_owned)
            })
        };
        if matches!(command.basename(), "export" | "declare" | "typeset") {
            exported |= assigns("PIP_NO_CACHE_DIR", &command.args).is_some();
            continue;
        }
        let Some(install) = install(command).filter(|i| !i.pipx) else {
            continue;
        };
        if exported
            || has_option(install.args, &["--no-cache-dir"])
            || assigns("PIP_NO_CACHE_DIR", &command.assignments).is_some()
        {
            continue;
        }
        let cache_dir = option_value(install.args, &["--cache-dir"])
            .map(str::to_owned)
            .or_else(|| assigns("PIP_CACHE_DIR", &command.assignments))
            .or_else(|| env_cache_dir.map(str::to_owned));
        let mounted = targets
            .iter()
            .any(|t| t.ends_with(".cache/pip") || t.ends_with("/.cache") || t == ".cache")
            || cache_dir.is_some_and(|dir| covered(&targets, &dir));
        if mounted {
            continue;
        }
        findings.report_fix(
            command_through(command, install.subcommand),
            "`pip install` without `--no-cache-dir` keeps pip's download cache in the layer: add `--no-cache-dir`, set PIP_NO_CACHE_DIR=1, or mount a cache on /root/.cache/pip",
            Fix::new(
                "Add `--no-cache-dir`",
                Applicability::Safe,
                vec![add_option(install.subcommand, "--no-cache-dir")],
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, fixed, fixes, flagged};

    // pip-package-unpinned

    #[test]
    fn each_unpinned_package_is_reported_on_its_word() {
        let text = "FROM python\nRUN pip install --no-cache-dir \\\n    flask==3.0.3 \\\n    \"requests>=2,<3\" \\\n    gunicorn 'uvicorn[standard]'\n";
        let found = findings("pip-package-unpinned", text);
        let ranges: Vec<_> = found.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(ranges, ["5:5-5:13", "5:14-5:33"]);
        insta::assert_debug_snapshot!(found.iter().map(|(_, m)| m).collect::<Vec<_>>(), @r#"
        [
            "pin the version of gunicorn: gunicorn==<version>",
            "pin the version of uvicorn[standard]: uvicorn[standard]==<version>",
        ]
        "#);
    }

    #[test]
    fn every_pip_spelling_is_checked() {
        let text = "FROM python\n\
                    RUN pip3 install a && pip3.12 install b && /opt/venv/bin/pip install c\n\
                    RUN python3 -m pip install d && python -u -m pip install --user e\n\
                    RUN pipx install black\n";
        assert_eq!(
            flagged("pip-package-unpinned", text),
            ["a", "b", "c", "d", "e", "black"]
        );
    }

    #[test]
    fn requirement_files_paths_urls_and_variables_are_not_checked() {
        let text = "FROM python\n\
                    RUN pip install -r requirements.txt --requirement=dev.txt\n\
                    RUN pip install . && pip install -e . && pip install --editable ./lib\n\
                    RUN pip install ./dist/app-1.0-py3-none-any.whl pkg.tar.gz /src/pkg\n\
                    RUN pip install https://example.com/pkg-1.0.zip\n\
                    RUN pip install git+https://github.com/a/b@v1.2 \"pkg @ https://x/pkg.whl\"\n\
                    RUN pip install $PACKAGES \"${EXTRA}\"\n\
                    RUN pip install -c constraints.txt flask\n\
                    RUN pip install --upgrade pip && pip install -U pip==24.0\n\
                    RUN pip install -i https://pypi.example.com/simple --target /opt/lib x==1\n\
                    RUN pip download flask && uv pip install flask && python app.py install\n";
        assert!(flagged("pip-package-unpinned", text).is_empty());
    }

    #[test]
    fn a_vcs_url_without_a_ref_is_not_pinned() {
        let text = "FROM python\nRUN pip install git+ssh://git@github.com/a/b.git git+https://github.com/a/c.git@main\n";
        assert_eq!(
            flagged("pip-package-unpinned", text),
            ["git+ssh://git@github.com/a/b.git"]
        );
    }

    #[test]
    fn upgrading_pip_is_fine_but_not_other_upgrades() {
        let text = "FROM python\nRUN pip install --upgrade pip setuptools\n";
        assert_eq!(flagged("pip-package-unpinned", text), ["setuptools"]);
    }

    // pip-no-cache-dir

    #[test]
    fn install_without_no_cache_dir_is_reported_on_the_command() {
        let text =
            "FROM python\nRUN set -eux; \\\n    python3 -m pip install -r requirements.txt\n";
        let found = findings("pip-no-cache-dir", text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "3:5-3:27");
        insta::assert_snapshot!(found[0].1, @"`pip install` without `--no-cache-dir` keeps pip's download cache in the layer: add `--no-cache-dir`, set PIP_NO_CACHE_DIR=1, or mount a cache on /root/.cache/pip");
    }

    #[test]
    fn the_flag_or_a_cache_mount_is_enough() {
        let text = "FROM python\n\
                    RUN pip install --no-cache-dir flask==3\n\
                    RUN --mount=type=cache,target=/root/.cache/pip pip install flask==3\n\
                    RUN --mount=type=cache,target=/home/app/.cache/pip/ pip install flask==3\n\
                    RUN --mount=type=cache,target=/root/.cache pip install flask==3\n\
                    RUN --mount=type=cache,target=/pipcache pip install --cache-dir /pipcache x==1\n\
                    RUN --mount=type=tmpfs,target=/tmp/pc PIP_CACHE_DIR=/tmp/pc pip install x==1\n\
                    RUN pipx install black==24.1 && uv pip install flask\n";
        assert!(flagged("pip-no-cache-dir", text).is_empty());
    }

    #[test]
    fn another_cache_mount_is_not() {
        let text = "FROM python\nRUN --mount=type=cache,target=/root/.npm pip install flask==3\n";
        assert_eq!(flagged("pip-no-cache-dir", text), ["pip install"]);
    }

    #[test]
    fn pip_no_cache_dir_in_the_environment_is_enough() {
        let text = "FROM python AS base\nENV PIP_NO_CACHE_DIR=1\nRUN pip install a==1\n\
                    FROM base\nRUN pip install b==1\n\
                    FROM python\nARG PIP_NO_CACHE_DIR=off\nRUN pip install c==1\n\
                    FROM python\nRUN PIP_NO_CACHE_DIR=1 pip install d==1\n\
                    RUN export PIP_NO_CACHE_DIR=true && pip install e==1\n";
        assert!(flagged("pip-no-cache-dir", text).is_empty());
    }

    #[test]
    fn the_environment_must_be_set_before_the_run_and_in_the_stage() {
        let text = "FROM python\nARG PIP_NO_CACHE_DIR\nRUN pip install a==1\nENV PIP_NO_CACHE_DIR=1\n\
                    FROM python\nRUN pip install b==1\nENV PIP_NO_CACHE_DIR=1\n";
        let found = findings("pip-no-cache-dir", text);
        let ranges: Vec<_> = found.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(ranges, ["3:5-3:16", "6:5-6:16"]);
    }

    #[test]
    fn the_fix_adds_the_flag_after_install() {
        insta::assert_snapshot!(fixed("pip-no-cache-dir", "FROM python\nRUN pip install --upgrade pip \\\n && python3 -m pip install \\\n      -r requirements.txt\nONBUILD RUN pip3 install x==1\n"), @r"
        FROM python
        RUN pip install --no-cache-dir --upgrade pip \
         && python3 -m pip install --no-cache-dir \
              -r requirements.txt
        ONBUILD RUN pip3 install --no-cache-dir x==1
        ");
        insta::assert_snapshot!(fixed("pip-no-cache-dir", "# escape=`\nFROM python\nRUN pip install `\n    flask==3\n"), @r"
        # escape=`
        FROM python
        RUN pip install --no-cache-dir `
            flask==3
        ");
        assert_eq!(
            fixes("pip-no-cache-dir", "FROM python\nRUN pip install x==1\n"),
            [Some((
                "Add `--no-cache-dir`".to_owned(),
                crate::syntax::Applicability::Safe
            ))]
        );
    }

    #[test]
    fn onbuild_and_heredocs_are_checked() {
        let text = "FROM python\nARG PIP_NO_CACHE_DIR=1\nONBUILD RUN pip install -r requirements.txt\n\
                    FROM python\nRUN <<EOF\npip install x==1\nEOF\n";
        let found = findings("pip-no-cache-dir", text);
        let ranges: Vec<_> = found.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(ranges, ["3:13-3:24", "6:1-6:12"]);
        // The image keeps its ENV, declared before or after the trigger.
        let text =
            "FROM python\nONBUILD RUN pip install -r requirements.txt\nENV PIP_NO_CACHE_DIR=1\n";
        assert!(flagged("pip-no-cache-dir", text).is_empty());
    }
}
