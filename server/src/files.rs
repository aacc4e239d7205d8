//! Finds the Dockerfiles and ignore files to check, and tells them apart by file name.

use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::syntax::FileKind;

/// Directories a walk never enters: version control data, dependency and build trees.
const SKIPPED_DIRS: [&str; 3] = [".git", "node_modules", "target"];

/// Why a path given to [`discover`] could not be listed.
///
/// `Display` gives the reason only; [`FilesError::path`] names the file, so callers
/// can print `path: error: reason`.
#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    #[error("no such file or directory")]
    NotFound { path: PathBuf },
    #[error("cannot read: {}", describe_io(source))]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl FilesError {
    /// The path the error is about.
    pub fn path(&self) -> &Path {
        match self {
            FilesError::NotFound { path } | FilesError::Io { path, .. } => path,
        }
    }

    fn from_io(path: &Path, source: io::Error) -> Self {
        if source.kind() == io::ErrorKind::NotFound {
            FilesError::NotFound {
                path: path.to_path_buf(),
            }
        } else {
            FilesError::Io {
                path: path.to_path_buf(),
                source,
            }
        }
    }
}

/// An I/O error in words, without Rust's "(os error N)" suffix.
pub(crate) fn describe_io(error: &io::Error) -> String {
    match error.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_owned(),
        io::ErrorKind::PermissionDenied => "permission denied".to_owned(),
        io::ErrorKind::IsADirectory => "is a directory".to_owned(),
        _ => {
            let text = error.to_string();
            match text.find(" (os error") {
                Some(cut) => text[..cut].to_owned(),
                None => text,
            }
        }
    }
}

/// The kind of file `path` names, by its file name as Docker tooling matches it
/// (case-sensitively, plus the all-lowercase `dockerfile`/`containerfile` spellings).
pub fn file_kind(path: &Path) -> Option<FileKind> {
    let name = path.file_name()?.to_str()?;
    // Checked first so that `Dockerfile.dockerignore` is the ignore file it is.
    if is_ignore_file_name(name) {
        return Some(FileKind::Dockerignore);
    }
    if is_dockerfile_name(name) {
        return Some(FileKind::Dockerfile);
    }
    None
}

/// The kind to check an explicitly named file as: whatever its name, it is a
/// Dockerfile unless the name says it is an ignore file.
pub fn kind_for_checking(path: &Path) -> FileKind {
    file_kind(path).unwrap_or(FileKind::Dockerfile)
}

fn is_ignore_file_name(name: &str) -> bool {
    name == ".dockerignore"
        || name == ".containerignore"
        || has_suffix_with_stem(name, ".dockerignore")
}

fn is_dockerfile_name(name: &str) -> bool {
    const BASES: [&str; 4] = ["Dockerfile", "dockerfile", "Containerfile", "containerfile"];
    BASES.iter().any(|base| {
        name == *base
            || name
                .strip_prefix(base)
                .and_then(|rest| rest.strip_prefix('.'))
                .is_some_and(|extension| !extension.is_empty())
            || name
                .strip_suffix(base)
                .and_then(|rest| rest.strip_suffix('.'))
                .is_some_and(|stem| !stem.is_empty())
    })
}

/// `name` is `<stem><suffix>` with a non-empty stem, as the glob `*<suffix>` matches it
/// (a glob's `*` does not match a leading dot alone).
fn has_suffix_with_stem(name: &str, suffix: &str) -> bool {
    name.strip_suffix(suffix)
        .is_some_and(|stem| !stem.is_empty())
}

/// The files to check for `paths`, in a deterministic order, each once.
///
/// An explicit file is always taken, whatever its name. A directory is walked
/// recursively in name order for files [`file_kind`] recognises, skipping `.git`,
/// `node_modules`, `target` and symlinked directories (which could loop).
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, FilesError> {
    let mut found = Vec::new();
    let mut seen = HashSet::new();
    for path in paths {
        let metadata = fs::metadata(path).map_err(|e| FilesError::from_io(path, e))?;
        if metadata.is_dir() {
            walk(path, &mut found, &mut seen)?;
        } else if seen.insert(path.clone()) {
            found.push(path.clone());
        }
    }
    Ok(found)
}

