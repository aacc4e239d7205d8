//! BuildKit cache mounts for package downloads, in files that already build with BuildKit.

use std::ops::Range;

use super::dependency_order::pip_args;
use super::npm::NPM_OPTIONS;
use super::package_args::{OptionSyntax, command_through, has_option, option_value, subcommand};
use super::package_cache::{cache_targets, covered, removes};
use super::pip::PIP_OPTIONS;
use super::{Check, Findings, Rule};
use crate::analysis::fixes::run_chain::remove_command;
use crate::analysis::model::{Base, StageModel};
use crate::analysis::shell::{self, Command, Word};
use crate::syntax::{Applicability, Edit, Fix, Instruction, InstructionKind, Severity};

pub static CACHE_MOUNT_OPPORTUNITY: Rule = Rule {
    id: "cache-mount-opportunity",
    summary: "Package downloads could use a BuildKit cache mount",
    severity: Severity::Hint,
    aliases: &[],
    explanation: "Every time a RUN that installs packages is re-run, pip, npm, yarn, apt, Go and Cargo \
download everything again. A BuildKit cache mount (`RUN --mount=type=cache,target=/root/.cache/pip \
pip install ...`) keeps their download caches between builds on the build machine, outside the image: \
rebuilds get faster and the layer stays as small as with `--no-cache-dir` or a cleanup, which the \
mount makes unnecessary (the fix drops them).\n\n\
Only suggested in files that already use BuildKit features (a `# syntax=` directive, `RUN --mount`, \
`COPY --link`, heredocs...), since other builders ignore or reject the flag. The caches mounted are \
`/root/.cache/pip`, `/root/.npm`, `/usr/local/share/.cache/yarn`, `/var/cache/apt` and \
`/var/lib/apt/lists` (`sharing=locked`: apt needs them to itself), Go's build cache and module cache \
(`/root/.cache/go-build`, `$GOPATH/pkg/mod`) and Cargo's registry, or the folder the command or the \
environment names instead. Go and Cargo RUNs of a stage get their mounts together, so that a build \
after `go mod download` or `cargo fetch` finds the modules in the mount; when a later stage is built \
on the stage, that fix is offered one at a time only, since the modules are then no longer in the \
layers that stage inherits (an offline build there would fail). A mount that already covers part of \
a folder (`/go/pkg/mod/cache`) counts as the author's choice. Debian and Ubuntu images \
delete downloaded `.deb` files after each install (`/etc/apt/apt.conf.d/docker-clean`), so the apt \
mount mostly caches package lists unless that file is removed.\n\n\
Not reported where the mount would not help or could not work: when `PIP_NO_CACHE_DIR` turns the cache \
off through the environment, or for apk (whose `--no-cache` is already cheap). A RUN as a user other \
than root is reported without a fix (its cache is in its own home and the mount needs its `uid`).",
    bad: "# syntax=docker/dockerfile:1\nFROM python:3.12-slim\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\n",
    good: "# syntax=docker/dockerfile:1\nFROM python:3.12-slim\nCOPY requirements.txt .\nRUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt\n",
    tags: &[],
    fixable: true,
    enabled_by_default: true,
    check: Check::Stage(check),
};

/// A package manager whose downloads a cache mount keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tool {
    Pip,
    Npm,
    Yarn,
    Apt,
    Go,
    Cargo,
}

impl Tool {
    /// Go and Cargo read in a later RUN what an earlier one downloaded: their RUNs
    /// get the mounts together.
    fn grouped(self) -> bool {
        matches!(self, Tool::Go | Tool::Cargo)
    }
}

const PLAIN: OptionSyntax = OptionSyntax {
    takes_value: &[],
    bundles: false,
};

