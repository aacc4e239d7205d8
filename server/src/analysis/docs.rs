//! Documentation of instructions, flags, parser directives and predefined ARGs, for hover and completion.

use crate::syntax::InstructionKind;

/// One documented item: a one-line summary, then the details and an example.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Doc {
    pub syntax: &'static str,
    pub summary: &'static str,
    pub details: &'static str,
    pub example: &'static str,
}

impl Doc {
    /// Markdown for a hover.
    pub fn markdown(&self) -> String {
        let mut out = format!("```dockerfile\n{}\n```\n\n{}", self.syntax, self.summary);
        if !self.details.is_empty() {
            out.push_str("\n\n");
            out.push_str(self.details);
        }
        if !self.example.is_empty() {
            out.push_str("\n\n```dockerfile\n");
            out.push_str(self.example);
            out.push_str("\n```");
        }
        out
    }
}

const fn doc(
    syntax: &'static str,
    summary: &'static str,
    details: &'static str,
    example: &'static str,
) -> Doc {
    Doc {
        syntax,
        summary,
        details,
        example,
    }
}

/// The documentation of an instruction.
pub fn instruction(kind: InstructionKind) -> Option<Doc> {
    Some(match kind {
        InstructionKind::From => doc(
            "FROM [--platform=<platform>] <image>[:<tag>|@<digest>] [AS <name>]",
            "Starts a build stage on a base image, or on an earlier stage by name.",
            "The base image is usually the largest part of the final image: prefer slim or distroless variants for the last stage, and build in a separate stage. Pin a digest for reproducible builds.",
            "FROM golang:1.22 AS build\nFROM gcr.io/distroless/static-debian12",
        ),
        InstructionKind::Run => doc(
            "RUN [--mount=...] [--network=...] [--security=...] <command> | [\"exe\", \"arg\"...]",
            "Runs a command in a new layer on top of the image.",
            "Every RUN is a layer: files deleted by a later RUN still ship. Install and clean up in the same RUN, and use `--mount=type=cache` for package caches instead of leaving them in the image.",
            "RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt",
        ),
        InstructionKind::Cmd => doc(
            "CMD [\"exe\", \"arg\"...] | <command>",
            "The default command (or the default arguments of ENTRYPOINT) when the container starts.",
            "Only the last CMD counts. The exec form (JSON) runs the program as PID 1, so it receives SIGTERM; the shell form wraps it in `/bin/sh -c`, which does not forward signals.",
            "CMD [\"gunicorn\", \"--bind\", \"0.0.0.0:8000\", \"app:app\"]",
        ),
        InstructionKind::Label => doc(
            "LABEL <key>=<value> [<key>=<value>...]",
            "Adds metadata to the image.",
            "Use the OCI keys (`org.opencontainers.image.source`, `.version`, `.licenses`) so that registries and scanners can read them.",
            "LABEL org.opencontainers.image.source=\"https://github.com/acme/app\"",
        ),
        InstructionKind::Maintainer => doc(
            "MAINTAINER <name>",
            "Deprecated: sets the author field.",
            "Use `LABEL org.opencontainers.image.authors=...` instead.",
            "LABEL org.opencontainers.image.authors=\"ops@example.com\"",
        ),
        InstructionKind::Expose => doc(
            "EXPOSE <port>[/<protocol>] [<port>[/<protocol>]...]",
            "Documents the ports the container listens on.",
            "It publishes nothing: `docker run -p` does. The protocol is `tcp` (default) or `udp`.",
            "EXPOSE 8080 53/udp",
        ),
        InstructionKind::Env => doc(
            "ENV <key>=<value> [<key>=<value>...]",
            "Sets environment variables for the following instructions and for the running container.",
            "Values are stored in the image and visible with `docker inspect`: never put secrets in ENV (use `RUN --mount=type=secret`). An ENV is inherited by stages built FROM this one.",
            "ENV PYTHONUNBUFFERED=1 PATH=\"/opt/venv/bin:$PATH\"",
        ),
        InstructionKind::Add => doc(
            "ADD [--chown=...] [--chmod=...] [--link] [--checksum=...] <src>... <dest>",
            "Copies files, directories, remote URLs and Git repositories into the image; local tar archives are unpacked.",
            "Prefer COPY for local files: ADD's unpacking and downloads are implicit. For a download, `ADD --checksum=sha256:...` verifies it, which `curl` in a RUN does not do for you.",
            "ADD --checksum=sha256:24454f83... https://example.com/tool.tar.gz /opt/",
        ),
        InstructionKind::Copy => doc(
            "COPY [--from=<stage|image>] [--chown=...] [--chmod=...] [--link] [--parents] [--exclude=...] <src>... <dest>",
            "Copies files from the build context, an earlier stage or an image.",
            "Copy dependency manifests first and install, then copy the source: a source change then keeps the install layer cached. `--link` makes the layer independent of the ones below, so a base image change does not rebuild it.",
            "COPY --from=build /out/app /usr/local/bin/app",
        ),
        InstructionKind::Entrypoint => doc(
            "ENTRYPOINT [\"exe\", \"arg\"...] | <command>",
            "The program the container runs; CMD gives its default arguments.",
            "Use the exec form: the shell form ignores CMD and `docker run` arguments and does not forward signals.",
            "ENTRYPOINT [\"/usr/local/bin/app\"]\nCMD [\"--help\"]",
        ),
        InstructionKind::Volume => doc(
            "VOLUME [\"/path\"...] | /path...",
            "Declares mount points for external or anonymous volumes.",
            "Changes a later RUN makes under a declared volume are discarded.",
            "VOLUME /var/lib/postgresql/data",
        ),
        InstructionKind::User => doc(
            "USER <user>[:<group>] | <uid>[:<gid>]",
            "The user (and group) the following instructions and the container run as.",
            "Containers run as root unless a USER says otherwise: switch to an unprivileged user in the final stage, after the steps that need root. A numeric UID works with `runAsNonRoot` policies.",
            "RUN useradd --system --uid 10001 app\nUSER 10001",
        ),
        InstructionKind::Workdir => doc(
            "WORKDIR <path>",
            "Sets (and creates) the working directory for the following instructions and the container.",
            "Use absolute paths; a relative one is resolved against the previous WORKDIR. Prefer it to `RUN cd ...`, which lasts for one RUN only.",
            "WORKDIR /app",
        ),
        InstructionKind::Arg => doc(
            "ARG <name>[=<default>] [<name>[=<default>]...]",
            "Declares a build argument, set with `--build-arg`.",
            "An ARG before the first FROM is global: usable in FROM lines, and inside a stage only after declaring it again without a value. Build arguments show in the image history: never pass secrets this way.",
            "ARG PYTHON_VERSION=3.12\nFROM python:${PYTHON_VERSION}-slim",
        ),
        InstructionKind::Onbuild => doc(
            "ONBUILD <instruction>",
            "Registers an instruction that runs when another Dockerfile builds FROM this image.",
            "Hidden behaviour for whoever builds on the image; prefer explicit instructions.",
            "ONBUILD COPY . /app",
        ),
        InstructionKind::Stopsignal => doc(
            "STOPSIGNAL <signal>",
            "The signal `docker stop` sends to the container (default SIGTERM).",
            "",
            "STOPSIGNAL SIGQUIT",
        ),
        InstructionKind::Healthcheck => doc(
            "HEALTHCHECK [--interval=...] [--timeout=...] [--start-period=...] [--retries=...] CMD <command> | NONE",
            "How Docker checks that the container still works.",
            "The command must exist in the image (slim images often lack `curl`); `NONE` turns off a check inherited from the base image.",
            "HEALTHCHECK --interval=30s --timeout=3s CMD [\"/app\", \"health\"]",
        ),
        InstructionKind::Shell => doc(
            "SHELL [\"executable\", \"parameters\"...]",
            "The shell the shell form of RUN, CMD and ENTRYPOINT uses.",
            "Use `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` so that a failing command in a pipe fails the build.",
            "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]",
        ),
        InstructionKind::Unknown => return None,
    })
}

