//! Highlights of stages and instructions remembered by their text, so that a keystroke re-highlights one instruction, not the file.

use std::hash::{Hash, Hasher};
use std::sync::{Mutex, MutexGuard};

use rustc_hash::{FxBuildHasher, FxHashMap, FxHasher};

use super::highlight::Highlight;

/// Highlights with ranges relative to the start of the text they were found in, keyed
/// by a hash of that text and of everything else they depend on (the escape character;
/// for a stage, the global ARGs and the names of the stages before it). The text is
/// kept and compared, so a collision is a miss, never wrong tokens.
#[derive(Debug, Default)]
pub(crate) struct Memo {
    entries: FxHashMap<u64, (Box<str>, Box<[Highlight]>)>,
}

/// Past this many entries the memo starts over: an editing session leaves one entry
/// per version of each edited instruction and stage behind.
const MAX_ENTRIES: usize = 100_000;

/// The key of `text` in `context` (a hash of what else its tokens depend on).
pub(crate) fn key(context: u64, text: &str) -> u64 {
    let mut hasher = FxHasher::default();
    context.hash(&mut hasher);
    text.hash(&mut hasher);
    hasher.finish()
}

impl Memo {
    /// Takes the process's memo for one walk; [`Memo::give_back`] returns it. Two walks
    /// at once each get a memo (the second an empty one) rather than waiting.
    pub(crate) fn take() -> Memo {
        std::mem::take(&mut *shared())
    }

    pub(crate) fn give_back(self) {
        let mut shared = shared();
        if self.entries.len() >= shared.entries.len() {
            *shared = self;
        }
    }

    pub(crate) fn get(&self, key: u64, text: &str) -> Option<&[Highlight]> {
        self.entries
            .get(&key)
            .filter(|(seen, _)| **seen == *text)
            .map(|(_, found)| &**found)
    }

    /// Remembers the highlights of `text`, found at `start` (absolute ranges).
    pub(crate) fn insert(&mut self, key: u64, text: &str, start: usize, found: &[Highlight]) {
        if self.entries.len() >= MAX_ENTRIES {
            self.entries.clear();
        }
        let relative = found
            .iter()
            .map(|h| Highlight {
                range: h.range.start - start..h.range.end - start,
                kind: h.kind,
                modifiers: h.modifiers,
            })
            .collect();
        self.entries.insert(key, (text.into(), relative));
    }
}

fn shared() -> MutexGuard<'static, Memo> {
    static MEMO: Mutex<Memo> = Mutex::new(Memo {
        entries: FxHashMap::with_hasher(FxBuildHasher),
    });
    MEMO.lock().unwrap_or_else(|e| e.into_inner())
}
