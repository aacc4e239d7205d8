//! The walk over a file's stages in a full check, shared out between threads for a
//! large file.

use std::num::NonZero;
use std::ops::Range;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use rustc_hash::FxHashMap;
use tree_sitter::Node;

use super::{Outline, check_stage};
use crate::analysis::model::{Base, FileModel, StageModel, StageSummary};
use crate::analysis::settings::Context;
use crate::syntax::Dockerfile;

/// Below this many bytes of stages a file is checked on the calling thread: starting a
/// thread (and filling its per-thread memos) costs more than it saves.
const BYTES_PER_THREAD: usize = 32 * 1024;

/// The findings of the stages and what file-wide rules read of their instructions, in
/// source order. Stages are independent once each knows what its base stage left (ENV,
/// USER, WORKDIR, SHELL), so a large file is cut into runs of consecutive stages, one
/// per core.
pub(super) fn check_stages(
    file: &Dockerfile<'_>,
    model: &FileModel,
    context: &Context,
    stages: &[Node<'_>],
) -> Outline {
    let runs = runs(stages, threads());
    let check_run = |run: &Range<usize>| StageRun::new(file, model, context, stages).check(run);
    let parts: Vec<Outline> = match runs.split_first() {
        Some((first, rest)) if !rest.is_empty() => std::thread::scope(|scope| {
            let others: Vec<_> = rest
                .iter()
                .map(|run| scope.spawn(move || check_run(run)))
                .collect();
            let mut parts = vec![check_run(first)];
            for other in others {
                // A rule that panics on another thread panics here, as it would have
                // on this one.
                parts.push(
                    other
                        .join()
                        .unwrap_or_else(|p| std::panic::resume_unwind(p)),
                );
            }
            parts
        }),
        _ => vec![check_run(&(0..stages.len()))],
    };
    let mut outline = Outline::default();
    for part in parts {
        outline.append(part);
    }
    outline
}

/// At most this many threads check one file's stages (0: as many as there are cores).
static THREAD_LIMIT: AtomicUsize = AtomicUsize::new(0);

/// Caps the threads a full check of one file uses (the CLI's `--threads`).
pub fn limit_threads(threads: usize) {
    THREAD_LIMIT.store(threads, Ordering::Relaxed);
}

/// The cores this process may use (asked once: the answer reads cgroup files), within
/// the limit.
fn threads() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    let cores = *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, NonZero::get));
    match THREAD_LIMIT.load(Ordering::Relaxed) {
        0 => cores,
        limit => cores.min(limit),
    }
}

/// Consecutive runs of stage indices of about the same size in bytes, at most one per
/// thread and none smaller than [`BYTES_PER_THREAD`].
fn runs(stages: &[Node<'_>], threads: usize) -> Vec<Range<usize>> {
    let size = |n: &Node<'_>| n.end_byte().saturating_sub(n.start_byte());
    let total: usize = stages.iter().map(size).sum();
    let count = threads.min(total / BYTES_PER_THREAD).max(1);
    let share = total.div_ceil(count);
    let mut runs = Vec::with_capacity(count);
    let (mut start, mut taken) = (0, 0);
    for (i, stage) in stages.iter().enumerate() {
        taken += size(stage);
        if taken >= share * (runs.len() + 1) && runs.len() + 1 < count {
            runs.push(start..i + 1);
            start = i + 1;
        }
    }
    if start < stages.len() || runs.is_empty() {
        runs.push(start..stages.len());
    }
    runs
}

/// One thread's share of the stages, with what it knows of stage summaries.
struct StageRun<'a, 't> {
    file: &'a Dockerfile<'t>,
    model: &'a FileModel,
    context: &'a Context,
    stages: &'a [Node<'t>],
    /// What each stage met so far left to the stages built on it, by stage index.
    summaries: FxHashMap<usize, StageSummary>,
}

