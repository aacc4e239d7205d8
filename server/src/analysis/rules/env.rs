//! ENV: references to variables the same ENV sets.

use super::{Alias, Check, Findings, Rule};
use crate::analysis::expand;
use crate::syntax::{Instruction, InstructionKind, Severity};

pub static ENV_SAME_INSTRUCTION_REFERENCE: Rule = Rule {
    id: "env-same-instruction-reference",
    summary: "ENV should not use a variable it sets itself",
    severity: Severity::Error,
    aliases: &[Alias::Hadolint("DL3044")],
    explanation: "All values of one ENV instruction are expanded before any of its variables is set. In \
`ENV JAVA_HOME=/opt/java PATH=$JAVA_HOME/bin:$PATH`, `$JAVA_HOME` is the value from before the \
instruction (often empty), not `/opt/java`, so `PATH` silently gets the wrong directory. Set the variable \
in an earlier ENV. A variable that refers to its own old value (`PATH=$PATH:/x`) is fine.",
    bad: "FROM eclipse-temurin:21-jre\nENV APP_HOME=/opt/app PATH=$APP_HOME/bin:$PATH\n",
    good: "FROM eclipse-temurin:21-jre\nENV APP_HOME=/opt/app\nENV PATH=$APP_HOME/bin:$PATH\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check),
};

fn check(instruction: &Instruction<'_>, findings: &mut Findings) {
    if instruction.kind() != InstructionKind::Env {
        return;
    }
    let pairs = instruction.pairs();
    if pairs.len() < 2 {
        return;
    }
    let mut earlier: Vec<&str> = Vec::new();
    for pair in &pairs {
        if let Some(value) = pair.value_node() {
            let raw = instruction.text(value);
            for reference in expand::references(raw, instruction.escape()) {
                if earlier.contains(&reference.name.as_str()) {
                    let start = value.start_byte() + reference.range.start;
                    let end = value.start_byte() + reference.range.end;
                    findings.report(
                        start..end,
                        format!(
                            "`{}` is expanded before this ENV sets `{}`, so it keeps its earlier value: set `{}` in a previous ENV",
                            raw.get(reference.range.clone()).unwrap_or(&reference.name),
                            reference.name,
                            reference.name
                        ),
                    );
                }
            }
        }
        earlier.push(pair.key());
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, flagged};

    #[test]
    fn a_later_pair_uses_an_earlier_one() {
        let text = "FROM a\nENV A=1 \\\n    B=\"x-${A}\" C=$A$D\n";
        let found = findings("env-same-instruction-reference", text);
        let ranges: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(ranges, ["3:10-3:14", "3:18-3:20"]);
        insta::assert_snapshot!(found[0].1, @"`${A}` is expanded before this ENV sets `A`, so it keeps its earlier value: set `A` in a previous ENV");
    }

    #[test]
    fn own_old_value_other_instructions_and_escapes_are_fine() {
        let text = "FROM a\nENV PATH=/x:$PATH\nENV A=1\nENV B=$A\nENV C=1 D=\\$C E='$C'\nENV F=$G G=1\nARG H=1 I=$H\n";
        assert!(flagged("env-same-instruction-reference", text).is_empty());
    }
}
