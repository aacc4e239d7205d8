//! The build context: copies of all of it, and what `.dockerignore` should keep out of it.

use std::ops::Range;

use super::copy::{PathArg, file_args};
use super::secrets::is_env_file;
use super::{Check, DockerignoreView, FileView, Findings, Rule};
use crate::analysis::dockerignore_rules::ignore_rules;
use crate::analysis::fixes::lines::newline;
use crate::analysis::ignore_match::{IgnoreMatcher, clean, context_path, pattern_matches};
use crate::analysis::settings::{Context, IgnoreRule, ProjectFiles};
use crate::syntax::{Edit, Fix, Instruction, InstructionKind, NewFile, Severity};

pub static MISSING_DOCKERIGNORE: Rule = Rule {
    id: "missing-dockerignore",
    summary: "A Dockerfile that copies the whole build context needs a `.dockerignore`",
    severity: Severity::Warning,
    aliases: &[],
    explanation: "`COPY . .` copies everything in the build context: without a `.dockerignore` that is \
the repository history (`.git`), local secrets (`.env`), dependencies installed on the host \
(`node_modules`, `.venv`), build output (`target`, `dist`) and caches. They are all sent to the builder \
on every build (slow with a large `.git`), any change to them invalidates the cache of the COPY and \
every later step, they make the image larger, and secrets end up in a layer anyone who pulls the \
image can read.\n\n\
The fix creates a `.dockerignore` with what the project directory shows: `.git` and `.env*` always, \
`node_modules` beside a `package.json`, Python caches and virtual environments, `target` for Cargo \
and Maven, `dist`, logs, test and documentation folders that the Dockerfile neither copies by name nor \
uses, and the Dockerfile itself (the builder reads it and the `.dockerignore` even when they are \
ignored, and leaving them out means editing the Dockerfile no longer invalidates `COPY . .`). Review \
it before building: the fix is never applied in bulk.\n\n\
Only reported when the directory around the Dockerfile is known (not for an unsaved buffer), and \
neither `.dockerignore` nor `<Dockerfile name>.dockerignore` exists there.",
    bad: "FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
    good: "FROM node:20-alpine\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY src/ ./src/\n",
    tags: &[],
    fixable: true,
    enabled_by_default: true,
    check: Check::File(check_missing),
};

pub static DOCKERIGNORE_MISSING_ENTRIES: Rule = Rule {
    id: "dockerignore-missing-entries",
    summary: "`.dockerignore` should keep `.git`, `.env` files, dependencies and caches out of the build context",
    severity: Severity::Warning,
    aliases: &[],
    explanation: "Whatever `.dockerignore` lets through is sent to the builder and copied by `COPY . .`: \
`.git` holds the whole repository history (often the largest part of the context, and it changes with \
every commit, invalidating the cache of the COPY), `.env` files hold local secrets that stay in the image \
layer, `node_modules` holds dependencies built for the host (the image should install its own), and \
caches such as `__pycache__`, `.venv` or `target` (Cargo, Maven) are large and machine-specific.\n\n\
Checked against what the project directory holds: `.git` and `.env` files when they exist, \
`node_modules` beside a `package.json`, `__pycache__` in a Python project, `target` beside a \
`Cargo.toml` or `pom.xml`, and virtual environments and tool caches that exist. A pattern that \
re-includes `.git` or a `.env` file (`!.env`) is reported where it is written. The fix appends the \
missing patterns to the file.",
    bad: "node_modules\n",
    good: "node_modules\n.git\n.env*\n",
    tags: &[],
    fixable: true,
    enabled_by_default: true,
    check: Check::Dockerignore(check_entries),
};

/// The sources of a COPY or ADD that copy the whole build context (`.`, `./`); none for
/// `--from` copies, which read a stage or an image.
pub(super) fn whole_context_sources(instruction: &Instruction<'_>) -> Vec<PathArg> {
    if instruction.flag("from").is_some() {
        return Vec::new();
    }
    let Some(args) = file_args(instruction) else {
        return Vec::new();
    };
    args.sources
        .iter()
        .filter(|s| !s.heredoc && !s.variable && is_whole_context(&s.text))
        .cloned()
        .collect()
}

/// Whether a COPY source names the root of the build context.
fn is_whole_context(source: &str) -> bool {
    matches!(clean(source).as_str(), "." | "/")
}

