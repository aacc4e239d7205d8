//! The rule engine: every rule is data (id, summary, severity, aliases, docs) plus a check.

mod apk;
mod apt;
mod base_digest;
mod build_context;
mod build_tools;
mod cache_mounts;
mod casing;
mod cd;
mod commands;
mod consecutive_runs;
mod container_commands;
mod continuation;
mod copy;
mod copy_from;
mod default_shell;
mod dependency_order;
mod deprecated;
mod descriptions;
mod dockerignore;
mod downloads;
mod env;
mod expose;
mod gem;
mod go;
mod go_static;
mod healthcheck;
mod images;
mod key_value;
mod labels;
mod later_cleanup;
mod npm;
mod npm_dev_dependencies;
mod onbuild;
mod order;
mod package_args;
mod package_cache;
mod package_update;
mod pip;
mod pipefail;
mod platform;
mod platform_match;
mod pragmas;
mod registry;
mod registry_images;
mod rpm;
mod scan;
mod secrets;
mod slim_base;
pub use build_context::ContextUse;
pub use registry_images::format_size;
pub use slim_base::slimmer_tags;
pub use walk::limit_threads;
mod ssh;
mod stages;
mod sudo;
mod system_dirs;
mod user;
mod useradd;
mod variables;
mod walk;
mod workdir;

use std::ops::Range;
use std::sync::Arc;

use crate::analysis::model::{FileModel, StageModel};
use crate::analysis::settings::Context;
pub use crate::syntax::Finding;
use crate::syntax::{Dockerfile, Dockerignore, Fix, Instruction, Severity, is_stage};

/// Another tool's name for the same check, so that users keep their ignore comments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alias {
    /// A hadolint code, `DL3000`.
    Hadolint(&'static str),
    /// A BuildKit build check, `StageNameCasing`.
    BuildKit(&'static str),
    /// A Trivy misconfiguration id, `DS-0002`.
    Trivy(&'static str),
}

impl Alias {
    pub fn code(self) -> &'static str {
        match self {
            Alias::Hadolint(code) | Alias::BuildKit(code) | Alias::Trivy(code) => code,
        }
    }

    pub fn tool(self) -> &'static str {
        match self {
            Alias::Hadolint(_) => "hadolint",
            Alias::BuildKit(_) => "buildkit",
            Alias::Trivy(_) => "trivy",
        }
    }
}

/// What a check looks at, which decides what the server can cache between keystrokes.
#[derive(Debug, Clone, Copy)]
pub enum Check {
    /// One instruction on its own: re-run only when its text (or the context) changes.
    /// Findings are cached and moved with the instruction, so messages must not name
    /// positions (lines) of their own.
    Instruction(fn(&Instruction<'_>, &mut Findings)),
    /// One stage with its semantic model: re-run only when the stage's text, the
    /// file model (global ARGs, FROM lines) or the summary of its base stage changes.
    /// The same rule about messages applies.
    Stage(fn(&StageModel<'_, '_>, &mut Findings)),
    /// The keyword of every instruction in the file (gathered from the cache).
    Keywords(fn(&[Keyword], &mut Findings)),
    /// The whole file, re-run on every change: it must not walk every instruction
    /// (use the file model: global ARGs and the stages' FROM lines, directives).
    File(fn(&FileView<'_, '_>, &mut Findings)),
    /// A `.dockerignore` file (not a Dockerfile), re-run on every change of it.
    Dockerignore(fn(&DockerignoreView<'_, '_>, &mut Findings)),
}

/// How an instruction keyword is written, for file-wide checks of keywords.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyword {
    /// Byte range in the source text.
    pub range: Range<usize>,
    pub case: Case,
}

/// The case of a keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    Upper,
    Lower,
    Mixed,
}

