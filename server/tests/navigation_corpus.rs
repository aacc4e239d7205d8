//! Navigation on the real corpus: the quick definition (which searches only the stages a
//! use can see) agrees with the full analysis behind references, and every symbol's
//! occurrences name it and include the one asked about.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test stops loudly on a broken fixture

mod support;

use std::collections::HashMap;

use dockerfile_lsp::analysis::model::FileModel;
use dockerfile_lsp::analysis::{navigation, occurrences};
use dockerfile_lsp::syntax::{self, Dockerfile, FileKind};
use support::corpus::{corpus_dir, corpus_files, read};

#[test]
fn definitions_agree_with_references_on_every_corpus_file() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in corpus_files(&corpus_dir().join("real")) {
        let text = read(&path);
        let tree = syntax::parse(FileKind::Dockerfile, &text, None).unwrap();
        let file = Dockerfile::new(&tree, &text);
        let model = FileModel::new(&file);
        // A few places of each name: its declarations and uses, in every stage.
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut offsets = Vec::new();
        for instruction in file.instructions() {
            for site in occurrences::variables(&instruction) {
                let count = seen.entry(site.name).or_default();
                *count += 1;
                if *count <= 4 {
                    offsets.push(site.range.start);
                }
            }
            for site in occurrences::stage_refs(&instruction) {
                offsets.push(site.range.start);
            }
        }
        offsets.extend(
            model
                .stages
                .iter()
                .filter_map(|s| s.name_range.clone())
                .map(|r| r.start),
        );
        for offset in offsets {
            let Some(symbol) = navigation::symbol_at(&file, &model, offset) else {
                continue;
            };
            checked += 1;
            let quick = navigation::definition(&file, &model, offset);
            let name = path.file_name().unwrap().to_string_lossy();
            if quick != symbol.definitions {
                failures.push(format!(
                    "{name} at {offset} `{}`: definition {quick:?}, references say {:?}",
                    symbol.name, symbol.definitions
                ));
            }
            if !symbol.occurrences.contains(&symbol.at) {
                failures.push(format!(
                    "{name} at {offset}: the occurrence asked about is missing"
                ));
            }
            for occurrence in &symbol.occurrences {
                let written = &text[occurrence.range.clone()];
                let same = if occurrence.renamable {
                    written.eq_ignore_ascii_case(&symbol.name)
                        || (symbol.kind != navigation::SymbolKind::Heredoc
                            && written.parse::<usize>().is_ok())
                } else {
                    true
                };
                if !same {
                    failures.push(format!(
                        "{name} at {offset}: `{written}` among the occurrences of `{}`",
                        symbol.name
                    ));
                }
            }
        }
    }
    assert!(checked > 2000, "only {checked} symbols checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
