//! `COPY --from` and `RUN --mount=from=`: which stage or image they name, and what they copy.

use std::ops::Range;

use super::copy::file_args;
use super::{Alias, Check, Findings, Rule};
use crate::analysis::expand;
use crate::analysis::model::{Base, StageModel};
use crate::syntax::{self, Instruction, InstructionKind, Severity};

pub static COPY_FROM_UNKNOWN_STAGE: Rule = Rule {
    id: "copy-from-unknown-stage",
    summary: "`COPY --from` should name an earlier stage or a full image reference",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3022")],
    explanation: "`--from` (of COPY, and `from=` of `RUN --mount`) takes a stage name, a stage index or an \
image. A bare name that is no stage is pulled as an image from Docker Hub, so a misspelt stage name \
(`--from=buidler`) does not fail: it fetches `docker.io/library/buidler:latest`, or fails much later with a \
confusing pull error. Names with a registry, a path, a tag or a digest (`nginx:1.27`, `ghcr.io/o/tool`) are \
images and are not reported; neither are names built from ARGs that cannot be resolved here.",
    bad: "FROM golang:1.22 AS builder\nRUN go build -o /app .\nFROM alpine:3.20\nCOPY --from=buidler /app /app\n",
    good: "FROM golang:1.22 AS builder\nRUN go build -o /app .\nFROM alpine:3.20\nCOPY --from=builder /app /app\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Stage(check_unknown_stage),
};

pub static COPY_FROM_OWN_STAGE: Rule = Rule {
    id: "copy-from-own-stage",
    summary: "`COPY --from` cannot name the stage it is in",
    severity: Severity::Error,
    aliases: &[Alias::Hadolint("DL3023"), Alias::Trivy("DS-0006")],
    explanation: "A stage cannot copy from itself: BuildKit stops with a circular dependency error. Name \
the stage that produced the files, or copy them within the stage with `RUN cp`.",
    bad: "FROM golang:1.22 AS build\nCOPY --from=build /src/app /app\n",
    good: "FROM golang:1.22 AS build\nRUN go build -o /app .\nFROM alpine:3.20\nCOPY --from=build /app /app\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Stage(check_own_stage),
};

pub static COPY_FROM_WHOLE_FILESYSTEM: Rule = Rule {
    id: "copy-from-whole-filesystem",
    summary: "Do not copy the entire filesystem of another stage",
    severity: Severity::Warning,
    aliases: &[Alias::Hadolint("DL3067")],
    explanation: "`COPY --from=build / ...` brings the whole build stage along: its operating system, \
compilers, package caches and sources. That defeats the point of a multi-stage build and can carry \
secrets and vulnerable tools into the final image. Copy the files the image needs. Stages built on \
`scratch` are not reported (they hold only what they put there: exporting them whole is the usual \
pattern), nor are images, whose content is unknown here (some exist to be copied whole). When the point \
is to flatten an image into `scratch`, ignore this finding for that line.",
    bad: "FROM golang:1.22 AS build\nRUN go build -o /out/app .\nFROM alpine:3.20\nCOPY --from=build / /\n",
    good: "FROM golang:1.22 AS build\nRUN go build -o /out/app .\nFROM alpine:3.20\nCOPY --from=build /out/app /usr/local/bin/app\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Stage(check_whole_filesystem),
};

/// A `--from` of COPY or a `from=` of `RUN --mount`, as written.
struct FromRef {
    text: String,
    range: Range<usize>,
    /// `--from` or `--mount from=`, for messages.
    what: &'static str,
}