/// The tool and the words that name what the command does (`pip install`), when the
/// command downloads packages.
fn downloads(command: &Command) -> Option<(Tool, Range<usize>)> {
    if command.basename() == "uv" {
        return None;
    }
    if let Some(args) = pip_args(command) {
        let (sub, _) = subcommand(args, PIP_OPTIONS)?;
        return matches!(sub.text.as_str(), "install" | "download" | "wheel")
            .then(|| (Tool::Pip, command_through(command, sub)));
    }
    let args = &command.args;
    let name_only = command.name_range.clone();
    match command.basename() {
        "npm" => {
            let (sub, _) = subcommand(args, NPM_OPTIONS)?;
            matches!(
                sub.text.as_str(),
                "ci" | "clean-install" | "install" | "i" | "add" | "update"
            )
            .then(|| (Tool::Npm, command_through(command, sub)))
        }
        "yarn" => match subcommand(args, PLAIN) {
            None => Some((Tool::Yarn, name_only)),
            Some((sub, rest)) => match (sub.text.as_str(), rest.first()) {
                ("install" | "add", _) => Some((Tool::Yarn, command_through(command, sub))),
                ("global", Some(add)) if add.text == "add" => {
                    Some((Tool::Yarn, command_through(command, add)))
                }
                _ => None,
            },
        },
        "apt-get" | "apt" => {
            let sub = command
                .positional()
                .into_iter()
                .find(|w| !w.text.contains('='))?;
            matches!(
                sub.text.as_str(),
                "install" | "upgrade" | "dist-upgrade" | "full-upgrade"
            )
            .then(|| (Tool::Apt, command_through(command, sub)))
        }
        "go" => {
            let positional = command.positional();
            let sub = *positional.first()?;
            match sub.text.as_str() {
                "build" | "install" | "test" | "get" | "run" => {
                    Some((Tool::Go, command_through(command, sub)))
                }
                "mod" => {
                    let download = *positional.get(1)?;
                    (download.text == "download")
                        .then(|| (Tool::Go, command_through(command, download)))
                }
                _ => None,
            }
        }
        "cargo" => {
            let sub = command.subcommand()?;
            matches!(
                sub.text.as_str(),
                "build" | "install" | "fetch" | "test" | "check" | "run" | "b" | "t"
            )
            .then(|| (Tool::Cargo, command_through(command, sub)))
        }
        _ => None,
    }
}

/// Words a RUN must contain to be worth parsing.
const NEEDLES: &[&str] = &["pip", "npm", "yarn", "apt", "go", "cargo"];

fn may_download(instruction: &Instruction<'_>) -> bool {
    instruction.kind() == InstructionKind::Run
        && instruction
            .src()
            .get(instruction.node().byte_range())
            .is_some_and(|t| NEEDLES.iter().any(|n| t.contains(n)))
}

/// The value of a variable for the RUN at `at`: set inline before the command, or by
/// ENV/ARG in the stage.
fn variable(
    model: &StageModel<'_, '_>,
    at: usize,
    command: &Command,
    name: &str,
) -> Option<String> {
    command
        .assignments
        .iter()
        .rev()
        .find_map(|a| {
            a.text
                .strip_prefix(name)?
                .strip_prefix('=')
                .map(str::to_owned)
        })
        .or_else(|| model.lookup(name, at).and_then(|d| d.value.clone()))
}

/// The image a stage is built on at the end of its chain of stages (`library/golang`).
fn base_repository(model: &StageModel<'_, '_>) -> Option<String> {
    let stages = &model.file.stages;
    let mut index = model.stage.index;
    for _ in 0..=stages.len() {
        match &stages.get(index)?.base {
            Base::Image(image) => return Some(image.repository.clone()),
            Base::Stage(parent) if *parent < index => index = *parent,
            _ => return None,
        }
    }
    None
}

