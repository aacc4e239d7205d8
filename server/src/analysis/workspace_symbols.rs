//! Workspace symbols: the stages and global ARGs of a file, and the query match editors expect.

use std::ops::Range;

use super::model::FileModel;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SymbolKind {
    Stage,
    GlobalArg,
}

/// A symbol of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileSymbol {
    /// The stage's name (`stage N` for an unnamed one) or the ARG's.
    pub name: String,
    pub kind: SymbolKind,
    /// Where it is named: the name after AS (the image of an unnamed stage), the ARG's name.
    pub range: Range<usize>,
}

/// The global ARGs then the stages of a file, from its model (no walk of the tree).
pub(crate) fn file_symbols(model: &FileModel) -> Vec<FileSymbol> {
    let args = model.global_args.iter().map(|arg| FileSymbol {
        name: arg.name.clone(),
        kind: SymbolKind::GlobalArg,
        range: arg.range.clone(),
    });
    let stages = model.stages.iter().map(|stage| FileSymbol {
        name: stage
            .name
            .clone()
            .unwrap_or_else(|| format!("stage {}", stage.index)),
        kind: SymbolKind::Stage,
        range: stage
            .name_range
            .clone()
            .unwrap_or_else(|| stage.image_range.clone()),
    });
    args.chain(stages).collect()
}

/// Whether the query's characters appear in `name` in order, ignoring case (what
/// editors' fuzzy pickers do); an empty query matches everything.
pub(crate) fn matches(query: &str, name: &str) -> bool {
    let mut name = name.chars().flat_map(char::to_lowercase);
    query
        .chars()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace())
        .all(|q| name.any(|c| c == q))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{self, Dockerfile, FileKind};

    #[test]
    fn queries_match_as_case_insensitive_subsequences() {
        assert!(matches("", "build"));
        assert!(matches("bld", "build"));
        assert!(matches("BuIlD", "build-env"));
        assert!(matches("be", "build-env"));
        assert!(!matches("eb", "build"));
        assert!(!matches("builds", "build"));
    }

    #[test]
    fn global_args_then_stages() {
        let text = "ARG GO=1.23\nARG BASE\nFROM golang:${GO} AS build\nFROM alpine\n";
        let tree = syntax::parse(FileKind::Dockerfile, text, None).expect("parse");
        let model = FileModel::new(&Dockerfile::new(&tree, text));
        let symbols: Vec<String> = file_symbols(&model)
            .into_iter()
            .map(|s| format!("{:?} {} {:?}", s.kind, s.name, &text[s.range]))
            .collect();
        assert_eq!(
            symbols,
            [
                "GlobalArg GO \"GO\"",
                "GlobalArg BASE \"BASE\"",
                "Stage build \"build\"",
                "Stage stage 1 \"alpine\"",
            ]
        );
    }
}