impl Keyword {
    /// The keywords of an instruction: its own and its ONBUILD trigger's.
    pub fn of(instruction: &Instruction<'_>) -> Vec<Keyword> {
        let mut keywords = Vec::new();
        let mut push = |i: &Instruction<'_>| {
            if let Some(node) = i.keyword() {
                let text = i.text(node);
                let case = if !text.chars().any(char::is_lowercase) {
                    Case::Upper
                } else if !text.chars().any(char::is_uppercase) {
                    Case::Lower
                } else {
                    Case::Mixed
                };
                keywords.push(Keyword {
                    range: node.byte_range(),
                    case,
                });
            }
        };
        push(instruction);
        if let Some(trigger) = instruction.onbuild_trigger() {
            push(&trigger);
        }
        keywords
    }
}

/// A rule: its documentation and its check.
#[derive(Debug)]
pub struct Rule {
    /// Stable kebab-case id.
    pub id: &'static str,
    pub summary: &'static str,
    pub severity: Severity,
    pub aliases: &'static [Alias],
    /// Markdown: why it matters (size, speed or security cost).
    pub explanation: &'static str,
    /// A Dockerfile that triggers the rule, and the same one fixed.
    pub bad: &'static str,
    pub good: &'static str,
    /// How an editor may show what it flags (faded, struck through).
    pub tags: &'static [Tag],
    pub fixable: bool,
    pub enabled_by_default: bool,
    pub check: Check,
}

/// How an editor may render a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    /// Code that has no effect.
    Unnecessary,
    /// Something deprecated.
    Deprecated,
}

/// The input of file-scoped checks.
#[derive(Debug, Clone, Copy)]
pub struct FileView<'a, 't> {
    pub file: &'a Dockerfile<'t>,
    pub model: &'a FileModel,
    pub context: &'a Context,
    /// What the instructions take from the build context, in order (gathered with
    /// their findings).
    pub context_uses: &'a [ContextUse],
}

/// The input of checks of `.dockerignore` files.
#[derive(Debug, Clone, Copy)]
pub struct DockerignoreView<'a, 't> {
    pub file: &'a Dockerignore<'t>,
    pub context: &'a Context,
}

/// Where a check reports; it knows which rule is running and in what context.
#[derive(Debug)]
pub struct Findings<'c> {
    rule: &'static Rule,
    context: &'c Context,
    found: Vec<Finding>,
}

impl Findings<'_> {
    pub fn report(&mut self, range: Range<usize>, message: impl Into<String>) {
        self.found.push(Finding {
            rule: self.rule.id,
            message: Arc::from(message.into()),
            range,
            severity: self
                .context
                .settings
                .severity_of(self.rule.id, self.rule.severity),
            fix: None,
        });
    }

    /// Reports a finding with the fix that resolves it.
    pub fn report_fix(&mut self, range: Range<usize>, message: impl Into<String>, fix: Fix) {
        self.report(range, message);
        if let Some(last) = self.found.pop() {
            self.found.push(last.with_fix(fix));
        }
    }

    /// Settings and neighbouring files.
    pub fn context(&self) -> &Context {
        self.context
    }
}