/// The directories to mount for a tool, and the extra mount options.
fn cache_dirs(
    model: &StageModel<'_, '_>,
    at: usize,
    tool: Tool,
    command: &Command,
) -> Option<(Vec<String>, &'static str)> {
    let var = |name: &str| variable(model, at, command, name).filter(|v| v.starts_with('/'));
    let option = |names: &[&str]| {
        option_value(&command.args, names)
            .filter(|v| v.starts_with('/'))
            .map(str::to_owned)
    };
    let base = base_repository(model).unwrap_or_default();
    let image = base.rsplit('/').next().unwrap_or("").to_owned();
    let dirs = match tool {
        Tool::Pip => {
            if variable(model, at, command, "PIP_NO_CACHE_DIR").is_some() {
                return None;
            }
            let args = pip_args(command)?;
            let dir = option_value(args, &["--cache-dir"])
                .filter(|v| v.starts_with('/'))
                .map(str::to_owned)
                .or_else(|| var("PIP_CACHE_DIR"))
                .unwrap_or_else(|| "/root/.cache/pip".to_owned());
            vec![dir]
        }
        Tool::Npm => vec![
            option(&["--cache"])
                .or_else(|| var("npm_config_cache"))
                .or_else(|| var("NPM_CONFIG_CACHE"))
                .unwrap_or_else(|| "/root/.npm".to_owned()),
        ],
        Tool::Yarn => vec![
            option(&["--cache-folder"])
                .or_else(|| var("YARN_CACHE_FOLDER"))
                .unwrap_or_else(|| "/usr/local/share/.cache/yarn".to_owned()),
        ],
        Tool::Apt => {
            return Some((
                vec!["/var/cache/apt".to_owned(), "/var/lib/apt/lists".to_owned()],
                ",sharing=locked",
            ));
        }
        Tool::Go => {
            let gopath = var("GOPATH")
                .unwrap_or_else(|| if image == "golang" { "/go" } else { "/root/go" }.to_owned());
            let modules = var("GOMODCACHE")
                .unwrap_or_else(|| format!("{}/pkg/mod", gopath.trim_end_matches('/')));
            // `go mod download` builds nothing: it only needs the module cache.
            if command
                .positional()
                .first()
                .is_some_and(|w| w.text == "mod")
            {
                vec![modules]
            } else {
                vec![
                    var("GOCACHE").unwrap_or_else(|| "/root/.cache/go-build".to_owned()),
                    modules,
                ]
            }
        }
        Tool::Cargo => {
            let home = var("CARGO_HOME").unwrap_or_else(|| {
                if image == "rust" {
                    "/usr/local/cargo"
                } else {
                    "/root/.cargo"
                }
                .to_owned()
            });
            vec![format!("{}/registry", home.trim_end_matches('/'))]
        }
    };
    Some((dirs, ""))
}

/// Whether a mount covers a folder, or part of it (`/go/pkg/mod/cache` in
/// `/go/pkg/mod`: the author chose what to cache there).
fn handled(targets: &[String], dir: &str) -> bool {
    covered(targets, dir)
        || targets.iter().any(|t| {
            t.strip_prefix(dir.trim_end_matches('/'))
                .is_some_and(|rest| rest.starts_with('/'))
        })
}

/// Whether a later stage is built on this one, and so inherits what its RUNs leave.
fn has_children(model: &StageModel<'_, '_>) -> bool {
    model
        .file
        .stages
        .iter()
        .any(|s| s.base == Base::Stage(model.stage.index))
}

/// Whether the RUN runs as root, whose home the default cache folders are in.
fn as_root(model: &StageModel<'_, '_>, at: usize) -> bool {
    model.user_at(at).is_none_or(|user| {
        let name = user.value.split(':').next().unwrap_or("");
        matches!(name, "root" | "0" | "")
    })
}

/// One download the rule reports: the RUN, the command and what to mount.
#[derive(Debug, Clone)]
struct Download<'t> {
    at: usize,
    run: Instruction<'t>,
    tool: Tool,
    range: Range<usize>,
    /// Folders not covered by a mount yet, and extra options of their mounts.
    dirs: Vec<String>,
    options: &'static str,
}

