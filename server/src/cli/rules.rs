//! `dockerfile-lsp rules`: the rule catalogue, for people and for tools.

use serde_json::json;

use crate::analysis::rules::{RULES, severity_name};

/// Every rule, as a table or as the JSON array tools read.
pub(super) fn listing(as_json: bool) -> String {
    if as_json {
        let rules: Vec<serde_json::Value> = RULES
            .iter()
            .map(|rule| {
                json!({
                    "id": rule.id,
                    "summary": rule.summary,
                    "severity": severity_name(rule.severity),
                    "aliases": rule.aliases.iter().map(|a| a.code()).collect::<Vec<_>>(),
                    "fixable": rule.fixable,
                    "enabled_by_default": rule.enabled_by_default,
                })
            })
            .collect();
        let mut text = serde_json::Value::Array(rules).to_string();
        text.push('\n');
        return text;
    }
    let width = RULES.iter().map(|r| r.id.len()).max().unwrap_or(0);
    let mut out = String::new();
    for rule in RULES {
        let aliases: Vec<&str> = rule.aliases.iter().map(|a| a.code()).collect();
        out.push_str(&format!(
            "{:width$}  {:7}  {}{}\n",
            rule.id,
            severity_name(rule.severity),
            rule.summary,
            if aliases.is_empty() {
                String::new()
            } else {
                format!(" ({})", aliases.join(", "))
            },
        ));
    }
    out
}
