//! COPY and ADD: sources, destinations, and ADD where COPY would do.

use std::ops::Range;
use std::sync::Arc;

use super::{Alias, Check, Findings, Rule};
use crate::analysis::model::StageModel;
use crate::analysis::shell;
use crate::analysis::{expand, instruction_memo};
use crate::syntax::{Instruction, InstructionKind, Severity};

pub static ADD_INSTEAD_OF_COPY: Rule = Rule {
    id: "add-instead-of-copy",
    summary: "Use COPY, not ADD, for local files and folders",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3020"), Alias::Trivy("DS-0005")],
    explanation: "`ADD` also downloads URLs, clones git repositories and unpacks local tar archives. Used \
for plain files it does what `COPY` does, but a reader cannot tell which behaviour was meant, and a file \
that later turns into a tar archive is silently unpacked. `COPY` says exactly what happens. ADD of a URL, a \
git repository or a tar archive (which it extracts) is not reported; neither are sources built from \
variables, whose value is not known here.",
    bad: "FROM alpine:3.20\nADD app.conf /etc/app/\n",
    good: "FROM alpine:3.20\nCOPY app.conf /etc/app/\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_add),
};

pub static COPY_DESTINATION_NOT_DIRECTORY: Rule = Rule {
    id: "copy-destination-not-directory",
    summary: "COPY or ADD of several sources needs a destination ending in `/`",
    severity: Severity::Error,
    aliases: &[Alias::Hadolint("DL3021"), Alias::Trivy("DS-0011")],
    explanation: "With more than one source (heredocs count), the destination must be a directory, \
written with a trailing `/`. The classic builder refuses the instruction; BuildKit copies every source to \
the same path, so each one overwrites the one before. `.` is a directory for BuildKit.",
    bad: "FROM node:20-alpine\nCOPY package.json package-lock.json /app\n",
    good: "FROM node:20-alpine\nCOPY package.json package-lock.json /app/\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_destination),
};

pub static COPY_RELATIVE_DESTINATION: Rule = Rule {
    id: "copy-relative-destination",
    summary: "COPY to a relative destination should follow a WORKDIR",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3045")],
    explanation: "A relative destination is resolved against the working directory, which, until the \
stage sets `WORKDIR`, is whatever the base image chose: the files land somewhere else when the base image \
changes. Set `WORKDIR` (here or in the stage this one builds on) or use an absolute path. Stages built on \
`scratch` start in `/` and are not reported.",
    bad: "FROM node:20-alpine\nCOPY . .\n",
    good: "FROM node:20-alpine\nWORKDIR /app\nCOPY . .\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Stage(check_relative_destination),
};

pub static COPY_ARCHIVE_THEN_EXTRACT: Rule = Rule {
    id: "copy-archive-then-extract",
    summary: "A tar archive copied and then extracted stays in the image: let ADD extract it",
    severity: Severity::Info,
    aliases: &[Alias::Hadolint("DL3010")],
    explanation: "`COPY app.tar.gz /tmp/` followed by `RUN tar -xzf /tmp/app.tar.gz` stores the archive \
in one layer and its contents in the next: the image carries both, even if a later `RUN rm` deletes the \
archive. `ADD app.tar.gz /opt/app/` extracts a local tar archive (plain, gzip, bzip2, xz or zstd) in a \
single layer; a bind mount (`RUN --mount=type=bind,source=app.tar.gz,target=/tmp/app.tar.gz tar -xzf \
/tmp/app.tar.gz`) keeps the archive out of the image too. Zip files are not reported: ADD does not \
extract them.",
    bad: "FROM debian:bookworm-slim\nCOPY app.tar.gz /tmp/\nRUN tar -xzf /tmp/app.tar.gz -C /opt\n",
    good: "FROM debian:bookworm-slim\nADD app.tar.gz /opt/\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Stage(check_archive_then_extract),
};

/// A source or the destination of COPY or ADD.
#[derive(Debug, Clone)]
pub(super) struct PathArg {
    /// Quotes and escapes removed; the text as written when it refers to a variable.
    pub text: String,
    pub range: Range<usize>,
    /// A heredoc (`<<EOF`): inline content, not a path.
    pub heredoc: bool,
    /// Refers to a variable, so its value is not known from the text alone.
    pub variable: bool,
}

/// The sources and destination of COPY or ADD.
#[derive(Debug, Clone)]
pub(super) struct FileArgs {
    pub sources: Vec<PathArg>,
    pub dest: PathArg,
}

