//! HTTP to registries: the challenge, tokens, HEAD and GET of manifests and blobs, within limits and back-offs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use sha2::Digest as _;
use tokio::sync::Semaphore;

use super::auth::{self, Challenge, Credential, Token};
use super::error::RegistryError;
use super::flight::Flights;
use super::manifest;
use super::settings::RegistrySettings;
use crate::analysis::image_ref::ImageRef;

/// The largest manifest or config accepted (distribution refuses manifests over 4 MB).
const MAX_BODY: usize = 16 * 1024 * 1024;
/// How long a host that refused connections is left alone.
const UNREACHABLE_PAUSE: Duration = Duration::from_secs(30);
/// How long a host that timed out is left alone, so that a slow registry is not asked again at every keystroke.
const TIMEOUT_PAUSE: Duration = Duration::from_secs(10);
/// The pause after a 429 without `Retry-After`.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Where requests for one registry go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// `https://registry-1.docker.io`, or the mirror's base URL, without a trailing `/`.
    pub base: String,
    /// The host requests go to (`registry-1.docker.io`, `127.0.0.1:5000`): for messages,
    /// per-host state and credentials.
    pub host: String,
}

impl Endpoint {
    /// The endpoint for an image: its registry's mirror if one is configured, else the
    /// registry itself, over HTTPS unless the host may use HTTP.
    pub fn for_image(
        settings: &RegistrySettings,
        image: &ImageRef,
    ) -> Result<Endpoint, RegistryError> {
        let mirror = settings
            .mirrors
            .get(&image.registry)
            .or_else(|| settings.mirrors.get(image.registry_host()));
        if let Some(base) = mirror {
            let url = reqwest::Url::parse(base).map_err(|e| {
                RegistryError::Reference(format!("mirror `{base}` is not a URL: {e}"))
            })?;
            let host = match (url.host_str(), url.port()) {
                (Some(name), Some(port)) => format!("{name}:{port}"),
                (Some(name), None) => name.to_owned(),
                (None, _) => {
                    return Err(RegistryError::Reference(format!(
                        "mirror `{base}` has no host"
                    )));
                }
            };
            return Ok(Endpoint {
                base: base.trim_end_matches('/').to_owned(),
                host,
            });
        }
        let host = image.registry_host().to_owned();
        let scheme = if settings.allows_http(&host) {
            "http"
        } else {
            "https"
        };
        Ok(Endpoint {
            base: format!("{scheme}://{host}"),
            host,
        })
    }
}

/// What a HEAD of a manifest told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Head {
    pub digest: String,
    pub media_type: Option<String>,
}

/// A manifest as fetched: its bytes, verified against `digest`.
#[derive(Debug, Clone)]
pub(crate) struct Fetched {
    pub bytes: Arc<[u8]>,
    pub media_type: Option<String>,
    pub digest: String,
}

/// Why a host is not asked for now.
#[derive(Debug, Clone)]
struct Pause {
    until: Instant,
    error: RegistryError,
}

#[derive(Debug, Default)]
struct HostState {
    challenge: Option<Challenge>,
    pause: Option<Pause>,
    /// Docker Hub's `ratelimit-remaining`, last seen.
    remaining: Option<u64>,
}

/// A registry client shared by every lookup: tokens, credentials and host state are kept here.
#[derive(Debug)]
pub(crate) struct Client {
    http: reqwest::Client,
    settings: Arc<RegistrySettings>,
    permits: Semaphore,
    hosts: Mutex<HashMap<String, HostState>>,
    pings: Flights<String, Result<Challenge, RegistryError>>,
    tokens: Mutex<HashMap<(String, String), Token>>,
    token_flights: Flights<(String, String), Result<Token, RegistryError>>,
    credentials: Mutex<HashMap<String, Option<Credential>>>,
    /// Requests sent, for the user's log and the tests of request sharing.
    sent: std::sync::atomic::AtomicUsize,
}

