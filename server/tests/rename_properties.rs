//! Renames on the real corpus: renaming a random stage and a random ARG (or ENV) of a
//! real Dockerfile changes BuildKit's reading of the file only in those names, and
//! every variable keeps its value and every stage its base and its sources.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test stops loudly on a broken fixture

mod support;

use std::ops::Range;
use std::sync::OnceLock;

use dockerfile_lsp::analysis::model::{Base, FileModel, StageModel, StageSummary, VarKind};
use dockerfile_lsp::analysis::settings::Context;
use dockerfile_lsp::analysis::{expand, rename};
use dockerfile_lsp::syntax::{self, Dockerfile, FileKind, InstructionKind};
use proptest::prelude::*;
use support::corpus::{corpus_dir, corpus_files, read};

/// Names no corpus file uses, so that every place they appear is one the rename wrote.
const NEW_STAGE: &str = "zq-renamed.stage9";
const NEW_VARIABLE: &str = "ZQ_RENAMED_VAR9";

/// A name that can be renamed, by the offset of its declaration.
#[derive(Debug, Clone)]
struct Candidate {
    offset: usize,
    name: String,
}

#[derive(Debug)]
struct Corpus {
    name: String,
    text: String,
    stages: Vec<Candidate>,
    args: Vec<Candidate>,
    envs: Vec<Candidate>,
}

/// The corpus files with what can be renamed in them (declarations whose rename
/// `prepare` accepts: not the predefined ARGs).
fn corpus() -> &'static [Corpus] {
    static CORPUS: OnceLock<Vec<Corpus>> = OnceLock::new();
    CORPUS.get_or_init(|| {
        corpus_files(&corpus_dir().join("real"))
            .iter()
            .map(|path| {
                let text = read(path);
                let tree = syntax::parse(FileKind::Dockerfile, &text, None).unwrap();
                let file = Dockerfile::new(&tree, &text);
                let model = FileModel::new(&file);
                let renamable = |offset: usize| rename::prepare(&file, &model, offset).is_ok();
                let stages = model
                    .stages
                    .iter()
                    .filter_map(|s| {
                        let range = s.name_range.clone()?;
                        let name = s.name.clone()?;
                        renamable(range.start).then_some(Candidate {
                            offset: range.start,
                            name,
                        })
                    })
                    .collect();
                let mut args = Vec::new();
                let mut envs = Vec::new();
                for instruction in file.instructions() {
                    let list = match instruction.kind() {
                        InstructionKind::Arg => &mut args,
                        InstructionKind::Env => &mut envs,
                        _ => continue,
                    };
                    for pair in instruction.pairs() {
                        let Some(key) = pair.key_node() else { continue };
                        if renamable(key.start_byte()) {
                            list.push(Candidate {
                                offset: key.start_byte(),
                                name: instruction.text(key).to_owned(),
                            });
                        }
                    }
                }
                Corpus {
                    name: path.file_name().unwrap().to_string_lossy().into_owned(),
                    text,
                    stages,
                    args,
                    envs,
                }
            })
            .collect()
    })
}

