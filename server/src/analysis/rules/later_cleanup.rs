//! Cleanups in a later RUN than the one that left the files: the bytes stay in the earlier layer.

use super::npm::{NPM_INSTALL, NPM_OPTIONS, fills_cache};
use super::npm_dev_dependencies::NPM_CI;
use super::package_args::{has_option, mentions, option_value, subcommand};
use super::package_cache::{cache_targets, covered, stage_ships};
use super::{Check, Findings, Rule, apt::APT_OPTIONS, pip};
use crate::analysis::fixes::command_removal::remove_commands;
use crate::analysis::fixes::heredoc_script::{append_to_heredoc_script, remove_script_lines};
use crate::analysis::fixes::lines::delete_instruction;
use crate::analysis::fixes::run_chain::append_command;
use crate::analysis::model::StageModel;
use crate::analysis::shell::{self, Command, RunCommands, Word};
use crate::syntax::{Applicability, Edit, Fix, Instruction, InstructionKind, Severity};

pub static CLEANUP_IN_LATER_LAYER: Rule = Rule {
    id: "cleanup-in-later-layer",
    summary: "Clean up in the RUN that made the files, not in a later one",
    severity: Severity::Warning,
    aliases: &[],
    explanation: "Each RUN is a layer, and an image is all of its layers: deleting files in a later \
RUN hides them but does not take their bytes out of the layer that wrote them, so the image is as \
large as before (plus a layer). `RUN rm -rf /var/lib/apt/lists/*`, `RUN apt-get clean`, \
`RUN rm -rf /root/.cache`, `RUN npm cache clean --force`, `RUN yarn cache clean`, \
`RUN rm -rf /var/cache/apk/*` or `RUN rm node.tar.gz` after the RUN that downloaded them save \
nothing. The cleanup has to end the RUN that made the mess, joined with `&&`.\n\n\
The fix moves the cleanup to the end of that RUN. It is not offered when a RUN between may still \
use what is removed (an install that needs the package lists; for a downloaded file, any RUN, since \
a script may read it), or when either command chain cannot be edited safely. Not reported: a cleanup in the same RUN, one \
whose files came from another stage, a cache that a `--mount=type=cache` keeps out of the layers, \
and stages that no image ships (a builder stage that is only copied from).",
    bad: "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\nRUN rm -rf /var/lib/apt/lists/*\n",
    good: "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl \\\n && rm -rf /var/lib/apt/lists/*\n",
    tags: &[],
    fixable: true,
    enabled_by_default: true,
    check: Check::Stage(check),
};

/// What a command leaves in its layer that a later cleanup may remove.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Leftover {
    /// apt's package lists, /var/lib/apt/lists.
    AptLists,
    /// apt's downloaded packages and caches, /var/cache/apt.
    AptCache,
    /// apk's index cache, /var/cache/apk.
    ApkCache,
    /// pip's cache, ~/.cache/pip.
    PipCache,
    /// npm's cache, ~/.npm.
    NpmCache,
    /// yarn's cache.
    YarnCache,
    /// A downloaded file, by its absolute path (or a path relative to an unknown
    /// WORKDIR, the same in every RUN of the stage).
    File(String),
}

/// What a leftover was left by: the RUN (an index in the stage) and the command.
#[derive(Debug, Clone)]
struct Left {
    what: Leftover,
    run: usize,
    by: String,
}

/// One finding: a cleanup command and the RUN that left what it removes.
struct Late {
    /// Index of the cleaning command in its RUN's commands.
    command: usize,
    /// The creating RUN, when every target of the command comes from it.
    creator: Option<usize>,
    what: Vec<Leftover>,
    by: String,
}

