//! A real container registry on 127.0.0.1 for the registry client's integration tests.
//!
//! [`TestRegistry::start`] runs Debian's `docker-registry` (CNCF distribution 2.8) with token
//! authentication, a token server that signs its JWTs with a throwaway certificate, and a fault
//! proxy in front of the registry; then it pushes a fixed set of images (see `registry/images.rs`)
//! and records exactly what it pushed, so that tests can compare the client's results with
//! digests and sizes.
//!
//! ```text
//! client ──► fault proxy (host(), url()) ──► docker-registry
//!   │                                            │ 401 + WWW-Authenticate: Bearer realm=…
//!   └──────► token server (the realm, named directly, not through the proxy)
//! ```
//!
//! Users of the token server: anonymous may pull every repository but `private/*`,
//! `tester:secret` may pull everything, `pusher:pushpass` may pull and push everything (the
//! fixture pushes with it). The API is synchronous: the servers run on a tokio runtime of
//! their own, and dropping the `TestRegistry` kills the registry and stops the servers.
//!
//! The fixture pushes straight to the registry, so the proxy's request log starts empty, and
//! forgets its own token requests. Good to know about distribution 2.8, unlike Docker Hub:
//! - without the OCI media types in `Accept`, an OCI index or manifest is a 404
//!   `MANIFEST_UNKNOWN` ("OCI index found, but accept header does not support OCI indexes");
//! - `tags/list` is in the order of the storage's directory, not sorted;
//! - a token without the needed access gets a 401 whose challenge adds
//!   `error="insufficient_scope"`.

#![allow(clippy::expect_used)] // a fixture that cannot start stops the test loudly

mod images;
mod proxy;
mod push;
mod token;

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use tempfile::TempDir;
use tokio::runtime::Runtime;

/// The `service` of the token authentication: the audience of the tokens.
pub const SERVICE: &str = "test-registry";
/// The `issuer` the registry trusts.
pub const ISSUER: &str = "test-issuer";
/// Credentials that may pull every repository, `private/*` included.
pub const PULL_USER: (&str, &str) = ("tester", "secret");
/// Credentials that may pull and push every repository.
pub const PUSH_USER: (&str, &str) = ("pusher", "pushpass");

/// How long the registry may take to answer its first request.
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// How many times a registry that lost its port to another process is started again.
const START_ATTEMPTS: usize = 3;
/// The smallest `/dev/shm` the registry's storage goes into (every test starts a registry).
const MIN_SHM_SIZE: u64 = 1 << 30;
/// How much of the registry's log a failure message shows.
const LOG_TAIL_LINES: usize = 40;

const MISSING_BINARY: &str =
    "docker-registry is not installed: apt-get install docker-registry (.ci/run does it)";

/// What a tag points at, as pushed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedImage {
    /// `library/python`
    pub repository: String,
    /// `3.12`
    pub tag: String,
    /// `sha256:…` of the exact bytes the tag points at (an index, a list or a manifest).
    pub digest: String,
    /// The size of those bytes.
    pub size: u64,
    /// The media type of what the tag points at.
    pub media_type: String,
    /// The platform images: one for a single manifest, attestations excluded.
    pub platforms: Vec<PushedPlatform>,
    /// Digests of the attestation manifests in the index (platform `unknown/unknown`).
    pub attestations: Vec<String>,
}

/// One platform's image manifest, as pushed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedPlatform {
    /// `linux/amd64`, `linux/arm64/v8`
    pub platform: String,
    /// `sha256:…` of the image manifest.
    pub digest: String,
    pub media_type: String,
    /// The sum of the layer sizes and the config size.
    pub compressed_size: u64,
    /// How many layers the manifest lists.
    pub layers: usize,
    /// The config's `created`, RFC 3339.
    pub created: String,
    /// The config's history: `created_by` and that layer's size (0 for `empty_layer` entries).
    pub history: Vec<(String, u64)>,
    /// `sha256:…` of the config blob.
    pub config_digest: String,
}

/// What the proxy does with the next requests to `/v2/…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fault {
    /// Forward them.
    #[default]
    None,
    /// Wait this long, then forward them.
    Delay(Duration),
    /// Answer 429 with `Retry-After` and a distribution-style `TOOMANYREQUESTS` error.
    TooManyRequests { retry_after_secs: u64 },
    /// Answer this status with a distribution-style JSON error.
    Status(u16),
}

