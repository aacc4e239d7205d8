//! Docker image references (`python:3.12`, `ghcr.io/o/r@sha256:…`), parsed and normalised as `github.com/distribution/reference` does.

use std::fmt;
use std::str::FromStr;

/// Docker Hub's canonical name in references.
const DEFAULT_DOMAIN: &str = "docker.io";
/// The "Docker Index" name, which Docker still accepts and rewrites to [`DEFAULT_DOMAIN`].
const LEGACY_DEFAULT_DOMAIN: &str = "index.docker.io";
/// Where Docker Hub's registry API actually answers; `docker.io` itself serves no `/v2/`.
const DOCKER_HUB_API_HOST: &str = "registry-1.docker.io";
const OFFICIAL_REPO_PREFIX: &str = "library/";
const DEFAULT_TAG: &str = "latest";

/// The longest repository path Docker accepts (the registry domain does not count).
pub const MAX_REPOSITORY_LEN: usize = 255;
const MAX_TAG_LEN: usize = 128;

/// A parsed, normalised image reference: `registry/repository[:tag][@digest]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef {
    /// The registry domain, with an optional port: `docker.io`, `ghcr.io`, `localhost:5000`, `[::1]:5000`.
    pub registry: String,
    /// The repository path inside the registry: `library/python`, `owner/repo`.
    pub repository: String,
    /// The tag, when the reference names one.
    pub tag: Option<String>,
    /// The digest (`algorithm:hex`), when the reference pins one.
    pub digest: Option<String>,
}

/// Why a string is not a valid image reference.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageRefError {
    #[error("invalid reference format: the image reference is empty")]
    Empty,
    /// The message names the part (registry, repository, …) that is malformed.
    #[error("invalid reference format: {0}")]
    InvalidFormat(String),
    #[error("invalid reference format: repository name ({0}) must be lowercase")]
    Uppercase(String),
    #[error(
        "invalid reference format: repository name must not be more than {MAX_REPOSITORY_LEN} characters (it has {len})"
    )]
    NameTooLong { len: usize },
    #[error("invalid reference format: tag {tag:?} {reason}")]
    InvalidTag { tag: String, reason: &'static str },
    #[error("invalid reference format: digest {digest:?} {reason}")]
    InvalidDigest {
        digest: String,
        reason: &'static str,
    },
    /// Docker refuses these so that an image ID is never mistaken for a repository name.
    #[error("invalid repository name ({0}), cannot specify 64-byte hexadecimal strings")]
    HexIdentifier(String),
}

impl ImageRef {
    /// The reference as Docker's UI prints it (`FamiliarString`): `python:3.12`, `myuser/app`, `ghcr.io/x/y:1`.
    pub fn familiar(&self) -> String {
        self.with_suffixes(self.familiar_name())
    }

    /// The repository as Docker's UI prints it (`FamiliarName`), without tag or digest: `python`, `myuser/app`.
    pub fn familiar_name(&self) -> String {
        if self.registry != DEFAULT_DOMAIN {
            return self.name();
        }
        // Only a single component under `library/` is an official image; `library/a/b` keeps its prefix.
        match self.repository.strip_prefix(OFFICIAL_REPO_PREFIX) {
            Some(rest) if !rest.contains('/') => rest.to_owned(),
            _ => self.repository.clone(),
        }
    }

    /// The fully qualified reference: `docker.io/library/python:3.12`.
    pub fn full(&self) -> String {
        self.with_suffixes(self.name())
    }

    /// Registry and repository, without tag or digest: `docker.io/library/python`.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// The tag Docker resolves (`TagNameOnly`): the tag if there is one, `latest` for a bare name.
    ///
    /// A digest-only reference has no tag and Docker does not add `latest` to it; this returns the
    /// digest then, because that is what Docker pulls and what a registry's manifest API accepts.
    pub fn tag_or_latest(&self) -> &str {
        match (&self.tag, &self.digest) {
            (Some(tag), _) => tag,
            (None, Some(digest)) => digest,
            (None, None) => DEFAULT_TAG,
        }
    }

