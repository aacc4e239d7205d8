//! WORKDIR paths.

use super::{Alias, Check, Findings, Rule};
use crate::analysis::model::StageModel;
use crate::syntax::{InstructionKind, Severity};

pub static WORKDIR_RELATIVE: Rule = Rule {
    id: "workdir-relative",
    summary: "WORKDIR should be an absolute path",
    severity: Severity::Warning,
    aliases: &[
        Alias::Hadolint("DL3000"),
        Alias::BuildKit("WorkdirRelativePath"),
        Alias::Trivy("DS-0009"),
    ],
    explanation: "A relative `WORKDIR` is resolved against the working directory the base image happens to \
set, so the same Dockerfile lands in a different place when the base image changes. Once a stage has set \
an absolute `WORKDIR`, relative ones after it are fine.",
    bad: "FROM node:20-alpine\nWORKDIR app\n",
    good: "FROM node:20-alpine\nWORKDIR /app\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Stage(check),
};

/// Unix and Windows absolute paths, and paths from variables (unknown here).
fn is_absolute(path: &str) -> bool {
    let path = path.trim_matches(['"', '\'']);
    let bytes = path.as_bytes();
    path.starts_with('/')
        || path.starts_with('\\')
        || path.starts_with('$')
        || (bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':')
}

fn check(model: &StageModel<'_, '_>, findings: &mut Findings) {
    let mut absolute_set = false;
    for instruction in &model.stage.instructions {
        if instruction.kind() != InstructionKind::Workdir {
            continue;
        }
        let path = instruction.rest();
        if is_absolute(&path) {
            absolute_set = true;
        } else if !absolute_set && !path.is_empty() {
            let at = instruction.first_argument_range();
            findings.report(
                at,
                format!("relative WORKDIR `{path}` depends on the base image's working directory: use an absolute path"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::flagged;

    #[test]
    fn a_relative_path_before_any_absolute_one() {
        assert_eq!(
            flagged("workdir-relative", "FROM a\nWORKDIR app\n"),
            ["app"]
        );
    }

    #[test]
    fn relative_after_absolute_is_fine() {
        assert!(flagged("workdir-relative", "FROM a\nWORKDIR /srv\nWORKDIR app\n").is_empty());
    }

    #[test]
    fn variables_and_windows_paths_are_absolute_enough() {
        let text =
            "FROM a\nWORKDIR $HOME/app\nFROM b\nWORKDIR C:\\app\nFROM c\nWORKDIR \"/quoted\"\n";
        assert!(flagged("workdir-relative", text).is_empty());
    }

    #[test]
    fn each_stage_starts_afresh() {
        assert_eq!(
            flagged(
                "workdir-relative",
                "FROM a\nWORKDIR /x\nFROM b\nWORKDIR y\n"
            ),
            ["y"]
        );
    }
}
