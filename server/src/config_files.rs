//! Finding and reading configuration files and the `.dockerignore` beside a Dockerfile.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::analysis::config::{self, Layer, Threshold};
use crate::analysis::dockerignore_rules;
use crate::analysis::settings::{IgnoreRule, MAX_PROJECT_ENTRIES, ProjectFiles, Settings};

/// The name of the project's own configuration file.
pub const OWN_CONFIG: &str = "dockerfile-lsp.toml";

/// A configuration file that could not be used (its layer is skipped), or an entry in
/// it that was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

/// Settings merged from the configuration files, with what went wrong reading them.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub settings: Settings,
    pub failure_threshold: Option<Threshold>,
    pub problems: Vec<Problem>,
    /// The files read, in the order applied.
    pub files: Vec<PathBuf>,
}

impl Loaded {
    /// Applies one more layer (editor settings, say) over the files.
    pub fn apply(&mut self, layer: &Layer) {
        layer.apply(&mut self.settings);
        if layer.failure_threshold.is_some() {
            self.failure_threshold = layer.failure_threshold;
        }
    }
}

/// Which format a configuration file is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Hadolint,
    Own,
}

fn format_of(path: &Path) -> Format {
    match path.extension().and_then(|e| e.to_str()) {
        Some("yaml" | "yml") => Format::Hadolint,
        _ => Format::Own,
    }
}

/// Reads one configuration file into a layer.
pub fn read(path: &Path) -> Result<Layer, Problem> {
    let problem = |message: String| Problem {
        path: path.to_owned(),
        message,
    };
    let text = std::fs::read_to_string(path)
        .map_err(|e| problem(format!("cannot read: {}", crate::files::describe_io(&e))))?;
    let parsed = match format_of(path) {
        Format::Hadolint => config::from_hadolint_yaml(&text),
        Format::Own => config::from_toml(&text),
    };
    parsed.map_err(|e| match e.line {
        Some(line) => problem(format!("line {line}: {}", e.message)),
        None => problem(e.message),
    })
}

/// Loads the configuration that applies in `dir`: hadolint's file where hadolint looks
/// for it, then `dockerfile-lsp.toml` in `dir` or the nearest directory above it. An
/// explicit file replaces both. A file that cannot be used is reported and skipped.
pub fn load(dir: &Path, explicit: Option<&Path>) -> Loaded {
    let files: Vec<PathBuf> = match explicit {
        Some(path) => vec![path.to_owned()],
        None => hadolint_config(dir)
            .into_iter()
            .chain(own_config(dir))
            .collect(),
    };
    let mut loaded = Loaded::default();
    for path in files {
        match read(&path) {
            Ok(layer) => {
                loaded
                    .problems
                    .extend(layer.warnings.iter().map(|w| Problem {
                        path: path.clone(),
                        message: w.clone(),
                    }));
                loaded.apply(&layer);
                loaded.files.push(path);
            }
            Err(problem) => loaded.problems.push(problem),
        }
    }
    loaded
}

/// hadolint's search order: the working directory, then the user's configuration.
pub fn hadolint_config(cwd: &Path) -> Option<PathBuf> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let xdg = std::env::var_os("XDG_CONFIG_HOME").map(PathBuf::from);
    let mut candidates = vec![cwd.join(".hadolint.yaml"), cwd.join(".hadolint.yml")];
    if let Some(xdg) = &xdg {
        candidates.push(xdg.join("hadolint.yaml"));
        candidates.push(xdg.join("hadolint.yml"));
    }
    if let Some(home) = &home {
        for name in [
            ".config/hadolint.yaml",
            ".config/hadolint.yml",
            ".hadolint/hadolint.yaml",
            ".hadolint/hadolint.yml",
            "hadolint/config.yaml",
            "hadolint/config.yml",
            ".hadolint.yaml",
            ".hadolint.yml",
        ] {
            candidates.push(home.join(name));
        }
    }
    candidates.into_iter().find(|p| p.is_file())
}

