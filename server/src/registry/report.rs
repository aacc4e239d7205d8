//! What a registry report looks like: Markdown for an editor's hover, columns for a terminal.
//!
//! Pure functions of an [`ImageReport`]: no I/O and no LSP types, so that hover and the
//! `image` command show the same facts and are tested without a registry.

use std::fmt::Write as _;

use super::error::RegistryError;
use super::model::{ImageReport, PlatformImage};
use crate::analysis::rules::format_size;

/// How long a layer's step may be before it is cut (with `…`).
const STEP_CHARS: usize = 80;
/// The largest layers a hover lists.
const HOVER_LAYERS: usize = 3;
/// The largest layers the terminal report lists.
const HUMAN_LAYERS: usize = 5;

/// The hover of a FROM line: reference, digest, platforms, slimmer variants, largest
/// layers and the image's page, compact enough for an editor's popup.
pub fn hover_markdown(written: &str, report: &ImageReport) -> String {
    let mut blocks = Vec::new();

    let written = written.trim();
    let mut heading = format!("**{written}**");
    if written != report.image.reference {
        let _ = write!(heading, " · {}", code(&report.image.reference));
    }
    blocks.push(heading);
    blocks.push(code(&report.image.digest));

    let selected = report.selected();
    if selected.is_none() {
        blocks.push(not_published(report));
    }

    let platforms = report.platforms_in_order();
    if !platforms.is_empty() {
        let mut table =
            "| Platform | Compressed | Layers | Created |\n| --- | ---: | ---: | --- |".to_owned();
        for image in platforms {
            let _ = write!(
                table,
                "\n| {} | {} | {} | {} |",
                platform_label(report, image),
                format_size(image.compressed_size),
                image.layers,
                date(image.created.as_deref()).unwrap_or("—"),
            );
        }
        blocks.push(table);
    }

    if !report.variants.is_empty() {
        let mut list = "Slimmer variants:".to_owned();
        for variant in &report.variants {
            let _ = write!(
                list,
                "\n- {}: {}, saves {} ({}%)",
                code(&variant.reference),
                format_size(variant.compressed_size),
                format_size(variant.saving),
                variant.saving_percent,
            );
        }
        blocks.push(list);
    }

    if let Some(image) = selected.filter(|image| !image.largest_layers.is_empty()) {
        let mut list = format!("Largest layers ({}):", image.platform);
        for layer in image.largest_layers.iter().take(HOVER_LAYERS) {
            let _ = write!(list, "\n- {}", format_size(layer.size));
            if let Some(step) = layer.created_by.as_deref().map(short_step)
                && !step.is_empty()
            {
                let _ = write!(list, " {}", code(&step));
            }
        }
        blocks.push(list);
    }

    if let Some(page) = &report.page {
        blocks.push(format!("[View on {}]({page})", site_name(page)));
    }

    blocks.join("\n\n")
}

/// The hover while the registry has not answered yet.
pub fn pending_markdown(written: &str) -> String {
    format!(
        "Resolving {} in the registry…; hover again in a moment",
        code(written.trim())
    )
}

/// The hover when the lookup failed: the error says why (not found, rate limited, offline…).
pub fn failure_markdown(written: &str, error: &RegistryError) -> String {
    format!("{}: {error}", code(written.trim()))
}