fn check(model: &StageModel<'_, '_>, findings: &mut Findings) {
    if !model.file.buildkit {
        return;
    }
    let mut found: Vec<Download<'_>> = Vec::new();
    for (at, instruction) in model.stage.instructions.iter().enumerate() {
        if !may_download(instruction) {
            continue;
        }
        let run = shell::run_commands(instruction);
        let targets = cache_targets(instruction);
        let mut tools: Vec<Tool> = Vec::new();
        for command in &run.commands {
            let Some((tool, range)) = downloads(command) else {
                continue;
            };
            if tools.contains(&tool) {
                continue;
            }
            tools.push(tool);
            let Some((dirs, options)) = cache_dirs(model, at, tool, command) else {
                continue;
            };
            let dirs: Vec<String> = dirs.into_iter().filter(|d| !handled(&targets, d)).collect();
            if dirs.is_empty() {
                continue;
            }
            found.push(Download {
                at,
                run: *instruction,
                tool,
                range,
                dirs,
                options,
            });
        }
    }
    for download in &found {
        let Some((noun, listed)) = described(&download.dirs) else {
            continue;
        };
        let what = download.run.logical(download.range.clone());
        let what = what.split_whitespace().collect::<Vec<_>>().join(" ");
        let message = format!(
            "`{what}` starts from an empty cache each time this RUN runs: mount {noun} on {listed} (`--mount=type=cache,target=...`) to keep it between builds, outside the image"
        );
        let group: Vec<&Download<'_>> = if download.tool.grouped() {
            found.iter().filter(|d| d.tool == download.tool).collect()
        } else {
            vec![download]
        };
        // Modules and crates left in the layer may be what a stage built on this one
        // compiles from (offline): with a mount they are no longer there.
        let inherited = download.tool.grouped() && has_children(model);
        let fix = if group.iter().all(|d| as_root(model, d.at)) {
            fix_for(&group).map(|(edits, safe)| {
                let safe = safe && !inherited;
                let title = if group.len() > 1 {
                    let mut all: Vec<String> = Vec::new();
                    for dir in group.iter().flat_map(|d| &d.dirs) {
                        if !all.contains(dir) {
                            all.push(dir.clone());
                        }
                    }
                    let (noun, listed) = described(&all).unwrap_or((noun, listed.clone()));
                    format!("Mount {noun} on {listed} in every RUN of the stage that uses them")
                } else {
                    format!("Mount {noun} on {listed}")
                };
                Fix::new(
                    title,
                    if safe {
                        Applicability::Safe
                    } else {
                        Applicability::Unsafe
                    },
                    edits,
                )
            })
        } else {
            None
        };
        match fix {
            Some(fix) => findings.report_fix(download.range.clone(), message, fix),
            None => findings.report(download.range.clone(), message),
        }
    }
}

/// "a cache" or "caches", and the folders in words.
fn described(dirs: &[String]) -> Option<(&'static str, String)> {
    let dirs: Vec<String> = dirs.iter().map(|d| format!("`{d}`")).collect();
    match dirs.as_slice() {
        [] => None,
        [one] => Some(("a cache", one.clone())),
        [init @ .., last] => Some(("caches", format!("{} and {last}", init.join(", ")))),
    }
}