/// Whether COPY's `--exclude` patterns leave `path` out.
pub(super) fn excluded_by_flags(instruction: &Instruction<'_>, path: &str) -> bool {
    instruction
        .flags()
        .iter()
        .filter(|f| f.name() == "exclude")
        .filter_map(|f| f.value())
        .any(|pattern| {
            let pattern = clean(&pattern);
            let pattern = pattern.trim_start_matches('/');
            pattern_matches(pattern, path)
                || path
                    .char_indices()
                    .filter(|&(_, c)| c == '/')
                    .any(|(i, _)| pattern_matches(pattern, &path[..i]))
        })
}

/// A line a `.dockerignore` should have for this project.
#[derive(Debug, Clone)]
struct Entry {
    /// The lines to write: the pattern, and exceptions that follow it.
    lines: Vec<String>,
    /// Paths of the context the pattern must exclude for the entry to be there.
    probes: Vec<String>,
    /// What it keeps out, for messages.
    what: &'static str,
    /// Leaving it in leaks history or secrets, even when a `!` pattern asks for it.
    sensitive: bool,
}

impl Entry {
    fn new(pattern: &str, probes: Vec<String>, what: &'static str) -> Self {
        Entry {
            lines: vec![pattern.to_owned()],
            probes,
            what,
            sensitive: false,
        }
    }

    fn pattern(&self) -> &str {
        self.lines.first().map_or("", String::as_str)
    }
}

/// Tool caches and virtual environments that should not be sent when they exist.
const CACHE_DIRS: &[(&str, &str)] = &[
    (".venv", "a virtual environment"),
    ("venv", "a virtual environment"),
    (".tox", "test environments"),
    (".nox", "test environments"),
    (".pytest_cache", "a test cache"),
    (".mypy_cache", "a type checker cache"),
    (".ruff_cache", "a linter cache"),
    (".gradle", "the Gradle cache"),
];

/// Files whose presence makes the directory a Python project.
fn is_python(project: &ProjectFiles) -> bool {
    project.entries.iter().any(|e| {
        let name = e.name.as_str();
        matches!(
            name,
            "pyproject.toml"
                | "setup.py"
                | "setup.cfg"
                | "Pipfile"
                | "__pycache__"
                | "manage.py"
                | "poetry.lock"
                | "uv.lock"
        ) || (!e.is_dir && name.ends_with(".py"))
            || (name.starts_with("requirements") && name.ends_with(".txt"))
    })
}

/// `**/name` at the top and in the listed directories (a few of them: enough to see
/// whether a `!dir` pattern lets it back in).
fn nested_probes(project: &ProjectFiles, name: &str) -> Vec<String> {
    let mut probes = vec![name.to_owned()];
    probes.extend(
        project
            .entries
            .iter()
            .filter(|e| e.is_dir && e.name != name)
            .take(64)
            .map(|e| format!("{}/{name}", e.name)),
    );
    probes
}

/// The entries both rules look for: history, secrets, dependencies and caches that exist.
fn common_entries(project: &ProjectFiles) -> Vec<Entry> {
    let mut entries = Vec::new();
    if project.has_dir(".git") || project.has_file(".git") {
        let mut git = Entry::new(".git", vec![".git".to_owned()], "the repository history");
        git.sensitive = true;
        entries.push(git);
    }
    let env_files: Vec<String> = project
        .entries
        .iter()
        .filter(|e| !e.is_dir && is_env_file(&e.name))
        .map(|e| e.name.clone())
        .collect();
    if !env_files.is_empty() {
        entries.push(env_entry(project, env_files));
    }
    if project.has_file("package.json") || project.has_dir("node_modules") {
        entries.push(Entry::new(
            "node_modules",
            vec!["node_modules".to_owned()],
            "dependencies installed on the host",
        ));
    }
    if is_python(project) {
        entries.push(Entry::new(
            "**/__pycache__",
            nested_probes(project, "__pycache__"),
            "Python bytecode caches",
        ));
    }
    if project.has_file("Cargo.toml") || project.has_file("pom.xml") {
        entries.push(Entry::new(
            "target",
            vec!["target".to_owned()],
            "build output",
        ));
    }
    for (dir, what) in CACHE_DIRS {
        if project.has_dir(dir) {
            entries.push(Entry::new(dir, vec![(*dir).to_owned()], what));
        }
    }
    entries
}

