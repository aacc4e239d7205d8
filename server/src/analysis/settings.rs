//! What configuration and the files around a Dockerfile tell the rules (plain data, no I/O).

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHashSet, FxHasher};

use crate::syntax::Severity;

/// The kind of value a label must have (hadolint's `label-schema`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LabelType {
    Text,
    Url,
    Semver,
    Hash,
    Rfc3339,
    Spdx,
    Email,
}

impl LabelType {
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "text" => LabelType::Text,
            "url" => LabelType::Url,
            "semver" => LabelType::Semver,
            "hash" => LabelType::Hash,
            "rfc3339" => LabelType::Rfc3339,
            "spdx" => LabelType::Spdx,
            "email" => LabelType::Email,
            _ => return None,
        })
    }
}

/// Rule selection and rule options, merged from every configuration source.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// Rule ids turned off.
    pub disabled: FxHashSet<&'static str>,
    /// Rule ids turned on although off by default.
    pub enabled: FxHashSet<&'static str>,
    /// Severity per rule id, replacing the default.
    pub severity: FxHashMap<&'static str, Severity>,
    /// Registries FROM may use (globs like `*.gcr.io`); empty allows all.
    pub trusted_registries: Vec<String>,
    /// Labels that must be present, with the kind of value each must have.
    pub label_schema: Vec<(String, LabelType)>,
    /// Labels outside the schema are reported.
    pub strict_labels: bool,
    /// Inline ignore comments are not honoured.
    pub disable_ignore_pragma: bool,
    /// How registries are asked about base images.
    pub registry: RegistryOptions,
    /// The largest compressed base image (bytes) for every Dockerfile.
    pub size_budget: Option<u64>,
    /// Budgets for Dockerfiles whose path (relative to the workspace) matches a pattern,
    /// before the workspace's one.
    pub size_budgets: Vec<(String, u64)>,
    /// How the formatter lays out files (not a rule setting: left out of the fingerprint).
    pub format: super::format::FormatSettings,
}

/// The `[registry]` and `[inlay-hints]` options, as written: the server and the CLI turn
/// them into a registry client.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct RegistryOptions {
    pub offline: Option<bool>,
    pub platform: Option<String>,
    pub timeout_ms: Option<u64>,
    pub cache_ttl_seconds: Option<u64>,
    pub cache_dir: Option<String>,
    /// Registry host to mirror base URL; later layers add to and replace entries.
    pub mirrors: std::collections::BTreeMap<String, String>,
    pub insecure: Option<Vec<String>>,
    /// Inlay hints with the base image's size after FROM lines.
    pub inlay_image_size: Option<bool>,
}

impl RegistryOptions {
    /// Applies `other` over these options.
    pub fn merge(&mut self, other: &RegistryOptions) {
        macro_rules! take {
            ($($field:ident),*) => {$(
                if other.$field.is_some() {
                    self.$field = other.$field.clone();
                }
            )*};
        }
        take!(
            offline,
            platform,
            timeout_ms,
            cache_ttl_seconds,
            cache_dir,
            insecure,
            inlay_image_size
        );
        self.mirrors
            .extend(other.mirrors.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
}

impl Settings {
    /// Whether a rule runs.
    pub fn is_enabled(&self, id: &str, enabled_by_default: bool) -> bool {
        if self.disabled.contains(id) {
            return false;
        }
        enabled_by_default || self.enabled.contains(id) || self.severity.contains_key(id)
    }

    /// The severity a rule reports with.
    pub fn severity_of(&self, id: &str, default: Severity) -> Severity {
        self.severity.get(id).copied().unwrap_or(default)
    }

    /// A hash of everything that can change what a rule reports.
    pub fn fingerprint(&self) -> u64 {
        let mut hasher = FxHasher::default();
        let mut disabled: Vec<_> = self.disabled.iter().collect();
        disabled.sort();
        disabled.hash(&mut hasher);
        let mut enabled: Vec<_> = self.enabled.iter().collect();
        enabled.sort();
        enabled.hash(&mut hasher);
        let mut severity: Vec<_> = self.severity.iter().collect();
        severity.sort();
        severity.hash(&mut hasher);
        self.trusted_registries.hash(&mut hasher);
        self.label_schema.hash(&mut hasher);
        self.strict_labels.hash(&mut hasher);
        self.disable_ignore_pragma.hash(&mut hasher);
        self.size_budget.hash(&mut hasher);
        self.size_budgets.hash(&mut hasher);
        hasher.finish()
    }

    /// The size budget of the Dockerfile at `path` (relative to the workspace, `/`-separated).
    pub fn size_budget_for(&self, path: Option<&str>) -> Option<u64> {
        path.and_then(|path| {
            self.size_budgets
                .iter()
                .find(|(pattern, _)| super::ignore_match::pattern_matches(pattern, path))
                .map(|(_, budget)| *budget)
        })
        .or(self.size_budget)
    }
}

/// Reads a size: `300MB`, `1.5 GB`, `120MiB`, `80 kB`, or a number of bytes. Units of
/// 1000, as registries' sites show sizes; `KiB`, `MiB` and `GiB` are units of 1024.
pub fn parse_size(text: &str) -> Option<u64> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let factor: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" | "k" => 1e3,
        "mb" | "m" => 1e6,
        "gb" | "g" => 1e9,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    let bytes = number * factor;
    (bytes.is_finite() && (0.0..1e18).contains(&bytes)).then_some(bytes.round() as u64)
}

/// One pattern of a `.dockerignore` file, as the build context would apply it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IgnoreRule {
    /// The cleaned pattern (no leading `/`, no `!`).
    pub pattern: String,
    /// `!pattern`: re-includes what earlier patterns excluded.
    pub exception: bool,
}