/// One request the proxy answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenRequest {
    pub method: String,
    /// Path and query, as the client sent them: `/v2/library/python/manifests/3.12`.
    pub path: String,
    /// Whether the request carried an `Authorization` header.
    pub authorization: bool,
    /// The `Accept` header values, joined with `, `; `None` without one.
    pub accept: Option<String>,
    /// The status the client got.
    pub status: u16,
    /// Whether a fault answered (or delayed) the request instead of plain forwarding.
    pub faulted: bool,
}

/// One request to the token server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRequest {
    /// The `service` parameter, if any.
    pub service: Option<String>,
    /// Every `scope` parameter, in order (`repository:library/python:pull`).
    pub scopes: Vec<String>,
    /// The user name of the Basic credentials, if the request carried some.
    pub user: Option<String>,
    /// False when the credentials were wrong (the server answered 401).
    pub accepted: bool,
    /// What the token grants, as scopes (`repository:private/app:pull`); empty when refused.
    pub granted: Vec<String>,
}

/// A running registry with its token server and fault proxy, filled with the fixture images.
pub struct TestRegistry {
    // `Drop` kills the registry and shuts the runtime down; the directory holding the
    // registry's storage (dropped last, as the last field) goes after them.
    registry: RegistryProcess,
    runtime: Option<Runtime>,
    proxy: Arc<proxy::State>,
    tokens: Arc<token::State>,
    proxy_addr: SocketAddr,
    token_addr: SocketAddr,
    images: BTreeMap<String, PushedImage>,
    dir: TempDir,
}

impl TestRegistry {
    /// Starts docker-registry with token auth, the token server and the fault proxy, and
    /// pushes the fixtures.
    pub fn start() -> TestRegistry {
        let binary = registry_binary();
        let dir = tempfile::Builder::new()
            .prefix("test-registry-")
            .tempdir_in(storage_parent())
            .expect("create the registry's temporary directory");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("test-registry")
            .enable_all()
            .build()
            .expect("build the tokio runtime of the registry fixture");

        let signer = token::Signer::generate();
        let cert_path = dir.path().join("token-signer.pem");
        std::fs::write(&cert_path, signer.cert_pem())
            .expect("write the token signer's certificate");
        let tokens = Arc::new(token::State::new(signer));
        let token_addr = runtime.block_on(token::serve(Arc::clone(&tokens)));

        let client = http_client();
        let registry = RegistryProcess::start(
            &binary,
            dir.path(),
            &cert_path,
            token_addr,
            &runtime,
            &client,
        );

        let proxy = Arc::new(proxy::State::new(registry.addr, client.clone()));
        let proxy_addr = runtime.block_on(proxy::serve(Arc::clone(&proxy)));

        let pusher = push::Pusher::new(client, registry.addr, token_addr);
        let images = runtime.block_on(pusher.push_all());
        // The tests see the token requests of their client, not those of the pushes.
        tokens.clear_requests();

        TestRegistry {
            registry,
            runtime: Some(runtime),
            proxy,
            tokens,
            proxy_addr,
            token_addr,
            images,
            dir,
        }
    }

    /// `127.0.0.1:PORT` of the proxy: what clients talk to (it forwards to the real registry).
    pub fn host(&self) -> String {
        self.proxy_addr.to_string()
    }

    /// `http://127.0.0.1:PORT` of the proxy.
    pub fn url(&self) -> String {
        format!("http://{}", self.proxy_addr)
    }

    /// `{host}/{image}`: an image reference naming this registry, as a Dockerfile would.
    pub fn reference(&self, image: &str) -> String {
        format!("{}/{image}", self.host())
    }

    /// The token server's endpoint: the realm of the registry's challenges.
    pub fn token_url(&self) -> String {
        format!("http://{}/token", self.token_addr)
    }

    /// What was pushed as `repository:tag`, e.g. `"library/python:3.12"`.
    pub fn image(&self, reference: &str) -> &PushedImage {
        self.images.get(reference).unwrap_or_else(|| {
            let known: Vec<&str> = self.images.keys().map(String::as_str).collect();
            panic!("no fixture image {reference:?}; pushed: {known:?}")
        })
    }

