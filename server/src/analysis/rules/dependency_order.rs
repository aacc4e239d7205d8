//! Layer order: the whole build context copied before the dependency install that only needs manifests.

use super::build_context::whole_context_sources;
use super::copy::{PathArg, file_args};
use super::npm::{NPM_OPTIONS, YARN_OPTIONS};
use super::package_args::{OptionSyntax, has_option, subcommand};
use super::pip::PIP_OPTIONS;
use super::{Check, Findings, Rule};
use crate::analysis::fixes::lines::{indentation, insert_line_after_with, newline_in};
use crate::analysis::ignore_match::{IgnoreMatcher, clean};
use crate::analysis::model::StageModel;
use crate::analysis::settings::ProjectFiles;
use crate::analysis::shell::{self, Command, RunCommands, Separator, Word};
use crate::syntax::{Applicability, Edit, Fix, Instruction, InstructionKind, Severity};

pub static COPY_BEFORE_DEPENDENCY_INSTALL: Rule = Rule {
    id: "copy-before-dependency-install",
    summary: "Copy the dependency manifests, not the whole context, before installing dependencies",
    severity: Severity::Warning,
    aliases: &[],
    explanation: "Docker reuses a cached layer only while everything before it is unchanged. After \
`COPY . .`, any edit to any file of the build context invalidates the cache of the COPY and of every \
later step: the dependency install (`npm ci`, `pip install -r requirements.txt`, `go mod download`, \
`bundle install`...) runs again on every build, downloading and building the same packages. Copying \
only the manifests the install reads (`package.json` and its lock file, `requirements.txt`, `go.mod` \
and `go.sum`...) before it, and the rest of the source after it, keeps the install cached until the \
dependencies change.\n\n\
Reported on the whole-context COPY (`COPY . .`, `COPY ./ /app`, `ADD . .`) when a later RUN of the \
same stage installs dependencies from manifests in the copied directory: `npm ci`/`npm install` without \
package names, `yarn`, `pnpm install`, `pip install -r`, `poetry install`, `pipenv install`, \
`uv sync`, `go mod download`, `bundle install`, `mvn dependency:*` and `cargo fetch`.\n\n\
The fix copies the manifests with the COPY's own flags and destination, and moves the full COPY after \
the install (splitting the RUN when it goes on with commands that need the source, such as \
`npm run build`). It is applied in bulk only when the manifests are known to exist in the build \
context and no step between the two needs the source. `poetry install` and `uv sync` also install the \
project itself, which needs the source (add `--no-root` / `--no-install-project` to the first install); \
`cargo fetch` needs the crate's sources, so it gets no fix (use `cargo-chef` or a placeholder \
`src/main.rs`).",
    bad: "FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"src/index.js\"]\n",
    good: "FROM node:20-alpine\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nCMD [\"node\", \"src/index.js\"]\n",
    tags: &[],
    fixable: true,
    enabled_by_default: true,
    check: Check::Stage(check),
};

/// A dependency manager that installs from manifests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tool {
    Npm,
    Yarn,
    Pnpm,
    Pip,
    Poetry,
    Pipenv,
    Uv,
    Go,
    Bundle,
    Maven,
    Cargo,
}

/// The manifests a tool reads: `(name, required)`, and what to copy when the build
/// context is not known (globs that tolerate a missing file).
fn manifests_of(tool: Tool) -> (&'static [(&'static str, bool)], &'static [&'static str]) {
    match tool {
        Tool::Npm => (
            &[
                ("package.json", true),
                ("package-lock.json", false),
                ("npm-shrinkwrap.json", false),
            ],
            &["package*.json"],
        ),
        Tool::Yarn => (
            &[
                ("package.json", true),
                ("yarn.lock", false),
                (".yarnrc.yml", false),
            ],
            &["package.json", "yarn.lock*"],
        ),
        Tool::Pnpm => (
            &[("package.json", true), ("pnpm-lock.yaml", false)],
            &["package.json", "pnpm-lock.yaml*"],
        ),
        Tool::Poetry => (
            &[
                ("pyproject.toml", true),
                ("poetry.lock", false),
                ("poetry.toml", false),
            ],
            &["pyproject.toml", "poetry.lock*"],
        ),
        Tool::Pipenv => (
            &[("Pipfile", true), ("Pipfile.lock", false)],
            &["Pipfile", "Pipfile.lock*"],
        ),
        Tool::Uv => (
            &[
                ("pyproject.toml", true),
                ("uv.lock", false),
                (".python-version", false),
            ],
            &["pyproject.toml", "uv.lock*"],
        ),
        Tool::Go => (
            &[("go.mod", true), ("go.sum", false)],
            &["go.mod", "go.sum*"],
        ),
        Tool::Bundle => (
            &[("Gemfile", true), ("Gemfile.lock", false)],
            &["Gemfile", "Gemfile.lock*"],
        ),
        Tool::Maven => (&[("pom.xml", true)], &["pom.xml"]),
        Tool::Pip | Tool::Cargo => (&[], &[]),
    }
}

