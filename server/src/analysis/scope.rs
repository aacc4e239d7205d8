//! The variables visible at a place in a Dockerfile: global ARGs in FROM lines, ARG and ENV in stages.

use super::model::{Base, FileModel, StageModel, StageSummary, VarDecl, VarKind};
use super::settings::Context;
use crate::syntax::is_stage;
use crate::syntax::{Dockerfile, Stage};

/// A variable visible at a place, with where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visible {
    pub name: String,
    pub value: Option<String>,
    pub kind: VarKind,
    /// Declared before the first FROM.
    pub global: bool,
    /// Bytes of the declaration's name (`None` when inherited from the base stage).
    pub declared: Option<std::ops::Range<usize>>,
}

/// The stage at an index, built without building the others (a request at the cursor
/// must not walk a large file).
fn stage_by_index<'t>(file: &Dockerfile<'t>, index: usize) -> Option<Stage<'t>> {
    let root = file.root();
    let mut cursor = root.walk();
    let node = root
        .named_children(&mut cursor)
        .filter(|n| is_stage(*n))
        .nth(index)?;
    file.stage(node, index)
}

/// What the stages a stage builds on leave to it (their ENV, USER...), worked out in order.
fn parent_summary(
    file: &Dockerfile<'_>,
    model: &FileModel,
    context: &Context,
    index: usize,
    depth: usize,
) -> Option<StageSummary> {
    let info = model.stages.get(index)?;
    let Base::Stage(parent) = info.base else {
        return None;
    };
    if parent >= index || depth > 64 {
        return None;
    }
    let grand = parent_summary(file, model, context, parent, depth + 1);
    let stage = stage_by_index(file, parent)?;
    Some(StageModel::new(&stage, model, context, grand.as_ref()).summary())
}

/// The variables visible at `offset`: in a FROM line (or before the first FROM) the
/// global ARGs, elsewhere what the stage's model has at that instruction.
pub fn visible_at(
    file: &Dockerfile<'_>,
    model: &FileModel,
    context: &Context,
    offset: usize,
) -> Vec<Visible> {
    let globals = || {
        model
            .global_args
            .iter()
            .map(|d| from_decl(d, true))
            .collect::<Vec<_>>()
    };
    let Some(node) = file
        .stage_node_at(offset)
        .or_else(|| file.stage_node_at(offset.saturating_sub(1)))
    else {
        return globals();
    };
    let root = file.root();
    let mut cursor = root.walk();
    let Some(index) = root
        .named_children(&mut cursor)
        .filter(|n| is_stage(*n))
        .position(|n| n.id() == node.id())
    else {
        return globals();
    };
    let Some(stage) = file.stage(node, index) else {
        return globals();
    };
    // A FROM line with a half-typed word may not parse to its end: its physical line counts.
    let from_start = stage.from.node().start_byte();
    let from_line_end = file
        .src()
        .get(from_start..)
        .and_then(|rest| rest.find('\n'))
        .map_or(usize::MAX, |i| from_start + i);
    if offset <= stage.from.line_end().max(from_line_end) {
        return globals();
    }
    let at = stage
        .instructions
        .iter()
        .position(|i| offset <= i.node().end_byte())
        .unwrap_or(stage.instructions.len());
    let parent = parent_summary(file, model, context, index, 0);
    let stage_model = StageModel::new(&stage, model, context, parent.as_ref());
    let names: Vec<String> = stage_model.names_at(at).map(str::to_owned).collect();
    names
        .iter()
        .filter_map(|name| stage_model.lookup(name, at))
        .map(|d| from_decl(d, false))
        .collect()
}

fn from_decl(decl: &VarDecl, global: bool) -> Visible {
    Visible {
        name: decl.name.clone(),
        value: decl.value.clone(),
        kind: decl.kind,
        global,
        declared: (!decl.range.is_empty()).then(|| decl.range.clone()),
    }
}
