//! Full base images in the final stage where a slim variant of the same runtime exists.

use super::{Check, FileView, Findings, Rule};
use crate::analysis::fixes::global_arg;
use crate::analysis::image_ref::{self, ImageRef};
use crate::analysis::model::{Base, StageInfo};
use crate::syntax::{Applicability, Edit, Fix, Severity};

pub static PREFER_SLIM_BASE: Rule = Rule {
    id: "prefer-slim-base",
    summary: "The final stage should build on a slim variant of its runtime image",
    severity: Severity::Info,
    aliases: &[],
    explanation: "The default tags of the language images (`python:3.12`, `node:20`, `ruby:3.3`) are a \
full Debian with compilers, headers and tools for building native extensions: around 1 GB that the \
final image ships, pulls and scans for vulnerabilities although the application only needs the runtime. \
Their slim or Alpine variants hold the same runtime in a fraction of the size (`python:3.12-slim-bookworm` \
is about 130 MB). A JDK image (`openjdk`, `eclipse-temurin:21-jdk`) ships a compiler where a JRE runs the \
application (`eclipse-temurin:21-jre-alpine`); a `golang` image as the final stage ships the whole Go \
toolchain where a static binary on `scratch` or `gcr.io/distroless/static-debian12` is a few megabytes.\n\n\
Only the final stage (and the stages it is built on) counts: a builder stage may well need the full \
image. Build what needs compilers in a builder stage and copy the result, or install the few system \
libraries the application needs on the slim image.\n\n\
The fix switches the tag (offered on its own: the slim image lacks what the full one had). It keeps an \
ARG-built tag (`python:${PY}` becomes `python:${PY}-slim-bookworm`), edits the default of an ARG that \
names the whole image, and drops a `@sha256:` digest, which pins the old image. Add entries to \
`SLIM_BASES` in `slim_base.rs` for more images.",
    bad: "FROM python:3.12\nCOPY app.py /app/\nCMD [\"python\", \"/app/app.py\"]\n",
    good: "FROM python:3.12-slim-bookworm\nCOPY app.py /app/\nCMD [\"python\", \"/app/app.py\"]\n",
    tags: &[],
    fixable: true,
    enabled_by_default: true,
    check: Check::File(check),
};

/// A full image of a runtime and the smaller image to use instead.
struct SlimBase {
    /// The Docker Official Image (`docker.io/library/<image>`).
    image: &'static str,
    /// Its full variants: the part of the tag after the version (`""`: the version
    /// alone; a trailing `*` matches any ending) and the variant to use instead.
    /// Tags with any other variant are left alone.
    variants: &'static [(&'static str, &'static str)],
    /// Versions start with a digit (`3.12`); else they may be names (`lts`, `bookworm`).
    numeric: bool,
    /// What the full image is, for the message.
    full: &'static str,
    to: Slim,
}

/// How to get the smaller image.
enum Slim {
    /// Another tag (`version-variant`), of the same image or of `image`.
    Tag {
        image: Option<&'static str>,
        version: Version,
        /// The tag for a reference without one (or `latest`); `None`: no fix then.
        untagged: Option<&'static str>,
        /// What the new image is, for the message.
        slim: &'static str,
    },
    /// No tag will do: the advice.
    Rebuild(&'static str),
}

/// How the version in the tag carries over.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Version {
    Keep,
    /// The major version only (`17` from `17.0.2`), for images whose tags differ.
    Major,
    /// The new tag has no version.
    Drop,
}

const DEBIAN_FULL: &[(&str, &str)] = &[
    ("", "slim-bookworm"),
    ("bookworm", "slim-bookworm"),
    ("bullseye", "slim-bullseye"),
    ("trixie", "slim-trixie"),
];

const JDK_TO_JRE: &str = "jre-alpine";

