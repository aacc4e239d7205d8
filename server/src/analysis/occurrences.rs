//! Where names occur in one instruction: variable declarations and uses, stage references, heredoc delimiters.

use std::ops::Range;

use super::expand;
use super::model::VarKind;
use crate::syntax::{Instruction, InstructionKind, logical_segments};

/// How a variable occurs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarRole {
    /// Declared by ARG or ENV. `has_value`: written `NAME=...`; an `ARG NAME` without
    /// a value in a stage takes the global ARG's value.
    Declaration { kind: VarKind, has_value: bool },
    /// `$NAME` or `${NAME...}`. `env_only`: read when the container runs (shell-form
    /// CMD, ENTRYPOINT, HEALTHCHECK), where ARGs no longer exist.
    Use { env_only: bool },
}

/// One occurrence of a variable name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarSite<'t> {
    pub name: &'t str,
    /// Bytes of the name alone (no `$` or `${`).
    pub range: Range<usize>,
    /// A use: the bytes of the whole reference (`${NAME:-x}`); a declaration: the name.
    pub whole: Range<usize>,
    pub role: VarRole,
    /// Where a declaration starts to count: after its pair for ARG (later pairs of
    /// the same line see it), after the whole line for ENV (BuildKit expands an ENV
    /// line with the values from before it).
    pub effect: usize,
}

impl VarSite<'_> {
    pub fn is_declaration(&self) -> bool {
        matches!(self.role, VarRole::Declaration { .. })
    }
}

/// The flags of COPY and ADD whose values BuildKit expands.
const EXPANDED_COPY_FLAGS: &[&str] = &["from", "chown", "chmod", "checksum", "exclude"];

/// Shells that read a heredoc given on their stdin as a script.
const SHELLS: &[&str] = &["sh", "bash", "ash", "dash", "zsh", "ksh"];

/// Every variable declared or used in an instruction, in source order. Uses are
/// found where BuildKit expands variables (FROM, COPY, ENV, LABEL, WORKDIR, ...,
/// and the `--mount`, `--from`, `--chown` ... flags) and in the shell code of RUN,
/// and of shell-form CMD, ENTRYPOINT and HEALTHCHECK, which the shell expands when
/// it runs. ONBUILD triggers run in another build: nothing in them counts.
pub fn variables<'t>(instruction: &Instruction<'t>) -> Vec<VarSite<'t>> {
    use InstructionKind as K;
    let mut out = Vec::new();
    let uses = |range: Range<usize>, env_only: bool, out: &mut Vec<VarSite<'t>>| {
        push_uses(instruction, range, env_only, Reading::Logical, out);
    };
    let body = |range: Range<usize>, skip_comments: bool, out: &mut Vec<VarSite<'t>>| {
        push_uses(
            instruction,
            range,
            false,
            Reading::Lines { skip_comments },
            out,
        );
    };
    let words = |out: &mut Vec<VarSite<'t>>| {
        for word in instruction.arguments() {
            if word.kind() == "word" {
                uses(word.byte_range(), false, out);
            }
        }
        if let Some(array) = instruction.json_array() {
            let mut cursor = array.walk();
            for string in array.named_children(&mut cursor) {
                if string.kind() == "json_string" {
                    uses(string.byte_range(), false, out);
                }
            }
        }
    };
    match instruction.kind() {
        K::From => {
            if let Some(image) = instruction.image() {
                uses(image.byte_range(), false, &mut out);
            }
            flag_uses(instruction, &["platform"], &mut out);
        }
        K::Arg | K::Env => {
            for pair in instruction.pairs() {
                if let Some(value) = pair.value_node() {
                    uses(value.byte_range(), false, &mut out);
                }
            }
            out.extend(declarations(instruction));
        }
        K::Label => {
            for pair in instruction.pairs() {
                if let Some(value) = pair.value_node() {
                    uses(value.byte_range(), false, &mut out);
                }
            }
        }
        K::Expose | K::Volume | K::User | K::Workdir | K::Stopsignal => words(&mut out),
        K::Copy | K::Add => {
            flag_uses(instruction, EXPANDED_COPY_FLAGS, &mut out);
            words(&mut out);
            for heredoc in instruction.heredocs() {
                // BuildKit expands a COPY heredoc's body unless the delimiter is quoted.
                if heredoc.spec.expand
                    && let Some(text) = heredoc.body
                {
                    body(text.byte_range(), false, &mut out);
                }
            }
        }
        K::Run => {
            flag_uses(instruction, &["mount"], &mut out);
            if let Some(command) = instruction.shell_command() {
                uses(command.byte_range(), false, &mut out);
                let script = instruction.text(command);
                let first = script.split_whitespace().next().unwrap_or("");
                let only_markers = script
                    .split_whitespace()
                    .all(|w| crate::syntax::parse_marker(w).is_some());
                let shell = SHELLS.contains(&first.rsplit('/').next().unwrap_or(first));
                for heredoc in instruction.heredocs() {
                    // The shell expands an unquoted heredoc; a script run by a shell
                    // reads its variables whatever the quoting.
                    if (heredoc.spec.expand || only_markers || shell)
                        && let Some(text) = heredoc.body
                    {
                        body(text.byte_range(), true, &mut out);
                    }
                }
            }
        }
        K::Cmd | K::Entrypoint | K::Healthcheck => {
            if let Some(command) = instruction.shell_command() {
                uses(command.byte_range(), true, &mut out);
            }
        }
        K::Maintainer | K::Shell | K::Onbuild | K::Unknown => {}
    }
    out.sort_by_key(|s| s.range.start);
    out
}

