//! Completion candidates at a place in a Dockerfile: instructions, flags and their values, stages, variables, images.

use std::ops::Range;

use super::docs;
use super::model::{FileModel, VarKind};
use super::scope;
use super::settings::Context;
use crate::syntax::{Dockerfile, InstructionKind};

/// What a candidate is, for the client's icon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CandidateKind {
    Keyword,
    Flag,
    Value,
    Stage,
    Variable,
    Directive,
    Image,
    Tag,
    Snippet,
}

/// One completion candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub label: String,
    pub kind: CandidateKind,
    pub detail: Option<String>,
    pub documentation: Option<String>,
    /// The text inserted (LSP snippet syntax when `snippet`).
    pub insert: String,
    pub snippet: bool,
    /// The bytes the insertion replaces (the word typed so far).
    pub range: Range<usize>,
}

/// What the registry may add: the tags of a repository being typed in FROM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagQuery {
    /// The image without tag, as written (`python`, `ghcr.io/o/r`).
    pub repository: String,
    /// The tag typed so far.
    pub prefix: String,
    /// The bytes of that tag.
    pub range: Range<usize>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Completion {
    pub candidates: Vec<Candidate>,
    pub tags: Option<TagQuery>,
}

/// Images people build on most, offered in FROM before the registry is asked.
pub const COMMON_IMAGES: &[&str] = &[
    "alpine",
    "busybox",
    "debian",
    "ubuntu",
    "python",
    "node",
    "golang",
    "rust",
    "ruby",
    "php",
    "openjdk",
    "eclipse-temurin",
    "maven",
    "gradle",
    "nginx",
    "httpd",
    "redis",
    "postgres",
    "mysql",
    "mariadb",
    "mongo",
    "gcr.io/distroless/static-debian12",
    "gcr.io/distroless/base-debian12",
    "gcr.io/distroless/cc-debian12",
    "scratch",
    "mcr.microsoft.com/dotnet/sdk",
    "mcr.microsoft.com/dotnet/aspnet",
    "cgr.dev/chainguard/static",
];

/// Snippets of the common forms of each instruction.
fn instruction_snippet(kind: InstructionKind) -> &'static str {
    match kind {
        InstructionKind::From => "FROM ${1:image}:${2:tag}${3: AS ${4:name}}",
        InstructionKind::Run => "RUN ${1:command}",
        InstructionKind::Cmd => "CMD [\"${1:executable}\"${2:, \"${3:arg}\"}]",
        InstructionKind::Label => "LABEL ${1:key}=\"${2:value}\"",
        InstructionKind::Maintainer => "MAINTAINER ${1:name}",
        InstructionKind::Expose => "EXPOSE ${1:8080}",
        InstructionKind::Env => "ENV ${1:NAME}=${2:value}",
        InstructionKind::Add => "ADD ${1:source} ${2:destination}",
        InstructionKind::Copy => "COPY ${1:source} ${2:destination}",
        InstructionKind::Entrypoint => "ENTRYPOINT [\"${1:executable}\"]",
        InstructionKind::Volume => "VOLUME ${1:/data}",
        InstructionKind::User => "USER ${1:user}",
        InstructionKind::Workdir => "WORKDIR ${1:/app}",
        InstructionKind::Arg => "ARG ${1:NAME}${2:=${3:default}}",
        InstructionKind::Onbuild => "ONBUILD ${1:instruction}",
        InstructionKind::Stopsignal => "STOPSIGNAL ${1:SIGTERM}",
        InstructionKind::Healthcheck => {
            "HEALTHCHECK --interval=${1:30s} --timeout=${2:3s} CMD ${3:command}"
        }
        InstructionKind::Shell => "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]",
        InstructionKind::Unknown => "",
    }
}