/// The sources and destination of a COPY or ADD with at least two arguments.
///
/// Many rules read them from the same instruction; they are derived once.
pub(super) fn file_args(instruction: &Instruction<'_>) -> Option<Arc<FileArgs>> {
    if !matches!(
        instruction.kind(),
        InstructionKind::Copy | InstructionKind::Add
    ) {
        return None;
    }
    let memo = instruction_memo::memo(instruction, |i| derive_file_args(i).map(Arc::new));
    (*memo).clone()
}

/// [`file_args`] of a COPY or ADD, before the memo.
fn derive_file_args(instruction: &Instruction<'_>) -> Option<FileArgs> {
    let mut args: Vec<PathArg> = match instruction.json_array() {
        Some(array) => {
            let mut cursor = array.walk();
            array
                .named_children(&mut cursor)
                .filter(|n| n.kind() == "json_string")
                .map(|n| {
                    let text =
                        serde_json::from_str::<String>(instruction.text(n)).unwrap_or_default();
                    PathArg {
                        variable: !expand::references(&text, instruction.escape()).is_empty(),
                        text,
                        range: n.byte_range(),
                        heredoc: false,
                    }
                })
                .collect()
        }
        None => instruction
            .arguments()
            .into_iter()
            .map(|n| {
                let raw = instruction.logical(n.byte_range());
                if n.kind() == "heredoc_marker" {
                    return PathArg {
                        text: raw,
                        range: n.byte_range(),
                        heredoc: true,
                        variable: false,
                    };
                }
                let expansion = expand::expand(&raw, instruction.escape(), &|_| None);
                let variable = !expansion.references.is_empty();
                PathArg {
                    text: if variable { raw } else { expansion.value },
                    range: n.byte_range(),
                    heredoc: false,
                    variable,
                }
            })
            .collect(),
    };
    let dest = args.pop()?;
    if args.is_empty() {
        return None;
    }
    Some(FileArgs {
        sources: args,
        dest,
    })
}

/// The last component of a path (`app.tar.gz` for `/tmp/app.tar.gz/`).
pub(super) fn path_basename(path: &str) -> &str {
    let trimmed = path.trim_end_matches(['/', '\\']);
    trimmed.rsplit(['/', '\\']).next().unwrap_or(trimmed)
}

/// File names of the archives ADD unpacks and `tar -x` reads: tar, possibly compressed.
fn is_tar_archive(path: &str) -> bool {
    let name = path_basename(path).to_ascii_lowercase();
    const SUFFIXES: &[&str] = &[
        ".tar",
        ".tar.gz",
        ".tgz",
        ".tar.bz2",
        ".tbz2",
        ".tbz",
        ".tar.xz",
        ".txz",
        ".tar.zst",
        ".tzst",
        ".tar.lzma",
        ".tlz",
    ];
    SUFFIXES.iter().any(|s| name.ends_with(s))
}

/// Compressed files that may hold a tar archive: ADD inspects the content, not the name.
fn may_be_compressed_tar(path: &str) -> bool {
    let name = path_basename(path).to_ascii_lowercase();
    is_tar_archive(path)
        || [".gz", ".bz2", ".xz", ".zst", ".lzma"]
            .iter()
            .any(|s| name.ends_with(s))
}

/// A URL or git remote that ADD downloads.
fn is_remote(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    lower.contains("://") || lower.starts_with("git@")
}

fn check_add(instruction: &Instruction<'_>, findings: &mut Findings) {
    if instruction.kind() != InstructionKind::Add {
        return;
    }
    // These flags only make sense for remote sources or archives.
    if ["checksum", "keep-git-dir", "unpack"]
        .iter()
        .any(|f| instruction.flag(f).is_some())
    {
        return;
    }
    let Some(args) = file_args(instruction) else {
        return;
    };
    let plain = args.sources.iter().all(|s| {
        s.heredoc || (!s.variable && !is_remote(&s.text) && !may_be_compressed_tar(&s.text))
    });
    if plain {
        let at = instruction.keyword().unwrap_or(instruction.node());
        let what = if args.sources.iter().all(|s| s.heredoc) {
            "inline content"
        } else {
            "local files"
        };
        findings.report(
            at.byte_range(),
            format!("ADD of {what}: use COPY, which only copies (ADD also fetches URLs and unpacks archives)"),
        );
    }
}

/// Whether BuildKit treats the destination as a directory.
fn names_directory(dest: &str, escape: char) -> bool {
    dest == "." || dest.ends_with('/') || (escape == '`' && dest.ends_with('\\'))
}