/// An install found in a RUN.
#[derive(Debug, Clone)]
struct Install {
    tool: Tool,
    /// Index of the command in the RUN's commands.
    index: usize,
    /// The command as written, for messages (`npm ci`, `pip install -r requirements.txt`).
    label: String,
    /// `pip install -r`/`-c` files, as written.
    files: Vec<String>,
    /// Installs the project itself too, which needs its source (`poetry install`).
    installs_project: bool,
    /// Maven through its wrapper, which needs `mvnw` and `.mvn`.
    wrapper: bool,
}

const PLAIN: OptionSyntax = OptionSyntax {
    takes_value: &[],
    bundles: false,
};

/// A name with an optional version suffix: `pip`, `pip3`, `pip3.12`.
fn is_versioned(name: &str, base: &str) -> bool {
    name.strip_prefix(base)
        .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// The words pip reads: after `pip3`, after `python -m pip`, after `uv pip`.
pub(super) fn pip_args(command: &Command) -> Option<&[Word]> {
    let name = command.basename();
    let args = &command.args[..];
    if is_versioned(name, "pip") {
        return Some(args);
    }
    if name == "uv" {
        return (args.first()?.text == "pip").then(|| &args[1..]);
    }
    if is_versioned(name, "python") {
        let at = args.iter().position(|a| a.text == "-m")?;
        return (args.get(at + 1)?.text == "pip").then(|| args.get(at + 2..).unwrap_or(&[]));
    }
    None
}

/// Whether a pip operand is a local path (`.`, `./pkg`, `src/`), which needs the source.
fn is_local_path(text: &str) -> bool {
    text == "."
        || text.starts_with("./")
        || text.starts_with("../")
        || text.starts_with('/')
        || (text.contains('/') && !text.contains("://"))
}

/// The `-r`/`-c` files of a pip install, or `None` when it installs local sources or has none.
fn pip_files(args: &[Word]) -> Option<Vec<String>> {
    let (sub, operands) = subcommand(args, PIP_OPTIONS)?;
    if sub.text != "install" {
        return None;
    }
    if operands.iter().any(|w| is_local_path(&w.text)) || has_option(args, &["-e", "--editable"]) {
        return None;
    }
    let mut files = Vec::new();
    let mut words = args.iter().take_while(|w| w.text != "--");
    while let Some(word) = words.next() {
        let text = word.text.as_str();
        let value = match text {
            "-r" | "--requirement" | "-c" | "--constraint" => words.next().map(|w| w.text.clone()),
            _ => ["--requirement=", "--constraint="]
                .iter()
                .find_map(|p| text.strip_prefix(p))
                .or_else(|| {
                    (text.len() > 2 && (text.starts_with("-r") || text.starts_with("-c")))
                        .then(|| &text[2..])
                })
                .map(str::to_owned),
        };
        if let Some(value) = value {
            files.push(value);
        }
    }
    (!files.is_empty()).then_some(files)
}

/// The install a command runs, if it installs from manifests only.
fn install_of(command: &Command, index: usize) -> Option<Install> {
    let name = command.basename();
    let args = &command.args;
    let plain = |tool: Tool| Install {
        tool,
        index,
        label: String::new(),
        files: Vec::new(),
        installs_project: false,
        wrapper: false,
    };
    let mut found = if let Some(pip) = pip_args(command) {
        let files = pip_files(pip)?;
        Install {
            files,
            ..plain(Tool::Pip)
        }
    } else {
        match name {
            "npm" => {
                let (sub, packages) = subcommand(args, NPM_OPTIONS)?;
                let installs = matches!(sub.text.as_str(), "ci" | "clean-install")
                    || (matches!(sub.text.as_str(), "install" | "i") && packages.is_empty());
                if !installs || has_option(args, &["--prefix"]) {
                    return None;
                }
                plain(Tool::Npm)
            }
            "yarn" => match subcommand(args, YARN_OPTIONS) {
                None => plain(Tool::Yarn),
                Some((sub, rest)) if sub.text == "install" && rest.is_empty() => plain(Tool::Yarn),
                Some(_) => return None,
            },
            "pnpm" => {
                let (sub, packages) = subcommand(args, NPM_OPTIONS)?;
                if !(matches!(sub.text.as_str(), "install" | "i") && packages.is_empty()) {
                    return None;
                }
                plain(Tool::Pnpm)
            }
            "poetry" => {
                let (sub, _) = subcommand(args, PLAIN)?;
                if sub.text != "install" || has_option(args, &["--only-root"]) {
                    return None;
                }
                Install {
                    installs_project: !has_option(args, &["--no-root"]),
                    ..plain(Tool::Poetry)
                }
            }
            "pipenv" => {
                let (sub, packages) = subcommand(args, PLAIN)?;
                if !(matches!(sub.text.as_str(), "install" | "sync") && packages.is_empty()) {
                    return None;
                }
                plain(Tool::Pipenv)
            }
            "uv" => {
                let (sub, _) = subcommand(args, PLAIN)?;
                if sub.text != "sync" {
                    return None;
                }
                Install {
                    installs_project: !has_option(
                        args,
                        &["--no-install-project", "--no-install-workspace"],
                    ),
                    ..plain(Tool::Uv)
                }
            }
            "go" => {
                let positional = command.positional();
                let words: Vec<&str> = positional.iter().take(2).map(|w| w.text.as_str()).collect();
                if words != ["mod", "download"] {
                    return None;
                }
                plain(Tool::Go)
            }
            "bundle" => {
                let (sub, _) = subcommand(args, PLAIN)?;
                if sub.text != "install" {
                    return None;
                }
                plain(Tool::Bundle)
            }
            "mvn" | "mvnw" => {
                let goals = args.iter().any(|a| a.text.starts_with("dependency:"));
                if !goals || has_option(args, &["-f", "--file"]) {
                    return None;
                }
                Install {
                    wrapper: name == "mvnw",
                    ..plain(Tool::Maven)
                }
            }
            "cargo" => {
                let (sub, _) = subcommand(args, PLAIN)?;
                if sub.text != "fetch" {
                    return None;
                }
                plain(Tool::Cargo)
            }
            _ => return None,
        }
    };
    found.label = label(command);
    Some(found)
}

/// The command for messages: its name and up to three words (`pip install -r requirements.txt`).
fn label(command: &Command) -> String {
    let mut words = vec![command.name.clone()];
    words.extend(command.args.iter().take(3).map(|w| w.text.clone()));
    if command.args.len() > 3 {
        words.push("...".to_owned());
    }
    words.join(" ")
}

/// Words a RUN must contain to be worth parsing for an install.
const NEEDLES: &[&str] = &[
    "npm", "yarn", "pnpm", "pip", "poetry", "pipenv", "uv", "mod", "bundle", "mvn", "cargo",
];

fn may_install(instruction: &Instruction<'_>) -> bool {
    instruction
        .src()
        .get(instruction.node().byte_range())
        .is_some_and(|text| NEEDLES.iter().any(|n| text.contains(n)))
}

/// A whole-context COPY waiting for an install after it.
struct Pending<'t> {
    at: usize,
    copy: Instruction<'t>,
    source: PathArg,
}