fn with_file<T>(text: &str, work: impl FnOnce(&Dockerfile<'_>, &FileModel) -> T) -> T {
    let tree = syntax::parse(FileKind::Dockerfile, text, None).unwrap();
    let file = Dockerfile::new(&tree, text);
    let model = FileModel::new(&file);
    work(&file, &model)
}

/// Renames what is declared at `offset`, or says why it could not.
fn rename_at(text: &str, offset: usize, new_name: &str) -> Result<String, String> {
    let edits = with_file(text, |file, model| {
        rename::rename(file, model, offset, new_name).map_err(|r| r.to_string())
    })?;
    let mut out = text.to_owned();
    for (range, new) in edits.iter().rev() {
        out.replace_range(range.clone(), new);
    }
    Ok(out)
}

fn dump(text: &str) -> String {
    with_file(text, |file, _| syntax::buildkit_dump(file))
}

/// Whether `new` is `old` with some occurrences of `old_name` replaced by `new_name`
/// (only where `new_name` now stands: it appears nowhere else), each a whole name.
fn differs_only_by_name(old: &str, new: &str, old_name: &str, new_name: &str, fold: bool) -> bool {
    let (old, new) = (old.as_bytes(), new.as_bytes());
    let (old_name, new_name) = (old_name.as_bytes(), new_name.as_bytes());
    let name_char = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let (mut i, mut j) = (0, 0);
    while j < new.len() {
        if new[j..].starts_with(new_name) {
            let Some(written) = old.get(i..i + old_name.len()) else {
                return false;
            };
            let same = if fold {
                written.eq_ignore_ascii_case(old_name)
            } else {
                written == old_name
            };
            let whole = i.checked_sub(1).is_none_or(|k| !name_char(old[k]))
                && old.get(i + old_name.len()).is_none_or(|&b| !name_char(b));
            if !same || !whole {
                return false;
            }
            i += old_name.len();
            j += new_name.len();
        } else {
            if old.get(i) != Some(&new[j]) {
                return false;
            }
            i += 1;
            j += 1;
        }
    }
    i == old.len()
}

fn assert_dump_changes_only_in_the_name(
    old_text: &str,
    new_text: &str,
    old_name: &str,
    new_name: &str,
    fold: bool,
) {
    let (old_dump, new_dump) = (dump(old_text), dump(new_text));
    assert_ne!(old_dump, new_dump, "the declaration itself is in the dump");
    let old_lines: Vec<&str> = old_dump.lines().collect();
    let new_lines: Vec<&str> = new_dump.lines().collect();
    assert_eq!(old_lines.len(), new_lines.len(), "as many instructions");
    for (old, new) in old_lines.iter().zip(&new_lines) {
        assert!(
            differs_only_by_name(old, new, old_name, new_name, fold),
            "an instruction changed beyond `{old_name}` -> `{new_name}`:\n  {old}\n  {new}"
        );
    }
}

/// What the stages see of their variables: for each instruction, the values of its
/// words and pairs as BuildKit (or the shell, for RUN) expands them; CMD, ENTRYPOINT
/// and HEALTHCHECK run in the container, where only ENV is left. Keys are left out:
/// they are what a variable rename changes.
fn expanded_values(text: &str) -> Vec<String> {
    with_file(text, |file, model| {
        let context = Context::default();
        let mut out: Vec<String> = model
            .stages
            .iter()
            .map(|s| match s.base {
                // A stage by its index: its name is what a stage rename changes.
                Base::Stage(parent) => format!("FROM stage {parent}"),
                _ => format!("FROM {}", s.expanded_image.value),
            })
            .collect();
        let mut summaries: Vec<StageSummary> = Vec::new();
        for stage in file.stages() {
            let parent = match model.stages.get(stage.index).map(|s| &s.base) {
                Some(Base::Stage(p)) => summaries.get(*p),
                _ => None,
            };
            let stage_model = StageModel::new(&stage, model, &context, parent);
            for (at, instruction) in stage.instructions.iter().enumerate() {
                match instruction.kind() {
                    InstructionKind::Arg | InstructionKind::Env | InstructionKind::Label => {
                        for pair in instruction.pairs() {
                            if let Some(value) = pair.value_node() {
                                let raw = instruction.text(value);
                                out.push(stage_model.expand(raw, at).value);
                            }
                        }
                    }
                    InstructionKind::Cmd
                    | InstructionKind::Entrypoint
                    | InstructionKind::Healthcheck => {
                        let env = |name: &str| {
                            stage_model
                                .lookup(name, at)
                                .filter(|d| d.kind == VarKind::Env)
                                .map(|d| d.value.clone().unwrap_or_default())
                        };
                        out.push(expand::expand(&instruction.rest(), model.escape, &env).value);
                    }
                    InstructionKind::Onbuild => out.push(instruction.rest()),
                    _ => out.push(stage_model.expand(&instruction.rest(), at).value),
                }
            }
            summaries.push(stage_model.summary());
        }
        out
    })
}

/// What each stage builds on and copies from, and its name.
fn stage_graph(text: &str) -> Vec<(Option<String>, String, Vec<usize>)> {
    with_file(text, |_, model| {
        model
            .stages
            .iter()
            .map(|s| {
                (
                    s.name.clone(),
                    format!("{:?}", s.base),
                    s.copies_from.clone(),
                )
            })
            .collect()
    })
}

fn check_stage_rename(text: &str, stage: &Candidate) -> String {
    let renamed = match rename_at(text, stage.offset, NEW_STAGE) {
        Ok(renamed) => renamed,
        // Refused rightly when a FROM or a `--from` names stages through a variable.
        Err(refusal) if refusal.contains("through a variable's value") => {
            let through_variable = with_file(text, |file, model| {
                model.stages.iter().any(|s| s.image.contains('$'))
                    || file.instructions().any(|i| {
                        i.flag("from")
                            .and_then(|f| f.value())
                            .is_some_and(|v| v.contains('$'))
                    })
            });
            assert!(through_variable, "refused without a variable: {refusal}");
            return text.to_owned();
        }
        Err(refusal) => panic!("renaming stage `{}` refused: {refusal}", stage.name),
    };
    assert_dump_changes_only_in_the_name(text, &renamed, &stage.name, NEW_STAGE, true);
    let before = stage_graph(text);
    let after = stage_graph(&renamed);
    for (old, new) in before.iter().zip(&after) {
        let expected_name = match &old.0 {
            Some(name) if name == &stage.name && new.0.as_deref() == Some(NEW_STAGE) => {
                Some(NEW_STAGE.to_owned())
            }
            other => other.clone(),
        };
        assert_eq!(new.0, expected_name);
        assert_eq!((&old.1, &old.2), (&new.1, &new.2), "bases and sources kept");
    }
    assert_eq!(expanded_values(text), expanded_values(&renamed));
    renamed
}

fn check_variable_rename(text: &str, variable: &Candidate) {
    let renamed = rename_at(text, variable.offset, NEW_VARIABLE)
        .unwrap_or_else(|refusal| panic!("renaming `{}` refused: {refusal}", variable.name));
    assert_dump_changes_only_in_the_name(text, &renamed, &variable.name, NEW_VARIABLE, false);
    let (mut before, mut after) = (stage_graph(text), stage_graph(&renamed));
    // The model resolves `COPY --from=$NAME` with the global ARGs only, where BuildKit
    // uses the stage's own (a stage `ARG NAME=x` wins): there, sources are not compared.
    if text.contains("--from=$") {
        for (_, _, sources) in before.iter_mut().chain(after.iter_mut()) {
            sources.clear();
        }
    }
    assert_eq!(before, after);
    assert_eq!(
        expanded_values(text),
        expanded_values(&renamed),
        "every value is what it was"
    );
}

/// The declaration at `offset` of the original text, after a stage rename moved it.
fn moved(offset: usize, stage: Option<&Candidate>, text: &str) -> usize {
    let Some(stage) = stage else { return offset };
    // A refused stage rename (see `check_stage_rename`) moved nothing.
    let edits = with_file(text, |file, model| {
        rename::rename(file, model, stage.offset, NEW_STAGE).unwrap_or_default()
    });
    let shift: isize = edits
        .iter()
        .filter(|(range, _)| range.end <= offset)
        .map(|(range, new): &(Range<usize>, String)| new.len() as isize - range.len() as isize)
        .sum();
    offset.checked_add_signed(shift).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// A random stage, then a random ARG of the renamed file.
    #[test]
    fn renaming_a_stage_and_an_arg_changes_only_those_names(
        file in any::<prop::sample::Index>(),
        stage in any::<prop::sample::Index>(),
        arg in any::<prop::sample::Index>(),
    ) {
        let files: Vec<&Corpus> =
            corpus().iter().filter(|c| !c.stages.is_empty() || !c.args.is_empty()).collect();
        let corpus = file.get(&files);
        let chosen_stage = (!corpus.stages.is_empty()).then(|| stage.get(&corpus.stages));
        let text = match chosen_stage {
            Some(stage) => check_stage_rename(&corpus.text, stage),
            None => corpus.text.clone(),
        };
        if !corpus.args.is_empty() {
            let arg = arg.get(&corpus.args);
            let at = moved(arg.offset, chosen_stage, &corpus.text);
            check_variable_rename(&text, &Candidate { offset: at, name: arg.name.clone() });
        }
    }

    #[test]
    fn renaming_an_env_changes_only_its_name(
        file in any::<prop::sample::Index>(),
        env in any::<prop::sample::Index>(),
    ) {
        let files: Vec<&Corpus> = corpus().iter().filter(|c| !c.envs.is_empty()).collect();
        let corpus = file.get(&files);
        check_variable_rename(&corpus.text, env.get(&corpus.envs));
    }
}

#[test]
fn the_corpus_has_stages_args_and_envs_to_rename() {
    let corpus = corpus();
    let count = |f: fn(&Corpus) -> usize| corpus.iter().map(f).sum::<usize>();
    assert!(count(|c| c.stages.len()) > 100, "stages");
    assert!(count(|c| c.args.len()) > 100, "ARGs");
    assert!(count(|c| c.envs.len()) > 100, "ENVs");
    assert!(corpus.iter().all(|c| !c.name.is_empty()));
}

/// Not a sample: every stage, ARG and ENV declaration of every corpus file.
#[test]
fn every_stage_arg_and_env_of_the_corpus_renames_cleanly() {
    let mut failures = Vec::new();
    for corpus in corpus() {
        for (kind, list) in [
            ("stage", &corpus.stages),
            ("ARG", &corpus.args),
            ("ENV", &corpus.envs),
        ] {
            for candidate in list {
                let checked = std::panic::catch_unwind(|| {
                    if kind == "stage" {
                        check_stage_rename(&corpus.text, candidate);
                    } else {
                        check_variable_rename(&corpus.text, candidate);
                    }
                });
                if checked.is_err() {
                    failures.push(format!("{}: {kind} {}", corpus.name, candidate.name));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} renames failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