    /// Every pushed `repository:tag`, in order of reference.
    pub fn images(&self) -> impl Iterator<Item = &PushedImage> {
        self.images.values()
    }

    /// Fault injection for requests to /v2/... from now on.
    pub fn set_fault(&self, fault: Fault) {
        self.proxy.set_fault(fault);
    }

    /// Every request the proxy saw since start (or since [`Self::clear_requests`]).
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.proxy.requests()
    }

    pub fn clear_requests(&self) {
        self.proxy.clear_requests();
    }

    /// Writes a docker `config.json` into `dir` with the credentials of the private repository
    /// for this registry's host; returns `dir`, for `DOCKER_CONFIG`.
    pub fn write_docker_config(&self, dir: &Path) -> PathBuf {
        let (user, password) = PULL_USER;
        let config = serde_json::json!({
            "auths": { self.host(): { "auth": BASE64.encode(format!("{user}:{password}")) } }
        });
        let text = serde_json::to_string_pretty(&config).expect("serialize config.json");
        std::fs::write(dir.join("config.json"), text).expect("write config.json");
        dir.to_path_buf()
    }

    /// Token requests the token server received since the fixtures were pushed (or since
    /// [`Self::clear_token_requests`]).
    pub fn token_requests(&self) -> Vec<TokenRequest> {
        self.tokens.requests()
    }

    pub fn clear_token_requests(&self) {
        self.tokens.clear_requests();
    }

    /// The end of the registry's log, for failure messages.
    pub fn registry_log(&self) -> String {
        log_tail(&self.registry.log)
    }

    /// The registry's own address, bypassing the proxy (no faults, no request log).
    pub fn registry_url(&self) -> String {
        format!("http://{}", self.registry.addr)
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        self.registry.stop();
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_timeout(Duration::from_secs(2));
        }
    }
}

impl fmt::Debug for TestRegistry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestRegistry")
            .field("proxy", &self.proxy_addr)
            .field("registry", &self.registry.addr)
            .field("token_server", &self.token_addr)
            .field("dir", &self.dir.path())
            .finish_non_exhaustive()
    }
}

/// The client the fixture pushes and forwards with: no proxy from the environment (everything
/// is on loopback), no redirects followed.
fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("build the fixture's HTTP client")
}

/// `/usr/bin/docker-registry`, or `docker-registry` found on PATH.
fn registry_binary() -> PathBuf {
    let installed = PathBuf::from("/usr/bin/docker-registry");
    if installed.is_file() {
        return installed;
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .map(|dir| dir.join("docker-registry"))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| panic!("{MISSING_BINARY}"))
}

/// Where the registry's directory goes: `/dev/shm` when it is a tmpfs of at least
/// [`MIN_SHM_SIZE`] (so not Docker's default 64 MB), else the system's temporary directory.
/// On a busy disk, writing the ~25 MB a start pushes and removing them again takes up to a
/// second more than in memory.
fn storage_parent() -> PathBuf {
    let shm = Path::new("/dev/shm");
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    let large_tmpfs = mounts.lines().any(|line| {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [_, mount_point, "tmpfs", options, ..] = fields[..] else {
            return false;
        };
        // Without a `size` option, a tmpfs may take half of the memory.
        mount_point == "/dev/shm"
            && options
                .split(',')
                .find_map(|option| option.strip_prefix("size="))
                .is_none_or(|size| tmpfs_size(size).is_some_and(|bytes| bytes >= MIN_SHM_SIZE))
    });
    let writable =
        std::fs::metadata(shm).is_ok_and(|meta| meta.is_dir() && !meta.permissions().readonly());
    if large_tmpfs && writable {
        shm.to_path_buf()
    } else {
        std::env::temp_dir()
    }
}

/// The bytes of a tmpfs `size=` option: `65536k`, `2g`, `1073741824`.
fn tmpfs_size(size: &str) -> Option<u64> {
    let (digits, unit) = size.split_at(
        size.find(|c: char| !c.is_ascii_digit())
            .unwrap_or(size.len()),
    );
    let shift = match unit.to_ascii_lowercase().as_str() {
        "" => 0,
        "k" => 10,
        "m" => 20,
        "g" => 30,
        "t" => 40,
        _ => return None,
    };
    digits.parse::<u64>().ok()?.checked_mul(1 << shift)
}