/// Every rule, in documentation order.
pub static RULES: &[&Rule] = &[
    &casing::CONSISTENT_INSTRUCTION_CASING,
    &stages::STAGE_NAME_CASING,
    &stages::FROM_AS_CASING,
    &stages::DUPLICATE_STAGE_NAME,
    &stages::RESERVED_STAGE_NAME,
    &commands::JSON_ARGS_RECOMMENDED,
    &commands::MULTIPLE_INSTRUCTIONS,
    &deprecated::MAINTAINER_DEPRECATED,
    &workdir::WORKDIR_RELATIVE,
    &expose::EXPOSE_INVALID_PORT,
    &images::IMAGE_UNTAGGED,
    &images::IMAGE_LATEST_TAG,
    &slim_base::PREFER_SLIM_BASE,
    &registry_images::BASE_IMAGE_NOT_FOUND,
    &registry_images::BASE_IMAGE_SIZE_BUDGET,
    &base_digest::UNPINNED_BASE_DIGEST,
    &apt::APT_NO_INSTALL_RECOMMENDS,
    &order::INSTRUCTION_BEFORE_FROM,
    &onbuild::ONBUILD_INVALID_TRIGGER,
    &registry::UNTRUSTED_REGISTRY,
    &platform::FROM_PLATFORM_CONSTANT,
    &platform::REDUNDANT_TARGET_PLATFORM,
    &copy::ADD_INSTEAD_OF_COPY,
    &copy::COPY_DESTINATION_NOT_DIRECTORY,
    &copy::COPY_RELATIVE_DESTINATION,
    &copy::COPY_ARCHIVE_THEN_EXTRACT,
    &copy_from::COPY_FROM_UNKNOWN_STAGE,
    &copy_from::COPY_FROM_OWN_STAGE,
    &copy_from::COPY_FROM_WHOLE_FILESYSTEM,
    &env::ENV_SAME_INSTRUCTION_REFERENCE,
    &secrets::SECRETS_IN_ARG_OR_ENV,
    &secrets::SECRET_FILE_COPIED,
    &user::MISSING_USER,
    &user::USER_NON_NUMERIC,
    &ssh::EXPOSE_SSH_PORT,
    &system_dirs::WORKDIR_SYSTEM_DIRECTORY,
    &healthcheck::HEALTHCHECK_MISSING,
    &apt::APT_PACKAGE_UNPINNED,
    &apt::APT_LISTS_NOT_DELETED,
    &apt::APT_MISSING_YES,
    &apt::APT_INSTEAD_OF_APT_GET,
    &package_update::PACKAGE_UPDATE_ALONE,
    &apk::APK_PACKAGE_UNPINNED,
    &apk::APK_MISSING_NO_CACHE,
    &pip::PIP_PACKAGE_UNPINNED,
    &pip::PIP_MISSING_NO_CACHE_DIR,
    &npm::NPM_PACKAGE_UNPINNED,
    &npm::YARN_CACHE_NOT_CLEANED,
    &gem::GEM_PACKAGE_UNPINNED,
    &go::GO_INSTALL_UNPINNED,
    &go_static::GO_STATIC_BINARY,
    &build_tools::BUILD_TOOLS_IN_FINAL_STAGE,
    &pragmas::INLINE_IGNORE,
    &continuation::NO_EMPTY_CONTINUATION,
    &key_value::LEGACY_KEY_VALUE_FORMAT,
    &expose::EXPOSE_PROTOCOL_CASING,
    &expose::EXPOSE_HOST_MAPPING,
    &variables::UNDEFINED_VARIABLE,
    &variables::UNDEFINED_ARG_IN_FROM,
    &variables::INVALID_DEFAULT_ARG_IN_FROM,
    &dockerignore::COPY_IGNORED_FILE,
    &platform_match::INVALID_BASE_IMAGE_PLATFORM,
    &descriptions::INVALID_DEFINITION_DESCRIPTION,
    &labels::LABEL_KEY_INVALID,
    &labels::LABEL_MISSING,
    &labels::LABEL_NOT_IN_SCHEMA,
    &labels::LABEL_EMPTY,
    &labels::LABEL_NOT_URL,
    &labels::LABEL_NOT_TIMESTAMP,
    &labels::LABEL_NOT_SPDX,
    &labels::LABEL_NOT_GIT_HASH,
    &labels::LABEL_NOT_SEMVER,
    &labels::LABEL_NOT_EMAIL,
    &rpm::YUM_MISSING_YES,
    &rpm::DNF_MISSING_YES,
    &rpm::ZYPPER_MISSING_NON_INTERACTIVE,
    &rpm::ZYPPER_DIST_UPGRADE,
    &rpm::YUM_CLEAN_MISSING,
    &rpm::DNF_CLEAN_MISSING,
    &rpm::MICRODNF_CLEAN_MISSING,
    &rpm::ZYPPER_CLEAN_MISSING,
    &rpm::YUM_VERSION_UNPINNED,
    &rpm::DNF_VERSION_UNPINNED,
    &rpm::ZYPPER_VERSION_UNPINNED,
    &container_commands::COMMAND_POINTLESS_IN_CONTAINER,
    &cd::CD_INSTEAD_OF_WORKDIR,
    &sudo::SUDO_IN_RUN,
    &useradd::USERADD_WITHOUT_NO_LOG_INIT,
    &downloads::WGET_PROGRESS_BAR,
    &downloads::WGET_AND_CURL,
    &default_shell::BIN_SH_SYMLINK,
    &pipefail::PIPEFAIL_MISSING,
    &consecutive_runs::CONSECUTIVE_RUN_INSTRUCTIONS,
    &build_context::MISSING_DOCKERIGNORE,
    &build_context::DOCKERIGNORE_MISSING_ENTRIES,
    &dependency_order::COPY_BEFORE_DEPENDENCY_INSTALL,
    &cache_mounts::CACHE_MOUNT_OPPORTUNITY,
    &npm_dev_dependencies::NPM_DEV_DEPENDENCIES_IN_FINAL_STAGE,
    &later_cleanup::CLEANUP_IN_LATER_LAYER,
];

