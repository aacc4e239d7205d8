//! Conversions between our types and LSP types: positions, ranges, diagnostics.

use ropey::Rope;
use rustc_hash::FxHashMap;
use tower_lsp_server::ls_types::{
    CodeDescription, Diagnostic, DiagnosticSeverity, DiagnosticTag, NumberOrString, Position,
    PositionEncodingKind, Range, Uri,
};

use crate::analysis::rules::{self, Finding, Tag, documentation_url};
use crate::position::{LineCol, LineIndex, PositionEncoding, rope};
use crate::syntax::Severity;

pub(crate) const SOURCE: &str = "dockerfile-lsp";

/// The encoding to use: UTF-8 when the client offers it (no conversion work), else UTF-16.
pub(crate) fn negotiate(offered: Option<&[PositionEncodingKind]>) -> PositionEncoding {
    match offered {
        Some(kinds) if kinds.contains(&PositionEncodingKind::UTF8) => PositionEncoding::Utf8,
        _ => PositionEncoding::Utf16,
    }
}

pub(crate) fn encoding_kind(encoding: PositionEncoding) -> PositionEncodingKind {
    match encoding {
        PositionEncoding::Utf8 => PositionEncodingKind::UTF8,
        PositionEncoding::Utf16 => PositionEncodingKind::UTF16,
        PositionEncoding::Utf32 => PositionEncodingKind::UTF32,
    }
}

pub(crate) fn line_col(position: Position) -> LineCol {
    LineCol {
        line: position.line,
        col: position.character,
    }
}

pub(crate) fn position(text: &Rope, offset: usize, encoding: PositionEncoding) -> Position {
    let at = rope::position(text, offset, encoding);
    Position::new(at.line, at.col)
}

pub(crate) fn range(
    text: &Rope,
    bytes: std::ops::Range<usize>,
    encoding: PositionEncoding,
) -> Range {
    Range::new(
        position(text, bytes.start, encoding),
        position(text, bytes.end, encoding),
    )
}

/// Bytes of the indexed text as an LSP range.
pub(crate) fn index_range(
    index: &LineIndex,
    bytes: std::ops::Range<usize>,
    encoding: PositionEncoding,
) -> Range {
    let at = |offset: usize| {
        let p = index.position(offset, encoding);
        Position::new(p.line, p.col)
    };
    Range::new(at(bytes.start), at(bytes.end))
}

/// A finding as a diagnostic. Positions come from a line index of the whole text:
/// a document can have thousands of findings, and the index answers each in a binary
/// search where the rope needs several tree walks.
pub(crate) fn diagnostic(
    index: &LineIndex,
    error: &Finding,
    encoding: PositionEncoding,
) -> Diagnostic {
    Diagnostic {
        range: index_range(index, error.range.clone(), encoding),
        severity: Some(match error.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Info => DiagnosticSeverity::INFORMATION,
            Severity::Hint => DiagnosticSeverity::HINT,
        }),
        code: Some(NumberOrString::String(error.rule.to_owned())),
        code_description: documentation_link(error.rule),
        tags: tags(error.rule),
        source: Some(SOURCE.to_owned()),
        message: error.message.to_string(),
        ..Diagnostic::default()
    }
}

fn tags(rule: &str) -> Option<Vec<DiagnosticTag>> {
    let tags: Vec<DiagnosticTag> = rules::by_id(rule)?
        .tags
        .iter()
        .map(|tag| match tag {
            Tag::Unnecessary => DiagnosticTag::UNNECESSARY,
            Tag::Deprecated => DiagnosticTag::DEPRECATED,
        })
        .collect();
    (!tags.is_empty()).then_some(tags)
}

/// Keeps at most `max` findings, the most serious first (in source order within a
/// severity); returns how many were dropped.
pub(crate) fn keep_most_serious(findings: &mut Vec<Finding>, max: usize) -> usize {
    if findings.len() <= max {
        return 0;
    }
    let dropped = findings.len() - max;
    // Stable: source order is kept within each severity.
    findings.sort_by_key(|f| f.severity);
    findings.truncate(max);
    findings.sort_by_key(|f| (f.range.start, f.range.end));
    dropped
}

/// The note that says findings were left out.
pub(crate) fn too_many(hidden: usize, max: usize) -> Diagnostic {
    Diagnostic {
        range: Range::default(),
        severity: Some(DiagnosticSeverity::INFORMATION),
        code: Some(NumberOrString::String("too-many-findings".to_owned())),
        source: Some(SOURCE.to_owned()),
        message: format!(
            "{hidden} more findings are not shown: an editor shows at most {max} per file (run `dockerfile-lsp check` for all of them)"
        ),
        ..Diagnostic::default()
    }
}

/// Where a rule is documented: `docs/rules/<id>.md` in the repository (syntax errors
/// have no page of their own).
fn documentation_link(rule: &'static str) -> Option<CodeDescription> {
    // Parsed once per rule: a document can have thousands of findings.
    static LINKS: std::sync::Mutex<Option<FxHashMap<&'static str, Option<Uri>>>> =
        std::sync::Mutex::new(None);
    let mut links = LINKS.lock().unwrap_or_else(|e| e.into_inner());
    let href = links
        .get_or_insert_with(FxHashMap::default)
        .entry(rule)
        .or_insert_with(|| documentation_url(rule)?.parse::<Uri>().ok())
        .clone()?;
    Some(CodeDescription { href })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(start: usize, severity: Severity) -> Finding {
        Finding {
            rule: "r",
            message: "".into(),
            range: start..start + 1,
            severity,
            fix: None,
        }
    }

    #[test]
    fn the_most_serious_findings_are_kept_in_source_order() {
        let mut findings = vec![
            finding(0, Severity::Info),
            finding(1, Severity::Error),
            finding(2, Severity::Hint),
            finding(3, Severity::Warning),
            finding(4, Severity::Error),
        ];
        assert_eq!(keep_most_serious(&mut findings, 3), 2);
        let kept: Vec<usize> = findings.iter().map(|f| f.range.start).collect();
        assert_eq!(kept, [1, 3, 4]);
        assert_eq!(keep_most_serious(&mut findings, 3), 0);
    }
}
