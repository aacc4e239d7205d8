//! `dockerfile-lsp explain RULE`: a rule's documentation page, found by its id or another tool's code.

use crate::analysis::rules::{self, RULES, Rule};
use crate::syntax::edit_distance;

/// Why no page can be shown: what was asked, and the names closest to it.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Unknown {
    pub asked: String,
    pub close: Vec<&'static str>,
}

impl std::fmt::Display for Unknown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "error: no rule is named `{}`", self.asked)?;
        match self.close.as_slice() {
            [] => write!(f, "\n  `dockerfile-lsp rules` lists every rule"),
            close => write!(f, "\n  did you mean: {}?", close.join(", ")),
        }
    }
}

/// The documentation (markdown, as in `docs/rules/<id>.md`) of every rule known
/// as `name`: its id in any case, or a hadolint, BuildKit or Trivy code. A code of
/// another tool can name several rules: each page is given, separated by a rule.
pub(super) fn explain(name: &str) -> Result<String, Unknown> {
    let name = name.trim();
    let mut found = rules::find_all(name);
    if found.is_empty() {
        found.extend(
            RULES
                .iter()
                .copied()
                .filter(|r| r.id.eq_ignore_ascii_case(name)),
        );
    }
    if found.is_empty() {
        return Err(Unknown {
            asked: name.to_owned(),
            close: close_names(name),
        });
    }
    let pages: Vec<String> = found.into_iter().map(page).collect();
    Ok(pages.join("\n---\n\n"))
}

fn page(rule: &Rule) -> String {
    let mut text = rules::documentation(rule);
    if let Some(url) = rules::documentation_url(rule.id) {
        text.push_str(&format!("\nOnline: {url}\n"));
    }
    text
}

/// Up to three rules with a name within a few edits of `name`, closest first, each
/// by its closest name (its id or another tool's code).
fn close_names(name: &str) -> Vec<&'static str> {
    let asked = name.to_ascii_lowercase();
    let limit = (asked.chars().count() / 3).clamp(1, 4);
    let mut candidates: Vec<(usize, &'static str)> = RULES
        .iter()
        .filter_map(|r| {
            std::iter::once(r.id)
                .chain(r.aliases.iter().map(|a| a.code()))
                .map(|candidate| {
                    let distance = edit_distance(&asked, &candidate.to_ascii_lowercase());
                    (distance, candidate)
                })
                .min()
        })
        .filter(|(distance, _)| *distance <= limit)
        .collect();
    candidates.sort();
    candidates.dedup_by_key(|(_, candidate)| *candidate);
    candidates.into_iter().take(3).map(|(_, c)| c).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_is_found_by_its_id_in_any_case_or_by_another_tools_code() -> Result<(), Unknown> {
        let page = explain("stage-name-casing")?;
        assert!(page.starts_with("# stage-name-casing\n"), "{page}");
        assert_eq!(explain("Stage-Name-Casing")?, page);
        assert_eq!(explain("StageNameCasing")?, page);
        assert_eq!(explain("stagenamecasing")?, page);
        assert!(explain("DL3008")?.starts_with("# apt-package-unpinned\n"));
        assert!(explain("dl3008")?.starts_with("# apt-package-unpinned\n"));
        Ok(())
    }

    #[test]
    fn the_page_is_the_rules_documentation_with_its_address() -> Result<(), Unknown> {
        let rule = rules::by_id("workdir-relative").ok_or(Unknown {
            asked: String::new(),
            close: Vec::new(),
        })?;
        let page = explain("workdir-relative")?;
        assert!(page.starts_with(&rules::documentation(rule)));
        assert!(
            page.ends_with("/docs/rules/workdir-relative.md\n"),
            "{page}"
        );
        Ok(())
    }

    #[test]
    fn an_unknown_rule_suggests_the_closest_names() {
        let unknown = explain("stage-name-casng").expect_err("no such rule");
        assert_eq!(unknown.close.first(), Some(&"stage-name-casing"));
        assert_eq!(
            explain("DL3009x").expect_err("no such rule").close.first(),
            Some(&"DL3009")
        );
        let nothing = explain("frobnicate-everything").expect_err("no such rule");
        assert_eq!(
            nothing.to_string(),
            "error: no rule is named `frobnicate-everything`\n  `dockerfile-lsp rules` lists every rule"
        );
    }
}