fn check_destination(instruction: &Instruction<'_>, findings: &mut Findings) {
    let Some(args) = file_args(instruction) else {
        return;
    };
    if args.sources.len() < 2 || args.dest.heredoc || args.dest.variable {
        return;
    }
    let dest = &args.dest.text;
    if !names_directory(dest, instruction.escape()) {
        findings.report(
            args.dest.range.clone(),
            format!(
                "{} of {} sources into `{dest}`: end the destination with `/` (`{dest}/`) to make it a directory",
                instruction.kind().name(),
                args.sources.len()
            ),
        );
    }
}

/// Unix and Windows absolute paths.
fn is_absolute(path: &str) -> bool {
    let bytes = path.as_bytes();
    path.starts_with('/')
        || path.starts_with('\\')
        || (bytes.len() >= 3
            && bytes[0].is_ascii_alphabetic()
            && bytes[1] == b':'
            && matches!(bytes[2], b'/' | b'\\'))
}

fn check_relative_destination(model: &StageModel<'_, '_>, findings: &mut Findings) {
    // A stage rooted in scratch starts in `/`: nothing depends on a base image.
    if model.environment_is_known() {
        return;
    }
    for (i, instruction) in model.stage.instructions.iter().enumerate() {
        let Some(args) = file_args(instruction) else {
            continue;
        };
        let dest = &args.dest;
        if dest.heredoc || dest.variable || is_absolute(&dest.text) {
            continue;
        }
        if model.workdir_at(i).is_none() {
            findings.report(
                dest.range.clone(),
                format!(
                    "relative destination `{}` lands in the base image's working directory: set WORKDIR first or use an absolute path",
                    dest.text
                ),
            );
        }
    }
}

/// `tar` told to extract: `-x` (alone or bundled), `--extract`, `--get`, or the old
/// dash-less bundle (`tar xzf file`).
fn is_tar_extract(command: &shell::Command) -> bool {
    if command.basename() != "tar" {
        return false;
    }
    if command.has_flag(&["-x", "--extract", "--get"]) {
        return true;
    }
    command.args.first().is_some_and(|first| {
        !first.text.starts_with('-')
            && first.text.contains('x')
            && first.text.chars().all(|c| c.is_ascii_alphabetic())
    })
}