/// The variables an ARG or ENV declares, in order (none for other instructions).
pub fn declarations<'t>(instruction: &Instruction<'t>) -> Vec<VarSite<'t>> {
    let kind = match instruction.kind() {
        InstructionKind::Arg => VarKind::Arg,
        InstructionKind::Env => VarKind::Env,
        _ => return Vec::new(),
    };
    let line_end = instruction.line_end();
    let mut out = Vec::new();
    for pair in instruction.pairs() {
        let Some(key) = pair.key_node() else { continue };
        let name = instruction.text(key);
        if !is_variable_name(name) {
            continue;
        }
        out.push(VarSite {
            name,
            range: key.byte_range(),
            whole: key.byte_range(),
            role: VarRole::Declaration {
                kind,
                has_value: kind == VarKind::Env || pair.has_equals(),
            },
            effect: match kind {
                VarKind::Arg => pair.node.end_byte(),
                VarKind::Env => line_end,
            },
        });
    }
    out
}

/// Uses in the values of the named flags (which BuildKit expands).
fn flag_uses<'t>(instruction: &Instruction<'t>, names: &[&str], out: &mut Vec<VarSite<'t>>) {
    for flag in instruction.flags() {
        if names.contains(&flag.name())
            && let Some(value) = flag.value_node()
        {
            push_uses(
                instruction,
                value.byte_range(),
                false,
                Reading::Logical,
                out,
            );
        }
    }
}

/// How the text of a range is read for references.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reading {
    /// As BuildKit joins an instruction's lines: continuations removed, comment lines
    /// inside it dropped (an apostrophe in such a comment quotes nothing).
    Logical,
    /// A heredoc body, line by line; a script's comment lines are skipped.
    Lines { skip_comments: bool },
}

/// The variable references in a range of the source, as uses.
fn push_uses<'t>(
    instruction: &Instruction<'t>,
    range: Range<usize>,
    env_only: bool,
    reading: Reading,
    out: &mut Vec<VarSite<'t>>,
) {
    let src = instruction.src();
    let Some(text) = src.get(range.clone()) else {
        return;
    };
    if !text.contains('$') {
        return;
    }
    match reading {
        Reading::Logical => {
            let pieces = logical_segments(src, range, instruction.escape());
            // Where each piece starts in the joined text and in the source.
            let mut bounds = Vec::with_capacity(pieces.len());
            let mut joined = String::new();
            for (source, piece) in &pieces {
                bounds.push((joined.len(), *source, piece.len()));
                joined.push_str(piece);
            }
            let map = |offset: usize| {
                let i = bounds.partition_point(|&(start, _, _)| start <= offset);
                let (start, source, len) = *bounds.get(i.checked_sub(1)?)?;
                (offset - start < len).then_some(source + offset - start)
            };
            scan(instruction, &joined, &map, env_only, out);
        }
        Reading::Lines { skip_comments } => {
            let mut at = range.start;
            for line in text.split_inclusive('\n') {
                let start = at;
                at += line.len();
                if skip_comments && line.trim_start().starts_with('#') {
                    continue;
                }
                let map = |offset: usize| (offset < line.len()).then_some(start + offset);
                scan(instruction, line, &map, env_only, out);
            }
        }
    }
}