impl<'a, 't> StageRun<'a, 't> {
    fn new(
        file: &'a Dockerfile<'t>,
        model: &'a FileModel,
        context: &'a Context,
        stages: &'a [Node<'t>],
    ) -> Self {
        StageRun {
            file,
            model,
            context,
            stages,
            summaries: FxHashMap::default(),
        }
    }

    fn check(mut self, run: &Range<usize>) -> Outline {
        let mut outline = Outline::default();
        for index in run.clone() {
            let Some(stage) = self
                .stages
                .get(index)
                .and_then(|n| self.file.stage(*n, index))
            else {
                continue;
            };
            // A stage's instructions just before its stage rules, which read them
            // again: what rules derive from an instruction is still in the memo.
            for instruction in std::iter::once(&stage.from).chain(&stage.instructions) {
                outline.add(instruction, self.context);
            }
            self.learn_base_of(index);
            let parent = self.parent_of(index).and_then(|p| self.summaries.get(&p));
            let stage_model = StageModel::new(&stage, self.model, self.context, parent);
            outline.found.extend(check_stage(&stage_model));
            let summary = stage_model.summary();
            self.summaries.insert(index, summary);
        }
        outline
    }

    fn parent_of(&self, index: usize) -> Option<usize> {
        match self.model.stages.get(index).map(|s| &s.base) {
            Some(Base::Stage(parent)) => Some(*parent),
            _ => None,
        }
    }

    /// Works out the summaries of the base stages before `index` that another thread
    /// checks, oldest first (a base is always an earlier stage).
    fn learn_base_of(&mut self, index: usize) {
        let mut missing = Vec::new();
        let mut at = self.parent_of(index);
        while let Some(parent) = at.filter(|p| *p < index && !self.summaries.contains_key(p)) {
            missing.push(parent);
            at = self.parent_of(parent).filter(|p| *p < parent);
        }
        for &index in missing.iter().rev() {
            let Some(stage) = self
                .stages
                .get(index)
                .and_then(|n| self.file.stage(*n, index))
            else {
                continue;
            };
            let parent = self.parent_of(index).and_then(|p| self.summaries.get(&p));
            let summary = StageModel::new(&stage, self.model, self.context, parent).summary();
            self.summaries.insert(index, summary);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{self, FileKind};

    fn file_of(stages: usize, lines_per_stage: usize) -> String {
        let mut text = String::new();
        for i in 0..stages {
            let base = if i % 3 == 2 {
                format!("s{}", i - 1)
            } else {
                "debian:12".into()
            };
            let before = i.max(1) - 1;
            text.push_str(&format!(
                "FROM {base} AS s{i}\nENV V{i}=x\nUSER u{i}\nWORKDIR /w/$V{before}\n"
            ));
            for l in 0..lines_per_stage {
                text.push_str(&format!("RUN echo {l} $V{i} && cd /x\n"));
            }
        }
        text
    }

    fn stage_nodes<'t>(file: &Dockerfile<'t>) -> Vec<Node<'t>> {
        file.top_level()
            .into_iter()
            .filter(|n| syntax::is_stage(*n))
            .collect()
    }

    #[test]
    fn runs_cover_every_stage_once_in_order_and_small_files_stay_whole() {
        let text = file_of(50, 110);
        let tree = syntax::parse(FileKind::Dockerfile, &text, None).unwrap();
        let file = Dockerfile::new(&tree, &text);
        let nodes = stage_nodes(&file);
        assert!(text.len() > 4 * BYTES_PER_THREAD, "{}", text.len());
        for threads in 1..=4 {
            let runs = runs(&nodes, threads);
            assert_eq!(runs.len(), threads, "{threads} threads");
            assert_eq!(runs[0].start, 0);
            assert_eq!(runs.last().unwrap().end, nodes.len());
            assert!(
                runs.windows(2)
                    .all(|w| w[0].end == w[1].start && !w[0].is_empty())
            );
        }
        let small = file_of(3, 2);
        let tree = syntax::parse(FileKind::Dockerfile, &small, None).unwrap();
        let file = Dockerfile::new(&tree, &small);
        let nodes = stage_nodes(&file);
        assert_eq!(runs(&nodes, 4), vec![0..3]);
        assert_eq!(runs(&[], 4), vec![0..0]);
    }

    #[test]
    fn the_thread_limit_caps_the_cores() {
        limit_threads(1);
        assert_eq!(threads(), 1);
        limit_threads(0);
        assert!(threads() >= 1);
    }

    #[test]
    fn a_split_check_finds_what_one_thread_finds() {
        // Every third stage builds on the one before, so some runs start with a stage
        // whose base another run checks (its ENV reaches the undefined-variable rule in
        // WORKDIR).
        let text = file_of(50, 110);
        let tree = syntax::parse(FileKind::Dockerfile, &text, None).unwrap();
        let file = Dockerfile::new(&tree, &text);
        let context = Context::default();
        let model = FileModel::new(&file);
        let nodes = stage_nodes(&file);
        let whole = StageRun::new(&file, &model, &context, &nodes).check(&(0..nodes.len()));
        for threads in 2..=4 {
            let mut split = Outline::default();
            for run in runs(&nodes, threads) {
                split.append(StageRun::new(&file, &model, &context, &nodes).check(&run));
            }
            assert_eq!(split, whole, "{threads} runs");
        }
        assert_eq!(check_stages(&file, &model, &context, &nodes), whole);
        // The stages and instructions the walk checks are the file's.
        let count: usize = file.stages().iter().map(|s| 1 + s.instructions.len()).sum();
        assert_eq!(whole.keywords.len(), count);
    }
}