/// `.env*`, with the example files that are meant to be shared put back.
fn env_entry(project: &ProjectFiles, probes: Vec<String>) -> Entry {
    let mut lines = vec![".env*".to_owned()];
    lines.extend(
        project
            .entries
            .iter()
            .filter(|e| !e.is_dir && e.name.starts_with(".env") && !is_env_file(&e.name))
            .filter(|e| pattern_matches(".env*", &e.name))
            .map(|e| format!("!{}", e.name)),
    );
    Entry {
        lines,
        probes,
        what: "local secrets",
        sensitive: true,
    }
}

/// The names in a list, `a`, `a and b`, `a, b and c`.
fn and_list(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// What one instruction takes from the build context, and what its command mentions.
/// Gathered with the instruction's findings (and cached and moved with them), so that
/// the check for a missing `.dockerignore` reads the whole file without walking it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextUse {
    /// A source that copies the whole context: its bytes and text.
    pub whole: Option<(Range<usize>, String)>,
    /// Context paths copied by name.
    pub named: Vec<String>,
    /// A RUN, CMD or ENTRYPOINT that mentions tests, or documentation: their folders
    /// are left in the context.
    pub tests: bool,
    pub docs: bool,
}

impl ContextUse {
    /// What a COPY or ADD (not `--from`) copies, or what a command mentions; `None` for
    /// other instructions, and in a context where nothing reads it (a project with a
    /// `.dockerignore`, or none known).
    pub fn of(instruction: &Instruction<'_>, context: &Context) -> Option<ContextUse> {
        if !lacks_dockerignore(context) || !super::is_enabled(&MISSING_DOCKERIGNORE, context) {
            return None;
        }
        let mut used = ContextUse {
            whole: None,
            named: Vec::new(),
            tests: false,
            docs: false,
        };
        match instruction.kind() {
            InstructionKind::Copy | InstructionKind::Add => {
                if instruction.flag("from").is_some() {
                    return None;
                }
                let args = file_args(instruction)?;
                for source in args.sources.iter().filter(|s| !s.heredoc && !s.variable) {
                    if is_whole_context(&source.text) {
                        if used.whole.is_none() {
                            used.whole = Some((source.range.clone(), source.text.clone()));
                        }
                    } else if let Some(path) = context_path(&source.text) {
                        used.named.push(path);
                    }
                }
            }
            InstructionKind::Run | InstructionKind::Cmd | InstructionKind::Entrypoint => {
                let text = instruction
                    .src()
                    .get(instruction.node().byte_range())
                    .unwrap_or("")
                    .to_ascii_lowercase();
                used.tests = TEST_WORDS.iter().any(|w| text.contains(w));
                used.docs = DOC_WORDS.iter().any(|w| text.contains(w));
            }
            _ => return None,
        }
        let says_something =
            used.whole.is_some() || !used.named.is_empty() || used.tests || used.docs;
        says_something.then_some(used)
    }

    /// Moves its range by `delta` bytes.
    pub fn shift(&mut self, delta: isize) {
        if let Some((range, _)) = &mut self.whole {
            *range = range.start.wrapping_add_signed(delta)..range.end.wrapping_add_signed(delta);
        }
    }

    /// The same use with its range moved by `delta` bytes.
    pub fn moved(&self, delta: isize) -> ContextUse {
        let mut moved = self.clone();
        moved.shift(delta);
        moved
    }
}

/// What the Dockerfile copies by name and what its commands use.
#[derive(Debug, Default)]
struct Copies<'a> {
    /// The first source that copies the whole context.
    whole: Option<&'a (Range<usize>, String)>,
    /// Context paths copied by name, each once, in order.
    named: Vec<&'a str>,
    tests: bool,
    docs: bool,
}

fn copies(uses: &[ContextUse]) -> Copies<'_> {
    let mut found = Copies::default();
    let mut seen = rustc_hash::FxHashSet::default();
    for used in uses {
        if found.whole.is_none() {
            found.whole = used.whole.as_ref();
        }
        // Stages copy the same files again and again: each path is matched once.
        for path in &used.named {
            if seen.insert(path.as_str()) {
                found.named.push(path.as_str());
            }
        }
        found.tests |= used.tests;
        found.docs |= used.docs;
    }
    found
}

