//! Cheap text tests that spare parsing the shell of RUNs that cannot matter to a rule.

use std::sync::Arc;

use crate::analysis::shell::{self, RunCommands};
use crate::syntax::{Instruction, InstructionKind};

/// Whether the instruction is a RUN whose text holds one of `needles`.
pub(super) fn run_mentions(instruction: &Instruction<'_>, needles: &[&str]) -> bool {
    instruction.kind() == InstructionKind::Run
        && instruction
            .src()
            .get(instruction.node().byte_range())
            .is_some_and(|text| needles.iter().any(|n| text.contains(n)))
}

/// The commands of a RUN whose text holds one of `needles`; `None` for any other
/// instruction, without parsing it.
pub(super) fn commands_mentioning(
    instruction: &Instruction<'_>,
    needles: &[&str],
) -> Option<Arc<RunCommands>> {
    run_mentions(instruction, needles).then(|| shell::run_commands(instruction))
}
