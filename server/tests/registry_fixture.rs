//! The registry fixture the registry client is tested against: a real docker-registry with
//! token authentication behind a fault proxy, filled with known images. These tests talk to it
//! with plain HTTP requests, so that a failure of the client's tests is the client's.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test stops loudly on a broken fixture

mod support;

use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use reqwest::header::{ACCEPT, HeaderMap};
use reqwest::{Method, RequestBuilder};
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use support::registry::{Fault, PULL_USER, PushedImage, SeenRequest, TestRegistry, TokenRequest};

const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// What a client that understands every image format sends.
const ACCEPT_ALL: &str = "application/vnd.oci.image.index.v1+json, \
    application/vnd.docker.distribution.manifest.list.v2+json, \
    application/vnd.oci.image.manifest.v1+json, \
    application/vnd.docker.distribution.manifest.v2+json";

/// A registry's answer, read whole.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|value| value.to_str().unwrap())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// A synchronous wrapper around reqwest for the tests.
struct Http {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
}

impl Http {
    fn new() -> Http {
        Http {
            runtime: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            client: reqwest::Client::builder()
                .no_proxy()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    fn send(&self, request: RequestBuilder) -> Answer {
        self.runtime.block_on(async {
            let response = request.send().await.expect("send a request");
            Answer {
                status: response.status().as_u16(),
                headers: response.headers().clone(),
                body: response.bytes().await.expect("read a body").to_vec(),
            }
        })
    }

    /// Asks the token server for `scope`, with Basic credentials if given.
    fn token_answer(
        &self,
        registry: &TestRegistry,
        scope: &str,
        credentials: Option<(&str, &str)>,
    ) -> Answer {
        let mut url = reqwest::Url::parse(&registry.token_url()).unwrap();
        url.query_pairs_mut()
            .append_pair("service", "test-registry")
            .append_pair("scope", scope);
        let mut request = self.client.get(url);
        if let Some((user, password)) = credentials {
            request = request.basic_auth(user, Some(password));
        }
        self.send(request)
    }

    /// A token for `scope`, which the token server must grant.
    fn token(
        &self,
        registry: &TestRegistry,
        scope: &str,
        credentials: Option<(&str, &str)>,
    ) -> String {
        let answer = self.token_answer(registry, scope, credentials);
        assert_eq!(answer.status, 200, "token for {scope}: {:?}", answer.json());
        answer.json()["token"].as_str().unwrap().to_owned()
    }

    /// `method /v2/{repository}/{kind}/{reference}` through the proxy, with a token and every
    /// manifest media type in Accept.
    fn registry(&self, registry: &TestRegistry, method: Method, path: &str, token: &str) -> Answer {
        self.send(
            self.client
                .request(method, format!("{}{path}", registry.url()))
                .bearer_auth(token)
                .header(ACCEPT, ACCEPT_ALL),
        )
    }
}

fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

fn pull(repository: &str) -> String {
    format!("repository:{repository}:pull")
}

#[test]
fn an_anonymous_request_is_challenged_to_fetch_a_token_from_the_token_server() {
    let registry = TestRegistry::start();
    let http = Http::new();

    let answer = http.send(
        http.client
            .get(format!(
                "{}/v2/library/python/manifests/3.12",
                registry.url()
            ))
            .header(ACCEPT, ACCEPT_ALL),
    );

    assert_eq!(answer.status, 401);
    assert_eq!(
        answer.header("www-authenticate"),
        Some(
            format!(
                "Bearer realm=\"{}\",service=\"test-registry\",scope=\"repository:library/python:pull\"",
                registry.token_url()
            )
            .as_str()
        )
    );
}

#[test]
fn head_of_a_tag_answers_the_pushed_digest_and_the_manifest_size() {
    let registry = TestRegistry::start();
    let http = Http::new();
    let python = registry.image("library/python:3.12");
    let token = http.token(&registry, &pull("library/python"), None);

    let answer = http.registry(
        &registry,
        Method::HEAD,
        "/v2/library/python/manifests/3.12",
        &token,
    );

    assert_eq!(answer.status, 200);
    assert_eq!(
        answer.header("docker-content-digest"),
        Some(python.digest.as_str())
    );
    assert_eq!(
        answer.header("content-length"),
        Some(python.size.to_string().as_str())
    );
    assert_eq!(answer.header("content-type"), Some(OCI_INDEX));
    assert!(answer.body.is_empty());
}

#[test]
fn get_of_a_tag_answers_the_index_that_hashes_to_the_pushed_digest() {
    let registry = TestRegistry::start();
    let http = Http::new();
    let python = registry.image("library/python:3.12");
    let token = http.token(&registry, &pull("library/python"), None);

    let answer = http.registry(
        &registry,
        Method::GET,
        "/v2/library/python/manifests/3.12",
        &token,
    );

    assert_eq!(answer.status, 200);
    assert_eq!(sha256(&answer.body), python.digest);
    assert_eq!(answer.body.len() as u64, python.size);
    let index = answer.json();
    let entries: Vec<(&str, &str, &str)> = index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            (
                entry["digest"].as_str().unwrap(),
                entry["platform"]["architecture"].as_str().unwrap(),
                entry["annotations"]["vnd.docker.reference.type"]
                    .as_str()
                    .unwrap_or(""),
            )
        })
        .collect();
    let [amd64, arm64] = &python.platforms[..] else {
        panic!("python:3.12 has two platforms: {:?}", python.platforms)
    };
    assert_eq!(
        entries,
        [
            (amd64.digest.as_str(), "amd64", ""),
            (arm64.digest.as_str(), "arm64", ""),
            (
                python.attestations[0].as_str(),
                "unknown",
                "attestation-manifest"
            ),
            (
                python.attestations[1].as_str(),
                "unknown",
                "attestation-manifest"
            ),
        ]
    );
    assert_eq!(
        index["manifests"][3]["annotations"]["vnd.docker.reference.digest"],
        arm64.digest.as_str()
    );
}