fn check_archive_then_extract(model: &StageModel<'_, '_>, findings: &mut Findings) {
    // (name the RUN would use, the COPY source to report, its text)
    let mut archives: Vec<(String, Range<usize>, String)> = Vec::new();
    let mut reported: Vec<Range<usize>> = Vec::new();
    for instruction in &model.stage.instructions {
        match instruction.kind() {
            InstructionKind::Copy if instruction.flag("from").is_none() => {
                let Some(args) = file_args(instruction) else {
                    continue;
                };
                for source in args.sources.iter().filter(|s| !s.heredoc && !s.variable) {
                    if !is_tar_archive(&source.text) {
                        continue;
                    }
                    let name = path_basename(&source.text).to_owned();
                    archives.push((name, source.range.clone(), source.text.clone()));
                    // `COPY dist.tgz /tmp/app.tgz` renames it.
                    let dest = &args.dest.text;
                    if args.sources.len() == 1
                        && !args.dest.variable
                        && !dest.ends_with('/')
                        && is_tar_archive(dest)
                    {
                        let renamed = path_basename(dest).to_owned();
                        archives.push((renamed, source.range.clone(), source.text.clone()));
                    }
                }
            }
            InstructionKind::Run if !archives.is_empty() => {
                let text = instruction
                    .src()
                    .get(instruction.node().byte_range())
                    .unwrap_or("");
                if !text.contains("tar") {
                    continue;
                }
                let commands = shell::run_commands(instruction);
                for command in commands.commands.iter().filter(|c| is_tar_extract(c)) {
                    for arg in &command.args {
                        let name = path_basename(&arg.text);
                        for (archive, range, source) in &archives {
                            if archive == name && !reported.contains(range) {
                                reported.push(range.clone());
                                findings.report(
                                    range.clone(),
                                    format!(
                                        "`{source}` is copied, then extracted by `tar` in a later RUN, so the image keeps the archive too: `ADD {source} <dir>/` extracts it in one layer"
                                    ),
                                );
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, flagged};

    #[test]
    fn add_of_local_files_and_heredocs() {
        let text =
            "FROM a\nADD app.conf /etc/\nADD <<EOF /x\nhi\nEOF\nADD [\"a b.txt\", \"/c/\"]\n";
        let found = findings("add-instead-of-copy", text);
        let ranges: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(ranges, ["2:1-2:4", "3:1-3:4", "6:1-6:4"]);
        insta::assert_snapshot!(found[0].1, @"ADD of local files: use COPY, which only copies (ADD also fetches URLs and unpacks archives)");
        insta::assert_snapshot!(found[1].1, @"ADD of inline content: use COPY, which only copies (ADD also fetches URLs and unpacks archives)");
    }

    #[test]
    fn add_of_urls_git_archives_and_variables_is_fine() {
        let text = "FROM a\nADD https://example.com/x.sh /x\nADD git@github.com:o/r.git /src\nADD rootfs.tar.xz /\nADD data.gz /d/\nADD $SRC /y\nADD --checksum=sha256:abc https://e.com/f /f\nADD \"app.TGZ\" /opt/\n";
        assert!(flagged("add-instead-of-copy", text).is_empty());
    }

    #[test]
    fn a_zip_is_not_extracted_so_add_is_reported() {
        assert_eq!(
            flagged("add-instead-of-copy", "FROM a\nADD app.zip /opt/\n"),
            ["ADD"]
        );
    }

    #[test]
    fn several_sources_need_a_directory() {
        let text = "FROM a\nCOPY a.txt b.txt /app\nCOPY <<EOF c.txt dir\nx\nEOF\nCOPY [\"x\", \"y\", \"z\"]\n";
        let found = findings("copy-destination-not-directory", text);
        let ranges: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(ranges, ["2:18-2:22", "3:18-3:21", "6:17-6:20"]);
        insta::assert_snapshot!(found[0].1, @"COPY of 2 sources into `/app`: end the destination with `/` (`/app/`) to make it a directory");
    }

    #[test]
    fn directories_single_sources_and_variables_are_fine() {
        let text = "FROM a\nCOPY a b /app/\nCOPY a b .\nCOPY a /app\nCOPY a b $DEST\nCOPY --parents a/x b/y \"/out/\"\n";
        assert!(flagged("copy-destination-not-directory", text).is_empty());
    }

    #[test]
    fn relative_destination_without_workdir() {
        let text = "FROM node:20\nCOPY . .\nCOPY x /abs/\nWORKDIR /app\nCOPY y z/\n";
        let found = findings("copy-relative-destination", text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "2:8-2:9");
        insta::assert_snapshot!(found[0].1, @"relative destination `.` lands in the base image's working directory: set WORKDIR first or use an absolute path");
    }

    #[test]
    fn workdir_inherited_from_a_stage_scratch_and_variables_count() {
        let text = "FROM node:20 AS base\nWORKDIR /srv\nFROM base\nCOPY . .\nFROM scratch\nCOPY app app\nFROM alpine\nCOPY a $DIR\nADD b C:\\\\x\n";
        assert!(flagged("copy-relative-destination", text).is_empty());
        assert_eq!(
            flagged(
                "copy-relative-destination",
                "FROM alpine AS a\nFROM a\nADD x.txt data/\n"
            ),
            ["data/"]
        );
    }

    #[test]
    fn archive_copied_then_extracted() {
        let text = "FROM debian\nCOPY app.tar.gz other.txt /tmp/\nRUN mkdir /opt/app \\\n && tar -xzf /tmp/app.tar.gz -C /opt/app\n";
        let found = findings("copy-archive-then-extract", text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "2:6-2:16");
        insta::assert_snapshot!(found[0].1, @"`app.tar.gz` is copied, then extracted by `tar` in a later RUN, so the image keeps the archive too: `ADD app.tar.gz <dir>/` extracts it in one layer");
    }

    #[test]
    fn renamed_archives_and_old_style_tar_options() {
        let text = "FROM debian\nCOPY dist.tgz /tmp/app.tgz\nRUN tar xzf /tmp/app.tgz\n";
        assert_eq!(flagged("copy-archive-then-extract", text), ["dist.tgz"]);
    }

    #[test]
    fn no_extraction_zip_other_stage_or_listing_is_fine() {
        let text = "FROM debian\nCOPY app.tar.gz /tmp/\nRUN tar -tzf /tmp/app.tar.gz\nCOPY a.zip /tmp/\nRUN unzip /tmp/a.zip\nCOPY --from=build /x.tar /tmp/\nRUN tar -xf /tmp/x.tar\nFROM debian\nRUN tar -xzf /tmp/app.tar.gz\n";
        assert!(flagged("copy-archive-then-extract", text).is_empty());
    }
}
