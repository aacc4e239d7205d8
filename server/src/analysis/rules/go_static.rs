//! `go build` in a stage whose binary is copied into `scratch` or distroless: static, stripped.

use super::package_args::command_through;
use super::{Check, Findings, Rule, scan};
use crate::analysis::image_ref::ImageRef;
use crate::analysis::model::{Base, FileModel, StageInfo, StageModel};
use crate::analysis::shell::{Command, Word};
use crate::syntax::{Applicability, Edit, Fix, Severity};

pub static GO_STATIC_BINARY: Rule = Rule {
    id: "go-static-binary",
    summary: "A Go binary copied into `scratch` or distroless should be static and stripped",
    severity: Severity::Warning,
    aliases: &[],
    explanation: "`scratch` and `gcr.io/distroless/static` have no C library. With cgo on (Go's \
default wherever a C compiler is installed, as in the `golang` Debian images), `go build` links libc \
dynamically as soon as a package uses it (`net`, `os/user`), and the binary then fails to start there \
with a puzzling `no such file or directory`. `CGO_ENABLED=0` builds a static binary. And \
`-ldflags=\"-s -w\"` leaves out the symbol table and DWARF debug information: a quarter or more of the \
binary, which distroless and `scratch` images are mostly made of (panics still print their stack \
traces).\n\n\
Reported on the `go build` of a stage that a later stage based on `scratch` or distroless copies from \
(`COPY --from`). Distroless images with a C library (`base`, `cc`) need only the stripping. \
`CGO_ENABLED=0` counts when set by ENV or ARG, before the command, or exported earlier in the RUN. The \
fix adds what is missing.",
    bad: "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n\nFROM scratch\nCOPY --from=build /app /app\nENTRYPOINT [\"/app\"]\n",
    good: "FROM golang:1.22 AS build\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -ldflags=\"-s -w\" -o /app .\n\nFROM scratch\nCOPY --from=build /app /app\nENTRYPOINT [\"/app\"]\n",
    tags: &[],
    fixable: true,
    enabled_by_default: true,
    check: Check::Stage(check),
};

/// What a stage that runs the binary offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Runtime {
    /// No C library: the binary must be static.
    NoLibc,
    /// Distroless with glibc: only size matters.
    Distroless,
}

fn runtime_of(reference: &ImageRef) -> Option<Runtime> {
    let repository = reference.repository.as_str();
    if reference.registry == "gcr.io" && repository.starts_with("distroless/") {
        return Some(if repository.starts_with("distroless/static") {
            Runtime::NoLibc
        } else {
            Runtime::Distroless
        });
    }
    if reference.registry == "cgr.dev" && repository.starts_with("chainguard/static") {
        return Some(Runtime::NoLibc);
    }
    None
}

/// The runtime at the root of a stage's chain of bases, if it is one of those.
fn runtime(file: &FileModel, stage: &StageInfo) -> Option<Runtime> {
    let mut index = stage.index;
    for _ in 0..=file.stages.len() {
        match &file.stages.get(index)?.base {
            Base::Stage(parent) if *parent < index => index = *parent,
            Base::Scratch => return Some(Runtime::NoLibc),
            Base::Image(reference) => return runtime_of(reference),
            _ => return None,
        }
    }
    None
}

/// Whether cgo is off for a command: `CGO_ENABLED=0` before it, exported or set by
/// `go env -w` earlier in the RUN, or by ENV/ARG; or turned on on purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cgo {
    Off,
    On,
    Default,
}

fn assignment(words: &[Word]) -> Option<Cgo> {
    words.iter().rev().find_map(|w| match w.text.as_str() {
        "CGO_ENABLED=0" => Some(Cgo::Off),
        t if t.starts_with("CGO_ENABLED=") => Some(Cgo::On),
        _ => None,
    })
}

