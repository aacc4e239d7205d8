//! Ignore comments: our own, hadolint's pragmas, and BuildKit's `# check=skip=` directive.

use std::ops::Range;

use memchr::memmem;
use rustc_hash::FxHashSet;

use super::fixes;
use super::rules::{self, Alias, Finding};
use super::settings::Settings;
use crate::syntax::{self, Dockerfile, Edit};

/// Which tool's syntax an ignore comment uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    /// `# dockerfile-lsp ignore=...`
    Own,
    /// `# hadolint ignore=...`
    Hadolint,
}

/// What an ignore comment covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The next instruction.
    Next,
    /// The stage whose FROM follows.
    Stage,
    /// The whole file.
    Global,
}

/// One ignore comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pragma {
    pub tool: Tool,
    pub scope: Scope,
    /// The comment line, `#` to the end of the line.
    pub range: Range<usize>,
    /// The codes or rule ids listed, with their bytes.
    pub codes: Vec<(String, Range<usize>)>,
}

/// The words that start an ignore comment, after `#`.
const TOOLS: [(&str, Tool); 2] = [("hadolint", Tool::Hadolint), ("dockerfile-lsp", Tool::Own)];

/// Whether text could hold an ignore comment: it names one of the tools.
pub fn mentions_pragma(text: &[u8]) -> bool {
    TOOLS
        .iter()
        .any(|(needle, _)| memmem::find(text, needle.as_bytes()).is_some())
}

/// The ignore comments of a file (whole-line comments only, as hadolint reads them).
pub fn pragmas(src: &str) -> Vec<Pragma> {
    let mut out = Vec::new();
    for (needle, tool) in TOOLS {
        for at in memmem::find_iter(src.as_bytes(), needle.as_bytes()) {
            let line_start = src[..at].rfind('\n').map_or(0, |i| i + 1);
            let line_end = src[at..].find('\n').map_or(src.len(), |i| at + i);
            if let Some(pragma) = parse_line(src, line_start..line_end, needle, tool) {
                out.push(pragma);
            }
        }
    }
    out.sort_by_key(|p| p.range.start);
    out.dedup_by_key(|p| p.range.start);
    out
}

fn parse_line(src: &str, line: Range<usize>, needle: &str, tool: Tool) -> Option<Pragma> {
    let text = src.get(line.clone())?;
    let text = text.strip_suffix('\r').unwrap_or(text);
    let indent = text.len() - text.trim_start().len();
    let after_hash = text.trim_start().strip_prefix('#')?;
    let rest = after_hash.trim_start().strip_prefix(needle)?;
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let rest = rest.trim_start();
    let (scope, rest) = if let Some(r) = rest.strip_prefix("global") {
        (Scope::Global, r.trim_start())
    } else if let Some(r) = rest.strip_prefix("stage") {
        (Scope::Stage, r.trim_start())
    } else {
        (Scope::Next, rest)
    };
    let list = rest
        .strip_prefix("ignore")?
        .trim_start()
        .strip_prefix('=')?;
    let list_start = line.start + (text.len() - list.len());
    // The list ends at whitespace: a comment may follow (`# hadolint ignore=DL3006 # why`).
    let list = list.split([' ', '\t']).next().unwrap_or("");
    let mut codes = Vec::new();
    let mut offset = list_start;
    for code in list.split(',') {
        if !code.is_empty() {
            codes.push((code.to_owned(), offset..offset + code.len()));
        }
        offset += code.len() + 1;
    }
    Some(Pragma {
        tool,
        scope,
        range: line.start + indent..line.start + text.len(),
        codes,
    })
}

/// Whether a rule id matches a code of an ignore list: its id or one of its aliases.
fn covers(code: &str, rule_id: &str) -> bool {
    // Syntax errors are no rules: their id is their only name.
    code == rule_id || rules::by_id(rule_id).is_some_and(|rule| rules::is_named(rule, code))
}

/// The rules the `# check=skip=` directive turns off: BuildKit check names, our ids,
/// or `all` for every rule that is a BuildKit check.
fn skipped_by_check_directive(src: &str) -> FxHashSet<&'static str> {
    let mut skipped = FxHashSet::default();
    let Some((value, _, _)) = syntax::check_directive(src) else {
        return skipped;
    };
    for option in value.split(';') {
        let Some((key, list)) = option.split_once('=') else {
            continue;
        };
        if !key.trim().eq_ignore_ascii_case("skip") {
            continue;
        }
        for name in list.split(',').map(str::trim) {
            if name.eq_ignore_ascii_case("all") {
                skipped.extend(
                    rules::RULES
                        .iter()
                        .filter(|r| r.aliases.iter().any(|a| matches!(a, Alias::BuildKit(_))))
                        .map(|r| r.id),
                );
            } else {
                skipped.extend(rules::find_all(name).iter().map(|r| r.id));
            }
        }
    }
    skipped
}

