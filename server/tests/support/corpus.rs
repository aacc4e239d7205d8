//! Locating `../shared/corpus` (test data that is not ours) for the corpus tests.

use std::path::{Path, PathBuf};

/// The corpus folder, or a panic that says clearly where it was expected.
///
/// Set `DOCKERFILE_LSP_CORPUS` to use another location.
pub fn corpus_dir() -> PathBuf {
    let dir = std::env::var_os("DOCKERFILE_LSP_CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"),
        PathBuf::from,
    );
    assert!(
        dir.join("README.md").is_file(),
        "the shared test corpus is absent: expected it at {} (the folder `shared/corpus` beside the \
         repository checkout); set DOCKERFILE_LSP_CORPUS to its path",
        dir.display()
    );
    dir
}

/// Files in a corpus folder, sorted, without the manifest and statistics files.
pub fn corpus_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_file()
                && !matches!(
                    p.extension().and_then(|e| e.to_str()),
                    Some("tsv" | "txt" | "md")
                )
        })
        .collect();
    files.sort();
    files
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}