fn walk(
    dir: &Path,
    found: &mut Vec<PathBuf>,
    seen: &mut HashSet<PathBuf>,
) -> Result<(), FilesError> {
    let mut entries = fs::read_dir(dir)
        .and_then(|entries| entries.collect::<io::Result<Vec<_>>>())
        .map_err(|e| FilesError::from_io(dir, e))?;
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let path = entry.path();
        let file_type = entry
            .file_type()
            .map_err(|e| FilesError::from_io(&path, e))?;
        let is_dir = if file_type.is_symlink() {
            // A dangling link is neither a file to check nor a directory to enter.
            match fs::metadata(&path) {
                Ok(target) if target.is_dir() => continue,
                Ok(_) => false,
                Err(_) => continue,
            }
        } else {
            file_type.is_dir()
        };
        if is_dir {
            let skipped = entry
                .file_name()
                .to_str()
                .is_some_and(|name| SKIPPED_DIRS.contains(&name));
            if !skipped {
                walk(&path, found, seen)?;
            }
        } else if file_kind(&path).is_some() && seen.insert(path.clone()) {
            found.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(name: &str) -> Option<FileKind> {
        file_kind(Path::new(name))
    }

    #[test]
    fn dockerfile_names() {
        for name in [
            "Dockerfile",
            "dockerfile",
            "Dockerfile.dev",
            "Dockerfile.prod.arm64",
            "dockerfile.dev",
            "api.Dockerfile",
            "api.dockerfile",
            "Containerfile",
            "containerfile",
            "Containerfile.fedora",
            "base.Containerfile",
        ] {
            assert_eq!(kind(name), Some(FileKind::Dockerfile), "{name}");
        }
    }

    #[test]
    fn ignore_file_names() {
        for name in [
            ".dockerignore",
            ".containerignore",
            "Dockerfile.dockerignore",
            "api.Dockerfile.dockerignore",
        ] {
            assert_eq!(kind(name), Some(FileKind::Dockerignore), "{name}");
        }
    }

    #[test]
    fn other_names_are_not_checked() {
        for name in [
            "README.md",
            "DOCKERFILE",
            "Dockerfiles",
            "MyDockerfile",
            "Dockerfile.",
            ".Dockerfile",
            "dockerignore",
            ".dockerignore.bak",
            "docker-compose.yml",
            ".gitignore",
        ] {
            assert_eq!(kind(name), None, "{name}");
        }
    }

    #[test]
    fn the_kind_comes_from_the_file_name_not_the_directories() {
        assert_eq!(file_kind(Path::new("Dockerfile/notes.txt")), None);
        assert_eq!(
            file_kind(Path::new("a/b/Dockerfile")),
            Some(FileKind::Dockerfile)
        );
    }

    #[test]
    fn an_explicit_file_is_checked_as_a_dockerfile_unless_named_as_an_ignore_file() {
        assert_eq!(
            kind_for_checking(Path::new("build/recipe")),
            FileKind::Dockerfile
        );
        assert_eq!(
            kind_for_checking(Path::new("x/.dockerignore")),
            FileKind::Dockerignore
        );
    }

    /// A fresh directory under the system temp dir, removed when dropped.
    struct TempTree(tempfile::TempDir);

    impl TempTree {
        fn new(files: &[&str]) -> Self {
            let dir = tempfile::tempdir().expect("create temp dir");
            for file in files {
                let path = dir.path().join(file);
                fs::create_dir_all(path.parent().expect("file has a parent"))
                    .expect("create parent");
                fs::write(&path, "FROM scratch\n").expect("write fixture");
            }
            TempTree(dir)
        }

        fn root(&self) -> PathBuf {
            self.0.path().to_path_buf()
        }

        fn relative(&self, found: &[PathBuf]) -> Vec<String> {
            found
                .iter()
                .map(|p| {
                    p.strip_prefix(self.0.path())
                        .expect("found under root")
                        .to_string_lossy()
                        .replace('\\', "/")
                })
                .collect()
        }
    }

    #[test]
    fn a_directory_walk_finds_recognised_files_in_name_order() {
        let tree = TempTree::new(&[
            "z/Dockerfile",
            "Dockerfile",
            "README.md",
            ".dockerignore",
            "sub/app.Dockerfile",
            "sub/deeper/Containerfile.dev",
            "sub/main.go",
        ]);
        let found = discover(&[tree.root()]).expect("discover");
        assert_eq!(
            tree.relative(&found),
            [
                ".dockerignore",
                "Dockerfile",
                "sub/app.Dockerfile",
                "sub/deeper/Containerfile.dev",
                "z/Dockerfile"
            ]
        );
    }

    #[test]
    fn a_walk_skips_vcs_dependency_and_build_directories() {
        let tree = TempTree::new(&[
            ".git/Dockerfile",
            "node_modules/pkg/Dockerfile",
            "target/debug/Dockerfile",
            "app/Dockerfile",
        ]);
        let found = discover(&[tree.root()]).expect("discover");
        assert_eq!(tree.relative(&found), ["app/Dockerfile"]);
    }

    #[test]
    fn an_explicit_file_is_taken_whatever_its_name() {
        let tree = TempTree::new(&["notes.txt"]);
        let file = tree.root().join("notes.txt");
        assert_eq!(
            discover(std::slice::from_ref(&file)).expect("discover"),
            [file]
        );
    }

    #[test]
    fn a_file_named_twice_is_checked_once() {
        let tree = TempTree::new(&["Dockerfile"]);
        let file = tree.root().join("Dockerfile");
        let found = discover(&[file.clone(), tree.root(), file.clone()]).expect("discover");
        assert_eq!(found, [file]);
    }

    #[test]
    fn a_missing_path_is_an_error_naming_it() {
        let tree = TempTree::new(&[]);
        let missing = tree.root().join("nope");
        let error = discover(&[tree.root(), missing.clone()]).expect_err("missing path");
        assert!(matches!(error, FilesError::NotFound { .. }));
        assert_eq!(error.path(), missing);
        assert_eq!(error.to_string(), "no such file or directory");
    }

    #[cfg(unix)]
    #[test]
    fn a_walk_does_not_follow_symlinked_directories() {
        let tree = TempTree::new(&["app/Dockerfile", "lib.Dockerfile"]);
        let root = tree.root();
        std::os::unix::fs::symlink(&root, root.join("app/loop")).expect("symlink dir");
        std::os::unix::fs::symlink(
            root.join("lib.Dockerfile"),
            root.join("app/linked.Dockerfile"),
        )
        .expect("symlink file");
        std::os::unix::fs::symlink(root.join("gone"), root.join("app/dangling.Dockerfile"))
            .expect("dangling symlink");
        let found = discover(&[root]).expect("discover");
        assert_eq!(
            tree.relative(&found),
            ["app/Dockerfile", "app/linked.Dockerfile", "lib.Dockerfile"]
        );
    }
}