/// Drops the findings that ignore comments and the check directive cover.
pub fn apply(file: &Dockerfile<'_>, settings: &Settings, findings: &mut Vec<Finding>) {
    let src = file.src();
    let skipped = skipped_by_check_directive(src);
    let pragmas = if settings.disable_ignore_pragma {
        Vec::new()
    } else {
        pragmas(src)
    };
    if skipped.is_empty() && pragmas.is_empty() {
        return;
    }
    // Each pragma with the bytes it covers.
    let covered: Vec<(Range<usize>, &Pragma)> = pragmas
        .iter()
        .filter_map(|pragma| {
            let range = match pragma.scope {
                Scope::Global => 0..src.len(),
                Scope::Next => {
                    let next = next_code_line(src, pragma.range.end)?;
                    file.instruction_at(next)?.node().byte_range()
                }
                Scope::Stage => {
                    let next = next_code_line(src, pragma.range.end)?;
                    file.stage_node_at(next)?.byte_range()
                }
            };
            Some((range, pragma))
        })
        .collect();
    findings.retain(|finding| {
        if skipped.contains(finding.rule) {
            return false;
        }
        !covered.iter().any(|(range, pragma)| {
            range.contains(&finding.range.start)
                && pragma
                    .codes
                    .iter()
                    .any(|(code, _)| covers(code, finding.rule))
        })
    });
}

/// The edit that makes an ignore comment of ours cover `rule_id`: for the instruction
/// at `at` (`Scope::Next`) or for the file (`Scope::Global`). An ignore comment of ours
/// already there gets the id added to its list; else a new comment line is inserted
/// (for the file: after the parser directives, which must stay first).
pub fn ignore_edit(file: &Dockerfile<'_>, at: usize, rule_id: &str, scope: Scope) -> Option<Edit> {
    let src = file.src();
    let existing = pragmas(src).into_iter().find(|p| {
        p.tool == Tool::Own
            && p.scope == scope
            && match scope {
                Scope::Global => true,
                _ => file
                    .instruction_at(at)
                    .zip(next_code_line(src, p.range.end))
                    .is_some_and(|(i, next)| i.node().byte_range().contains(&next)),
            }
    });
    if let Some(pragma) = existing {
        let (_, last) = pragma.codes.last()?;
        return Some(Edit::insert(last.end, format!(",{rule_id}")));
    }
    match scope {
        Scope::Next => {
            let instruction = file.instruction_at(at)?;
            Some(fixes::lines::insert_line_before(
                &instruction,
                &format!("# dockerfile-lsp ignore={rule_id}"),
            ))
        }
        Scope::Global => {
            let after_directives =
                file.directives()
                    .map(|d| d.node.end_byte())
                    .max()
                    .map_or(0, |end| {
                        let end = fixes::lines::line_end(src, end.saturating_sub(1));
                        (end + fixes::lines::newline(src).len()).min(src.len())
                    });
            let nl = fixes::lines::newline(src);
            let text = if after_directives == src.len() && !src.is_empty() && !src.ends_with('\n') {
                format!("{nl}# dockerfile-lsp global ignore={rule_id}{nl}")
            } else {
                format!("# dockerfile-lsp global ignore={rule_id}{nl}")
            };
            Some(Edit::insert(after_directives, text))
        }
        Scope::Stage => None,
    }
}

