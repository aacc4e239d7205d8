//! Configuration layers (`.hadolint.yaml`, `dockerfile-lsp.toml`, editor settings) parsed from text into settings.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::format::FormatSettings;
use super::rules::{self, Rule};
use super::settings::{self, LabelType, RegistryOptions, Settings};
use crate::syntax::Severity;

/// Why a configuration could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConfigError {
    pub message: String,
    /// 1-based line of the problem, when the format reports one.
    pub line: Option<usize>,
}

impl ConfigError {
    fn new(message: impl Into<String>) -> Self {
        ConfigError {
            message: message.into(),
            line: None,
        }
    }
}

/// The level at which `check` fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threshold {
    /// Fail on findings of this severity or worse.
    At(Severity),
    /// Never fail on findings.
    Never,
}

impl Threshold {
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name.to_ascii_lowercase().as_str() {
            "none" | "ignore" | "off" => Threshold::Never,
            other => Threshold::At(parse_severity(other)?),
        })
    }

    /// Whether a finding of this severity fails the check.
    pub fn fails(self, severity: Severity) -> bool {
        match self {
            Threshold::At(threshold) => severity <= threshold,
            Threshold::Never => false,
        }
    }
}

fn parse_severity(name: &str) -> Option<Severity> {
    Some(match name.to_ascii_lowercase().as_str() {
        "error" => Severity::Error,
        "warning" => Severity::Warning,
        "info" => Severity::Info,
        // hadolint's `style` is the lowest level, as our hint.
        "hint" | "style" => Severity::Hint,
        _ => return None,
    })
}

/// One source of configuration, already validated: applied on top of earlier layers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Layer {
    pub disable: Vec<&'static str>,
    pub enable: Vec<&'static str>,
    pub severity: Vec<(&'static str, Severity)>,
    pub trusted_registries: Option<Vec<String>>,
    pub label_schema: Option<Vec<(String, LabelType)>>,
    pub strict_labels: Option<bool>,
    pub disable_ignore_pragma: Option<bool>,
    pub failure_threshold: Option<Threshold>,
    pub registry: RegistryOptions,
    pub size_budget: Option<u64>,
    pub size_budgets: Option<Vec<(String, u64)>>,
    pub format: FormatSettings,
    /// Entries that were skipped (unknown rule ids), to tell the user.
    pub warnings: Vec<String>,
}

impl Layer {
    /// Applies this layer over `settings`.
    pub fn apply(&self, settings: &mut Settings) {
        for id in &self.disable {
            settings.disabled.insert(id);
            settings.enabled.remove(id);
            settings.severity.remove(id);
        }
        for id in &self.enable {
            settings.enabled.insert(id);
            settings.disabled.remove(id);
        }
        for (id, severity) in &self.severity {
            settings.severity.insert(id, *severity);
            settings.disabled.remove(id);
        }
        if let Some(registries) = &self.trusted_registries {
            settings.trusted_registries = registries.clone();
        }
        if let Some(schema) = &self.label_schema {
            settings.label_schema = schema.clone();
        }
        if let Some(strict) = self.strict_labels {
            settings.strict_labels = strict;
        }
        if let Some(disable) = self.disable_ignore_pragma {
            settings.disable_ignore_pragma = disable;
        }
        settings.registry.merge(&self.registry);
        if self.size_budget.is_some() {
            settings.size_budget = self.size_budget;
        }
        if let Some(budgets) = &self.size_budgets {
            settings.size_budgets = budgets.clone();
        }
        settings.format.merge(&self.format);
    }