fn cgo(model: &StageModel<'_, '_>, at: usize, earlier: &[Command], command: &Command) -> Cgo {
    if let Some(state) = assignment(&command.assignments) {
        return state;
    }
    for c in earlier.iter().rev() {
        let sets = match c.basename() {
            "export" => assignment(&c.args),
            "go" if c.subcommand().is_some_and(|s| s.text == "env") && c.has_flag(&["-w"]) => {
                assignment(&c.args)
            }
            _ => None,
        };
        if let Some(state) = sets {
            return state;
        }
    }
    match model
        .lookup("CGO_ENABLED", at)
        .and_then(|d| d.value.as_deref())
    {
        Some("0") => Cgo::Off,
        Some(_) => Cgo::On,
        None => Cgo::Default,
    }
}

/// The `-ldflags` value and the word that holds its start, if given.
fn ldflags(command: &Command) -> Option<(&Word, String)> {
    let mut words = command.args.iter();
    let mut found = None;
    while let Some(word) = words.next() {
        let text = word.text.as_str();
        let name = text.trim_start_matches('-');
        if !text.starts_with('-') || !name.starts_with("ldflags") {
            continue;
        }
        match name.strip_prefix("ldflags") {
            Some("") => {
                if let Some(value) = words.next() {
                    found = Some((value, value.text.clone()));
                }
            }
            Some(rest) if rest.starts_with('=') => {
                found = Some((word, rest.get(1..).unwrap_or("").to_owned()));
            }
            _ => {}
        }
    }
    found
}

/// The linker flags one by one, quotes left by an expansion trimmed.
fn flag_tokens(value: &str) -> Vec<&str> {
    value
        .split_whitespace()
        .map(|t| t.trim_matches(['"', '\'']))
        .collect()
}

fn check(model: &StageModel<'_, '_>, findings: &mut Findings) {
    let index = model.stage.index;
    let file = model.file;
    let targets: Vec<(&StageInfo, Runtime)> = file
        .stages
        .iter()
        .skip(index + 1)
        .filter(|s| s.copies_from.contains(&index))
        .filter_map(|s| runtime(file, s).map(|r| (s, r)))
        .collect();
    // Where the binary is most demanding: no libc wins.
    let Some(&(target, runtime)) = targets
        .iter()
        .find(|(_, r)| *r == Runtime::NoLibc)
        .or(targets.first())
    else {
        return;
    };
    let into = match (&target.base, &target.name) {
        (Base::Scratch, _) => "`scratch`".to_owned(),
        (_, Some(name)) => format!("stage `{name}` (`{}`)", target.image),
        (_, None) => format!("`{}`", target.image),
    };
    for (at, instruction) in model.stage.instructions.iter().enumerate() {
        let Some(run) = scan::commands_mentioning(instruction, ["go"]) else {
            continue;
        };
        for (i, command) in run.commands.iter().enumerate() {
            if command.basename() != "go" {
                continue;
            }
            let Some(build) = command.subcommand().filter(|s| s.text == "build") else {
                continue;
            };
            let flags = ldflags(command);
            let tokens = flags
                .as_ref()
                .map(|(_, v)| flag_tokens(v))
                .unwrap_or_default();
            let goflags = command
                .assignments
                .iter()
                .any(|w| w.text.starts_with("GOFLAGS=") && w.text.contains("-ldflags"))
                || model
                    .lookup("GOFLAGS", at)
                    .and_then(|d| d.value.as_deref())
                    .is_some_and(|v| v.contains("-ldflags"));
            let stripped = goflags || (tokens.contains(&"-s") && tokens.contains(&"-w"));
            let linked_statically = tokens.iter().any(|t| t.contains("-static"));
            let cgo = match runtime {
                Runtime::NoLibc if !linked_statically => {
                    cgo(model, at, run.commands.get(..i).unwrap_or(&[]), command)
                }
                _ => Cgo::Off,
            };
            if cgo == Cgo::Off && stripped {
                continue;
            }
            let mut problems = Vec::new();
            let mut edits = Vec::new();
            let mut added = Vec::new();
            let mut fixable = true;
            match cgo {
                Cgo::Off => {}
                Cgo::On => {
                    problems.push(format!(
                        "with cgo on it links libc dynamically, and {into} has none: the binary fails to start there (`no such file or directory`); set `CGO_ENABLED=0` or link statically (`-extldflags -static`)"
                    ));
                    fixable = false;
                }
                Cgo::Default => {
                    problems.push(format!(
                        "without `CGO_ENABLED=0` it may link libc dynamically, and {into} has none: the binary then fails to start there (`no such file or directory`)"
                    ));
                    edits.push(Edit::insert(command.range.start, "CGO_ENABLED=0 "));
                    added.push("`CGO_ENABLED=0`");
                }
            }
            if !stripped {
                problems.push(
                    "without `-ldflags=\"-s -w\"` it keeps its symbol table and debug information, a quarter or more of its size"
                        .to_owned(),
                );
                match strip_edit(model, build, flags.as_ref().map(|(w, _)| *w)) {
                    Some(edit) => {
                        edits.push(edit);
                        added.push("`-ldflags=\"-s -w\"`");
                    }
                    None => fixable = false,
                }
            }
            let message = format!(
                "`go build` makes what {into} gets with `COPY --from`: {}",
                problems.join("; ")
            );
            let range = command_through(command, build);
            if fixable && !edits.is_empty() {
                let fix = Fix::new(
                    format!("Add {}", added.join(" and ")),
                    Applicability::Safe,
                    edits,
                );
                findings.report_fix(range, message, fix);
            } else {
                findings.report(range, message);
            }
        }
    }
}

