//! The report for code scanning services: a SARIF 2.1.0 log built from `serde-sarif`'s types,
//! with what GitHub code scanning reads (rules with help, results with one location) and
//! each result's fix.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde_sarif::sarif::{
    ArtifactChange, ArtifactContent, ArtifactLocation, Fix, Location, Message,
    MultiformatMessageString, PhysicalLocation, PropertyBag, Region, Replacement,
    ReportingConfiguration, ReportingConfigurationLevel, ReportingDescriptor, ResultColumnKind,
    ResultLevel, Run, Sarif, Tool, ToolComponent, Version,
};

use super::located::{Located, Position, rule_for, slash_path};
use crate::analysis::rules::{Rule, documentation, documentation_url};
use crate::syntax::Severity;

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

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
    let index: BTreeMap<&str, i64> = reported.keys().zip(0..).map(|(id, i)| (*id, i)).collect();
    let rules: Vec<ReportingDescriptor> = reported
        .iter()
        .map(|(id, worst)| match rule_for(id) {
            Some(rule) => rule_descriptor(rule),
            None => syntax_descriptor(id, *worst),
        })
        .collect();
    let results: Vec<serde_sarif::sarif::Result> = findings
        .iter()
        .map(|located| result(located, index.get(located.finding.rule).copied()))
        .collect();
    let driver = ToolComponent::builder()
        .name("dockerfile-lsp")
        .information_uri(env!("CARGO_PKG_REPOSITORY"))
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .rules(rules)
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        // Columns count Unicode characters, as in every report of this tool.
        .column_kind(ResultColumnKind::UnicodeCodePoints.to_string())
        .build();
    let log = Sarif::builder()
        .schema(SCHEMA)
        .version(Version::V2_1_0.to_string())
        .runs(vec![run])
        .build();
    let mut text = serde_json::to_string_pretty(&log)?;
    text.push('\n');
    Ok(text)
}

fn result(located: &Located, rule_index: Option<i64>) -> serde_sarif::sarif::Result {
    let finding = &located.finding;
    let uri = artifact_uri(&located.path);
    let location = Location::builder()
        .physical_location(
            PhysicalLocation::builder()
                .artifact_location(ArtifactLocation::builder().uri(uri.clone()).build())
                .region(region(located.start, located.end))
                .build(),
        )
        .build();
    let fixes: Vec<Fix> = finding
        .fix
        .as_deref()
        .filter(|_| !located.edits.is_empty())
        .map(|fix| {
            let replacements: Vec<Replacement> = located
                .edits
                .iter()
                .map(|(start, end, text)| {
                    Replacement::builder()
                        .deleted_region(region(*start, *end))
                        .inserted_content(ArtifactContent::builder().text(text.clone()).build())
                        .build()
                })
                .collect();
            Fix::builder()
                .description(Message::builder().text(fix.title.clone()).build())
                .artifact_changes(vec![
                    ArtifactChange::builder()
                        .artifact_location(ArtifactLocation::builder().uri(uri.clone()).build())
                        .replacements(replacements)
                        .build(),
                ])
                .build()
        })
        .into_iter()
        .collect();
    let builder = serde_sarif::sarif::Result::builder()
        .rule_id(finding.rule)
        .level(level(finding.severity))
        .message(Message::builder().text(finding.message.to_string()).build())
        .locations(vec![location]);
    match (rule_index, fixes.is_empty()) {
        (Some(i), true) => builder.rule_index(i).build(),
        (Some(i), false) => builder.rule_index(i).fixes(fixes).build(),
        (None, true) => builder.build(),
        (None, false) => builder.fixes(fixes).build(),
    }
}

fn region(start: Position, end: Position) -> Region {
    let number = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    Region::builder()
        .start_line(number(start.line))
        .start_column(number(start.column))
        .end_line(number(end.line))
        .end_column(number(end.column))
        .build()
}

fn text(text: impl Into<String>) -> MultiformatMessageString {
    MultiformatMessageString::builder().text(text).build()
}

