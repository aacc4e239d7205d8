//! Splitting the last stage in two: what it is becomes the builder, and a new final
//! stage from the same base gets only the built artifact.

use crate::analysis::fixes::lines::{insert_line_after_with, insert_line_before_with, newline_in};
use crate::analysis::model::StageModel;
use crate::syntax::{Edit, Instruction, InstructionKind};

/// What the new final stage needs from the builder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// Index (in the stage's instructions) of the RUN that builds the artifact: the new
    /// stage starts after it.
    pub build_at: usize,
    /// The artifact's absolute path in the builder, copied to the same path.
    pub artifact: String,
}

/// The edits that name the stage (when it has no name) and start a new final stage
/// after `split.build_at`: the same FROM, the WORKDIR and ENV the stage set before the
/// build, and `COPY --from=<builder> <artifact> <artifact>`. The instructions after the
/// build (CMD, EXPOSE, USER, ...) then belong to the new stage.
///
/// `None` when the instructions before the build set what the new stage would lose
/// (USER, SHELL, VOLUME, ONBUILD, ...) or those after it are not metadata.
pub fn split_after_build(model: &StageModel<'_, '_>, split: &Split) -> Option<Vec<Edit>> {
    let stage = model.stage;
    let instructions = &stage.instructions;
    let before = instructions.get(..split.build_at)?;
    let after = instructions.get(split.build_at + 1..)?;
    let carried = |i: &&Instruction<'_>| {
        matches!(
            i.kind(),
            InstructionKind::Run
                | InstructionKind::Workdir
                | InstructionKind::Copy
                | InstructionKind::Add
                | InstructionKind::Env
                | InstructionKind::Arg
                | InstructionKind::Label
        )
    };
    let metadata = |i: &&Instruction<'_>| {
        matches!(
            i.kind(),
            InstructionKind::Cmd
                | InstructionKind::Entrypoint
                | InstructionKind::Expose
                | InstructionKind::User
                | InstructionKind::Label
                | InstructionKind::Healthcheck
                | InstructionKind::Stopsignal
                | InstructionKind::Env
        )
    };
    if !before.iter().all(|i| carried(&i)) || !after.iter().all(|i| metadata(&i)) {
        return None;
    }
    let from = &stage.from;
    let image = from.image()?;
    let src = from.src();
    let nl = newline_in(src, stage.node.byte_range());
    let info = model.file.stages.get(stage.index)?;
    let mut edits = Vec::new();
    let builder = match &info.name {
        Some(name) => name.clone(),
        None => {
            let taken = |n: &str| {
                model
                    .file
                    .stages
                    .iter()
                    .any(|s| s.name.as_deref().is_some_and(|x| x.eq_ignore_ascii_case(n)))
            };
            let name = ["build", "builder", "build-stage"]
                .into_iter()
                .find(|n| !taken(n))?
                .to_owned();
            edits.push(Edit::insert(image.end_byte(), format!(" AS {name}")));
            name
        }
    };
    // The FROM as written, up to the image: `--platform` and ARG-built names carry over.
    let base = src.get(from.node().start_byte()..image.end_byte())?;
    let mut lines = vec![String::new(), base.to_owned()];
    if let Some(workdir) = model.workdir_at(split.build_at).filter(|w| w.at.is_some()) {
        lines.push(format!("WORKDIR {}", workdir.value));
    }
    for env in before.iter().filter(|i| i.kind() == InstructionKind::Env) {
        lines.push(src.get(env.line_range())?.to_owned());
    }
    lines.push(format!(
        "COPY --from={builder} {} {}",
        split.artifact, split.artifact
    ));
    let text = lines.join(nl);
    // A blank line before the new stage, as stages are usually separated.
    let mut edit = match after.first() {
        Some(next) => insert_line_before_with(next, text.trim_start_matches(['\r', '\n']), nl),
        None => insert_line_after_with(instructions.get(split.build_at)?, &text[nl.len()..], nl),
    };
    edit.text.insert_str(0, nl);
    edits.push(edit);
    Some(edits)
}
