//! Removing several commands of one `&&` chain at once (neighbours included), which
//! one `remove_command` edit per command cannot do: their edits would overlap.

use crate::analysis::shell::{Command, RunCommands, Separator};
use crate::syntax::Edit;

/// The edits that drop the commands at `indices` (of `run.commands`) with the `&&`
/// that joins each; `None` when one of them is not in a top-level `&&` chain, or
/// when nothing would be left of the chain.
pub fn remove_commands(run: &RunCommands, indices: &[usize]) -> Option<Vec<Edit>> {
    let mut indices = indices.to_vec();
    indices.sort_unstable();
    indices.dedup();
    if !run.complete || indices.is_empty() {
        return None;
    }
    let commands = &run.commands;
    let top_level = |c: &Command| !c.in_subshell_or_condition && !c.in_pipeline;
    let joined = |c: &Command| c.separator_before == Some(Separator::And);
    let mut edits = Vec::new();
    let mut group_start = 0;
    while group_start < indices.len() {
        // A group: consecutive indices, removed with one edit.
        let mut group_end = group_start;
        while indices
            .get(group_end + 1)
            .is_some_and(|&next| next == indices[group_end] + 1)
        {
            group_end += 1;
        }
        let (first, last) = (indices[group_start], indices[group_end]);
        let group = commands.get(first..=last)?;
        if !group.iter().all(top_level) {
            return None;
        }
        let previous = first.checked_sub(1).and_then(|i| commands.get(i));
        let next = commands.get(last + 1);
        let edit = match (previous, next) {
            // `a && [b && c]`: from the end of `a` to the end of `c`.
            (Some(previous), _) if top_level(previous) && group.iter().all(joined) => {
                Edit::delete(previous.range.end..group.last()?.range.end)
            }
            // `[a && b] && c`: from `a` to the start of `c`.
            (None, Some(next))
                if top_level(next) && joined(next) && group.iter().skip(1).all(joined) =>
            {
                Edit::delete(group.first()?.range.start..next.range.start)
            }
            _ => return None,
        };
        edits.push(edit);
        group_start = group_end + 1;
    }
    Some(edits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::fixes::apply_edits;
    use crate::analysis::shell::run_commands;
    use crate::syntax::{self, Dockerfile, FileKind};

    fn removed(text: &str, indices: &[usize]) -> Option<String> {
        let tree = syntax::parse(FileKind::Dockerfile, text, None).expect("parse");
        let file = Dockerfile::new(&tree, text);
        let run = file.instructions().find(|i| i.keyword_text() == "RUN")?;
        apply_edits(text, &remove_commands(&run_commands(&run), indices)?)
    }

    #[test]
    fn neighbours_go_with_one_edit_each_group() {
        let text = "RUN a && b && c && d && e\n";
        assert_eq!(removed(text, &[0, 1]).as_deref(), Some("RUN c && d && e\n"));
        assert_eq!(removed(text, &[1, 2]).as_deref(), Some("RUN a && d && e\n"));
        assert_eq!(removed(text, &[0, 2, 4]).as_deref(), Some("RUN b && d\n"));
        assert_eq!(
            removed("RUN a \\\n && b \\\n && c\n", &[1, 2]).as_deref(),
            Some("RUN a\n")
        );
    }

    #[test]
    fn other_separators_and_the_whole_chain_are_refused() {
        assert_eq!(removed("RUN a; b && c\n", &[1]), None);
        assert_eq!(removed("RUN a && b\n", &[0, 1]), None);
        assert_eq!(removed("RUN a && (b && c)\n", &[2]), None);
        assert_eq!(removed("RUN a | b && c\n", &[2]), None);
        assert_eq!(removed("RUN a && b\n", &[]), None);
    }
}