/// Reads every pushed image back through the proxy, down to the configs, and compares it
/// with its record: what the client's tests compare with is what the registry serves.
#[test]
fn every_pushed_image_is_served_as_recorded() {
    let registry = TestRegistry::start();
    let http = Http::new();

    for image in registry.images() {
        let PushedImage {
            repository, tag, ..
        } = image;
        let token = http.token(&registry, &pull(repository), Some(PULL_USER));
        let top = http.registry(
            &registry,
            Method::GET,
            &format!("/v2/{repository}/manifests/{tag}"),
            &token,
        );
        assert_eq!(top.status, 200, "{repository}:{tag}");
        assert_eq!(sha256(&top.body), image.digest, "{repository}:{tag}");
        assert_eq!(top.header("content-type"), Some(image.media_type.as_str()));

        if [OCI_INDEX, DOCKER_LIST].contains(&image.media_type.as_str()) {
            let platforms: Vec<String> = top.json()["manifests"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|entry| entry["platform"]["os"] != "unknown")
                .map(|entry| {
                    let platform = &entry["platform"];
                    [
                        &platform["os"],
                        &platform["architecture"],
                        &platform["variant"],
                    ]
                    .into_iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("/")
                })
                .collect();
            let recorded: Vec<&str> = image
                .platforms
                .iter()
                .map(|p| p.platform.as_str())
                .collect();
            assert_eq!(platforms, recorded, "{repository}:{tag}");
        }

        for platform in &image.platforms {
            let answer = http.registry(
                &registry,
                Method::GET,
                &format!("/v2/{repository}/manifests/{}", platform.digest),
                &token,
            );
            assert_eq!(
                sha256(&answer.body),
                platform.digest,
                "{repository}:{tag} {}",
                platform.platform
            );
            assert_eq!(
                answer.header("content-type"),
                Some(platform.media_type.as_str())
            );
            let manifest = answer.json();
            let layers = manifest["layers"].as_array().unwrap();
            let sizes = layers.iter().map(|layer| layer["size"].as_u64().unwrap());
            assert_eq!(layers.len(), platform.layers);
            assert_eq!(
                manifest["config"]["size"].as_u64().unwrap() + sizes.clone().sum::<u64>(),
                platform.compressed_size
            );
            assert_eq!(
                manifest["config"]["digest"],
                platform.config_digest.as_str()
            );

            let config = http
                .registry(
                    &registry,
                    Method::GET,
                    &format!("/v2/{repository}/blobs/{}", platform.config_digest),
                    &token,
                )
                .json();
            assert_eq!(config["created"], platform.created.as_str());
            let mut sizes = sizes;
            let history: Vec<(String, u64)> = config["history"]
                .as_array()
                .unwrap()
                .iter()
                .map(|entry| {
                    let size = if entry["empty_layer"] == true {
                        0
                    } else {
                        sizes.next().unwrap()
                    };
                    (entry["created_by"].as_str().unwrap().to_owned(), size)
                })
                .collect();
            assert_eq!(
                history, platform.history,
                "{repository}:{tag} {}",
                platform.platform
            );
        }
    }
}

