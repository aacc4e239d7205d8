//! SSH in containers: port 22.

use super::{Alias, Check, Findings, Rule};
use crate::syntax::{Instruction, InstructionKind, Severity};

pub static EXPOSE_SSH_PORT: Rule = Rule {
    id: "expose-ssh-port",
    summary: "Do not expose port 22 (SSH)",
    severity: Severity::Warning,
    aliases: &[Alias::Trivy("DS-0004")],
    explanation: "Exposing port 22 means running an SSH server in the container: another daemon to \
patch, keys or passwords to manage, and a way in that bypasses the orchestrator's access control and \
audit. Use `docker exec` or `kubectl exec` to get a shell in a running container.",
    bad: "FROM ubuntu:24.04\nEXPOSE 22 8080\n",
    good: "FROM ubuntu:24.04\nEXPOSE 8080\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check),
};

/// Whether an EXPOSE argument (`22`, `22/tcp`, `20-25`) covers TCP port 22.
fn covers_ssh(argument: &str) -> bool {
    let (ports, protocol) = argument.split_once('/').unwrap_or((argument, "tcp"));
    if !protocol.eq_ignore_ascii_case("tcp") {
        return false;
    }
    let port = |t: &str| t.parse::<u32>().ok();
    match ports.split_once('-') {
        Some((low, high)) => {
            matches!((port(low), port(high)), (Some(l), Some(h)) if l <= 22 && 22 <= h)
        }
        None => port(ports) == Some(22),
    }
}

fn check(instruction: &Instruction<'_>, findings: &mut Findings) {
    if instruction.kind() != InstructionKind::Expose {
        return;
    }
    for word in instruction.arguments() {
        let text = instruction.text(word);
        if covers_ssh(text) {
            findings.report(
                word.byte_range(),
                format!("EXPOSE {text} publishes SSH: use `docker exec` for a shell instead of an SSH server"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, flagged};

    #[test]
    fn port_22_alone_with_tcp_or_in_a_range() {
        let text = "FROM a\nEXPOSE 80 22\nEXPOSE 22/tcp 20-30\n";
        let found = findings("expose-ssh-port", text);
        let ranges: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(ranges, ["2:11-2:13", "3:8-3:14", "3:15-3:20"]);
        insta::assert_snapshot!(found[0].1, @"EXPOSE 22 publishes SSH: use `docker exec` for a shell instead of an SSH server");
    }

    #[test]
    fn other_ports_udp_and_variables_are_fine() {
        let text = "FROM a\nEXPOSE 2222 220 22/udp $SSH_PORT 23-30\n";
        assert!(flagged("expose-ssh-port", text).is_empty());
    }
}
