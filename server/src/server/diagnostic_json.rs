//! Diagnostics as JSON, remembered per document: a keystroke writes anew only the diagnostics it changed.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHasher};
use tower_lsp_server::ls_types::Diagnostic;

use super::convert;
use crate::analysis::rules::Finding;
use crate::position::{LineIndex, PositionEncoding};
use crate::syntax::Severity;

/// A diagnostic's JSON is decided by its rule, message, severity and LSP range; the
/// rest (code, link, tags, source) follows from the rule.
#[derive(Debug, PartialEq, Eq)]
struct Decided {
    rule: &'static str,
    message: Arc<str>,
    severity: Severity,
    range: [u32; 4],
}

/// The JSON of the diagnostics last published for one document. A document with
/// hundreds of findings publishes all of them on every keystroke, and writing them
/// took longer than finding them; most are unchanged by an edit.
#[derive(Debug, Default)]
pub(crate) struct DiagnosticJson {
    written: FxHashMap<u64, (Decided, Arc<[u8]>)>,
}

impl DiagnosticJson {
    /// The findings as JSON diagnostics, in their order: remembered ones reused, the
    /// others written now. Only these are remembered afterwards.
    pub fn write(
        &mut self,
        index: &LineIndex,
        findings: &[Finding],
        encoding: PositionEncoding,
    ) -> Vec<Arc<[u8]>> {
        let mut previous = std::mem::take(&mut self.written);
        let mut out = Vec::with_capacity(findings.len());
        // Findings come in source order: each is looked for from where the last was.
        let (mut start_line, mut end_line) = (0, 0);
        for finding in findings {
            let start = index.position_from(finding.range.start, encoding, &mut start_line);
            let end = index.position_from(finding.range.end, encoding, &mut end_line);
            let range = [start.line, start.col, end.line, end.col];
            let mut hasher = FxHasher::default();
            (finding.rule, &finding.message, finding.severity, range).hash(&mut hasher);
            let key = hasher.finish();
            let same = |(decided, _): &(Decided, Arc<[u8]>)| {
                decided.rule == finding.rule
                    && decided.message == finding.message
                    && decided.severity == finding.severity
                    && decided.range == range
            };
            let json = match self.written.get(&key).filter(|e| same(e)) {
                Some((_, json)) => Arc::clone(json),
                None => {
                    let entry = previous.remove(&key).filter(same).unwrap_or_else(|| {
                        (decided(finding, range), json(index, finding, encoding))
                    });
                    let json = Arc::clone(&entry.1);
                    self.written.insert(key, entry);
                    json
                }
            };
            out.push(json);
        }
        out
    }
}

fn decided(finding: &Finding, range: [u32; 4]) -> Decided {
    Decided {
        rule: finding.rule,
        message: finding.message.clone(),
        severity: finding.severity,
        range,
    }
}

fn json(index: &LineIndex, finding: &Finding, encoding: PositionEncoding) -> Arc<[u8]> {
    to_json(&convert::diagnostic(index, finding, encoding))
}

/// A diagnostic written as JSON.
pub(crate) fn to_json(diagnostic: &Diagnostic) -> Arc<[u8]> {
    // Serialising plain data into memory cannot fail; `null` keeps the list valid if it did.
    serde_json::to_vec(diagnostic)
        .unwrap_or_else(|_| b"null".to_vec())
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::settings::Context;
    use crate::syntax::FileKind;

    fn written(memo: &mut DiagnosticJson, text: &str) -> Vec<Arc<[u8]>> {
        let findings = crate::analysis::check(FileKind::Dockerfile, text, &Context::default());
        memo.write(&LineIndex::new(text), &findings, PositionEncoding::Utf16)
    }

    /// What serde writes for each finding of `text`.
    fn serde_json(text: &str) -> Vec<String> {
        let findings = crate::analysis::check(FileKind::Dockerfile, text, &Context::default());
        let index = LineIndex::new(text);
        findings
            .iter()
            .map(|f| {
                let diagnostic = convert::diagnostic(&index, f, PositionEncoding::Utf16);
                serde_json::to_string(&diagnostic).expect("serialise")
            })
            .collect()
    }

    fn text(all: &[Arc<[u8]>]) -> Vec<String> {
        all.iter()
            .map(|j| String::from_utf8(j.to_vec()).expect("UTF-8"))
            .collect()
    }

    /// Each diagnostic is what serde writes for it; after an edit the unchanged ones
    /// are the same allocation, and those the edit moved are written anew.
    #[test]
    fn unchanged_diagnostics_are_not_written_again() {
        let before = "FROM ubuntu\nRUN apt-get install curl\nRUN cd /x\n";
        let after = "FROM ubuntu\nRUN apt-get install curl\nRUN  cd /x\n";
        let mut memo = DiagnosticJson::default();
        let first = written(&mut memo, before);
        assert_eq!(text(&first), serde_json(before));
        let second = written(&mut memo, after);
        assert_eq!(text(&second), serde_json(after));
        assert_eq!(first.len(), second.len());
        for (a, b) in first.iter().zip(&second) {
            assert_eq!(Arc::ptr_eq(a, b), a[..] == b[..]);
        }
        assert!(first.iter().zip(&second).any(|(a, b)| Arc::ptr_eq(a, b)));
        assert!(first.iter().zip(&second).any(|(a, b)| !Arc::ptr_eq(a, b)));
    }
}