/// The table: one entry per runtime image.
const SLIM_BASES: &[SlimBase] = &[
    SlimBase {
        image: "python",
        variants: DEBIAN_FULL,
        numeric: true,
        full: "the full Debian image, with compilers and headers (about 1 GB)",
        to: Slim::Tag {
            image: None,
            version: Version::Keep,
            untagged: Some("slim-bookworm"),
            slim: "the same Python without them",
        },
    },
    SlimBase {
        image: "node",
        variants: &[
            ("", "alpine"),
            ("bookworm", "bookworm-slim"),
            ("bullseye", "bullseye-slim"),
            ("trixie", "trixie-slim"),
        ],
        numeric: false,
        full: "the full Debian image, with compilers and build tools (about 1 GB)",
        to: Slim::Tag {
            image: None,
            version: Version::Keep,
            untagged: Some("alpine"),
            slim: "the same Node.js without them",
        },
    },
    SlimBase {
        image: "ruby",
        variants: &[
            ("", "slim"),
            ("bookworm", "slim-bookworm"),
            ("bullseye", "slim-bullseye"),
            ("trixie", "slim-trixie"),
        ],
        numeric: true,
        full: "the full Debian image, with compilers and headers (about 1 GB)",
        to: Slim::Tag {
            image: None,
            version: Version::Keep,
            untagged: Some("slim"),
            slim: "the same Ruby without them",
        },
    },
    SlimBase {
        image: "openjdk",
        variants: &[
            ("", JDK_TO_JRE),
            ("jdk", JDK_TO_JRE),
            ("bookworm", JDK_TO_JRE),
            ("jdk-bookworm", JDK_TO_JRE),
            ("bullseye", JDK_TO_JRE),
            ("jdk-bullseye", JDK_TO_JRE),
            ("buster", JDK_TO_JRE),
            ("jdk-buster", JDK_TO_JRE),
            ("oracle", JDK_TO_JRE),
            ("jdk-oracle", JDK_TO_JRE),
        ],
        numeric: true,
        full: "a full JDK (compiler and development tools) on a full OS, and deprecated",
        to: Slim::Tag {
            image: Some("eclipse-temurin"),
            version: Version::Major,
            untagged: None,
            slim: "a JRE, which is all a packaged application needs, on Alpine",
        },
    },
    SlimBase {
        image: "eclipse-temurin",
        variants: &[
            ("", JDK_TO_JRE),
            ("jdk", JDK_TO_JRE),
            ("alpine", JDK_TO_JRE),
            ("jdk-alpine", JDK_TO_JRE),
            ("jammy", JDK_TO_JRE),
            ("jdk-jammy", JDK_TO_JRE),
            ("noble", JDK_TO_JRE),
            ("jdk-noble", JDK_TO_JRE),
            ("focal", JDK_TO_JRE),
            ("jdk-focal", JDK_TO_JRE),
        ],
        numeric: true,
        full: "a full JDK (compiler and development tools)",
        to: Slim::Tag {
            image: None,
            version: Version::Keep,
            untagged: None,
            slim: "a JRE, which is all a packaged application needs, on Alpine",
        },
    },
    SlimBase {
        image: "golang",
        variants: &[
            ("", ""),
            ("bookworm", ""),
            ("bullseye", ""),
            ("trixie", ""),
            ("alpine*", ""),
        ],
        numeric: true,
        full: "the Go toolchain (about 800 MB)",
        to: Slim::Rebuild(
            "build the binary in this stage, then copy it into a final stage `FROM scratch` or \
`FROM gcr.io/distroless/static-debian12` (built with `CGO_ENABLED=0`), a few megabytes",
        ),
    },
    SlimBase {
        image: "debian",
        variants: &[("", "slim")],
        numeric: false,
        full: "Debian with documentation, man pages and locales",
        to: Slim::Tag {
            image: None,
            version: Version::Keep,
            untagged: Some("bookworm-slim"),
            slim: "the same release without them",
        },
    },
    SlimBase {
        image: "ubuntu",
        variants: &[("", "bookworm-slim")],
        numeric: false,
        full: "a general-purpose distribution image",
        to: Slim::Tag {
            image: Some("debian"),
            version: Version::Drop,
            untagged: Some("bookworm-slim"),
            slim: "the usual minimal glibc base (another distribution: check package names)",
        },
    },
];

