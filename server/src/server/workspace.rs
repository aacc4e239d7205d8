//! The workspace's configuration: files at its root merged with the editor's settings.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::analysis::config::{self, Layer};
use crate::analysis::settings::{Context, RegistryOptions, Settings};
use crate::config_files::{self, Problem};

/// Where settings come from, and the merged result.
#[derive(Debug, Default)]
pub(crate) struct Workspace {
    root: Option<PathBuf>,
    editor: Layer,
    settings: Arc<Settings>,
}

impl Workspace {
    /// Reads the configuration files of `root` and the editor's settings; returns what
    /// could not be used, for the user to see.
    pub fn configure(
        &mut self,
        root: Option<PathBuf>,
        editor: Option<&serde_json::Value>,
    ) -> Vec<String> {
        self.root = root;
        let mut problems = Vec::new();
        if let Some(value) = editor {
            match config::from_json(unwrap_section(value)) {
                Ok(layer) => {
                    problems.extend(layer.warnings.iter().map(|w| format!("settings: {w}")));
                    self.editor = layer;
                }
                Err(error) => {
                    problems.push(format!("settings: {error}; using the defaults"));
                    self.editor = Layer::default();
                }
            }
        }
        problems.extend(self.reload().into_iter().map(|p| p.to_string()));
        problems
    }

    /// Re-reads the configuration files (after one of them was saved).
    pub fn reload(&mut self) -> Vec<Problem> {
        let mut loaded = match &self.root {
            Some(root) => config_files::load(root, None),
            None => config_files::Loaded::default(),
        };
        loaded.apply(&self.editor);
        self.settings = Arc::new(loaded.settings);
        loaded.problems
    }

    /// The context rules see for a document at `path`.
    pub fn context_for(&self, path: Option<&Path>) -> Context {
        let relative = path.map(|path| {
            let inside = self
                .root
                .as_deref()
                .and_then(|root| path.strip_prefix(root).ok())
                .unwrap_or(path);
            inside.to_string_lossy().replace('\\', "/")
        });
        Context {
            settings: Arc::clone(&self.settings),
            dockerignore: path.and_then(config_files::dockerignore_for),
            project: path.and_then(config_files::project_for),
            size_budget: self.settings.size_budget_for(relative.as_deref()),
            ..Context::default()
        }
    }

    /// The registry options now in force.
    pub fn registry_options(&self) -> RegistryOptions {
        self.settings.registry.clone()
    }

    /// The workspace root, when the client named one.
    pub fn root(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    /// The settings now in force.
    #[cfg(test)]
    pub fn settings(&self) -> Arc<Settings> {
        Arc::clone(&self.settings)
    }
}

/// Editors send either our settings or an object holding them under our name.
fn unwrap_section(value: &serde_json::Value) -> &serde_json::Value {
    value.get("dockerfile-lsp").unwrap_or(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_settings_apply_over_the_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".hadolint.yaml"), "ignored: [DL3000]\n").unwrap();
        let mut workspace = Workspace::default();
        let editor = serde_json::json!({"dockerfile-lsp": {"rules": {"enable": ["DL3000"]}}});
        let problems = workspace.configure(Some(dir.path().to_owned()), Some(&editor));
        assert!(problems.is_empty(), "{problems:?}");
        assert!(workspace.settings().is_enabled("workdir-relative", true));
    }

    #[test]
    fn bad_editor_settings_give_one_problem_and_the_defaults() {
        let mut workspace = Workspace::default();
        let problems = workspace.configure(None, Some(&serde_json::json!({"rules": "all"})));
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("settings: "), "{problems:?}");
        assert_eq!(*workspace.settings(), Settings::default());
    }
}