fn check(model: &StageModel<'_, '_>, findings: &mut Findings) {
    let mut pending: Option<Pending<'_>> = None;
    for (at, instruction) in model.stage.instructions.iter().enumerate() {
        match instruction.kind() {
            InstructionKind::Copy | InstructionKind::Add => {
                if let Some(source) = whole_context_sources(instruction).into_iter().next() {
                    pending = Some(Pending {
                        at,
                        copy: *instruction,
                        source,
                    });
                }
            }
            InstructionKind::Run if pending.is_some() && may_install(instruction) => {
                let Some(copy) = &pending else { continue };
                let run = shell::run_commands(instruction);
                let Some(install) = run
                    .commands
                    .iter()
                    .enumerate()
                    .find_map(|(i, c)| install_of(c, i))
                else {
                    continue;
                };
                let Some(target) = Target::new(model, copy, at, &run, &install) else {
                    // The install does not read what the COPY brought in.
                    continue;
                };
                report(
                    model,
                    findings,
                    copy,
                    at,
                    instruction,
                    &run,
                    &install,
                    &target,
                );
                pending = None;
            }
            _ => {}
        }
    }
}

/// Where the install reads its manifests, relative to the copied context.
struct Target {
    /// The directory of the context the install runs in (`""`: the root).
    prefix: String,
    /// pip's files as context paths.
    files: Vec<String>,
}

impl Target {
    fn new(
        model: &StageModel<'_, '_>,
        copy: &Pending<'_>,
        at: usize,
        commands: &RunCommands,
        install: &Install,
    ) -> Option<Target> {
        let args = file_args(&copy.copy)?;
        if args.dest.variable {
            return None;
        }
        let dest = resolve(
            model.workdir_at(copy.at).map(|s| s.value.as_str()),
            &args.dest.text,
        );
        let cwd = working_directory(
            model.workdir_at(at).map(|s| s.value.clone()),
            commands,
            install,
        );
        let prefix = cwd.as_deref().and_then(|cwd| relative_to(&dest, cwd));
        if install.tool != Tool::Pip {
            return Some(Target {
                prefix: prefix?,
                files: Vec::new(),
            });
        }
        // pip reads the files it is given, wherever it runs.
        let mut files = Vec::new();
        for file in &install.files {
            if file.contains('$') {
                return None;
            }
            let path = if file.starts_with('/') {
                clean(file)
            } else {
                resolve(Some(cwd.as_deref()?), file)
            };
            files.push(relative_to(&dest, &path)?);
        }
        Some(Target {
            prefix: prefix.unwrap_or_default(),
            files,
        })
    }
}

/// The directory the install command runs in: the WORKDIR, then any `cd` before it in the RUN.
fn working_directory(
    workdir: Option<String>,
    run: &RunCommands,
    install: &Install,
) -> Option<String> {
    let mut cwd = resolve(workdir.as_deref(), ".");
    for command in run.commands.get(..install.index)? {
        if command.basename() != "cd" {
            continue;
        }
        let target = command.positional().first().map(|w| w.text.clone())?;
        if command.in_subshell_or_condition || target.contains('$') || target == "-" {
            return None;
        }
        cwd = resolve(Some(&cwd), &target);
    }
    Some(cwd)
}

/// `path` made absolute against `base` when it is relative (`.` for an unknown base).
fn resolve(base: Option<&str>, path: &str) -> String {
    if path.starts_with('/') {
        return clean(path);
    }
    match base {
        Some(base) => clean(&format!("{base}/{path}")),
        None => clean(path),
    }
}