/// Parts of a tag that mean a smaller image: never a version.
const SLIM_WORDS: &[&str] = &[
    "slim",
    "alpine",
    "jre",
    "distroless",
    "minimal",
    "windowsservercore",
    "nanoserver",
];

/// How a tag reads against an entry.
struct TagMatch<'t> {
    version: &'t str,
    /// The variant as written in the tag (`""`: none).
    variant: &'t str,
    /// The variant to switch to.
    to: &'static str,
    /// No tag, or `latest`.
    untagged: bool,
}

impl SlimBase {
    fn is_version(&self, text: &str) -> bool {
        !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_'))
            && (!self.numeric || text.starts_with(|c: char| c.is_ascii_digit()))
            && !SLIM_WORDS.iter().any(|w| text.contains(w))
    }

    /// The full variant a tag is, if it is one of this entry's.
    fn read_tag<'t>(&self, tag: Option<&'t str>) -> Option<TagMatch<'t>> {
        let tag = match tag {
            None | Some("latest") => {
                return Some(TagMatch {
                    version: "",
                    variant: "",
                    to: "",
                    untagged: true,
                });
            }
            Some(tag) => tag,
        };
        let mut best: Option<TagMatch<'t>> = None;
        for &(from, to) in self.variants {
            let found = if from.is_empty() {
                (!tag.contains('-') && self.is_version(tag)).then_some((tag, ""))
            } else if let Some(prefix) = from.strip_suffix('*') {
                let (version, variant) = tag.rsplit_once('-').unwrap_or(("", tag));
                (variant.starts_with(prefix) && (version.is_empty() || self.is_version(version)))
                    .then_some((version, variant))
            } else if tag == from {
                Some(("", tag))
            } else {
                tag.strip_suffix(from)
                    .and_then(|rest| rest.strip_suffix('-'))
                    .filter(|version| self.is_version(version))
                    .map(|version| (version, from))
            };
            if let Some((version, variant)) = found
                && best
                    .as_ref()
                    .is_none_or(|b| variant.len() > b.variant.len())
            {
                best = Some(TagMatch {
                    version,
                    variant,
                    to,
                    untagged: false,
                });
            }
        }
        best
    }
}

/// Tags of the same repository that may hold a smaller image of the same runtime, for a
/// registry to confirm: the table's suggestion first, then the usual slim and Alpine tags
/// of the same version. Empty for images the table does not know or sends elsewhere.
pub fn slimmer_tags(reference: &ImageRef) -> Vec<String> {
    if !reference.is_official() || reference.digest.is_some() {
        return Vec::new();
    }
    let name = reference.familiar_name();
    let Some(entry) = SLIM_BASES.iter().find(|e| e.image == name) else {
        return Vec::new();
    };
    let Slim::Tag {
        image: None,
        version: Version::Keep,
        untagged,
        ..
    } = &entry.to
    else {
        return Vec::new();
    };
    let Some(read) = entry.read_tag(reference.tag.as_deref()) else {
        return Vec::new();
    };
    let join = |version: &str, variant: &str| match (version.is_empty(), variant.is_empty()) {
        (true, _) => variant.to_owned(),
        (false, true) => version.to_owned(),
        (false, false) => format!("{version}-{variant}"),
    };
    let mut tags: Vec<String> = Vec::new();
    let to = if read.untagged {
        untagged.unwrap_or("")
    } else {
        read.to
    };
    tags.push(join(read.version, to));
    if to.contains("slim") || to.contains("alpine") {
        tags.push(join(read.version, "slim"));
        tags.push(join(read.version, "alpine"));
        if !read.variant.is_empty() {
            tags.push(join(read.version, &format!("slim-{}", read.variant)));
            tags.push(join(read.version, &format!("{}-slim", read.variant)));
        }
    }
    let current = reference.tag.as_deref().unwrap_or("latest");
    let mut seen = std::collections::HashSet::new();
    tags.retain(|t| !t.is_empty() && t != current && seen.insert(t.clone()));
    tags
}

