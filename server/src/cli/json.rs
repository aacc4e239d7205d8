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
    /// The finding has a fix (in the editor, or with `--fix` when it is safe).
    fixable: bool,
    fix: Option<FixEntry<'a>>,
}

#[derive(Debug, Serialize)]
struct FixEntry<'a> {
    title: &'a str,
    /// `check --fix` applies it.
    safe: bool,
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
            fixable: located.finding.fix.is_some(),
            fix: located.finding.fix.as_deref().map(|fix| FixEntry {
                title: &fix.title,
                safe: fix.is_safe(),
            }),
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&entries)?;
    text.push('\n');
    Ok(text)
}
