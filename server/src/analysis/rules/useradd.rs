//! `useradd` with a high UID and the lastlog file it writes.

use super::{Alias, Check, Findings, Rule, scan};
use crate::analysis::shell::Command;
use crate::syntax::{Instruction, Severity};

pub static USERADD_WITHOUT_NO_LOG_INIT: Rule = Rule {
    id: "useradd-without-no-log-init",
    summary: "`useradd` with a high UID should use `-l` (`--no-log-init`)",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3046")],
    explanation: "`useradd` reserves a record for the new user in `/var/log/lastlog` and \
`/var/log/faillog`, at an offset given by the UID: about 300 bytes per UID below it. On disk the file \
is sparse, but image layers store it in full, so a UID of 100000 adds some 30 MB of zeros to the image \
and larger ones far more. `-l` (`--no-log-init`) skips these files. UIDs given by variables are not \
checked.",
    bad: "FROM debian:bookworm-slim\nRUN useradd -u 123456 app\n",
    good: "FROM debian:bookworm-slim\nRUN useradd -l -u 123456 app\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Instruction(check),
};

/// UIDs from here on make lastlog tens of megabytes (hadolint's threshold: six digits).
const HIGH_UID: u64 = 100_000;

/// `struct lastlog` on Linux.
const LASTLOG_RECORD: u64 = 292;

fn check(instruction: &Instruction<'_>, findings: &mut Findings) {
    let Some(run) = scan::commands_mentioning(instruction, ["useradd"]) else {
        return;
    };
    for command in &run.commands {
        if command.basename() != "useradd" || command.has_flag(&["-l", "--no-log-init"]) {
            continue;
        }
        let Some(uid) = uid(command).filter(|uid| *uid >= HIGH_UID) else {
            continue;
        };
        let megabytes = uid.saturating_mul(LASTLOG_RECORD) / 1_000_000;
        findings.report(
            command.name_range.clone(),
            format!(
                "`useradd` without `-l` writes /var/log/lastlog up to UID {uid}: about {megabytes} MB stored in the layer; add `-l` (`--no-log-init`)"
            ),
        );
    }
}

/// The UID given with `-u`/`--uid`, when it is a number.
fn uid(command: &Command) -> Option<u64> {
    let args = &command.args;
    let value = args.iter().enumerate().find_map(|(i, arg)| {
        let text = arg.text.as_str();
        let next = || args.get(i + 1).map(|w| w.text.as_str());
        if text == "--uid" {
            return next();
        }
        if let Some(value) = text.strip_prefix("--uid=") {
            return Some(value);
        }
        // `-u 1000`, `-u1000`, and `-mu 1000` (a bundle ending with the option).
        let letters = text.strip_prefix('-').filter(|l| !l.starts_with('-'))?;
        let (before, after) = letters.split_once('u')?;
        if !before.chars().all(|c| c.is_ascii_alphabetic()) {
            return None;
        }
        if after.is_empty() {
            next()
        } else {
            Some(after)
        }
    })?;
    value.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, flagged};

    #[test]
    fn a_high_uid_without_no_log_init() {
        let text = "FROM debian\nRUN groupadd -g 123456 app && useradd --uid 123456 -g app app\n";
        assert_eq!(
            findings("useradd-without-no-log-init", text),
            [(
                "2:31-2:38".to_owned(),
                "`useradd` without `-l` writes /var/log/lastlog up to UID 123456: about 36 MB stored in the layer; add `-l` (`--no-log-init`)".to_owned()
            )]
        );
    }

    #[test]
    fn every_spelling_of_the_uid() {
        let text = "FROM debian\nRUN useradd -u100000 a && useradd -mu 200000 b && useradd --uid=300000 c\n";
        assert_eq!(flagged("useradd-without-no-log-init", text).len(), 3);
    }

    #[test]
    fn low_or_unknown_uids_and_no_log_init_are_fine() {
        let text = "FROM debian\nRUN useradd -u 1000 a && useradd -l -u 123456 b \\\n  && useradd --no-log-init --uid 999999 c && useradd -u \"$UID\" d \\\n  && useradd -r -s /bin/false e && adduser -u 123456 f\n";
        assert!(flagged("useradd-without-no-log-init", text).is_empty());
    }
}
