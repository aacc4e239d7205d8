//! The fault proxy: what clients talk to. It forwards every request to the registry as it came
//! (method, path and query, headers, body; redirects are passed through, not followed), adds
//! Docker Hub's rate limit headers to manifest responses, logs every request, and answers
//! requests to `/v2/…` with the fault of the moment instead when one is set.
//!
//! The `Host` header is forwarded too, so the absolute URLs the registry builds (upload
//! locations) name the proxy.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State as Extract};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde_json::json;

use super::{Fault, SeenRequest};

/// Docker Hub's anonymous limit: 100 manifest GETs per 6 hours.
const RATE_LIMIT: u64 = 100;
const RATE_WINDOW: &str = "w=21600";
/// The largest request body the proxy forwards.
const MAX_BODY: usize = 256 * 1024 * 1024;

pub struct State {
    registry: String,
    client: reqwest::Client,
    fault: Mutex<Fault>,
    seen: Mutex<Vec<SeenRequest>>,
    /// Manifest GETs left in the rate limit window.
    remaining: AtomicU64,
}

impl State {
    pub fn new(registry: SocketAddr, client: reqwest::Client) -> State {
        State {
            registry: format!("http://{registry}"),
            client,
            fault: Mutex::new(Fault::None),
            seen: Mutex::new(Vec::new()),
            remaining: AtomicU64::new(RATE_LIMIT),
        }
    }

    pub fn set_fault(&self, fault: Fault) {
        *self.fault.lock().unwrap_or_else(PoisonError::into_inner) = fault;
    }

    fn fault(&self) -> Fault {
        *self.fault.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn requests(&self) -> Vec<SeenRequest> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn clear_requests(&self) {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    fn record(&self, request: SeenRequest) {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(request);
    }
}

/// Serves the proxy on a free port of 127.0.0.1; returns its address.
pub async fn serve(state: Arc<State>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the fault proxy");
    let addr = listener.local_addr().expect("the fault proxy's address");
    let app = Router::new().fallback(handle).with_state(state);
    tokio::spawn(async move {
        axum::serve(listener, app)
            .await
            .expect("serve the fault proxy");
    });
    addr
}

async fn handle(Extract(state): Extract<Arc<State>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned());
    let is_v2 = parts.uri.path() == "/v2" || parts.uri.path().starts_with("/v2/");
    let is_manifest = is_v2 && parts.uri.path().contains("/manifests/");
    let fault = if is_v2 { state.fault() } else { Fault::None };

    let mut response = match fault {
        Fault::TooManyRequests { retry_after_secs } => {
            let mut response = error(
                StatusCode::TOO_MANY_REQUESTS,
                "TOOMANYREQUESTS",
                "You have reached your pull rate limit.",
            );
            let headers = response.headers_mut();
            headers.insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            set_rate_limit(headers, 0);
            response
        }
        Fault::Status(code) => {
            let status = StatusCode::from_u16(code)
                .unwrap_or_else(|e| panic!("Fault::Status({code}) is not an HTTP status: {e}"));
            error(
                status,
                error_code(status, parts.uri.path()),
                "fault injected by the test",
            )
        }
        Fault::Delay(delay) => {
            tokio::time::sleep(delay).await;
            forward(&state, &parts.method, &path, &parts.headers, body).await
        }
        Fault::None => forward(&state, &parts.method, &path, &parts.headers, body).await,
    };

    let forwarded = matches!(fault, Fault::None | Fault::Delay(_));
    if is_manifest && forwarded {
        let remaining = if parts.method == Method::GET {
            let before = state
                .remaining
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                    Some(n.saturating_sub(1))
                })
                .unwrap_or_else(|n| n);
            before.saturating_sub(1)
        } else {
            state.remaining.load(Ordering::SeqCst)
        };
        set_rate_limit(response.headers_mut(), remaining);
    }

    let accept: Vec<&str> = parts
        .headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect();
    state.record(SeenRequest {
        method: parts.method.to_string(),
        path,
        authorization: parts.headers.contains_key(header::AUTHORIZATION),
        accept: (!accept.is_empty()).then(|| accept.join(", ")),
        status: response.status().as_u16(),
        faulted: !matches!(fault, Fault::None),
    });
    response
}

/// Sends the request to the registry and turns its answer into the proxy's.
async fn forward(
    state: &State,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: Body,
) -> Response {
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(body) => body,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                "UNSUPPORTED",
                &format!("proxy: {e}"),
            );
        }
    };
    let mut request = state
        .client
        .request(method.clone(), format!("{}{path}", state.registry));
    for (name, value) in headers {
        // reqwest sets Content-Length from the body it sends.
        if !is_hop_by_hop(name) && name != header::CONTENT_LENGTH {
            request = request.header(name, value);
        }
    }
    if !body.is_empty() {
        request = request.body(body);
    }
    let answer = match request.send().await {
        Ok(answer) => answer,
        Err(e) => {
            return error(
                StatusCode::BAD_GATEWAY,
                "UNAVAILABLE",
                &format!("proxy: {e}"),
            );
        }
    };
    let status = answer.status();
    let answer_headers = answer.headers().clone();
    let answer_body: Bytes = match answer.bytes().await {
        Ok(bytes) => bytes,
        Err(e) => {
            return error(
                StatusCode::BAD_GATEWAY,
                "UNAVAILABLE",
                &format!("proxy: {e}"),
            );
        }
    };
    let mut response = Response::new(Body::from(answer_body));
    *response.status_mut() = status;
    let response_headers = response.headers_mut();
    for (name, value) in &answer_headers {
        // Content-Length is kept: it is the body's length, and for HEAD the length the GET
        // would have (axum and hyper leave an explicit one alone on HEAD responses).
        if !is_hop_by_hop(name) {
            response_headers.append(name, value.clone());
        }
    }
    response
}

/// Headers about one connection rather than the message (RFC 9110, section 7.6.1).
fn is_hop_by_hop(name: &HeaderName) -> bool {
    [
        header::CONNECTION,
        header::PROXY_AUTHENTICATE,
        header::PROXY_AUTHORIZATION,
        header::TE,
        header::TRAILER,
        header::TRANSFER_ENCODING,
        header::UPGRADE,
    ]
    .contains(name)
        || name.as_str() == "keep-alive"
}

/// Docker Hub's `ratelimit-limit` and `ratelimit-remaining`.
fn set_rate_limit(headers: &mut HeaderMap, remaining: u64) {
    let value =
        |n: u64| HeaderValue::from_str(&format!("{n};{RATE_WINDOW}")).expect("a rate limit header");
    headers.insert("ratelimit-limit", value(RATE_LIMIT));
    headers.insert("ratelimit-remaining", value(remaining));
}

/// The distribution error code for an injected status.
fn error_code(status: StatusCode, path: &str) -> &'static str {
    match status.as_u16() {
        401 => "UNAUTHORIZED",
        403 => "DENIED",
        404 if path.contains("/manifests/") => "MANIFEST_UNKNOWN",
        404 if path.contains("/blobs/") => "BLOB_UNKNOWN",
        404 => "NAME_UNKNOWN",
        429 => "TOOMANYREQUESTS",
        503 => "UNAVAILABLE",
        _ => "UNKNOWN",
    }
}

/// A distribution-style error: `{"errors":[{"code":…,"message":…,"detail":null}]}`.
fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"errors": [{"code": code, "message": message, "detail": null}]}).to_string();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}