#[test]
fn the_fixture_images_have_the_formats_and_relative_sizes_the_client_tests_rely_on() {
    let registry = TestRegistry::start();
    let media_type = |image: &str| registry.image(image).media_type.clone();
    let size = |image: &str| registry.image(image).platforms[0].compressed_size;
    let platforms = |image: &str| -> Vec<String> {
        registry
            .image(image)
            .platforms
            .iter()
            .map(|p| p.platform.clone())
            .collect()
    };

    assert_eq!(media_type("library/python:3.12"), OCI_INDEX);
    assert_eq!(media_type("library/node:20"), DOCKER_LIST);
    assert_eq!(media_type("library/alpine:3.20"), DOCKER_MANIFEST);
    assert_eq!(media_type("library/debian:bookworm"), OCI_MANIFEST);
    assert_eq!(
        platforms("library/python:3.12"),
        ["linux/amd64", "linux/arm64/v8"]
    );
    assert_eq!(
        platforms("library/node:20-alpine"),
        ["linux/amd64", "linux/arm64/v8"]
    );
    assert_eq!(platforms("example/arm-only:1.0"), ["linux/arm64/v8"]);
    assert_eq!(platforms("private/app:1.0"), ["linux/amd64"]);
    assert_eq!(
        registry.image("library/python:3.12-slim").digest,
        registry.image("library/python:3.12-slim-bookworm").digest
    );
    assert!(size("library/python:3.12-slim") * 2 < size("library/python:3.12"));
    assert!(size("library/node:20-alpine") < size("library/node:20"));
    assert!(size("library/debian:bookworm-slim") < size("library/debian:bookworm"));
    assert!(
        size("library/python:3.12") > 4_000_000,
        "sizes in MB are visible"
    );
    assert_eq!(registry.image("library/python:3.12").attestations.len(), 2);
    assert_eq!(
        registry.reference("library/python:3.12"),
        format!("{}/library/python:3.12", registry.host())
    );
}

#[test]
fn a_tag_that_was_not_pushed_is_unknown() {
    let registry = TestRegistry::start();
    let http = Http::new();
    let token = http.token(&registry, &pull("library/python"), None);

    let tags = http.registry(
        &registry,
        Method::GET,
        "/v2/library/python/tags/list",
        &token,
    );
    let alpine = http.registry(
        &registry,
        Method::GET,
        "/v2/library/python/manifests/3.12-alpine",
        &token,
    );

    let mut tags: Vec<String> = serde_json::from_value(tags.json()["tags"].clone()).unwrap();
    tags.sort(); // distribution 2.8 lists them in the order of its storage's directory
    assert_eq!(tags, ["3.12", "3.12-slim", "3.12-slim-bookworm"]);
    assert_eq!(alpine.status, 404);
    assert_eq!(alpine.json()["errors"][0]["code"], "MANIFEST_UNKNOWN");
}

#[test]
fn the_private_repository_refuses_the_anonymous_token_and_serves_the_tester() {
    let registry = TestRegistry::start();
    let http = Http::new();
    let app = registry.image("private/app:1.0");
    let anonymous = http.token(&registry, &pull("private/app"), None);
    let tester = http.token(&registry, &pull("private/app"), Some(PULL_USER));

    let refused = http.registry(
        &registry,
        Method::HEAD,
        "/v2/private/app/manifests/1.0",
        &anonymous,
    );
    let served = http.registry(
        &registry,
        Method::HEAD,
        "/v2/private/app/manifests/1.0",
        &tester,
    );

    assert_eq!(refused.status, 401);
    assert!(
        refused
            .header("www-authenticate")
            .unwrap()
            .contains("error=\"insufficient_scope\""),
        "{:?}",
        refused.headers
    );
    assert_eq!(served.status, 200);
    assert_eq!(
        served.header("docker-content-digest"),
        Some(app.digest.as_str())
    );
    assert_eq!(
        registry.token_requests(),
        [
            TokenRequest {
                service: Some("test-registry".into()),
                scopes: vec!["repository:private/app:pull".into()],
                user: None,
                accepted: true,
                granted: vec![],
            },
            TokenRequest {
                service: Some("test-registry".into()),
                scopes: vec!["repository:private/app:pull".into()],
                user: Some("tester".into()),
                accepted: true,
                granted: vec!["repository:private/app:pull".into()],
            },
        ]
    );
}

#[test]
fn wrong_credentials_are_refused_by_the_token_server() {
    let registry = TestRegistry::start();
    let http = Http::new();

    let answer = http.token_answer(&registry, &pull("private/app"), Some(("tester", "wrong")));

    assert_eq!(answer.status, 401);
    let request = registry.token_requests().pop().unwrap();
    assert_eq!(
        (request.user.as_deref(), request.accepted),
        (Some("tester"), false)
    );
}

#[test]
fn the_docker_config_holds_the_testers_credentials_for_the_proxy_host() {
    let registry = TestRegistry::start();
    let dir = tempfile::tempdir().unwrap();

    let config_dir = registry.write_docker_config(dir.path());

    assert_eq!(config_dir, dir.path());
    let config: Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("config.json")).unwrap()).unwrap();
    let auth = config["auths"][registry.host()]["auth"].as_str().unwrap();
    assert_eq!(BASE64.decode(auth).unwrap(), b"tester:secret");
}