/// The smaller image for a full one, and how to write it.
struct Plan<'a> {
    /// The image to switch to (`None`: the same one).
    image: Option<&'static str>,
    /// The new tag, when one can be worked out.
    tag: Option<String>,
    /// The tag's variant as read, and the variant it becomes, to edit an ARG-built tag.
    variant: &'a str,
    to: &'static str,
    version: Version,
    untagged: bool,
}

fn check(view: &FileView<'_, '_>, findings: &mut Findings) {
    let stages = &view.model.stages;
    let Some(mut stage) = stages.last() else {
        return;
    };
    // The final image holds the stages it is built on: the image at the root counts.
    for _ in 0..stages.len() {
        match stage.base {
            Base::Stage(parent) if parent < stage.index => match stages.get(parent) {
                Some(s) => stage = s,
                None => return,
            },
            _ => break,
        }
    }
    let Base::Image(reference) = &stage.base else {
        return;
    };
    if !reference.is_official() || image_ref::has_unexpanded_variable(&stage.expanded_image.value) {
        return;
    }
    let name = reference.familiar_name();
    let Some(entry) = SLIM_BASES.iter().find(|e| e.image == name) else {
        return;
    };
    let Some(read) = entry.read_tag(reference.tag.as_deref()) else {
        return;
    };
    let current = reference.familiar();
    let (image, version, untagged, slim) = match &entry.to {
        Slim::Rebuild(advice) => {
            findings.report(
                stage.image_range.clone(),
                format!(
                    "`{current}` is {}, and the final image ships all of it: {advice}",
                    entry.full
                ),
            );
            return;
        }
        Slim::Tag {
            image,
            version,
            untagged,
            slim,
        } => (*image, *version, *untagged, *slim),
    };
    let tag = if read.untagged {
        untagged.map(str::to_owned)
    } else {
        let version = match version {
            Version::Keep => Some(read.version.to_owned()),
            Version::Major => Some(
                read.version
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect::<String>(),
            )
            .filter(|v| !v.is_empty()),
            Version::Drop => Some(String::new()),
        };
        version.map(|v| match (v.is_empty(), read.to.is_empty()) {
            (true, _) => read.to.to_owned(),
            (false, true) => v,
            (false, false) => format!("{v}-{}", read.to),
        })
    };
    let plan = Plan {
        image,
        tag,
        variant: read.variant,
        to: read.to,
        version,
        untagged: read.untagged,
    };
    let suggested = rewrite(&stage.expanded_image.value, &plan)
        .and_then(|text| image_ref::parse(&text).ok())
        .map(|r| r.familiar());
    let message = match &suggested {
        Some(new) => format!(
            "`{current}` is {}, and the final image ships all of it: `{new}` is {slim}",
            entry.full
        ),
        None => format!(
            "`{current}` is {}, and the final image ships all of it: use a slim variant{}",
            entry.full,
            image.map(|i| format!(" (`{i}`)")).unwrap_or_default()
        ),
    };
    let fix = suggested.and_then(|new| fix(view, stage, reference, &plan, &new));
    match fix {
        Some(fix) => findings.report_fix(stage.image_range.clone(), message, fix),
        None => findings.report(stage.image_range.clone(), message),
    }
}

/// The edit that switches the image: in the FROM line, or in the default of the
/// global ARG that names the whole image.
fn fix(
    view: &FileView<'_, '_>,
    stage: &StageInfo,
    reference: &ImageRef,
    plan: &Plan<'_>,
    new: &str,
) -> Option<Fix> {
    let digest = if reference.digest.is_some() {
        " (dropping the digest, which pins the old image)"
    } else {
        ""
    };
    if let Some(arg) = global_arg::whole_image_arg(&stage.image, view.model.escape) {
        // The ARG may name the base of other stages too, which may need the full image.
        let shared = view.model.stages.iter().any(|s| {
            s.index != stage.index && s.expanded_image.references.iter().any(|r| r.name == arg)
        });
        let (range, value) = global_arg::default_value(view.file, &arg)?;
        if shared || value.contains('$') {
            return None;
        }
        let rewritten = rewrite(&value, plan)?;
        return Some(Fix::new(
            format!("Switch the default of `{arg}` to `{new}`{digest}"),
            Applicability::Unsafe,
            vec![Edit::replace(range, rewritten)],
        ));
    }
    // A digest from an ARG cannot be dropped in the FROM line.
    if reference.digest.is_some() && top_level(&stage.image, '@').is_empty() {
        return None;
    }
    let rewritten = rewrite(&stage.image, plan)?;
    Some(Fix::new(
        format!("Switch to `{new}`{digest}"),
        Applicability::Unsafe,
        vec![Edit::replace(stage.image_range.clone(), rewritten)],
    ))
}