/// The documentation of a flag of an instruction (`mount` for `--mount`).
pub fn flag(kind: InstructionKind, name: &str) -> Option<Doc> {
    Some(match (kind, name) {
        (InstructionKind::From, "platform") => doc(
            "--platform=<os>/<arch>[/<variant>]",
            "Pulls the base image for this platform instead of the target one.",
            "Usually `--platform=$BUILDPLATFORM` on a builder stage, to compile natively and cross-compile for `$TARGETPLATFORM`; a fixed platform makes the image run under emulation elsewhere.",
            "FROM --platform=$BUILDPLATFORM golang:1.22 AS build",
        ),
        (InstructionKind::Run, "mount") => doc(
            "--mount=type=<bind|cache|tmpfs|secret|ssh>[,<key>=<value>...]",
            "Mounts something for this RUN only: nothing of it ends up in the layer.",
            "`type=cache,target=/root/.cache` keeps package caches between builds; `type=secret,id=token` reads a secret without storing it; `type=bind,from=stage` reads files of another stage; `type=ssh` forwards the SSH agent; `type=tmpfs` is scratch space.",
            "RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci",
        ),
        (InstructionKind::Run, "network") => doc(
            "--network=<default|none|host>",
            "The network this RUN has.",
            "`none` proves a step needs no downloads; `host` needs the `network.host` entitlement.",
            "RUN --network=none make test",
        ),
        (InstructionKind::Run, "security") => doc(
            "--security=<sandbox|insecure>",
            "Runs this RUN with full privileges (`insecure`).",
            "Needs the `security.insecure` entitlement; avoid it.",
            "",
        ),
        (InstructionKind::Run, "device") => doc(
            "--device=<name>[,required]",
            "Exposes a CDI device (such as a GPU) to this RUN.",
            "",
            "RUN --device=nvidia.com/gpu=all nvidia-smi",
        ),
        (InstructionKind::Copy, "from") => doc(
            "--from=<stage|index|image>",
            "Copies from an earlier stage (by name or index) or from an image instead of the build context.",
            "The way multi-stage builds keep compilers out of the final image.",
            "COPY --from=build /out/app /app",
        ),
        (InstructionKind::Copy | InstructionKind::Add, "chown") => doc(
            "--chown=<user>[:<group>]",
            "The owner of the copied files.",
            "Cheaper than a `RUN chown -R`, which copies every file into a new layer.",
            "COPY --chown=app:app . /app",
        ),
        (InstructionKind::Copy | InstructionKind::Add, "chmod") => doc(
            "--chmod=<mode>",
            "The permissions of the copied files (octal, or symbolic with BuildKit).",
            "Cheaper than a `RUN chmod`, which duplicates the files in a new layer.",
            "COPY --chmod=755 entrypoint.sh /usr/local/bin/",
        ),
        (InstructionKind::Copy | InstructionKind::Add, "link") => doc(
            "--link",
            "Copies into an independent layer.",
            "The layer does not depend on the ones below: changing the base image does not invalidate it, and it can be reused across images.",
            "COPY --link --from=build /out/app /app",
        ),
        (InstructionKind::Copy | InstructionKind::Add, "parents") => doc(
            "--parents",
            "Keeps the parent directories of the sources under the destination.",
            "",
            "COPY --parents ./services/*/package.json /app/",
        ),
        (InstructionKind::Copy | InstructionKind::Add, "exclude") => doc(
            "--exclude=<pattern>",
            "Leaves out the files matching a pattern.",
            "",
            "COPY --exclude=*.md . /app",
        ),
        (InstructionKind::Add, "keep-git-dir") => doc(
            "--keep-git-dir",
            "Keeps the `.git` directory when adding a Git repository.",
            "",
            "ADD --keep-git-dir https://github.com/acme/app.git /src",
        ),
        (InstructionKind::Add, "checksum") => doc(
            "--checksum=sha256:<hex>",
            "Verifies a downloaded file against its checksum.",
            "Without it, whatever the URL serves ends up in the image.",
            "ADD --checksum=sha256:24454f83... https://example.com/tool.tar.gz /opt/",
        ),
        (InstructionKind::Add, "unpack") => doc(
            "--unpack=<bool>",
            "Whether an archive is unpacked.",
            "",
            "ADD --unpack=true https://example.com/tool.tar.gz /opt/",
        ),
        (InstructionKind::Healthcheck, "interval") => doc(
            "--interval=<duration>",
            "Time between checks (default 30s).",
            "",
            "HEALTHCHECK --interval=30s CMD [\"/app\", \"health\"]",
        ),
        (InstructionKind::Healthcheck, "timeout") => doc(
            "--timeout=<duration>",
            "How long a check may take before it counts as failed (default 30s).",
            "",
            "",
        ),
        (InstructionKind::Healthcheck, "start-period") => doc(
            "--start-period=<duration>",
            "Failures during this time after start do not count (default 0s).",
            "",
            "",
        ),
        (InstructionKind::Healthcheck, "start-interval") => doc(
            "--start-interval=<duration>",
            "Time between checks during the start period (default 5s).",
            "",
            "",
        ),
        (InstructionKind::Healthcheck, "retries") => doc(
            "--retries=<n>",
            "Consecutive failures before the container is unhealthy (default 3).",
            "",
            "",
        ),
        _ => return None,
    })
}

