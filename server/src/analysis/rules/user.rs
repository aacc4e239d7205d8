//! USER: who the image runs as.

use super::{Alias, Check, Findings, Rule, scan};
use crate::analysis::fixes::lines::{
    indentation, insert_line_after_with, insert_line_before_with, newline_in,
};
use crate::analysis::image_ref::ImageRef;
use crate::analysis::model::{Base, StageModel};
use crate::syntax::{Applicability, Edit, Fix, Instruction, InstructionKind, Severity};

pub static MISSING_USER: Rule = Rule {
    id: "missing-user",
    summary: "The final stage should switch to a non-root USER",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3002"), Alias::Trivy("DS-0002")],
    explanation: "The last `USER` of the final stage is the user the container runs as; without any \
`USER` it is the base image's user, which for most images (Debian, Ubuntu, Alpine, Python, Node, \
`scratch`) is root. As root, any flaw in the application runs with full rights inside the container, can \
write everywhere in its filesystem and is one kernel or runtime bug away from root on the host; \
Kubernetes' `runAsNonRoot` refuses such images. Switch to an unprivileged user after the steps that need \
root (package installs, writing to system directories), before `CMD`/`ENTRYPOINT`.\n\n\
Only the final stage is checked: build stages often need root and are not what runs. Bases whose tag or \
name says they run unprivileged (`:nonroot`, `-rootless`, `unprivileged`) are not reported when no `USER` \
is set. hadolint's DL3002 reports only a last `USER` that is root; a final stage without `USER` is also \
reported here, as Trivy's DS-0002 does.\n\n\
The fix (offered one at a time: it changes who the container runs as) switches to a user that fits the \
base: `node` on Node images, `nonroot` on distroless, `65534:65534` (nobody) on `scratch`, \
`ContainerUser` on Windows, an earlier \
non-root `USER` or a user the stage creates, else a new system user `app` (`adduser -S` on Alpine, \
`useradd --system` elsewhere). Files copied in stay owned by root: give the user what it must write \
(`COPY --chown=app`).",
    bad: "FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN npm ci --omit=dev\nCMD [\"node\", \"server.js\"]\n",
    good: "FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN npm ci --omit=dev\nUSER node\nCMD [\"node\", \"server.js\"]\n",
    tags: &[],
    fixable: true,
    enabled_by_default: true,
    check: Check::Stage(check_missing),
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

/// Words in an image's name or tag that say it runs unprivileged by default.
const NON_ROOT_MARKERS: &[&str] = &["nonroot", "rootless", "unprivileged"];

/// What the chain of bases of a stage ends in, as far as users go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    /// Official Node images: they have a `node` user.
    Node,
    /// Distroless and Chainguard images: a `nonroot` user, no shell.
    Distroless,
    /// Alpine and BusyBox: `adduser`/`addgroup`, no `useradd`.
    Alpine,
    /// No `/etc/passwd` at all.
    Scratch,
    /// Windows: `ContainerAdministrator` by default, `ContainerUser` unprivileged.
    Windows,
    /// Debian-like, or unknown: `useradd`.
    Other,
}

/// Tags and repositories of Windows images.
const WINDOWS_MARKERS: &[&str] = &["windowsservercore", "nanoserver", "ltsc"];

fn family_of(reference: &ImageRef) -> Family {
    let name = reference.familiar_name();
    let tag = reference.tag.as_deref().unwrap_or("");
    if reference.is_official() && name == "node" {
        Family::Node
    } else if (reference.registry == "gcr.io" && reference.repository.starts_with("distroless/"))
        || reference.registry == "cgr.dev"
    {
        Family::Distroless
    } else if (reference.registry == "mcr.microsoft.com"
        && ["windows/", "dotnet/framework/"]
            .iter()
            .any(|p| reference.repository.starts_with(p)))
        || WINDOWS_MARKERS.iter().any(|m| tag.contains(m))
    {
        Family::Windows
    } else if matches!(name.as_str(), "alpine" | "busybox") || tag.contains("alpine") {
        Family::Alpine
    } else {
        Family::Other
    }
}