/// The references in `text`, placed in the source by `map` (`None`: not in it).
fn scan<'t>(
    instruction: &Instruction<'t>,
    text: &str,
    map: &dyn Fn(usize) -> Option<usize>,
    env_only: bool,
    out: &mut Vec<VarSite<'t>>,
) {
    let src = instruction.src();
    for reference in expand::references(text, instruction.escape()) {
        let braced = text.as_bytes().get(reference.range.start + 1) == Some(&b'{');
        let name_at = reference.range.start + if braced { 2 } else { 1 };
        let (Some(start), Some(name_start), Some(last)) = (
            map(reference.range.start),
            map(name_at),
            map(reference.range.end.saturating_sub(1)),
        ) else {
            continue;
        };
        let name_range = name_start..name_start + reference.name.len();
        // A name split by a line continuation has no single range to point at.
        let Some(name) = src.get(name_range.clone()) else {
            continue;
        };
        if name != reference.name || !is_variable_name(name) {
            continue;
        }
        out.push(VarSite {
            name,
            range: name_range,
            whole: start..last + 1,
            role: VarRole::Use { env_only },
            effect: start,
        });
    }
}

/// `[A-Za-z_][A-Za-z0-9_]*`: what `$NAME` can name.
pub fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A stage named in a flag: `COPY --from=name` or `RUN --mount=...,from=name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageRefSite<'t> {
    /// The name or index as written.
    pub text: &'t str,
    pub range: Range<usize>,
    /// A number names the stage by index.
    pub index: Option<usize>,
}

/// The stages (or images) a COPY's `--from` or a RUN mount's `from=` names, when
/// written literally (a value holding a variable names nothing by itself).
pub fn stage_refs<'t>(instruction: &Instruction<'t>) -> Vec<StageRefSite<'t>> {
    let src = instruction.src();
    let mut out = Vec::new();
    let mut push = |range: Range<usize>| {
        let Some(text) = src.get(range.clone()) else {
            return;
        };
        if text.is_empty() || text.contains(['$', '"', '\'', '\\', '`', ' ', '\t', '\n']) {
            return;
        }
        out.push(StageRefSite {
            text,
            index: text
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| text.parse().ok())
                .flatten(),
            range,
        });
    };
    for flag in instruction.flags() {
        let Some(value) = flag.value_node() else {
            continue;
        };
        match (instruction.kind(), flag.name()) {
            (InstructionKind::Copy, "from") => push(unquoted(src, value.byte_range())),
            (InstructionKind::Run, "mount") => {
                let range = unquoted(src, value.byte_range());
                let Some(text) = src.get(range.clone()) else {
                    continue;
                };
                let mut at = range.start;
                for field in text.split(',') {
                    if let Some((key, _)) = field.split_once('=')
                        && key.trim().eq_ignore_ascii_case("from")
                    {
                        let start = at + key.len() + 1;
                        push(start..at + field.len());
                    }
                    at += field.len() + 1;
                }
            }
            _ => {}
        }
    }
    out
}

/// A range without the quotes around it, when the whole value is quoted.
fn unquoted(src: &str, range: Range<usize>) -> Range<usize> {
    let text = src.get(range.clone()).unwrap_or("");
    for quote in ['"', '\''] {
        if text.len() >= 2 && text.starts_with(quote) && text.ends_with(quote) {
            return range.start + 1..range.end - 1;
        }
    }
    range
}

