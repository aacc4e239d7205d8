//! EXPOSE ports and protocols.

use super::{Alias, Check, Findings, Rule};
use crate::syntax::{Instruction, InstructionKind, Severity};

pub static EXPOSE_INVALID_PORT: Rule = Rule {
    id: "expose-invalid-port",
    summary: "EXPOSE takes ports from 0 to 65535, optionally `/tcp`, `/udp` or `/sctp`",
    severity: Severity::Error,
    aliases: &[Alias::Hadolint("DL3011"), Alias::Trivy("DS-0008")],
    explanation: "A port outside 0-65535, a reversed range or an unknown protocol makes the build fail when \
the image configuration is written.",
    bad: "FROM nginx:1.27\nEXPOSE 80800/tcp\n",
    good: "FROM nginx:1.27\nEXPOSE 8080/tcp\n",
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check),
};

/// Why an EXPOSE argument is invalid, if it is.
fn problem(argument: &str) -> Option<String> {
    if argument.contains('$') {
        return None; // decided by a variable at build time
    }
    let (ports, protocol) = match argument.split_once('/') {
        Some((ports, protocol)) => (ports, Some(protocol)),
        None => (argument, None),
    };
    if let Some(protocol) = protocol
        && !["tcp", "udp", "sctp"].contains(&protocol.to_ascii_lowercase().as_str())
    {
        return Some(format!(
            "unknown protocol `{protocol}`: use tcp, udp or sctp"
        ));
    }
    let port = |text: &str| text.parse::<u32>().ok().filter(|p| *p <= 65535);
    match ports.split_once('-') {
        Some((low, high)) => match (port(low), port(high)) {
            (Some(low), Some(high)) if low <= high => None,
            (Some(_), Some(_)) => Some(format!("port range `{ports}` ends before it starts")),
            _ => Some(format!("`{ports}` is not a port range between 0 and 65535")),
        },
        None => port(ports)
            .is_none()
            .then(|| format!("`{ports}` is not a port between 0 and 65535")),
    }
}

fn check(instruction: &Instruction<'_>, findings: &mut Findings) {
    if instruction.kind() != InstructionKind::Expose {
        return;
    }
    for argument in instruction.arguments() {
        if let Some(problem) = problem(instruction.text(argument)) {
            findings.report(argument.byte_range(), problem);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::flagged;

    #[test]
    fn invalid_ports_ranges_and_protocols() {
        let text = "FROM a\nEXPOSE 80 65536 8080/tcp 53/UDP 9000-8000 1-2/quic abc\n";
        assert_eq!(
            flagged("expose-invalid-port", text),
            ["65536", "9000-8000", "1-2/quic", "abc"]
        );
    }

    #[test]
    fn variables_are_not_judged() {
        assert!(
            flagged(
                "expose-invalid-port",
                "FROM a\nARG PORT=80\nEXPOSE $PORT ${PORT}/udp\n"
            )
            .is_empty()
        );
    }
}
