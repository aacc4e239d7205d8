//! What registries said, kept in memory and on disk: content by digest (immutable) and tags with their age.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::client::{matches_digest, sha256_digest};

/// Where a tag pointed, and when the registry said so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct TagEntry {
    pub digest: String,
    #[serde(default)]
    pub media_type: Option<String>,
    /// Seconds since the Unix epoch.
    pub fetched: u64,
}

impl TagEntry {
    pub fn new(digest: String, media_type: Option<String>) -> TagEntry {
        TagEntry {
            digest,
            media_type,
            fetched: now_secs(),
        }
    }

    pub fn is_fresh(&self, ttl: Duration) -> bool {
        now_secs().saturating_sub(self.fetched) < ttl.as_secs()
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Content and tags. Disk errors are never fatal: a file that cannot be read, or reads
/// back wrong, is discarded and the registry is asked again.
#[derive(Debug, Default)]
pub(crate) struct Cache {
    dir: Option<PathBuf>,
    content: Mutex<HashMap<String, Arc<[u8]>>>,
    tags: Mutex<HashMap<String, TagEntry>>,
}

impl Cache {
    pub fn new(dir: Option<PathBuf>) -> Cache {
        Cache {
            dir,
            ..Cache::default()
        }
    }

    /// Content by digest: from memory, else from disk when it still hashes to its digest.
    pub fn content(&self, digest: &str) -> Option<Arc<[u8]>> {
        if let Some(found) = lock(&self.content).get(digest) {
            return Some(Arc::clone(found));
        }
        let path = self.content_path(digest)?;
        let bytes = std::fs::read(&path).ok()?;
        if !matches_digest(digest, &bytes) {
            tracing::warn!("discarding corrupt cache file {}", path.display());
            let _ = std::fs::remove_file(&path);
            return None;
        }
        let bytes: Arc<[u8]> = bytes.into();
        lock(&self.content).insert(digest.to_owned(), Arc::clone(&bytes));
        Some(bytes)
    }

    pub fn put_content(&self, digest: &str, bytes: Arc<[u8]>) {
        if let Some(path) = self.content_path(digest) {
            write_atomically(&path, &bytes);
        }
        lock(&self.content).insert(digest.to_owned(), bytes);
    }

    /// The last known digest of a tag (`registry/repository:tag`), fresh or not.
    pub fn tag(&self, reference: &str) -> Option<TagEntry> {
        if let Some(found) = lock(&self.tags).get(reference) {
            return Some(found.clone());
        }
        let path = self.tag_path(reference)?;
        let text = std::fs::read(&path).ok()?;
        let Ok(entry) = serde_json::from_slice::<TagEntry>(&text) else {
            tracing::warn!("discarding corrupt cache file {}", path.display());
            let _ = std::fs::remove_file(&path);
            return None;
        };
        lock(&self.tags).insert(reference.to_owned(), entry.clone());
        Some(entry)
    }

    pub fn put_tag(&self, reference: &str, entry: TagEntry) {
        if let Some(path) = self.tag_path(reference)
            && let Ok(text) = serde_json::to_vec(&entry)
        {
            write_atomically(&path, &text);
        }
        lock(&self.tags).insert(reference.to_owned(), entry);
    }

    fn content_path(&self, digest: &str) -> Option<PathBuf> {
        let (algorithm, hex) = digest.split_once(':')?;
        // The digest names a file: only plain hex may do that.
        if hex.is_empty()
            || !hex.bytes().all(|b| b.is_ascii_hexdigit())
            || !algorithm.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            return None;
        }
        Some(self.dir.as_ref()?.join("blobs").join(algorithm).join(hex))
    }

    fn tag_path(&self, reference: &str) -> Option<PathBuf> {
        let name = sha256_digest(reference.as_bytes());
        let hex = name.strip_prefix("sha256:")?;
        Some(self.dir.as_ref()?.join("tags").join(format!("{hex}.json")))
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// Writes through a temporary file and a rename, so that a reader never sees half a file.
fn write_atomically(path: &Path, bytes: &[u8]) {
    let Some(parent) = path.parent() else {
        return;
    };
    if let Err(error) = std::fs::create_dir_all(parent) {
        tracing::warn!(
            "cannot create the cache directory {}: {error}",
            parent.display()
        );
        return;
    }
    let temporary = path.with_extension(format!("tmp{}", std::process::id()));
    let written =
        std::fs::write(&temporary, bytes).and_then(|()| std::fs::rename(&temporary, path));
    if let Err(error) = written {
        tracing::warn!("cannot write the cache file {}: {error}", path.display());
        let _ = std::fs::remove_file(&temporary);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_survives_a_restart_and_corruption_is_discarded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let digest = sha256_digest(b"{}");
        Cache::new(Some(dir.path().to_owned())).put_content(&digest, Arc::from(&b"{}"[..]));
        let again = Cache::new(Some(dir.path().to_owned()));
        assert_eq!(again.content(&digest).as_deref(), Some(&b"{}"[..]));

        let hex = digest.trim_start_matches("sha256:");
        let file = dir.path().join("blobs/sha256").join(hex);
        std::fs::write(&file, b"{\"tampered\":1}").expect("write");
        let fresh = Cache::new(Some(dir.path().to_owned()));
        assert_eq!(fresh.content(&digest), None);
        assert!(!file.exists(), "the corrupt file is removed");
    }

    #[test]
    fn tags_are_kept_with_their_age() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::new(Some(dir.path().to_owned()));
        let entry = TagEntry {
            digest: "sha256:00".to_owned(),
            media_type: None,
            fetched: now_secs() - 120,
        };
        cache.put_tag("docker.io/library/python:3.12", entry.clone());
        let again = Cache::new(Some(dir.path().to_owned()));
        let read = again.tag("docker.io/library/python:3.12");
        assert_eq!(read.as_ref(), Some(&entry));
        assert!(
            read.as_ref()
                .is_some_and(|e| e.is_fresh(Duration::from_secs(3600)))
        );
        assert!(!read.is_some_and(|e| e.is_fresh(Duration::from_secs(60))));

        for file in std::fs::read_dir(dir.path().join("tags"))
            .expect("tags")
            .flatten()
        {
            std::fs::write(file.path(), b"not json").expect("write");
        }
        assert_eq!(
            Cache::new(Some(dir.path().to_owned())).tag("docker.io/library/python:3.12"),
            None
        );
    }

    #[test]
    fn digests_that_are_not_file_names_are_not_cached_on_disk() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::new(Some(dir.path().to_owned()));
        assert_eq!(cache.content_path("sha256:../../etc"), None);
        assert_eq!(cache.content_path("nocolon"), None);
    }
}
