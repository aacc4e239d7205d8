//! ONBUILD triggers BuildKit refuses.

use super::{Alias, Check, Findings, Rule};
use crate::syntax::{Instruction, InstructionKind, Severity};

pub static ONBUILD_INVALID_TRIGGER: Rule = Rule {
    id: "onbuild-invalid-trigger",
    summary: "ONBUILD cannot trigger ONBUILD, FROM or MAINTAINER",
    severity: Severity::Error,
    aliases: &[Alias::Hadolint("DL3043")],
    explanation: "An ONBUILD trigger runs in the build of every image that uses this one as its base. \
Chaining ONBUILD, starting a new stage with FROM or setting the deprecated MAINTAINER from there is not \
allowed: BuildKit refuses the Dockerfile.",
    bad: "FROM alpine:3.20\nONBUILD FROM alpine:3.20\n",
    good: "FROM alpine:3.20\nONBUILD COPY . /app/\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check),
};

fn check(instruction: &Instruction<'_>, findings: &mut Findings) {
    if instruction.kind() != InstructionKind::Onbuild {
        return;
    }
    let Some(trigger) = instruction.onbuild_trigger() else {
        return;
    };
    let message = match trigger.kind() {
        InstructionKind::Onbuild => "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
        InstructionKind::From => "FROM isn't allowed as an ONBUILD trigger",
        InstructionKind::Maintainer => "MAINTAINER isn't allowed as an ONBUILD trigger",
        _ => return,
    };
    let at = trigger.keyword().unwrap_or(trigger.node());
    findings.report(at.byte_range(), message);
}

#[cfg(test)]
mod tests {
    use super::super::testing::findings;

    #[test]
    fn forbidden_triggers_point_at_their_keyword() {
        let text = "FROM a\nONBUILD FROM b\nONBUILD MAINTAINER me\nONBUILD ONBUILD RUN x\n";
        let found = findings("onbuild-invalid-trigger", text);
        insta::assert_debug_snapshot!(found, @r#"
        [
            (
                "2:9-2:13",
                "FROM isn't allowed as an ONBUILD trigger",
            ),
            (
                "3:9-3:19",
                "MAINTAINER isn't allowed as an ONBUILD trigger",
            ),
            (
                "4:9-4:16",
                "Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
            ),
        ]
        "#);
    }

    #[test]
    fn a_nested_forbidden_trigger_is_reported_too() {
        let text = "FROM a\nONBUILD ONBUILD FROM b\n";
        let found: Vec<String> = findings("onbuild-invalid-trigger", text)
            .into_iter()
            .map(|f| f.0)
            .collect();
        assert_eq!(found, ["2:9-2:16", "2:17-2:21"]);
    }

    #[test]
    fn ordinary_triggers_are_fine() {
        let text = "FROM a\nONBUILD RUN make\nONBUILD COPY . /src/\nONBUILD ARG X\n";
        assert!(findings("onbuild-invalid-trigger", text).is_empty());
    }
}