    /// The reference Docker actually pulls (`ParseDockerRef`): a digest wins over a tag, and a
    /// bare name gets `latest`.
    pub fn docker_ref(&self) -> ImageRef {
        let tag = match (&self.tag, &self.digest) {
            (_, Some(_)) => None,
            (Some(tag), None) => Some(tag.clone()),
            (None, None) => Some(DEFAULT_TAG.to_owned()),
        };
        ImageRef {
            tag,
            ..self.clone()
        }
    }

    /// Whether the image lives on Docker Hub, under either name Docker keeps for it in references.
    pub fn is_docker_hub(&self) -> bool {
        self.registry == DEFAULT_DOMAIN || self.registry == DOCKER_HUB_API_HOST
    }

    /// Whether this is a Docker Official Image (`docker.io/library/<name>`).
    pub fn is_official(&self) -> bool {
        self.is_docker_hub()
            && self
                .repository
                .strip_prefix(OFFICIAL_REPO_PREFIX)
                .is_some_and(|rest| !rest.contains('/'))
    }

    /// The host that serves the registry API for this image (`docker.io` answers as `registry-1.docker.io`).
    pub fn registry_host(&self) -> &str {
        if self.registry == DEFAULT_DOMAIN {
            DOCKER_HUB_API_HOST
        } else {
            &self.registry
        }
    }

    fn with_suffixes(&self, mut name: String) -> String {
        if let Some(tag) = &self.tag {
            name.push(':');
            name.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            name.push('@');
            name.push_str(digest);
        }
        name
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full())
    }
}

impl FromStr for ImageRef {
    type Err = ImageRefError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

/// Whether the text still holds a `$` from an ARG that was not resolved: such a name is not the
/// image Docker will pull, so callers must not judge it.
pub fn has_unexpanded_variable(reference: &str) -> bool {
    reference.contains('$')
}

/// Parses and normalises a reference as `ParseNormalizedNamed` does: `python:3.12` becomes
/// `docker.io/library/python:3.12`, `index.docker.io` becomes `docker.io`.
///
/// Two differences from Docker, both on names Docker cannot pull anyway:
/// - a first component with a `.` that is not a valid domain but is a valid path component
///   (`a_b.com/x`) is an error here; Docker parses it into a reference with no domain at all;
/// - digests with algorithms other than sha256, sha384 and sha512 are checked against the
///   reference grammar only; Docker's digest library refuses them as unsupported.
pub fn parse(reference: &str) -> Result<ImageRef, ImageRefError> {
    if reference.is_empty() {
        return Err(ImageRefError::Empty);
    }
    if is_identifier(reference) {
        return Err(ImageRefError::HexIdentifier(reference.to_owned()));
    }
    let split = split_docker_domain(reference);

    // Neither the path nor the tag can hold `@` or `:`, so the first of each is the separator.
    let (name_and_tag, digest) = match split.remainder.split_once('@') {
        Some((name_and_tag, digest)) => (name_and_tag, Some(digest)),
        None => (split.remainder, None),
    };
    let (path, tag) = match name_and_tag.split_once(':') {
        Some((path, tag)) => (path, Some(tag)),
        None => (name_and_tag, None),
    };

    // Docker checks case before anything else, so `Python` reads as a case error, not a format one.
    if path.chars().any(char::is_uppercase) {
        return Err(ImageRefError::Uppercase(path.to_owned()));
    }
    if split.explicit_domain && !is_valid_domain(split.domain) {
        return Err(ImageRefError::InvalidFormat(format!(
            "registry {:?} is not a valid host name, IPv4 address or [IPv6] address with an optional :port",
            split.domain
        )));
    }
    validate_path(path)?;
    if let Some(tag) = tag {
        validate_tag(tag)?;
    }
    if let Some(digest) = digest {
        validate_digest(digest)?;
    }

    let repository = if split.official_prefix {
        format!("{OFFICIAL_REPO_PREFIX}{path}")
    } else {
        path.to_owned()
    };
    // The `library/` Docker adds counts: it is part of the name the registry stores.
    if repository.len() > MAX_REPOSITORY_LEN {
        return Err(ImageRefError::NameTooLong {
            len: repository.len(),
        });
    }
    Ok(ImageRef {
        registry: split.domain.to_owned(),
        repository,
        tag: tag.map(str::to_owned),
        digest: digest.map(str::to_owned),
    })
}

struct DomainSplit<'a> {
    domain: &'a str,
    /// Whether the domain was written by the user (and so needs checking) rather than defaulted.
    explicit_domain: bool,
    remainder: &'a str,
    official_prefix: bool,
}

