//! New words for a FROM image: pinned to a digest, its digest updated, or another tag of the same repository.

use crate::analysis::image_ref;

/// Where the tag and the digest of an image word are: `(name end, digest start)`.
/// `None` for a word built from variables, which an edit of the word would not follow.
fn parts(word: &str) -> Option<(usize, Option<usize>)> {
    if image_ref::has_unexpanded_variable(word) || image_ref::parse(word).is_err() {
        return None;
    }
    let digest = word.find('@');
    let before_digest = &word[..digest.unwrap_or(word.len())];
    let last_slash = before_digest.rfind('/').map_or(0, |i| i + 1);
    let name_end = before_digest[last_slash..]
        .find(':')
        .map_or(before_digest.len(), |i| last_slash + i);
    Some((name_end, digest))
}

/// `python:3.12` pinned: `python:3.12@sha256:…`, or its digest replaced when it has one.
pub fn with_digest(word: &str, digest: &str) -> Option<String> {
    let (_, at) = parts(word)?;
    let kept = &word[..at.unwrap_or(word.len())];
    let new = format!("{kept}@{digest}");
    image_ref::parse(&new).is_ok().then_some(new)
}

/// The word with another tag of the same repository; a digest is dropped, since it
/// pins the old image.
pub fn with_tag(word: &str, tag: &str) -> Option<String> {
    let (name_end, _) = parts(word)?;
    let new = format!("{}:{tag}", &word[..name_end]);
    image_ref::parse(&new).is_ok().then_some(new)
}

/// The digest a word pins, if any.
pub fn pinned_digest(word: &str) -> Option<&str> {
    let (_, at) = parts(word)?;
    at.and_then(|i| word.get(i + 1..))
}

#[cfg(test)]
mod tests {
    use super::*;

    const D: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    const OLD: &str = "sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";

    #[test]
    fn pinning_keeps_the_tag() {
        assert_eq!(
            with_digest("python:3.12", D),
            Some(format!("python:3.12@{D}"))
        );
        assert_eq!(
            with_digest(&format!("python:3.12@{OLD}"), D),
            Some(format!("python:3.12@{D}"))
        );
        assert_eq!(
            with_digest("localhost:5000/app", D),
            Some(format!("localhost:5000/app@{D}"))
        );
        assert_eq!(with_digest("python:${PY}", D), None);
        assert_eq!(with_digest("python:3.12", "not-a-digest"), None);
    }

    #[test]
    fn another_tag_of_the_same_repository() {
        assert_eq!(
            with_tag("python:3.12", "3.12-slim").as_deref(),
            Some("python:3.12-slim")
        );
        assert_eq!(with_tag("python", "slim").as_deref(), Some("python:slim"));
        assert_eq!(
            with_tag("localhost:5000/lib/python:3.12", "3.12-slim").as_deref(),
            Some("localhost:5000/lib/python:3.12-slim")
        );
        assert_eq!(
            with_tag(&format!("docker.io/library/python:3.12@{OLD}"), "3.12-slim").as_deref(),
            Some("docker.io/library/python:3.12-slim")
        );
        assert_eq!(with_tag("python:3.12", "bad tag"), None);
    }

    #[test]
    fn pinned_digests_are_read() {
        assert_eq!(pinned_digest(&format!("python:3.12@{OLD}")), Some(OLD));
        assert_eq!(pinned_digest("python:3.12"), None);
    }
}