/// The `--from` of a COPY, or every `from=` of a RUN's `--mount` flags.
fn from_refs(instruction: &Instruction<'_>) -> Vec<FromRef> {
    // Most instructions name no stage: their text says so without reading their flags.
    let text = instruction
        .src()
        .get(instruction.node().byte_range())
        .unwrap_or("");
    if !text
        .as_bytes()
        .windows(4)
        .any(|w| w.eq_ignore_ascii_case(b"from"))
    {
        return Vec::new();
    }
    match instruction.kind() {
        InstructionKind::Copy => instruction
            .flag("from")
            .and_then(|flag| {
                let value = flag.value()?;
                let range = flag
                    .value_node()
                    .map_or(flag.node.byte_range(), |v| v.byte_range());
                Some(FromRef {
                    text: value,
                    range,
                    what: "--from",
                })
            })
            .into_iter()
            .collect(),
        InstructionKind::Run => instruction
            .flags()
            .into_iter()
            .filter(|f| f.name() == "mount")
            .filter_map(|flag| {
                let value = flag.value()?;
                let from = mount_option(&value, "from")?;
                let range = flag
                    .value_node()
                    .and_then(|node| {
                        let raw = instruction.text(node);
                        option_offset(raw, "from", &from).map(|offset| {
                            node.start_byte() + offset..node.start_byte() + offset + from.len()
                        })
                    })
                    .unwrap_or(flag.node.byte_range());
                Some(FromRef {
                    text: from,
                    range,
                    what: "--mount from=",
                })
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The value of `key=` in a comma-separated mount specification (keys are case-insensitive).
fn mount_option(spec: &str, key: &str) -> Option<String> {
    spec.split(',').find_map(|part| {
        let (k, v) = part.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(key)
            .then(|| v.trim().to_owned())
    })
}

/// Where the value of `key=value` starts in the raw flag text, when it is written plainly.
fn option_offset(raw: &str, key: &str, value: &str) -> Option<usize> {
    let mut start = 0;
    for part in raw.split(',') {
        if let Some((k, v)) = part.split_once('=')
            && k.trim().eq_ignore_ascii_case(key)
            && v == value
        {
            return Some(start + k.len() + 1);
        }
        start += part.len() + 1;
    }
    None
}

/// The name a reference resolves to, if every variable in it has a value here: the
/// stage's ARGs and ENVs, then the global ARGs' defaults.
fn resolve(model: &StageModel<'_, '_>, text: &str, at: usize) -> Option<String> {
    let expansion = expand::expand(text, model.file.escape, &|name| {
        model
            .lookup(name, at)
            .map(|d| d.value.clone().unwrap_or_default())
            .or_else(|| model.file.global_arg(name).and_then(|d| d.value.clone()))
    });
    (expansion.complete && !expansion.value.is_empty()).then_some(expansion.value)
}

/// Whether a resolved reference names the stage being checked.
fn is_own_stage(model: &StageModel<'_, '_>, name: &str) -> bool {
    let index = model.stage.index;
    match name.parse::<usize>() {
        Ok(n) => n == index,
        Err(_) => model
            .stage
            .name()
            .is_some_and(|own| own.eq_ignore_ascii_case(name)),
    }
}

/// Each reference of each instruction with its resolved name.
fn resolved_refs(model: &StageModel<'_, '_>) -> Vec<(FromRef, String)> {
    let mut out = Vec::new();
    for (i, instruction) in model.stage.instructions.iter().enumerate() {
        if !matches!(
            instruction.kind(),
            InstructionKind::Copy | InstructionKind::Run
        ) {
            continue;
        }
        for reference in from_refs(instruction) {
            if let Some(name) = resolve(model, &reference.text, i) {
                out.push((reference, name));
            }
        }
    }
    out
}

fn check_own_stage(model: &StageModel<'_, '_>, findings: &mut Findings) {
    for (reference, name) in resolved_refs(model) {
        if is_own_stage(model, &name) {
            findings.report(
                reference.range,
                format!(
                    "`{}={}` names the stage it is in: a stage cannot copy from itself",
                    reference.what, reference.text
                ),
            );
        }
    }
}

fn check_unknown_stage(model: &StageModel<'_, '_>, findings: &mut Findings) {
    let index = model.stage.index;
    let stages = &model.file.stages;
    for (reference, name) in resolved_refs(model) {
        if is_own_stage(model, &name) {
            continue; // copy-from-own-stage
        }
        if let Ok(n) = name.parse::<usize>() {
            if n > index {
                let message = if n < stages.len() {
                    format!(
                        "stage {n} comes after this one: `{}` should name an earlier stage",
                        reference.what
                    )
                } else {
                    format!(
                        "there is no stage {n}: the file has {} stages, counted from 0",
                        stages.len()
                    )
                };
                findings.report(reference.range, message);
            }
            continue;
        }
        if model.file.stage_named(&name, index).is_some() {
            continue;
        }
        let later = stages.iter().skip(index + 1).find(|s| {
            s.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(&name))
        });
        if later.is_some() {
            findings.report(
                reference.range,
                format!("stage `{name}` is defined after this one: define it before the stage that copies from it"),
            );
            continue;
        }
        // A registry, path, tag or digest makes it an image the user meant to pull.
        if name.contains(['/', ':', '@']) {
            continue;
        }
        let earlier = stages[..index.min(stages.len())]
            .iter()
            .filter_map(|s| s.name.as_deref());
        let hint = syntax::closest(&name, earlier)
            .map(|close| format!(" (did you mean `{close}`?)"))
            .unwrap_or_default();
        findings.report(
            reference.range,
            format!(
                "no stage named `{name}` before this one{hint}: BuildKit would pull the image `docker.io/library/{}:latest` instead",
                name.to_ascii_lowercase()
            ),
        );
    }
}

/// `/`, `.`, `/.`, `./` and the like: the root of the other stage.
fn is_root(path: &str) -> bool {
    let mut rest = path;
    loop {
        let next = rest
            .strip_suffix("/.")
            .or_else(|| rest.strip_suffix('/'))
            .unwrap_or(rest);
        if next == rest {
            break;
        }
        rest = next;
    }
    rest.is_empty() || rest == "."
}

/// The earlier stage a resolved reference names, by name or index.
fn named_stage(model: &StageModel<'_, '_>, name: &str) -> Option<usize> {
    let index = model.stage.index;
    match name.parse::<usize>() {
        Ok(n) => (n < index).then_some(n),
        Err(_) => model.file.stage_named(name, index).map(|s| s.index),
    }
}

/// Whether a stage's chain of bases ends in a registry image, so that its
/// filesystem holds a whole operating system (not only what it put in `scratch`).
fn built_on_image(model: &StageModel<'_, '_>, index: usize) -> bool {
    let mut index = index;
    for _ in 0..=model.file.stages.len() {
        match model.file.stages.get(index).map(|s| &s.base) {
            Some(Base::Image(_)) => return true,
            Some(Base::Stage(parent)) if *parent < index => index = *parent,
            _ => return false,
        }
    }
    false
}

fn check_whole_filesystem(model: &StageModel<'_, '_>, findings: &mut Findings) {
    for (i, instruction) in model.stage.instructions.iter().enumerate() {
        if instruction.kind() != InstructionKind::Copy {
            continue;
        }
        let Some(reference) = from_refs(instruction).into_iter().next() else {
            continue;
        };
        // Images are not judged: some are made to be copied whole (binaries only), and
        // their content is unknown here. So are stages built on `scratch`: they hold
        // only what they put there.
        let Some(stage) = resolve(model, &reference.text, i).and_then(|n| named_stage(model, &n))
        else {
            continue;
        };
        if !built_on_image(model, stage) {
            continue;
        }
        let Some(args) = file_args(instruction) else {
            continue;
        };
        for source in args.sources.iter().filter(|s| !s.heredoc && !s.variable) {
            if is_root(&source.text) {
                findings.report(
                    source.range.clone(),
                    format!(
                        "copies the entire filesystem of stage `{}`, operating system and build tools included: copy only the files the image needs",
                        reference.text
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, flagged};

    #[test]
    fn a_misspelt_stage_is_reported_with_a_suggestion() {
        let text = "FROM golang AS builder\nFROM alpine\nCOPY --from=buidler /app /app\n";
        let found = findings("copy-from-unknown-stage", text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "3:13-3:20");
        insta::assert_snapshot!(found[0].1, @"no stage named `buidler` before this one (did you mean `builder`?): BuildKit would pull the image `docker.io/library/buidler:latest` instead");
    }

    #[test]
    fn stages_images_indexes_and_unresolved_args_are_fine() {
        let text = "ARG TOOLS=tools\nFROM alpine AS tools\nFROM alpine AS Build\nCOPY --from=0 /a /a\nFROM debian\nCOPY --from=build /b /b\nCOPY --from=nginx:1.27 /etc/nginx /etc/nginx\nCOPY --from=ghcr.io/o/tool /t /t\nCOPY --from=$VARIANT /c /c\nCOPY --from=${TOOLS} /d /d\nARG SRC=tools\nCOPY --from=$SRC /e /e\nRUN --mount=type=cache,from=tools,target=/x ls\n";
        assert!(flagged("copy-from-unknown-stage", text).is_empty());
    }

    #[test]
    fn later_stages_out_of_range_indexes_and_resolved_args() {
        let text = "ARG SRC=nope\nFROM alpine AS a\nCOPY --from=b /x /x\nCOPY --from=1 /y /y\nCOPY --from=7 /z /z\nCOPY --from=$SRC /w /w\nFROM alpine AS b\n";
        let found = findings("copy-from-unknown-stage", text);
        let located: Vec<(&str, &str)> = found
            .iter()
            .map(|(r, m)| (r.as_str(), m.as_str()))
            .collect();
        insta::assert_debug_snapshot!(located, @r#"
        [
            (
                "3:13-3:14",
                "stage `b` is defined after this one: define it before the stage that copies from it",
            ),
            (
                "4:13-4:14",
                "stage 1 comes after this one: `--from` should name an earlier stage",
            ),
            (
                "5:13-5:14",
                "there is no stage 7: the file has 2 stages, counted from 0",
            ),
            (
                "6:13-6:17",
                "no stage named `nope` before this one: BuildKit would pull the image `docker.io/library/nope:latest` instead",
            ),
        ]
        "#);
    }

    #[test]
    fn mount_from_is_checked_with_its_own_range() {
        let text = "FROM alpine AS deps\nFROM alpine\nRUN --mount=type=bind,from=dpes,source=/x,target=/x ls\n";
        let found = findings("copy-from-unknown-stage", text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "3:28-3:32");
        assert!(
            found[0].1.contains("did you mean `deps`?"),
            "{}",
            found[0].1
        );
    }

    #[test]
    fn copying_from_the_own_stage() {
        let text = "FROM alpine AS build\nCOPY --from=BUILD /a /b\nCOPY --from=0 /a /b\nRUN --mount=from=build,target=/x ls\nFROM alpine AS run\nCOPY --from=build /a /b\n";
        let found = findings("copy-from-own-stage", text);
        let ranges: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(ranges, ["2:13-2:18", "3:13-3:14", "4:18-4:23"]);
        insta::assert_snapshot!(found[0].1, @"`--from=BUILD` names the stage it is in: a stage cannot copy from itself");
        // Not reported twice: the unknown-stage rule leaves it alone.
        assert!(flagged("copy-from-unknown-stage", text).is_empty());
    }

    #[test]
    fn own_stage_through_an_arg() {
        let text = "FROM alpine AS me\nARG SELF=me\nCOPY --from=${SELF} /a /b\n";
        assert_eq!(flagged("copy-from-own-stage", text), ["${SELF}"]);
    }

    #[test]
    fn whole_filesystem_copies() {
        let text = "FROM a AS build\nFROM b\nCOPY --from=build / /\nCOPY --from=0 /. /rootfs/\nCOPY --from=build [\"/\", \"/x/\"]\n";
        let found = findings("copy-from-whole-filesystem", text);
        let ranges: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(ranges, ["3:19-3:20", "4:15-4:17", "5:20-5:23"]);
        insta::assert_snapshot!(found[0].1, @"copies the entire filesystem of stage `build`, operating system and build tools included: copy only the files the image needs");
    }

    #[test]
    fn a_stage_built_on_an_image_through_another_stage() {
        let text = "FROM debian AS base\nFROM base AS build\nFROM scratch\nCOPY --from=build / /\n";
        assert_eq!(flagged("copy-from-whole-filesystem", text), ["/"]);
    }

    #[test]
    fn paths_scratch_stages_images_and_the_context_are_fine() {
        let text = "ARG V\nFROM a AS build\nFROM scratch AS export\nFROM export AS out\nFROM b-$V AS dyn\nFROM b\nCOPY --from=build /out/ /app/\nCOPY --from=export / /usr/local/bin/\nCOPY --from=out / /\nCOPY --from=tonistiigi/xx / /\nCOPY --from=dyn / /\nCOPY --from=$X / /\nCOPY / /app/\nCOPY . .\n";
        assert!(flagged("copy-from-whole-filesystem", text).is_empty());
    }
}
