//! Stage names: casing, `AS` casing, duplicates, reserved names.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::hash::{Hash, Hasher};

use super::{Alias, Check, FileView, Findings, Rule};
use crate::syntax::{Instruction, InstructionKind, Severity};

pub static STAGE_NAME_CASING: Rule = Rule {
    id: "stage-name-casing",
    summary: "Stage names should be lower case",
    severity: Severity::Warning,
    aliases: &[Alias::BuildKit("StageNameCasing")],
    explanation: "Stage names are matched case-insensitively (`COPY --from=Build` finds `build`), so upper \
case in a name only suggests a distinction that does not exist.",
    bad: "FROM golang:1.22 AS Builder\n",
    good: "FROM golang:1.22 AS builder\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_casing),
};

pub static FROM_AS_CASING: Rule = Rule {
    id: "from-as-casing",
    summary: "The AS keyword should have the case of FROM",
    severity: Severity::Warning,
    aliases: &[Alias::BuildKit("FromAsCasing")],
    explanation: "`FROM image as name` mixes cases within one instruction; write `AS` with `FROM` and `as` \
with `from`.",
    bad: "FROM golang:1.22 as builder\n",
    good: "FROM golang:1.22 AS builder\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_as_casing),
};

pub static DUPLICATE_STAGE_NAME: Rule = Rule {
    id: "duplicate-stage-name",
    summary: "Stage names should be unique",
    severity: Severity::Error,
    aliases: &[
        Alias::Hadolint("DL3024"),
        Alias::BuildKit("DuplicateStageName"),
        Alias::Trivy("DS-0012"),
    ],
    explanation: "Two stages with the same name (compared case-insensitively) make `COPY --from` and \
`FROM name` ambiguous; BuildKit refuses to build such a file.",
    bad: "FROM alpine AS build\nFROM debian AS build\n",
    good: "FROM alpine AS build\nFROM debian AS runtime\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::File(check_duplicates),
};

pub static RESERVED_STAGE_NAME: Rule = Rule {
    id: "reserved-stage-name",
    summary: "`scratch` and `context` are reserved and cannot name a stage",
    severity: Severity::Error,
    aliases: &[
        Alias::Hadolint("DL3063"),
        Alias::BuildKit("ReservedStageName"),
    ],
    explanation: "`scratch` means the empty image and `context` the build context; a stage with one of these \
names could never be referred to.",
    bad: "FROM alpine AS scratch\n",
    good: "FROM alpine AS base\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_reserved),
};

fn stage_name<'t>(instruction: &Instruction<'t>) -> Option<tree_sitter::Node<'t>> {
    (instruction.kind() == InstructionKind::From)
        .then(|| instruction.stage_name())
        .flatten()
}

fn check_casing(instruction: &Instruction<'_>, findings: &mut Findings) {
    if let Some(name) = stage_name(instruction) {
        let text = instruction.text(name);
        if text != text.to_lowercase() && !text.contains('$') {
            findings.report(
                name.byte_range(),
                format!(
                    "stage name `{text}` should be lower case: `{}`",
                    text.to_lowercase()
                ),
            );
        }
    }
}

fn check_as_casing(instruction: &Instruction<'_>, findings: &mut Findings) {
    let Some(as_keyword) = instruction.as_keyword() else {
        return;
    };
    let from = instruction.keyword_text();
    let written = instruction.text(as_keyword);
    let from_upper = from == from.to_uppercase();
    let from_lower = from == from.to_lowercase();
    let matches = (from_upper && written == "AS")
        || (from_lower && written == "as")
        || (!from_upper && !from_lower);
    if !matches {
        let expected = if from_upper { "AS" } else { "as" };
        findings.report(
            as_keyword.byte_range(),
            format!("`{written}` should be `{expected}` to match `{from}`"),
        );
    }
}

fn check_reserved(instruction: &Instruction<'_>, findings: &mut Findings) {
    if let Some(name) = stage_name(instruction) {
        let text = instruction.text(name);
        if text.eq_ignore_ascii_case("scratch") || text.eq_ignore_ascii_case("context") {
            findings.report(
                name.byte_range(),
                format!("`{text}` is reserved and cannot name a stage"),
            );
        }
    }
}

