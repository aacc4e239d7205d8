//! Inline ignore comments themselves, for teams that want none.

use super::{Alias, Check, FileView, Findings, Rule};
use crate::analysis::suppress::{self, Scope};
use crate::syntax::Severity;

pub static INLINE_IGNORE: Rule = Rule {
    id: "inline-ignore",
    summary: "Findings should be fixed or configured, not ignored inline",
    severity: Severity::Info,
    aliases: &[Alias::Hadolint("DL1001")],
    explanation: "An ignore comment on one instruction hides a finding where reviewers rarely look. Teams \
that want every exception to be visible in one place turn this rule on and keep their exceptions in the \
configuration file (`dockerfile-lsp.toml` or `.hadolint.yaml`). File-wide (`global`) ignore comments \
are not reported.",
    bad: "FROM debian:bookworm-slim\n# hadolint ignore=DL3008\nRUN apt-get install -y --no-install-recommends curl\n",
    good: "FROM debian:bookworm-slim\nRUN apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5\n",
    tags: &[],
    fixable: false,
    enabled_by_default: false,
    check: Check::File(check),
};

fn check(view: &FileView<'_, '_>, findings: &mut Findings) {
    for pragma in suppress::pragmas(view.file.src()) {
        if pragma.scope != Scope::Global {
            findings.report(
                pragma.range,
                "inline ignore comment: fix the finding, or configure the rule in the configuration file",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::flagged;

    #[test]
    fn inline_and_stage_comments_are_reported_global_ones_are_not() {
        let text = "# hadolint global ignore=DL3007\nFROM node:latest\n# dockerfile-lsp ignore=workdir-relative\nWORKDIR app\n# hadolint stage ignore=DL3000\nFROM alpine:3.20\n";
        assert_eq!(
            flagged("inline-ignore", text),
            [
                "# dockerfile-lsp ignore=workdir-relative",
                "# hadolint stage ignore=DL3000"
            ]
        );
    }

    #[test]
    fn ordinary_comments_mentioning_the_tools_are_not_pragmas() {
        let text = "FROM alpine:3.20\n# hadolint is run in CI\n# see dockerfile-lsp docs\n";
        assert!(flagged("inline-ignore", text).is_empty());
    }
}