#[test]
fn too_many_requests_answers_429_with_retry_after_until_the_fault_is_cleared() {
    let registry = TestRegistry::start();
    let http = Http::new();
    let token = http.token(&registry, &pull("library/python"), None);

    registry.set_fault(Fault::TooManyRequests {
        retry_after_secs: 7,
    });
    let limited = http.registry(
        &registry,
        Method::GET,
        "/v2/library/python/manifests/3.12",
        &token,
    );
    registry.set_fault(Fault::None);
    let served = http.registry(
        &registry,
        Method::GET,
        "/v2/library/python/manifests/3.12",
        &token,
    );

    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("retry-after"), Some("7"));
    assert_eq!(limited.json()["errors"][0]["code"], "TOOMANYREQUESTS");
    assert_eq!(served.status, 200);
    let log: Vec<(u16, bool)> = registry
        .requests()
        .iter()
        .map(|r| (r.status, r.faulted))
        .collect();
    assert_eq!(log, [(429, true), (200, false)]);
}

#[test]
fn a_status_fault_answers_that_status_with_a_distribution_error() {
    let registry = TestRegistry::start();
    let http = Http::new();
    let token = http.token(&registry, &pull("library/python"), None);

    registry.set_fault(Fault::Status(503));
    let answer = http.registry(
        &registry,
        Method::GET,
        "/v2/library/python/manifests/3.12",
        &token,
    );

    assert_eq!(answer.status, 503);
    assert_eq!(answer.json()["errors"][0]["code"], "UNAVAILABLE");
}

#[test]
fn a_delay_fault_delays_the_answer() {
    let registry = TestRegistry::start();
    let http = Http::new();
    let token = http.token(&registry, &pull("library/python"), None);
    let delay = Duration::from_millis(400);

    registry.set_fault(Fault::Delay(delay));
    let started = Instant::now();
    let answer = http.registry(
        &registry,
        Method::HEAD,
        "/v2/library/python/manifests/3.12",
        &token,
    );

    assert!(
        started.elapsed() >= delay,
        "answered after {:?}",
        started.elapsed()
    );
    assert_eq!(answer.status, 200);
}

#[test]
fn the_request_log_records_method_path_authorization_and_status() {
    let registry = TestRegistry::start();
    let http = Http::new();
    let token = http.token(&registry, &pull("library/node"), None);
    http.send(http.client.get(format!("{}/v2/", registry.url())));
    registry.clear_requests();

    http.send(http.client.get(format!("{}/v2/", registry.url())));
    http.registry(
        &registry,
        Method::HEAD,
        "/v2/library/node/manifests/20",
        &token,
    );
    http.registry(
        &registry,
        Method::GET,
        "/v2/library/node/tags/list?n=10",
        &token,
    );

    let seen =
        |method: &str, path: &str, authorization: bool, accept: bool, status: u16| SeenRequest {
            method: method.into(),
            path: path.into(),
            authorization,
            accept: accept.then(|| ACCEPT_ALL.into()),
            status,
            faulted: false,
        };
    assert_eq!(
        registry.requests(),
        [
            SeenRequest {
                accept: Some("*/*".into()), // reqwest's default
                ..seen("GET", "/v2/", false, false, 401)
            },
            seen("HEAD", "/v2/library/node/manifests/20", true, true, 200),
            seen("GET", "/v2/library/node/tags/list?n=10", true, true, 200),
        ]
    );
}

#[test]
fn manifest_gets_count_down_the_rate_limit_and_heads_do_not() {
    let registry = TestRegistry::start();
    let http = Http::new();
    let token = http.token(&registry, &pull("library/alpine"), None);
    let path = "/v2/library/alpine/manifests/3.20";

    let remaining: Vec<String> = [Method::GET, Method::HEAD, Method::GET]
        .into_iter()
        .map(|method| {
            let answer = http.registry(&registry, method, path, &token);
            assert_eq!(answer.header("ratelimit-limit"), Some("100;w=21600"));
            answer.header("ratelimit-remaining").unwrap().to_owned()
        })
        .collect();

    assert_eq!(remaining, ["99;w=21600", "99;w=21600", "98;w=21600"]);
}

#[test]
fn dropping_the_fixture_stops_the_registry_and_the_proxy() {
    let registry = TestRegistry::start();
    let urls = [registry.url(), registry.registry_url()];
    let http = Http::new();

    drop(registry);

    for url in urls {
        let request = http.client.get(format!("{url}/v2/"));
        let answer = http.runtime.block_on(async { request.send().await });
        assert!(answer.is_err(), "{url} still answers: {answer:?}");
    }
}
