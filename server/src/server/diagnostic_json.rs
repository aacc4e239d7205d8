//! Diagnostics as JSON, remembered per document: a keystroke writes anew only the diagnostics it changed.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHasher};
use tower_lsp_server::ls_types::Diagnostic;

use super::checked::{self, Checked, Found, Part};
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
    /// Each finding's, by what decides it.
    written: FxHashMap<u64, Stamped<FindingJson>>,
    /// What a top-level node found, by the cache's entry (kept alive here, so its
    /// address names no other entry) and where the node starts: a node whose text is
    /// unchanged on the same line and column has the same diagnostics.
    nodes: FxHashMap<NodeKey, Stamped<NodeJson>>,
    /// Counts the calls of [`DiagnosticJson::write`]: entries not stamped with the
    /// current count afterwards were not used by it, and go.
    round: u32,
}

/// An entry with the round that last used it: entries stay in place, looked up once
/// each, instead of being moved from last round's map to this round's.
#[derive(Debug)]
struct Stamped<T> {
    value: T,
    round: u32,
}

/// What decides a finding's JSON, and the JSON.
type FindingJson = (Decided, Arc<[u8]>);

/// A node's entry of the cache and the JSON of its findings.
type NodeJson = (Arc<Found>, Arc<[Arc<[u8]>]>);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct NodeKey {
    /// The address of the cache's entry.
    found: usize,
    line: u32,
    col: u32,
    encoding: PositionEncoding,
}

impl DiagnosticJson {
    /// The findings as JSON diagnostics, in their order: remembered ones reused, the
    /// others written now. Only these are remembered afterwards.
    pub fn write(
        &mut self,
        index: &LineIndex,
        checked: &Checked,
        encoding: PositionEncoding,
    ) -> Vec<Arc<[u8]>> {
        self.round = self.round.wrapping_add(1);
        let round = self.round;
        let mut out = Vec::with_capacity(checked.len());
        // Findings come in source order: each is looked for from where the last was.
        let mut lines = (0, 0);
        for part in checked.parts() {
            match part {
                Part::One(finding) => {
                    out.push(self.one(index, finding, encoding, &mut lines));
                }
                Part::Node { at, found } => {
                    let start = index.position_from(*at, encoding, &mut lines.0);
                    let key = NodeKey {
                        found: Arc::as_ptr(found) as usize,
                        line: start.line,
                        col: start.col,
                        encoding,
                    };
                    if let Some(entry) = self.nodes.get_mut(&key) {
                        entry.round = round;
                        out.extend(entry.value.1.iter().cloned());
                        continue;
                    }
                    let json: Arc<[Arc<[u8]>]> = found
                        .findings
                        .iter()
                        .map(|f| {
                            let f = checked::absolute(*at, f);
                            self.one(index, &f, encoding, &mut lines)
                        })
                        .collect();
                    out.extend(json.iter().cloned());
                    let value = (Arc::clone(found), json);
                    self.nodes.insert(key, Stamped { value, round });
                }
            }
        }
        self.nodes.retain(|_, entry| entry.round == round);
        self.written.retain(|_, entry| entry.round == round);
        out
    }

    /// One finding's JSON: remembered, or written now.
    fn one(
        &mut self,
        index: &LineIndex,
        finding: &Finding,
        encoding: PositionEncoding,
        (start_line, end_line): &mut (usize, usize),
    ) -> Arc<[u8]> {
        let start = index.position_from(finding.range.start, encoding, start_line);
        let end = index.position_from(finding.range.end, encoding, end_line);
        let range = [start.line, start.col, end.line, end.col];
        let mut hasher = FxHasher::default();
        (finding.rule, &finding.message, finding.severity, range).hash(&mut hasher);
        let key = hasher.finish();
        let same = |decided: &Decided| {
            decided.rule == finding.rule
                && decided.message == finding.message
                && decided.severity == finding.severity
                && decided.range == range
        };
        let round = self.round;
        match self.written.get_mut(&key) {
            Some(entry) if same(&entry.value.0) => {
                entry.round = round;
                Arc::clone(&entry.value.1)
            }
            // A different finding with the same hash: the last one written keeps it.
            _ => {
                let json = json(index, finding, encoding);
                let value = (decided(finding, range), Arc::clone(&json));
                self.written.insert(key, Stamped { value, round });
                json
            }
        }
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
    use crate::server::document::{Change, Document};
    use crate::syntax::FileKind;

    fn written(memo: &mut DiagnosticJson, text: &str) -> Vec<Arc<[u8]>> {
        let findings = crate::analysis::check(FileKind::Dockerfile, text, &Context::default());
        let checked = Checked::from_findings(findings);
        memo.write(&LineIndex::new(text), &checked, PositionEncoding::Utf16)
    }

    /// What a document's check writes, its stages' findings shared with its cache.
    fn written_by(doc: &mut Document, memo: &mut DiagnosticJson, text: &str) -> Vec<Arc<[u8]>> {
        let version = doc.version + 1;
        let change = Change {
            range: None,
            text: text.to_owned(),
        };
        doc.apply_changes(version, vec![change], PositionEncoding::Utf16)
            .expect("parse");
        let checked = doc.check();
        assert!(
            checked
                .parts()
                .iter()
                .any(|p| matches!(p, Part::Node { .. }))
        );
        memo.write(&doc.lines, &checked, PositionEncoding::Utf16)
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

    /// A stage whose text is unchanged on the same line reuses its diagnostics whole;
    /// moved to another line, they are written anew. Either way each is what serde
    /// writes for it.
    #[test]
    fn unchanged_stages_reuse_their_diagnostics() {
        let first_stage = "FROM ubuntu\nRUN apt-get install curl\n";
        let before = format!("{first_stage}FROM debian AS b\nRUN cd /x\n");
        let after = format!("{first_stage}FROM debian AS b\nRUN  cd /x\n");
        let mut doc = Document::open(FileKind::Dockerfile, 1, String::new()).expect("parse");
        let mut memo = DiagnosticJson::default();
        let one = written_by(&mut doc, &mut memo, &before);
        assert_eq!(text(&one), serde_json(&before));
        let two = written_by(&mut doc, &mut memo, &after);
        assert_eq!(text(&two), serde_json(&after));
        let in_first = serde_json(first_stage).len();
        assert!(in_first > 0);
        assert!((0..in_first).all(|i| Arc::ptr_eq(&one[i], &two[i])));
        assert_eq!(one.len(), two.len());
        for (a, b) in one.iter().zip(&two) {
            assert_eq!(Arc::ptr_eq(a, b), a[..] == b[..]);
        }

        let moved = format!("# a comment\n{after}");
        let three = written_by(&mut doc, &mut memo, &moved);
        assert_eq!(text(&three), serde_json(&moved));
        assert!(!Arc::ptr_eq(&two[0], &three[0]));
    }
}