/// The rule with this id (not an alias), found without a scan.
pub fn by_id(id: &str) -> Option<&'static Rule> {
    static BY_ID: std::sync::OnceLock<rustc_hash::FxHashMap<&'static str, &'static Rule>> =
        std::sync::OnceLock::new();
    BY_ID
        .get_or_init(|| RULES.iter().map(|r| (r.id, *r)).collect())
        .get(id)
        .copied()
}

/// Every rule with this id or alias (a code of another tool can name several).
pub fn find_all(id_or_alias: &str) -> Vec<&'static Rule> {
    RULES
        .iter()
        .copied()
        .filter(|r| is_named(r, id_or_alias))
        .collect()
}

/// The rule with this id or alias.
pub fn find(id_or_alias: &str) -> Option<&'static Rule> {
    RULES.iter().copied().find(|r| is_named(r, id_or_alias))
}

/// Whether `id_or_alias` is the rule's id or one of its aliases (case-insensitive).
pub fn is_named(rule: &Rule, id_or_alias: &str) -> bool {
    rule.id == id_or_alias
        || rule
            .aliases
            .iter()
            .any(|a| a.code().eq_ignore_ascii_case(id_or_alias))
}

/// Whether a rule runs in this context.
pub fn is_enabled(rule: &Rule, context: &Context) -> bool {
    context
        .settings
        .is_enabled(rule.id, rule.enabled_by_default)
}

fn run(
    rule: &'static Rule,
    context: &Context,
    findings: Vec<Finding>,
    apply: impl FnOnce(&mut Findings<'_>),
) -> Vec<Finding> {
    let mut sink = Findings {
        rule,
        context,
        found: findings,
    };
    apply(&mut sink);
    sink.found
}

fn enabled_rules(context: &Context) -> impl Iterator<Item = &'static Rule> + '_ {
    context
        .enabled
        .0
        .get_or_init(|| {
            RULES
                .iter()
                .copied()
                .filter(|r| is_enabled(r, context))
                .collect()
        })
        .iter()
        .copied()
}

/// The findings of the instruction-scoped rules for one instruction.
pub fn check_instruction(instruction: &Instruction<'_>, context: &Context) -> Vec<Finding> {
    let mut found = Vec::new();
    // Looked up once: a field lookup by name costs a string comparison per child.
    let trigger = instruction.onbuild_trigger();
    for rule in enabled_rules(context) {
        if let Check::Instruction(check) = rule.check {
            found = run(rule, context, found, |sink| check(instruction, sink));
            if let Some(trigger) = &trigger {
                found = run(rule, context, found, |sink| check(trigger, sink));
            }
        }
    }
    found
}

/// The findings of the stage-scoped rules for one stage.
pub fn check_stage(stage: &StageModel<'_, '_>) -> Vec<Finding> {
    let mut found = Vec::new();
    for rule in enabled_rules(stage.context) {
        if let Check::Stage(check) = rule.check {
            found = run(rule, stage.context, found, |sink| check(stage, sink));
        }
    }
    found
}

/// The findings of the file-scoped and keyword rules.
pub fn check_file(view: &FileView<'_, '_>, keywords: &[Keyword]) -> Vec<Finding> {
    let mut found = Vec::new();
    for rule in enabled_rules(view.context) {
        found = match rule.check {
            Check::File(check) => run(rule, view.context, found, |sink| check(view, sink)),
            Check::Keywords(check) => run(rule, view.context, found, |sink| check(keywords, sink)),
            Check::Instruction(_) | Check::Stage(_) | Check::Dockerignore(_) => found,
        };
    }
    found
}

/// Every rule finding for a file in a context, walking the whole file.
pub fn check_with(file: &Dockerfile<'_>, context: &Context) -> Vec<Finding> {
    let top_level = file.top_level();
    let model = FileModel::of_top_level(file, &top_level);
    let mut outline = Outline::default();
    for instruction in file.preamble_in(&top_level) {
        outline.add(&instruction, context);
    }
    let stages: Vec<_> = top_level.into_iter().filter(|n| is_stage(*n)).collect();
    outline.append(walk::check_stages(file, &model, context, &stages));
    let Outline {
        mut found,
        keywords,
        context_uses,
    } = outline;
    let view = FileView {
        file,
        model: &model,
        context,
        context_uses: &context_uses,
    };
    found.extend(check_file(&view, &keywords));
    found.sort_by_key(Finding::source_order);
    found
}

/// What a full check gathers from instructions: their findings, and what file-wide
/// rules read of them.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Outline {
    pub found: Vec<Finding>,
    pub keywords: Vec<Keyword>,
    pub context_uses: Vec<ContextUse>,
}

