//! Compilers and toolchains installed in a stage that ships: they belong in a builder stage.

use super::apk::APK_OPTIONS;
use super::apt::APT_OPTIONS;
use super::package_args::{OptionSyntax, command_through, is_dynamic, option_value, subcommand};
use super::package_cache::stage_ships;
use super::{Check, Findings, Rule, scan};
use crate::analysis::fixes::builder_stage::{Split, split_after_build};
use crate::analysis::model::StageModel;
use crate::analysis::shell::{self, Command, Word};
use crate::syntax::{Applicability, Fix, Severity};

pub static BUILD_TOOLS_IN_FINAL_STAGE: Rule = Rule {
    id: "build-tools-in-final-stage",
    summary: "Compilers and build toolchains should stay out of the final image",
    severity: Severity::Warning,
    aliases: &[],
    explanation: "Compilers (`gcc`, `g++`, `build-essential`, `build-base`), build tools (`make`, \
`cmake`, `autoconf`), headers (`*-dev`, `*-devel` packages), a JDK or the Go or Rust toolchain are needed \
to build the application, not to run it. In the final image they add hundreds of megabytes to pull and \
store, many packages to patch (a large share of the vulnerabilities scanners report), and tools an \
attacker can use to build exploits on the spot.\n\n\
Split the build: install the tools and build in a builder stage (`FROM python:3.12 AS build`, \
`RUN pip wheel ...` or `RUN make`), then start the final stage from a slim image and copy only the \
result (`COPY --from=build /app /app`), installing the runtime libraries the result links against (for \
example `libpq5`, not `libpq-dev`).\n\n\
Only stages that ship are checked: the last stage and the stages it is built `FROM`. Packages removed \
again in the same RUN (`apk del .build-deps`, `apt-get purge --auto-remove` after `apt-mark auto`, or \
naming them) are not reported: the layer does not keep them.\n\n\
The fix splits the last stage when the pattern is clear: the RUN only installs build tools, and one \
later RUN builds one artifact with `-o <path>` (`go build`, `gcc`, `g++`, `clang`), followed only by \
metadata (CMD, ENTRYPOINT, EXPOSE, USER, ...). The stage becomes the builder and a new final stage \
from the same base image gets the artifact. Otherwise what the build produces, and what the result \
needs at run time, cannot be read from the Dockerfile reliably, and the split is left to you.",
    bad: "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \\\n && rm -rf /var/lib/apt/lists/*\nWORKDIR /src\nCOPY hello.c .\nRUN gcc -O2 -o /usr/local/bin/hello hello.c\nUSER nobody\nCMD [\"hello\"]\n",
    good: "FROM debian:bookworm-slim AS build\nRUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \\\n && rm -rf /var/lib/apt/lists/*\nWORKDIR /src\nCOPY hello.c .\nRUN gcc -O2 -o /usr/local/bin/hello hello.c\n\nFROM debian:bookworm-slim\nWORKDIR /src\nCOPY --from=build /usr/local/bin/hello /usr/local/bin/hello\nUSER nobody\nCMD [\"hello\"]\n",
    tags: &[],
    fixable: true,
    enabled_by_default: true,
    check: Check::Stage(check),
};

/// Build tools by package name, across Debian, Alpine and RPM distributions.
const BUILD_TOOLS: &[&str] = &[
    "gcc",
    "g++",
    "gcc-c++",
    "clang",
    "make",
    "cmake",
    "ninja-build",
    "meson",
    "autoconf",
    "automake",
    "libtool",
    "pkg-config",
    "pkgconf",
    "pkgconfig",
    "build-essential",
    "build-base",
    "alpine-sdk",
    "default-jdk",
    "default-jdk-headless",
    "maven",
    "gradle",
    "golang",
    "golang-go",
    "go",
    "rustc",
    "cargo",
];