/// The values a flag takes, as `(value, description)`.
fn flag_values(kind: InstructionKind, flag: &str) -> &'static [(&'static str, &'static str)] {
    match (kind, flag) {
        (_, "platform") => &[
            ("$BUILDPLATFORM", "the platform of the machine building"),
            ("$TARGETPLATFORM", "the platform being built for"),
            ("linux/amd64", ""),
            ("linux/arm64", ""),
            ("linux/arm/v7", ""),
        ],
        (_, "network") => &[
            ("default", "the default network"),
            ("none", "no network at all"),
            ("host", "the host's network (needs an entitlement)"),
        ],
        (_, "security") => &[("sandbox", "the default"), ("insecure", "full privileges")],
        (_, "chmod") => &[
            ("755", "rwxr-xr-x"),
            ("644", "rw-r--r--"),
            ("600", "rw-------"),
        ],
        (_, "link") => &[("true", ""), ("false", "")],
        _ => &[],
    }
}

/// The keys of each `--mount` type.
fn mount_keys(mount_type: &str) -> &'static [(&'static str, &'static str)] {
    match mount_type {
        "cache" => &[
            ("target=", "where the cache is mounted"),
            ("id=", "the cache's id (default: the target)"),
            ("sharing=", "shared, private or locked"),
            ("from=", "a stage or image to seed the cache from"),
            ("source=", "a path in `from`"),
            ("mode=", "the directory's mode"),
            ("uid=", "the directory's owner"),
            ("gid=", "the directory's group"),
            ("readonly", "mount read-only"),
        ],
        "bind" => &[
            ("target=", "where the files are mounted"),
            ("source=", "the path in `from` (default: its root)"),
            ("from=", "a stage or image (default: the build context)"),
            ("readwrite", "allow writes (discarded)"),
        ],
        "tmpfs" => &[
            ("target=", "where it is mounted"),
            ("size=", "its size limit"),
        ],
        "secret" => &[
            ("id=", "the secret's id (`--secret id=...`)"),
            ("target=", "the file (default /run/secrets/<id>)"),
            ("env=", "an environment variable to hold it instead"),
            ("required=", "fail when the secret is missing"),
            ("mode=", "the file's mode"),
            ("uid=", ""),
            ("gid=", ""),
        ],
        "ssh" => &[
            ("id=", "the SSH agent or key's id (default: default)"),
            ("target=", "the agent socket's path"),
            ("required=", "fail when it is missing"),
        ],
        _ => &[("target=", "where it is mounted")],
    }
}

const MOUNT_TYPES: &[(&str, &str)] = &[
    (
        "cache",
        "a persistent cache directory (package managers, compilers)",
    ),
    (
        "bind",
        "files of the context, a stage or an image, read-only",
    ),
    (
        "secret",
        "a secret file or variable, never stored in the image",
    ),
    ("ssh", "the SSH agent, for private repositories"),
    ("tmpfs", "scratch space in memory"),
];

