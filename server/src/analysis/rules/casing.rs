//! Instruction keyword casing: one case per file.

use super::{Alias, Case, Check, Findings, Keyword, Rule};
use crate::syntax::Severity;

pub static CONSISTENT_INSTRUCTION_CASING: Rule = Rule {
    id: "consistent-instruction-casing",
    summary: "Instruction keywords should all be upper case or all lower case",
    severity: Severity::Warning,
    aliases: &[Alias::BuildKit("ConsistentInstructionCasing")],
    explanation: "Keywords are case-insensitive, but a file that mixes `RUN` and `run` (or writes `Run`) is \
harder to scan. BuildKit reports keywords that differ from the case most of the file uses.",
    bad: "FROM alpine:3.20\nrun apk add --no-cache curl\n",
    good: "FROM alpine:3.20\nRUN apk add --no-cache curl\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Keywords(check),
};

fn check(keywords: &[Keyword], findings: &mut Findings) {
    let (upper, lower) = keywords.iter().fold((0, 0), |(u, l), k| match k.case {
        Case::Upper => (u + 1, l),
        Case::Lower => (u, l + 1),
        Case::Mixed => (u, l),
    });
    let (majority, name) = if upper >= lower {
        (Case::Upper, "upper case")
    } else {
        (Case::Lower, "lower case")
    };
    for keyword in keywords.iter().filter(|k| k.case != majority) {
        findings.report(
            keyword.range.clone(),
            format!("write this keyword in {name}, like most instructions of the file"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::flagged;

    #[test]
    fn flags_keywords_against_the_majority_case() {
        let text = "FROM a\nrun x\nRUN y\nRun z\n";
        assert_eq!(
            flagged("consistent-instruction-casing", text),
            ["run", "Run"]
        );
    }

    #[test]
    fn an_all_lowercase_file_is_consistent() {
        assert!(
            flagged(
                "consistent-instruction-casing",
                "from a\nrun x\ncmd [\"y\"]\n"
            )
            .is_empty()
        );
    }

    #[test]
    fn onbuild_triggers_count() {
        assert_eq!(
            flagged("consistent-instruction-casing", "FROM a\nONBUILD run x\n"),
            ["run"]
        );
    }
}