fn check(model: &StageModel<'_, '_>, findings: &mut Findings) {
    let instructions = &model.stage.instructions;
    // Most stages clean nothing: decided without parsing.
    let Some(last) = instructions
        .iter()
        .rposition(|i| ["rm", "clean", "purge"].iter().any(|w| mentions(i, w)))
    else {
        return;
    };
    if !stage_ships(model) {
        return;
    }
    let mut left: Vec<Left> = Vec::new();
    for (at, run) in instructions.iter().enumerate().take(last + 1) {
        if run.kind() != InstructionKind::Run {
            continue;
        }
        let found = shell::run_commands(run);
        if !found.complete {
            // What the unparsed part makes or removes is unknown.
            left.clear();
            continue;
        }
        let targets = cache_targets(run);
        let workdir = model
            .workdir_at(at)
            .map_or_else(String::new, |w| w.value.clone());
        let mut late: Vec<Late> = Vec::new();
        let mut cd = false;
        for (index, command) in found.commands.iter().enumerate() {
            if command.basename() == "cd" || command.basename() == "pushd" {
                cd = true;
            }
            let dir = (!cd).then_some(workdir.as_str());
            let removed = cleaned(command, dir, &targets);
            if !removed.is_empty() {
                let mut earlier: Vec<Left> = Vec::new();
                // Whether moving the command removes only what earlier RUNs left.
                let mut movable = true;
                for removal in &removed {
                    let (here, before): (Vec<Left>, Vec<Left>) = left
                        .iter()
                        .filter(|l| removal.matches(&l.what))
                        .cloned()
                        .partition(|l| l.run == at);
                    movable &= here.is_empty() && removal.exact(&before);
                    left.retain(|l| !removal.matches(&l.what));
                    earlier.extend(before);
                }
                if let Some(first) = earlier.first() {
                    let same = earlier.iter().all(|l| l.run == first.run);
                    late.push(Late {
                        command: index,
                        creator: (same && movable).then_some(first.run),
                        what: earlier.iter().map(|l| l.what.clone()).collect(),
                        by: first.by.clone(),
                    });
                }
            }
            for what in created(model, at, command, dir, &targets) {
                left.retain(|l| l.what != what);
                left.push(Left {
                    what,
                    run: at,
                    by: made_by(command),
                });
            }
        }
        report(model, at, run, &found, &late, findings);
    }
}

/// Reports the late cleanups of one RUN, with a fix per creating RUN that moves
/// them all there.
fn report(
    model: &StageModel<'_, '_>,
    at: usize,
    run: &Instruction<'_>,
    found: &RunCommands,
    late: &[Late],
    findings: &mut Findings,
) {
    let mut fixes: Vec<(usize, Option<Fix>)> = Vec::new();
    for item in late {
        let Some(command) = found.commands.get(item.command) else {
            continue;
        };
        let fix = item.creator.and_then(|creator| {
            if let Some((_, fix)) = fixes.iter().find(|(c, _)| *c == creator) {
                return fix.clone();
            }
            let group: Vec<&Late> = late.iter().filter(|l| l.creator == Some(creator)).collect();
            let fix = move_fix(model, creator, at, run, found, &group);
            fixes.push((creator, fix.clone()));
            fix
        });
        let message = format!(
            "`{}` removes what `{}` left in an earlier RUN: the bytes stay in that layer and the image does not shrink; clean up in the RUN that made them",
            shown(run, command),
            item.by
        );
        match fix {
            Some(fix) => findings.report_fix(command.range.clone(), message, fix),
            None => findings.report(command.range.clone(), message),
        }
    }
}

/// The cleanup commands of `group` appended to the creating RUN and taken out of
/// this one (the whole RUN when they are all it does).
fn move_fix(
    model: &StageModel<'_, '_>,
    creator: usize,
    at: usize,
    run: &Instruction<'_>,
    found: &RunCommands,
    group: &[&Late],
) -> Option<Fix> {
    let instructions = &model.stage.instructions;
    let target = instructions.get(creator)?;
    // Flags of the cleaning RUN (a mount, the network) might matter to it.
    if !run.flags().is_empty() && flag_words(run) != flag_words(target) {
        return None;
    }
    let indices: Vec<usize> = group.iter().map(|l| l.command).collect();
    for item in group {
        // What runs before the cleanup in its RUN, less the cleanups that move with it.
        let before: Vec<&Command> = found
            .commands
            .iter()
            .take(item.command)
            .enumerate()
            .filter(|(i, _)| !indices.contains(i))
            .map(|(_, c)| c)
            .collect();
        if !item
            .what
            .iter()
            .all(|what| unused_between(model, creator, at, &before, what))
        {
            return None;
        }
    }
    let mut texts = Vec::new();
    for item in group {
        let command = found.commands.get(item.command)?;
        let text = run.logical(command.range.clone());
        let text = text.trim();
        if text.contains('\n') || text.is_empty() {
            return None;
        }
        texts.push(text.to_owned());
    }
    let target_run = shell::run_commands(target);
    let moved = texts.join(" && ");
    let append = append_command(target, &target_run, &moved)
        .or_else(|| append_to_heredoc_script(target, &target_run, &moved))?;
    let mut edits: Vec<Edit> = if indices.len() == found.commands.len() {
        vec![delete_instruction(run)]
    } else {
        remove_commands(found, &indices).or_else(|| remove_script_lines(run, found, &indices))?
    };
    edits.push(append);
    Some(Fix::new(
        "Move the cleanup into the RUN that made the files",
        Applicability::Safe,
        edits,
    ))
}