/// The start of the first line after `from` that is neither blank nor a comment.
fn next_code_line(src: &str, from: usize) -> Option<usize> {
    let mut at = src[from..].find('\n').map(|i| from + i + 1)?;
    while at < src.len() {
        let end = src[at..].find('\n').map_or(src.len(), |i| at + i);
        let line = src[at..end].trim();
        if !line.is_empty() && !line.starts_with('#') {
            let indent = src[at..end].len() - src[at..end].trim_start().len();
            return Some(at + indent);
        }
        at = end + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{self, settings::Context};
    use crate::syntax::FileKind;

    fn rules_found(text: &str) -> Vec<(usize, &'static str)> {
        analysis::check(FileKind::Dockerfile, text, &Context::default())
            .into_iter()
            // Every final stage here runs as root: not what these tests are about.
            .filter(|f| f.rule != "missing-user")
            .map(|f| (text[..f.range.start].matches('\n').count() + 1, f.rule))
            .collect()
    }

    #[test]
    fn pragmas_are_parsed_with_their_scope_and_codes() {
        let text = "# hadolint global ignore=DL3006,DL3007\nFROM a\n  #  hadolint ignore=DL3000   # because\nWORKDIR x\n# dockerfile-lsp stage ignore=workdir-relative\n# hadolint is great\n";
        let found = pragmas(text);
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].scope, Scope::Global);
        let codes: Vec<&str> = found[0].codes.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(codes, ["DL3006", "DL3007"]);
        assert_eq!(&text[found[0].codes[1].1.clone()], "DL3007");
        assert_eq!(
            (found[1].scope, found[1].tool),
            (Scope::Next, Tool::Hadolint)
        );
        assert_eq!(found[1].codes[0].0, "DL3000");
        assert_eq!((found[2].scope, found[2].tool), (Scope::Stage, Tool::Own));
    }

    #[test]
    fn next_instruction_only() {
        let text = "FROM alpine:3.20\n# hadolint ignore=DL3000\n\n# another comment\nWORKDIR app\nWORKDIR lib\n";
        assert_eq!(rules_found(text), [(6, "workdir-relative")]);
    }

    #[test]
    fn own_ids_and_aliases_of_other_tools() {
        let text = "FROM alpine:3.20\n# dockerfile-lsp ignore=workdir-relative\nWORKDIR app\n# dockerfile-lsp ignore=WorkdirRelativePath\nWORKDIR lib\n";
        assert!(rules_found(text).is_empty());
    }

    #[test]
    fn global_and_stage_scopes() {
        let text = "# hadolint global ignore=DL3007\nFROM node:latest\n# hadolint stage ignore=DL3000\nFROM alpine:3.20\nWORKDIR a\nFROM alpine:3.20\nWORKDIR b\n";
        assert_eq!(rules_found(text), [(7, "workdir-relative")]);
    }

    #[test]
    fn buildkit_check_directive() {
        let text = "# check=skip=WorkdirRelativePath\nFROM node:latest\nWORKDIR a\n";
        let expected = [(2, "image-latest-tag"), (2, "prefer-slim-base")];
        assert_eq!(rules_found(text), expected);
        let text = "# check=skip=all\nFROM node:latest\nWORKDIR a\nmaintainer me\n";
        // `all` is every BuildKit check; hadolint-only rules and ours still run.
        assert_eq!(rules_found(text), expected);
    }

    #[test]
    fn pragmas_can_be_disabled() {
        let text = "FROM alpine:3.20\n# hadolint ignore=DL3000\nWORKDIR app\nUSER app\n";
        let settings = Settings {
            disable_ignore_pragma: true,
            ..Settings::default()
        };
        let context = Context {
            settings: std::sync::Arc::new(settings),
            ..Context::default()
        };
        let found = analysis::check(FileKind::Dockerfile, text, &context);
        assert_eq!(found.len(), 1);
    }

    #[test]
    fn a_pragma_inside_a_continuation_covers_its_instruction() {
        let text = "FROM alpine:3.20\n# hadolint ignore=DL3000\nWORKDIR \\\n  app\nWORKDIR b\n";
        assert_eq!(rules_found(text), [(5, "workdir-relative")]);
    }
}

#[cfg(test)]
mod ignore_edit_tests {
    use super::*;
    use crate::analysis::fixes::apply_edits;
    use crate::analysis::{self, settings::Context};
    use crate::syntax::FileKind;

    /// The text with an ignore comment for the first finding of `rule`, and whether
    /// that rule is still found after.
    fn ignored(text: &str, rule: &str, scope: Scope) -> (String, bool) {
        let findings = analysis::check(FileKind::Dockerfile, text, &Context::default());
        let finding = findings.iter().find(|f| f.rule == rule).expect("finding");
        let tree = syntax::parse(FileKind::Dockerfile, text, None).expect("parse");
        let file = Dockerfile::new(&tree, text);
        let edit = ignore_edit(&file, finding.range.start, rule, scope).expect("edit");
        let after = apply_edits(text, &[edit]).expect("applies");
        let still = analysis::check(FileKind::Dockerfile, &after, &Context::default())
            .iter()
            .any(|f| f.rule == rule);
        (after, still)
    }

    #[test]
    fn an_ignore_comment_for_the_instruction_goes_above_it_indented() {
        let (text, still) = ignored("FROM a:1\n  WORKDIR b\n", "workdir-relative", Scope::Next);
        assert_eq!(
            text,
            "FROM a:1\n  # dockerfile-lsp ignore=workdir-relative\n  WORKDIR b\n"
        );
        assert!(!still);
        let (text, still) = ignored(
            "FROM a:1\n# dockerfile-lsp ignore=image-latest-tag\nWORKDIR b\n",
            "workdir-relative",
            Scope::Next,
        );
        assert_eq!(
            text,
            "FROM a:1\n# dockerfile-lsp ignore=image-latest-tag,workdir-relative\nWORKDIR b\n"
        );
        assert!(!still);
    }

    #[test]
    fn an_ignore_comment_for_the_file_goes_after_the_directives() {
        let (text, still) = ignored(
            "# syntax=docker/dockerfile:1\r\n# escape=`\r\nFROM a:1\r\nWORKDIR b\r\n",
            "workdir-relative",
            Scope::Global,
        );
        assert_eq!(
            text,
            "# syntax=docker/dockerfile:1\r\n# escape=`\r\n# dockerfile-lsp global ignore=workdir-relative\r\nFROM a:1\r\nWORKDIR b\r\n"
        );
        assert!(!still);
        let (text, _) = ignored("FROM a:1\nWORKDIR b\n", "workdir-relative", Scope::Global);
        assert!(text.starts_with("# dockerfile-lsp global ignore=workdir-relative\nFROM"));
    }
}