/// The documentation of a parser directive (`syntax`, `escape`, `check`).
pub fn directive(name: &str) -> Option<Doc> {
    Some(match name.to_ascii_lowercase().as_str() {
        "syntax" => doc(
            "# syntax=<frontend image>",
            "The BuildKit frontend that parses this Dockerfile.",
            "`docker/dockerfile:1` always gets the latest stable syntax (heredocs, `--link`, `--parents`...).",
            "# syntax=docker/dockerfile:1",
        ),
        "escape" => doc(
            "# escape=<\\ or `>",
            "The escape character of the file.",
            "A backtick suits Windows paths such as `C:\\Users`.",
            "# escape=`",
        ),
        "check" => doc(
            "# check=skip=<checks>[;error=true]",
            "Which BuildKit build checks to skip, and whether a failing check fails the build.",
            "",
            "# check=skip=JSONArgsRecommended;error=true",
        ),
        _ => return None,
    })
}

/// ARGs BuildKit defines for every build, with what they hold.
pub const PREDEFINED_ARGS: &[(&str, &str)] = &[
    (
        "TARGETPLATFORM",
        "the platform being built for (`linux/arm64/v8`)",
    ),
    ("TARGETOS", "the OS of TARGETPLATFORM (`linux`)"),
    ("TARGETARCH", "the architecture of TARGETPLATFORM (`arm64`)"),
    ("TARGETVARIANT", "the variant of TARGETPLATFORM (`v8`)"),
    (
        "BUILDPLATFORM",
        "the platform of the machine building (`linux/amd64`)",
    ),
    ("BUILDOS", "the OS of BUILDPLATFORM"),
    ("BUILDARCH", "the architecture of BUILDPLATFORM"),
    ("BUILDVARIANT", "the variant of BUILDPLATFORM"),
    ("TARGETSTAGE", "the stage being built (`--target`)"),
    (
        "BUILDKIT_INLINE_CACHE",
        "writes cache metadata into the image when set to 1",
    ),
    (
        "BUILDKIT_MULTI_PLATFORM",
        "builds a multi-platform image even for one platform",
    ),
    (
        "BUILDKIT_SBOM_SCAN_CONTEXT",
        "scans the build context for the SBOM",
    ),
    ("BUILDKIT_SBOM_SCAN_STAGE", "scans the stage for the SBOM"),
    (
        "BUILDKIT_CONTEXT_KEEP_GIT_DIR",
        "keeps `.git` in a Git build context",
    ),
    (
        "SOURCE_DATE_EPOCH",
        "the timestamp of created files, for reproducible builds",
    ),
    (
        "HTTP_PROXY",
        "the proxy for HTTP requests (not kept in the image history)",
    ),
    (
        "HTTPS_PROXY",
        "the proxy for HTTPS requests (not kept in the image history)",
    ),
    ("NO_PROXY", "hosts reached without the proxy"),
];

