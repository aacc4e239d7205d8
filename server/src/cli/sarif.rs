//! The report for code scanning services: a SARIF 2.1.0 log, in the subset
//! GitHub code scanning reads (rules with help, results with one location).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::located::{Located, rule_for, slash_path};
use crate::analysis::rules::{Rule, documentation, documentation_url};
use crate::syntax::Severity;

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

#[derive(Debug, Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    results: Vec<SarifResult<'a>>,
    /// Columns count Unicode characters, as in every report of this tool.
    column_kind: &'static str,
}

#[derive(Debug, Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    information_uri: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<Descriptor>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    id: &'static str,
    short_description: Text,
    full_description: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    help: Help,
    default_configuration: Configuration,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<Properties>,
}

#[derive(Debug, Serialize)]
struct Text {
    text: String,
}

#[derive(Debug, Serialize)]
struct Help {
    text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    markdown: Option<String>,
}

#[derive(Debug, Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Debug, Serialize)]
struct Properties {
    tags: Vec<&'static str>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: MessageRef<'a>,
    locations: [Location; 1],
}

#[derive(Debug, Serialize)]
struct MessageRef<'a> {
    text: &'a str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Debug, Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u64,
    start_column: u64,
    end_line: u64,
    end_column: u64,
}

/// The log for `findings`, ending with a line break.
pub(super) fn report(findings: &[Located]) -> serde_json::Result<String> {
    // Rules with results, by id; a syntax error's level is that of its most
    // serious result, since syntax errors have no rule to say it.
    let mut reported: BTreeMap<&'static str, Severity> = BTreeMap::new();
    for located in findings {
        let severity = located.finding.severity;
        reported
            .entry(located.finding.rule)
            .and_modify(|worst| *worst = (*worst).min(severity))
            .or_insert(severity);
    }
    let index: BTreeMap<&str, usize> = reported
        .keys()
        .enumerate()
        .map(|(i, id)| (*id, i))
        .collect();
    let rules = reported
        .iter()
        .map(|(id, worst)| match rule_for(id) {
            Some(rule) => rule_descriptor(rule),
            None => syntax_descriptor(id, *worst),
        })
        .collect();
    let results = findings
        .iter()
        .map(|located| SarifResult {
            rule_id: located.finding.rule,
            rule_index: index.get(located.finding.rule).copied().unwrap_or_default(),
            level: level(located.finding.severity),
            message: MessageRef {
                text: &located.finding.message,
            },
            locations: [Location {
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation {
                        uri: artifact_uri(&located.path),
                    },
                    region: Region {
                        start_line: located.start.line,
                        start_column: located.start.column,
                        end_line: located.end.line,
                        end_column: located.end.column,
                    },
                },
            }],
        })
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "dockerfile-lsp",
                    information_uri: env!("CARGO_PKG_REPOSITORY"),
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules,
                },
            },
            results,
            column_kind: "unicodeCodePoints",
        }],
    };
    let mut text = serde_json::to_string_pretty(&log)?;
    text.push('\n');
    Ok(text)
}

fn rule_descriptor(rule: &'static Rule) -> Descriptor {
    let explanation = rule.explanation.trim();
    let help_uri = documentation_url(rule.id);
    let mut help = format!("{}\n\n{explanation}", rule.summary);
    if let Some(url) = &help_uri {
        help.push_str(&format!("\n\n{url}"));
    }
    let tags: Vec<&'static str> = rule.aliases.iter().map(|a| a.code()).collect();
    Descriptor {
        id: rule.id,
        short_description: Text {
            text: rule.summary.to_owned(),
        },
        full_description: Text {
            text: explanation.to_owned(),
        },
        help_uri,
        help: Help {
            text: help,
            markdown: Some(documentation(rule)),
        },
        default_configuration: Configuration {
            level: level(rule.severity),
        },
        properties: (!tags.is_empty()).then_some(Properties { tags }),
    }
}

/// Syntax errors have no rule; their id says what they are about.
fn syntax_descriptor(id: &'static str, severity: Severity) -> Descriptor {
    let topic = id.strip_prefix("syntax-").unwrap_or(id).replace('-', " ");
    let full = "The file does not follow Dockerfile syntax as BuildKit reads it; \
                the message of each result says what is wrong and how to fix it.";
    Descriptor {
        id,
        short_description: Text {
            text: format!("Syntax: {topic}"),
        },
        full_description: Text {
            text: full.to_owned(),
        },
        help_uri: None,
        help: Help {
            text: full.to_owned(),
            markdown: None,
        },
        default_configuration: Configuration {
            level: level(severity),
        },
        properties: None,
    }
}

/// SARIF has no level below `note`: infos and hints are notes.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "note",
    }
}

/// The path as a URI reference: relative paths stay relative (code scanning
/// resolves them against the repository root), with `/` separators and
/// percent-encoding where a URI needs it; absolute paths become `file:` URIs.
fn artifact_uri(path: &Path) -> String {
    let text = slash_path(path);
    if path.is_absolute() {
        let encoded = percent_encode(&text, b":");
        if encoded.starts_with('/') {
            format!("file://{encoded}")
        } else {
            format!("file:///{encoded}")
        }
    } else {
        // A `:` stays encoded so that `a:b/Dockerfile` cannot read as a scheme.
        percent_encode(&text, b"")
    }
}

fn percent_encode(text: &str, also_kept: &[u8]) -> String {
    const KEPT: &[u8] = b"-._~!$&'()*+,;=@/";
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || KEPT.contains(&byte) || also_kept.contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_stay_relative_and_are_encoded() {
        assert_eq!(artifact_uri(Path::new("app/Dockerfile")), "app/Dockerfile");
        assert_eq!(artifact_uri(Path::new("./Dockerfile")), "./Dockerfile");
        assert_eq!(
            artifact_uri(Path::new("my app/Dockerfile.dév")),
            "my%20app/Dockerfile.d%C3%A9v"
        );
        assert_eq!(
            artifact_uri(Path::new("a:b/Dockerfile")),
            "a%3Ab/Dockerfile"
        );
        assert_eq!(
            artifact_uri(Path::new("50%/Dockerfile")),
            "50%25/Dockerfile"
        );
    }

    #[cfg(unix)]
    #[test]
    fn absolute_paths_become_file_uris() {
        assert_eq!(
            artifact_uri(Path::new("/src/my app/Dockerfile")),
            "file:///src/my%20app/Dockerfile"
        );
    }

    #[test]
    fn infos_and_hints_are_notes() {
        assert_eq!(level(Severity::Error), "error");
        assert_eq!(level(Severity::Warning), "warning");
        assert_eq!(level(Severity::Info), "note");
        assert_eq!(level(Severity::Hint), "note");
    }
}