/// What a registry said about a base image, when it has been asked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ImageFacts {
    /// The reference as written in FROM after expansion (`python:3.12`).
    pub reference: String,
    /// The host that answered, for messages.
    pub registry: String,
    /// The digest the tag points at; `None` when the registry said the name or tag does
    /// not exist.
    pub digest: Option<String>,
    /// `os/arch[/variant]` of each image in the index (attestations left out).
    pub platforms: Vec<String>,
    /// The compressed size for the configured platform.
    pub size: Option<u64>,
    /// The smallest variant of the same repository that exists, with its size for the
    /// configured platform.
    pub slimmer: Option<(String, u64)>,
}

/// What a check may know beyond the Dockerfile's text: settings and neighbouring files.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub settings: Arc<Settings>,
    /// The `.dockerignore` that applies to this Dockerfile, if any.
    pub dockerignore: Option<Arc<Vec<IgnoreRule>>>,
    /// Registry data about base images.
    pub images: Arc<Vec<ImageFacts>>,
    /// The largest compressed base image this Dockerfile may have, in bytes.
    pub size_budget: Option<u64>,
    /// The platform being built for (`linux/amd64`), to compare base images with.
    pub target_platform: Option<String>,
    /// What the build context directory holds (`None`: not known, as for an unsaved buffer).
    pub project: Option<Arc<ProjectFiles>>,
    /// The rules the settings enable, worked out once per context (leave it to the default).
    #[doc(hidden)]
    pub enabled: EnabledRules,
}

/// The rules a context's settings enable, worked out on first use. A copy starts
/// empty: a context copied with other settings must not keep the old list.
#[derive(Debug, Default)]
pub struct EnabledRules(pub(crate) std::sync::OnceLock<Vec<&'static super::rules::Rule>>);

impl Clone for EnabledRules {
    fn clone(&self) -> Self {
        EnabledRules::default()
    }
}

impl Context {
    /// What the registry said about a stage's base image: matched as written after
    /// expansion, or as the same normalised reference.
    pub fn image_facts(&self, written: &str) -> Option<&ImageFacts> {
        let normalised = super::image_ref::parse(written).ok();
        self.images.iter().find(|facts| {
            facts.reference == written
                || normalised.as_ref().is_some_and(|n| {
                    super::image_ref::parse(&facts.reference).is_ok_and(|r| r == *n)
                })
        })
    }

    /// A hash of the whole context, which keys cached findings.
    pub fn fingerprint(&self) -> u64 {
        let mut hasher = FxHasher::default();
        self.settings.fingerprint().hash(&mut hasher);
        self.dockerignore.hash(&mut hasher);
        self.images.hash(&mut hasher);
        self.size_budget.hash(&mut hasher);
        self.target_platform.hash(&mut hasher);
        self.project.hash(&mut hasher);
        hasher.finish()
    }
}

/// The most entries of the build context directory that are listed.
pub const MAX_PROJECT_ENTRIES: usize = 2000;

/// One top-level entry of the build context directory.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ProjectEntry {
    pub name: String,
    pub is_dir: bool,
}

/// The build context directory (the Dockerfile's directory) as listed from disk: what
/// rules about manifests and `.dockerignore` need to know of the project.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ProjectFiles {
    /// Top-level entries sorted by name, at most [`MAX_PROJECT_ENTRIES`].
    /// Shared: every Dockerfile of a directory has the same listing.
    pub entries: Arc<[ProjectEntry]>,
    /// The directory has more entries than are listed.
    pub truncated: bool,
    /// `.dockerignore` exists in the directory.
    pub has_dockerignore: bool,
    /// `<Dockerfile name>.dockerignore` exists beside the Dockerfile.
    pub has_own_dockerignore: bool,
    /// The file name of the Dockerfile the context is for (`None` for an ignore file).
    pub dockerfile_name: Option<String>,
}

impl ProjectFiles {
    /// A listing from entries in any order (truncated past [`MAX_PROJECT_ENTRIES`]).
    pub fn new(entries: impl IntoIterator<Item = (String, bool)>) -> Self {
        let mut entries: Vec<ProjectEntry> = entries
            .into_iter()
            .map(|(name, is_dir)| ProjectEntry { name, is_dir })
            .collect();
        entries.sort();
        entries.dedup_by(|a, b| a.name == b.name);
        let truncated = entries.len() > MAX_PROJECT_ENTRIES;
        entries.truncate(MAX_PROJECT_ENTRIES);
        ProjectFiles {
            entries: entries.into(),
            truncated,
            ..ProjectFiles::default()
        }
    }

    /// The entry with this name, if listed.
    pub fn entry(&self, name: &str) -> Option<&ProjectEntry> {
        self.entries
            .binary_search_by(|e| e.name.as_str().cmp(name))
            .ok()
            .and_then(|i| self.entries.get(i))
    }

    /// Whether a file (not a directory) with this name is listed.
    pub fn has_file(&self, name: &str) -> bool {
        self.entry(name).is_some_and(|e| !e.is_dir)
    }

    /// Whether a directory with this name is listed.
    pub fn has_dir(&self, name: &str) -> bool {
        self.entry(name).is_some_and(|e| e.is_dir)
    }

    /// Whether an entry is known to be absent: not listed, and the listing is complete.
    pub fn lacks(&self, name: &str) -> bool {
        !self.truncated && self.entry(name).is_none()
    }

    /// Whether any `.dockerignore` applies to the Dockerfile.
    pub fn has_any_dockerignore(&self) -> bool {
        self.has_dockerignore || self.has_own_dockerignore
    }
}