impl Outline {
    /// Checks one instruction and gathers what file-wide rules read of it.
    pub fn add(&mut self, instruction: &Instruction<'_>, context: &Context) {
        self.found.extend(check_instruction(instruction, context));
        self.keywords.extend(Keyword::of(instruction));
        self.context_uses
            .extend(ContextUse::of(instruction, context));
    }

    /// What comes after, gathered on its own.
    pub fn append(&mut self, mut after: Outline) {
        self.found.append(&mut after.found);
        self.keywords.append(&mut after.keywords);
        self.context_uses.append(&mut after.context_uses);
    }
}

/// The findings of the rules that check `.dockerignore` files.
pub fn check_dockerignore(view: &DockerignoreView<'_, '_>) -> Vec<Finding> {
    let mut found = Vec::new();
    for rule in enabled_rules(view.context) {
        if let Check::Dockerignore(check) = rule.check {
            found = run(rule, view.context, found, |sink| check(view, sink));
        }
    }
    found.sort_by_key(Finding::source_order);
    found
}

/// Every finding of the rules enabled by default.
pub fn check_all(file: &Dockerfile<'_>) -> Vec<Finding> {
    check_with(file, &Context::default())
}

/// The rule's documentation page, in markdown (the content of `docs/rules/<id>.md`).
pub fn documentation(rule: &Rule) -> String {
    let mut out = format!("# {}\n\n{}\n\n", rule.id, rule.summary);
    out.push_str(&format!(
        "- Default severity: {}\n- Enabled by default: {}\n- Fix available: {}\n",
        severity_name(rule.severity),
        if rule.enabled_by_default { "yes" } else { "no" },
        if rule.fixable { "yes" } else { "no" },
    ));
    if !rule.aliases.is_empty() {
        let aliases: Vec<String> = rule
            .aliases
            .iter()
            .map(|a| format!("{} `{}`", a.tool(), a.code()))
            .collect();
        out.push_str(&format!("- Same check as: {}\n", aliases.join(", ")));
    }
    // The examples of rules for ignore files are ignore files.
    let language = match rule.check {
        Check::Dockerignore(_) => "gitignore",
        _ => "dockerfile",
    };
    out.push_str(&format!(
        "\n## Why\n\n{}\n\n## Example\n\n```{language}\n{}```\n\nFixed:\n\n```{language}\n{}```\n",
        rule.explanation.trim(),
        rule.bad,
        rule.good
    ));
    out
}

/// Where the rule pages (`docs/rules/<id>.md`) are published.
pub const DOCS_BASE_URL: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/rules");

/// The address of a rule's page; syntax errors have no page of their own.
pub fn documentation_url(id: &str) -> Option<String> {
    if id.starts_with("syntax-") {
        return None;
    }
    Some(format!("{DOCS_BASE_URL}/{id}.md"))
}