    /// Rules named by id or by another tool's code (a code can name several rules).
    fn rules(&mut self, names: &[String]) -> Vec<&'static str> {
        let mut out = Vec::new();
        for name in names {
            let found = rules::find_all(name);
            if found.is_empty() {
                if !is_shellcheck_code(name) {
                    self.warnings.push(format!("unknown rule `{name}`"));
                }
            } else {
                out.extend(found.iter().map(|r: &&Rule| r.id));
            }
        }
        out
    }

    fn set_severity(&mut self, names: &[String], level: &str) -> Result<(), ConfigError> {
        let ids = self.rules(names);
        match level.to_ascii_lowercase().as_str() {
            "off" | "ignore" | "none" => self.disable.extend(ids),
            _ => {
                let severity = parse_severity(level).ok_or_else(|| {
                    ConfigError::new(format!(
                        "unknown severity `{level}`: use error, warning, info, hint or off"
                    ))
                })?;
                self.severity
                    .extend(ids.into_iter().map(|id| (id, severity)));
            }
        }
        Ok(())
    }

    fn set_labels(&mut self, schema: &BTreeMap<String, String>) -> Result<(), ConfigError> {
        let mut labels = Vec::new();
        for (label, kind) in schema {
            let kind = LabelType::parse(kind).ok_or_else(|| {
                ConfigError::new(format!(
                    "label `{label}`: unknown type `{kind}` (use text, url, semver, hash, rfc3339, spdx or email)"
                ))
            })?;
            labels.push((label.clone(), kind));
        }
        self.label_schema = Some(labels);
        Ok(())
    }

    /// The options both file formats have, under their own names.
    fn set_options(&mut self, options: Options) -> Result<(), ConfigError> {
        self.trusted_registries = options.trusted_registries.map(OneOrMany::into_vec);
        if let Some(schema) = &options.label_schema {
            self.set_labels(schema)?;
        }
        self.strict_labels = options.strict_labels;
        self.disable_ignore_pragma = options.disable_ignore_pragma;
        if let Some(threshold) = &options.failure_threshold {
            self.set_threshold(threshold)?;
        }
        Ok(())
    }

    fn set_threshold(&mut self, name: &str) -> Result<(), ConfigError> {
        self.failure_threshold = Some(Threshold::parse(name).ok_or_else(|| {
            ConfigError::new(format!(
                "unknown failure threshold `{name}`: use error, warning, info, hint or none"
            ))
        })?);
        Ok(())
    }
}

/// ShellCheck codes (`SC2086`) appear in hadolint configurations; we have no
/// ShellCheck, so they are accepted and do nothing.
fn is_shellcheck_code(name: &str) -> bool {
    name.len() > 2
        && name[..2].eq_ignore_ascii_case("sc")
        && name[2..].bytes().all(|b| b.is_ascii_digit())
}

/// A string or a list of strings.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(one) => vec![one],
            OneOrMany::Many(many) => many,
        }
    }
}

/// The options that are not about single rules, read from either format.
struct Options {
    trusted_registries: Option<OneOrMany>,
    label_schema: Option<BTreeMap<String, String>>,
    strict_labels: Option<bool>,
    disable_ignore_pragma: Option<bool>,
    failure_threshold: Option<String>,
}

/// `.hadolint.yaml`, as hadolint reads it (its other keys are accepted and ignored).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct HadolintFile {
    ignored: Vec<String>,
    #[serde(rename = "override")]
    overrides: BTreeMap<String, Vec<String>>,
    #[serde(rename = "trustedRegistries")]
    trusted_registries: Option<OneOrMany>,
    #[serde(rename = "label-schema")]
    label_schema: Option<BTreeMap<String, String>>,
    #[serde(rename = "strict-labels")]
    strict_labels: Option<bool>,
    #[serde(rename = "disable-ignore-pragma")]
    disable_ignore_pragma: Option<bool>,
    #[serde(rename = "failure-threshold")]
    failure_threshold: Option<String>,
}

/// Reads a `.hadolint.yaml`.
pub fn from_hadolint_yaml(text: &str) -> Result<Layer, ConfigError> {
    if text.trim().is_empty() {
        return Ok(Layer::default());
    }
    let file: HadolintFile = serde_yaml_ng::from_str(text).map_err(|e| ConfigError {
        line: e.location().map(|l| l.line()),
        message: e.to_string(),
    })?;
    let mut layer = Layer::default();
    layer.disable = layer.rules(&file.ignored);
    for (level, names) in &file.overrides {
        layer.set_severity(names, level)?;
    }
    layer.set_options(Options {
        trusted_registries: file.trusted_registries,
        label_schema: file.label_schema,
        strict_labels: file.strict_labels,
        disable_ignore_pragma: file.disable_ignore_pragma,
        failure_threshold: file.failure_threshold,
    })?;
    Ok(layer)
}