/// A port that was free a moment ago. The registry binds it itself, so another process may
/// take it in between: [`RegistryProcess::start`] starts again when that happens.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("bind a free port on 127.0.0.1")
        .port()
}

/// The last lines of a log file.
fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| format!("(cannot read {}: {e})", path.display()));
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
}

/// The `docker-registry serve` child process; killed on drop.
struct RegistryProcess {
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
}

enum Startup {
    Ready,
    Exited(ExitStatus),
    TimedOut,
}

impl RegistryProcess {
    fn start(
        binary: &Path,
        dir: &Path,
        cert: &Path,
        token_addr: SocketAddr,
        runtime: &Runtime,
        client: &reqwest::Client,
    ) -> RegistryProcess {
        for attempt in 1..=START_ATTEMPTS {
            let addr = SocketAddr::from(([127, 0, 0, 1], free_port()));
            let config = dir.join("config.yml");
            std::fs::write(&config, registry_config(dir, cert, addr, token_addr))
                .expect("write the registry's config.yml");
            let log = dir.join(format!("registry-{attempt}.log"));
            let mut process = RegistryProcess {
                child: spawn(binary, &config, &log),
                addr,
                log,
            };
            match process.wait_until_ready(runtime, client) {
                Startup::Ready => return process,
                Startup::Exited(_) if attempt < START_ATTEMPTS && process.lost_its_port() => {
                    continue;
                }
                Startup::Exited(status) => panic!(
                    "docker-registry exited ({status}) before answering on {addr}; the end of its log {}:\n{}",
                    process.log.display(),
                    log_tail(&process.log)
                ),
                Startup::TimedOut => panic!(
                    "docker-registry did not answer GET /v2/ with 401 on {addr} within {START_TIMEOUT:?}; \
                     the end of its log {}:\n{}",
                    process.log.display(),
                    log_tail(&process.log)
                ),
            }
        }
        unreachable!("the last attempt returns or panics")
    }

    /// Polls `GET /v2/` until the registry asks for a token (401).
    fn wait_until_ready(&mut self, runtime: &Runtime, client: &reqwest::Client) -> Startup {
        let url = format!("http://{}/v2/", self.addr);
        let deadline = Instant::now() + START_TIMEOUT;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Startup::Exited(status);
            }
            let request = client.get(&url).timeout(Duration::from_secs(1));
            let answer = runtime.block_on(async { request.send().await });
            if answer.is_ok_and(|response| response.status() == reqwest::StatusCode::UNAUTHORIZED) {
                return Startup::Ready;
            }
            thread::sleep(Duration::from_millis(20));
        }
        Startup::TimedOut
    }

    fn lost_its_port(&self) -> bool {
        std::fs::read_to_string(&self.log).is_ok_and(|log| log.contains("address already in use"))
    }

    fn stop(&mut self) {
        // Already exited is fine: there is nothing left to stop.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RegistryProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

fn spawn(binary: &Path, config: &Path, log: &Path) -> Child {
    let stdout = File::create(log).expect("create the registry's log file");
    let stderr = stdout.try_clone().expect("share the registry's log file");
    let mut command = Command::new(binary);
    command
        .arg("serve")
        .arg(config)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr);
    // REGISTRY_* variables override the configuration file.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("REGISTRY_") {
            command.env_remove(name);
        }
    }
    command
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()))
}

/// The registry's config.yml: filesystem storage in `dir`, token authentication against the
/// token server. Paths are written as JSON strings, which YAML reads as they are.
fn registry_config(dir: &Path, cert: &Path, addr: SocketAddr, token_addr: SocketAddr) -> String {
    let quoted =
        |path: &Path| serde_json::to_string(&path.to_string_lossy()).expect("quote a path");
    let storage = quoted(&dir.join("storage"));
    let cert = quoted(cert);
    format!(
        "version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: {storage}
  delete:
    enabled: true
http:
  addr: {addr}
  secret: test-registry-http-secret
auth:
  token:
    realm: http://{token_addr}/token
    service: {SERVICE}
    issuer: {ISSUER}
    rootcertbundle: {cert}
"
    )
}