/// `dockerfile-lsp.toml` in `dir` or the nearest directory above.
pub fn own_config(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join(OWN_CONFIG))
        .find(|p| p.is_file())
}

/// Whether a file name is one of the configuration files.
pub fn is_config_file(path: &Path) -> bool {
    matches!(
        path.file_name().and_then(|n| n.to_str()),
        Some(OWN_CONFIG | ".hadolint.yaml" | ".hadolint.yml" | "hadolint.yaml" | "config.yaml")
    )
}

/// The `.dockerignore` that applies to a Dockerfile: `<name>.dockerignore` beside it,
/// else `.dockerignore` in its directory (taken as the build context).
pub fn dockerignore_path(dockerfile: &Path) -> Option<PathBuf> {
    let dir = dockerfile.parent()?;
    let name = dockerfile.file_name()?.to_str()?;
    [
        dir.join(format!("{name}.dockerignore")),
        dir.join(".dockerignore"),
    ]
    .into_iter()
    .find(|p| p.is_file())
}

/// The ignore rules for a Dockerfile, read from disk (`None` without a readable file).
pub fn dockerignore_for(dockerfile: &Path) -> Option<Arc<Vec<IgnoreRule>>> {
    let path = dockerignore_path(dockerfile)?;
    let text = std::fs::read_to_string(&path).ok()?;
    Some(Arc::new(dockerignore_rules::ignore_rules(&text)))
}

/// The build context directory of a Dockerfile (its own directory) as listed from disk:
/// top-level entries and whether ignore files exist. For an ignore file, the directory
/// it applies to. `None` when the directory cannot be read.
pub fn project_for(path: &Path) -> Option<Arc<ProjectFiles>> {
    ProjectListings::default().project_for(path)
}

/// Directory listings read once per directory, for a run over many files (a
/// directory of 400 Dockerfiles is listed once, not 400 times).
#[derive(Debug, Default)]
pub struct ProjectListings {
    by_dir: std::collections::HashMap<PathBuf, Option<ProjectFiles>>,
}

impl ProjectListings {
    /// [`project_for`], with the directory's listing read at most once.
    pub fn project_for(&mut self, path: &Path) -> Option<Arc<ProjectFiles>> {
        let dir = path.parent()?;
        let dir = if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        };
        let name = path.file_name()?.to_str()?;
        let listing = self
            .by_dir
            .entry(dir.to_owned())
            .or_insert_with(|| list_directory(dir))
            .as_ref()?;
        let mut project = listing.clone();
        let is_ignore_file =
            crate::files::file_kind(path) == Some(crate::syntax::FileKind::Dockerignore);
        if !is_ignore_file {
            let own = format!("{name}.dockerignore");
            project.has_own_dockerignore = if project.truncated {
                dir.join(&own).is_file()
            } else {
                project.has_file(&own)
            };
            project.dockerfile_name = Some(name.to_owned());
        }
        Some(Arc::new(project))
    }
}