/// The report of `dockerfile-lsp image`, for a terminal: reference, digest and media type,
/// a table of platforms, the largest layers, the slimmer variants and the page.
pub fn human(report: &ImageReport) -> String {
    let mut out = String::new();
    let image = &report.image;
    let _ = writeln!(out, "{}", image.reference);
    let _ = writeln!(out, "digest      {}", image.digest);
    let _ = writeln!(out, "media type  {}", image.media_type);

    let selected = report.selected();
    let platforms = report.platforms_in_order();
    if !platforms.is_empty() {
        let mut rows = vec![[
            "PLATFORM".to_owned(),
            "COMPRESSED".to_owned(),
            "LAYERS".to_owned(),
            "CREATED".to_owned(),
            "DIGEST".to_owned(),
        ]];
        rows.extend(platforms.iter().map(|image| {
            [
                platform_label(report, image),
                format_size(image.compressed_size),
                image.layers.to_string(),
                date(image.created.as_deref()).unwrap_or("-").to_owned(),
                short_digest(&image.digest).to_owned(),
            ]
        }));
        out.push('\n');
        out.push_str(&columns(&rows, &[false, true, true, false, false]));
    }
    if selected.is_none() {
        let _ = writeln!(out, "\n{}", not_published(report));
    }

    if let Some(image) = selected.filter(|image| !image.largest_layers.is_empty()) {
        let _ = writeln!(out, "\nLargest layers ({})", image.platform);
        let rows: Vec<[String; 2]> = image
            .largest_layers
            .iter()
            .take(HUMAN_LAYERS)
            .map(|layer| {
                [
                    format_size(layer.size),
                    layer
                        .created_by
                        .as_deref()
                        .map(short_step)
                        .unwrap_or_default(),
                ]
            })
            .collect();
        out.push_str(&indent(&columns(&rows, &[true, false])));
    }

    if !report.variants.is_empty() {
        let _ = writeln!(out, "\nSlimmer variants ({})", report.platform);
        let rows: Vec<[String; 3]> = report
            .variants
            .iter()
            .map(|variant| {
                [
                    variant.reference.clone(),
                    format_size(variant.compressed_size),
                    format!(
                        "saves {} ({}%)",
                        format_size(variant.saving),
                        variant.saving_percent
                    ),
                ]
            })
            .collect();
        out.push_str(&indent(&columns(&rows, &[false, true, false])));
    }

    if let Some(page) = &report.page {
        let _ = writeln!(out, "\n{page}");
    }
    out
}

/// The report as JSON, byte sizes as numbers: what `dockerfile-lsp image --format json` prints.
pub fn json(report: &ImageReport) -> serde_json::Value {
    // The report is plain data (no maps with other keys than strings): it always serializes.
    serde_json::to_value(report).unwrap_or(serde_json::Value::Null)
}

/// "Not published for linux/arm64 (only linux/amd64, linux/arm/v7)".
fn not_published(report: &ImageReport) -> String {
    let published: Vec<String> = report
        .image
        .platforms
        .iter()
        .map(|image| image.platform.to_string())
        .collect();
    if published.is_empty() {
        format!("Not published for {}", report.platform)
    } else {
        format!(
            "Not published for {} (only {})",
            report.platform,
            published.join(", ")
        )
    }
}

fn platform_label(report: &ImageReport, image: &PlatformImage) -> String {
    if report.selected().is_some_and(|s| s.digest == image.digest) {
        format!("{} (selected)", image.platform)
    } else {
        image.platform.to_string()
    }
}

/// `2024-06-13`: the date part of an RFC 3339 time; `None` when there is no date.
fn date(created: Option<&str>) -> Option<&str> {
    let created = created?.trim();
    let day = created.get(..10)?;
    let bytes = day.as_bytes();
    let shaped = bytes.iter().enumerate().all(|(i, b)| match i {
        4 | 7 => *b == b'-',
        _ => b.is_ascii_digit(),
    });
    shaped.then_some(day)
}

/// `sha256:0123456789abcdef…` → `0123456789ab`.
fn short_digest(digest: &str) -> &str {
    let hex = digest.split_once(':').map_or(digest, |(_, hex)| hex);
    hex.get(..12).unwrap_or(hex)
}

/// The name of the site a page is on, for the link's text.
fn site_name(page: &str) -> &'static str {
    let host = page
        .split_once("://")
        .map_or(page, |(_, rest)| rest)
        .split('/')
        .next()
        .unwrap_or_default();
    match host {
        "hub.docker.com" => "Docker Hub",
        "ghcr.io" => "GitHub",
        "quay.io" => "Quay.io",
        "mcr.microsoft.com" => "Microsoft Artifact Registry",
        "console.cloud.google.com" => "Google Cloud",
        "gallery.ecr.aws" => "Amazon ECR Public Gallery",
        _ => "registry",
    }
}

