//! Deprecated instructions.

use super::{Alias, Check, Findings, Rule, Tag};
use crate::syntax::{Instruction, InstructionKind, Severity};

pub static MAINTAINER_DEPRECATED: Rule = Rule {
    id: "maintainer-deprecated",
    summary: "MAINTAINER is deprecated: use a LABEL",
    severity: Severity::Warning,
    aliases: &[
        Alias::Hadolint("DL4000"),
        Alias::BuildKit("MaintainerDeprecated"),
        Alias::Trivy("DS-0022"),
    ],
    explanation: "`MAINTAINER` has been deprecated since Docker 1.13. The OCI annotation \
`org.opencontainers.image.authors` in a `LABEL` says the same and tools read it.",
    bad: "FROM alpine:3.20\nMAINTAINER Jane Doe <jane@example.com>\n",
    good: "FROM alpine:3.20\nLABEL org.opencontainers.image.authors=\"Jane Doe <jane@example.com>\"\n",
    tags: &[Tag::Deprecated],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check),
};

fn check(instruction: &Instruction<'_>, findings: &mut Findings) {
    if instruction.kind() == InstructionKind::Maintainer {
        let at = instruction.keyword().unwrap_or(instruction.node());
        findings.report(
            at.byte_range(),
            "MAINTAINER is deprecated: use `LABEL org.opencontainers.image.authors=...`",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::findings;

    #[test]
    fn flags_the_keyword() {
        let found = findings("maintainer-deprecated", "FROM a\nMAINTAINER me\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "2:1-2:11");
    }

    #[test]
    fn a_label_is_fine() {
        assert!(findings("maintainer-deprecated", "FROM a\nLABEL maintainer=me\n").is_empty());
    }
}