/// The edits of every RUN of the group, and whether they keep the image as it was.
fn fix_for(group: &[&Download<'_>]) -> Option<(Vec<Edit>, bool)> {
    let mut edits = Vec::new();
    let mut safe = true;
    for download in group {
        let (mut run_edits, run_safe) = fix_run(download)?;
        edits.append(&mut run_edits);
        safe &= run_safe;
    }
    Some((edits, safe))
}

fn fix_run(download: &Download<'_>) -> Option<(Vec<Edit>, bool)> {
    let run = &download.run;
    let keyword = run.keyword()?;
    let mounts: String = download
        .dirs
        .iter()
        .map(|d| format!(" --mount=type=cache,target={d}{}", download.options))
        .collect();
    let mut edits = vec![Edit::insert(keyword.end_byte(), mounts)];
    let commands = shell::run_commands(run);
    let mut safe = true;
    for (index, command) in commands.commands.iter().enumerate() {
        let tool_command = downloads(command).is_some_and(|(t, _)| t == download.tool);
        if tool_command && download.tool == Tool::Pip {
            for flag in command.args.iter().filter(|w| w.text == "--no-cache-dir") {
                edits.push(delete_word(run.src(), flag, run.escape())?);
            }
        }
        if cleans(command, download.tool, &download.dirs) {
            edits.push(remove_command(&commands, index)?);
        }
    }
    if download.tool == Tool::Apt {
        // The lists go to the mount: safe only when the RUN did not leave them in the layer.
        safe = commands
            .commands
            .iter()
            .any(|c| removes(c, "/var/lib/apt/lists"));
    }
    let mut spans: Vec<&Range<usize>> = edits.iter().map(|e| &e.range).collect();
    spans.sort_by_key(|r| (r.start, r.end));
    if spans.windows(2).any(|w| w[1].start < w[0].end) {
        return None;
    }
    Some((edits, safe))
}

/// Whether a command only empties the cache the mount now holds.
fn cleans(command: &Command, tool: Tool, dirs: &[String]) -> bool {
    let positional: Vec<&str> = command
        .positional()
        .iter()
        .map(|w| w.text.as_str())
        .collect();
    let name = command.basename();
    match (tool, name, positional.as_slice()) {
        (Tool::Npm | Tool::Yarn, "npm" | "yarn", ["cache", "clean", ..]) => {
            (tool == Tool::Npm) == (name == "npm")
        }
        (Tool::Pip, _, ["cache", "purge" | "remove", ..]) => pip_args(command).is_some(),
        (Tool::Apt, "apt-get" | "apt", ["clean"]) => true,
        (Tool::Go, "go", ["clean", ..]) => has_option(&command.args, &["-cache", "-modcache"]),
        _ => {
            name == "rm"
                && !positional.is_empty()
                && positional.iter().all(|path| {
                    let path = path.trim_end_matches('*').trim_end_matches('/');
                    dirs.iter().any(|d| covered(std::slice::from_ref(d), path))
                })
        }
    }
}

/// Deletes a word with the blank before it; a word alone on a continued line goes
/// with its line.
fn delete_word(src: &str, word: &Word, escape: char) -> Option<Edit> {
    let line_start = src
        .get(..word.range.start)?
        .rfind('\n')
        .map_or(0, |i| i + 1);
    let before = src.get(line_start..word.range.start)?;
    if before.trim().is_empty() {
        let rest = src.get(word.range.end..)?;
        let line_rest = rest.split('\n').next().unwrap_or("");
        let after = line_rest.trim_end_matches('\r').trim();
        if after == escape.to_string() {
            // `    --no-cache-dir \`: the whole line.
            let end = word.range.end + line_rest.len() + 1;
            return Some(Edit::delete(line_start..end.min(src.len())));
        }
        let spaces = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        return Some(Edit::delete(word.range.start..word.range.end + spaces));
    }
    let blank = before.len() - before.trim_end_matches([' ', '\t']).len();
    Some(Edit::delete(word.range.start - blank..word.range.end))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, fixed, fixes, flagged};
    use super::*;
    use crate::analysis::fixes::apply_edits;

    const ID: &str = "cache-mount-opportunity";
    const SYNTAX: &str = "# syntax=docker/dockerfile:1\n";

    fn with_syntax(body: &str) -> String {
        format!("{SYNTAX}{body}")
    }

    #[test]
    fn pip_gets_a_cache_mount_and_loses_no_cache_dir() {
        let text =
            with_syntax("FROM python:3.12\nRUN pip install --no-cache-dir -r requirements.txt\n");
        let found = findings(ID, &text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "3:5-3:16");
        insta::assert_snapshot!(found[0].1, @"`pip install` starts from an empty cache each time this RUN runs: mount a cache on `/root/.cache/pip` (`--mount=type=cache,target=...`) to keep it between builds, outside the image");
        assert_eq!(
            fixes(ID, &text),
            [Some((
                "Mount a cache on `/root/.cache/pip`".to_owned(),
                Applicability::Safe
            ))]
        );
        insta::assert_snapshot!(fixed(ID, &text), @r"
            # syntax=docker/dockerfile:1
            FROM python:3.12
            RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt
            ");
    }

    #[test]
    fn continuation_lines_and_cleanups() {
        let text = with_syntax(
            "FROM node:20\nRUN npm ci \\\n    --no-audit \\\n && npm cache clean --force\nRUN python3 -m pip install \\\n    --no-cache-dir \\\n    flask==3.0.3 \\\n && pip cache purge\n",
        );
        insta::assert_snapshot!(fixed(ID, &text), @r"
            # syntax=docker/dockerfile:1
            FROM node:20
            RUN --mount=type=cache,target=/root/.npm npm ci \
                --no-audit
            RUN --mount=type=cache,target=/root/.cache/pip python3 -m pip install \
                flask==3.0.3
            ");
    }

    #[test]
    fn apt_mounts_are_locked_and_drop_the_list_removal() {
        let text = with_syntax(
            "FROM debian:bookworm\nRUN apt-get update && apt-get install -y --no-install-recommends curl \\\n    && apt-get clean \\\n    && rm -rf /var/lib/apt/lists/*\n",
        );
        assert_eq!(
            fixes(ID, &text)[0].as_ref().map(|f| f.1),
            Some(Applicability::Safe)
        );
        insta::assert_snapshot!(fixed(ID, &text), @r"
            # syntax=docker/dockerfile:1
            FROM debian:bookworm
            RUN --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=type=cache,target=/var/lib/apt/lists,sharing=locked apt-get update && apt-get install -y --no-install-recommends curl
            ");
        let keeps_lists =
            with_syntax("FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl\n");
        assert_eq!(
            fixes(ID, &keeps_lists)[0].as_ref().map(|f| f.1),
            Some(Applicability::Unsafe)
        );
    }

    #[test]
    fn go_runs_of_a_stage_get_their_mounts_together() {
        let text = with_syntax(
            "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /out/app ./cmd/app\nFROM scratch\nCOPY --from=build /out/app /app\n",
        );
        let found = super::super::testing::run_in(ID, &text, &Default::default());
        assert_eq!(found.len(), 2);
        let fix = found[0].fix.as_ref().expect("a fix");
        assert_eq!(
            fix.title,
            "Mount caches on `/go/pkg/mod` and `/root/.cache/go-build` in every RUN of the stage that uses them"
        );
        assert_eq!(found[0].fix_edits(), found[1].fix_edits());
        insta::assert_snapshot!(apply_edits(&text, &found[0].fix_edits()).unwrap_or_default(), @r"
            # syntax=docker/dockerfile:1
            FROM golang:1.22 AS build
            WORKDIR /src
            COPY go.mod go.sum ./
            RUN --mount=type=cache,target=/go/pkg/mod go mod download
            COPY . .
            RUN --mount=type=cache,target=/root/.cache/go-build --mount=type=cache,target=/go/pkg/mod CGO_ENABLED=0 go build -o /out/app ./cmd/app
            FROM scratch
            COPY --from=build /out/app /app
            ");
    }

    #[test]
    fn downloads_that_stages_built_on_this_one_may_compile_from_are_unsafe_to_mount() {
        let text = with_syntax(
            "FROM rust:1.79 AS base\nWORKDIR /code\nCOPY Cargo.toml Cargo.lock ./\nRUN cargo fetch\nCOPY . .\nFROM base AS builder\nRUN cargo build --release --offline\n",
        );
        assert_eq!(
            fixes(ID, &text),
            [
                Some((
                    "Mount a cache on `/usr/local/cargo/registry`".to_owned(),
                    Applicability::Unsafe
                )),
                Some((
                    "Mount a cache on `/usr/local/cargo/registry`".to_owned(),
                    Applicability::Safe
                )),
            ]
        );
    }

    #[test]
    fn what_each_command_needs_and_what_is_mounted_in_part() {
        let text = with_syntax(
            "FROM golang:1.22\nRUN go mod download\nRUN --mount=type=cache,target=/go/pkg/mod/cache go build ./...\nRUN yarn global add pm2@5\n",
        );
        let found = findings(ID, &text);
        let messages: Vec<&str> = found.iter().map(|f| f.1.as_str()).collect();
        insta::assert_debug_snapshot!(messages, @r#"
            [
                "`go mod download` starts from an empty cache each time this RUN runs: mount a cache on `/go/pkg/mod` (`--mount=type=cache,target=...`) to keep it between builds, outside the image",
                "`go build` starts from an empty cache each time this RUN runs: mount a cache on `/root/.cache/go-build` (`--mount=type=cache,target=...`) to keep it between builds, outside the image",
                "`yarn global add` starts from an empty cache each time this RUN runs: mount a cache on `/usr/local/share/.cache/yarn` (`--mount=type=cache,target=...`) to keep it between builds, outside the image",
            ]
            "#);
        assert_eq!(
            flagged(ID, &text),
            ["go mod download", "go build", "yarn global add"]
        );
    }

    #[test]
    fn cargo_home_and_env_folders() {
        let text = with_syntax(
            "FROM rust:1.79\nENV YARN_CACHE_FOLDER=/ycache\nRUN cargo build --release && yarn install\n",
        );
        assert_eq!(flagged(ID, &text), ["cargo build", "yarn install"]);
        insta::assert_snapshot!(fixed(ID, &text), @r"
            # syntax=docker/dockerfile:1
            FROM rust:1.79
            ENV YARN_CACHE_FOLDER=/ycache
            RUN --mount=type=cache,target=/usr/local/cargo/registry --mount=type=cache,target=/ycache cargo build --release && yarn install
            ");
    }

    #[test]
    fn buildkit_features_anywhere_in_the_file_count() {
        for text in [
            "FROM a AS x\nRUN --mount=type=secret,id=t true\nFROM b\nRUN pip install x==1\n",
            "FROM a\nCOPY --link x /x\nRUN pip install x==1\n",
            "FROM a\nRUN <<EOF\npip install x==1\nEOF\n",
        ] {
            assert_eq!(flagged(ID, text), ["pip install"], "{text}");
        }
    }

    #[test]
    fn what_says_a_file_is_built_with_buildkit() {
        let buildkit = |text: &str| {
            let tree = crate::syntax::parse(crate::syntax::FileKind::Dockerfile, text, None)
                .expect("parse");
            crate::analysis::model::uses_buildkit(&crate::syntax::Dockerfile::new(&tree, text))
        };
        for text in [
            "# syntax=docker/dockerfile:1\nFROM a\n",
            "FROM a\nrun --network=none make\n",
            "FROM a\nADD --checksum=sha256:0 https://x/y /y\n",
            "FROM a\n  COPY --parents a/b /c/\n",
            "FROM a\nRUN cat <<-EOT > /x\nhi\nEOT\n",
        ] {
            assert!(buildkit(text), "{text}");
        }
        for text in [
            "FROM a\nRUN tar --exclude=x -cf y . && cat <<< hi\n",
            "FROM a\nRUN echo --mount=x\n# RUN --mount=type=cache x\n",
            "FROM a\nCOPY --chown=1 --from=b /x /y\n",
        ] {
            assert!(!buildkit(text), "{text}");
        }
    }

    #[test]
    fn near_misses() {
        for text in [
            // No BuildKit feature.
            "FROM python:3\nRUN pip install --no-cache-dir x==1\n".to_owned(),
            "FROM python:3\nRUN tar --exclude=x -cf a.tar . && pip install x==1\n".to_owned(),
            // A mount already covers the cache.
            with_syntax(
                "FROM python:3\nRUN --mount=type=cache,target=/root/.cache pip install x==1\n",
            ),
            with_syntax("FROM node:20\nRUN --mount=type=cache,target=/root/.npm npm ci\n"),
            // The cache is off through the environment.
            with_syntax("FROM python:3\nENV PIP_NO_CACHE_DIR=1\nRUN pip install x==1\n"),
            // Commands that download nothing.
            with_syntax(
                "FROM node:20\nRUN npm run build && go version && pip list && apk add --no-cache curl\n",
            ),
        ] {
            assert!(flagged(ID, &text).is_empty(), "{text}");
        }
    }

    #[test]
    fn another_user_gets_no_fix() {
        let text = with_syntax("FROM node:20\nUSER node\nRUN npm ci\n");
        assert_eq!(fixes(ID, &text), [None]);
        let root = with_syntax("FROM node:20\nUSER node\nUSER 0:0\nRUN npm ci\n");
        assert!(fixes(ID, &root)[0].is_some());
    }

    #[test]
    fn the_escape_directive_and_a_lone_flag_line() {
        let text = "# syntax=docker/dockerfile:1\n# escape=`\nFROM python:3\nRUN pip install `\n    --no-cache-dir `\n    x==1\n";
        insta::assert_snapshot!(fixed(ID, text), @r"
            # syntax=docker/dockerfile:1
            # escape=`
            FROM python:3
            RUN --mount=type=cache,target=/root/.cache/pip pip install `
                x==1
            ");
    }
}
