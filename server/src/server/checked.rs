//! What a check of a document found, kept in the pieces the cache holds: a keystroke shares, not copies, what unchanged stages found.

use std::sync::Arc;

use crate::analysis::model::StageSummary;
use crate::analysis::rules::{ContextUse, Finding, Keyword};

/// The findings inside a node and what file-wide rules read of its instructions
/// (keywords, uses of the build context), relative to the node's start, in source order.
#[derive(Debug, Default)]
pub(crate) struct Found {
    pub findings: Vec<Finding>,
    pub keywords: Vec<Keyword>,
    pub context_uses: Vec<ContextUse>,
    /// For a stage: what it leaves to stages built on it.
    pub summary: Option<Arc<StageSummary>>,
    /// The node's text names an ignore comment's tool (`hadolint`, `dockerfile-lsp`):
    /// findings may be suppressed, which the whole file decides.
    pub mentions_pragma: bool,
    /// Some finding ends after the node: where it ends depends on text outside it.
    pub reaches_out: bool,
}

/// One piece of a check's findings, in source order.
#[derive(Debug, Clone)]
pub(crate) enum Part {
    /// What a top-level node found, as cached (ranges relative to `at`).
    Node { at: usize, found: Arc<Found> },
    /// One finding with its own range.
    One(Finding),
}

/// The findings of a check in source order, sharing what top-level nodes found with
/// the document's cache.
#[derive(Debug, Clone, Default)]
pub struct Checked {
    parts: Vec<Part>,
}

impl Checked {
    /// Findings already in source order, each on its own.
    pub fn from_findings(findings: Vec<Finding>) -> Self {
        Checked {
            parts: findings.into_iter().map(Part::One).collect(),
        }
    }

    /// What nodes found (in the order of the nodes) merged with findings of the whole
    /// file, in source order. The file's findings come back when a node's findings
    /// are out of order with another's: the caller sorts them all instead.
    pub(crate) fn merge(
        nodes: &[(usize, Arc<Found>)],
        mut file: Vec<Finding>,
    ) -> Result<Self, Vec<Finding>> {
        // The source order of a node's first and last findings, without copying them.
        let bounds = |(at, found): &(usize, Arc<Found>)| {
            let order = |f: &Finding| (f.range.start + at, f.range.end + at, f.rule);
            Some((
                order(found.findings.first()?),
                order(found.findings.last()?),
            ))
        };
        let mut last: Option<(usize, usize, &'static str)> = None;
        for (first, end) in nodes.iter().filter_map(bounds) {
            if last.is_some_and(|l| first < l) {
                return Err(file);
            }
            last = Some(end);
        }
        file.sort_by_key(Finding::source_order);
        let mut file = file.into_iter().peekable();
        let mut parts = Vec::with_capacity(nodes.len() + file.len());
        for node @ (at, found) in nodes {
            let Some((first, end)) = bounds(node) else {
                continue;
            };
            while let Some(f) = file.next_if(|f| f.source_order() <= first) {
                parts.push(Part::One(f));
            }
            if found.reaches_out || file.peek().is_some_and(|f| f.source_order() < end) {
                // A finding of the file falls among the node's (or one of the node's
                // depends on text after it): they go one by one.
                for finding in found.findings.iter().map(|f| absolute(*at, f)) {
                    while let Some(f) = file.next_if(|f| f.source_order() <= finding.source_order())
                    {
                        parts.push(Part::One(f));
                    }
                    parts.push(Part::One(finding));
                }
            } else {
                parts.push(Part::Node {
                    at: *at,
                    found: Arc::clone(found),
                });
            }
        }
        parts.extend(file.map(Part::One));
        Ok(Checked { parts })
    }

    pub(crate) fn parts(&self) -> &[Part] {
        &self.parts
    }

    pub fn len(&self) -> usize {
        self.parts
            .iter()
            .map(|part| match part {
                Part::Node { found, .. } => found.findings.len(),
                Part::One(_) => 1,
            })
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every finding with its range in the text, in source order.
    pub fn iter(&self) -> impl Iterator<Item = Finding> + '_ {
        self.parts.iter().flat_map(|part| {
            let (at, findings) = match part {
                Part::Node { at, found } => (*at, found.findings.as_slice()),
                Part::One(finding) => (0, std::slice::from_ref(finding)),
            };
            findings.iter().map(move |f| absolute(at, f))
        })
    }

    pub fn to_vec(&self) -> Vec<Finding> {
        self.iter().collect()
    }
}

/// A finding of a node with its range moved from the node's start `at` to the text.
pub(crate) fn absolute(at: usize, finding: &Finding) -> Finding {
    Finding {
        range: finding.range.start + at..finding.range.end + at,
        ..finding.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::Severity;

    fn finding(rule: &'static str, range: std::ops::Range<usize>) -> Finding {
        Finding {
            rule,
            message: Arc::from(rule),
            range,
            severity: Severity::Warning,
            fix: None,
        }
    }

    fn node(findings: Vec<Finding>) -> Arc<Found> {
        Arc::new(Found {
            findings,
            ..Found::default()
        })
    }

    fn listed(checked: &Checked) -> Vec<(usize, &'static str)> {
        checked.iter().map(|f| (f.range.start, f.rule)).collect()
    }

    /// Nodes stay whole unless a finding of the file falls among theirs; the result
    /// is in source order either way.
    #[test]
    fn file_findings_go_between_nodes_or_split_one() {
        let a = node(vec![finding("a1", 0..2), finding("a2", 5..6)]);
        let b = node(vec![finding("b1", 1..2), finding("b2", 3..4)]);
        let file = vec![finding("f2", 102..103), finding("f1", 10..11)];
        let checked = Checked::merge(&[(0, a), (100, b)], file).expect("in order");
        assert_eq!(
            listed(&checked),
            [
                (0, "a1"),
                (5, "a2"),
                (10, "f1"),
                (101, "b1"),
                (102, "f2"),
                (103, "b2")
            ]
        );
        let kinds: Vec<bool> = checked
            .parts()
            .iter()
            .map(|p| matches!(p, Part::Node { .. }))
            .collect();
        assert_eq!(kinds, [true, false, false, false, false]);
        assert_eq!(checked.len(), 6);
    }

    #[test]
    fn nodes_out_of_order_are_refused() {
        let a = node(vec![finding("a", 50..51)]);
        let b = node(vec![finding("b", 0..1)]);
        let file = vec![finding("f", 3..4)];
        let back = Checked::merge(&[(0, a), (10, b)], file).expect_err("out of order");
        assert_eq!(back.len(), 1);
    }
}