/// Whether a package (version removed) is a compiler, a toolchain or headers.
fn is_build_tool(package: &str) -> bool {
    if BUILD_TOOLS.contains(&package) {
        return true;
    }
    let versioned = |prefix: &str| {
        package.strip_prefix(prefix).is_some_and(|rest| {
            !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit() || c == '.')
        })
    };
    package.ends_with("-dev")
        || package.ends_with("-devel")
        // gcc-12, g++-12, clang-17, golang-1.22
        || ["gcc-", "g++-", "clang-", "golang-"].iter().any(|p| versioned(p))
        // openjdk-17-jdk, openjdk-17-jdk-headless (Debian), openjdk17, openjdk17-jdk (Alpine)
        || package.starts_with("openjdk")
            && (package.ends_with("-jdk") || package.ends_with("-jdk-headless") || versioned("openjdk"))
}

/// The package name without a version or release selector (`gcc=12.2`, `make~4`, `go>1.21`).
fn package_name(word: &Word) -> &str {
    let text = word.text.as_str();
    let end = text.find(['=', '~', '<', '>', '/']).unwrap_or(text.len());
    text.get(..end).unwrap_or(text)
}

/// Options of dnf and yum that take the next word as their value.
const RPM_OPTIONS: OptionSyntax = OptionSyntax {
    takes_value: &[
        "-c",
        "--config",
        "--installroot",
        "--releasever",
        "--setopt",
        "--enablerepo",
        "--disablerepo",
        "--repo",
        "-x",
        "--exclude",
    ],
    bundles: true,
};

/// How a package manager installs and removes.
struct Manager {
    names: &'static [&'static str],
    options: OptionSyntax,
    install: &'static [&'static str],
    remove: &'static [&'static str],
}

const MANAGERS: &[Manager] = &[
    Manager {
        names: &["apt-get", "apt"],
        options: APT_OPTIONS,
        install: &["install"],
        remove: &["purge", "remove", "autoremove", "autopurge"],
    },
    Manager {
        names: &["apk"],
        options: APK_OPTIONS,
        install: &["add"],
        remove: &["del"],
    },
    Manager {
        names: &["yum", "dnf", "microdnf", "tdnf"],
        options: RPM_OPTIONS,
        install: &["install"],
        remove: &["remove", "erase", "autoremove"],
    },
];

/// An install or removal command of a package manager.
struct PackageCommand<'c> {
    command: &'c Command,
    subcommand: &'c Word,
    packages: Vec<&'c Word>,
    install: bool,
}

fn package_command(command: &Command) -> Option<PackageCommand<'_>> {
    let manager = MANAGERS
        .iter()
        .find(|m| m.names.contains(&command.basename()))?;
    let (sub, packages) = subcommand(&command.args, manager.options)?;
    let install = manager.install.contains(&sub.text.as_str());
    if !install && !manager.remove.contains(&sub.text.as_str()) {
        return None;
    }
    Some(PackageCommand {
        command,
        subcommand: sub,
        packages,
        install,
    })
}