/// Adds `-s -w`: a new `-ldflags` after `build`, or inside the quotes of the one given.
fn strip_edit(model: &StageModel<'_, '_>, build: &Word, flags: Option<&Word>) -> Option<Edit> {
    let Some(word) = flags else {
        return Some(Edit::insert(build.range.end, " -ldflags=\"-s -w\""));
    };
    let src = model.stage.from.src();
    // Offsets in the word are offsets in the source only when it is written in one piece.
    let written = src.get(word.range.clone())?;
    if written != word.raw {
        return None;
    }
    let quote = match written.find("=\"").or_else(|| written.find("='")) {
        Some(i) if written.starts_with('-') => i + 1,
        _ if written.starts_with(['"', '\'']) => 0,
        _ => return None,
    };
    Some(Edit::insert(word.range.start + quote + 1, "-s -w "))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, fixed, fixes, flagged};
    use crate::syntax::Applicability;

    const ID: &str = "go-static-binary";

    #[test]
    fn a_go_build_copied_into_scratch() {
        let text = "FROM golang:1.22 AS build\nRUN go mod download && \\\n    go build -o /app ./cmd/app\nFROM scratch\nCOPY --from=build /app /app\n";
        let found = findings(ID, text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "3:5-3:13");
        insta::assert_snapshot!(found[0].1, @"`go build` makes what `scratch` gets with `COPY --from`: without `CGO_ENABLED=0` it may link libc dynamically, and `scratch` has none: the binary then fails to start there (`no such file or directory`); without `-ldflags=\"-s -w\"` it keeps its symbol table and debug information, a quarter or more of its size");
        insta::assert_snapshot!(fixed(ID, text), @r#"
        FROM golang:1.22 AS build
        RUN go mod download && \
            CGO_ENABLED=0 go build -ldflags="-s -w" -o /app ./cmd/app
        FROM scratch
        COPY --from=build /app /app
        "#);
        assert_eq!(
            fixes(ID, text),
            [Some((
                "Add `CGO_ENABLED=0` and `-ldflags=\"-s -w\"`".to_owned(),
                Applicability::Safe
            ))]
        );
    }

    #[test]
    fn cgo_off_by_env_arg_export_or_prefix() {
        for text in [
            "FROM golang:1.22 AS build\nENV CGO_ENABLED=0\nRUN go build -o /app\nFROM scratch\nCOPY --from=build /app /\n",
            "FROM golang:1.22 AS build\nARG CGO_ENABLED=0\nRUN go build -o /app\nFROM scratch\nCOPY --from=build /app /\n",
            "FROM golang:1.22 AS build\nRUN export CGO_ENABLED=0 && go build -o /app\nFROM scratch\nCOPY --from=build /app /\n",
            "FROM golang:1.22 AS build\nRUN GOOS=linux CGO_ENABLED=0 go build -o /app\nFROM scratch\nCOPY --from=build /app /\n",
            // Distroless with glibc needs no static binary.
            "FROM golang:1.22 AS build\nRUN go build -o /app\nFROM gcr.io/distroless/base-debian12\nCOPY --from=build /app /\n",
        ] {
            insta::allow_duplicates! {
                insta::assert_snapshot!(fixes(ID, text).iter().flatten().map(|f| f.0.clone()).collect::<Vec<_>>().join(""), @"Add `-ldflags=\"-s -w\"`");
            }
        }
    }

    #[test]
    fn linker_flags_given_without_stripping_get_it_inside_their_quotes() {
        let text = "ARG CGO_ENABLED=0\nFROM golang:1.22 AS build\nARG CGO_ENABLED\nRUN go build -ldflags \"-X main.version=1\" -o /a . \\\n && go build -ldflags='-X main.v=2' -o /b .\nFROM gcr.io/distroless/static-debian12:nonroot\nCOPY --from=build /a /b /\n";
        insta::assert_snapshot!(fixed(ID, text), @r#"
        ARG CGO_ENABLED=0
        FROM golang:1.22 AS build
        ARG CGO_ENABLED
        RUN go build -ldflags "-s -w -X main.version=1" -o /a . \
         && go build -ldflags='-s -w -X main.v=2' -o /b .
        FROM gcr.io/distroless/static-debian12:nonroot
        COPY --from=build /a /b /
        "#);
        // Unquoted flags would need quoting: no fix, but still reported.
        let unquoted = "FROM golang:1.22 AS build\nRUN CGO_ENABLED=0 go build -ldflags=-w -o /a\nFROM scratch\nCOPY --from=build /a /\n";
        assert_eq!(fixes(ID, unquoted), [None]);
    }

    #[test]
    fn cgo_turned_on_on_purpose_is_reported_without_a_fix() {
        let text = "FROM golang:1.22 AS build\nENV CGO_ENABLED=1\nRUN go build -ldflags=\"-s -w\" -o /a\nFROM scratch\nCOPY --from=build /a /\n";
        assert_eq!(fixes(ID, text), [None]);
        let static_link = "FROM golang:1.22 AS build\nENV CGO_ENABLED=1\nRUN go build -ldflags=\"-s -w -extldflags -static\" -o /a\nFROM scratch\nCOPY --from=build /a /\n";
        assert!(flagged(ID, static_link).is_empty());
    }

    #[test]
    fn heredocs_escape_and_copies_by_index() {
        insta::assert_snapshot!(fixed(ID, "# escape=`\nFROM golang:1.22\nRUN <<EOF\nset -e\ngo build -o /app `\n  .\nEOF\nFROM scratch\nCOPY --from=0 /app /app\n"), @r#"
        # escape=`
        FROM golang:1.22
        RUN <<EOF
        set -e
        CGO_ENABLED=0 go build -ldflags="-s -w" -o /app `
          .
        EOF
        FROM scratch
        COPY --from=0 /app /app
        "#);
    }

    #[test]
    fn builds_that_stay_in_the_builder_or_run_on_a_full_os_are_fine() {
        for text in [
            // Not copied anywhere.
            "FROM golang:1.22 AS build\nRUN go build -o /app\nFROM scratch\nCOPY app /\n",
            // Copied into an image with a libc and room to spare.
            "FROM golang:1.22 AS build\nRUN go build -o /app\nFROM alpine:3.20\nCOPY --from=build /app /\n",
            // Already static and stripped.
            "FROM golang:1.22 AS build\nRUN CGO_ENABLED=0 go build -ldflags=\"-w -s\" -o /app\nFROM scratch\nCOPY --from=build /app /\n",
            // Not a build.
            "FROM golang:1.22 AS build\nRUN go test ./... && go vet\nFROM scratch\nCOPY --from=build /src /\n",
            // The scratch stage comes first: it cannot copy from a later one.
            "FROM scratch AS out\nFROM golang:1.22 AS build\nRUN go build -o /app\n",
        ] {
            assert!(flagged(ID, text).is_empty(), "{text}");
        }
        // A stage built on a scratch stage counts as scratch.
        let chained = "FROM golang:1.22 AS build\nRUN go build -o /app\nFROM scratch AS base\nFROM base\nCOPY --from=build /app /\n";
        assert_eq!(flagged(ID, chained), ["go build"]);
    }
}
