//! Whether a package manager's cache ends up in an image: RUN cache mounts, and stages that ship.

use super::package_args::has_option;
use crate::analysis::model::{Base, StageModel};
use crate::analysis::shell::Command;
use crate::syntax::{Instruction, InstructionKind};

/// The directories a RUN keeps out of its layer: the targets of its
/// `--mount=type=cache` and `--mount=type=tmpfs`, without trailing slashes.
pub(crate) fn cache_targets(instruction: &Instruction<'_>) -> Vec<String> {
    instruction
        .flags()
        .iter()
        .filter(|f| f.name() == "mount")
        .filter_map(|f| f.value())
        .filter_map(|value| {
            let mut kind = "bind".to_owned();
            let mut target = None;
            for field in value.split(',') {
                let (key, val) = field.split_once('=').unwrap_or((field, ""));
                match key.trim().to_ascii_lowercase().as_str() {
                    "type" => kind = val.trim().to_ascii_lowercase(),
                    "target" | "dst" | "destination" => target = Some(val.trim()),
                    _ => {}
                }
            }
            let target = target?;
            let trimmed = target.trim_end_matches('/');
            matches!(kind.as_str(), "cache" | "tmpfs")
                .then(|| if trimmed.is_empty() { "/" } else { trimmed }.to_owned())
        })
        .collect()
}

/// Whether `path` is one of `targets` or inside one.
pub(crate) fn covered(targets: &[String], path: &str) -> bool {
    let path = path.trim_end_matches('/');
    targets.iter().any(|t| {
        t == "/"
            || path == t
            || path
                .strip_prefix(t.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
    })
}

/// The RUNs of a stage whose leftovers end up in an image, with their index in the
/// stage and limited to those `wanted` takes: the stage's own RUNs when the stage
/// ships, and every ONBUILD RUN (those run in builds we cannot see: assume they ship).
pub(crate) fn shipped_runs<'t>(
    model: &StageModel<'_, 't>,
    wanted: impl Fn(&Instruction<'t>) -> bool,
) -> Vec<(usize, Instruction<'t>)> {
    let mut ships = None;
    let mut runs = Vec::new();
    for (at, instruction) in model.stage.instructions.iter().enumerate() {
        let (run, trigger) = match instruction.kind() {
            InstructionKind::Run => (*instruction, false),
            InstructionKind::Onbuild => match instruction.onbuild_trigger() {
                Some(trigger) => (trigger, true),
                None => continue,
            },
            _ => continue,
        };
        // Whether the stage ships is worked out once, and only for a RUN that matters.
        if wanted(&run) && (trigger || *ships.get_or_insert_with(|| stage_ships(model))) {
            runs.push((at, run));
        }
    }
    runs
}

/// Whether a stage's layers end up in an image: it is the last stage, or a later
/// stage that ships builds `FROM` it. Leftovers in a builder stage that is only
/// copied from cost nothing in the image (hadolint makes the same cut).
pub(crate) fn stage_ships(model: &StageModel<'_, '_>) -> bool {
    let stages = &model.file.stages;
    let mut ships = vec![false; stages.len()];
    for (i, stage) in stages.iter().enumerate().rev() {
        let shipped = i + 1 == stages.len() || ships.get(i).copied().unwrap_or(false);
        if shipped
            && let Base::Stage(parent) = stage.base
            && let Some(slot) = ships.get_mut(parent)
        {
            *slot = true;
        }
        if let Some(slot) = ships.get_mut(i) {
            *slot = shipped;
        }
    }
    ships.get(model.stage.index).copied().unwrap_or(true)
}

/// Whether a command deletes `dir` (or a directory holding it): `rm -r` of the
/// directory, its contents (`dir/*`) or an ancestor; or `find dir ... -delete`.
pub(crate) fn removes(command: &Command, dir: &str) -> bool {
    let holds = |path: &str| {
        let path = path.strip_suffix('*').unwrap_or(path).trim_end_matches('/');
        !path.is_empty()
            && (dir == path
                || dir
                    .strip_prefix(path)
                    .is_some_and(|rest| rest.starts_with('/')))
    };
    match command.basename() {
        "rm" => {
            has_option(&command.args, &["-r", "-R", "--recursive"])
                && command
                    .args
                    .iter()
                    .any(|a| !a.text.starts_with('-') && holds(&a.text))
        }
        "find" => {
            command.args.iter().any(|a| a.text == "-delete")
                && command.args.first().is_some_and(|a| holds(&a.text))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::model::FileModel;
    use crate::analysis::settings::Context;
    use crate::syntax::{self, Dockerfile, FileKind};

    fn targets(text: &str) -> Vec<String> {
        let tree = syntax::parse(FileKind::Dockerfile, text, None).unwrap();
        let file = Dockerfile::new(&tree, text);
        let run = file.instructions().nth(1).unwrap();
        cache_targets(&run)
    }

    #[test]
    fn cache_and_tmpfs_mounts_but_not_bind_mounts() {
        let text = "FROM a\nRUN --mount=type=cache,target=/var/cache/apt/ \\\n  --mount=target=/tmp,type=tmpfs --mount=type=bind,target=/src \\\n  --mount=type=cache,dst=/root/.cache make\n";
        assert_eq!(targets(text), ["/var/cache/apt", "/tmp", "/root/.cache"]);
        assert!(targets("FROM a\nRUN make\n").is_empty());
    }

    #[test]
    fn a_path_is_covered_by_its_own_target_or_an_ancestor() {
        let targets = vec!["/var/lib/apt".to_owned()];
        assert!(covered(&targets, "/var/lib/apt/lists"));
        assert!(covered(&targets, "/var/lib/apt/"));
        assert!(!covered(&targets, "/var/lib/aptitude"));
        assert!(!covered(&targets, "/var/lib"));
    }

    #[test]
    fn stages_ship_when_last_or_built_on_by_a_shipped_stage() {
        let text = "FROM a AS base\nFROM base AS build\nFROM a AS unused\nFROM unused AS also-unused\nFROM build\n";
        let tree = syntax::parse(FileKind::Dockerfile, text, None).unwrap();
        let file = Dockerfile::new(&tree, text);
        let model = FileModel::new(&file);
        let context = Context::default();
        let shipped: Vec<bool> = file
            .stages()
            .iter()
            .map(|s| stage_ships(&StageModel::new(s, &model, &context, None)))
            .collect();
        assert_eq!(shipped, [true, true, false, false, true]);
    }
}
