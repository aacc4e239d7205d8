//! A per-thread memo of what rules derive from one instruction, so that the many rules
//! that read the same instruction (its COPY arguments, its labels) derive it once.

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use rustc_hash::{FxHashMap, FxHasher};

use crate::syntax::Instruction;

/// Rules read an instruction one after the other, and stage rules the few instructions
/// of one stage: a stage's worth of entries is enough. Past it the memo starts over, so
/// that it never holds a large file's worth (the server's memory is counted at its peak).
const CAPACITY: usize = 128;

type Entry = (Box<str>, Arc<dyn Any + Send + Sync>);

thread_local! {
    static MEMO: RefCell<FxHashMap<u64, Entry>> = RefCell::new(FxHashMap::default());
}

/// `derive(instruction)`, from the memo when the same function was applied to an
/// instruction with the same text at the same place.
///
/// `T` names what is derived: one derivation per type (wrap a shared type in a type of
/// the caller's own). The key holds `T`'s type,
/// the source text's address, the instruction's start, its escape character and its
/// text; the text is compared in full, so a document edited in place never reads a stale
/// entry. Results may hold absolute positions: the key pins the start.
pub(crate) fn memo<T: Send + Sync + 'static>(
    instruction: &Instruction<'_>,
    derive: impl FnOnce(&Instruction<'_>) -> T,
) -> Arc<T> {
    let range = instruction.node().byte_range();
    let text = instruction.src().get(range.clone()).unwrap_or("");
    let mut hasher = FxHasher::default();
    (
        TypeId::of::<T>(),
        instruction.src().as_ptr() as usize,
        range.start,
        instruction.escape(),
        text,
    )
        .hash(&mut hasher);
    let key = hasher.finish();
    let found = MEMO.with(|memo| {
        let memo = memo.borrow();
        let (stored, value) = memo.get(&key)?;
        if &**stored != text {
            return None;
        }
        Arc::clone(value).downcast::<T>().ok()
    });
    if let Some(found) = found {
        return found;
    }
    // Derived with the memo released: `derive` may use the memo for other types.
    let value = Arc::new(derive(instruction));
    MEMO.with(|memo| {
        let mut memo = memo.borrow_mut();
        if memo.len() >= CAPACITY {
            memo.clear();
        }
        let shared: Arc<dyn Any + Send + Sync> = value.clone();
        memo.insert(key, (text.into(), shared));
    });
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{self, Dockerfile, FileKind};

    #[derive(Debug, PartialEq)]
    struct Upper(String);

    fn derive_count(file: &Dockerfile<'_>, calls: &mut usize) -> Vec<Arc<Upper>> {
        file.instructions()
            .map(|i| {
                memo(&i, |i| {
                    *calls += 1;
                    Upper(i.src()[i.node().byte_range()].to_uppercase())
                })
            })
            .collect()
    }

    #[test]
    fn the_same_instruction_is_derived_once_and_a_changed_text_again() {
        let mut text = String::from("FROM a\nRUN x\n");
        let tree = syntax::parse(FileKind::Dockerfile, &text, None).unwrap();
        let mut calls = 0;
        let first = derive_count(&Dockerfile::new(&tree, &text), &mut calls);
        let again = derive_count(&Dockerfile::new(&tree, &text), &mut calls);
        assert_eq!(calls, 2);
        assert_eq!(first, again);
        assert_eq!(again[1].0, "RUN X");
        // Edited in place: same address, same start, another text.
        text.replace_range(11..12, "y");
        let tree = syntax::parse(FileKind::Dockerfile, &text, None).unwrap();
        let edited = derive_count(&Dockerfile::new(&tree, &text), &mut calls);
        assert_eq!(calls, 3);
        assert_eq!(edited[1].0, "RUN Y");
    }
}
