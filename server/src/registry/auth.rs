//! How a registry wants requests authorized: its challenge, the user's credentials for it, and bearer tokens.

use std::fmt;
use std::path::Path;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

/// What `GET /v2/` answered without credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Challenge {
    /// The registry is open.
    None,
    Basic,
    Bearer {
        realm: String,
        service: Option<String>,
    },
}

/// Reads a `WWW-Authenticate` header: `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`.
pub(crate) fn parse_challenge(header: &str) -> Option<Challenge> {
    let header = header.trim();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    match scheme.to_ascii_lowercase().as_str() {
        "basic" => Some(Challenge::Basic),
        "bearer" => {
            let params = parse_params(rest);
            let get = |name: &str| {
                params
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.clone())
            };
            Some(Challenge::Bearer {
                realm: get("realm")?,
                service: get("service"),
            })
        }
        _ => None,
    }
}

/// `key="value", key=value` pairs; a quoted value may hold commas and `\"`.
fn parse_params(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let key: String = std::iter::from_fn(|| chars.next_if(|c| *c != '=' && *c != ','))
            .collect::<String>()
            .trim()
            .to_owned();
        if key.is_empty() {
            return out;
        }
        if chars.next() != Some('=') {
            continue;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            value = std::iter::from_fn(|| chars.next_if(|c| *c != ','))
                .collect::<String>()
                .trim()
                .to_owned();
        }
        out.push((key, value));
    }
}

/// The user's credentials for one registry. Never printed: `Debug` hides them.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum Credential {
    Basic {
        username: String,
        password: String,
    },
    /// An OAuth2 refresh token (`identitytoken` in `config.json`).
    IdentityToken(String),
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Basic { username, .. } => write!(f, "Basic({username}, <hidden>)"),
            Credential::IdentityToken(_) => f.write_str("IdentityToken(<hidden>)"),
        }
    }
}

impl Credential {
    pub fn basic_header(&self) -> Option<String> {
        match self {
            Credential::Basic { username, password } => Some(format!(
                "Basic {}",
                STANDARD.encode(format!("{username}:{password}"))
            )),
            Credential::IdentityToken(_) => None,
        }
    }
}

/// The key `docker login` stores a registry's credentials under.
pub(crate) fn credential_key(host: &str) -> &str {
    match host {
        "docker.io" | "registry-1.docker.io" | "index.docker.io" => "https://index.docker.io/v1/",
        other => other,
    }
}

/// The credentials `config.json` in `docker_config` holds for `host` (`auths`, then
/// `credHelpers` and `credsStore`, which run `docker-credential-*` programs). Blocking.
pub(crate) fn credential_for(docker_config: &Path, host: &str) -> Option<Credential> {
    let file = std::fs::File::open(docker_config.join("config.json")).ok()?;
    let reader = std::io::BufReader::new(file);
    match docker_credential::get_credential_from_reader(reader, credential_key(host)) {
        Ok(docker_credential::DockerCredential::UsernamePassword(username, password)) => {
            Some(Credential::Basic { username, password })
        }
        Ok(docker_credential::DockerCredential::IdentityToken(token)) => {
            Some(Credential::IdentityToken(token))
        }
        Err(docker_credential::CredentialRetrievalError::NoCredentialConfigured) => None,
        Err(error) => {
            // The error names the helper, never the secret.
            tracing::warn!("credentials for {host}: {error}");
            None
        }
    }
}

/// A bearer token and when to stop using it.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub value: String,
    pub expires: Instant,
}

impl Token {
    pub fn is_fresh(&self) -> bool {
        // Leave a margin for the request on its way.
        Instant::now() + Duration::from_secs(5) < self.expires
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct TokenResponse {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl TokenResponse {
    pub fn into_token(self) -> Option<Token> {
        let value = self.token.or(self.access_token).filter(|t| !t.is_empty())?;
        // The token specification's default lifetime is 60 s.
        let lifetime = Duration::from_secs(self.expires_in.unwrap_or(60).clamp(10, 3600));
        Some(Token {
            value,
            expires: Instant::now() + lifetime,
        })
    }
}

/// The query of a token request (`service` and `scope`), or the form body of the OAuth2
/// refresh-token grant when the user has an identity token.
pub(crate) fn token_form(pairs: &[(&str, &str)]) -> String {
    let mut url = match reqwest::Url::parse("http://form.invalid/") {
        Ok(url) => url,
        Err(_) => return String::new(),
    };
    url.query_pairs_mut().extend_pairs(pairs);
    url.query().unwrap_or("").to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_hub_challenge() {
        let header = r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/python:pull,push""#;
        assert_eq!(
            parse_challenge(header),
            Some(Challenge::Bearer {
                realm: "https://auth.docker.io/token".to_owned(),
                service: Some("registry.docker.io".to_owned()),
            })
        );
    }

    #[test]
    fn other_challenges() {
        assert_eq!(
            parse_challenge(r#"Basic realm="Registry""#),
            Some(Challenge::Basic)
        );
        assert_eq!(
            parse_challenge("bearer realm=http://127.0.0.1:9/token"),
            Some(Challenge::Bearer {
                realm: "http://127.0.0.1:9/token".to_owned(),
                service: None
            })
        );
        assert_eq!(parse_challenge("Bearer service=\"x\""), None);
        assert_eq!(parse_challenge("Negotiate abc"), None);
    }

    #[test]
    fn credentials_come_from_the_registry_entry_only() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("config.json"),
            r#"{"auths": {
                "127.0.0.1:5000": {"auth": "dGVzdGVyOnNlY3JldA=="},
                "https://index.docker.io/v1/": {"identitytoken": "refresh-me"}
            }}"#,
        )
        .expect("write config");
        let basic = credential_for(dir.path(), "127.0.0.1:5000");
        assert_eq!(
            basic,
            Some(Credential::Basic {
                username: "tester".to_owned(),
                password: "secret".to_owned()
            })
        );
        assert_eq!(
            credential_for(dir.path(), "docker.io"),
            Some(Credential::IdentityToken("refresh-me".to_owned()))
        );
        assert_eq!(credential_for(dir.path(), "ghcr.io"), None);
        assert_eq!(format!("{basic:?}"), "Some(Basic(tester, <hidden>))");
    }

    #[test]
    fn token_responses() {
        let token: TokenResponse =
            serde_json::from_str(r#"{"access_token":"abc","expires_in":300}"#).expect("json");
        assert_eq!(token.into_token().map(|t| t.value).as_deref(), Some("abc"));
        let empty: TokenResponse = serde_json::from_str("{}").expect("json");
        assert!(empty.into_token().is_none());
        assert_eq!(
            token_form(&[("scope", "repository:a/b:pull"), ("service", "x y")]),
            "scope=repository%3Aa%2Fb%3Apull&service=x+y"
        );
    }
}