fn check(model: &StageModel<'_, '_>, findings: &mut Findings) {
    let mut ships = None;
    for (at, instruction) in model.stage.instructions.iter().enumerate() {
        if !scan::run_mentions(instruction, ["apt", "apk", "yum", "dnf"]) {
            continue;
        }
        // Builder stages are the place for build tools: decided before parsing any RUN.
        if !*ships.get_or_insert_with(|| stage_ships(model)) {
            return;
        }
        let run = shell::run_commands(instruction);
        let commands: Vec<PackageCommand<'_>> =
            run.commands.iter().filter_map(package_command).collect();
        // `apt-mark auto` then `apt-get purge --auto-remove`: everything installed since goes.
        // (`apt-mark showmanual | xargs apt-mark auto` too.)
        let marked_auto = run.commands.iter().any(|c| {
            let words: Vec<&str> = std::iter::once(c.name.as_str())
                .chain(c.args.iter().map(|w| w.text.as_str()))
                .collect();
            words.windows(2).any(|pair| {
                pair.first().is_some_and(|w| w.ends_with("apt-mark"))
                    && pair.get(1) == Some(&"auto")
            })
        });
        for (i, install) in commands.iter().enumerate() {
            if !install.install {
                continue;
            }
            let removals = commands.get(i + 1..).unwrap_or(&[]);
            let virtual_name = option_value(&install.command.args, &["--virtual", "-t"]);
            let removed = |name: &str| {
                removals.iter().filter(|r| !r.install).any(|r| {
                    let purges_auto = marked_auto
                        && (r.subcommand.text.starts_with("auto")
                            || r.command.has_flag(&["--auto-remove", "--autoremove"]));
                    purges_auto
                        || r.packages.iter().any(|p| {
                            package_name(p) == name || Some(p.text.as_str()) == virtual_name
                        })
                })
            };
            let tools: Vec<&str> = install
                .packages
                .iter()
                .filter(|p| !is_dynamic(p))
                .map(|p| package_name(p))
                .filter(|name| is_build_tool(name) && !removed(name))
                .collect();
            if tools.is_empty() {
                continue;
            }
            let list: Vec<String> = tools.iter().map(|t| format!("`{t}`")).collect();
            let range = command_through(install.command, install.subcommand);
            let message = format!(
                "the final image ships build tools ({}): install them and build in a builder stage, then copy only the result into a final stage that installs just what it needs at run time",
                list.join(", ")
            );
            match builder_split(model, at, &run.commands) {
                Some((split, edits)) => findings.report_fix(
                    range,
                    message,
                    Fix::new(
                        format!(
                            "Build in a builder stage and copy only `{}` into a new final stage",
                            split.artifact
                        ),
                        Applicability::Unsafe,
                        edits,
                    ),
                ),
                None => findings.report(range, message),
            }
        }
    }
}

/// Commands an install RUN may hold for the split to leave nothing else behind.
const INSTALL_ONLY: &[&str] = &[
    "apt-get", "apt", "apk", "yum", "dnf", "microdnf", "tdnf", "rm", "set",
];

/// The split of the last stage when the pattern is clear: the RUN at `install_at` only
/// installs build tools, and exactly one later RUN builds one artifact with `-o <path>`
/// (`go build`, a C or C++ compiler) that the stage's remaining instructions run.
fn builder_split(
    model: &StageModel<'_, '_>,
    install_at: usize,
    install: &[Command],
) -> Option<(Split, Vec<crate::syntax::Edit>)> {
    if model.stage.index + 1 != model.file.stages.len() {
        return None;
    }
    let only_tools = install.iter().all(|c| INSTALL_ONLY.contains(&c.basename()))
        && install.iter().filter_map(package_command).all(|p| {
            !p.install
                || p.packages
                    .iter()
                    .all(|w| !is_dynamic(w) && is_build_tool(package_name(w)))
        });
    if !only_tools {
        return None;
    }
    let mut builds = Vec::new();
    for (at, instruction) in model
        .stage
        .instructions
        .iter()
        .enumerate()
        .skip(install_at + 1)
    {
        if instruction.kind() != crate::syntax::InstructionKind::Run {
            continue;
        }
        let run = shell::run_commands(instruction);
        if !run.complete {
            return None;
        }
        for command in &run.commands {
            if let Some(output) = build_output(command) {
                builds.push((at, output));
            }
        }
    }
    let [(build_at, output)] = builds.as_slice() else {
        return None;
    };
    let artifact = if output.starts_with('/') {
        output.clone()
    } else {
        let dir = &model.workdir_at(*build_at)?.value;
        format!(
            "{}/{}",
            dir.trim_end_matches('/'),
            output.trim_start_matches("./")
        )
    };
    let split = Split {
        build_at: *build_at,
        artifact,
    };
    let edits = split_after_build(model, &split)?;
    Some((split, edits))
}