/// Whether nothing between the creating RUN and the cleanup needs what the cleanup
/// removes, so that removing it earlier changes nothing: caches are never needed,
/// package lists and indexes are needed by their package manager, and a file by
/// any command (so none may come between).
fn unused_between(
    model: &StageModel<'_, '_>,
    creator: usize,
    at: usize,
    before: &[&Command],
    what: &Leftover,
) -> bool {
    let between = model.stage.instructions.get(creator + 1..at).unwrap_or(&[]);
    let mut runs_between = between.iter().filter(|i| i.kind() == InstructionKind::Run);
    let uses: fn(&Command) -> bool = match what {
        Leftover::AptCache | Leftover::PipCache | Leftover::NpmCache | Leftover::YarnCache => {
            return true;
        }
        // Any command may read a file without naming it (`tar xzf *.tgz`, a script).
        Leftover::File(_) => return runs_between.next().is_none() && before.is_empty(),
        Leftover::AptLists => |c| {
            matches!(
                c.basename(),
                "apt-get" | "apt" | "apt-cache" | "aptitude" | "apt-mark"
            )
        },
        Leftover::ApkCache => |c| c.basename() == "apk",
    };
    !before.iter().any(|c| uses(c))
        && runs_between.all(|i| {
            let commands = shell::run_commands(i);
            commands.complete && i.shell_command().is_some() && !commands.commands.iter().any(uses)
        })
}

/// What a command removes.
#[derive(Debug)]
enum Removal {
    Cache(Leftover),
    /// A path; `tree`: everything under it goes too (`rm -r dir`, `rm dir/*`).
    Path {
        path: String,
        tree: bool,
    },
}

impl Removal {
    fn matches(&self, what: &Leftover) -> bool {
        match (self, what) {
            (Removal::Cache(kind), what) => kind == what,
            (Removal::Path { path, tree }, Leftover::File(file)) => {
                file == path
                    || (*tree
                        && file
                            .strip_prefix(path.as_str())
                            .is_some_and(|rest| rest.starts_with('/')))
            }
            _ => false,
        }
    }

    /// Whether the removal, done earlier, removes only what `hits` left: a cache
    /// (whoever made it), or exactly a downloaded file (not a directory or glob
    /// holding more).
    fn exact(&self, hits: &[Left]) -> bool {
        match self {
            Removal::Cache(_) => true,
            Removal::Path { path, .. } => hits
                .iter()
                .any(|l| matches!(&l.what, Leftover::File(f) if f == path)),
        }
    }
}

/// What a command cleans up: `rm` of caches or files, or a package manager's own clean.
fn cleaned(command: &Command, dir: Option<&str>, targets: &[String]) -> Vec<Removal> {
    let mut removals = Vec::new();
    let sub = |syntax| subcommand(&command.args, syntax);
    match command.basename() {
        "rm" => {
            let recursive = has_option(&command.args, &["-r", "-R", "--recursive"]);
            for operand in command.positional() {
                let glob_dir = operand.text.strip_suffix("/*");
                let plain = glob_dir.unwrap_or(&operand.text).trim_end_matches('/');
                match cache_of(plain) {
                    Some(kind) => removals.push(Removal::Cache(kind)),
                    None => {
                        if let Some(path) = resolve(plain, dir) {
                            removals.push(Removal::Path {
                                path,
                                tree: recursive || glob_dir.is_some(),
                            });
                        }
                    }
                }
            }
        }
        "apt-get" | "apt" => match sub(APT_OPTIONS).map(|(s, _)| s.text.as_str()) {
            Some("clean") => removals.push(Removal::Cache(Leftover::AptCache)),
            Some("dist-clean" | "distclean") => {
                removals.push(Removal::Cache(Leftover::AptCache));
                removals.push(Removal::Cache(Leftover::AptLists));
            }
            _ => {}
        },
        "npm" | "yarn" | "pip" | "pip3" | "apk" => {
            let words: Vec<&str> = command
                .positional()
                .iter()
                .map(|w| w.text.as_str())
                .collect();
            let kind = match (command.basename(), words.as_slice()) {
                ("npm", ["cache", "clean" | "rm" | "clear", ..]) => Some(Leftover::NpmCache),
                ("yarn", ["cache", "clean", ..]) => Some(Leftover::YarnCache),
                ("pip" | "pip3", ["cache", "purge" | "remove", ..]) => Some(Leftover::PipCache),
                ("apk", ["cache", "clean" | "purge", ..]) => Some(Leftover::ApkCache),
                _ => None,
            };
            removals.extend(kind.map(Removal::Cache));
        }
        _ => {}
    }
    // A cleanup of a cache mount cleans the mount, not a layer.
    removals.retain(|r| match r {
        Removal::Cache(kind) => !mounted(kind, targets),
        Removal::Path { path, .. } => !covered(targets, path),
    });
    removals
}