pub fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
        Severity::Hint => "hint",
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for rule tests: run one rule over an inline Dockerfile.

    use super::*;
    use crate::syntax::{self, FileKind};

    /// One rule's findings in a context (the rule enabled, every other one off).
    /// A rule that checks `.dockerignore` files gets `text` as one.
    pub fn run_in(rule_id: &str, text: &str, context: &Context) -> Vec<Finding> {
        let rule = find(rule_id).expect("rule");
        let kind = match rule.check {
            Check::Dockerignore(_) => FileKind::Dockerignore,
            _ => FileKind::Dockerfile,
        };
        let tree = syntax::parse(kind, text, None).expect("parse");
        let mut settings = (*context.settings).clone();
        settings.disabled = RULES
            .iter()
            .map(|r| r.id)
            .filter(|id| *id != rule.id)
            .collect();
        settings.enabled.insert(rule.id);
        let context = Context {
            settings: std::sync::Arc::new(settings),
            ..context.clone()
        };
        if kind == FileKind::Dockerignore {
            let file = Dockerignore::new(&tree, text);
            return check_dockerignore(&DockerignoreView {
                file: &file,
                context: &context,
            });
        }
        let file = Dockerfile::new(&tree, text);
        check_with(&file, &context)
    }

    /// The context the rules' `bad` and `good` examples are checked in: what the
    /// rules that depend on configuration or on files around the Dockerfile need (a
    /// label schema with strict labels, a `.dockerignore`, registry platforms).
    pub fn example_context() -> Context {
        use crate::analysis::settings::{ImageFacts, LabelType, Settings};
        let schema = [
            ("title", LabelType::Text),
            ("source", LabelType::Url),
            ("created", LabelType::Rfc3339),
            ("licenses", LabelType::Spdx),
            ("revision", LabelType::Hash),
            ("version", LabelType::Semver),
            ("authors", LabelType::Email),
        ];
        let settings = Settings {
            label_schema: schema
                .iter()
                .map(|(name, kind)| (format!("org.opencontainers.image.{name}"), *kind))
                .collect(),
            strict_labels: true,
            trusted_registries: vec!["docker.io".to_owned()],
            ..Settings::default()
        };
        let image = |reference: &str, platforms: &[&str], size: u64| ImageFacts {
            reference: reference.to_owned(),
            registry: "registry-1.docker.io".to_owned(),
            digest: Some(format!("sha256:{:064x}", size)),
            platforms: platforms.iter().map(|p| (*p).to_owned()).collect(),
            size: Some(size),
            slimmer: None,
        };
        Context {
            settings: std::sync::Arc::new(settings),
            dockerignore: Some(std::sync::Arc::new(
                crate::analysis::dockerignore_rules::ignore_rules("*.pem\nsecrets\nnode_modules\n"),
            )),
            images: std::sync::Arc::new(vec![
                image("acme/tool:1.0", &["linux/amd64"], 20_000_000),
                image("node:20", &["linux/amd64", "linux/arm64"], 400_000_000),
                ImageFacts {
                    digest: Some(
                        "sha256:2ec5a4a5c3e919570f57675471f081d6299668d909feabd8d4803c6c61af666c"
                            .to_owned(),
                    ),
                    ..image(
                        "python:3.12-slim",
                        &["linux/amd64", "linux/arm64"],
                        45_000_000,
                    )
                },
                ImageFacts {
                    slimmer: Some(("python:3.12-slim".to_owned(), 45_000_000)),
                    ..image("python:3.12", &["linux/amd64", "linux/arm64"], 380_000_000)
                },
                ImageFacts {
                    digest: None,
                    ..image("python:3.99", &[], 0)
                },
            ]),
            size_budget: Some(200_000_000),
            target_platform: Some("linux/arm64".to_owned()),
            project: Some(std::sync::Arc::new(example_project(true))),
            ..Context::default()
        }
    }

    /// The build context of the examples: a node project with a `.git`, a `.env` and
    /// (when `ignore_file`) the `.dockerignore` above.
    fn example_project(ignore_file: bool) -> crate::analysis::settings::ProjectFiles {
        let mut entries = vec![
            (".env", false),
            (".git", true),
            ("Dockerfile", false),
            ("package-lock.json", false),
            ("package.json", false),
            ("src", true),
        ];
        if ignore_file {
            entries.push((".dockerignore", false));
        }
        crate::analysis::settings::ProjectFiles {
            has_dockerignore: ignore_file,
            dockerfile_name: Some("Dockerfile".to_owned()),
            ..crate::analysis::settings::ProjectFiles::new(
                entries.into_iter().map(|(n, d)| (n.to_owned(), d)),
            )
        }
    }

    /// The context a rule's examples run in: [`example_context`], less the
    /// `.dockerignore` for the rule about a missing one.
    pub fn example_context_for(rule: &Rule) -> Context {
        let context = example_context();
        if rule.id != "missing-dockerignore" {
            return context;
        }
        Context {
            dockerignore: None,
            project: Some(std::sync::Arc::new(example_project(false))),
            ..context
        }
    }

    /// The context once the files the findings' fixes create exist: a `.dockerignore`
    /// (or `<Dockerfile>.dockerignore`, appended to when there is one already) adds its
    /// patterns and its listing.
    pub fn with_new_files(context: &Context, found: &[Finding]) -> Context {
        let mut context = context.clone();
        for file in found
            .iter()
            .filter_map(|f| f.fix.as_ref()?.new_file.as_ref())
        {
            if !file.name.ends_with(".dockerignore") {
                continue;
            }
            let mut rules = context.dockerignore.as_deref().cloned().unwrap_or_default();
            rules.extend(crate::analysis::dockerignore_rules::ignore_rules(
                &file.contents,
            ));
            context.dockerignore = Some(std::sync::Arc::new(rules));
            let mut project = context.project.as_deref().cloned().unwrap_or_default();
            if file.name != ".dockerignore" {
                project.has_own_dockerignore = true;
            } else if !project.has_dockerignore {
                project.has_dockerignore = true;
                let mut entries = project.entries.to_vec();
                entries.push(crate::analysis::settings::ProjectEntry {
                    name: ".dockerignore".to_owned(),
                    is_dir: false,
                });
                entries.sort();
                project.entries = entries.into();
            }
            context.project = Some(std::sync::Arc::new(project));
        }
        context
    }

    fn run_one(rule_id: &str, text: &str) -> Vec<Finding> {
        run_in(rule_id, text, &Context::default())
    }

    /// `(line:col-line:col, message)` of findings, 1-based.
    pub fn located(text: &str, found: Vec<Finding>) -> Vec<(String, String)> {
        let index = crate::position::LineIndex::new(text);
        found
            .into_iter()
            .map(|f| {
                let s = index.position(f.range.start, crate::position::PositionEncoding::Utf32);
                let e = index.position(f.range.end, crate::position::PositionEncoding::Utf32);
                (
                    format!("{}:{}-{}:{}", s.line + 1, s.col + 1, e.line + 1, e.col + 1),
                    f.message.to_string(),
                )
            })
            .collect()
    }

    /// `(line:col-line:col, message)` of one rule's findings, 1-based.
    pub fn findings(rule_id: &str, text: &str) -> Vec<(String, String)> {
        located(text, run_one(rule_id, text))
    }

    /// The text after applying every fix (safe or not) of one rule's findings, in one
    /// round; panics when fixes overlap or a finding has none.
    pub fn fixed(rule_id: &str, text: &str) -> String {
        fixed_in(rule_id, text, &Context::default())
    }

    /// [`fixed`] in a context.
    pub fn fixed_in(rule_id: &str, text: &str, context: &Context) -> String {
        let found = run_in(rule_id, text, context);
        assert!(!found.is_empty(), "{rule_id} finds nothing to fix");
        let mut edits = Vec::new();
        for finding in &found {
            assert!(finding.fix.is_some(), "no fix for {finding:?}");
            edits.extend(finding.fix_edits());
        }
        crate::analysis::fixes::apply_edits(text, &edits).expect("fixes do not overlap")
    }

    /// The title and applicability of each fix of one rule's findings (`None`: no fix).
    pub fn fixes(rule_id: &str, text: &str) -> Vec<Option<(String, crate::syntax::Applicability)>> {
        run_one(rule_id, text)
            .into_iter()
            .map(|f| f.fix.map(|x| (x.title.clone(), x.applicability)))
            .collect()
    }

    /// The text after fix-all with only this rule enabled: its safe fixes, applied in
    /// rounds as `check --fix` does (for findings that share a fix, or chains of fixes).
    pub fn fixed_all(rule_id: &str, text: &str) -> String {
        let rule = find(rule_id).expect("rule");
        let mut settings = (*Context::default().settings).clone();
        settings.disabled = RULES
            .iter()
            .map(|r| r.id)
            .filter(|id| *id != rule.id)
            .collect();
        settings.enabled.insert(rule.id);
        let context = Context {
            settings: std::sync::Arc::new(settings),
            ..Context::default()
        };
        crate::analysis::fixes::fix_all(FileKind::Dockerfile, text, &context).text
    }

    /// The text each finding of one rule points at.
    pub fn flagged(rule_id: &str, text: &str) -> Vec<String> {
        run_one(rule_id, text)
            .into_iter()
            .map(|f| text[f.range].to_owned())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The context the examples run in: rules that check only what the settings
    /// configure (trusted registries) need something configured.
    #[test]
    fn ids_are_unique_kebab_case_and_examples_behave() {
        let mut seen = std::collections::HashSet::new();
        for rule in RULES {
            let context = testing::example_context_for(rule);
            assert!(seen.insert(rule.id), "duplicate id {}", rule.id);
            assert!(
                rule.id.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "{} is not kebab-case",
                rule.id
            );
            assert!(!rule.summary.is_empty() && !rule.explanation.is_empty());
            assert!(
                !testing::run_in(rule.id, rule.bad, &context).is_empty(),
                "the bad example of {} triggers nothing",
                rule.id
            );
            assert!(
                testing::run_in(rule.id, rule.good, &context).is_empty(),
                "the good example of {} still triggers",
                rule.id
            );
        }
    }

    /// A rule that says it is fixable offers a fix on its bad example, and the fix
    /// resolves what it flags there; a rule that says it is not offers none.
    #[test]
    fn fixable_rules_fix_their_bad_example() {
        for rule in RULES {
            let context = testing::example_context_for(rule);
            let found = testing::run_in(rule.id, rule.bad, &context);
            let with_fix = found.iter().filter(|f| f.fix.is_some()).count();
            if !rule.fixable {
                assert_eq!(with_fix, 0, "{} says it has no fix but offers one", rule.id);
                continue;
            }
            assert!(with_fix > 0, "{} offers no fix on its bad example", rule.id);
            let fixed = testing::fixed_in(rule.id, rule.bad, &context);
            let after =
                testing::run_in(rule.id, &fixed, &testing::with_new_files(&context, &found));
            assert!(
                after.len() < found.len(),
                "{}: the fixed example still triggers it:\n{fixed}",
                rule.id
            );
            // Every rule, not just this one: a fix must not break the file.
            let kind = match rule.check {
                Check::Dockerignore(_) => crate::syntax::FileKind::Dockerignore,
                _ => crate::syntax::FileKind::Dockerfile,
            };
            let serious = |text: &str| {
                crate::analysis::check(kind, text, &context)
                    .into_iter()
                    .filter(|f| f.severity == Severity::Error)
                    .count()
            };
            assert!(
                serious(&fixed) <= serious(rule.bad),
                "{}: the fix brings a syntax error or an error:\n{fixed}",
                rule.id
            );
        }
    }

    #[test]
    fn rules_are_found_by_id_and_alias() {
        assert_eq!(
            find("workdir-relative").map(|r| r.id),
            Some("workdir-relative")
        );
        assert_eq!(find("DL3000").map(|r| r.id), Some("workdir-relative"));
        assert_eq!(
            find("StageNameCasing").map(|r| r.id),
            Some("stage-name-casing")
        );
        assert!(find("no-such-rule").is_none());
    }
}