/// The `-o <path>` of a build command: `go build -o x`, `gcc ... -o x`.
fn build_output(command: &Command) -> Option<String> {
    let compiler = matches!(
        command.basename(),
        "gcc" | "g++" | "cc" | "c++" | "clang" | "clang++"
    );
    let go_build =
        command.basename() == "go" && command.subcommand().is_some_and(|w| w.text == "build");
    if !compiler && !go_build {
        return None;
    }
    let mut args = command.args.iter();
    while let Some(arg) = args.next() {
        if arg.text == "-o" {
            let value = args.next()?;
            let plain = !value.text.is_empty()
                && !value.text.starts_with('-')
                && value
                    .text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c));
            return plain.then(|| value.text.clone());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, fixed, fixes, flagged};

    const ID: &str = "build-tools-in-final-stage";

    #[test]
    fn compilers_headers_and_toolchains_in_the_final_stage() {
        let text = "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends \\\n    build-essential libpq-dev=15.* curl openjdk-17-jdk-headless gcc-12 \\\n && rm -rf /var/lib/apt/lists/*\n";
        let found = findings(ID, text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "2:23-2:38");
        insta::assert_snapshot!(found[0].1, @"the final image ships build tools (`build-essential`, `libpq-dev`, `openjdk-17-jdk-headless`, `gcc-12`): install them and build in a builder stage, then copy only the result into a final stage that installs just what it needs at run time");
        assert_eq!(fixes(ID, text), [None]);
    }

    #[test]
    fn every_package_manager() {
        let text = "FROM alpine:3.20\nRUN apk add --no-cache go musl-dev openjdk17 git\nRUN dnf install -y --setopt=tsflags=nodocs gcc-c++ make python3-devel\nRUN yum -y install java-17-openjdk-devel\nRUN microdnf install cmake\n";
        let found = findings(ID, text);
        let messages: Vec<&str> = found
            .iter()
            .map(|f| f.1.split(':').next().unwrap_or(""))
            .collect();
        assert_eq!(
            messages,
            [
                "the final image ships build tools (`go`, `musl-dev`, `openjdk17`)",
                "the final image ships build tools (`gcc-c++`, `make`, `python3-devel`)",
                "the final image ships build tools (`java-17-openjdk-devel`)",
                "the final image ships build tools (`cmake`)",
            ]
        );
        assert_eq!(
            flagged(ID, text),
            [
                "apk add",
                "dnf install",
                "yum -y install",
                "microdnf install"
            ]
        );
    }

    #[test]
    fn tools_removed_in_the_same_run_leave_no_trace() {
        for text in [
            "FROM python:3.12-alpine\nRUN apk add --no-cache --virtual .build-deps gcc musl-dev \\\n && pip install --no-cache-dir psycopg2 \\\n && apk del .build-deps\n",
            "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y gcc \\\n && pip install --no-cache-dir x && apt-get purge -y gcc\n",
            "FROM postgres:16\nRUN apt-get update && apt-get install -y dpkg-dev \\\n && apt-mark showmanual | xargs apt-mark auto > /dev/null \\\n && apt-get purge -y --auto-remove\n",
            "FROM ruby:3.3-slim\nRUN savedAptMark=\"$(apt-mark showmanual)\" && apt-get update \\\n && apt-get install -y make gcc && bundle install \\\n && apt-mark auto '.*' > /dev/null && apt-mark manual $savedAptMark \\\n && apt-get purge -y --auto-remove\n",
        ] {
            assert!(flagged(ID, text).is_empty(), "{text}");
        }
        // Removed in a later RUN: the earlier layer keeps them.
        let later = "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y gcc\nRUN apt-get purge -y gcc\n";
        assert_eq!(flagged(ID, later), ["apt-get install"]);
    }

    #[test]
    fn builder_stages_runtime_packages_and_variables_are_fine() {
        for text in [
            // The tools stay in the builder.
            "FROM golang:1.22 AS build\nRUN apt-get update && apt-get install -y gcc make\nRUN make\nFROM debian:bookworm-slim\nCOPY --from=build /out/app /app\n",
            // A stage that is not final and not built on.
            "FROM debian:bookworm-slim AS tools\nRUN apt-get install -y build-essential\nFROM alpine:3.20\n",
            "FROM debian:bookworm-slim\nRUN apt-get install -y libpq5 curl ca-certificates makedepend-doc golang-doc\n",
            "FROM debian:bookworm-slim\nRUN apt-get install -y $BUILD_DEPS\n",
            "FROM debian:bookworm-slim\nRUN apt-get download gcc\n",
        ] {
            assert!(flagged(ID, text).is_empty(), "{text}");
        }
        // A stage the final one is built FROM ships too.
        let base = "FROM debian:bookworm-slim AS base\nRUN apt-get install -y gcc\nFROM base\n";
        assert_eq!(flagged(ID, base), ["apt-get install"]);
    }

    #[test]
    fn a_clear_build_is_split_into_a_builder_and_a_final_stage() {
        let text = "ARG GO=1.22\nFROM golang:${GO}-bookworm\nRUN apt-get update && apt-get install -y gcc libsqlite3-dev\nWORKDIR /src\nENV CGO_ENABLED=1\nCOPY . .\nRUN go build -o bin/server ./cmd/server\nEXPOSE 8080\nCMD [\"/src/bin/server\"]\n";
        assert_eq!(
            fixes(ID, text),
            [Some((
                "Build in a builder stage and copy only `/src/bin/server` into a new final stage"
                    .to_owned(),
                crate::syntax::Applicability::Unsafe
            ))]
        );
        insta::assert_snapshot!(fixed(ID, text), @r#"
        ARG GO=1.22
        FROM golang:${GO}-bookworm AS build
        RUN apt-get update && apt-get install -y gcc libsqlite3-dev
        WORKDIR /src
        ENV CGO_ENABLED=1
        COPY . .
        RUN go build -o bin/server ./cmd/server

        FROM golang:${GO}-bookworm
        WORKDIR /src
        ENV CGO_ENABLED=1
        COPY --from=build /src/bin/server /src/bin/server
        EXPOSE 8080
        CMD ["/src/bin/server"]
        "#);
        // The build is the last instruction: the new stage goes at the end, CRLF kept.
        let crlf = "FROM alpine:3.20 AS app\r\nRUN apk add --no-cache build-base\r\nCOPY main.c /\r\nRUN cc -o /hello /main.c\r\n";
        assert_eq!(
            fixed(ID, crlf),
            "FROM alpine:3.20 AS app\r\nRUN apk add --no-cache build-base\r\nCOPY main.c /\r\nRUN cc -o /hello /main.c\r\n\r\nFROM alpine:3.20\r\nCOPY --from=app /hello /hello\r\n"
        );
    }

    #[test]
    fn no_split_when_the_pattern_is_not_clear() {
        for text in [
            // A runtime package installed with the tools: the new stage would lack it.
            "FROM debian:bookworm-slim\nRUN apt-get install -y gcc libpq5\nCOPY a.c /\nRUN gcc -o /a /a.c\nCMD [\"/a\"]\n",
            // Two artifacts.
            "FROM debian:bookworm-slim\nRUN apt-get install -y gcc\nCOPY . /\nRUN gcc -o /a /a.c && gcc -o /b /b.c\nCMD [\"/a\"]\n",
            // No explicit output.
            "FROM debian:bookworm-slim\nRUN apt-get install -y gcc make\nCOPY . /src\nRUN make -C /src\nCMD [\"/src/app\"]\n",
            // Something after the build that is not metadata.
            "FROM debian:bookworm-slim\nRUN apt-get install -y gcc\nCOPY a.c /\nRUN gcc -o /a /a.c\nRUN /a --selftest\nCMD [\"/a\"]\n",
            // A USER before the build would be lost.
            "FROM debian:bookworm-slim\nRUN apt-get install -y gcc\nUSER app\nCOPY a.c /\nRUN gcc -o /a /a.c\nCMD [\"/a\"]\n",
            // An output from a variable.
            "FROM golang:1.22\nRUN apt-get install -y gcc\nCOPY . /src\nRUN go build -o $OUT ./...\nCMD [\"/app\"]\n",
        ] {
            assert_eq!(fixes(ID, text), [None], "{text}");
        }
        // Not the last stage (a stage the final one is built on): no split.
        let base = "FROM debian:bookworm-slim AS base\nRUN apt-get install -y gcc\nRUN gcc -o /a /a.c\nFROM base\n";
        assert_eq!(fixes(ID, base), [None]);
    }
}