/// The image at the root of a stage's chain of bases (`None`: `scratch` or unknown).
fn root_base<'m>(model: &'m StageModel<'_, '_>) -> Option<&'m Base> {
    let stages = &model.file.stages;
    let mut index = model.stage.index;
    for _ in 0..=stages.len() {
        match &stages.get(index)?.base {
            Base::Stage(parent) if *parent < index => index = *parent,
            base => return Some(base),
        }
    }
    None
}

/// The family of the image at the root of a stage's bases; the backtick escape
/// (a Windows habit) decides for bases not known here.
fn family(model: &StageModel<'_, '_>) -> Family {
    let family = match root_base(model) {
        Some(Base::Image(reference)) => family_of(reference),
        Some(Base::Scratch) => return Family::Scratch,
        _ => Family::Other,
    };
    if family == Family::Other && model.file.escape == '`' {
        Family::Windows
    } else {
        family
    }
}

/// Whether the base image says it runs unprivileged (`distroless/static:nonroot`).
fn base_is_non_root(base: Option<&Base>) -> bool {
    let Some(Base::Image(reference)) = base else {
        return false;
    };
    let tag = reference.tag.as_deref().unwrap_or("");
    NON_ROOT_MARKERS
        .iter()
        .any(|m| tag.contains(m) || reference.repository.contains(m))
}

fn is_final(model: &StageModel<'_, '_>) -> bool {
    model.stage.index + 1 == model.file.stages.len()
}

fn check_missing(model: &StageModel<'_, '_>, findings: &mut Findings) {
    if !is_final(model) {
        return;
    }
    let Some(info) = model.info() else { return };
    let end = model.stage.instructions.len();
    let (range, message) = match model.user_at(end) {
        Some(user) if !is_root(&user.value) => return,
        Some(user) => match user.at.and_then(|i| model.stage.instructions.get(i)) {
            Some(instruction) => (
                instruction.first_argument_range(),
                format!(
                    "the image runs as `{}`: switch to an unprivileged USER after the steps that need root",
                    user.value
                ),
            ),
            // Inherited from the stage this one builds on.
            None => (
                info.image_range.clone(),
                format!(
                    "the image runs as `{}`, the last USER of stage `{}`: set an unprivileged USER in this stage",
                    user.value, info.image
                ),
            ),
        },
        None => {
            let base = root_base(model);
            if base_is_non_root(base) {
                return;
            }
            let who = match (base, family(model)) {
                (_, Family::Windows) => {
                    "ContainerAdministrator, the default (administrator) user of Windows images"
                        .to_owned()
                }
                (Some(Base::Scratch), _) => "root (uid 0: `scratch` has no users)".to_owned(),
                (Some(Base::Image(reference)), family)
                    if reference.is_official() || family != Family::Other =>
                {
                    format!("root, the default user of `{}`", reference.familiar())
                }
                _ => "the base image's default user, root for most images".to_owned(),
            };
            (
                info.image_range.clone(),
                format!(
                    "no USER in the final stage, so the container runs as {who}: switch to an unprivileged USER after the steps that need root"
                ),
            )
        }
    };
    match user_fix(model) {
        Some(fix) => findings.report_fix(range, message, fix),
        None => findings.report(range, message),
    }
}

/// The user to switch to, and the command that creates it when it does not exist yet.
struct NewUser {
    name: String,
    create: Option<&'static str>,
}