/// Folders of tests and documentation, and the words in commands that say they are used.
const TEST_DIRS: &[&str] = &["test", "tests", "__tests__", "spec"];
const TEST_WORDS: &[&str] = &["test", "spec"];
const DOC_DIRS: &[&str] = &["doc", "docs"];
const DOC_WORDS: &[&str] = &[
    "docs", "/doc", " doc ", "sphinx", "javadoc", "doxygen", "rustdoc", "godoc", "mkdocs",
];

/// The `.dockerignore` to create for a project, leaving in what the Dockerfile names.
fn new_file_contents(project: &ProjectFiles, copies: &Copies) -> String {
    let mut entries = common_entries(project);
    if !entries.iter().any(|e| e.pattern() == ".git") {
        // Harmless when absent, and the context may later be the repository root.
        entries.insert(0, Entry::new(".git", Vec::new(), ""));
    }
    if !entries.iter().any(|e| e.pattern() == ".env*") {
        entries.insert(1, env_entry(project, Vec::new()));
    }
    if is_python(project) {
        entries.push(Entry::new("**/*.pyc", Vec::new(), ""));
    }
    let mut extra = Vec::new();
    if project.has_dir("dist") {
        extra.push("dist".to_owned());
    }
    if project
        .entries
        .iter()
        .any(|e| !e.is_dir && e.name.ends_with(".log"))
    {
        extra.push("*.log".to_owned());
    }
    if !copies.tests {
        extra.extend(
            TEST_DIRS
                .iter()
                .filter(|d| project.has_dir(d))
                .map(|d| (*d).to_owned()),
        );
    }
    if !copies.docs {
        extra.extend(
            DOC_DIRS
                .iter()
                .filter(|d| project.has_dir(d))
                .map(|d| (*d).to_owned()),
        );
    }
    entries.extend(extra.iter().map(|p| Entry::new(p, Vec::new(), "")));
    let mut own = Vec::new();
    if let Some(name) = &project.dockerfile_name {
        own.push(name.clone());
        own.push(".dockerignore".to_owned());
    }
    // Patterns that would exclude a file the Dockerfile copies by name are left out.
    let mut lines: Vec<String> = entries.into_iter().flat_map(|e| e.lines).collect();
    lines.extend(own.iter().cloned());
    loop {
        let rules = ignore_rules(&lines.join("\n"));
        let matcher = IgnoreMatcher::new(&rules);
        let Some(rule) = copies
            .named
            .iter()
            .find_map(|path| matcher.excluded_by(path))
        else {
            break;
        };
        let pattern = rule.pattern.clone();
        let before = lines.len();
        lines.retain(|l| ignore_rules(l).first().is_none_or(|r| r.pattern != pattern));
        if lines.len() == before {
            break;
        }
    }
    let mut text = String::new();
    for line in &lines {
        if own.first() == Some(line) {
            text.push_str("# The builder reads these even when they are ignored\n");
        }
        text.push_str(line);
        text.push('\n');
    }
    text
}

/// Whether the build context is known and has no `.dockerignore`.
fn lacks_dockerignore(context: &Context) -> bool {
    context
        .project
        .as_deref()
        .is_some_and(|p| !p.has_any_dockerignore())
        && context.dockerignore.is_none()
}

fn check_missing(view: &FileView<'_, '_>, findings: &mut Findings) {
    let Some(project) = view.context.project.as_deref() else {
        return;
    };
    if !lacks_dockerignore(view.context) {
        return;
    }
    let copies = copies(view.context_uses);
    let Some((range, source)) = copies.whole else {
        return;
    };
    // What is there to be sent, by the names of the top-level entries.
    let present: Vec<String> = common_entries(project)
        .iter()
        .filter_map(|e| {
            e.probes
                .iter()
                .find(|p| !p.contains('/') && project.entry(p).is_some())
        })
        .map(|name| format!("`{name}`"))
        .take(3)
        .collect();
    let sent = if present.is_empty() {
        "everything in the directory".to_owned()
    } else {
        format!(
            "everything in the directory, {} included,",
            and_list(&present)
        )
    };
    let contents = new_file_contents(project, &copies);
    findings.report_fix(
        range.clone(),
        format!(
            "`{source}` copies the whole build context and there is no .dockerignore: {sent} is sent to the builder and copied into the image; create a .dockerignore"
        ),
        Fix::create_file(
            "Create a `.dockerignore`",
            NewFile {
                name: ".dockerignore".to_owned(),
                contents,
            },
        ),
    );
}