/// `path` relative to `dir` (`""` when equal); `None` outside it.
fn relative_to(dir: &str, path: &str) -> Option<String> {
    if dir == path {
        return Some(String::new());
    }
    if dir == "." {
        let outside = path.starts_with('/') || path == ".." || path.starts_with("../");
        return (!outside).then(|| path.to_owned());
    }
    let prefix = if dir == "/" {
        "/".to_owned()
    } else {
        format!("{dir}/")
    };
    path.strip_prefix(&prefix).map(str::to_owned)
}

/// One COPY of manifests the fix writes: context paths and where they go.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ManifestCopy {
    sources: Vec<String>,
    /// The directory of the context they are in (`""`: the root).
    dir: String,
}

/// What to copy before the install, and whether the list is known to be right.
#[derive(Debug, Clone)]
struct Manifests {
    copies: Vec<ManifestCopy>,
    /// Every file is known to exist and nothing else is needed.
    known: bool,
}

fn manifests(
    install: &Install,
    target: &Target,
    project: Option<&ProjectFiles>,
    ignored: &IgnoreMatcher<'_>,
) -> Option<Manifests> {
    let top = target.prefix.is_empty();
    let listing = project.filter(|_| top);
    let in_dir = |name: &str| {
        if top {
            name.to_owned()
        } else {
            format!("{}/{name}", target.prefix)
        }
    };
    let mut known = listing.is_some();
    let mut copies: Vec<ManifestCopy> = Vec::new();
    let add = |path: String, copies: &mut Vec<ManifestCopy>| {
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d).to_owned();
        match copies.iter_mut().find(|c| c.dir == dir) {
            Some(c) => c.sources.push(path),
            None => copies.push(ManifestCopy {
                sources: vec![path],
                dir,
            }),
        }
    };
    if install.tool == Tool::Pip {
        for file in &target.files {
            if file.chars().any(char::is_whitespace) || ignored.excluded_by(file).is_some() {
                return None;
            }
            match project {
                Some(p) if !file.contains('/') && p.lacks(file) => return None,
                Some(p) if !file.contains('/') && p.has_file(file) => {}
                _ => known = false,
            }
            add(file.clone(), &mut copies);
        }
        return Some(Manifests { copies, known });
    }
    let (names, fallback) = manifests_of(install.tool);
    match listing {
        Some(p) => {
            for (name, required) in names {
                let exists = p.has_file(name);
                let excluded = ignored.excluded_by(name).is_some();
                if *required && (!exists || excluded) {
                    if p.lacks(name) || excluded {
                        return None;
                    }
                    known = false;
                }
                if exists && !excluded {
                    add((*name).to_owned(), &mut copies);
                }
            }
        }
        None => {
            for name in fallback {
                add(in_dir(name), &mut copies);
            }
        }
    }
    if install.wrapper {
        add(in_dir("mvnw"), &mut copies);
        // A directory: copied on its own line to keep its name.
        copies.push(ManifestCopy {
            sources: vec![in_dir(".mvn")],
            dir: in_dir(".mvn"),
        });
        known &= listing.is_some_and(|p| p.has_file("mvnw") && p.has_dir(".mvn"));
    }
    if let Some(p) = listing {
        let risky = match install.tool {
            Tool::Yarn => p.has_dir(".yarn"),
            Tool::Bundle => p.entries.iter().any(|e| e.name.ends_with(".gemspec")),
            Tool::Go => p.has_file("go.work"),
            _ => false,
        };
        if install.tool == Tool::Pnpm && p.has_file("pnpm-workspace.yaml") {
            return None;
        }
        known &= !risky;
    }
    known &= !install.installs_project;
    (!copies.is_empty()).then_some(Manifests { copies, known })
}

/// Commands that never read the project's source: package managers doing installs
/// and housekeeping, and file-system chores. Anything else may.
fn needs_source(command: &Command) -> bool {
    if let Some(args) = pip_args(command) {
        return match subcommand(args, PIP_OPTIONS) {
            Some((sub, operands)) => match sub.text.as_str() {
                "install" => {
                    operands.iter().any(|w| is_local_path(&w.text))
                        || has_option(args, &["-e", "--editable"])
                }
                "cache" | "config" | "list" | "freeze" => false,
                _ => true,
            },
            None => true,
        };
    }
    if install_of(command, 0).is_some_and(|i| !i.installs_project) {
        return false;
    }
    let sub = command.subcommand().map_or("", |w| w.text.as_str());
    let operands_fetched = || {
        command
            .positional()
            .iter()
            .skip(1)
            .all(|w| w.text.contains('@'))
    };
    match command.basename() {
        "apt-get" | "apt" | "apk" | "yum" | "dnf" | "microdnf" | "zypper" | "rm" | "mkdir"
        | "echo" | "true" | "ln" | "useradd" | "adduser" | "addgroup" | "groupadd" | "cd"
        | "export" => false,
        "npm" | "pnpm" => !matches!(
            sub,
            "ci" | "clean-install" | "install" | "i" | "add" | "cache" | "config" | "set" | "store"
        ),
        "yarn" => !matches!(
            sub,
            "" | "install" | "add" | "cache" | "config" | "global" | "set"
        ),
        "corepack" => !matches!(sub, "enable" | "prepare" | "install"),
        "gem" => sub != "install",
        "bundle" => !matches!(sub, "config" | "install"),
        "poetry" | "pipenv" | "uv" => sub != "config",
        "go" => !(matches!(sub, "env" | "mod") || (sub == "install" && operands_fetched())),
        "cargo" => sub != "install" || command.has_flag(&["--path"]),
        _ => true,
    }
}