impl Client {
    pub fn new(settings: Arc<RegistrySettings>) -> Result<Client, RegistryError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("dockerfile-lsp/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(settings.timeout)
            .timeout(settings.timeout)
            // Registries redirect blob downloads to storage; reqwest drops the
            // Authorization header when a redirect leaves the host.
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .map_err(|e| RegistryError::Protocol {
                host: "-".to_owned(),
                message: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(Client {
            http,
            permits: Semaphore::new(settings.max_requests.max(1)),
            settings,
            hosts: Mutex::default(),
            pings: Flights::default(),
            tokens: Mutex::default(),
            token_flights: Flights::default(),
            credentials: Mutex::default(),
            sent: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    /// Requests sent so far.
    pub fn requests_sent(&self) -> usize {
        self.sent.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Docker Hub's remaining pulls for a host, as last reported.
    pub fn remaining_pulls(&self, host: &str) -> Option<u64> {
        self.with_host(host, |state| state.remaining)
    }

    /// The reason a host is paused, if it is.
    pub fn paused(&self, host: &str) -> Option<RegistryError> {
        self.with_host(host, |state| match &state.pause {
            Some(pause) if pause.until > Instant::now() => Some(pause.error.clone()),
            _ => None,
        })
    }

    /// The digest a tag points at, by HEAD (which Docker Hub does not count as a pull).
    /// `None` when the registry sends no `Docker-Content-Digest`.
    pub async fn head_manifest(
        &self,
        endpoint: &Endpoint,
        repository: &str,
        reference: &str,
    ) -> Result<Option<Head>, RegistryError> {
        let path = format!("/v2/{repository}/manifests/{reference}");
        let response = self
            .request(endpoint, Method::HEAD, &path, repository)
            .await?;
        let headers = response.headers();
        Ok(header(headers, "docker-content-digest").map(|digest| Head {
            digest,
            media_type: header(headers, CONTENT_TYPE.as_str()),
        }))
    }

    /// A manifest by tag or digest, verified: against the digest asked for, else the
    /// digest the registry declared.
    pub async fn get_manifest(
        &self,
        endpoint: &Endpoint,
        repository: &str,
        reference: &str,
    ) -> Result<Fetched, RegistryError> {
        let path = format!("/v2/{repository}/manifests/{reference}");
        let response = self
            .request(endpoint, Method::GET, &path, repository)
            .await?;
        let media_type = header(response.headers(), CONTENT_TYPE.as_str());
        let declared = header(response.headers(), "docker-content-digest");
        let bytes = read_body(endpoint, response, &self.settings).await?;
        let expected = if reference.contains(':') {
            reference.to_owned()
        } else {
            declared.unwrap_or_else(|| sha256_digest(&bytes))
        };
        verify(endpoint, &expected, &bytes)?;
        Ok(Fetched {
            bytes: bytes.into(),
            media_type,
            digest: expected,
        })
    }

    /// The tags of a repository (`/v2/<name>/tags/list`), following `Link` pages up to
    /// `limit` tags.
    pub async fn tags(
        &self,
        endpoint: &Endpoint,
        repository: &str,
        limit: usize,
    ) -> Result<Vec<String>, RegistryError> {
        #[derive(serde::Deserialize)]
        struct TagList {
            #[serde(default)]
            tags: Option<Vec<String>>,
        }
        let mut tags = Vec::new();
        let mut path = format!("/v2/{repository}/tags/list?n=1000");
        for _ in 0..10 {
            let response = self
                .request(endpoint, Method::GET, &path, repository)
                .await?;
            let next = header(response.headers(), "link").and_then(|link| next_page(&link));
            let body = read_body(endpoint, response, &self.settings).await?;
            let page: TagList =
                serde_json::from_slice(&body).map_err(|e| RegistryError::Protocol {
                    host: endpoint.host.clone(),
                    message: format!("unreadable tag list: {e}"),
                })?;
            tags.extend(page.tags.unwrap_or_default());
            match next {
                Some(next) if tags.len() < limit => path = next,
                _ => break,
            }
        }
        tags.truncate(limit);
        Ok(tags)
    }

    /// A blob (an image config), verified against its digest.
    pub async fn get_blob(
        &self,
        endpoint: &Endpoint,
        repository: &str,
        digest: &str,
    ) -> Result<Arc<[u8]>, RegistryError> {
        let path = format!("/v2/{repository}/blobs/{digest}");
        let response = self
            .request(endpoint, Method::GET, &path, repository)
            .await?;
        let bytes = read_body(endpoint, response, &self.settings).await?;
        verify(endpoint, digest, &bytes)?;
        Ok(bytes.into())
    }

    /// Sends a request with the authorization the registry wants, once more with a new
    /// token if the first is refused, and turns failures into [`RegistryError`]s.
    async fn request(
        &self,
        endpoint: &Endpoint,
        method: Method,
        path: &str,
        repository: &str,
    ) -> Result<reqwest::Response, RegistryError> {
        if self.settings.offline {
            return Err(RegistryError::Offline);
        }
        if let Some(error) = self.paused(&endpoint.host) {
            return Err(error);
        }
        let challenge = self.challenge(endpoint).await?;
        let mut renewed = false;
        loop {
            let authorization = self
                .authorization(endpoint, &challenge, repository, renewed)
                .await?;
            let response = self
                .send(endpoint, method.clone(), path, authorization)
                .await?;
            if response.status() == StatusCode::UNAUTHORIZED
                && !renewed
                && matches!(challenge, Challenge::Bearer { .. })
            {
                // The token may have expired early: one more try with a new one.
                renewed = true;
                continue;
            }
            return self.check_status(endpoint, response).await;
        }
    }

    async fn send(
        &self,
        endpoint: &Endpoint,
        method: Method,
        path: &str,
        authorization: Option<String>,
    ) -> Result<reqwest::Response, RegistryError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| RegistryError::Offline)?;
        if let Some(error) = self.paused(&endpoint.host) {
            return Err(error);
        }
        let mut request = self
            .http
            .request(method, format!("{}{path}", endpoint.base))
            .header(ACCEPT, manifest::ACCEPT);
        if let Some(value) = authorization {
            request = request.header(AUTHORIZATION, value);
        }
        self.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::debug!("registry request {}{path}", endpoint.host);
        let response = request
            .send()
            .await
            .map_err(|e| self.transport_error(&endpoint.host, &e))?;
        if let Some(remaining) = header(response.headers(), "ratelimit-remaining")
            .and_then(|v| v.split(';').next()?.trim().parse::<u64>().ok())
        {
            self.with_host(&endpoint.host, |state| state.remaining = Some(remaining));
        }
        Ok(response)
    }

    /// A connection failure pauses the host, so that an offline machine does not retry at every keystroke.
    fn transport_error(&self, host: &str, error: &reqwest::Error) -> RegistryError {
        let (failure, pause) = if error.is_timeout() {
            let failure = RegistryError::Timeout {
                host: host.to_owned(),
                milliseconds: u64::try_from(self.settings.timeout.as_millis()).unwrap_or(u64::MAX),
            };
            (failure, TIMEOUT_PAUSE)
        } else {
            let reason = if error.is_connect() {
                "cannot connect".to_owned()
            } else {
                root_cause(error)
            };
            let failure = RegistryError::Unreachable {
                host: host.to_owned(),
                reason,
            };
            (failure, UNREACHABLE_PAUSE)
        };
        tracing::info!("registry {host}: {failure}");
        self.pause(host, pause, failure.clone());
        failure
    }

    fn pause(&self, host: &str, length: Duration, error: RegistryError) {
        self.with_host(host, |state| {
            state.pause = Some(Pause {
                until: Instant::now() + length,
                error,
            });
        });
    }

    async fn check_status(
        &self,
        endpoint: &Endpoint,
        response: reqwest::Response,
    ) -> Result<reqwest::Response, RegistryError> {
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let host = endpoint.host.clone();
        match status {
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(RegistryError::NotFound {
                host,
                missing: false,
            }),
            StatusCode::NOT_FOUND => Err(RegistryError::NotFound {
                host,
                missing: true,
            }),
            StatusCode::TOO_MANY_REQUESTS => {
                let wait = header(response.headers(), "retry-after")
                    .and_then(|v| retry_after(&v))
                    .unwrap_or(DEFAULT_RETRY_AFTER)
                    .min(Duration::from_secs(3600));
                let error = RegistryError::RateLimited {
                    host: host.clone(),
                    until: SystemTime::now() + wait,
                };
                tracing::info!("registry {host}: {error}");
                self.pause(&host, wait, error.clone());
                Err(error)
            }
            _ => {
                let body = response.text().await.unwrap_or_default();
                Err(RegistryError::Status {
                    host,
                    status: status.as_u16(),
                    message: error_message(&body),
                })
            }
        }
    }

    /// How the host wants requests authorized, learnt once with `GET /v2/`.
    async fn challenge(&self, endpoint: &Endpoint) -> Result<Challenge, RegistryError> {
        if let Some(known) = self.with_host(&endpoint.host, |s| s.challenge.clone()) {
            return Ok(known);
        }
        self.pings
            .run(endpoint.host.clone(), || async {
                let response = self.send(endpoint, Method::GET, "/v2/", None).await?;
                let challenge = match response.status() {
                    status if status.is_success() => Challenge::None,
                    StatusCode::UNAUTHORIZED => {
                        header(response.headers(), WWW_AUTHENTICATE.as_str())
                            .and_then(|h| auth::parse_challenge(&h))
                            .unwrap_or(Challenge::Basic)
                    }
                    _ => {
                        // Not a registry's answer (a proxy page, a 5xx): report it as such.
                        self.check_status(endpoint, response).await?;
                        return Err(RegistryError::Protocol {
                            host: endpoint.host.clone(),
                            message: "`/v2/` did not answer as a registry does".to_owned(),
                        });
                    }
                };
                self.with_host(&endpoint.host, |s| s.challenge = Some(challenge.clone()));
                Ok(challenge)
            })
            .await
    }

    async fn authorization(
        &self,
        endpoint: &Endpoint,
        challenge: &Challenge,
        repository: &str,
        renew: bool,
    ) -> Result<Option<String>, RegistryError> {
        match challenge {
            Challenge::None => Ok(None),
            Challenge::Basic => Ok(self
                .credential(&endpoint.host)
                .await
                .and_then(|c| c.basic_header())),
            Challenge::Bearer { realm, service } => {
                let scope = format!("repository:{repository}:pull");
                let key = (endpoint.host.clone(), scope.clone());
                if !renew {
                    let tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
                    if let Some(token) = tokens.get(&key).filter(|t| t.is_fresh()) {
                        return Ok(Some(format!("Bearer {}", token.value)));
                    }
                }
                let token = self
                    .token_flights
                    .run(key.clone(), || {
                        self.fetch_token(endpoint, realm, service.as_deref(), &scope)
                    })
                    .await?;
                self.tokens
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(key, token.clone());
                Ok(Some(format!("Bearer {}", token.value)))
            }
        }
    }

    /// A token for `scope` from the realm, with the user's credentials for the host if any.
    async fn fetch_token(
        &self,
        endpoint: &Endpoint,
        realm: &str,
        service: Option<&str>,
        scope: &str,
    ) -> Result<Token, RegistryError> {
        let url = reqwest::Url::parse(realm).map_err(|e| RegistryError::Protocol {
            host: endpoint.host.clone(),
            message: format!("token realm `{realm}` is not a URL: {e}"),
        })?;
        let realm_host = match (url.host_str(), url.port()) {
            (Some(name), Some(port)) => format!("{name}:{port}"),
            (Some(name), None) => name.to_owned(),
            (None, _) => String::new(),
        };
        if url.scheme() != "https" && !self.settings.allows_http(&realm_host) {
            return Err(RegistryError::Protocol {
                host: endpoint.host.clone(),
                message: format!("token realm `{realm}` is not HTTPS"),
            });
        }
        let credential = self.credential(&endpoint.host).await;
        let mut pairs: Vec<(&str, &str)> = vec![("scope", scope)];
        if let Some(service) = service {
            pairs.push(("service", service));
        }
        let request = match &credential {
            Some(Credential::IdentityToken(refresh)) => {
                pairs.extend([
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh.as_str()),
                    ("client_id", "dockerfile-lsp"),
                ]);
                self.http
                    .post(url)
                    .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(auth::token_form(&pairs))
            }
            basic => {
                let mut url = url;
                url.query_pairs_mut().extend_pairs(&pairs);
                let request = self.http.get(url);
                match basic.as_ref().and_then(Credential::basic_header) {
                    Some(value) => request.header(AUTHORIZATION, value),
                    None => request,
                }
            }
        };
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| RegistryError::Offline)?;
        self.sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let response = request
            .send()
            .await
            .map_err(|e| self.transport_error(&endpoint.host, &e))?;
        let response = self.check_status(endpoint, response).await?;
        let body = read_body(endpoint, response, &self.settings).await?;
        serde_json::from_slice::<auth::TokenResponse>(&body)
            .ok()
            .and_then(auth::TokenResponse::into_token)
            .ok_or_else(|| RegistryError::Protocol {
                host: endpoint.host.clone(),
                message: "the token server's answer holds no token".to_owned(),
            })
    }

    /// The user's credentials for a host, read once (helpers are programs: run off the async thread).
    async fn credential(&self, host: &str) -> Option<Credential> {
        if let Some(known) = self
            .credentials
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(host)
        {
            return known.clone();
        }
        let dir = self.settings.docker_config.clone()?;
        let owned = host.to_owned();
        let found = tokio::task::spawn_blocking(move || auth::credential_for(&dir, &owned))
            .await
            .ok()
            .flatten();
        self.credentials
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(host.to_owned(), found.clone());
        found
    }

    fn with_host<T>(&self, host: &str, f: impl FnOnce(&mut HostState) -> T) -> T {
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        f(hosts.entry(host.to_owned()).or_default())
    }
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// The path of the next page in a `Link: </v2/...?last=x&n=1000>; rel="next"` header.
fn next_page(link: &str) -> Option<String> {
    let (target, params) = link.split_once(';')?;
    if !params.contains("rel=\"next\"") && !params.contains("rel=next") {
        return None;
    }
    let target = target.trim().strip_prefix('<')?.strip_suffix('>')?;
    // Only a path on the same registry: an absolute URL elsewhere is not followed.
    target.starts_with("/v2/").then(|| target.to_owned())
}

/// `Retry-After`: seconds, or an HTTP date.
fn retry_after(value: &str) -> Option<Duration> {
    if let Ok(seconds) = value.trim().parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = jiff::fmt::rfc2822::parse(value.trim()).ok()?.timestamp();
    let at = SystemTime::from(at);
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// The message of a distribution error body (`{"errors":[{"code":…,"message":…}]}`), else the text.
fn error_message(body: &str) -> String {
    #[derive(serde::Deserialize)]
    struct Errors {
        errors: Vec<ErrorEntry>,
    }
    #[derive(serde::Deserialize)]
    struct ErrorEntry {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    if let Ok(parsed) = serde_json::from_str::<Errors>(body)
        && let Some(first) = parsed.errors.first()
    {
        return format!("{} {}", first.code, first.message)
            .trim()
            .to_owned();
    }
    body.chars().take(200).collect::<String>().trim().to_owned()
}

fn root_cause(error: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = error;
    while let Some(next) = source.source() {
        source = next;
    }
    source.to_string()
}

async fn read_body(
    endpoint: &Endpoint,
    mut response: reqwest::Response,
    settings: &RegistrySettings,
) -> Result<Vec<u8>, RegistryError> {
    let too_big = || RegistryError::Protocol {
        host: endpoint.host.clone(),
        message: format!("a document larger than {} MB", MAX_BODY / (1024 * 1024)),
    };
    if response
        .content_length()
        .is_some_and(|n| n > MAX_BODY as u64)
    {
        return Err(too_big());
    }
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_BODY {
                    return Err(too_big());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) if e.is_timeout() => {
                return Err(RegistryError::Timeout {
                    host: endpoint.host.clone(),
                    milliseconds: u64::try_from(settings.timeout.as_millis()).unwrap_or(u64::MAX),
                });
            }
            Err(e) => {
                return Err(RegistryError::Unreachable {
                    host: endpoint.host.clone(),
                    reason: root_cause(&e),
                });
            }
        }
    }
}

pub(crate) fn sha256_digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

/// Whether `bytes` hash to `digest` (sha256 or sha512).
pub(crate) fn matches_digest(digest: &str, bytes: &[u8]) -> bool {
    match digest.split_once(':') {
        Some(("sha256", hex)) => hex::encode(sha2::Sha256::digest(bytes)) == hex,
        Some(("sha512", hex)) => hex::encode(sha2::Sha512::digest(bytes)) == hex,
        _ => false,
    }
}

fn verify(endpoint: &Endpoint, digest: &str, bytes: &[u8]) -> Result<(), RegistryError> {
    if matches_digest(digest, bytes) {
        Ok(())
    } else {
        Err(RegistryError::Protocol {
            host: endpoint.host.clone(),
            message: format!("the content does not match its digest {digest}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::image_ref;

    fn endpoint(settings: &RegistrySettings, reference: &str) -> Endpoint {
        let image = image_ref::parse(reference).expect("reference");
        Endpoint::for_image(settings, &image).expect("endpoint")
    }

    #[test]
    fn docker_hub_is_served_from_registry_1_unless_mirrored() {
        let mut settings = RegistrySettings::default();
        assert_eq!(
            endpoint(&settings, "python:3.12"),
            Endpoint {
                base: "https://registry-1.docker.io".to_owned(),
                host: "registry-1.docker.io".to_owned()
            }
        );
        assert_eq!(
            endpoint(&settings, "localhost:5000/app").base,
            "http://localhost:5000"
        );
        assert_eq!(endpoint(&settings, "ghcr.io/o/r").base, "https://ghcr.io");
        settings
            .mirrors
            .insert("docker.io".to_owned(), "http://127.0.0.1:5000/".to_owned());
        assert_eq!(
            endpoint(&settings, "python:3.12"),
            Endpoint {
                base: "http://127.0.0.1:5000".to_owned(),
                host: "127.0.0.1:5000".to_owned()
            }
        );
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        assert_eq!(retry_after("30"), Some(Duration::from_secs(30)));
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("soon"), None);
    }

    #[test]
    fn tag_list_pages() {
        assert_eq!(
            next_page(r#"</v2/library/python/tags/list?last=3.12&n=1000>; rel="next""#).as_deref(),
            Some("/v2/library/python/tags/list?last=3.12&n=1000")
        );
        assert_eq!(
            next_page(r#"<https://evil.example/v2/x>; rel="next""#),
            None
        );
        assert_eq!(next_page(r#"</v2/x>; rel="prev""#), None);
    }

    #[test]
    fn digests_are_checked() {
        let digest = sha256_digest(b"abc");
        assert!(matches_digest(&digest, b"abc"));
        assert!(!matches_digest(&digest, b"abd"));
        assert!(!matches_digest(
            "md5:900150983cd24fb0d6963f7d28e17f72",
            b"abc"
        ));
    }

    #[test]
    fn error_bodies_are_read() {
        assert_eq!(
            error_message(
                r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#
            ),
            "MANIFEST_UNKNOWN manifest unknown"
        );
        assert_eq!(error_message("bad gateway"), "bad gateway");
    }
}