/// The patterns of the file with the bytes each is written at.
fn written_rules(view: &DockerignoreView<'_, '_>) -> (Vec<IgnoreRule>, Vec<Range<usize>>) {
    let mut rules = Vec::new();
    let mut ranges = Vec::new();
    for pattern in view.file.patterns() {
        let line = if pattern.exception {
            format!("!{}", pattern.text)
        } else {
            pattern.text.to_owned()
        };
        // Cleaned exactly as the rules the Dockerfiles see.
        if let Some(rule) = ignore_rules(&line).into_iter().next() {
            rules.push(rule);
            ranges.push(pattern.range.clone());
        }
    }
    (rules, ranges)
}

fn check_entries(view: &DockerignoreView<'_, '_>, findings: &mut Findings) {
    let Some(project) = view.context.project.as_deref() else {
        return;
    };
    let (rules, ranges) = written_rules(view);
    let matcher = IgnoreMatcher::new(&rules);
    let mut missing: Vec<Entry> = Vec::new();
    for entry in common_entries(project) {
        let leaking: Vec<&String> = entry
            .probes
            .iter()
            .filter(|p| matcher.excluded_by(p).is_none())
            .collect();
        let Some(first) = leaking.first() else {
            continue;
        };
        // A `!` pattern naming the path itself asks for it: only history and secrets
        // are worth a word there; dependencies and caches are the author's choice.
        let asked =
            rules.iter().zip(&ranges).rev().find(|(r, _)| {
                r.exception && leaking.iter().any(|p| pattern_matches(&r.pattern, p))
            });
        match asked {
            Some((rule, range)) if entry.sensitive => findings.report(
                range.clone(),
                format!(
                    "`!{}` puts `{first}` ({}) back into the build context, and `COPY . .` copies it into the image",
                    rule.pattern, entry.what
                ),
            ),
            Some(_) => {}
            None => missing.push(entry),
        }
    }
    if missing.is_empty() {
        return;
    }
    let text = view.file.src();
    let names: Vec<String> = missing
        .iter()
        .map(|e| format!("{} (`{}`)", e.what, e.pattern()))
        .collect();
    let patterns: Vec<String> = missing
        .iter()
        .map(|e| format!("`{}`", e.pattern()))
        .collect();
    let nl = newline(text);
    let mut added = String::new();
    if !text.is_empty() && !text.ends_with('\n') {
        added.push_str(nl);
    }
    for line in missing.iter().flat_map(|e| &e.lines) {
        added.push_str(line);
        added.push_str(nl);
    }
    findings.report_fix(
        last_line(text),
        format!(
            "this .dockerignore lets {} into the build context: add {}",
            and_list(&names),
            if missing.len() == 1 { "it" } else { "them" }
        ),
        Fix::new(
            format!("Add {} to .dockerignore", and_list(&patterns)),
            crate::syntax::Applicability::Unsafe,
            vec![Edit::insert(text.len(), added)],
        ),
    );
}