/// `splitDockerDomain`: decides whether the first component names a registry.
fn split_docker_domain(name: &str) -> DomainSplit<'_> {
    let Some((first, rest)) = name.split_once('/') else {
        // A single element is always an official image, even `localhost:5000`, which reads as
        // `docker.io/library/localhost` tagged `5000`: Docker does the same.
        return DomainSplit {
            domain: DEFAULT_DOMAIN,
            explicit_domain: false,
            remainder: name,
            official_prefix: true,
        };
    };
    let (domain, explicit_domain, remainder) = if first == "localhost" {
        (first, true, rest)
    } else if first == LEGACY_DEFAULT_DOMAIN {
        (DEFAULT_DOMAIN, false, rest)
    } else if first.contains(['.', ':']) || first.chars().any(char::is_uppercase) {
        // Uppercase is never valid in a path, so Docker takes such a component as a host name.
        (first, true, rest)
    } else {
        (DEFAULT_DOMAIN, false, name)
    };
    // Tags and digests cannot hold `/`, so a `/` anywhere in the remainder belongs to the path.
    let official_prefix = domain == DEFAULT_DOMAIN && !remainder.contains('/');
    DomainSplit {
        domain,
        explicit_domain,
        remainder,
        official_prefix,
    }
}

/// A 64-hex image ID, which Docker refuses as a name.
fn is_identifier(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `host [":" port]`, where host is a domain name, an IPv4 address or a bracketed IPv6 address.
fn is_valid_domain(domain: &str) -> bool {
    let (host_ok, port) = if let Some(bracketed) = domain.strip_prefix('[') {
        let Some((address, after)) = bracketed.split_once(']') else {
            return false;
        };
        // Zone identifiers and IPv4-mapped forms are deliberately outside Docker's grammar.
        let address_ok =
            !address.is_empty() && address.bytes().all(|b| b.is_ascii_hexdigit() || b == b':');
        let port = match after {
            "" => None,
            after => match after.strip_prefix(':') {
                Some(port) => Some(port),
                None => return false,
            },
        };
        (address_ok, port)
    } else {
        match domain.split_once(':') {
            Some((host, port)) => (is_valid_domain_name(host), Some(port)),
            None => (is_valid_domain_name(domain), None),
        }
    };
    // Docker only asks for digits, not a port in range.
    host_ok && port.is_none_or(|port| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
}

fn is_valid_domain_name(name: &str) -> bool {
    name.split('.').all(|component| {
        let bytes = component.as_bytes();
        match (bytes.first(), bytes.last()) {
            (Some(first), Some(last)) => {
                first.is_ascii_alphanumeric()
                    && last.is_ascii_alphanumeric()
                    && bytes
                        .iter()
                        .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
            }
            _ => false,
        }
    })
}

fn validate_path(path: &str) -> Result<(), ImageRefError> {
    if path.is_empty() {
        return Err(ImageRefError::InvalidFormat(
            "repository name is missing".to_owned(),
        ));
    }
    for component in path.split('/') {
        if component.is_empty() {
            return Err(ImageRefError::InvalidFormat(format!(
                "repository name {path:?} has an empty path component"
            )));
        }
        if !is_valid_path_component(component) {
            return Err(ImageRefError::InvalidFormat(format!(
                "repository name {path:?} has an invalid component {component:?} \
                 (lowercase letters and digits, separated by '.', '_', '__' or dashes)"
            )));
        }
    }
    Ok(())
}

/// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
fn is_valid_path_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let is_alphanumeric = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let mut i = 0;
    loop {
        let run_start = i;
        while i < bytes.len() && is_alphanumeric(bytes[i]) {
            i += 1;
        }
        if i == run_start {
            return false;
        }
        let Some(&separator) = bytes.get(i) else {
            return true;
        };
        match separator {
            b'.' => i += 1,
            b'_' => {
                i += if bytes.get(i + 1) == Some(&b'_') {
                    2
                } else {
                    1
                }
            }
            b'-' => {
                while bytes.get(i) == Some(&b'-') {
                    i += 1;
                }
            }
            _ => return false,
        }
    }
}

/// `[\w][\w.-]{0,127}`
fn validate_tag(tag: &str) -> Result<(), ImageRefError> {
    let is_word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let reason = match tag.as_bytes() {
        [] => Some("is empty"),
        _ if tag.len() > MAX_TAG_LEN => Some("is longer than 128 characters"),
        [first, rest @ ..] => {
            if !is_word(*first) {
                Some("must start with a letter, digit or underscore")
            } else if !rest.iter().all(|&b| is_word(b) || b == b'.' || b == b'-') {
                Some("may only contain letters, digits, underscores, periods and dashes")
            } else {
                None
            }
        }
    };
    match reason {
        Some(reason) => Err(ImageRefError::InvalidTag {
            tag: tag.to_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

/// `algorithm ":" hex`, with the exact length and lowercase hex Docker's digest library demands
/// for the algorithms it knows.
fn validate_digest(digest: &str) -> Result<(), ImageRefError> {
    let invalid = |reason| {
        Err(ImageRefError::InvalidDigest {
            digest: digest.to_owned(),
            reason,
        })
    };
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return invalid("must be algorithm:hex, such as sha256:<64 hex digits>");
    };
    let algorithm_ok = algorithm.split(['-', '_', '+', '.']).all(|component| {
        let mut chars = component.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric())
    });
    if !algorithm_ok {
        return invalid("has an invalid algorithm name");
    }
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return invalid("must be hexadecimal after the algorithm");
    }
    if hex.len() < 32 {
        return invalid("is shorter than 32 hexadecimal digits");
    }
    let expected_len = match algorithm {
        "sha256" => Some(64),
        "sha384" => Some(96),
        "sha512" => Some(128),
        _ => None,
    };
    if let Some(expected_len) = expected_len {
        if hex.len() != expected_len {
            return invalid("has the wrong length for its algorithm");
        }
        if hex.bytes().any(|b| b.is_ascii_uppercase()) {
            return invalid("must use lowercase hexadecimal digits");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "sha256:2a1e4c1b8f7d6e5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a";

    fn image(
        registry: &str,
        repository: &str,
        tag: Option<&str>,
        digest: Option<&str>,
    ) -> ImageRef {
        ImageRef {
            registry: registry.to_owned(),
            repository: repository.to_owned(),
            tag: tag.map(str::to_owned),
            digest: digest.map(str::to_owned),
        }
    }

    fn ok(reference: &str) -> ImageRef {
        match parse(reference) {
            Ok(image) => image,
            Err(err) => panic!("{reference:?} should parse, got: {err}"),
        }
    }

    fn err(reference: &str) -> ImageRefError {
        match parse(reference) {
            Ok(image) => panic!("{reference:?} should be rejected, got: {image:?}"),
            Err(err) => err,
        }
    }

    fn is_invalid_format(reference: &str) -> bool {
        matches!(err(reference), ImageRefError::InvalidFormat(_))
    }

    // --- Docker Hub normalisation -------------------------------------------------------------

    #[test]
    fn a_bare_name_is_an_official_image_on_docker_hub() {
        assert_eq!(
            ok("python"),
            image("docker.io", "library/python", None, None)
        );
    }

    #[test]
    fn a_tag_follows_the_colon() {
        assert_eq!(
            ok("python:3.12"),
            image("docker.io", "library/python", Some("3.12"), None)
        );
    }

    #[test]
    fn a_reference_may_carry_both_tag_and_digest() {
        assert_eq!(
            ok(&format!("python:3.12-slim@{SHA}")),
            image("docker.io", "library/python", Some("3.12-slim"), Some(SHA))
        );
    }

    #[test]
    fn a_digest_alone_pins_the_image() {
        assert_eq!(
            ok(&format!("python@{SHA}")),
            image("docker.io", "library/python", None, Some(SHA))
        );
    }

    #[test]
    fn the_library_namespace_may_be_written_out() {
        assert_eq!(ok("library/python"), ok("python"));
    }

    #[test]
    fn docker_io_alone_still_gets_the_library_prefix() {
        assert_eq!(ok("docker.io/python"), ok("python"));
    }

    #[test]
    fn the_legacy_index_domain_becomes_docker_io() {
        assert_eq!(
            ok("index.docker.io/library/python:3"),
            image("docker.io", "library/python", Some("3"), None)
        );
        assert_eq!(ok("index.docker.io/python"), ok("python"));
    }

    #[test]
    fn registry_1_docker_io_is_not_renamed_but_is_still_docker_hub() {
        let hub = ok("registry-1.docker.io/library/python");
        assert_eq!(
            hub,
            image("registry-1.docker.io", "library/python", None, None)
        );
        assert!(hub.is_docker_hub());
        assert_eq!(hub.registry_host(), "registry-1.docker.io");
    }

    #[test]
    fn a_user_namespace_without_dot_or_colon_is_on_docker_hub() {
        assert_eq!(
            ok("myuser/app"),
            image("docker.io", "myuser/app", None, None)
        );
    }

    #[test]
    fn scratch_parses_like_any_official_name() {
        // `FROM scratch` is special to the builder, not to the reference grammar: callers must
        // recognise it before asking a registry about docker.io/library/scratch.
        assert_eq!(
            ok("scratch"),
            image("docker.io", "library/scratch", None, None)
        );
    }

    #[test]
    fn a_single_element_with_a_port_is_an_official_image_with_a_tag() {
        assert_eq!(
            ok("localhost:5000"),
            image("docker.io", "library/localhost", Some("5000"), None)
        );
    }

    // --- other registries ---------------------------------------------------------------------

    #[test]
    fn a_first_component_with_a_dot_is_a_registry() {
        assert_eq!(
            ok("ghcr.io/owner/repo:tag"),
            image("ghcr.io", "owner/repo", Some("tag"), None)
        );
        assert_eq!(ok("quay.io/a/b"), image("quay.io", "a/b", None, None));
    }

    #[test]
    fn well_known_registries_keep_their_paths() {
        assert_eq!(
            ok("mcr.microsoft.com/dotnet/sdk:8.0"),
            image("mcr.microsoft.com", "dotnet/sdk", Some("8.0"), None)
        );
        assert_eq!(
            ok("gcr.io/distroless/static-debian12:nonroot"),
            image(
                "gcr.io",
                "distroless/static-debian12",
                Some("nonroot"),
                None
            )
        );
    }

    #[test]
    fn a_single_component_on_another_registry_gets_no_library_prefix() {
        assert_eq!(
            ok("quay.io/busybox"),
            image("quay.io", "busybox", None, None)
        );
    }

    #[test]
    fn localhost_is_a_registry_with_or_without_a_port() {
        assert_eq!(
            ok("localhost:5000/x"),
            image("localhost:5000", "x", None, None)
        );
        assert_eq!(ok("localhost/x"), image("localhost", "x", None, None));
    }

    #[test]
    fn an_ipv4_address_with_port_is_a_registry() {
        assert_eq!(
            ok("127.0.0.1:5000/a/b:c"),
            image("127.0.0.1:5000", "a/b", Some("c"), None)
        );
    }

    #[test]
    fn a_bracketed_ipv6_address_is_a_registry() {
        assert_eq!(ok("[::1]:5000/x"), image("[::1]:5000", "x", None, None));
        assert_eq!(
            ok("[2001:db8::1]/x"),
            image("[2001:db8::1]", "x", None, None)
        );
    }

    #[test]
    fn a_registry_with_port_may_pin_a_digest() {
        assert_eq!(
            ok(&format!("registry.example.com:443/team/app@{SHA}")),
            image("registry.example.com:443", "team/app", None, Some(SHA))
        );
    }

    #[test]
    fn any_name_with_a_colon_before_the_first_slash_is_a_registry() {
        // Docker reads `python:3/x` as registry `python:3`; the linter must agree.
        assert_eq!(ok("python:3/x"), image("python:3", "x", None, None));
    }

    #[test]
    fn uppercase_is_allowed_in_the_registry() {
        assert_eq!(
            ok("UPPER.example.com/x"),
            image("UPPER.example.com", "x", None, None)
        );
    }

    #[test]
    fn an_uppercase_first_component_is_taken_as_a_registry() {
        assert_eq!(ok("Foo/bar"), image("Foo", "bar", None, None));
    }

    #[test]
    fn malformed_registries_are_rejected() {
        for reference in [
            "localhost:/x",
            "localhost:50a/x",
            "-bad.com/x",
            "bad-.com/x",
            "a..b/x",
            "[::1/x",
            "[]/x",
            "[fe80::1%eth0]/x",
            "[::1]5000/x",
            "a_b.com/x",
        ] {
            assert!(is_invalid_format(reference), "{reference:?}");
        }
    }

    // --- repository path ----------------------------------------------------------------------

    #[test]
    fn path_components_allow_dot_underscore_double_underscore_and_dashes() {
        for reference in ["a.b", "a_b", "a__b", "a-b", "a---b", "a0/b1.c_d__e-f"] {
            assert!(parse(reference).is_ok(), "{reference:?}");
        }
    }

    #[test]
    fn path_components_refuse_other_separators() {
        for reference in ["a___b", "a._b", "a..b", "-a", "a-", "_a", "a.", "a+b"] {
            assert!(is_invalid_format(reference), "{reference:?}");
        }
    }

    #[test]
    fn an_uppercase_repository_is_a_case_error() {
        assert_eq!(err("Python"), ImageRefError::Uppercase("Python".to_owned()));
        assert_eq!(
            err("myuser/App:1"),
            ImageRefError::Uppercase("myuser/App".to_owned())
        );
        assert_eq!(
            err("ghcr.io/Owner/repo"),
            ImageRefError::Uppercase("Owner/repo".to_owned())
        );
        assert!(err("Python").to_string().contains("must be lowercase"));
    }

    #[test]
    fn uppercase_is_allowed_in_the_tag() {
        assert_eq!(ok("python:Latest").tag.as_deref(), Some("Latest"));
    }

    #[test]
    fn a_trailing_slash_is_an_empty_component() {
        assert!(is_invalid_format("x/"));
        assert!(is_invalid_format("ghcr.io/x/"));
    }

    #[test]
    fn a_double_slash_is_an_empty_component() {
        assert!(is_invalid_format("a//b"));
        assert!(is_invalid_format("/x"));
    }

    #[test]
    fn a_missing_repository_is_an_error() {
        assert!(is_invalid_format(":tag"));
        assert!(is_invalid_format(&format!("@{SHA}")));
        assert!(is_invalid_format("docker.io/"));
        assert!(is_invalid_format("ghcr.io/:1"));
    }

    #[test]
    fn the_empty_string_is_its_own_error() {
        assert_eq!(err(""), ImageRefError::Empty);
    }

    #[test]
    fn whitespace_and_other_characters_are_rejected() {
        for reference in [" python", "python ", "py thon", "pythön", "python#3"] {
            assert!(parse(reference).is_err(), "{reference:?}");
        }
    }

    #[test]
    fn a_64_hex_image_id_is_not_a_name() {
        let id = &SHA["sha256:".len()..];
        assert_eq!(err(id), ImageRefError::HexIdentifier(id.to_owned()));
        // One character fewer is an ordinary (if odd) repository name.
        assert!(parse(&id[1..]).is_ok());
    }

    #[test]
    fn the_repository_path_may_be_255_characters() {
        let path = format!("x/{}", "a".repeat(253));
        assert_eq!(ok(&path).repository.len(), 255);
    }

    #[test]
    fn a_256_character_repository_path_is_too_long() {
        let path = format!("x/{}", "a".repeat(254));
        assert_eq!(err(&path), ImageRefError::NameTooLong { len: 256 });
    }

    #[test]
    fn the_implied_library_prefix_counts_towards_the_limit() {
        let name = "a".repeat(250);
        assert_eq!(err(&name), ImageRefError::NameTooLong { len: 258 });
    }

    #[test]
    fn the_registry_does_not_count_towards_the_limit() {
        let reference = format!("registry.example.com:5000/x/{}", "a".repeat(253));
        assert!(parse(&reference).is_ok());
    }

    // --- tags ---------------------------------------------------------------------------------

    #[test]
    fn a_tag_must_start_with_a_word_character() {
        assert!(matches!(err("x:-bad"), ImageRefError::InvalidTag { .. }));
        assert!(matches!(err("x:.bad"), ImageRefError::InvalidTag { .. }));
        assert_eq!(ok("x:_ok").tag.as_deref(), Some("_ok"));
    }

    #[test]
    fn an_empty_tag_is_an_error() {
        assert!(matches!(err("x:"), ImageRefError::InvalidTag { .. }));
        assert!(matches!(
            err(&format!("x:@{SHA}")),
            ImageRefError::InvalidTag { .. }
        ));
    }

    #[test]
    fn a_tag_holds_at_most_128_characters() {
        assert!(parse(&format!("x:{}", "t".repeat(128))).is_ok());
        assert!(matches!(
            err(&format!("x:{}", "t".repeat(129))),
            ImageRefError::InvalidTag { .. }
        ));
    }

    #[test]
    fn a_tag_cannot_hold_a_colon_or_slash() {
        assert!(matches!(err("x:1:2"), ImageRefError::InvalidTag { .. }));
        assert!(matches!(
            err("ghcr.io/x:1/2"),
            ImageRefError::InvalidTag { .. }
        ));
    }

    // --- digests ------------------------------------------------------------------------------

    #[test]
    fn a_short_sha256_digest_is_rejected() {
        assert!(matches!(
            err("x@sha256:short"),
            ImageRefError::InvalidDigest { .. }
        ));
        assert!(matches!(
            err(&format!("x@{}", &SHA[..SHA.len() - 1])),
            ImageRefError::InvalidDigest { .. }
        ));
    }

    #[test]
    fn a_sha256_digest_must_be_lowercase_hex() {
        let upper = format!("x@sha256:{}", SHA["sha256:".len()..].to_uppercase());
        assert!(matches!(err(&upper), ImageRefError::InvalidDigest { .. }));
    }

    #[test]
    fn sha512_digests_need_128_hex_digits() {
        assert!(parse(&format!("x@sha512:{}", "ab".repeat(64))).is_ok());
        assert!(matches!(
            err(&format!("x@sha512:{}", "ab".repeat(32))),
            ImageRefError::InvalidDigest { .. }
        ));
    }

    #[test]
    fn other_algorithms_follow_the_grammar() {
        assert!(parse(&format!("x@blake3:{}", "c".repeat(64))).is_ok());
        assert!(parse(&format!("x@multi+hash.v1:{}", "C".repeat(32))).is_ok());
        for digest in [
            format!("1sha:{}", "c".repeat(64)),
            format!("sha--x:{}", "c".repeat(64)),
            format!("blake3:{}", "c".repeat(31)),
            format!("blake3:{}", "g".repeat(64)),
            "sha256".to_owned(),
            String::new(),
        ] {
            assert!(
                matches!(
                    err(&format!("x@{digest}")),
                    ImageRefError::InvalidDigest { .. }
                ),
                "{digest:?}"
            );
        }
    }

    #[test]
    fn a_second_at_sign_is_an_invalid_digest() {
        assert!(matches!(
            err(&format!("x@{SHA}@{SHA}")),
            ImageRefError::InvalidDigest { .. }
        ));
    }

    // --- printing -----------------------------------------------------------------------------

    #[test]
    fn familiar_drops_docker_io_and_the_official_prefix() {
        assert_eq!(
            ok("docker.io/library/python:3.12").familiar(),
            "python:3.12"
        );
        assert_eq!(ok("docker.io/myuser/app").familiar(), "myuser/app");
        assert_eq!(ok("ghcr.io/x/y:1").familiar(), "ghcr.io/x/y:1");
        assert_eq!(ok("index.docker.io/library/a/b").familiar(), "library/a/b");
        assert_eq!(
            ok(&format!("python:3@{SHA}")).familiar(),
            format!("python:3@{SHA}")
        );
    }

    #[test]
    fn familiar_name_has_no_tag_or_digest() {
        assert_eq!(ok(&format!("python:3@{SHA}")).familiar_name(), "python");
        assert_eq!(ok("localhost:5000/x:1").familiar_name(), "localhost:5000/x");
    }

    #[test]
    fn familiar_round_trips() {
        for reference in [
            "python",
            "python:3.12",
            &format!("python:3.12-slim@{SHA}"),
            "index.docker.io/library/python:3",
            "myuser/app",
            "library/a/b",
            "ghcr.io/owner/repo:tag",
            "localhost/x",
            "localhost:5000/x",
            "127.0.0.1:5000/a/b:c",
            "[::1]:5000/x",
            "registry-1.docker.io/library/python",
            "Foo/bar",
            &format!("registry.example.com:443/team/app@{SHA}"),
        ] {
            let parsed = ok(reference);
            assert_eq!(ok(&parsed.familiar()), parsed, "{reference:?}");
            assert_eq!(ok(&parsed.full()), parsed, "{reference:?}");
        }
    }

    #[test]
    fn full_and_name_are_fully_qualified() {
        let python = ok(&format!("python:3.12@{SHA}"));
        assert_eq!(
            python.full(),
            format!("docker.io/library/python:3.12@{SHA}")
        );
        assert_eq!(python.name(), "docker.io/library/python");
        assert_eq!(python.to_string(), python.full());
        assert_eq!(ok("python").full(), "docker.io/library/python");
    }

    #[test]
    fn from_str_is_parse() {
        assert_eq!("python:3".parse::<ImageRef>(), parse("python:3"));
    }

    // --- questions callers ask ----------------------------------------------------------------

    #[test]
    fn tag_or_latest_adds_latest_only_to_a_bare_name() {
        assert_eq!(ok("python").tag_or_latest(), "latest");
        assert_eq!(ok("python:3").tag_or_latest(), "3");
        assert_eq!(ok(&format!("python:3@{SHA}")).tag_or_latest(), "3");
        assert_eq!(ok(&format!("python@{SHA}")).tag_or_latest(), SHA);
    }

    #[test]
    fn docker_ref_keeps_the_digest_over_the_tag() {
        assert_eq!(
            ok(&format!("python:3@{SHA}")).docker_ref(),
            image("docker.io", "library/python", None, Some(SHA))
        );
        assert_eq!(
            ok("python").docker_ref(),
            image("docker.io", "library/python", Some("latest"), None)
        );
        assert_eq!(ok("python:3").docker_ref(), ok("python:3"));
    }

    #[test]
    fn official_images_are_single_names_under_library_on_docker_hub() {
        assert!(ok("python").is_official());
        assert!(ok("docker.io/library/python:3").is_official());
        assert!(!ok("myuser/app").is_official());
        assert!(!ok("library/a/b").is_official());
        assert!(!ok("ghcr.io/library/python").is_official());
    }

    #[test]
    fn docker_hub_is_docker_io() {
        assert!(ok("python").is_docker_hub());
        assert!(ok("myuser/app").is_docker_hub());
        assert!(!ok("ghcr.io/x/y").is_docker_hub());
        assert!(!ok("localhost/x").is_docker_hub());
    }

    #[test]
    fn the_registry_host_of_docker_hub_is_registry_1() {
        assert_eq!(ok("python").registry_host(), "registry-1.docker.io");
        assert_eq!(ok("ghcr.io/x/y").registry_host(), "ghcr.io");
        assert_eq!(ok("localhost:5000/x").registry_host(), "localhost:5000");
    }

    #[test]
    fn a_dollar_sign_means_an_unexpanded_variable() {
        assert!(has_unexpanded_variable("${BASE_IMAGE}"));
        assert!(has_unexpanded_variable("python:$VERSION"));
        assert!(has_unexpanded_variable("$REGISTRY/app:1"));
        assert!(!has_unexpanded_variable("python:3.12"));
    }

    #[test]
    fn error_messages_name_the_faulty_part() {
        assert!(err("a//b").to_string().contains("empty path component"));
        assert!(err("localhost:/x").to_string().contains("registry"));
        assert!(err("x:-bad").to_string().contains("tag"));
        assert!(err("x@sha256:short").to_string().contains("digest"));
        assert!(err(&"a".repeat(300)).to_string().contains("255"));
    }
}