/// The byte offsets of `wanted` characters in `text` outside `${...}`.
fn top_level(text: &str, wanted: char) -> Vec<usize> {
    let mut depth = 0usize;
    let mut found = Vec::new();
    let mut previous = '\0';
    for (at, c) in text.char_indices() {
        match c {
            '{' if previous == '$' => depth += 1,
            '}' if depth > 0 => depth -= 1,
            c if c == wanted && depth == 0 => found.push(at),
            _ => {}
        }
        previous = c;
    }
    found
}

/// A reference as written (`python:${PY}@sha256:…`, `docker.io/library/python:3.12`)
/// switched to the plan's image and tag, digest dropped; `None` when ARG-built parts
/// would not stay coherent.
fn rewrite(text: &str, plan: &Plan<'_>) -> Option<String> {
    let name_end = top_level(text, '@').first().copied().unwrap_or(text.len());
    let name_and_tag = text.get(..name_end)?;
    let slash = top_level(name_and_tag, '/').last().map_or(0, |i| i + 1);
    let colon = top_level(name_and_tag, ':')
        .last()
        .copied()
        .filter(|&c| c >= slash);
    let (name, tag) = match colon {
        Some(c) => (name_and_tag.get(..c)?, name_and_tag.get(c + 1..)),
        None => (name_and_tag, None),
    };
    let name = match plan.image {
        None => name.to_owned(),
        Some(_) if name.contains('$') => return None,
        Some(image) => format!("{}{image}", name.get(..slash)?),
    };
    let keeps_version = plan.image.is_none() && plan.version == Version::Keep;
    let tag = match tag {
        Some(written) if written.contains('$') => {
            if plan.untagged || !keeps_version {
                return None;
            }
            if plan.variant.is_empty() {
                format!("{written}-{}", plan.to)
            } else {
                let version = written.strip_suffix(plan.variant)?.strip_suffix('-')?;
                format!("{version}-{}", plan.to)
            }
        }
        Some(_) => plan.tag.clone()?,
        // A tag from an ARG in the name would be cut in two.
        None if !plan.untagged && name.contains('$') => return None,
        None => plan.tag.clone()?,
    };
    Some(format!("{name}:{tag}"))
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings, fixed, fixes, flagged};
    use crate::syntax::Applicability;

    const ID: &str = "prefer-slim-base";

    #[test]
    fn full_runtime_images_in_the_final_stage() {
        let text = "FROM golang:1.22 AS build\nRUN go build -o /app\nFROM python:3.12\nCOPY --from=build /app /app\n";
        let found = findings(ID, text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "3:6-3:17");
        insta::assert_snapshot!(found[0].1, @"`python:3.12` is the full Debian image, with compilers and headers (about 1 GB), and the final image ships all of it: `python:3.12-slim-bookworm` is the same Python without them");
        assert_eq!(
            fixes(ID, text),
            [Some((
                "Switch to `python:3.12-slim-bookworm`".to_owned(),
                Applicability::Unsafe
            ))]
        );
    }

    #[test]
    fn each_entry_of_the_table() {
        let switched = |image: &str| fixed(ID, &format!("FROM {image}\n"));
        assert_eq!(
            switched("python:3.12.4"),
            "FROM python:3.12.4-slim-bookworm\n"
        );
        assert_eq!(
            switched("python:3.11-bullseye"),
            "FROM python:3.11-slim-bullseye\n"
        );
        assert_eq!(switched("python:bookworm"), "FROM python:slim-bookworm\n");
        assert_eq!(switched("python"), "FROM python:slim-bookworm\n");
        assert_eq!(switched("node:20"), "FROM node:20-alpine\n");
        assert_eq!(switched("node:lts"), "FROM node:lts-alpine\n");
        assert_eq!(switched("node:20-bookworm"), "FROM node:20-bookworm-slim\n");
        assert_eq!(switched("ruby:3.3"), "FROM ruby:3.3-slim\n");
        assert_eq!(
            switched("ruby:3.3-bookworm"),
            "FROM ruby:3.3-slim-bookworm\n"
        );
        assert_eq!(
            switched("openjdk:17"),
            "FROM eclipse-temurin:17-jre-alpine\n"
        );
        assert_eq!(
            switched("openjdk:11.0.16-jdk-bullseye"),
            "FROM eclipse-temurin:11-jre-alpine\n"
        );
        assert_eq!(
            switched("docker.io/library/openjdk:8"),
            "FROM docker.io/library/eclipse-temurin:8-jre-alpine\n"
        );
        assert_eq!(
            switched("eclipse-temurin:21"),
            "FROM eclipse-temurin:21-jre-alpine\n"
        );
        assert_eq!(
            switched("eclipse-temurin:21.0.2_13-jdk-jammy"),
            "FROM eclipse-temurin:21.0.2_13-jre-alpine\n"
        );
        assert_eq!(switched("debian:bookworm"), "FROM debian:bookworm-slim\n");
        assert_eq!(switched("debian:12"), "FROM debian:12-slim\n");
        assert_eq!(switched("debian"), "FROM debian:bookworm-slim\n");
        assert_eq!(switched("ubuntu:22.04"), "FROM debian:bookworm-slim\n");
        assert_eq!(
            switched("index.docker.io/library/node:20"),
            "FROM index.docker.io/library/node:20-alpine\n"
        );
    }

    #[test]
    fn golang_gets_advice_and_no_fix() {
        let text = "FROM golang:1.22-alpine\nRUN go build -o /app .\n";
        let found = findings(ID, text);
        assert_eq!(found[0].0, "1:6-1:24");
        insta::assert_snapshot!(found[0].1, @"`golang:1.22-alpine` is the Go toolchain (about 800 MB), and the final image ships all of it: build the binary in this stage, then copy it into a final stage `FROM scratch` or `FROM gcr.io/distroless/static-debian12` (built with `CGO_ENABLED=0`), a few megabytes");
        assert_eq!(fixes(ID, text), [None]);
        // No tag to switch to without a version.
        assert_eq!(fixes(ID, "FROM openjdk\n"), [None]);
        insta::assert_snapshot!(findings(ID, "FROM openjdk\n")[0].1, @"`openjdk` is a full JDK (compiler and development tools) on a full OS, and deprecated, and the final image ships all of it: use a slim variant (`eclipse-temurin`)");
    }

    #[test]
    fn slimmer_tags_for_the_registry_to_confirm() {
        let tags = |r: &str| {
            super::slimmer_tags(&crate::analysis::image_ref::parse(r).expect("reference"))
        };
        assert_eq!(
            tags("python:3.12"),
            ["3.12-slim-bookworm", "3.12-slim", "3.12-alpine"]
        );
        assert_eq!(
            tags("python:3.12-bookworm"),
            [
                "3.12-slim-bookworm",
                "3.12-slim",
                "3.12-alpine",
                "3.12-bookworm-slim"
            ]
        );
        assert_eq!(tags("node"), ["alpine", "slim"]);
        assert_eq!(
            tags("debian:bookworm"),
            ["bookworm-slim", "bookworm-alpine"]
        );
        assert!(tags("python:3.12-slim").is_empty());
        assert!(tags("golang:1.22").is_empty(), "golang has no slim tag");
        assert!(
            tags("openjdk:17").is_empty(),
            "the JRE is in another repository"
        );
        assert!(tags("acme/python:3.12").is_empty());
    }

    #[test]
    fn slim_tags_builders_and_other_images_are_fine() {
        for text in [
            "FROM python:3.12-slim\n",
            "FROM python:3.12-slim-bookworm\n",
            "FROM python:3.12-alpine3.20\n",
            "FROM node:20-alpine\n",
            "FROM node:20-bookworm-slim\n",
            "FROM node:slim\n",
            "FROM eclipse-temurin:21-jre\n",
            "FROM eclipse-temurin:21-jre-alpine\n",
            "FROM eclipse-temurin:21-jdk-windowsservercore-ltsc2022\n",
            "FROM openjdk:17-slim\n",
            "FROM debian:bookworm-slim\n",
            "FROM debian:bookworm-20240211\n",
            "FROM python:3.12-windowsservercore\n",
            "FROM gcr.io/distroless/python3-debian12\n",
            "FROM acme/python:3.12\n",
            "FROM ghcr.io/library/python:3.12\n",
            // Only the final image counts.
            "FROM python:3.12 AS build\nRUN pip wheel -w /w .\nFROM python:3.12-slim\nCOPY --from=build /w /w\n",
            "FROM node:20 AS build\nFROM scratch\n",
            "ARG BASE\nFROM $BASE\n",
        ] {
            assert!(flagged(ID, text).is_empty(), "{text}");
        }
    }

    #[test]
    fn the_image_a_final_stage_builds_on_through_stages() {
        let text = "FROM node:20 AS base\nWORKDIR /app\nFROM base\nCOPY . .\n";
        assert_eq!(flagged(ID, text), ["node:20"]);
        insta::assert_snapshot!(fixed(ID, text), @r"
        FROM node:20-alpine AS base
        WORKDIR /app
        FROM base
        COPY . .
        ");
    }

    #[test]
    fn arg_built_tags_stay_built_from_their_args() {
        insta::assert_snapshot!(fixed(ID, "ARG PY=3.12\nFROM python:${PY}\n"), @r"
        ARG PY=3.12
        FROM python:${PY}-slim-bookworm
        ");
        insta::assert_snapshot!(fixed(ID, "ARG PY=3.12\nFROM python:$PY-bullseye\n"), @r"
        ARG PY=3.12
        FROM python:$PY-slim-bullseye
        ");
        insta::assert_snapshot!(fixed(ID, "ARG REG=docker.io\nFROM ${REG}/library/ruby:3.3\n"), @r"
        ARG REG=docker.io
        FROM ${REG}/library/ruby:3.3-slim
        ");
        // The variant comes from an ARG: it cannot be edited in the FROM line.
        assert_eq!(fixes(ID, "ARG T=3.12-bookworm\nFROM python:${T}\n"), [None]);
        assert_eq!(
            fixes(
                ID,
                "ARG PY=3.12\nARG DIST=bookworm\nFROM python:$PY-${DIST}\n"
            ),
            [None]
        );
        assert_eq!(fixes(ID, "ARG V=17\nFROM openjdk:${V}\n"), [None]);
    }

    #[test]
    fn an_arg_naming_the_whole_image_gets_a_new_default() {
        let text = "ARG BASE=\"python:3.12\"\nFROM $BASE\nCMD [\"python\"]\n";
        insta::assert_snapshot!(fixed(ID, text), @r#"
        ARG BASE="python:3.12-slim-bookworm"
        FROM $BASE
        CMD ["python"]
        "#);
        assert_eq!(
            fixes(ID, text),
            [Some((
                "Switch the default of `BASE` to `python:3.12-slim-bookworm`".to_owned(),
                Applicability::Unsafe
            ))]
        );
        // The builder uses the same ARG and may need the full image.
        assert_eq!(
            fixes(
                ID,
                "ARG BASE=python:3.12\nFROM $BASE AS build\nFROM $BASE\n"
            ),
            [None]
        );
    }

    #[test]
    fn a_digest_pinning_the_old_image_is_dropped() {
        let text = "# escape=`\nFROM python:3.12@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef AS app\n";
        insta::assert_snapshot!(fixed(ID, text), @r"
        # escape=`
        FROM python:3.12-slim-bookworm AS app
        ");
        assert_eq!(
            fixes(ID, text),
            [Some((
                "Switch to `python:3.12-slim-bookworm` (dropping the digest, which pins the old image)"
                    .to_owned(),
                Applicability::Unsafe
            ))]
        );
    }
}