/// Commands whose effect a later RUN would not see: the shell state they set.
fn sets_shell_state(command: &Command) -> bool {
    matches!(
        command.basename(),
        "cd" | "export" | "source" | "." | "set" | "umask" | "pushd" | "popd" | "alias"
    )
}

/// How the RUN is rewritten: left whole with the source copied after it, or split
/// before the first command that needs the source.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RunEdit {
    After,
    SplitBefore(usize),
}

fn run_edit(run: &Instruction<'_>, commands: &RunCommands, install: &Install) -> Option<RunEdit> {
    if !commands.complete {
        return None;
    }
    let all = &commands.commands;
    if all.get(..install.index)?.iter().any(needs_source) {
        return None;
    }
    let Some(split) = all
        .iter()
        .enumerate()
        .skip(install.index + 1)
        .find(|(_, c)| needs_source(c))
        .map(|(i, _)| i)
    else {
        return Some(RunEdit::After);
    };
    let next = all.get(split)?;
    let before = all.get(..split)?;
    let plain = |c: &Command| !c.in_subshell_or_condition && !c.in_pipeline;
    if !run.heredocs().is_empty()
        || next.separator_before != Some(Separator::And)
        || !plain(next)
        || !before.iter().all(plain)
        || before.iter().any(sets_shell_state)
    {
        return None;
    }
    let previous = before.last()?;
    let between = run.src().get(previous.range.end..next.range.start)?;
    if between.contains('#') {
        return None;
    }
    Some(RunEdit::SplitBefore(split))
}

#[allow(clippy::too_many_arguments)]
fn report(
    model: &StageModel<'_, '_>,
    findings: &mut Findings,
    copy: &Pending<'_>,
    at: usize,
    run: &Instruction<'_>,
    commands: &RunCommands,
    install: &Install,
    target: &Target,
) {
    let context = findings.context();
    let project = context.project.clone();
    let rules = context.dockerignore.clone().unwrap_or_default();
    let matcher = IgnoreMatcher::new(&rules);
    let found = manifests(install, target, project.as_deref(), &matcher);
    let source = &copy.source.text;
    let label = &install.label;
    let Some(found) = found.filter(|_| install.tool != Tool::Cargo) else {
        let advice = if install.tool == Tool::Cargo {
            "copy Cargo.toml and Cargo.lock with a placeholder `src/main.rs` first (cargo needs a target), or use cargo-chef"
        } else {
            "copy only the manifests it reads before it, and the rest after it"
        };
        findings.report(
            copy.source.range.clone(),
            format!(
                "`{source}` copies the whole build context before `{label}`: any change to the source re-runs the install; {advice}"
            ),
        );
        return;
    };
    let names: Vec<String> = found
        .copies
        .iter()
        .flat_map(|c| c.sources.iter().map(|s| format!("`{s}`")))
        .collect();
    let names = and_list(&names);
    let message = format!(
        "`{source}` copies the whole build context before `{label}`: any change to the source re-runs the install; copy {names} before it and the rest after it"
    );
    let fix = fix_edits(model, copy, at, run, commands, install, &found).map(|(edits, between)| {
        let safe = found.known && !between;
        Fix::new(
            format!("Copy {names} before `{label}` and the rest after it"),
            if safe {
                Applicability::Safe
            } else {
                Applicability::Unsafe
            },
            edits,
        )
    });
    match fix {
        Some(fix) => findings.report_fix(copy.source.range.clone(), message, fix),
        None => findings.report(copy.source.range.clone(), message),
    }
}