/// Every key of `dockerfile-lsp.toml`, which editors also send: sections' keys dotted
/// (`registry.timeout-ms`), and tables of free keys (`rules.severity`) as one key. An
/// editor extension contributes one setting per key (a test checks VS Code's).
pub const SETTING_KEYS: &[&str] = &[
    "rules.disable",
    "rules.enable",
    "rules.severity",
    "trusted-registries",
    "label-schema",
    "strict-labels",
    "disable-ignore-pragma",
    "failure-threshold",
    "registry.offline",
    "registry.platform",
    "registry.timeout-ms",
    "registry.cache-ttl-seconds",
    "registry.cache-dir",
    "registry.mirrors",
    "registry.insecure",
    "registry.size-budget",
    "registry.size-budgets",
    "inlay-hints.image-size",
    "format.keep-multiline",
    "format.indent",
    "format.max-blank-lines",
];

/// The project's own settings: `dockerfile-lsp.toml`, or the same keys as JSON from the
/// editor (`initializationOptions`, `workspace/didChangeConfiguration`).
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
struct OwnFile {
    rules: RulesSection,
    trusted_registries: Option<OneOrMany>,
    label_schema: Option<BTreeMap<String, String>>,
    strict_labels: Option<bool>,
    disable_ignore_pragma: Option<bool>,
    failure_threshold: Option<String>,
    registry: Option<RegistrySection>,
    #[serde(alias = "inlayHints")]
    inlay_hints: Option<InlayHintsSection>,
    format: Option<FormatSection>,
}

/// `[format]`: kebab-case in the file, camelCase accepted from editors.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
struct FormatSection {
    #[serde(alias = "keepMultiline")]
    keep_multiline: Option<bool>,
    /// A number of spaces, or `"tab"`.
    indent: Option<Indent>,
    #[serde(alias = "maxBlankLines")]
    max_blank_lines: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Indent {
    Spaces(usize),
    Text(String),
}

impl FormatSection {
    fn settings(self) -> Result<FormatSettings, ConfigError> {
        let indent = match self.indent {
            None => None,
            Some(Indent::Spaces(n @ 1..=16)) => Some(" ".repeat(n)),
            Some(Indent::Text(text)) if text == "tab" || text == "\t" => Some("\t".to_owned()),
            Some(Indent::Spaces(n)) => {
                return Err(ConfigError::new(format!(
                    "format.indent = {n}: write a number of spaces from 1 to 16, or \"tab\""
                )));
            }
            Some(Indent::Text(text)) => {
                return Err(ConfigError::new(format!(
                    "format.indent = `{text}`: write a number of spaces from 1 to 16, or \"tab\""
                )));
            }
        };
        Ok(FormatSettings {
            keep_multiline: self.keep_multiline,
            indent,
            max_blank_lines: self.max_blank_lines,
        })
    }
}

/// `[registry]`: kebab-case in the file, camelCase accepted from editors.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
struct RegistrySection {
    offline: Option<bool>,
    platform: Option<String>,
    #[serde(alias = "timeoutMs")]
    timeout_ms: Option<u64>,
    #[serde(alias = "cacheTtlSeconds")]
    cache_ttl_seconds: Option<u64>,
    #[serde(alias = "cacheDir")]
    cache_dir: Option<String>,
    mirrors: BTreeMap<String, String>,
    insecure: Option<OneOrMany>,
    #[serde(alias = "sizeBudget")]
    size_budget: Option<Size>,
    #[serde(alias = "sizeBudgets")]
    size_budgets: Option<BTreeMap<String, Size>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields, rename_all = "kebab-case")]
struct InlayHintsSection {
    #[serde(alias = "imageSize")]
    image_size: Option<bool>,
}

/// A size as a number of bytes or text (`"200MB"`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Size {
    Bytes(u64),
    Text(String),
}