/// Completion at `offset` (bytes) of a parsed Dockerfile.
pub fn complete(
    file: &Dockerfile<'_>,
    model: &FileModel,
    context: &Context,
    offset: usize,
) -> Completion {
    let src = file.src();
    let offset = offset.min(src.len());
    let line_start = src
        .get(..offset)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1);
    let before = src.get(line_start..offset).unwrap_or("");
    let word_start = before
        .rfind(|c: char| c.is_whitespace())
        .map_or(line_start, |i| line_start + i + 1);
    let word = src.get(word_start..offset).unwrap_or("");
    let mut out = Completion::default();

    // Parser directives: comments before anything else.
    if before.trim_start().starts_with('#') {
        if !file.has_instructions()
            || file
                .instructions()
                .next()
                .is_some_and(|i| i.node().start_byte() > offset)
        {
            directives(before, line_start, offset, &mut out);
        }
        return out;
    }
    if let Some(dollar) = word.rfind('$') {
        let after = &word[dollar + 1..];
        let (name_start, prefix) = match after.strip_prefix('{') {
            Some(rest) => (word_start + dollar + 2, rest),
            None => (word_start + dollar + 1, after),
        };
        if prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            variables(file, model, context, offset, name_start..offset, &mut out);
            return out;
        }
    }
    let continued = continues_previous_line(src, line_start, file.escape());
    if !continued && before.trim_start().chars().all(|c| c.is_ascii_alphabetic()) {
        keywords(word, word_start..offset, &mut out);
        return out;
    }
    let instruction = file.instruction_at(offset.saturating_sub(1).max(line_start));
    // An instruction still being typed may not parse yet: its keyword says what it is.
    let kind = match instruction {
        Some(instruction) => instruction.kind(),
        None if !continued => {
            let keyword = before
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_uppercase();
            match InstructionKind::ALL_KNOWN
                .into_iter()
                .find(|k| k.name() == keyword)
            {
                Some(kind) => kind,
                None => return out,
            }
        }
        None => return out,
    };
    let at = instruction.map_or(line_start, |i| i.node().start_byte());
    if let Some(flag_text) = word.strip_prefix("--") {
        match flag_text.split_once('=') {
            None => {
                let present: Vec<String> = instruction
                    .map(|i| i.flags().iter().map(|f| f.name().to_owned()).collect())
                    .unwrap_or_default();
                for name in kind.known_flags() {
                    if present.iter().any(|p| p == name) && !name.starts_with(flag_text) {
                        continue;
                    }
                    let flag_doc = docs::flag(kind, name);
                    out.candidates.push(Candidate {
                        label: format!("--{name}"),
                        kind: CandidateKind::Flag,
                        detail: flag_doc.map(|d| d.syntax.to_owned()),
                        documentation: flag_doc.map(|d| d.summary.to_owned()),
                        insert: if matches!(*name, "link" | "parents" | "keep-git-dir") {
                            format!("--{name}")
                        } else {
                            format!("--{name}=")
                        },
                        snippet: false,
                        range: word_start..offset,
                    });
                }
            }
            Some((name, value)) => {
                let value_start = word_start + 2 + name.len() + 1;
                flag_value(
                    file,
                    model,
                    kind,
                    name,
                    value,
                    value_start..offset,
                    at,
                    &mut out,
                );
            }
        }
        return out;
    }
    if word.starts_with("<<") {
        for delimiter in ["EOF", "EOT"] {
            out.candidates.push(Candidate {
                label: format!("<<{delimiter}"),
                kind: CandidateKind::Snippet,
                detail: Some("a heredoc".to_owned()),
                documentation: None,
                insert: format!("<<{delimiter}\n$0\n{delimiter}"),
                snippet: true,
                range: word_start..offset,
            });
        }
        return out;
    }
    if kind == InstructionKind::From {
        from_argument(file, model, at, before, word, word_start, offset, &mut out);
    }
    out
}

/// Whether the physical line at `line_start` continues an instruction (the previous line
/// ends with the escape character).
fn continues_previous_line(src: &str, line_start: usize, escape: char) -> bool {
    let Some(previous) = src.get(..line_start.saturating_sub(1)) else {
        return false;
    };
    let line = previous.rsplit('\n').next().unwrap_or("");
    let line = line.trim_end_matches('\r').trim_end();
    line.ends_with(escape) && !line.trim_start().starts_with('#')
}

fn keywords(word: &str, range: Range<usize>, out: &mut Completion) {
    let upper = word.to_ascii_uppercase();
    for kind in InstructionKind::ALL_KNOWN {
        if !kind.name().starts_with(&upper) {
            continue;
        }
        let doc = docs::instruction(kind);
        out.candidates.push(Candidate {
            label: kind.name().to_owned(),
            kind: CandidateKind::Keyword,
            detail: doc.map(|d| d.syntax.to_owned()),
            documentation: doc.map(|d| d.markdown()),
            insert: instruction_snippet(kind).to_owned(),
            snippet: true,
            range: range.clone(),
        });
    }
}

fn directives(before: &str, line_start: usize, offset: usize, out: &mut Completion) {
    let typed = before.trim_start().trim_start_matches('#').trim_start();
    let start = offset - typed.len();
    let _ = line_start;
    for (name, value) in [
        ("syntax", "docker/dockerfile:1"),
        ("escape", "`"),
        ("check", "skip="),
    ] {
        if !name.starts_with(&typed.to_ascii_lowercase()) && !typed.is_empty() {
            continue;
        }
        let doc = docs::directive(name);
        out.candidates.push(Candidate {
            label: format!("{name}={value}"),
            kind: CandidateKind::Directive,
            detail: doc.map(|d| d.summary.to_owned()),
            documentation: doc.map(|d| d.markdown()),
            insert: format!("{name}={value}"),
            snippet: false,
            range: start..offset,
        });
    }
}