/// What a predefined ARG holds.
pub fn predefined_arg(name: &str) -> Option<&'static str> {
    PREDEFINED_ARGS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, d)| *d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_instruction_and_every_flag_is_documented() {
        for kind in InstructionKind::ALL_KNOWN {
            assert!(instruction(kind).is_some(), "{kind:?}");
            for flag_name in kind.known_flags() {
                assert!(flag(kind, flag_name).is_some(), "{kind:?} --{flag_name}");
            }
        }
        for name in ["syntax", "escape", "check"] {
            assert!(directive(name).is_some(), "{name}");
        }
    }

    #[test]
    fn docs_read_as_markdown() {
        let text = instruction(InstructionKind::Workdir)
            .map(|d| d.markdown())
            .unwrap_or_default();
        insta::assert_snapshot!(text, @r#"
        ```dockerfile
        WORKDIR <path>
        ```

        Sets (and creates) the working directory for the following instructions and the container.

        Use absolute paths; a relative one is resolved against the previous WORKDIR. Prefer it to `RUN cd ...`, which lasts for one RUN only.

        ```dockerfile
        WORKDIR /app
        ```
        "#);
        assert_eq!(
            predefined_arg("BUILDVARIANT"),
            Some("the variant of BUILDPLATFORM")
        );
    }
}
