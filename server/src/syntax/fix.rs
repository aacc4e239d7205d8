//! Fixes: the text edits that resolve a finding, carried with it when it moves.

use std::ops::Range;
use std::sync::Arc;

use super::Finding;

/// Whether a fix may be applied without the user looking at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Applicability {
    /// Keeps what the image does: fix-all and `check --fix` apply it.
    Safe,
    /// Changes what the image contains or how it runs (another base image, a new
    /// user, files left out of the context): offered one at a time, never in bulk.
    Unsafe,
}

/// Replace the bytes of `range` with `text`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Edit {
    pub range: Range<usize>,
    pub text: String,
}

impl Edit {
    pub fn insert(at: usize, text: impl Into<String>) -> Self {
        Edit {
            range: at..at,
            text: text.into(),
        }
    }

    pub fn replace(range: Range<usize>, text: impl Into<String>) -> Self {
        Edit {
            range,
            text: text.into(),
        }
    }

    pub fn delete(range: Range<usize>) -> Self {
        Edit {
            range,
            text: String::new(),
        }
    }
}

/// A file the fix creates next to the Dockerfile (a `.dockerignore`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NewFile {
    /// The file name, relative to the Dockerfile's directory.
    pub name: String,
    pub contents: String,
}

/// How to resolve a finding.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fix {
    /// What the fix does, as a command: "Add `--no-install-recommends`".
    pub title: String,
    pub applicability: Applicability,
    /// Non-overlapping edits of the document, positioned for `anchor`.
    edits: Vec<Edit>,
    pub new_file: Option<NewFile>,
    /// Where the finding started when the edits were computed: the finding may move
    /// (cached findings follow their instruction) and the edits move with it.
    anchor: usize,
}

impl Fix {
    /// A fix made of edits of the document (byte ranges of the current text).
    pub fn new(title: impl Into<String>, applicability: Applicability, edits: Vec<Edit>) -> Self {
        let mut edits = edits;
        edits.sort_by_key(|e| (e.range.start, e.range.end));
        Fix {
            title: title.into(),
            applicability,
            edits,
            new_file: None,
            anchor: 0,
        }
    }

    /// A fix that creates a file next to the Dockerfile.
    pub fn create_file(title: impl Into<String>, file: NewFile) -> Self {
        Fix {
            new_file: Some(file),
            ..Fix::new(title, Applicability::Unsafe, Vec::new())
        }
    }

    pub fn is_safe(&self) -> bool {
        self.applicability == Applicability::Safe
    }

    /// The smallest range that holds every edit, as computed.
    fn span(&self) -> Option<Range<usize>> {
        let start = self.edits.iter().map(|e| e.range.start).min()?;
        let end = self.edits.iter().map(|e| e.range.end).max()?;
        Some(start..end)
    }
}

impl Finding {
    /// A finding with a fix attached.
    pub fn with_fix(mut self, mut fix: Fix) -> Self {
        fix.anchor = self.range.start;
        self.fix = Some(Arc::new(fix));
        self
    }

    /// The fix's edits where the finding is now, in source order.
    pub fn fix_edits(&self) -> Vec<Edit> {
        let Some(fix) = &self.fix else {
            return Vec::new();
        };
        let (forward, by) = if self.range.start >= fix.anchor {
            (true, self.range.start - fix.anchor)
        } else {
            (false, fix.anchor - self.range.start)
        };
        let shift = |at: usize| {
            if forward {
                at + by
            } else {
                at.saturating_sub(by)
            }
        };
        fix.edits
            .iter()
            .map(|e| Edit {
                range: shift(e.range.start)..shift(e.range.end),
                text: e.text.clone(),
            })
            .collect()
    }

    /// Where the fix's edits are now, relative to where they were computed: `None`
    /// without a fix or edits.
    pub fn fix_span(&self) -> Option<Range<usize>> {
        let fix = self.fix.as_ref()?;
        let span = fix.span()?;
        let start = span.start + self.range.start;
        Some(start.checked_sub(fix.anchor)?..span.end + self.range.start - fix.anchor)
    }
}