/// The cache a removed path is (or holds), by where package managers keep them.
fn cache_of(path: &str) -> Option<Leftover> {
    let under =
        |dir: &str| path == dir || path.strip_prefix(dir).is_some_and(|r| r.starts_with('/'));
    if under("/var/lib/apt/lists") || path == "/var/lib/apt" {
        Some(Leftover::AptLists)
    } else if under("/var/cache/apt") {
        Some(Leftover::AptCache)
    } else if under("/var/cache/apk") {
        Some(Leftover::ApkCache)
    } else if path.ends_with("/.cache") || path.ends_with("/.cache/pip") || path == "~/.cache" {
        Some(Leftover::PipCache)
    } else if path.ends_with("/.npm") || path.ends_with("/.npm/_cacache") {
        Some(Leftover::NpmCache)
    } else if ["cache/yarn", ".yarn/cache", ".yarn/berry/cache"]
        .iter()
        .any(|d| path.ends_with(d))
    {
        Some(Leftover::YarnCache)
    } else {
        None
    }
}

/// Whether a cache or tmpfs mount of the RUN holds the cache.
fn mounted(kind: &Leftover, targets: &[String]) -> bool {
    let ends = |suffixes: &[&str]| {
        targets
            .iter()
            .any(|t| suffixes.iter().any(|s| t.ends_with(s)))
    };
    match kind {
        Leftover::AptLists => covered(targets, "/var/lib/apt/lists"),
        Leftover::AptCache => covered(targets, "/var/cache/apt"),
        Leftover::ApkCache => {
            covered(targets, "/var/cache/apk") || covered(targets, "/etc/apk/cache")
        }
        Leftover::PipCache => ends(&["/.cache", "/.cache/pip"]),
        Leftover::NpmCache => ends(&["/.npm", "/.npm/_cacache"]),
        Leftover::YarnCache => targets
            .iter()
            .any(|t| t.contains("yarn") || t.ends_with("/.cache")),
        Leftover::File(path) => covered(targets, path),
    }
}

/// `path` made absolute against the RUN's working directory (`None` after a `cd`,
/// or for a value only known at run time that cannot be compared).
fn resolve(path: &str, dir: Option<&str>) -> Option<String> {
    if path.is_empty() || path.starts_with('-') || path.contains(['*', '?']) {
        return None;
    }
    if path.starts_with('/') {
        return Some(path.to_owned());
    }
    let dir = dir?;
    let path = path.strip_prefix("./").unwrap_or(path);
    Some(format!("{}/{path}", dir.trim_end_matches('/')))
}

