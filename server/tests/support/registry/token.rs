//! The token server: `GET /token?service=…&scope=…` with optional Basic credentials, answered
//! with a JWT that distribution 2.8 accepts.
//!
//! What the registry checks (`registry/auth/token/token.go` in distribution 2.8): `iss` is the
//! configured issuer, `aud` is the service *as a string* (2.8 does not read a list), `exp` and
//! `nbf` within a minute of leeway, a signature whose algorithm matches the key, and a key it
//! trusts: with an `x5c` header, the first certificate must verify against the
//! `rootcertbundle` (a self-signed certificate that is itself in the bundle does). Then the
//! `access` claim decides: every action a request needs must be granted for its repository.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::extract::{RawQuery, State as Extract};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use super::{ISSUER, PULL_USER, PUSH_USER, SERVICE, TokenRequest};

/// Lifetime of the tokens, in seconds.
const EXPIRES_IN: i64 = 300;

/// The throwaway key and self-signed certificate the tokens are signed with.
pub struct Signer {
    key: EncodingKey,
    cert_pem: String,
    /// The certificate's DER in standard base64: the `x5c` header.
    cert_base64: String,
}

impl Signer {
    /// An ECDSA P-256 key and a self-signed certificate for it.
    pub fn generate() -> Signer {
        let key_pair = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .expect("generate the token signing key");
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new())
            .expect("certificate parameters for the token signer");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "test-registry token signer");
        let cert = params
            .self_signed(&key_pair)
            .expect("self-sign the token signer's certificate");
        Signer {
            key: EncodingKey::from_ec_der(&key_pair.serialize_der()),
            cert_pem: cert.pem(),
            cert_base64: BASE64.encode(cert.der()),
        }
    }

    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.x5c = Some(vec![self.cert_base64.clone()]);
        jsonwebtoken::encode(&header, claims, &self.key).expect("sign a token")
    }
}

pub struct State {
    signer: Signer,
    requests: Mutex<Vec<TokenRequest>>,
    issued: AtomicU64,
}

impl State {
    pub fn new(signer: Signer) -> State {
        State {
            signer,
            requests: Mutex::new(Vec::new()),
            issued: AtomicU64::new(0),
        }
    }

    pub fn requests(&self) -> Vec<TokenRequest> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub fn clear_requests(&self) {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    fn record(&self, request: TokenRequest) {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(request);
    }
}

/// Serves the token server on a free port of 127.0.0.1; returns its address.
pub async fn serve(state: Arc<State>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind the token server");
    let addr = listener.local_addr().expect("the token server's address");
    let app = Router::new().route("/token", get(token)).with_state(state);
    tokio::spawn(async move {
        axum::serve(listener, app)
            .await
            .expect("serve the token server");
    });
    addr
}

/// Who asked, from the `Authorization: Basic` header.
enum Caller {
    Anonymous,
    Puller,
    Pusher,
    /// Credentials that match no user, or that cannot be read.
    Refused,
}

fn caller(headers: &HeaderMap) -> (Caller, Option<String>) {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return (Caller::Anonymous, None);
    };
    let credentials = value
        .to_str()
        .ok()
        .and_then(|value| value.strip_prefix("Basic "))
        .and_then(|encoded| BASE64.decode(encoded.trim()).ok())
        .and_then(|decoded| String::from_utf8(decoded).ok());
    let Some((user, password)) = credentials.as_deref().and_then(|c| c.split_once(':')) else {
        return (Caller::Refused, None);
    };
    let caller = if (user, password) == PULL_USER {
        Caller::Puller
    } else if (user, password) == PUSH_USER {
        Caller::Pusher
    } else {
        Caller::Refused
    };
    (caller, Some(user.to_owned()))
}

/// The actions `caller` gets of those `scope` asks for (`repository:NAME:ACTIONS`), as an
/// `access` entry; `None` when nothing is granted.
fn grant(caller: &Caller, scope: &str) -> Option<(String, Vec<String>)> {
    let (kind, rest) = scope.split_once(':')?;
    let (name, actions) = rest.rsplit_once(':')?;
    if kind != "repository" {
        return None;
    }
    let allowed: &[&str] = match caller {
        Caller::Anonymous if name.starts_with("private/") => &[],
        Caller::Anonymous | Caller::Puller => &["pull"],
        Caller::Pusher => &["pull", "push"],
        Caller::Refused => &[],
    };
    let actions: Vec<String> = actions
        .split(',')
        .filter(|action| allowed.contains(action))
        .map(str::to_owned)
        .collect();
    (!actions.is_empty()).then(|| (name.to_owned(), actions))
}

async fn token(
    Extract(state): Extract<Arc<State>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let mut service = None;
    let mut scopes = Vec::new();
    let query = reqwest::Url::parse(&format!("http://token/?{}", query.unwrap_or_default()))
        .expect("a query string makes a URL");
    for (name, value) in query.query_pairs() {
        match &*name {
            "service" => service = Some(value.into_owned()),
            // One scope per parameter, or several separated by spaces (OAuth 2 style).
            "scope" => scopes.extend(value.split_whitespace().map(str::to_owned)),
            _ => {}
        }
    }
    let (caller, user) = caller(&headers);

    if matches!(caller, Caller::Refused) {
        state.record(TokenRequest {
            service,
            scopes,
            user,
            accepted: false,
            granted: Vec::new(),
        });
        let body = json!({"errors": [{"code": "UNAUTHORIZED", "message": "incorrect username or password"}]});
        let mut response = (StatusCode::UNAUTHORIZED, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Basic realm=\"test-registry token server\""),
        );
        return response;
    }

    let access: Vec<(String, Vec<String>)> = scopes
        .iter()
        .filter_map(|scope| grant(&caller, scope))
        .collect();
    let now = jiff::Timestamp::now();
    let seconds = now.as_second();
    let serial = state.issued.fetch_add(1, Ordering::Relaxed);
    let claims = json!({
        "iss": ISSUER,
        "sub": user.clone().unwrap_or_default(),
        "aud": SERVICE,
        "exp": seconds + EXPIRES_IN,
        "nbf": seconds,
        "iat": seconds,
        "jti": format!("test-token-{serial}"),
        "access": access.iter().map(|(name, actions)| json!({
            "type": "repository", "name": name, "actions": actions,
        })).collect::<Vec<_>>(),
    });
    let token = state.signer.sign(&claims);
    state.record(TokenRequest {
        service,
        scopes,
        user,
        accepted: true,
        granted: access
            .iter()
            .map(|(name, actions)| format!("repository:{name}:{}", actions.join(",")))
            .collect(),
    });
    let body = json!({
        "token": token,
        "access_token": token,
        "expires_in": EXPIRES_IN,
        "issued_at": now.to_string(),
    });
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body.to_string(),
    )
        .into_response()
}
