//! USER: who the image runs as.

use super::{Alias, Check, Findings, Rule};
use crate::analysis::model::{Base, StageModel};
use crate::syntax::{Instruction, InstructionKind, Severity};

pub static USER_ROOT: Rule = Rule {
    id: "user-root",
    summary: "The image should not run as root",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3002"), Alias::Trivy("DS-0002")],
    explanation: "The last `USER` of the final stage is the user the container runs as. As root, any \
flaw in the application runs with full rights inside the container, can write everywhere in its \
filesystem and is one kernel or runtime bug away from root on the host. Switch to an unprivileged user \
after the steps that need root. Build stages are not reported: their `RUN` steps often need root and they \
are not what runs. A final stage without any `USER` is the concern of `user-not-set`, which is off by \
default.",
    bad: "FROM python:3.12-slim\nRUN useradd --uid 10001 app\nUSER app\nRUN pip install --no-cache-dir flask\nUSER root\n",
    good: "FROM python:3.12-slim\nRUN useradd --uid 10001 app\nRUN pip install --no-cache-dir flask\nUSER app\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Stage(check_root),
};

pub static USER_NOT_SET: Rule = Rule {
    id: "user-not-set",
    summary: "The final stage should set a non-root USER",
    severity: Severity::Info,
    aliases: &[Alias::Trivy("DS-0002")],
    explanation: "Without `USER`, the container runs as the user the base image chose, which for most \
images (Debian, Alpine, Python, Node, `scratch`) is root. Trivy reports every Dockerfile without a `USER`; \
this rule is off by default because many images are built on bases that already switch user (an image \
tagged `nonroot` is not reported). Enable it to require an explicit `USER` in the final stage.",
    bad: "FROM node:20-alpine\nCOPY server.js /srv/\nCMD [\"node\", \"/srv/server.js\"]\n",
    good: "FROM node:20-alpine\nCOPY server.js /srv/\nUSER node\nCMD [\"node\", \"/srv/server.js\"]\n",
    tags: &[],
    fixable: false,
    enabled_by_default: false,
    check: Check::Stage(check_not_set),
};

pub static USER_NON_NUMERIC: Rule = Rule {
    id: "user-non-numeric",
    summary: "USER should give a numeric user id",
    severity: Severity::Info,
    aliases: &[Alias::Hadolint("DL3066")],
    explanation: "A user name is looked up in the image's `/etc/passwd` when the container starts. \
Kubernetes' `runAsNonRoot` cannot check a name without starting the container, so it refuses to run the \
pod, and tools that map users between host and container see only the name. `USER 10001:10001` (create \
the user with that id) avoids both. Off by default: `USER app` works with plain Docker.",
    bad: "FROM alpine:3.20\nRUN adduser -D -u 10001 app\nUSER app\n",
    good: "FROM alpine:3.20\nRUN adduser -D -u 10001 app\nUSER 10001\n",
    tags: &[],
    fixable: false,
    enabled_by_default: false,
    check: Check::Instruction(check_non_numeric),
};

/// `root` or uid 0, with or without a group.
fn is_root(user: &str) -> bool {
    let uid = user.split_once(':').map_or(user, |(u, _)| u);
    uid == "root" || uid == "0"
}

fn is_final(model: &StageModel<'_, '_>) -> bool {
    model.stage.index + 1 == model.file.stages.len()
}

fn check_root(model: &StageModel<'_, '_>, findings: &mut Findings) {
    if !is_final(model) {
        return;
    }
    let end = model.stage.instructions.len();
    let Some(user) = model.user_at(end) else {
        return;
    };
    if !is_root(&user.value) {
        return;
    }
    match user.at.and_then(|i| model.stage.instructions.get(i)) {
        Some(instruction) => {
            let at = instruction.first_argument_range();
            findings.report(
                at,
                format!(
                    "the image runs as `{}`: switch to an unprivileged USER after the steps that need root",
                    user.value
                ),
            );
        }
        None => {
            // Inherited from the stage this one builds on.
            let Some(info) = model.info() else { return };
            findings.report(
                info.image_range.clone(),
                format!(
                    "the image runs as `{}`, the last USER of stage `{}`: set an unprivileged USER in this stage",
                    user.value, info.image
                ),
            );
        }
    }
}