fn check_duplicates(view: &FileView<'_, '_>, findings: &mut Findings) {
    // Runs on every keystroke: names come from the file model, and a line number is
    // counted only for a duplicate.
    let src = view.file.src();
    let mut seen: rustc_hash::FxHashMap<Caseless<'_>, usize> =
        rustc_hash::FxHashMap::with_capacity_and_hasher(
            view.model.stages.len(),
            Default::default(),
        );
    for stage in &view.model.stages {
        let (Some(text), Some(range)) = (&stage.name, &stage.name_range) else {
            continue;
        };
        match seen.entry(Caseless::new(text)) {
            Entry::Occupied(first) => {
                let at = *first.get();
                let line = memchr::memchr_iter(b'\n', &src.as_bytes()[..at]).count() + 1;
                findings.report(
                    range.clone(),
                    format!(
                        "duplicate stage name `{text}`: already used by the stage on line {line}"
                    ),
                );
            }
            Entry::Vacant(slot) => {
                slot.insert(range.start);
            }
        }
    }
}

/// A stage name compared without case, as BuildKit lower-cases it: an ASCII name (every
/// valid one) without a lower-case copy, any other lower-cased once.
struct Caseless<'a>(Cow<'a, str>);

impl<'a> Caseless<'a> {
    fn new(name: &'a str) -> Self {
        Caseless(if name.is_ascii() {
            Cow::Borrowed(name)
        } else {
            Cow::Owned(name.to_lowercase())
        })
    }
}

impl PartialEq for Caseless<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.0.eq_ignore_ascii_case(&other.0)
    }
}

impl Eq for Caseless<'_> {}

impl Hash for Caseless<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        for byte in self.0.bytes() {
            state.write_u8(byte.to_ascii_lowercase());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, flagged};

    #[test]
    fn upper_case_stage_names() {
        assert_eq!(
            flagged("stage-name-casing", "FROM a AS Build\nFROM b AS run\n"),
            ["Build"]
        );
        assert!(flagged("stage-name-casing", "FROM a AS build-1.x\n").is_empty());
    }

    #[test]
    fn as_follows_the_case_of_from() {
        assert_eq!(
            flagged(
                "from-as-casing",
                "FROM a as b\nfrom c AS d\nFROM e AS f\nfrom g as h\n"
            ),
            ["as", "AS"]
        );
    }

    #[test]
    fn duplicates_are_compared_without_case() {
        let found = findings(
            "duplicate-stage-name",
            "FROM a AS x\nFROM b AS y\nFROM c AS X\n",
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "3:11-3:12");
        assert!(found[0].1.contains("line 1"));
        assert!(findings("duplicate-stage-name", "FROM a AS x\nFROM x AS y\n").is_empty());
        // Each later use names the first; a name outside ASCII is compared in full.
        let found = findings(
            "duplicate-stage-name",
            "FROM a AS build\nFROM a AS Étape\nFROM b AS BUILD\nFROM c AS étape\nFROM d AS build\nFROM e AS \u{212a}x\nFROM f AS kx\n",
        );
        let lines: Vec<(&str, bool)> = found
            .iter()
            .map(|(at, message)| (at.as_str(), message.contains("on line 1")))
            .collect();
        assert_eq!(
            lines,
            [
                ("3:11-3:16", true),
                ("4:11-4:16", false),
                ("5:11-5:16", true),
                // The Kelvin sign lower-cases to `k`.
                ("7:11-7:13", false)
            ]
        );
        assert!(found[1].1.contains("on line 2"));
        assert!(found[3].1.contains("on line 6"));
    }

    #[test]
    fn reserved_names() {
        assert_eq!(
            flagged(
                "reserved-stage-name",
                "FROM a AS scratch\nFROM b AS Context\n"
            ),
            ["scratch", "Context"]
        );
        assert!(flagged("reserved-stage-name", "FROM scratch AS base\n").is_empty());
    }
}
