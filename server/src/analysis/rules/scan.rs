//! Cheap text tests that spare parsing the shell of RUNs that cannot matter to a rule.

use std::sync::Arc;

use crate::analysis::shell::{self, RunCommands};
use crate::syntax::{Instruction, InstructionKind};

/// Whether the instruction is a RUN whose text holds one of `needles` (asked of every
/// instruction: the needles are only looked at for a RUN, and need not be collected).
pub(super) fn run_mentions(
    instruction: &Instruction<'_>,
    needles: impl IntoIterator<Item = impl AsRef<str>>,
) -> bool {
    instruction.kind() == InstructionKind::Run
        && instruction
            .src()
            .get(instruction.node().byte_range())
            .is_some_and(|text| needles.into_iter().any(|n| text.contains(n.as_ref())))
}

/// The commands of a RUN whose text holds one of `needles`; `None` for any other
/// instruction, without parsing it.
pub(super) fn commands_mentioning(
    instruction: &Instruction<'_>,
    needles: impl IntoIterator<Item = impl AsRef<str>>,
) -> Option<Arc<RunCommands>> {
    run_mentions(instruction, needles).then(|| shell::run_commands(instruction))
}