/// What a command leaves behind in its layer.
fn created(
    model: &StageModel<'_, '_>,
    at: usize,
    command: &Command,
    dir: Option<&str>,
    targets: &[String],
) -> Vec<Leftover> {
    let mut made = Vec::new();
    match command.basename() {
        "apt-get" | "apt" => match subcommand(&command.args, APT_OPTIONS)
            .map(|(s, _)| s.text.as_str())
        {
            Some("update") => made.extend([Leftover::AptLists, Leftover::AptCache]),
            Some(
                "install" | "upgrade" | "dist-upgrade" | "full-upgrade" | "reinstall" | "build-dep",
            ) => made.push(Leftover::AptCache),
            _ => {}
        },
        "apk" => {
            let sub = command.subcommand().map(|s| s.text.as_str());
            let no_cache = has_option(&command.args, &["--no-cache"]);
            if sub == Some("update") || (sub == Some("add") && !no_cache) {
                made.push(Leftover::ApkCache);
            }
        }
        "npm" => {
            let sub = subcommand(&command.args, NPM_OPTIONS).map(|(s, _)| s.text.as_str());
            if sub.is_some_and(|s| NPM_INSTALL.contains(&s) || NPM_CI.contains(&s)) {
                made.push(Leftover::NpmCache);
            }
        }
        "yarn" => {
            if fills_cache(command).is_some() {
                made.push(Leftover::YarnCache);
            }
        }
        "curl" | "wget" => made.extend(download(command, dir).map(Leftover::File)),
        _ => {
            let pip_cache = pip::install(command).is_some_and(|i| {
                !i.pipx
                    && !has_option(i.args, &["--no-cache-dir"])
                    && !command
                        .assignments
                        .iter()
                        .any(|a| a.text.starts_with("PIP_NO_CACHE_DIR="))
                    && model.lookup("PIP_NO_CACHE_DIR", at).is_none()
            });
            if pip_cache {
                made.push(Leftover::PipCache);
            }
        }
    }
    made.retain(|what| !mounted(what, targets));
    made
}

/// The file a `curl`/`wget` command writes: `-o`/`-O` values, or the URL's last
/// part for `curl -O` and a plain `wget`.
fn download(command: &Command, dir: Option<&str>) -> Option<String> {
    let args = &command.args;
    let curl = command.basename() == "curl";
    let (short, long) = if curl {
        ('o', &["--output"][..])
    } else {
        ('O', &["--output-document"][..])
    };
    let named = option_value(args, long)
        .map(str::to_owned)
        .or_else(|| short_value(args, short));
    let path = match named {
        Some(path) => path,
        None => {
            let remote_name = if curl {
                has_option(args, &["-O", "--remote-name"])
            } else {
                option_value(args, &["-P", "--directory-prefix"]).is_none()
                    && short_value(args, 'P').is_none()
            };
            if !remote_name {
                return None;
            }
            let urls: Vec<&Word> = args.iter().filter(|a| a.text.contains("://")).collect();
            let [url] = urls.as_slice() else {
                return None;
            };
            let name = url.text.split(['?', '#']).next()?.rsplit('/').next()?;
            if name.is_empty() || name.contains(':') {
                return None;
            }
            name.to_owned()
        }
    };
    if path == "-" || path.starts_with("/dev/") {
        return None;
    }
    resolve(&path, dir)
}

/// The value of a one-letter option, alone (`-o file`) or ending a bundle (`-fsSLo file`,
/// `-qO-`), or attached (`-ofile`).
fn short_value(args: &[Word], letter: char) -> Option<String> {
    let mut found = None;
    let mut words = args.iter().take_while(|w| w.text != "--");
    while let Some(word) = words.next() {
        let Some(bundle) = word.text.strip_prefix('-').filter(|b| !b.starts_with('-')) else {
            continue;
        };
        if let Some((_, value)) = bundle.split_once(letter) {
            found = if value.is_empty() {
                words.next().map(|w| w.text.clone())
            } else {
                Some(value.to_owned())
            };
        }
    }
    found
}

/// How the finding names the command that left the files: `apt-get update`, `curl`.
fn made_by(command: &Command) -> String {
    let name = command.basename();
    let sub = match name {
        "apt-get" | "apt" => subcommand(&command.args, APT_OPTIONS).map(|(s, _)| s),
        "npm" => subcommand(&command.args, NPM_OPTIONS).map(|(s, _)| s),
        "curl" | "wget" => None,
        _ if pip::install(command).is_some() => return "pip install".to_owned(),
        _ => command.subcommand(),
    };
    match sub {
        Some(sub) => format!("{name} {}", sub.text),
        None => name.to_owned(),
    }
}