/// A heredoc's delimiter where it opens (`<<EOF`) and where it closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeredocSite {
    /// The delimiter, quotes removed.
    pub name: String,
    /// Bytes of the delimiter in the marker (inside quotes when it is quoted whole).
    pub marker: Range<usize>,
    /// Whether the marker writes the delimiter plainly or quoted whole, so a new name
    /// can replace it (`<<"E"'OF'` cannot be rewritten as one word).
    pub marker_plain: bool,
    /// Bytes of the delimiter on its closing line (`None` when unterminated).
    pub end: Option<Range<usize>>,
    /// The body's lines: a new delimiter must not be one of them.
    pub body: Range<usize>,
}

/// The heredocs of an instruction (or of an ONBUILD's trigger).
pub fn heredocs(instruction: &Instruction<'_>) -> Vec<HeredocSite> {
    let instruction = match instruction.kind() {
        InstructionKind::Onbuild => match instruction.onbuild_trigger() {
            Some(trigger) => trigger,
            None => return Vec::new(),
        },
        _ => *instruction,
    };
    let src = instruction.src();
    instruction
        .heredocs()
        .into_iter()
        .filter_map(|heredoc| {
            let marker_node = heredoc.marker;
            let text = instruction.text(marker_node);
            // `3<<-  "EOF"`: the word after `<<`, the dash and blanks.
            let digits = text.bytes().take_while(u8::is_ascii_digit).count();
            let after = text.get(digits..)?.strip_prefix("<<")?;
            let after = after.strip_prefix('-').unwrap_or(after);
            let word = after.trim_start_matches([' ', '\t']);
            let word_start = marker_node.start_byte() + (text.len() - word.len());
            let word_end = word
                .find([' ', '\t', '\r', '\n'])
                .map_or(word_start + word.len(), |i| word_start + i);
            let raw = src.get(word_start..word_end)?;
            let name = heredoc.spec.name.clone();
            let (marker, marker_plain) = if raw == name {
                (word_start..word_end, true)
            } else if raw.len() == name.len() + 2
                && (raw.starts_with('"') || raw.starts_with('\''))
                && raw.get(1..raw.len() - 1) == Some(name.as_str())
                && raw.ends_with(&raw[..1])
            {
                (word_start + 1..word_end - 1, true)
            } else {
                (word_start..word_end, false)
            };
            let end = heredoc.end.and_then(|node| {
                let line = instruction.text(node);
                let tabs = line.len() - line.trim_start_matches('\t').len();
                let start = node.start_byte() + tabs;
                let range = start..start + name.len();
                (src.get(range.clone()) == Some(name.as_str()) && !name.is_empty()).then_some(range)
            });
            let body = heredoc
                .body
                .map_or(marker_node.end_byte()..marker_node.end_byte(), |b| {
                    b.byte_range()
                });
            Some(HeredocSite {
                name,
                marker,
                marker_plain,
                end,
                body,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{self, Dockerfile, FileKind};

    /// Each site of the last instruction as `name@text-of-range role`.
    fn describe(text: &str) -> String {
        let tree = syntax::parse(FileKind::Dockerfile, text, None).unwrap();
        let file = Dockerfile::new(&tree, text);
        let instruction = file.instructions().last().unwrap();
        let mut out = Vec::new();
        for site in variables(&instruction) {
            let role = match site.role {
                VarRole::Declaration { kind, has_value } => {
                    format!("{kind:?}{}", if has_value { "=" } else { "" })
                }
                VarRole::Use { env_only: true } => "env-use".to_owned(),
                VarRole::Use { env_only: false } => "use".to_owned(),
            };
            out.push(format!("{role} {} [{}]", site.name, &text[site.whole]));
        }
        for site in stage_refs(&instruction) {
            out.push(format!("stage {} {:?}", site.text, site.index));
        }
        for site in heredocs(&instruction) {
            let end = site.end.map_or("-", |r| &text[r]);
            out.push(format!(
                "heredoc {} [{}] plain={} end={end}",
                site.name, &text[site.marker], site.marker_plain
            ));
        }
        out.join("\n")
    }

    #[test]
    fn arg_and_env_declare_and_use() {
        insta::assert_snapshot!(describe("ARG A B=$A C=${B:-x}\n"), @r"
        Arg A [A]
        Arg= B [B]
        use A [$A]
        Arg= C [C]
        use B [${B:-x}]
        ");
        insta::assert_snapshot!(describe("FROM a\nENV PATH=/x:$PATH\n"), @r"
        Env= PATH [PATH]
        use PATH [$PATH]
        ");
        insta::assert_snapshot!(describe("FROM a\nENV K value with $V\n"), @r"
        Env= K [K]
        use V [$V]
        ");
    }

    #[test]
    fn uses_where_buildkit_or_the_shell_expands() {
        insta::assert_snapshot!(describe("FROM --platform=$BUILDPLATFORM img:${TAG} AS $NOT\n"), @r"
        use BUILDPLATFORM [$BUILDPLATFORM]
        use TAG [${TAG}]
        ");
        insta::assert_snapshot!(describe("FROM a\nCOPY --from=$S --chown=$U:$G [\"$SRC\", \"/d\"]\n"), @r"
        use S [$S]
        use U [$U]
        use G [$G]
        use SRC [$SRC]
        ");
        insta::assert_snapshot!(describe("FROM a\nRUN --mount=type=cache,target=$T echo \"$A\" '$NOT' \\$NOT ${B%%.*}\n"), @r#"
        use T [$T]
        use A [$A]
        use B [${B%%.*}]
        "#);
        insta::assert_snapshot!(describe("FROM a\nCMD exec $APP --port $PORT\n"), @r"
        env-use APP [$APP]
        env-use PORT [$PORT]
        ");
        insta::assert_snapshot!(describe("FROM a\nCMD [\"$APP\"]\n"), @"");
        insta::assert_snapshot!(describe("FROM a\nONBUILD RUN echo $X\n"), @"");
        insta::assert_snapshot!(describe("FROM a\nMAINTAINER $X\n"), @"");
    }

    #[test]
    fn comment_lines_inside_an_instruction_quote_nothing() {
        let text = "FROM a\nRUN echo $A; \\\n# let's see\n  echo \"$B\" \\\n  && echo ${C}\n";
        insta::assert_snapshot!(describe(text), @r"
        use A [$A]
        use B [$B]
        use C [${C}]
        ");
        insta::assert_snapshot!(describe("FROM a\nRUN <<EOF\n# it's a comment\necho $A\nEOF\n"), @r"
        use A [$A]
        heredoc EOF [EOF] plain=true end=EOF
        ");
    }

    #[test]
    fn heredoc_bodies_count_when_expanded() {
        insta::assert_snapshot!(describe("FROM a\nRUN <<'EOF'\necho $A\nEOF\n"), @r"
        use A [$A]
        heredoc EOF [EOF] plain=true end=EOF
        ");
        insta::assert_snapshot!(describe("FROM a\nRUN python3 <<'EOF'\nprint('$A')\nEOF\n"), @"heredoc EOF [EOF] plain=true end=EOF");
        insta::assert_snapshot!(describe("FROM a\nCOPY <<-END /f\n\t$A\n\tEND\n"), @r"
        use A [$A]
        heredoc END [END] plain=true end=END
        ");
        insta::assert_snapshot!(describe("FROM a\nCOPY <<\"E\"'OF' /f\nx\nEOF\n"), @r#"heredoc EOF ["E"'OF'] plain=false end=EOF"#);
    }

    #[test]
    fn stage_references_in_flags() {
        insta::assert_snapshot!(describe("FROM a\nCOPY --from=Build /a /b\n"), @"stage Build None");
        insta::assert_snapshot!(describe("FROM a\nCOPY --from=0 /a /b\n"), @"stage 0 Some(0)");
        insta::assert_snapshot!(describe("FROM a\nRUN --mount=type=bind,from=tools,source=/x,target=/y --mount=type=cache,target=/c make\n"), @"stage tools None");
        insta::assert_snapshot!(describe("FROM a\nCOPY --from=$B /a /b\n"), @"use B [$B]");
    }
}