/// The build step that made a layer, as a reader wants it: one line, without the shell
/// and the `#(nop)` Docker adds, without BuildKit's build-argument prefix when it is
/// unambiguous, at most about [`STEP_CHARS`] characters.
pub fn short_step(created_by: &str) -> String {
    let text = created_by.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = text.strip_suffix(" # buildkit").unwrap_or(&text);
    let (run, rest) = match text.strip_prefix("RUN ") {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let rest = without_build_args(rest);
    let step = if let Some(instruction) = rest.strip_prefix("/bin/sh -c #(nop) ") {
        instruction.trim().to_owned()
    } else if let Some(command) = rest.strip_prefix("/bin/sh -c ") {
        format!("RUN {}", command.trim())
    } else if run {
        format!("RUN {rest}")
    } else {
        rest.to_owned()
    };
    cut(&step, STEP_CHARS)
}

/// `|2 A=1 B=2 /bin/sh -c make` → `/bin/sh -c make`; unchanged unless the count is followed
/// by that many `NAME=value` words (a value with spaces makes the prefix ambiguous).
fn without_build_args(text: &str) -> &str {
    let Some(counted) = text.strip_prefix('|') else {
        return text;
    };
    let Some((count, mut rest)) = counted.split_once(' ') else {
        return text;
    };
    let Ok(count) = count.parse::<usize>() else {
        return text;
    };
    for _ in 0..count {
        let (word, after) = rest.split_once(' ').unwrap_or((rest, ""));
        let name = word.split_once('=').map(|(name, _)| name);
        let is_name = name.is_some_and(|name| {
            let mut chars = name.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        if !is_name {
            return text;
        }
        rest = after;
    }
    if rest.starts_with('/') { rest } else { text }
}

/// At most `max` characters, the last an ellipsis when something was cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let kept: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", kept.trim_end())
}

/// Inline code that survives backticks in the text.
fn code(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// Rows as columns two spaces apart, each column left or right aligned; no trailing spaces.
fn columns<const N: usize>(rows: &[[String; N]], right: &[bool; N]) -> String {
    let mut widths = [0; N];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            let pad = " ".repeat(widths[i] - cell.chars().count());
            if right[i] {
                line.push_str(&pad);
                line.push_str(cell);
            } else {
                line.push_str(cell);
                line.push_str(&pad);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

fn indent(text: &str) -> String {
    text.lines().map(|line| format!("  {line}\n")).collect()
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, SystemTime};

    use super::*;
    use crate::registry::model::{ImageInfo, Layer, Platform, Variant};

    fn platform(text: &str) -> Platform {
        Platform::parse(text).expect("platform")
    }

    fn python() -> ImageReport {
        ImageReport {
            image: ImageInfo {
                reference: "docker.io/library/python:3.12".to_owned(),
                digest: "sha256:4d1f3f2cb8e1b0c1a9b2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4"
                    .to_owned(),
                media_type: "application/vnd.oci.image.index.v1+json".to_owned(),
                platforms: vec![
                    PlatformImage {
                        platform: platform("linux/arm64/v8"),
                        digest: "sha256:aaaabbbbccccddddeeeeffff00001111222233334444555566667777888899990"
                            .to_owned(),
                        compressed_size: 371_000_000,
                        layers: 8,
                        created: Some("2024-06-13T01:23:45.123456789Z".to_owned()),
                        largest_layers: vec![Layer {
                            size: 200_000_000,
                            created_by: Some("RUN /bin/sh -c apt-get update # buildkit".to_owned()),
                        }],
                    },
                    PlatformImage {
                        platform: platform("linux/amd64"),
                        digest: "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                            .to_owned(),
                        compressed_size: 380_400_000,
                        layers: 9,
                        created: Some("2024-06-12T22:10:00Z".to_owned()),
                        largest_layers: vec![
                            Layer {
                                size: 211_000_000,
                                created_by: Some(
                                    "RUN |2 PYTHON_VERSION=3.12.4 GPG_KEY=7169605F62C751356D054A26A821E680E5FA6305 /bin/sh -c set -eux; \t\tsavedAptMark=\"$(apt-mark showmanual)\"; \tapt-get update; \tapt-get install -y --no-install-recommends \t\tlibbluetooth-dev \t\ttk-dev \t\tuuid-dev \t; # buildkit"
                                        .to_owned(),
                                ),
                            },
                            Layer {
                                size: 64_300_000,
                                created_by: Some(
                                    "/bin/sh -c #(nop) ADD file:5d673d25da3a14ce1f6cf66e4c7fd4f4b85a3759a9d93efb3fd9ff852b5b56e4 in / "
                                        .to_owned(),
                                ),
                            },
                            Layer {
                                size: 24_100_000,
                                created_by: Some(
                                    "/bin/sh -c set -ex; \tapt-get update; \tapt-get install -y --no-install-recommends curl `dpkg --print-architecture`"
                                        .to_owned(),
                                ),
                            },
                            Layer {
                                size: 5_200_000,
                                created_by: Some("ENV LANG=C.UTF-8".to_owned()),
                            },
                            Layer {
                                size: 900,
                                created_by: None,
                            },
                        ],
                    },
                ],
            },
            platform: platform("linux/amd64"),
            variants: vec![Variant {
                reference: "python:3.12-slim".to_owned(),
                tag: "3.12-slim".to_owned(),
                digest: "sha256:5555555555555555555555555555555555555555555555555555555555555555"
                    .to_owned(),
                compressed_size: 45_100_000,
                saving: 335_300_000,
                saving_percent: 88,
            }],
            page: Some("https://hub.docker.com/_/python".to_owned()),
        }
    }

    /// A single-platform image on another registry, without the configured platform.
    fn amd64_only() -> ImageReport {
        ImageReport {
            image: ImageInfo {
                reference: "ghcr.io/acme/tool:1.2".to_owned(),
                digest: "sha256:9999999999999999999999999999999999999999999999999999999999999999"
                    .to_owned(),
                media_type: "application/vnd.docker.distribution.manifest.v2+json".to_owned(),
                platforms: vec![PlatformImage {
                    platform: platform("linux/amd64"),
                    digest:
                        "sha256:9999999999999999999999999999999999999999999999999999999999999999"
                            .to_owned(),
                    compressed_size: 12_345_678,
                    layers: 3,
                    created: None,
                    largest_layers: vec![Layer {
                        size: 12_000_000,
                        created_by: Some("COPY tool /usr/local/bin/ # buildkit".to_owned()),
                    }],
                }],
            },
            platform: platform("linux/arm64"),
            variants: Vec::new(),
            page: Some("https://ghcr.io/acme/tool".to_owned()),
        }
    }

    #[test]
    fn hover_of_a_multi_platform_image_with_a_slimmer_variant() {
        insta::assert_snapshot!(hover_markdown("python:3.12", &python()), @r#"
            **python:3.12** · `docker.io/library/python:3.12`

            `sha256:4d1f3f2cb8e1b0c1a9b2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4`

            | Platform | Compressed | Layers | Created |
            | --- | ---: | ---: | --- |
            | linux/amd64 (selected) | 380 MB | 9 | 2024-06-12 |
            | linux/arm64/v8 | 371 MB | 8 | 2024-06-13 |

            Slimmer variants:
            - `python:3.12-slim`: 45 MB, saves 335 MB (88%)

            Largest layers (linux/amd64):
            - 211 MB `RUN set -eux; savedAptMark="$(apt-mark showmanual)"; apt-get update; apt-get in…`
            - 64 MB `ADD file:5d673d25da3a14ce1f6cf66e4c7fd4f4b85a3759a9d93efb3fd9ff852b5b56e4 in /`
            - 24 MB ``RUN set -ex; apt-get update; apt-get install -y --no-install-recommends curl `d…``

            [View on Docker Hub](https://hub.docker.com/_/python)
            "#);
    }

    #[test]
    fn hover_without_variants_and_without_the_configured_platform() {
        insta::assert_snapshot!(hover_markdown("ghcr.io/acme/tool:1.2", &amd64_only()), @r"
            **ghcr.io/acme/tool:1.2**

            `sha256:9999999999999999999999999999999999999999999999999999999999999999`

            Not published for linux/arm64 (only linux/amd64)

            | Platform | Compressed | Layers | Created |
            | --- | ---: | ---: | --- |
            | linux/amd64 | 12 MB | 3 | — |

            [View on GitHub](https://ghcr.io/acme/tool)
            ");
    }

    #[test]
    fn hover_while_pending_and_after_failures() {
        insta::assert_snapshot!(pending_markdown("python:3.12"), @"Resolving `python:3.12` in the registry…; hover again in a moment");
        let not_found = RegistryError::NotFound {
            host: "registry-1.docker.io".to_owned(),
            missing: true,
        };
        insta::assert_snapshot!(failure_markdown("python:3.99", &not_found), @"`python:3.99`: not found or not authorized on registry-1.docker.io");
        insta::assert_snapshot!(failure_markdown("python:3.12", &RegistryError::Offline), @"`python:3.12`: offline: registry lookups are turned off (`registry.offline`) and nothing is cached");
        let timeout = RegistryError::Timeout {
            host: "ghcr.io".to_owned(),
            milliseconds: 5000,
        };
        insta::assert_snapshot!(failure_markdown("ghcr.io/o/r", &timeout), @"`ghcr.io/o/r`: ghcr.io did not answer within 5 s");
        let limited = RegistryError::RateLimited {
            host: "registry-1.docker.io".to_owned(),
            until: SystemTime::now() - Duration::from_secs(1),
        };
        insta::assert_snapshot!(failure_markdown("node:22", &limited), @"`node:22`: registry-1.docker.io limits requests: lookups resume now");
    }

    #[test]
    fn terminal_report_of_a_multi_platform_image() {
        insta::assert_snapshot!(human(&python()), @r#"
            docker.io/library/python:3.12
            digest      sha256:4d1f3f2cb8e1b0c1a9b2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4
            media type  application/vnd.oci.image.index.v1+json

            PLATFORM                COMPRESSED  LAYERS  CREATED     DIGEST
            linux/amd64 (selected)      380 MB       9  2024-06-12  0123456789ab
            linux/arm64/v8              371 MB       8  2024-06-13  aaaabbbbcccc

            Largest layers (linux/amd64)
              211 MB  RUN set -eux; savedAptMark="$(apt-mark showmanual)"; apt-get update; apt-get in…
               64 MB  ADD file:5d673d25da3a14ce1f6cf66e4c7fd4f4b85a3759a9d93efb3fd9ff852b5b56e4 in /
               24 MB  RUN set -ex; apt-get update; apt-get install -y --no-install-recommends curl `d…
              5.2 MB  ENV LANG=C.UTF-8
               900 B

            Slimmer variants (linux/amd64)
              python:3.12-slim  45 MB  saves 335 MB (88%)

            https://hub.docker.com/_/python
            "#);
    }

    #[test]
    fn terminal_report_without_the_configured_platform() {
        insta::assert_snapshot!(human(&amd64_only()), @r"
            ghcr.io/acme/tool:1.2
            digest      sha256:9999999999999999999999999999999999999999999999999999999999999999
            media type  application/vnd.docker.distribution.manifest.v2+json

            PLATFORM     COMPRESSED  LAYERS  CREATED  DIGEST
            linux/amd64       12 MB       3  -        999999999999

            Not published for linux/arm64 (only linux/amd64)

            https://ghcr.io/acme/tool
            ");
    }

    #[test]
    fn json_keeps_byte_sizes_as_numbers() {
        let value = json(&python());
        assert_eq!(
            value.pointer("/image/platforms/1/compressed_size"),
            Some(&serde_json::json!(380_400_000))
        );
        assert_eq!(
            value.pointer("/variants/0/saving"),
            Some(&serde_json::json!(335_300_000))
        );
        let back: ImageReport = serde_json::from_value(value).expect("an ImageReport");
        assert_eq!(back, python());
    }

    #[test]
    fn steps_lose_the_shell_and_buildkit_prefixes() {
        for (created_by, shown) in [
            ("/bin/sh -c #(nop)  CMD [\"python3\"]", "CMD [\"python3\"]"),
            ("/bin/sh -c apt-get update", "RUN apt-get update"),
            ("RUN /bin/sh -c make # buildkit", "RUN make"),
            ("RUN |1 A=1 /bin/sh -c make # buildkit", "RUN make"),
            ("|1 A=1 /bin/sh -c make", "RUN make"),
            // A value with a space: which words are arguments is unclear, so they stay.
            (
                "RUN |1 A=x y /bin/sh -c make # buildkit",
                "RUN |1 A=x y /bin/sh -c make",
            ),
            ("RUN |x A=1 make", "RUN |x A=1 make"),
            ("COPY . /app # buildkit", "COPY . /app"),
            ("WORKDIR /app", "WORKDIR /app"),
            ("", ""),
        ] {
            assert_eq!(short_step(created_by), shown, "{created_by}");
        }
        let long = short_step(&format!("/bin/sh -c {}", "é".repeat(200)));
        assert_eq!(long.chars().count(), STEP_CHARS);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code("a"), "`a`");
        assert_eq!(code("a `b` c"), "``a `b` c``");
        assert_eq!(code("`x`"), "`` `x` ``");
    }

    #[test]
    fn dates_and_sites() {
        assert_eq!(date(Some("2024-06-13T01:23:45Z")), Some("2024-06-13"));
        assert_eq!(date(Some("yesterday")), None);
        assert_eq!(date(None), None);
        assert_eq!(site_name("https://quay.io/repository/a/b"), "Quay.io");
        assert_eq!(
            site_name("https://mcr.microsoft.com/artifact/mar/dotnet/aspnet"),
            "Microsoft Artifact Registry"
        );
        assert_eq!(
            site_name("http://127.0.0.1:5000/v2/app/tags/list"),
            "registry"
        );
    }
}