fn variables(
    file: &Dockerfile<'_>,
    model: &FileModel,
    context: &Context,
    offset: usize,
    range: Range<usize>,
    out: &mut Completion,
) {
    let visible = scope::visible_at(file, model, context, offset);
    for variable in &visible {
        let kind = match (variable.kind, variable.global) {
            (VarKind::Env, _) => "ENV",
            (VarKind::Arg, true) => "global ARG",
            (VarKind::Arg, false) => "ARG",
        };
        out.candidates.push(Candidate {
            label: variable.name.clone(),
            kind: CandidateKind::Variable,
            detail: Some(match &variable.value {
                Some(value) => format!("{kind} = {value}"),
                None => format!("{kind} (no value here: set with --build-arg)"),
            }),
            documentation: None,
            insert: variable.name.clone(),
            snippet: false,
            range: range.clone(),
        });
    }
    for (name, meaning) in docs::PREDEFINED_ARGS {
        if visible.iter().any(|v| v.name == *name) {
            continue;
        }
        out.candidates.push(Candidate {
            label: (*name).to_owned(),
            kind: CandidateKind::Variable,
            detail: Some(format!("predefined ARG: {meaning}")),
            documentation: Some(
                "Predefined by BuildKit; declare `ARG` with its name before use in a stage."
                    .to_owned(),
            ),
            insert: (*name).to_owned(),
            snippet: false,
            range: range.clone(),
        });
    }
}

#[allow(clippy::too_many_arguments)]
fn flag_value(
    file: &Dockerfile<'_>,
    model: &FileModel,
    kind: InstructionKind,
    name: &str,
    value: &str,
    range: Range<usize>,
    at: usize,
    out: &mut Completion,
) {
    let simple = |out: &mut Completion,
                  values: &[(&str, &str)],
                  range: Range<usize>,
                  kind: CandidateKind| {
        for (value, detail) in values {
            out.candidates.push(Candidate {
                label: (*value).to_owned(),
                kind,
                detail: (!detail.is_empty()).then(|| (*detail).to_owned()),
                documentation: None,
                insert: (*value).to_owned(),
                snippet: false,
                range: range.clone(),
            });
        }
    };
    match name {
        "from" => stages_before(file, model, at, range, out),
        "mount" => {
            // The key being typed is after the last comma.
            let part_start = value.rfind(',').map_or(0, |i| i + 1);
            let part = &value[part_start..];
            let part_range = range.start + part_start..range.end;
            let mount_type = value
                .split(',')
                .find_map(|p| p.strip_prefix("type="))
                .unwrap_or("bind");
            if let Some(typed) = part.strip_prefix("type=") {
                let start = part_range.start + "type=".len();
                let _ = typed;
                simple(out, MOUNT_TYPES, start..range.end, CandidateKind::Value);
            } else if let Some(stage) = part.strip_prefix("from=") {
                let _ = stage;
                stages_before(
                    file,
                    model,
                    at,
                    part_range.start + "from=".len()..range.end,
                    out,
                );
            } else if part.contains('=') {
                if part.starts_with("sharing=") {
                    let start = part_range.start + "sharing=".len();
                    simple(
                        out,
                        &[("shared", ""), ("private", ""), ("locked", "")],
                        start..range.end,
                        CandidateKind::Value,
                    );
                }
            } else if value.is_empty() {
                simple(
                    out,
                    &[("type=", "the kind of mount")],
                    part_range,
                    CandidateKind::Value,
                );
            } else {
                let used: Vec<&str> = value
                    .split(',')
                    .filter_map(|p| p.split('=').next())
                    .collect();
                let keys: Vec<(&str, &str)> = mount_keys(mount_type)
                    .iter()
                    .filter(|(k, _)| !used.contains(&k.trim_end_matches('=')))
                    .copied()
                    .collect();
                simple(out, &keys, part_range, CandidateKind::Value);
            }
        }
        _ => simple(out, flag_values(kind, name), range, CandidateKind::Value),
    }
}