impl Size {
    fn bytes(&self) -> Result<u64, ConfigError> {
        match self {
            Size::Bytes(bytes) => Ok(*bytes),
            Size::Text(text) => settings::parse_size(text).ok_or_else(|| {
                ConfigError::new(format!(
                    "size `{text}`: write a number with a unit, such as 200MB or 1.5GB"
                ))
            }),
        }
    }
}

fn registry_options(
    layer: &mut Layer,
    registry: Option<RegistrySection>,
    inlay_hints: Option<InlayHintsSection>,
) -> Result<(), ConfigError> {
    let registry = registry.unwrap_or_default();
    if let Some(platform) = &registry.platform
        && platform.split('/').filter(|p| !p.is_empty()).count() < 2
    {
        return Err(ConfigError::new(format!(
            "registry.platform `{platform}`: write os/arch[/variant], such as linux/arm64"
        )));
    }
    for (host, url) in &registry.mirrors {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ConfigError::new(format!(
                "registry.mirrors.\"{host}\" = `{url}`: write a base URL, such as https://mirror.example.com"
            )));
        }
    }
    if registry.timeout_ms == Some(0) {
        return Err(ConfigError::new("registry.timeout-ms must be more than 0"));
    }
    layer.size_budget = registry.size_budget.as_ref().map(Size::bytes).transpose()?;
    layer.size_budgets = registry
        .size_budgets
        .as_ref()
        .map(|budgets| {
            budgets
                .iter()
                .map(|(pattern, size)| Ok((pattern.clone(), size.bytes()?)))
                .collect::<Result<Vec<_>, ConfigError>>()
        })
        .transpose()?;
    layer.registry = RegistryOptions {
        offline: registry.offline,
        platform: registry.platform,
        timeout_ms: registry.timeout_ms,
        cache_ttl_seconds: registry.cache_ttl_seconds,
        cache_dir: registry.cache_dir,
        mirrors: registry.mirrors,
        insecure: registry.insecure.map(OneOrMany::into_vec),
        inlay_image_size: inlay_hints.and_then(|h| h.image_size),
    };
    Ok(())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct RulesSection {
    disable: Vec<String>,
    enable: Vec<String>,
    severity: BTreeMap<String, String>,
}

fn own_layer(file: OwnFile) -> Result<Layer, ConfigError> {
    let mut layer = Layer::default();
    layer.disable = layer.rules(&file.rules.disable);
    layer.enable = layer.rules(&file.rules.enable);
    for (name, level) in &file.rules.severity {
        layer.set_severity(std::slice::from_ref(name), level)?;
    }
    layer.set_options(Options {
        trusted_registries: file.trusted_registries,
        label_schema: file.label_schema,
        strict_labels: file.strict_labels,
        disable_ignore_pragma: file.disable_ignore_pragma,
        failure_threshold: file.failure_threshold,
    })?;
    registry_options(&mut layer, file.registry, file.inlay_hints)?;
    layer.format = file.format.unwrap_or_default().settings()?;
    Ok(layer)
}

/// Reads a `dockerfile-lsp.toml`.
pub fn from_toml(text: &str) -> Result<Layer, ConfigError> {
    let file: OwnFile = toml::from_str(text).map_err(|e| ConfigError {
        line: e
            .span()
            .map(|span| text[..span.start.min(text.len())].matches('\n').count() + 1),
        message: e.message().to_owned(),
    })?;
    own_layer(file)
}