fn new_user(model: &StageModel<'_, '_>) -> Option<NewUser> {
    let existing = |name: String| NewUser { name, create: None };
    let instructions = &model.stage.instructions;
    // An unprivileged USER the stage switched to earlier (and left for root).
    let earlier = instructions
        .iter()
        .enumerate()
        .rev()
        .find(|(i, instruction)| {
            instruction.kind() == InstructionKind::User
                && model
                    .user_at(i + 1)
                    .is_some_and(|u| !u.value.is_empty() && !is_root(&u.value))
        });
    if let Some((_, instruction)) = earlier {
        return Some(existing(instruction.rest()));
    }
    // A user the stage creates: the last operand of `useradd`/`adduser` names it.
    let created = instructions.iter().rev().find_map(|instruction| {
        let run = scan::commands_mentioning(instruction, ["useradd", "adduser"])?;
        run.commands
            .iter()
            .rev()
            .filter(|c| matches!(c.basename(), "useradd" | "adduser"))
            .find_map(|c| c.positional().last().map(|w| w.text.clone()))
    });
    if let Some(name) = created {
        // A name only known at run time would be a guess.
        return (!name.contains('$') && !name.contains('`')).then(|| existing(name));
    }
    Some(match family(model) {
        Family::Node => existing("node".to_owned()),
        Family::Windows => existing("ContainerUser".to_owned()),
        Family::Distroless => existing("nonroot".to_owned()),
        Family::Scratch => existing("65534:65534".to_owned()),
        Family::Alpine => NewUser {
            name: "app".to_owned(),
            create: Some("RUN addgroup -S app && adduser -S app -G app"),
        },
        Family::Other => NewUser {
            name: "app".to_owned(),
            create: Some("RUN useradd --system --create-home app"),
        },
    })
}

/// Steps that may need root: they write to the filesystem as the current user.
fn needs_root(instruction: &Instruction<'_>) -> bool {
    matches!(
        instruction.kind(),
        InstructionKind::Run | InstructionKind::Copy | InstructionKind::Add
    )
}

