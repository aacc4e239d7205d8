//! How ENV and LABEL pairs are written.

use super::{Alias, Check, Findings, Rule};
use crate::syntax::{Instruction, InstructionKind, Severity};

pub static LEGACY_KEY_VALUE_FORMAT: Rule = Rule {
    id: "legacy-key-value-format",
    summary: "ENV and LABEL should be written `key=value`, not `key value`",
    severity: Severity::Warning,
    aliases: &[Alias::BuildKit("LegacyKeyValueFormat")],
    explanation: "`ENV key value` is the legacy form: everything after the key, spaces included, becomes the \
value, so it sets only one variable and `ENV A 1 B 2` sets `A` to `1 B 2`. It is easy to misread and is \
deprecated. `ENV key=value` sets several variables per instruction and quotes values the way the shell \
does.",
    bad: "FROM alpine:3.20\nENV APP_HOME /srv/app\n",
    good: "FROM alpine:3.20\nENV APP_HOME=/srv/app\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check),
};

/// `value` as it would be written after `=`: quoted when it holds white space.
fn as_assigned(value: &str) -> String {
    let quoted = value.starts_with(['"', '\'']);
    if !quoted && value.contains(char::is_whitespace) {
        format!("\"{}\"", value.replace('"', "\\\""))
    } else {
        value.to_owned()
    }
}

fn check(instruction: &Instruction<'_>, findings: &mut Findings) {
    if !matches!(
        instruction.kind(),
        InstructionKind::Env | InstructionKind::Label
    ) {
        return;
    }
    let keyword = instruction.kind().name();
    for pair in instruction.pairs() {
        // Without a value it is a syntax error, reported as such.
        let (Some(key), Some(value)) = (pair.key_node(), pair.value_node()) else {
            continue;
        };
        if pair.has_equals() {
            continue;
        }
        let value = instruction.logical(value.byte_range());
        let value = value.trim();
        let shown: String = if value.chars().count() > 40 {
            format!("{}...", value.chars().take(40).collect::<String>())
        } else {
            as_assigned(value)
        };
        findings.report(
            pair.node.byte_range(),
            format!(
                "legacy `{keyword} key value` format: write `{keyword} {}={shown}`",
                instruction.text(key)
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, flagged};

    const ID: &str = "legacy-key-value-format";

    #[test]
    fn the_whole_pair_is_reported_with_the_form_to_use() {
        assert_eq!(
            findings(ID, "FROM a\nENV PATH /opt/bin:$PATH\n"),
            [(
                "2:5-2:24".to_owned(),
                "legacy `ENV key value` format: write `ENV PATH=/opt/bin:$PATH`".to_owned()
            )]
        );
        assert_eq!(
            findings(ID, "FROM a\nLABEL description a small image\n"),
            [(
                "2:7-2:32".to_owned(),
                "legacy `LABEL key value` format: write `LABEL description=\"a small image\"`"
                    .to_owned()
            )]
        );
    }

    #[test]
    fn onbuild_triggers_are_checked() {
        assert_eq!(flagged(ID, "FROM a\nONBUILD ENV A 1\n"), ["A 1"]);
    }

    #[test]
    fn key_value_pairs_and_other_instructions_are_fine() {
        let text = "FROM a\nENV A=1 B=\"two words\"\nLABEL a=b\nARG V 1\nENV C=\n";
        assert!(flagged(ID, text).is_empty());
    }

    #[test]
    fn a_missing_value_is_a_syntax_error_not_this() {
        assert!(flagged(ID, "FROM a\nENV A\n").is_empty());
    }
}
