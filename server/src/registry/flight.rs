//! Concurrent requests for the same thing share one: the first caller works, the others wait for its result.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

/// Work in progress by key. When the working caller is cancelled (a hover the client
/// gave up on), a waiting caller takes the work over.
#[derive(Debug)]
pub(crate) struct Flights<K, V> {
    running: Mutex<HashMap<K, Arc<OnceCell<V>>>>,
}

impl<K, V> Default for Flights<K, V> {
    fn default() -> Self {
        Flights {
            running: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Hash + Eq + Clone, V: Clone> Flights<K, V> {
    /// `work()`'s result, computed once for all callers that ask while it runs.
    pub async fn run<F, Fut>(&self, key: K, work: F) -> V
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = V>,
    {
        let cell = {
            let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(running.entry(key.clone()).or_default())
        };
        let value = cell.get_or_init(work).await.clone();
        let mut running = self.running.lock().unwrap_or_else(|e| e.into_inner());
        if running.get(&key).is_some_and(|c| Arc::ptr_eq(c, &cell)) {
            running.remove(&key);
        }
        value
    }

    /// Whether work for the key is running.
    pub fn is_running(&self, key: &K) -> bool {
        self.running
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(key)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn concurrent_callers_share_one_run() {
        let flights: Flights<&str, usize> = Flights::default();
        let runs = AtomicUsize::new(0);
        let work = || async {
            tokio::task::yield_now().await;
            runs.fetch_add(1, Ordering::SeqCst) + 10
        };
        let (a, b, c) = tokio::join!(
            flights.run("k", work),
            flights.run("k", work),
            flights.run("k", work)
        );
        assert_eq!((a, b, c), (10, 10, 10));
        assert_eq!(runs.load(Ordering::SeqCst), 1);
        assert!(!flights.is_running(&"k"));
        // Finished work is not kept: the caller's own cache is the place for results.
        assert_eq!(flights.run("k", work).await, 11);
    }
}
