//! HEALTHCHECK in the image that runs.

use super::{Alias, Check, Findings, Rule};
use crate::analysis::model::{Base, StageModel};
use crate::syntax::{InstructionKind, Severity};

pub static HEALTHCHECK_MISSING: Rule = Rule {
    id: "healthcheck-missing",
    summary: "The final stage should define a HEALTHCHECK",
    severity: Severity::Info,
    aliases: &[Alias::Hadolint("DL3057"), Alias::Trivy("DS-0026")],
    explanation: "Without a `HEALTHCHECK`, Docker and Swarm only know whether the process is running, \
not whether it still answers: a hung server stays \"up\" and is never restarted. Off by default, as in \
hadolint: orchestrators such as Kubernetes ignore `HEALTHCHECK` and use their own probes, and images for \
batch jobs or tools have nothing to check. `HEALTHCHECK NONE` states that on purpose. A final stage built \
on an earlier stage is not reported, since that stage may define it.",
    bad: "FROM nginx:1.27\nCOPY site/ /usr/share/nginx/html/\n",
    good: "FROM nginx:1.27\nCOPY site/ /usr/share/nginx/html/\nHEALTHCHECK CMD curl -fsS http://localhost/ || exit 1\n",
    tags: &[],
    fixable: false,
    enabled_by_default: false,
    check: Check::Stage(check),
};

fn check(model: &StageModel<'_, '_>, findings: &mut Findings) {
    if model.stage.index + 1 != model.file.stages.len() {
        return;
    }
    if matches!(model.info().map(|i| &i.base), Some(Base::Stage(_))) {
        return;
    }
    let has_healthcheck = model
        .stage
        .instructions
        .iter()
        .any(|i| i.kind() == InstructionKind::Healthcheck);
    if !has_healthcheck {
        let at = model
            .stage
            .from
            .keyword()
            .unwrap_or(model.stage.from.node());
        findings.report(
            at.byte_range(),
            "the final image has no HEALTHCHECK: add one (or `HEALTHCHECK NONE` to say it has none on purpose)",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, flagged};

    #[test]
    fn the_final_stage_without_healthcheck() {
        let text = "FROM a AS build\nHEALTHCHECK CMD true\nFROM b\nRUN x\n";
        let found = findings("healthcheck-missing", text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "3:1-3:5");
    }

    #[test]
    fn healthcheck_none_and_stage_bases_are_fine() {
        for text in [
            "FROM a\nHEALTHCHECK NONE\n",
            "FROM a\nHEALTHCHECK --interval=5s CMD true\n",
            "FROM a AS base\nHEALTHCHECK CMD true\nFROM base\n",
        ] {
            assert!(flagged("healthcheck-missing", text).is_empty(), "{text}");
        }
    }
}