/// The entries of a directory, and whether it has a `.dockerignore`.
fn list_directory(dir: &Path) -> Option<ProjectFiles> {
    // One entry past the limit says the listing is truncated.
    let entries: Vec<(String, bool)> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let is_dir = match entry.file_type() {
                Ok(kind) if kind.is_symlink() => entry.path().is_dir(),
                Ok(kind) => kind.is_dir(),
                Err(_) => false,
            };
            Some((name, is_dir))
        })
        .take(MAX_PROJECT_ENTRIES + 1)
        .collect();
    let mut project = ProjectFiles::new(entries);
    project.has_dockerignore = dir.join(".dockerignore").is_file();
    Some(project)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn own_config_is_found_above_and_explicit_files_replace_it() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        std::fs::write(
            dir.path().join(OWN_CONFIG),
            "[rules]\ndisable = [\"DL3007\"]\n",
        )
        .unwrap();
        let loaded = load(&sub, None);
        assert!(loaded.problems.is_empty(), "{:?}", loaded.problems);
        assert!(!loaded.settings.is_enabled("image-latest-tag", true));

        let explicit = dir.path().join("other.yaml");
        std::fs::write(&explicit, "ignored: [DL3000]\n").unwrap();
        let loaded = load(&sub, Some(&explicit));
        assert!(loaded.settings.is_enabled("image-latest-tag", true));
        assert!(!loaded.settings.is_enabled("workdir-relative", true));
    }

    #[test]
    fn broken_files_are_reported_and_skipped() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".hadolint.yaml"), "ignored: [DL3007\n").unwrap();
        std::fs::write(
            dir.path().join(OWN_CONFIG),
            "[rules]\ndisable = [\"DL3000\", \"nope\"]\n",
        )
        .unwrap();
        let loaded = load(dir.path(), None);
        assert_eq!(loaded.problems.len(), 2, "{:?}", loaded.problems);
        assert!(
            loaded.problems[0]
                .to_string()
                .contains(".hadolint.yaml: line")
        );
        assert!(loaded.problems[1].message.contains("nope"));
        assert!(loaded.settings.is_enabled("image-latest-tag", true));
        assert!(!loaded.settings.is_enabled("workdir-relative", true));
    }

    #[test]
    fn the_dockerignore_beside_a_dockerfile() {
        let dir = tempfile::tempdir().unwrap();
        let dockerfile = dir.path().join("app.Dockerfile");
        assert!(dockerignore_path(&dockerfile).is_none());
        std::fs::write(dir.path().join(".dockerignore"), "*.log\n").unwrap();
        assert_eq!(
            dockerignore_path(&dockerfile),
            Some(dir.path().join(".dockerignore"))
        );
        std::fs::write(dir.path().join("app.Dockerfile.dockerignore"), "x\n").unwrap();
        assert_eq!(
            dockerignore_path(&dockerfile),
            Some(dir.path().join("app.Dockerfile.dockerignore"))
        );
        assert_eq!(
            dockerignore_for(&dockerfile).map(|rules| rules.len()),
            Some(1)
        );
    }

    #[test]
    fn the_project_around_a_dockerfile() {
        let dir = tempfile::tempdir().unwrap();
        let dockerfile = dir.path().join("app.Dockerfile");
        std::fs::write(&dockerfile, "FROM a\n").unwrap();
        std::fs::write(dir.path().join("package.json"), "{}").unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        let project = project_for(&dockerfile).unwrap();
        assert!(project.has_file("package.json") && project.has_dir("src"));
        assert!(project.lacks("go.mod") && !project.truncated);
        assert!(!project.has_any_dockerignore());
        assert_eq!(project.dockerfile_name.as_deref(), Some("app.Dockerfile"));

        std::fs::write(dir.path().join("app.Dockerfile.dockerignore"), "x\n").unwrap();
        let project = project_for(&dockerfile).unwrap();
        assert!(project.has_own_dockerignore && !project.has_dockerignore);

        let ignore = dir.path().join(".dockerignore");
        std::fs::write(&ignore, "x\n").unwrap();
        let project = project_for(&ignore).unwrap();
        assert!(project.has_dockerignore && project.dockerfile_name.is_none());
        assert!(project_for(&dir.path().join("missing/Dockerfile")).is_none());
    }

    #[test]
    fn a_large_directory_is_listed_in_part() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..=MAX_PROJECT_ENTRIES {
            std::fs::write(dir.path().join(format!("f{i}")), "").unwrap();
        }
        let project = project_for(&dir.path().join("Dockerfile")).unwrap();
        assert!(project.truncated);
        assert_eq!(project.entries.len(), MAX_PROJECT_ENTRIES);
        assert!(!project.lacks("nothing-like-it"));
    }
}
