//! EXPOSE ports and protocols.

use std::ops::Range;

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
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check),
};

pub static EXPOSE_PROTOCOL_CASING: Rule = Rule {
    id: "expose-protocol-casing",
    summary: "The protocol in EXPOSE should be lower case",
    severity: Severity::Warning,
    aliases: &[Alias::BuildKit("ExposeProtoCasing")],
    explanation: "BuildKit accepts `80/TCP` but stores the protocol in lower case, so the Dockerfile and the \
image configuration disagree, and tools that read the Dockerfile may not recognise the protocol. Write \
`tcp`, `udp` or `sctp`.",
    bad: "FROM nginx:1.27\nEXPOSE 80/TCP\n",
    good: "FROM nginx:1.27\nEXPOSE 80/tcp\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_protocol_casing),
};

pub static EXPOSE_HOST_MAPPING: Rule = Rule {
    id: "expose-host-mapping",
    summary: "EXPOSE should name container ports only, without an IP address or host port",
    severity: Severity::Warning,
    aliases: &[Alias::BuildKit("ExposeInvalidFormat")],
    explanation: "EXPOSE only records which ports the container listens on. An IP address or a host port \
(`8080:80`, `127.0.0.1:8080:80`) is dropped: the image exposes `80` and nothing is published on the host, \
which the Dockerfile seems to promise. BuildKit warns that this will become an error. Publish ports when \
the container runs (`docker run -p 8080:80`, `ports:` in Compose).",
    bad: "FROM nginx:1.27\nEXPOSE 8080:80\n",
    good: "FROM nginx:1.27\nEXPOSE 80\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check_host_mapping),
};

/// Where the container port starts: after the last `:` outside `${...}`, as BuildKit
/// splits `[ip:]host:container`.
fn container_start(argument: &str) -> usize {
    let mut depth = 0usize;
    let mut start = 0;
    let mut previous = None;
    for (i, c) in argument.char_indices() {
        match c {
            '{' if previous == Some('$') => depth += 1,
            '}' if depth > 0 => depth -= 1,
            ':' if depth == 0 => start = i + 1,
            _ => {}
        }
        previous = Some(c);
    }
    start
}

/// Why an EXPOSE argument is invalid, if it is (an IP address or host port before
/// the container port is another rule's concern).
fn problem(argument: &str) -> Option<String> {
    let argument = argument.get(container_start(argument)..).unwrap_or("");
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

/// The bytes of an argument's protocol (after `/`), when it is not lower case and
/// names a protocol BuildKit knows.
fn upper_case_protocol(argument: &str) -> Option<Range<usize>> {
    let start = container_start(argument);
    let slash = start + argument.get(start..)?.find('/')?;
    let protocol = argument.get(slash + 1..)?;
    let lower = protocol.to_ascii_lowercase();
    (protocol != lower && ["tcp", "udp", "sctp"].contains(&lower.as_str()))
        .then_some(slash + 1..argument.len())
}

fn check_protocol_casing(instruction: &Instruction<'_>, findings: &mut Findings) {
    if instruction.kind() != InstructionKind::Expose {
        return;
    }
    for argument in instruction.arguments() {
        let text = instruction.text(argument);
        if let Some(range) = upper_case_protocol(text) {
            let protocol = &text[range.clone()];
            let start = argument.start_byte();
            findings.report(
                start + range.start..start + range.end,
                format!(
                    "protocol `{protocol}` should be lower case: `{}`",
                    protocol.to_ascii_lowercase()
                ),
            );
        }
    }
}

fn check_host_mapping(instruction: &Instruction<'_>, findings: &mut Findings) {
    if instruction.kind() != InstructionKind::Expose {
        return;
    }
    for argument in instruction.arguments() {
        let text = instruction.text(argument);
        let start = container_start(text);
        if start == 0 {
            continue;
        }
        let host = &text[..start - 1];
        let container = &text[start..];
        let what = if host.contains(':') {
            "an IP address and a host port"
        } else {
            "a host port"
        };
        findings.report(
            argument.byte_range(),
            format!(
                "`{text}` has {what}, which EXPOSE drops: write `EXPOSE {container}` and publish the port when the container runs (`docker run -p {text}`)"
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, flagged};

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

    #[test]
    fn only_the_container_port_is_judged_for_range() {
        assert!(
            flagged(
                "expose-invalid-port",
                "FROM a\nEXPOSE 8080:80 127.0.0.1:80:80/udp\n"
            )
            .is_empty()
        );
        assert_eq!(
            flagged("expose-invalid-port", "FROM a\nEXPOSE 8080:99999\n"),
            ["8080:99999"]
        );
    }

    #[test]
    fn upper_case_protocols_are_reported_on_the_protocol() {
        assert_eq!(
            findings(
                "expose-protocol-casing",
                "FROM a\nEXPOSE 80/TCP 53/Udp 8080:81/SCTP\n"
            ),
            [
                (
                    "2:11-2:14".to_owned(),
                    "protocol `TCP` should be lower case: `tcp`".to_owned()
                ),
                (
                    "2:18-2:21".to_owned(),
                    "protocol `Udp` should be lower case: `udp`".to_owned()
                ),
                (
                    "2:30-2:34".to_owned(),
                    "protocol `SCTP` should be lower case: `sctp`".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn lower_case_unknown_and_variable_protocols_are_not_casing_problems() {
        let text = "FROM a\nEXPOSE 80/tcp 81 82/QUIC 83/$PROTO ${P:-80/tcp}\n";
        assert!(flagged("expose-protocol-casing", text).is_empty());
    }

    #[test]
    fn host_ports_and_addresses_are_reported_with_the_word() {
        assert_eq!(
            findings("expose-host-mapping", "FROM a\nEXPOSE 8080:80 127.0.0.1:8443:443/tcp\n"),
            [
                (
                    "2:8-2:15".to_owned(),
                    "`8080:80` has a host port, which EXPOSE drops: write `EXPOSE 80` and publish the port when the container runs (`docker run -p 8080:80`)".to_owned()
                ),
                (
                    "2:16-2:38".to_owned(),
                    "`127.0.0.1:8443:443/tcp` has an IP address and a host port, which EXPOSE drops: write `EXPOSE 443/tcp` and publish the port when the container runs (`docker run -p 127.0.0.1:8443:443/tcp`)".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn a_colon_inside_a_variable_default_is_not_a_mapping() {
        let text = "FROM a\nEXPOSE ${PORT:-80} 80-90/udp $P\n";
        assert!(flagged("expose-host-mapping", text).is_empty());
    }
}
