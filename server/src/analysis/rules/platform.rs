//! `FROM --platform`: constant platforms and the redundant `$TARGETPLATFORM`.

use std::ops::Range;

use super::{Alias, Check, Findings, Rule, Tag};
use crate::analysis::expand;
use crate::analysis::model::StageModel;
use crate::syntax::Severity;

pub static FROM_PLATFORM_CONSTANT: Rule = Rule {
    id: "from-platform-constant",
    summary: "`FROM --platform` should not be a constant platform",
    severity: Severity::Warning,
    aliases: &[
        Alias::Hadolint("DL3029"),
        Alias::BuildKit("FromPlatformFlagConstDisallowed"),
    ],
    explanation: "`FROM --platform=linux/amd64` pins the stage to one platform whatever the build asks \
for: a multi-platform build produces amd64 content under an arm64 label, or runs the stage under \
emulation. Leave the flag out and pass `--platform` to the build, or use `$BUILDPLATFORM` for stages that \
run build tools. As in BuildKit, a constant is accepted when the stage name contains its OS or \
architecture (`FROM --platform=linux/arm64 alpine AS base-arm64`): that is a deliberate per-platform stage. \
Platforms built from ARGs are not reported.",
    bad: "FROM --platform=linux/amd64 python:3.12-slim\n",
    good: "FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nFROM python:3.12-slim\n",
    tags: &[],
    fixable: false,
    enabled_by_default: true,
    check: Check::Stage(check_constant),
};

pub static REDUNDANT_TARGET_PLATFORM: Rule = Rule {
    id: "redundant-target-platform",
    summary: "`FROM --platform=$TARGETPLATFORM` is the default and can go",
    severity: Severity::Info,
    aliases: &[
        Alias::Hadolint("DL3065"),
        Alias::BuildKit("RedundantTargetPlatform"),
    ],
    explanation: "A stage is built for the target platform unless told otherwise, so \
`--platform=$TARGETPLATFORM` changes nothing; it only suggests that something special happens.",
    bad: "FROM --platform=$TARGETPLATFORM alpine:3.20\n",
    good: "FROM alpine:3.20\n",
    tags: &[Tag::Unnecessary],
    fixable: false,
    enabled_by_default: true,
    check: Check::Stage(check_redundant),
};

/// The stage's `--platform` value (quotes removed), the range it is written at, and the
/// stage's name. Checked per stage, so that an edit elsewhere reuses what was found here.
fn platform(stage: &StageModel<'_, '_>) -> Option<(String, Range<usize>, Option<String>)> {
    let info = stage.info()?;
    let value = info.platform.clone()?;
    let (_, range) = info.platform_written()?;
    Some((value, range, info.name.clone()))
}

/// The OS and architecture of a platform string, as containerd's parser reads
/// them (`linux`, `linux/arm64/v8`, `arm64`, `x86_64`); `None` when it is not one.
fn parse_platform(text: &str) -> Option<(String, Option<String>)> {
    const OSES: &[&str] = &[
        "linux",
        "windows",
        "darwin",
        "freebsd",
        "netbsd",
        "openbsd",
        "dragonfly",
        "solaris",
        "illumos",
        "aix",
        "android",
        "ios",
        "js",
        "wasip1",
        "plan9",
        "zos",
    ];
    let lower = text.to_ascii_lowercase();
    let mut parts = lower.split('/');
    let first = parts.next()?;
    let second = parts.next();
    if OSES.contains(&first) {
        return Some((first.to_owned(), second.map(normalize_arch)));
    }
    if second.is_none() && is_arch(first) {
        return Some(("linux".to_owned(), Some(normalize_arch(first))));
    }
    None
}

fn normalize_arch(arch: &str) -> String {
    match arch {
        "x86_64" | "x86-64" => "amd64",
        "aarch64" => "arm64",
        "i386" | "i686" => "386",
        "armhf" | "armel" => "arm",
        other => other,
    }
    .to_owned()
}

fn is_arch(text: &str) -> bool {
    matches!(
        text,
        "amd64"
            | "x86_64"
            | "x86-64"
            | "arm64"
            | "aarch64"
            | "arm"
            | "armhf"
            | "armel"
            | "386"
            | "i386"
            | "i686"
            | "ppc64le"
            | "ppc64"
            | "s390x"
            | "riscv64"
            | "mips64le"
            | "loong64"
            | "wasm"
    )
}

fn check_constant(stage: &StageModel<'_, '_>, findings: &mut Findings) {
    if let Some((value, range, name)) = platform(stage) {
        if !expand::references(&value, stage.file.escape).is_empty() {
            return;
        }
        let Some((os, arch)) = parse_platform(&value) else {
            return; // BuildKit rejects it when it builds
        };
        let name = name.unwrap_or_default();
        if !name.is_empty()
            && (name.contains(&os) || arch.as_deref().is_some_and(|a| name.contains(a)))
        {
            return;
        }
        findings.report(
            range,
            format!(
                "`--platform={value}` builds this stage for {value} whatever platform is asked for: drop it and pass --platform to the build, or use $BUILDPLATFORM"
            ),
        );
    }
}

fn check_redundant(stage: &StageModel<'_, '_>, findings: &mut Findings) {
    const MARK: &str = "\u{0}target";
    if let Some((value, range, _)) = platform(stage) {
        let expansion = expand::expand(&value, stage.file.escape, &|name| {
            (name == "TARGETPLATFORM").then(|| MARK.to_owned())
        });
        if expansion.references.len() == 1 && expansion.value == MARK {
            findings.report(
                range,
                format!("`--platform={value}` is the default: remove the flag"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, flagged};

    #[test]
    fn constant_platforms() {
        let text = "FROM --platform=linux/amd64 a\nFROM --platform=\"linux/arm64/v8\" b AS build\nFROM --platform=arm64 c\n";
        let found = findings("from-platform-constant", text);
        let ranges: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(ranges, ["1:17-1:28", "2:17-2:33", "3:17-3:22"]);
        insta::assert_snapshot!(found[0].1, @"`--platform=linux/amd64` builds this stage for linux/amd64 whatever platform is asked for: drop it and pass --platform to the build, or use $BUILDPLATFORM");
    }

    #[test]
    fn variables_platform_named_stages_and_no_flag_are_fine() {
        let text = "FROM --platform=$BUILDPLATFORM a AS build\nFROM --platform=${TARGETOS}/${TARGETARCH} b\nFROM --platform=linux/amd64 c AS base-amd64\nFROM --platform=windows/amd64 d AS windows-base\nFROM --platform=linux/x86_64 e AS tools_amd64\nFROM f\nFROM --platform=bogus g\n";
        assert!(flagged("from-platform-constant", text).is_empty());
    }

    #[test]
    fn target_platform_is_redundant() {
        let text = "FROM --platform=$TARGETPLATFORM a\nFROM --platform=${TARGETPLATFORM} b\nFROM --platform=\"$TARGETPLATFORM\" c\n";
        let found = findings("redundant-target-platform", text);
        let ranges: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
        assert_eq!(ranges, ["1:17-1:32", "2:17-2:34", "3:17-3:34"]);
        insta::assert_snapshot!(found[0].1, @"`--platform=$TARGETPLATFORM` is the default: remove the flag");
    }

    #[test]
    fn other_platform_variables_are_not_redundant() {
        let text = "FROM --platform=$BUILDPLATFORM a\nFROM --platform=$TARGETPLATFORM-x b\nFROM --platform=${TARGETOS}/${TARGETARCH} c\nFROM d\n";
        assert!(flagged("redundant-target-platform", text).is_empty());
    }
}
