//! WORKDIR in system directories.

use super::{Alias, Check, Findings, Rule};
use crate::analysis::model::StageModel;
use crate::syntax::{InstructionKind, Severity};

pub static WORKDIR_SYSTEM_DIRECTORY: Rule = Rule {
    id: "workdir-system-directory",
    summary: "WORKDIR should not be in /proc, /sys, /dev or another system directory",
    severity: Severity::Warning,
    aliases: &[Alias::Trivy("DS-0030")],
    explanation: "`/proc`, `/sys` and `/dev` are replaced by kernel filesystems when the container \
starts: a working directory created there at build time is gone at run time, so the container fails to \
start or writes into the kernel's view of the system. `/boot`, `/initrd` and `/lost+found` belong to the \
host's boot and filesystem tools, not to an application. Use a directory such as `/app` or `/srv`.",
    bad: "FROM alpine:3.20\nWORKDIR /proc/app\n",
    good: "FROM alpine:3.20\nWORKDIR /app\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Stage(check),
};

/// The system directory a path is in, and whether the kernel mounts over it.
fn system_directory(path: &str) -> Option<(&'static str, bool)> {
    const DIRS: &[(&str, bool)] = &[
        ("/proc", true),
        ("/sys", true),
        ("/dev", true),
        ("/boot", false),
        ("/initrd", false),
        ("/lost+found", false),
    ];
    DIRS.iter().copied().find(|(dir, _)| {
        path.strip_prefix(dir)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

fn check(model: &StageModel<'_, '_>, findings: &mut Findings) {
    for (i, instruction) in model.stage.instructions.iter().enumerate() {
        if instruction.kind() != InstructionKind::Workdir {
            continue;
        }
        // Variables without a known value could point anywhere.
        if !model.expand(&instruction.rest(), i).complete {
            continue;
        }
        let Some(workdir) = model.workdir_at(i + 1) else {
            continue;
        };
        let Some((dir, mounted)) = system_directory(&workdir.value) else {
            continue;
        };
        let at = instruction.first_argument_range();
        let why = if mounted {
            "is replaced by a kernel filesystem when the container starts"
        } else {
            "is a system directory"
        };
        findings.report(
            at,
            format!(
                "WORKDIR `{}`: {dir} {why}; use an application directory such as /app",
                workdir.value
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, flagged};

    #[test]
    fn system_directories_also_through_relative_paths_and_args() {
        let text =
            "FROM a\nWORKDIR /proc\nWORKDIR /\nWORKDIR sys/kernel\nARG D=/boot\nWORKDIR $D/x\n";
        let found = findings("workdir-system-directory", text);
        insta::assert_debug_snapshot!(found, @r#"
        [
            (
                "2:9-2:14",
                "WORKDIR `/proc`: /proc is replaced by a kernel filesystem when the container starts; use an application directory such as /app",
            ),
            (
                "4:9-4:19",
                "WORKDIR `/sys/kernel`: /sys is replaced by a kernel filesystem when the container starts; use an application directory such as /app",
            ),
            (
                "6:9-6:13",
                "WORKDIR `/boot/x`: /boot is a system directory; use an application directory such as /app",
            ),
        ]
        "#);
    }

    #[test]
    fn similar_names_and_unknown_variables_are_fine() {
        let text = "FROM a\nWORKDIR /process\nWORKDIR /app/proc\nWORKDIR /devices\nWORKDIR $UNKNOWN/dev\nWORKDIR /etc/nginx\n";
        assert!(flagged("workdir-system-directory", text).is_empty());
    }
}