fn rule_descriptor(rule: &'static Rule) -> ReportingDescriptor {
    let explanation = rule.explanation.trim();
    let mut help = format!("{}\n\n{explanation}", rule.summary);
    let help_uri = documentation_url(rule.id);
    if let Some(url) = &help_uri {
        help.push_str(&format!("\n\n{url}"));
    }
    let tags: Vec<String> = rule.aliases.iter().map(|a| a.code().to_owned()).collect();
    let builder = ReportingDescriptor::builder()
        .id(rule.id)
        .short_description(text(rule.summary))
        .full_description(text(explanation))
        .help(
            MultiformatMessageString::builder()
                .text(help)
                .markdown(documentation(rule))
                .build(),
        )
        .default_configuration(configuration(rule.severity));
    let properties = (!tags.is_empty()).then(|| PropertyBag::builder().tags(tags).build());
    match (help_uri, properties) {
        (Some(uri), Some(p)) => builder.help_uri(uri).properties(p).build(),
        (Some(uri), None) => builder.help_uri(uri).build(),
        (None, Some(p)) => builder.properties(p).build(),
        (None, None) => builder.build(),
    }
}

/// Syntax errors have no rule; their id says what they are about.
fn syntax_descriptor(id: &'static str, severity: Severity) -> ReportingDescriptor {
    let topic = id.strip_prefix("syntax-").unwrap_or(id).replace('-', " ");
    let full = "The file does not follow Dockerfile syntax as BuildKit reads it; \
                the message of each result says what is wrong and how to fix it.";
    ReportingDescriptor::builder()
        .id(id)
        .short_description(text(format!("Syntax: {topic}")))
        .full_description(text(full))
        .help(text(full))
        .default_configuration(configuration(severity))
        .build()
}

fn configuration(severity: Severity) -> ReportingConfiguration {
    let level = match level(severity) {
        ResultLevel::Error => ReportingConfigurationLevel::Error,
        ResultLevel::Warning => ReportingConfigurationLevel::Warning,
        ResultLevel::Note => ReportingConfigurationLevel::Note,
        ResultLevel::None => ReportingConfigurationLevel::None,
    };
    ReportingConfiguration::builder()
        .level(level.to_string())
        .build()
}

/// SARIF has no level below `note`: infos and hints are notes.
fn level(severity: Severity) -> ResultLevel {
    match severity {
        Severity::Error => ResultLevel::Error,
        Severity::Warning => ResultLevel::Warning,
        Severity::Info | Severity::Hint => ResultLevel::Note,
    }
}

/// The path as a URI reference: relative paths stay relative (code scanning
/// resolves them against the repository root), with `/` separators and
/// percent-encoding where a URI needs it; absolute paths become `file:` URIs.
fn artifact_uri(path: &Path) -> String {
    if path.is_absolute() {
        // A `file:` URI with `.` or `..` segments is not valid SARIF (SARIF1002).
        let text = slash_path(&without_dot_segments(path));
        let encoded = percent_encode(&text, b":");
        if encoded.starts_with('/') {
            format!("file://{encoded}")
        } else {
            format!("file:///{encoded}")
        }
    } else {
        // A `:` stays encoded so that `a:b/Dockerfile` cannot read as a scheme.
        percent_encode(&slash_path(path), b"")
    }
}

/// An absolute path with `.` and `..` resolved by name (`/a/b/../c` is `/a/c`), as a
/// URI resolves them, without asking the file system about links.
fn without_dot_segments(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
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
        assert_eq!(
            artifact_uri(Path::new(
                "/work/repo/server/../../shared/./corpus/Dockerfile"
            )),
            "file:///work/shared/corpus/Dockerfile"
        );
    }

    #[test]
    fn infos_and_hints_are_notes() {
        assert_eq!(level(Severity::Error), ResultLevel::Error);
        assert_eq!(level(Severity::Warning), ResultLevel::Warning);
        assert_eq!(level(Severity::Info), ResultLevel::Note);
        assert_eq!(level(Severity::Hint), ResultLevel::Note);
    }
}