fn check_not_set(model: &StageModel<'_, '_>, findings: &mut Findings) {
    if !is_final(model) || model.user_at(model.stage.instructions.len()).is_some() {
        return;
    }
    let Some(info) = model.info() else { return };
    if let Base::Image(reference) = &info.base
        && (reference
            .tag
            .as_deref()
            .is_some_and(|t| t.contains("nonroot"))
            || reference.repository.contains("nonroot"))
    {
        return;
    }
    let at = model
        .stage
        .from
        .keyword()
        .unwrap_or(model.stage.from.node());
    findings.report(
        at.byte_range(),
        "the final stage sets no USER, so the image runs as the base image's user (root for most images): add `USER <uid>`",
    );
}

fn check_non_numeric(instruction: &Instruction<'_>, findings: &mut Findings) {
    if instruction.kind() != InstructionKind::User {
        return;
    }
    let Some(word) = instruction.arguments().into_iter().next() else {
        return;
    };
    let text = instruction.rest();
    if text.contains('$') {
        return; // decided by a variable
    }
    let uid = text.split_once(':').map_or(text.as_str(), |(u, _)| u);
    if !uid.is_empty() && !uid.chars().all(|c| c.is_ascii_digit()) {
        findings.report(
            word.byte_range(),
            format!("user `{uid}` is a name, resolved only inside the container: give its numeric id (`USER <uid>`)"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, flagged};

    #[test]
    fn root_as_the_last_user_of_the_final_stage() {
        let text = "FROM a\nUSER app\nRUN x\nUSER root:root\n";
        let found = findings("user-root", text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "4:6-4:15");
        insta::assert_snapshot!(found[0].1, @"the image runs as `root:root`: switch to an unprivileged USER after the steps that need root");
    }

    #[test]
    fn uid_zero_and_root_through_an_arg() {
        assert_eq!(flagged("user-root", "FROM a\nUSER 0\n"), ["0"]);
        assert_eq!(
            flagged("user-root", "FROM a\nARG U=root\nUSER $U\n"),
            ["$U"]
        );
    }

    #[test]
    fn root_inherited_from_a_stage_points_at_the_from() {
        let text = "FROM a AS base\nUSER root\nFROM base\nRUN x\n";
        let found = findings("user-root", text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "3:6-3:10");
        insta::assert_snapshot!(found[0].1, @"the image runs as `root`, the last USER of stage `base`: set an unprivileged USER in this stage");
    }

    #[test]
    fn build_stages_non_root_and_no_user_are_fine() {
        let text = "FROM a AS build\nUSER root\nFROM b\nUSER root\nUSER 1000:0\n";
        assert!(flagged("user-root", text).is_empty());
        assert!(flagged("user-root", "FROM a\nRUN x\n").is_empty());
        assert!(flagged("user-root", "FROM a\nUSER rootless\n").is_empty());
    }

    #[test]
    fn a_final_stage_without_user() {
        let text = "FROM a AS build\nFROM b\nRUN x\n";
        let found = findings("user-not-set", text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "2:1-2:5");
    }

    #[test]
    fn user_set_inherited_or_a_nonroot_base() {
        for text in [
            "FROM a\nUSER app\n",
            "FROM a AS base\nUSER app\nFROM base\n",
            "FROM gcr.io/distroless/static-debian12:nonroot\n",
            "FROM b\nUSER app\nFROM a\nUSER 1\n",
        ] {
            assert!(flagged("user-not-set", text).is_empty(), "{text}");
        }
        // Only the final stage counts.
        assert_eq!(
            flagged("user-not-set", "FROM a\nUSER x\nFROM b\n"),
            ["FROM"]
        );
    }

    #[test]
    fn user_names_are_reported() {
        let text = "FROM a\nUSER app\nUSER 1000:app\nUSER app:1000\nUSER $UID\n";
        let found = findings("user-non-numeric", text);
        let ranges: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(ranges, ["2:6-2:9", "4:6-4:14"]);
        insta::assert_snapshot!(found[0].1, @"user `app` is a name, resolved only inside the container: give its numeric id (`USER <uid>`)");
    }
}