/// Reads editor settings; `null` means none.
pub fn from_json(value: &serde_json::Value) -> Result<Layer, ConfigError> {
    if value.is_null() {
        return Ok(Layer::default());
    }
    let file: OwnFile =
        serde_json::from_value(value.clone()).map_err(|e| ConfigError::new(e.to_string()))?;
    own_layer(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(layers: &[Layer]) -> Settings {
        let mut settings = Settings::default();
        for layer in layers {
            layer.apply(&mut settings);
        }
        settings
    }

    #[test]
    fn hadolint_yaml_maps_codes_to_rules() {
        let layer = from_hadolint_yaml(
            "ignored:\n  - DL3015\n  - SC2086\noverride:\n  error:\n    - DL3007\n  style: [DL3000]\ntrustedRegistries: docker.io\nlabel-schema:\n  author: text\n  url: url\nstrict-labels: true\nfailure-threshold: info\nno-color: true\n",
        )
        .unwrap();
        assert!(layer.warnings.is_empty(), "{:?}", layer.warnings);
        let s = settings(std::slice::from_ref(&layer));
        assert!(!s.is_enabled("apt-no-install-recommends", true));
        assert_eq!(
            s.severity_of("image-latest-tag", Severity::Warning),
            Severity::Error
        );
        assert_eq!(
            s.severity_of("workdir-relative", Severity::Warning),
            Severity::Hint
        );
        assert_eq!(s.trusted_registries, ["docker.io"]);
        assert_eq!(s.label_schema.len(), 2);
        assert!(s.strict_labels);
        assert_eq!(layer.failure_threshold, Some(Threshold::At(Severity::Info)));
    }

    #[test]
    fn malformed_yaml_says_where() {
        let error = from_hadolint_yaml("ignored: [DL3008\n").unwrap_err();
        assert!(error.line.is_some());
        let error = from_hadolint_yaml("ignored: 3\n").unwrap_err();
        assert!(error.message.contains("ignored"), "{}", error.message);
        let error = from_hadolint_yaml("label-schema:\n  a: colour\n").unwrap_err();
        assert!(error.message.contains("colour"));
    }

    #[test]
    fn own_toml_file() {
        let layer = from_toml(
            "failure-threshold = \"error\"\ntrusted-registries = [\"ghcr.io\"]\n[rules]\ndisable = [\"DL3007\"]\nenable = [\"stage-name-casing\"]\n[rules.severity]\nworkdir-relative = \"error\"\nDL3006 = \"off\"\n",
        )
        .unwrap();
        let s = settings(std::slice::from_ref(&layer));
        assert!(!s.is_enabled("image-latest-tag", true));
        assert!(!s.is_enabled("image-untagged", true));
        assert_eq!(
            s.severity_of("workdir-relative", Severity::Warning),
            Severity::Error
        );
        assert_eq!(s.trusted_registries, ["ghcr.io"]);
        assert_eq!(
            layer.failure_threshold,
            Some(Threshold::At(Severity::Error))
        );
    }

    #[test]
    fn unknown_keys_and_rules() {
        let error = from_toml("[rules]\ndisabled = []\n").unwrap_err();
        assert!(error.message.contains("disabled"), "{}", error.message);
        assert_eq!(error.line, Some(2));
        let layer = from_toml("[rules]\ndisable = [\"no-such-rule\"]\n").unwrap();
        assert_eq!(layer.warnings, ["unknown rule `no-such-rule`"]);
        assert!(from_toml("[rules.severity]\nDL3007 = \"loud\"\n").is_err());
    }

    #[test]
    fn editor_settings_as_json() {
        let layer = from_json(&serde_json::json!({
            "rules": {"disable": ["workdir-relative"]},
            "strict-labels": true
        }))
        .unwrap();
        let s = settings(&[layer]);
        assert!(!s.is_enabled("workdir-relative", true));
        assert!(s.strict_labels);
        assert!(from_json(&serde_json::json!({"rules": 3})).is_err());
        assert_eq!(
            from_json(&serde_json::Value::Null).unwrap(),
            Layer::default()
        );
    }

    #[test]
    fn registry_settings_in_the_file_and_from_the_editor() {
        let layer = from_toml(
            "[registry]\noffline = true\nplatform = \"linux/arm64\"\ntimeout-ms = 2500\nmirrors = { \"docker.io\" = \"http://127.0.0.1:5000\" }\ninsecure = \"registry.lan:5000\"\nsize-budget = \"200MB\"\n[registry.size-budgets]\n\"api/*\" = 120000000\n[inlay-hints]\nimage-size = false\n",
        )
        .unwrap();
        let editor = from_json(&serde_json::json!({
            "registry": {"timeoutMs": 1000, "cacheTtlSeconds": 60, "mirrors": {"ghcr.io": "https://m.example"}},
            "inlayHints": {"imageSize": true}
        }))
        .unwrap();
        let s = settings(&[layer, editor]);
        assert_eq!(s.registry.offline, Some(true));
        assert_eq!(s.registry.platform.as_deref(), Some("linux/arm64"));
        assert_eq!(s.registry.timeout_ms, Some(1000));
        assert_eq!(s.registry.cache_ttl_seconds, Some(60));
        assert_eq!(s.registry.mirrors.len(), 2);
        assert_eq!(
            s.registry.insecure.as_deref(),
            Some(&["registry.lan:5000".to_owned()][..])
        );
        assert_eq!(s.registry.inlay_image_size, Some(true));
        assert_eq!(s.size_budget_for(Some("api/Dockerfile")), Some(120_000_000));
        assert_eq!(s.size_budget_for(Some("web/Dockerfile")), Some(200_000_000));
        assert_eq!(s.size_budget_for(None), Some(200_000_000));
    }

    #[test]
    fn bad_registry_settings_say_what_to_write() {
        let error = from_toml("[registry]\nsize-budget = \"big\"\n").unwrap_err();
        assert!(error.message.contains("200MB"), "{}", error.message);
        let error = from_toml("[registry]\nplatform = \"arm64\"\n").unwrap_err();
        assert!(error.message.contains("os/arch"), "{}", error.message);
        let error =
            from_toml("[registry]\nmirrors = { \"docker.io\" = \"mirror:5000\" }\n").unwrap_err();
        assert!(error.message.contains("base URL"), "{}", error.message);
        assert!(from_toml("[registry]\ntimeout = 3\n").is_err());
    }

    #[test]
    fn format_settings_in_the_file_and_from_the_editor() {
        let layer = from_toml("[format]\nkeep-multiline = true\nindent = 2\n").unwrap();
        let editor = from_json(&serde_json::json!({
            "format": {"indent": "tab", "maxBlankLines": 2}
        }))
        .unwrap();
        let s = settings(&[layer, editor]);
        assert_eq!(s.format.keep_multiline, Some(true));
        assert_eq!(s.format.indent.as_deref(), Some("\t"));
        assert_eq!(s.format.max_blank_lines, Some(2));
        let error = from_toml("[format]\nindent = \"wide\"\n").unwrap_err();
        assert!(error.message.contains("tab"), "{}", error.message);
        assert!(from_toml("[format]\nindent = 0\n").is_err());
        assert!(from_toml("[format]\nwidth = 80\n").is_err());
    }

    #[test]
    fn later_layers_win() {
        let hadolint = from_hadolint_yaml("ignored: [DL3007]\n").unwrap();
        let own = from_toml("[rules]\nenable = [\"image-latest-tag\"]\n").unwrap();
        assert!(settings(&[hadolint, own]).is_enabled("image-latest-tag", true));
    }

    /// The keys serde's parser accepts in one section, as its error for an unknown key
    /// lists them (kebab-case names and camelCase aliases both).
    fn accepted_keys(section: Option<&str>) -> Vec<String> {
        let unknown = serde_json::json!({"no-such-key": 1});
        let value = match section {
            Some(section) => serde_json::json!({ section: unknown }),
            None => unknown,
        };
        let message = from_json(&value).unwrap_err().message;
        let expected = message
            .split("expected ")
            .nth(1)
            .unwrap_or_else(|| panic!("{message}"));
        expected
            .split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn setting_keys_are_every_key_the_parser_accepts() {
        let sections = ["rules", "registry", "inlay-hints", "format"];
        let mut accepted: Vec<String> = accepted_keys(None)
            .into_iter()
            .filter(|key| !sections.contains(&key.as_str()) && key != "inlayHints")
            .collect();
        for section in sections {
            accepted.extend(
                accepted_keys(Some(section))
                    .into_iter()
                    // camelCase aliases name the same keys.
                    .filter(|key| !key.chars().any(|c| c.is_ascii_uppercase()))
                    .map(|key| format!("{section}.{key}")),
            );
        }
        accepted.sort();
        let mut listed: Vec<&str> = SETTING_KEYS.to_vec();
        listed.sort();
        assert_eq!(accepted, listed);
    }
}