/// Switches to `new`: replaces a root USER that nothing after it needs, else adds a
/// USER after the last step that may need root and before CMD/ENTRYPOINT.
fn user_fix(model: &StageModel<'_, '_>) -> Option<Fix> {
    let user = new_user(model)?;
    let instructions = &model.stage.instructions;
    let title = match user.create {
        Some(_) => format!("Add user `{}` and switch to it", user.name),
        None => format!("Switch to USER `{}`", user.name),
    };
    let last_root_step = instructions.iter().rposition(needs_root);
    let root_user = model
        .user_at(instructions.len())
        .and_then(|u| u.at)
        .filter(|at| last_root_step.is_none_or(|step| step < *at))
        .and_then(|at| instructions.get(at));
    // The stage's own line break: its fix is cached with its text.
    let nl = newline_in(model.stage.from.src(), model.stage.node.byte_range());
    let mut edits = Vec::new();
    if let Some(root_user) = root_user {
        let words = root_user.arguments();
        let start = words.first()?.start_byte();
        let end = words.last()?.end_byte();
        edits.push(Edit::replace(start..end, user.name.clone()));
        if let Some(create) = user.create {
            edits.push(insert_line_before_with(root_user, create, nl));
        }
        return Some(Fix::new(title, Applicability::Unsafe, edits));
    }
    let line = |anchor: &Instruction<'_>| {
        let src = anchor.src();
        let user_line = format!("USER {}", user.name);
        match user.create {
            Some(create) => format!(
                "{create}{nl}{}{user_line}",
                indentation(src, anchor.node().start_byte())
            ),
            None => user_line,
        }
    };
    let after = last_root_step.map_or(0, |step| step + 1);
    let command = instructions
        .iter()
        .skip(after)
        .find(|i| matches!(i.kind(), InstructionKind::Cmd | InstructionKind::Entrypoint));
    let edit = match (command, last_root_step) {
        (Some(command), _) => insert_line_before_with(command, &line(command), nl),
        (None, Some(step)) => {
            let step = instructions.get(step)?;
            insert_line_after_with(step, &line(step), nl)
        }
        (None, None) => insert_line_after_with(&model.stage.from, &line(&model.stage.from), nl),
    };
    Some(Fix::new(title, Applicability::Unsafe, vec![edit]))
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
    use super::super::testing::{findings, fixed, fixes, flagged};

    #[test]
    fn root_as_the_last_user_of_the_final_stage() {
        let text = "FROM a\nUSER app\nRUN x\nUSER root:root\n";
        let found = findings("missing-user", text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "4:6-4:15");
        insta::assert_snapshot!(found[0].1, @"the image runs as `root:root`: switch to an unprivileged USER after the steps that need root");
        // DL3002 and DS-0002 name it too.
        assert_eq!(flagged("DL3002", text), ["root:root"]);
        assert_eq!(flagged("DS-0002", text), ["root:root"]);
    }

    #[test]
    fn uid_zero_and_root_through_an_arg() {
        assert_eq!(flagged("missing-user", "FROM a\nUSER 0\n"), ["0"]);
        assert_eq!(
            flagged("missing-user", "FROM a\nARG U=root\nUSER $U\n"),
            ["$U"]
        );
    }

    #[test]
    fn root_inherited_from_a_stage_points_at_the_from() {
        let text = "FROM a AS base\nUSER root\nFROM base\nRUN x\n";
        let found = findings("missing-user", text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "3:6-3:10");
        insta::assert_snapshot!(found[0].1, @"the image runs as `root`, the last USER of stage `base`: set an unprivileged USER in this stage");
    }

    #[test]
    fn a_final_stage_without_user_points_at_its_image() {
        let text = "FROM a AS build\nFROM debian:bookworm-slim\nRUN x\n";
        let found = findings("missing-user", text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "2:6-2:26");
        insta::assert_snapshot!(found[0].1, @"no USER in the final stage, so the container runs as root, the default user of `debian:bookworm-slim`: switch to an unprivileged USER after the steps that need root");
        let scratch = findings("missing-user", "FROM scratch\nCOPY app /\n");
        insta::assert_snapshot!(scratch[0].1, @"no USER in the final stage, so the container runs as root (uid 0: `scratch` has no users): switch to an unprivileged USER after the steps that need root");
        let unknown = findings("missing-user", "FROM acme/app:1\n");
        insta::assert_snapshot!(unknown[0].1, @"no USER in the final stage, so the container runs as the base image's default user, root for most images: switch to an unprivileged USER after the steps that need root");
    }

    #[test]
    fn non_root_users_inherited_users_build_stages_and_non_root_bases_are_fine() {
        for text in [
            "FROM a\nUSER app\n",
            "FROM a\nUSER rootless\n",
            "FROM a\nUSER 1000:0\n",
            "FROM a AS base\nUSER app\nFROM base\n",
            "FROM a AS build\nUSER root\nFROM b\nUSER root\nUSER 1000:0\n",
            "FROM b\nUSER app\nFROM a\nUSER 1\n",
            "FROM gcr.io/distroless/static-debian12:nonroot\nCOPY app /\n",
            "FROM docker:27-dind-rootless\n",
            "FROM nginxinc/nginx-unprivileged:1.27\n",
            "FROM gcr.io/distroless/static-debian12:nonroot AS run\nFROM run\n",
        ] {
            assert!(flagged("missing-user", text).is_empty(), "{text}");
        }
        // Only the final stage counts.
        assert_eq!(flagged("missing-user", "FROM a\nUSER x\nFROM b\n"), ["b"]);
    }

    #[test]
    fn node_images_switch_to_node_before_the_command() {
        insta::assert_snapshot!(fixed("missing-user", "FROM node:20-alpine\nWORKDIR /app\nCOPY . .\nRUN npm ci \\\n    --omit=dev\nEXPOSE 3000\nCMD [\"node\", \"server.js\"]\n"), @r#"
        FROM node:20-alpine
        WORKDIR /app
        COPY . .
        RUN npm ci \
            --omit=dev
        EXPOSE 3000
        USER node
        CMD ["node", "server.js"]
        "#);
        assert_eq!(
            fixes("missing-user", "FROM node:20\nCMD x\n"),
            [Some((
                "Switch to USER `node`".to_owned(),
                crate::syntax::Applicability::Unsafe
            ))]
        );
    }

    #[test]
    fn alpine_and_debian_bases_get_a_new_system_user() {
        insta::assert_snapshot!(fixed("missing-user", "FROM python:3.12-alpine\nRUN pip install --no-cache-dir flask\nENTRYPOINT [\"flask\"]\nCMD [\"run\"]\n"), @r#"
        FROM python:3.12-alpine
        RUN pip install --no-cache-dir flask
        RUN addgroup -S app && adduser -S app -G app
        USER app
        ENTRYPOINT ["flask"]
        CMD ["run"]
        "#);
        insta::assert_snapshot!(fixed("missing-user", "FROM debian:bookworm-slim\n  COPY app /usr/local/bin/\n"), @"
        FROM debian:bookworm-slim
          COPY app /usr/local/bin/
          RUN useradd --system --create-home app
          USER app
        ");
        assert!(
            fixed(
                "missing-user",
                "FROM debian:bookworm-slim\r\nCOPY app /\r\n"
            )
            .ends_with("COPY app /\r\nRUN useradd --system --create-home app\r\nUSER app\r\n")
        );
    }

    #[test]
    fn distroless_and_scratch_use_their_unprivileged_ids() {
        insta::assert_snapshot!(fixed("missing-user", "FROM golang:1.22 AS build\nRUN go build -o /app\nFROM gcr.io/distroless/static-debian12\nCOPY --from=build /app /app\nENTRYPOINT [\"/app\"]\n"), @r#"
        FROM golang:1.22 AS build
        RUN go build -o /app
        FROM gcr.io/distroless/static-debian12
        COPY --from=build /app /app
        USER nonroot
        ENTRYPOINT ["/app"]
        "#);
        insta::assert_snapshot!(fixed("missing-user", "FROM scratch\n"), @r"
        FROM scratch
        USER 65534:65534
        ");
    }

    #[test]
    fn windows_images_switch_to_container_user() {
        let text = "# escape=`\nFROM mcr.microsoft.com/dotnet/framework/aspnet:4.8.1\nCOPY app/ /inetpub/wwwroot\nENTRYPOINT [\"C:\\\\ServiceMonitor.exe\", \"w3svc\"]\n";
        insta::assert_snapshot!(findings("missing-user", text)[0].1, @"no USER in the final stage, so the container runs as ContainerAdministrator, the default (administrator) user of Windows images: switch to an unprivileged USER after the steps that need root");
        insta::assert_snapshot!(fixed("missing-user", text), @r#"
        # escape=`
        FROM mcr.microsoft.com/dotnet/framework/aspnet:4.8.1
        COPY app/ /inetpub/wwwroot
        USER ContainerUser
        ENTRYPOINT ["C:\\ServiceMonitor.exe", "w3svc"]
        "#);
        // An image from an ARG, in a file with the Windows escape.
        assert!(
            fixed(
                "missing-user",
                "# escape=`\nARG REPO\nFROM $REPO:4.8-windowsservercore-ltsc2019\n"
            )
            .ends_with("USER ContainerUser\n")
        );
    }

    #[test]
    fn a_root_user_that_nothing_needs_is_replaced() {
        insta::assert_snapshot!(fixed("missing-user", "FROM a\nUSER app\nRUN x\nUSER root:root\nCMD [\"x\"]\n"), @r#"
        FROM a
        USER app
        RUN x
        USER app
        CMD ["x"]
        "#);
        insta::assert_snapshot!(fixed("missing-user", "FROM alpine:3.20\nUSER 0\n"), @r"
        FROM alpine:3.20
        RUN addgroup -S app && adduser -S app -G app
        USER app
        ");
    }

    #[test]
    fn a_root_user_before_steps_that_need_it_stays() {
        insta::assert_snapshot!(fixed("missing-user", "FROM node:20\nUSER root\nRUN apt-get update\nCMD [\"node\", \"x\"]\n"), @r#"
        FROM node:20
        USER root
        RUN apt-get update
        USER node
        CMD ["node", "x"]
        "#);
    }

    #[test]
    fn a_user_the_stage_creates_is_used() {
        insta::assert_snapshot!(fixed("missing-user", "FROM debian:bookworm-slim\nRUN useradd -r -u 10001 web\nCOPY . /srv\n"), @r"
        FROM debian:bookworm-slim
        RUN useradd -r -u 10001 web
        COPY . /srv
        USER web
        ");
        // A name from a variable: no guess.
        assert_eq!(
            fixes(
                "missing-user",
                "FROM debian:bookworm-slim\nRUN useradd $NAME\n"
            ),
            [None]
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