/// Stage names (and indexes) defined before `at`.
fn stages_before(
    file: &Dockerfile<'_>,
    model: &FileModel,
    at: usize,
    range: Range<usize>,
    out: &mut Completion,
) {
    let _ = file;
    for stage in model.stages.iter().filter(|s| s.image_range.start < at) {
        let Some(name) = &stage.name else {
            continue;
        };
        out.candidates.push(Candidate {
            label: name.clone(),
            kind: CandidateKind::Stage,
            detail: Some(format!("stage {}: FROM {}", stage.index, stage.image)),
            documentation: None,
            insert: name.clone(),
            snippet: false,
            range: range.clone(),
        });
    }
}

#[allow(clippy::too_many_arguments)]
fn from_argument(
    file: &Dockerfile<'_>,
    model: &FileModel,
    at: usize,
    before: &str,
    word: &str,
    word_start: usize,
    offset: usize,
    out: &mut Completion,
) {
    // The words before this one, flags left out: none → the image; the image → AS.
    let words: Vec<&str> = before
        .get(..before.len() - word.len())
        .unwrap_or("")
        .split_whitespace()
        .filter(|w| !w.starts_with("--"))
        .collect();
    match words.len() {
        1 => {
            if let Some((repository, tag)) = word
                .rsplit_once(':')
                .filter(|(r, _)| !r.is_empty() && !r.ends_with('/'))
            {
                if repository.contains('$') || tag.contains('/') {
                    return;
                }
                let tag_start = offset - tag.len();
                out.tags = Some(TagQuery {
                    repository: repository.to_owned(),
                    prefix: tag.to_owned(),
                    range: tag_start..offset,
                });
                return;
            }
            stages_before(file, model, at, word_start..offset, out);
            let mut seen: Vec<String> = Vec::new();
            for image in model
                .stages
                .iter()
                .filter_map(|s| s.image.split(':').next())
                .chain(COMMON_IMAGES.iter().copied())
            {
                if image.contains('$')
                    || seen.iter().any(|s| s == image)
                    || model
                        .stages
                        .iter()
                        .any(|s| s.name.as_deref() == Some(image))
                {
                    continue;
                }
                seen.push(image.to_owned());
                out.candidates.push(Candidate {
                    label: image.to_owned(),
                    kind: CandidateKind::Image,
                    detail: Some("image".to_owned()),
                    documentation: None,
                    insert: image.to_owned(),
                    snippet: false,
                    range: word_start..offset,
                });
            }
        }
        2 => out.candidates.push(Candidate {
            label: "AS".to_owned(),
            kind: CandidateKind::Keyword,
            detail: Some("name the stage".to_owned()),
            documentation: None,
            insert: "AS ${1:name}".to_owned(),
            snippet: true,
            range: word_start..offset,
        }),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{self, FileKind};

    /// The labels offered where `|` is.
    fn labels(text: &str) -> Vec<String> {
        complete_at(text)
            .candidates
            .into_iter()
            .map(|c| c.label)
            .collect()
    }

    fn complete_at(text: &str) -> Completion {
        let offset = text.find('|').expect("a cursor");
        let text = text.replacen('|', "", 1);
        let tree = syntax::parse(FileKind::Dockerfile, &text, None).expect("parse");
        let file = Dockerfile::new(&tree, &text);
        let model = FileModel::new(&file);
        complete(&file, &model, &Context::default(), offset)
    }

    #[test]
    fn instructions_at_the_start_of_a_line() {
        assert_eq!(labels("FROM alpine\nCO|"), ["COPY"]);
        assert_eq!(labels("FROM alpine\nw|"), ["WORKDIR"]);
        assert_eq!(labels("|").len(), 18);
        let copy = complete_at("FROM alpine\nCO|").candidates.remove(0);
        assert_eq!(copy.insert, "COPY ${1:source} ${2:destination}");
        assert_eq!(copy.range, 12..14);
        // A continuation line is not the start of an instruction.
        assert!(labels("FROM alpine\nRUN apt-get update && \\\n  ap|").is_empty());
    }

    #[test]
    fn flags_of_the_instruction_and_their_values() {
        assert_eq!(
            labels("FROM alpine\nCOPY --|"),
            [
                "--from",
                "--chown",
                "--chmod",
                "--link",
                "--parents",
                "--exclude"
            ]
        );
        assert_eq!(labels("FROM --|"), ["--platform"]);
        assert_eq!(
            labels("FROM --platform=|"),
            [
                "$BUILDPLATFORM",
                "$TARGETPLATFORM",
                "linux/amd64",
                "linux/arm64",
                "linux/arm/v7"
            ]
        );
        assert_eq!(labels("FROM alpine\nRUN --mount=|"), ["type="]);
        assert_eq!(
            labels("FROM alpine\nRUN --mount=type=|"),
            ["cache", "bind", "secret", "ssh", "tmpfs"]
        );
        assert_eq!(
            labels("FROM alpine\nRUN --mount=type=cache,target=/root/.cache,|"),
            [
                "id=", "sharing=", "from=", "source=", "mode=", "uid=", "gid=", "readonly"
            ]
        );
        assert_eq!(
            labels("FROM alpine\nRUN --mount=type=cache,sharing=|"),
            ["shared", "private", "locked"]
        );
    }

    #[test]
    fn stage_names_after_from() {
        let text = "FROM golang:1.22 AS build\nFROM alpine AS tools\nFROM scratch\nCOPY --from=| /out /out\n";
        assert_eq!(labels(text), ["build", "tools"]);
        let text = "FROM golang:1.22 AS build\nFROM alpine\nRUN --mount=type=bind,from=| ls\n";
        assert_eq!(labels(text), ["build"]);
        let from = labels("FROM golang:1.22 AS build\nFROM |");
        assert_eq!(from[0], "build");
        assert!(from.contains(&"golang".to_owned()) && from.contains(&"python".to_owned()));
        assert_eq!(labels("FROM golang:1.22 |"), ["AS"]);
    }

    #[test]
    fn tags_are_left_to_the_registry() {
        let completion = complete_at("FROM python:3.1|");
        assert_eq!(
            completion.tags,
            Some(TagQuery {
                repository: "python".to_owned(),
                prefix: "3.1".to_owned(),
                range: 12..15
            })
        );
        assert_eq!(
            complete_at("FROM localhost:5000/app:|")
                .tags
                .map(|t| t.repository),
            Some("localhost:5000/app".to_owned())
        );
        assert_eq!(
            complete_at("FROM localhost:|").tags.map(|t| t.repository),
            Some("localhost".to_owned())
        );
    }

    #[test]
    fn variables_with_their_values() {
        let text = "ARG PY=3.12\nFROM python:${|}\n";
        let completion = complete_at(text);
        let py = completion
            .candidates
            .iter()
            .find(|c| c.label == "PY")
            .expect("PY");
        assert_eq!(py.detail.as_deref(), Some("global ARG = 3.12"));
        let text = "ARG PY=3.12\nFROM python:3.12\nARG VERSION=1\nENV APP_HOME=/app\nRUN echo $|\n";
        let names = labels(text);
        assert!(
            names.starts_with(&["VERSION".to_owned(), "APP_HOME".to_owned()]),
            "{names:?}"
        );
        assert!(
            !names.contains(&"PY".to_owned()),
            "a global ARG is not visible in a stage unless redeclared"
        );
        assert!(names.contains(&"TARGETARCH".to_owned()));
    }

    #[test]
    fn directives_and_heredocs() {
        assert_eq!(
            labels("# sy|\nFROM alpine\n"),
            ["syntax=docker/dockerfile:1"]
        );
        assert!(
            labels("FROM alpine\n# sy|\n").is_empty(),
            "directives only come first"
        );
        assert_eq!(labels("FROM alpine\nRUN <<|"), ["<<EOF", "<<EOT"]);
    }
}