fn and_list(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The edits, and whether steps between the COPY and the install may need the source.
fn fix_edits(
    model: &StageModel<'_, '_>,
    copy: &Pending<'_>,
    at: usize,
    run: &Instruction<'_>,
    commands: &RunCommands,
    install: &Install,
    found: &Manifests,
) -> Option<(Vec<Edit>, bool)> {
    let args = file_args(&copy.copy)?;
    if args.sources.len() != 1 || !copy.copy.heredocs().is_empty() {
        return None;
    }
    // The moved COPY must land where it did: same WORKDIR for a relative destination.
    let relative = !args.dest.text.starts_with('/');
    let workdir = |i: usize| model.workdir_at(i).map(|s| s.value.clone());
    if relative && workdir(copy.at) != workdir(at + 1) {
        return None;
    }
    let between = model
        .stage
        .instructions
        .get(copy.at + 1..at)?
        .iter()
        .any(|i| match i.kind() {
            InstructionKind::Run | InstructionKind::Onbuild | InstructionKind::Add => true,
            InstructionKind::Copy => i.flag("from").is_none(),
            _ => false,
        });
    let src = run.src();
    // The stage's own line break: the fix is cached with the stage's text.
    let nl = newline_in(src, model.stage.node.byte_range());
    let copy_node = copy.copy.node();
    let copy_text = src.get(copy_node.start_byte()..copy.copy.line_end())?;
    let indent = indentation(src, copy_node.start_byte());
    let keyword = manifest_keyword(&copy.copy);
    let flags: String = copy
        .copy
        .flags()
        .iter()
        .map(|f| format!(" {}", copy.copy.text(f.node)))
        .collect();
    let dest = args.dest.text.trim_end_matches('/');
    let dest = if dest.is_empty() { "/" } else { dest };
    let lines: Vec<String> = found
        .copies
        .iter()
        .map(|c| {
            let to = match (dest, c.dir.as_str()) {
                ("/", "") => "/".to_owned(),
                ("/", dir) => format!("/{dir}/"),
                (dest, "") => format!("{dest}/"),
                (dest, dir) => format!("{dest}/{dir}/"),
            };
            format!("{keyword}{flags} {} {to}", c.sources.join(" "))
        })
        .collect();
    let manifest_copy = lines.join(&format!("{nl}{indent}"));
    let mut edits = vec![Edit::replace(
        copy_node.start_byte()..copy.copy.line_end(),
        manifest_copy,
    )];
    match run_edit(run, commands, install)? {
        RunEdit::After => edits.push(insert_line_after_with(run, copy_text, nl)),
        RunEdit::SplitBefore(split) => {
            let previous = commands.commands.get(split.checked_sub(1)?)?;
            let next = commands.commands.get(split)?;
            let run_indent = indentation(src, run.node().start_byte());
            let run_flags: String = run
                .flags()
                .iter()
                .map(|f| format!(" {}", run.text(f.node)))
                .collect();
            edits.push(Edit::replace(
                previous.range.end..next.range.start,
                format!(
                    "{nl}{run_indent}{copy_text}{nl}{run_indent}{}{run_flags} ",
                    run.keyword_text()
                ),
            ));
        }
    }
    Some((edits, between))
}

/// COPY for the manifests, in the case the keyword is written in; ADD only when a
/// flag of the original needs it.
fn manifest_keyword<'t>(copy: &Instruction<'t>) -> &'t str {
    let keyword = copy.keyword_text();
    let copy_flags = ["chown", "chmod", "link", "exclude", "parents"];
    if copy.kind() == InstructionKind::Copy
        || copy.flags().iter().any(|f| !copy_flags.contains(&f.name()))
    {
        return keyword;
    }
    if keyword.chars().any(|c| c.is_ascii_lowercase()) {
        "copy"
    } else {
        "COPY"
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::testing::{findings, fixed, fixed_in, fixes, run_in};
    use super::*;
    use crate::analysis::dockerignore_rules::ignore_rules;
    use crate::analysis::settings::Context;

    const ID: &str = "copy-before-dependency-install";

    fn in_project(entries: &[&str]) -> Context {
        Context {
            project: Some(Arc::new(ProjectFiles::new(entries.iter().map(|e| {
                match e.strip_suffix('/') {
                    Some(dir) => (dir.to_owned(), true),
                    None => ((*e).to_owned(), false),
                }
            })))),
            ..Context::default()
        }
    }

    fn applicability(text: &str, context: &Context) -> Vec<Option<Applicability>> {
        run_in(ID, text, context)
            .into_iter()
            .map(|f| f.fix.map(|x| x.applicability))
            .collect()
    }

    #[test]
    fn the_whole_context_before_npm_ci() {
        let text = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n";
        let found = findings(ID, text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "3:6-3:7");
        insta::assert_snapshot!(found[0].1, @"`.` copies the whole build context before `npm ci`: any change to the source re-runs the install; copy `package*.json` before it and the rest after it");
    }

    #[test]
    fn a_known_node_project_gets_a_safe_fix() {
        let context = in_project(&["package.json", "package-lock.json", "src/"]);
        let text = "FROM node:20\nWORKDIR /app\nCOPY --chown=node:node --link . .\nENV NODE_ENV=production\nRUN npm ci --omit=dev\nCMD [\"node\", \"src/index.js\"]\n";
        assert_eq!(applicability(text, &context), [Some(Applicability::Safe)]);
        insta::assert_snapshot!(fixed_in(ID, text, &context), @r#"
            FROM node:20
            WORKDIR /app
            COPY --chown=node:node --link package.json package-lock.json ./
            ENV NODE_ENV=production
            RUN npm ci --omit=dev
            COPY --chown=node:node --link . .
            CMD ["node", "src/index.js"]
            "#);
    }

    #[test]
    fn without_a_listing_globs_tolerate_missing_lock_files() {
        let text = "FROM node:20\nWORKDIR /app\nCOPY . /app\nRUN yarn install --frozen-lockfile\n";
        assert_eq!(fixes(ID, text).len(), 1);
        assert_eq!(
            applicability(text, &Context::default()),
            [Some(Applicability::Unsafe)]
        );
        insta::assert_snapshot!(fixed(ID, text), @r"
            FROM node:20
            WORKDIR /app
            COPY package.json yarn.lock* /app/
            RUN yarn install --frozen-lockfile
            COPY . /app
            ");
    }

    #[test]
    fn a_run_that_goes_on_with_the_build_is_split() {
        let text = "FROM node:20 AS build\nWORKDIR /app\nCOPY . .\nRUN --mount=type=cache,target=/root/.npm npm ci \\\n    && npm run build \\\n    && npm prune --omit=dev\n";
        insta::assert_snapshot!(fixed(ID, text), @r"
            FROM node:20 AS build
            WORKDIR /app
            COPY package*.json ./
            RUN --mount=type=cache,target=/root/.npm npm ci
            COPY . .
            RUN --mount=type=cache,target=/root/.npm npm run build \
                && npm prune --omit=dev
            ");
    }

    #[test]
    fn manifests_are_copied_with_copy_even_after_add() {
        assert_eq!(
            fixed(
                ID,
                "FROM node:20\nWORKDIR /app\nADD --chown=1000 . .\nRUN npm ci\n"
            ),
            "FROM node:20\nWORKDIR /app\nCOPY --chown=1000 package*.json ./\nRUN npm ci\nADD --chown=1000 . .\n"
        );
        assert_eq!(
            fixed(ID, "from node:20\nworkdir /app\nadd . .\nrun npm ci\n"),
            "from node:20\nworkdir /app\ncopy package*.json ./\nrun npm ci\nadd . .\n"
        );
    }

    #[test]
    fn crlf_line_ends_are_kept() {
        let text = "FROM node:20\r\nWORKDIR /app\r\nCOPY . .\r\nRUN npm ci && \\\r\n    npm run build\r\nCMD [\"npm\", \"start\"]\r\n";
        assert_eq!(
            fixed(ID, text),
            "FROM node:20\r\nWORKDIR /app\r\nCOPY package*.json ./\r\nRUN npm ci\r\nCOPY . .\r\nRUN npm run build\r\nCMD [\"npm\", \"start\"]\r\n"
        );
    }

    #[test]
    fn pip_requirements_files_are_copied_by_name() {
        let context = in_project(&["requirements.txt", "constraints.txt", "app/"]);
        let text = "FROM python:3.12-slim\nWORKDIR /srv\nCOPY . .\nRUN pip install --no-cache-dir -r requirements.txt -c constraints.txt \\\n && python manage.py collectstatic --noinput\n";
        assert_eq!(applicability(text, &context), [Some(Applicability::Safe)]);
        insta::assert_snapshot!(fixed_in(ID, text, &context), @r"
            FROM python:3.12-slim
            WORKDIR /srv
            COPY requirements.txt constraints.txt ./
            RUN pip install --no-cache-dir -r requirements.txt -c constraints.txt
            COPY . .
            RUN python manage.py collectstatic --noinput
            ");
    }

    #[test]
    fn requirements_in_a_subdirectory_and_an_absolute_destination() {
        let text = "FROM python:3.12-slim\nCOPY . /srv/app\nRUN pip install -r /srv/app/requirements/prod.txt\n";
        insta::assert_snapshot!(fixed(ID, text), @r"
            FROM python:3.12-slim
            COPY requirements/prod.txt /srv/app/requirements/
            RUN pip install -r /srv/app/requirements/prod.txt
            COPY . /srv/app
            ");
    }

    #[test]
    fn a_workdir_below_the_destination_copies_from_that_directory() {
        let text = "FROM golang:1.22\nCOPY . /src\nWORKDIR /src/server\nRUN go mod download\n";
        insta::assert_snapshot!(fixed(ID, text), @r"
            FROM golang:1.22
            COPY server/go.mod server/go.sum* /src/server/
            WORKDIR /src/server
            RUN go mod download
            COPY . /src
            ");
    }

    #[test]
    fn cd_in_the_run_and_the_escape_directive() {
        let text = "# escape=`\nFROM ruby:3.3\nCOPY . /app\nRUN cd /app && `\n    bundle install\n";
        insta::assert_snapshot!(fixed(ID, text), @r"
            # escape=`
            FROM ruby:3.3
            COPY Gemfile Gemfile.lock* /app/
            RUN cd /app && `
                bundle install
            COPY . /app
            ");
    }

    #[test]
    fn tools_and_their_manifests() {
        let context = in_project(&[
            "pyproject.toml",
            "poetry.lock",
            "Pipfile",
            "go.mod",
            "pom.xml",
            "mvnw",
            ".mvn/",
            "uv.lock",
        ]);
        let manifests_for = |run: &str| {
            let text = format!("FROM x\nWORKDIR /w\nCOPY . .\nRUN {run}\n");
            let found = run_in(ID, &text, &context);
            let fix = found.first().and_then(|f| f.fix.clone());
            fix.map(|f| (f.title.clone(), f.applicability))
        };
        insta::assert_debug_snapshot!([
            manifests_for("poetry install --no-root"),
            manifests_for("poetry install"),
            manifests_for("pipenv install --deploy --system"),
            manifests_for("uv sync --frozen --no-install-project"),
            manifests_for("go mod download"),
            manifests_for("./mvnw -B dependency:go-offline"),
            manifests_for("python3 -m pip install -r requirements.txt"),
        ], @r#"
            [
                Some(
                    (
                        "Copy `pyproject.toml` and `poetry.lock` before `poetry install --no-root` and the rest after it",
                        Safe,
                    ),
                ),
                Some(
                    (
                        "Copy `pyproject.toml` and `poetry.lock` before `poetry install` and the rest after it",
                        Unsafe,
                    ),
                ),
                Some(
                    (
                        "Copy `Pipfile` before `pipenv install --deploy --system` and the rest after it",
                        Safe,
                    ),
                ),
                Some(
                    (
                        "Copy `pyproject.toml` and `uv.lock` before `uv sync --frozen --no-install-project` and the rest after it",
                        Safe,
                    ),
                ),
                Some(
                    (
                        "Copy `go.mod` before `go mod download` and the rest after it",
                        Safe,
                    ),
                ),
                Some(
                    (
                        "Copy `pom.xml`, `mvnw` and `.mvn` before `./mvnw -B dependency:go-offline` and the rest after it",
                        Safe,
                    ),
                ),
                None,
            ]
            "#);
    }

    #[test]
    fn the_maven_wrapper_and_its_directory() {
        let context = in_project(&["pom.xml", "mvnw", ".mvn/", "src/"]);
        let text = "FROM eclipse-temurin:21-jdk\nWORKDIR /build\nCOPY . .\nRUN ./mvnw -B dependency:go-offline\nRUN ./mvnw -B package\n";
        insta::assert_snapshot!(fixed_in(ID, text, &context), @r"
            FROM eclipse-temurin:21-jdk
            WORKDIR /build
            COPY pom.xml mvnw ./
            COPY .mvn ./.mvn/
            RUN ./mvnw -B dependency:go-offline
            COPY . .
            RUN ./mvnw -B package
            ");
    }

    #[test]
    fn cargo_fetch_is_reported_without_a_fix() {
        let text = "FROM rust:1.79\nWORKDIR /usr/src/app\nCOPY . .\nRUN cargo fetch\n";
        assert_eq!(fixes(ID, text), [None]);
        insta::assert_snapshot!(findings(ID, text)[0].1, @"`.` copies the whole build context before `cargo fetch`: any change to the source re-runs the install; copy Cargo.toml and Cargo.lock with a placeholder `src/main.rs` first (cargo needs a target), or use cargo-chef");
    }

    #[test]
    fn no_fix_when_moving_the_copy_would_change_things() {
        for text in [
            // A workdir between: the relative destination would move.
            "FROM node:20\nWORKDIR /app\nCOPY . .\nWORKDIR /app/sub\nRUN cd .. && npm ci\n",
            // The RUN needs the source before the install.
            "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN ./scripts/prepare.sh && npm ci\n",
            // The rest of the RUN cannot be split off (`;`).
            "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci; npm run build\n",
            // A heredoc RUN that goes on with the build.
            "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN <<EOF\nnpm ci\nnpm run build\nEOF\n",
            // Several sources.
            "FROM node:20\nWORKDIR /app\nCOPY . extra/ ./\nRUN npm ci\n",
        ] {
            assert_eq!(fixes(ID, text), [None], "{text}");
        }
    }

    #[test]
    fn steps_between_that_may_need_the_source_make_it_unsafe() {
        let context = in_project(&["package.json", "package-lock.json"]);
        let text = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN chmod +x bin/*\nRUN npm ci\n";
        assert_eq!(applicability(text, &context), [Some(Applicability::Unsafe)]);
    }

    #[test]
    fn missing_or_ignored_manifests() {
        let context = in_project(&["src/"]);
        assert_eq!(
            applicability("FROM node:20\nWORKDIR /a\nCOPY . .\nRUN npm ci\n", &context),
            [None]
        );
        let context = Context {
            dockerignore: Some(Arc::new(ignore_rules("package-lock.json\n"))),
            ..in_project(&["package.json", "package-lock.json"])
        };
        let found = run_in(
            ID,
            "FROM node:20\nWORKDIR /a\nCOPY . .\nRUN npm ci\n",
            &context,
        );
        assert_eq!(
            found[0].fix.as_ref().map(|f| f.title.as_str()),
            Some("Copy `package.json` before `npm ci` and the rest after it")
        );
    }

    #[test]
    fn near_misses() {
        for text in [
            // Manifests first already.
            "FROM node:20\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\n",
            // Installs that need the source or add named packages.
            "FROM python:3\nWORKDIR /app\nCOPY . .\nRUN pip install .\nRUN pip install -e . -r requirements.txt\n",
            "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install express\nRUN npm run build\n",
            // A copy from another stage, or of one directory.
            "FROM node:20\nWORKDIR /app\nCOPY --from=deps /app .\nCOPY src/ src/\nRUN npm ci\n",
            // The install runs elsewhere.
            "FROM node:20\nCOPY . /src\nWORKDIR /app\nRUN npm ci\n",
            // Another stage.
            "FROM node:20 AS a\nWORKDIR /app\nCOPY . .\nFROM node:20\nWORKDIR /app\nRUN npm ci\n",
            // Exec form is not parsed.
            "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN [\"npm\", \"ci\"]\n",
        ] {
            assert!(findings(ID, text).is_empty(), "{text}");
        }
    }

    #[test]
    fn paths_resolve_like_docker() {
        assert_eq!(resolve(Some("/app"), "./sub/.."), "/app");
        assert_eq!(resolve(None, "."), ".");
        assert_eq!(resolve(None, "/x/"), "/x");
        assert_eq!(relative_to("/app", "/app/web").as_deref(), Some("web"));
        assert_eq!(relative_to("/app", "/application"), None);
        assert_eq!(relative_to(".", "web").as_deref(), Some("web"));
        assert_eq!(relative_to(".", "/web"), None);
        assert_eq!(relative_to("/", "/web").as_deref(), Some("web"));
    }
}
