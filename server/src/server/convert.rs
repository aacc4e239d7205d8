//! Conversions between our types and LSP types: positions, ranges, diagnostics.

use ropey::Rope;
use tower_lsp_server::ls_types::{
    CodeDescription, Diagnostic, DiagnosticSeverity, NumberOrString, Position,
    PositionEncodingKind, Range, Uri,
};

use crate::analysis::rules::{Finding, documentation_url};
use crate::position::{LineCol, PositionEncoding, rope};
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

pub(crate) fn diagnostic(text: &Rope, error: &Finding, encoding: PositionEncoding) -> Diagnostic {
    Diagnostic {
        range: range(text, error.range.clone(), encoding),
        severity: Some(match error.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Info => DiagnosticSeverity::INFORMATION,
            Severity::Hint => DiagnosticSeverity::HINT,
        }),
        code: Some(NumberOrString::String(error.rule.to_owned())),
        code_description: documentation_link(error.rule),
        source: Some(SOURCE.to_owned()),
        message: error.message.clone(),
        ..Diagnostic::default()
    }
}

/// Where a rule is documented: `docs/rules/<id>.md` in the repository (syntax errors
/// have no page of their own).
fn documentation_link(rule: &str) -> Option<CodeDescription> {
    documentation_url(rule)?
        .parse::<Uri>()
        .ok()
        .map(|href| CodeDescription { href })
}