/// A command's text for a message, shortened.
fn shown(run: &Instruction<'_>, command: &Command) -> String {
    let text = run.logical(command.range.clone());
    let text = text.trim();
    match text.char_indices().nth(60) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// The flags as BuildKit reads them, in a canonical order.
fn flag_words(instruction: &Instruction<'_>) -> Vec<String> {
    let mut words: Vec<String> = instruction.flags().iter().map(|f| f.word()).collect();
    words.sort();
    words
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, fixed, fixed_all, fixes, flagged};
    use crate::syntax::Applicability;

    const ID: &str = "cleanup-in-later-layer";

    #[test]
    fn a_later_removal_of_the_package_lists_is_reported_on_the_command() {
        let text = "FROM debian\nRUN apt-get update && apt-get install -y curl\nRUN rm -rf /var/lib/apt/lists/*\n";
        let found = findings(ID, text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "3:5-3:32");
        insta::assert_snapshot!(found[0].1, @"`rm -rf /var/lib/apt/lists/*` removes what `apt-get update` left in an earlier RUN: the bytes stay in that layer and the image does not shrink; clean up in the RUN that made them");
        assert_eq!(
            fixes(ID, text),
            [Some((
                "Move the cleanup into the RUN that made the files".to_owned(),
                Applicability::Safe
            ))]
        );
        insta::assert_snapshot!(fixed(ID, text), @r"
        FROM debian
        RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
        ");
    }

    #[test]
    fn cleanups_move_together_in_the_creating_runs_style() {
        let text = "FROM debian\nRUN apt-get update \\\n    && apt-get install -y curl\nRUN apt-get clean && rm -rf /var/lib/apt/lists/*\nCMD [\"curl\"]\n";
        assert_eq!(
            flagged(ID, text),
            ["apt-get clean", "rm -rf /var/lib/apt/lists/*"]
        );
        insta::assert_snapshot!(fixed_all(ID, text), @r#"
        FROM debian
        RUN apt-get update \
            && apt-get install -y curl \
            && apt-get clean && rm -rf /var/lib/apt/lists/*
        CMD ["curl"]
        "#);
    }

    #[test]
    fn the_rest_of_the_later_run_stays() {
        let text = "# escape=`\nFROM debian\nRUN apt-get update && `\n    apt-get install -y curl\nRUN useradd app && `\n    rm -rf /var/lib/apt/lists/*\n";
        insta::assert_snapshot!(fixed(ID, text), @r"
        # escape=`
        FROM debian
        RUN apt-get update && `
            apt-get install -y curl && `
            rm -rf /var/lib/apt/lists/*
        RUN useradd app
        ");
    }

    #[test]
    fn package_manager_caches() {
        let text = "FROM python\n\
                    RUN pip install flask==3\nRUN rm -rf /root/.cache\n\
                    RUN npm ci\nRUN npm cache clean --force\n\
                    RUN yarn install\nRUN yarn cache clean\n\
                    RUN apk add curl\nRUN rm -rf /var/cache/apk/*\n\
                    RUN python3 -m pip install x==1\nRUN pip cache purge\n";
        let found = findings(ID, text);
        let messages: Vec<&str> = found.iter().map(|(_, m)| m.as_str()).collect();
        insta::assert_debug_snapshot!(messages, @r#"
        [
            "`rm -rf /root/.cache` removes what `pip install` left in an earlier RUN: the bytes stay in that layer and the image does not shrink; clean up in the RUN that made them",
            "`npm cache clean --force` removes what `npm ci` left in an earlier RUN: the bytes stay in that layer and the image does not shrink; clean up in the RUN that made them",
            "`yarn cache clean` removes what `yarn install` left in an earlier RUN: the bytes stay in that layer and the image does not shrink; clean up in the RUN that made them",
            "`rm -rf /var/cache/apk/*` removes what `apk add` left in an earlier RUN: the bytes stay in that layer and the image does not shrink; clean up in the RUN that made them",
            "`pip cache purge` removes what `pip install` left in an earlier RUN: the bytes stay in that layer and the image does not shrink; clean up in the RUN that made them",
        ]
        "#);
        insta::assert_snapshot!(fixed(ID, text), @r"
        FROM python
        RUN pip install flask==3 && rm -rf /root/.cache
        RUN npm ci && npm cache clean --force
        RUN yarn install && yarn cache clean
        RUN apk add curl && rm -rf /var/cache/apk/*
        RUN python3 -m pip install x==1 && pip cache purge
        ");
    }

    #[test]
    fn a_downloaded_archive_removed_later() {
        let text = "FROM debian\nWORKDIR /tmp\nRUN wget -q https://example.com/dist/app.tar.gz\nRUN rm app.tar.gz\n";
        assert_eq!(flagged(ID, text), ["rm app.tar.gz"]);
        insta::assert_snapshot!(fixed(ID, text), @r"
        FROM debian
        WORKDIR /tmp
        RUN wget -q https://example.com/dist/app.tar.gz && rm app.tar.gz
        ");
        let text = "FROM debian\nRUN curl -fsSLo /tmp/node.tgz https://example.com/node.tgz\nRUN tar xzf /tmp/node.tgz -C /usr/local\nRUN rm -f /tmp/node.tgz\n";
        assert_eq!(flagged(ID, text), ["rm -f /tmp/node.tgz"]);
        // The RUN between reads the archive: no fix.
        assert_eq!(fixes(ID, text), [None]);
        let text = "FROM debian\nRUN curl -O https://example.com/a.zip && unzip a.zip\nRUN rm -rf /tmp/x /a.zip\n";
        assert_eq!(flagged(ID, text), ["rm -rf /tmp/x /a.zip"]);
        assert_eq!(fixes(ID, text), [None]);
    }

    #[test]
    fn a_heredoc_script_takes_the_cleanup_on_its_last_line() {
        let text = "FROM debian\nRUN <<EOF\nset -e\napt-get update\napt-get install -y curl\nEOF\nRUN rm -rf /var/lib/apt/lists/*\n";
        insta::assert_snapshot!(fixed(ID, text), @r"
        FROM debian
        RUN <<EOF
        set -e
        apt-get update
        apt-get install -y curl && rm -rf /var/lib/apt/lists/*
        EOF
        ");
    }

    #[test]
    fn relative_paths_follow_workdir_but_not_cd() {
        let text = "FROM debian\nWORKDIR /src\nRUN curl -fsSLO https://example.com/v1/tool.tgz\nWORKDIR /\nRUN rm src/tool.tgz\n";
        assert_eq!(flagged(ID, text), ["rm src/tool.tgz"]);
        let text =
            "FROM debian\nRUN cd /tmp && curl -O https://example.com/a.tgz\nRUN rm /tmp/a.tgz\n";
        assert!(flagged(ID, text).is_empty());
    }

    #[test]
    fn no_fix_when_a_run_between_still_needs_the_lists() {
        let text = "FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\nRUN rm -rf /var/lib/apt/lists/*\n";
        assert_eq!(flagged(ID, text), ["rm -rf /var/lib/apt/lists/*"]);
        assert_eq!(fixes(ID, text), [None]);
        let text = "FROM debian\nRUN apt-get update && apt-get install -y a\nRUN apt-get install -y b && rm -rf /var/lib/apt/lists/*\n";
        assert_eq!(fixes(ID, text), [None]);
    }

    #[test]
    fn no_fix_when_a_chain_cannot_be_edited() {
        let text = "FROM debian\n\
                    RUN <<EOF\napt-get update\napt-get install -y x\n# done\nEOF\n\
                    RUN rm -rf /var/lib/apt/lists/*\n\
                    RUN pip install y==1 # deps\nRUN rm -rf /root/.cache\n\
                    RUN npm ci\nRUN echo a; npm cache clean --force\n";
        assert_eq!(fixes(ID, text), [None, None, None]);
    }

    #[test]
    fn near_misses() {
        let text = "FROM debian AS build\nRUN apt-get update && apt-get install -y gcc\n\
                    FROM debian\nRUN rm -rf /var/lib/apt/lists/*\n\
                    RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n\
                    RUN rm -rf /var/lib/apt/lists/*\n\
                    RUN --mount=type=cache,target=/root/.cache pip install x==1\nRUN rm -rf /root/.cache\n\
                    RUN pip install --no-cache-dir y==1\nRUN rm -rf /root/.cache\n\
                    RUN apk add --no-cache curl\nRUN rm -rf /var/cache/apk/*\n\
                    RUN npm ci\nRUN --mount=type=cache,target=/root/.npm npm cache clean --force\n\
                    ONBUILD RUN rm -rf /var/lib/apt/lists/*\n";
        assert!(flagged(ID, text).is_empty());
        // A builder stage that no image ships.
        let text = "FROM debian AS build\nRUN apt-get update && apt-get install -y gcc\nRUN rm -rf /var/lib/apt/lists/*\nFROM scratch\nCOPY --from=build /out /\n";
        assert!(flagged(ID, text).is_empty());
    }
}
