//! The report for scripts: one JSON array of findings with their rule's metadata.

use serde::Serialize;

use super::located::Located;
use crate::analysis::rules::severity_name;

/// One finding as the JSON report gives it; fields are written in this order.
#[derive(Debug, Serialize)]
struct Entry<'a> {
    path: String,
    line: u64,
    column: u64,
    end_line: u64,
    end_column: u64,
    rule: &'a str,
    aliases: Vec<&'static str>,
    severity: &'static str,
    message: &'a str,
    fixable: bool,
}

/// The whole report, `[]` when nothing was found, ending with a line break.
pub(super) fn report(findings: &[Located]) -> serde_json::Result<String> {
    let entries: Vec<Entry<'_>> = findings
        .iter()
        .map(|located| Entry {
            path: located.path.display().to_string(),
            line: located.start.line,
            column: located.start.column,
            end_line: located.end.line,
            end_column: located.end.column,
            rule: located.finding.rule,
            aliases: located.aliases(),
            severity: severity_name(located.finding.severity),
            message: &located.finding.message,
            fixable: located.rule().is_some_and(|rule| rule.fixable),
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&entries)?;
    text.push('\n');
    Ok(text)
}