/// The bytes of the last line with anything on it (where "at the end" is shown).
fn last_line(text: &str) -> Range<usize> {
    let trimmed = text.trim_end();
    let start = trimmed.rfind('\n').map_or(0, |i| i + 1);
    let line = &trimmed[start..];
    let lead = line.len() - line.trim_start().len();
    start + lead..trimmed.len()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::super::testing::{fixed_in, located, run_in};
    use crate::analysis::dockerignore_rules::ignore_rules;
    use crate::analysis::settings::{Context, ProjectFiles};
    use crate::syntax::Applicability;

    const MISSING: &str = "missing-dockerignore";
    const ENTRIES: &str = "dockerignore-missing-entries";

    fn project(entries: &[&str]) -> ProjectFiles {
        ProjectFiles {
            dockerfile_name: Some("Dockerfile".to_owned()),
            ..ProjectFiles::new(entries.iter().map(|e| match e.strip_suffix('/') {
                Some(dir) => (dir.to_owned(), true),
                None => ((*e).to_owned(), false),
            }))
        }
    }

    fn in_project(entries: &[&str]) -> Context {
        Context {
            project: Some(Arc::new(project(entries))),
            ..Context::default()
        }
    }

    fn new_file(id: &str, text: &str, context: &Context) -> String {
        let found = run_in(id, text, context);
        assert_eq!(found.len(), 1, "{found:?}");
        let fix = found[0].fix.as_ref().expect("a fix");
        assert_eq!(fix.applicability, Applicability::Unsafe);
        let file = fix.new_file.as_ref().expect("a new file");
        assert_eq!(file.name, ".dockerignore");
        file.contents.clone()
    }

    // missing-dockerignore

    #[test]
    fn a_whole_context_copy_without_an_ignore_file() {
        let context = in_project(&[".git/", ".env", "package.json", "src/", "Dockerfile"]);
        let text = "FROM node:20\nWORKDIR /app\nCOPY package.json ./\nCOPY --chown=node . .\n";
        let found = located(text, run_in(MISSING, text, &context));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "4:19-4:20");
        insta::assert_snapshot!(found[0].1, @"`.` copies the whole build context and there is no .dockerignore: everything in the directory, `.git` and `.env` included, is sent to the builder and copied into the image; create a .dockerignore");
    }

    #[test]
    fn the_new_file_fits_a_node_project() {
        let context = in_project(&[
            ".git/",
            ".env",
            ".env.example",
            "package.json",
            "package-lock.json",
            "src/",
            "dist/",
            "tests/",
            "docs/",
            "npm-debug.log",
            "Dockerfile",
        ]);
        let text = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\n";
        insta::assert_snapshot!(new_file(MISSING, text, &context), @r"
        .git
        .env*
        !.env.example
        node_modules
        dist
        *.log
        tests
        docs
        # The builder reads these even when they are ignored
        Dockerfile
        .dockerignore
        ");
    }

    #[test]
    fn the_new_file_fits_a_python_project_and_keeps_what_is_copied_or_used() {
        let context = in_project(&[
            "pyproject.toml",
            "app/",
            "tests/",
            "docs/",
            ".venv/",
            "build.Dockerfile",
        ]);
        let context = Context {
            project: context.project.as_deref().map(|p| {
                Arc::new(ProjectFiles {
                    dockerfile_name: Some("build.Dockerfile".to_owned()),
                    ..p.clone()
                })
            }),
            ..context
        };
        let text = "FROM python:3.12\nCOPY docs/conf.py /etc/\nADD . /src\nRUN pytest /src/tests\n";
        insta::assert_snapshot!(new_file(MISSING, text, &context), @r"
        .git
        .env*
        **/__pycache__
        .venv
        **/*.pyc
        # The builder reads these even when they are ignored
        build.Dockerfile
        .dockerignore
        ");
    }

    #[test]
    fn json_form_and_other_spellings_of_the_context_root() {
        let context = in_project(&["main.go"]);
        for text in [
            "FROM a\nCOPY [\".\", \"/app\"]\n",
            "FROM a\nCOPY ./ ./\n",
            "FROM a\nADD ./. /app/\n",
        ] {
            assert_eq!(run_in(MISSING, text, &context).len(), 1, "{text}");
        }
    }

    #[test]
    fn no_report_with_an_ignore_file_or_without_a_directory() {
        let text = "FROM a\nCOPY . .\n";
        let mut with_own = project(&["Dockerfile.dockerignore"]);
        with_own.has_own_dockerignore = true;
        let mut with_plain = project(&[".dockerignore"]);
        with_plain.has_dockerignore = true;
        for p in [with_own, with_plain] {
            let context = Context {
                project: Some(Arc::new(p)),
                ..Context::default()
            };
            assert!(run_in(MISSING, text, &context).is_empty());
        }
        assert!(run_in(MISSING, text, &Context::default()).is_empty());
        let with_rules = Context {
            dockerignore: Some(Arc::new(ignore_rules(".git\n"))),
            ..in_project(&[])
        };
        assert!(run_in(MISSING, text, &with_rules).is_empty());
    }

    #[test]
    fn copies_of_parts_of_the_context_or_of_stages_are_fine() {
        let context = in_project(&["src/"]);
        let text = "FROM a AS build\nCOPY src/ /src/\nFROM b\nCOPY --from=build . /app\nCOPY $DIR /x\nONBUILD COPY . /app\n";
        assert!(run_in(MISSING, text, &context).is_empty());
    }

    // dockerignore-missing-entries

    #[test]
    fn missing_entries_are_reported_at_the_end_and_appended() {
        let context = in_project(&[".git/", ".env.local", "package.json", "node_modules/"]);
        let text = "# build context\n*.md\n\n";
        let found = located(text, run_in(ENTRIES, text, &context));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "2:1-2:5");
        insta::assert_snapshot!(found[0].1, @"this .dockerignore lets the repository history (`.git`), local secrets (`.env*`) and dependencies installed on the host (`node_modules`) into the build context: add them");
        insta::assert_snapshot!(fixed_in(ENTRIES, text, &context), @r"
        # build context
        *.md

        .git
        .env*
        node_modules
        ");
    }

    #[test]
    fn appending_keeps_the_line_ends() {
        let context = in_project(&[".git/"]);
        assert_eq!(fixed_in(ENTRIES, "*.md", &context), "*.md\n.git\n");
        assert_eq!(fixed_in(ENTRIES, "*.md\r\n", &context), "*.md\r\n.git\r\n");
        assert_eq!(fixed_in(ENTRIES, "", &context), ".git\n");
    }

    #[test]
    fn python_and_rust_caches_and_example_env_files() {
        let context = in_project(&[
            "requirements.txt",
            "app/",
            ".venv/",
            "Cargo.toml",
            ".env",
            ".env.example",
        ]);
        insta::assert_snapshot!(fixed_in(ENTRIES, "__pycache__\n", &context), @r"
        __pycache__
        .env*
        !.env.example
        **/__pycache__
        target
        .venv
        ");
    }

    #[test]
    fn what_is_excluded_in_any_spelling_is_not_reported() {
        let context = in_project(&[
            ".git/",
            ".env",
            "package.json",
            "pyproject.toml",
            "src/",
            "Cargo.toml",
        ]);
        for text in [
            ".git\n.env\nnode_modules\n**/__pycache__\ntarget\n",
            "/.git/\n.env*\nnode_modules/\n**/__pycache__/\n/target\n",
            "*\n!src/\n!Cargo.toml\n!package.json\n!pyproject.toml\nsrc/**/__pycache__\n",
            "**\n!src\n**/__pycache__\n",
        ] {
            assert!(run_in(ENTRIES, text, &context).is_empty(), "{text}");
        }
    }

    #[test]
    fn a_broad_exception_lets_caches_back_in() {
        let context = in_project(&["pyproject.toml", "src/"]);
        let text = "*\n!src\n";
        assert_eq!(
            located(text, run_in(ENTRIES, text, &context))
                .into_iter()
                .map(|f| f.0)
                .collect::<Vec<_>>(),
            ["2:1-2:5"]
        );
    }

    #[test]
    fn an_exception_for_secrets_is_reported_where_written_without_a_fix() {
        let context = in_project(&[".env", "node_modules/", "package.json"]);
        let text = "*\n!.env\n!node_modules\n";
        let found = run_in(ENTRIES, text, &context);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].fix.is_none());
        let found = located(text, found);
        assert_eq!(found[0].0, "2:2-2:6");
        insta::assert_snapshot!(found[0].1, @"`!.env` puts `.env` (local secrets) back into the build context, and `COPY . .` copies it into the image");
    }

    #[test]
    fn a_top_level_pattern_is_enough_without_subdirectories() {
        let flat = in_project(&["requirements.txt", "worker.py"]);
        assert!(run_in(ENTRIES, "__pycache__/\n", &flat).is_empty());
        let nested = in_project(&["requirements.txt", "worker/"]);
        assert_eq!(run_in(ENTRIES, "__pycache__/\n", &nested).len(), 1);
    }

    #[test]
    fn nothing_without_a_directory_or_for_what_the_project_lacks() {
        assert!(run_in(ENTRIES, "", &Context::default()).is_empty());
        let context = in_project(&["main.go", "go.mod", "target/"]);
        assert!(run_in(ENTRIES, "", &context).is_empty());
    }
}
