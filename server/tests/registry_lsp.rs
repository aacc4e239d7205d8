//! Registry hover, inlay hints, diagnostics and code actions, end to end: the real server over
//! stdio against a real registry (Debian's `docker-registry`) on loopback, with token auth.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test stops loudly on a broken fixture

mod support;

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use dockerfile_lsp::analysis::rules::format_size;
use serde_json::{Value, json};
use support::lsp::{DEFAULT_TIMEOUT, LspClient, PUBLISH_DIAGNOSTICS, code, uri};
use support::registry::{Fault, TestRegistry};

const EXE: &str = env!("CARGO_BIN_EXE_dockerfile-lsp");

/// A server whose Docker Hub is the test registry, with its own cache directory.
fn server(
    registry: &TestRegistry,
    cache: &Path,
    options: Value,
    env: &[(&str, &str)],
) -> LspClient {
    let mut client = LspClient::spawn_with_env(EXE, &["--stdio"], env);
    let mut params = LspClient::initialize_params(&["utf-16"]);
    params["capabilities"]["workspace"] = json!({"inlayHint": {"refreshSupport": true}});
    let mut settings = json!({
        "mirrors": {"docker.io": registry.url()},
        "cacheDir": cache,
        "platform": "linux/amd64",
    });
    if let Value::Object(extra) = options {
        for (key, value) in extra {
            settings[key] = value;
        }
    }
    params["initializationOptions"] = json!({"registry": settings});
    client.request("initialize", params);
    client.notify("initialized", json!({}));
    client
}

/// Credentials nowhere, unless a test writes them.
fn no_credentials() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn hover(client: &mut LspClient, doc: &str, line: u32, character: u32) -> String {
    let result = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": doc}, "position": {"line": line, "character": character}}),
    );
    result["contents"]["value"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

/// Hovers until the answer is no longer "resolving".
fn hover_resolved(client: &mut LspClient, doc: &str, line: u32, character: u32) -> String {
    let deadline = Instant::now() + DEFAULT_TIMEOUT;
    loop {
        let text = hover(client, doc, line, character);
        if !text.to_lowercase().contains("resolving") || Instant::now() > deadline {
            return text;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Waits for a publication of `doc` that has a diagnostic with `rule`.
fn wait_for_rule(client: &mut LspClient, doc: &str, rule: &str) -> Value {
    let params = client.wait_notification(
        PUBLISH_DIAGNOSTICS,
        |p| {
            p["uri"] == doc
                && p["diagnostics"]
                    .as_array()
                    .is_some_and(|d| d.iter().any(|d| code(d) == rule))
        },
        DEFAULT_TIMEOUT,
    );
    params["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| code(d) == rule)
        .cloned()
        .unwrap()
}

#[test]
fn hover_shows_digest_platform_sizes_and_slimmer_variants() {
    let registry = TestRegistry::start();
    let cache = tempfile::tempdir().unwrap();
    let creds = no_credentials();
    let mut client = server(
        &registry,
        cache.path(),
        json!({}),
        &[("DOCKER_CONFIG", creds.path().to_str().unwrap())],
    );
    let doc = uri("hover/Dockerfile");
    client.open(&doc, "dockerfile", 1, "FROM python:3.12\nRUN echo hi\n");
    let text = hover_resolved(&mut client, &doc, 0, 8);

    let python = registry.image("library/python:3.12");
    assert!(text.contains(&python.digest), "{text}");
    for platform in &python.platforms {
        assert!(text.contains(&platform.platform), "{text}");
        assert!(
            text.contains(&format_size(platform.compressed_size)),
            "{text}"
        );
        assert!(text.contains(&platform.created[..10]), "{text}");
    }
    // The selected platform comes first.
    let amd64 = text.find("linux/amd64").unwrap();
    let arm64 = text.find("linux/arm64").unwrap();
    assert!(amd64 < arm64, "{text}");
    // The attestations of the index are not platforms.
    assert!(!text.contains("unknown/unknown"), "{text}");
    let slim = registry.image("library/python:3.12-slim");
    let saving = python.platforms[0].compressed_size - slim.platforms[0].compressed_size;
    assert!(text.contains("python:3.12-slim"), "{text}");
    assert!(text.contains(&format_size(saving)), "{text}");
    assert!(
        !text.contains("3.12-alpine"),
        "a tag the registry lacks is not offered: {text}"
    );
    assert!(text.contains("https://hub.docker.com/_/python"), "{text}");
}

#[test]
fn manifest_lists_single_manifests_and_platforms_the_image_lacks() {
    let registry = TestRegistry::start();
    let cache = tempfile::tempdir().unwrap();
    let creds = no_credentials();
    let mut client = server(
        &registry,
        cache.path(),
        json!({}),
        &[("DOCKER_CONFIG", creds.path().to_str().unwrap())],
    );
    let arm_only = registry.reference("example/arm-only:1.0");
    let text = format!(
        "FROM node:20 AS web\nFROM alpine:3.20 AS tools\nFROM debian:bookworm AS base\nFROM {arm_only}\n"
    );
    let doc = uri("kinds/Dockerfile");
    client.open(&doc, "dockerfile", 1, &text);

    let node = hover_resolved(&mut client, &doc, 0, 6);
    let pushed = registry.image("library/node:20");
    assert!(node.contains(&pushed.digest), "{node}");
    for platform in &pushed.platforms {
        assert!(
            node.contains(&format_size(platform.compressed_size)),
            "{node}"
        );
    }
    for (line, image) in [(1, "library/alpine:3.20"), (2, "library/debian:bookworm")] {
        let shown = hover_resolved(&mut client, &doc, line, 6);
        let pushed = registry.image(image);
        assert!(shown.contains(&pushed.digest), "{shown}");
        assert!(
            shown.contains(&format_size(pushed.platforms[0].compressed_size)),
            "{shown}"
        );
    }
    let diagnostic = wait_for_rule(&mut client, &doc, "invalid-base-image-platform");
    assert_eq!(diagnostic["range"]["start"]["line"], 3);
    assert!(
        diagnostic["message"]
            .as_str()
            .unwrap()
            .contains("linux/amd64"),
        "{diagnostic}"
    );
}

#[test]
fn concurrent_hovers_over_twenty_from_lines_send_each_manifest_request_once() {
    let registry = TestRegistry::start();
    let cache = tempfile::tempdir().unwrap();
    let creds = no_credentials();
    let mut client = server(
        &registry,
        cache.path(),
        json!({}),
        &[("DOCKER_CONFIG", creds.path().to_str().unwrap())],
    );
    let images = [
        "python:3.12",
        "python:3.12-slim",
        "python:3.12-slim-bookworm",
        "node:20",
        "node:20-alpine",
        "alpine:3.20",
        "debian:bookworm",
        "debian:bookworm-slim",
    ];
    let lines: Vec<String> = (0..20)
        .map(|i| format!("FROM {} AS s{i}\n", images[i % images.len()]))
        .collect();
    let doc = uri("twenty/Dockerfile");
    client.open(&doc, "dockerfile", 1, &lines.concat());
    registry.clear_requests();
    let ids: Vec<i64> = (0..20)
        .map(|line| {
            client.send_request(
                "textDocument/hover",
                json!({"textDocument": {"uri": doc}, "position": {"line": line, "character": 7}}),
            )
        })
        .collect();
    for id in ids {
        client.wait_response(&json!(id), DEFAULT_TIMEOUT);
    }
    for line in 0..20 {
        let text = hover_resolved(&mut client, &doc, line, 7);
        assert!(text.contains("sha256:"), "line {line}: {text}");
    }
    let mut seen: HashMap<(String, String), usize> = HashMap::new();
    for request in registry.requests() {
        if request.path.contains("/manifests/") {
            *seen
                .entry((request.method.clone(), request.path.clone()))
                .or_default() += 1;
        }
    }
    assert!(!seen.is_empty());
    let repeated: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        repeated.is_empty(),
        "manifest requests sent more than once: {repeated:?}"
    );
}

#[test]
fn credentials_from_docker_config_open_the_private_repository() {
    let registry = TestRegistry::start();
    let cache = tempfile::tempdir().unwrap();
    let private = registry.reference("private/app:1.0");
    let text = format!("FROM {private}\n");
    let doc = uri("private/Dockerfile");

    let creds = tempfile::tempdir().unwrap();
    let config = registry.write_docker_config(creds.path());
    let mut client = server(
        &registry,
        cache.path(),
        json!({}),
        &[("DOCKER_CONFIG", config.to_str().unwrap())],
    );
    client.open(&doc, "dockerfile", 1, &text);
    let shown = hover_resolved(&mut client, &doc, 0, 8);
    assert!(
        shown.contains(&registry.image("private/app:1.0").digest),
        "{shown}"
    );
    assert!(
        registry
            .token_requests()
            .iter()
            .any(|t| t.user.as_deref() == Some("tester") && t.accepted)
    );

    // Without them: the registry will not say, and hover says so, naming the host.
    let empty = tempfile::tempdir().unwrap();
    let other_cache = tempfile::tempdir().unwrap();
    let mut anonymous = server(
        &registry,
        other_cache.path(),
        json!({}),
        &[("DOCKER_CONFIG", empty.path().to_str().unwrap())],
    );
    anonymous.open(&doc, "dockerfile", 1, &text);
    let shown = hover_resolved(&mut anonymous, &doc, 0, 8);
    assert!(
        shown.contains(&format!(
            "not found or not authorized on {}",
            registry.host()
        )),
        "{shown}"
    );
}

#[test]
fn a_tag_that_does_not_exist_is_an_error_diagnostic() {
    let registry = TestRegistry::start();
    let cache = tempfile::tempdir().unwrap();
    let creds = no_credentials();
    let mut client = server(
        &registry,
        cache.path(),
        json!({}),
        &[("DOCKER_CONFIG", creds.path().to_str().unwrap())],
    );
    let doc = uri("missing/Dockerfile");
    client.open(&doc, "dockerfile", 1, "FROM python:3.99\n");
    let diagnostic = wait_for_rule(&mut client, &doc, "base-image-not-found");
    assert_eq!(diagnostic["severity"], 1);
    assert!(
        diagnostic["message"]
            .as_str()
            .unwrap()
            .contains("python:3.99"),
        "{diagnostic}"
    );
    let shown = hover_resolved(&mut client, &doc, 0, 8);
    assert!(shown.contains("not found or not authorized"), "{shown}");
}

#[test]
fn too_many_requests_pauses_lookups_until_retry_after() {
    let registry = TestRegistry::start();
    registry.set_fault(Fault::TooManyRequests {
        retry_after_secs: 120,
    });
    let cache = tempfile::tempdir().unwrap();
    let creds = no_credentials();
    let mut client = server(
        &registry,
        cache.path(),
        json!({}),
        &[("DOCKER_CONFIG", creds.path().to_str().unwrap())],
    );
    let doc = uri("limited/Dockerfile");
    client.open(&doc, "dockerfile", 1, "FROM python:3.12\nFROM node:20\n");
    let shown = hover_resolved(&mut client, &doc, 0, 8);
    assert!(
        shown.contains("limits requests: lookups resume at"),
        "{shown}"
    );
    assert!(shown.contains("(in 1"), "the wait is told: {shown}");
    let sent = registry.requests().len();
    // Another image on the same registry waits too: no request until the pause ends.
    let other = hover_resolved(&mut client, &doc, 1, 7);
    assert!(other.contains("limits requests"), "{other}");
    assert_eq!(registry.requests().len(), sent, "no request while paused");
}

#[test]
fn a_slow_registry_times_out_and_says_so() {
    let registry = TestRegistry::start();
    registry.set_fault(Fault::Delay(Duration::from_secs(2)));
    let cache = tempfile::tempdir().unwrap();
    let creds = no_credentials();
    let mut client = server(
        &registry,
        cache.path(),
        json!({"timeoutMs": 500}),
        &[("DOCKER_CONFIG", creds.path().to_str().unwrap())],
    );
    let doc = uri("slow/Dockerfile");
    client.open(&doc, "dockerfile", 1, "FROM python:3.12\n");
    let shown = hover_resolved(&mut client, &doc, 0, 8);
    assert!(
        shown.contains(&format!("{} did not answer within 0.5 s", registry.host())),
        "{shown}"
    );
}

#[test]
fn offline_mode_sends_nothing() {
    let registry = TestRegistry::start();
    registry.clear_requests();
    let cache = tempfile::tempdir().unwrap();
    let creds = no_credentials();
    let mut client = server(
        &registry,
        cache.path(),
        json!({"offline": true}),
        &[("DOCKER_CONFIG", creds.path().to_str().unwrap())],
    );
    let doc = uri("offline/Dockerfile");
    client.open(&doc, "dockerfile", 1, "FROM python:3.12\n");
    let shown = hover_resolved(&mut client, &doc, 0, 8);
    assert!(shown.contains("offline"), "{shown}");
    assert!(registry.requests().is_empty(), "{:?}", registry.requests());
}

#[test]
fn the_disk_cache_answers_after_a_restart_without_the_registry() {
    let registry = TestRegistry::start();
    let cache = tempfile::tempdir().unwrap();
    let creds = no_credentials();
    let env = [("DOCKER_CONFIG", creds.path().to_str().unwrap())];
    let doc = uri("restart/Dockerfile");
    let python = registry.image("library/python:3.12");
    {
        let mut first = server(&registry, cache.path(), json!({}), &env);
        first.open(&doc, "dockerfile", 1, "FROM python:3.12\n");
        let shown = hover_resolved(&mut first, &doc, 0, 8);
        assert!(shown.contains(&python.digest), "{shown}");
        first.shutdown_and_exit();
    }
    registry.set_fault(Fault::Status(503));
    registry.clear_requests();
    let mut second = server(&registry, cache.path(), json!({}), &env);
    second.open(&doc, "dockerfile", 1, "FROM python:3.12\n");
    // The first hover already has it: from disk, no request needed.
    let shown = hover(&mut second, &doc, 0, 8);
    assert!(shown.contains(&python.digest), "{shown}");
    assert!(shown.contains("python:3.12-slim"), "{shown}");
    assert!(
        registry
            .requests()
            .iter()
            .all(|r| !r.path.contains("/manifests/sha256:")),
        "{:?}",
        registry.requests()
    );
}

#[test]
fn a_cold_lookup_does_not_delay_diagnostics() {
    let registry = TestRegistry::start();
    registry.set_fault(Fault::Delay(Duration::from_secs(3)));
    let cache = tempfile::tempdir().unwrap();
    let creds = no_credentials();
    let mut client = server(
        &registry,
        cache.path(),
        json!({}),
        &[("DOCKER_CONFIG", creds.path().to_str().unwrap())],
    );
    let doc = uri("cold/Dockerfile");
    let text = "FROM python:3.12\nWORKDIR app\n";
    client.open(&doc, "dockerfile", 1, text);
    client.wait_diagnostics(&doc, 1, DEFAULT_TIMEOUT);
    // Lookups are running against the sleeping registry now.
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        hover(&mut client, &doc, 0, 8)
            .to_lowercase()
            .contains("resolving")
    );
    for version in 2..12 {
        let at = support::lsp::Range::of_offsets(text, 12..12, support::lsp::Encoding::Utf16);
        let started = Instant::now();
        client.change(&doc, version, &[(at, "")]);
        client.wait_diagnostics(&doc, version, DEFAULT_TIMEOUT);
        let took = started.elapsed();
        assert!(
            took < Duration::from_millis(250),
            "diagnostics took {took:?} while the registry slept"
        );
    }
    // Completion of the image's tags does not wait for the sleeping registry either.
    let started = Instant::now();
    let list = client.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": doc}, "position": {"line": 0, "character": 16}}),
    );
    let took = started.elapsed();
    assert_eq!(list["isIncomplete"], true, "{list}");
    assert!(
        took < Duration::from_millis(250),
        "completion took {took:?} while the registry slept"
    );
}

#[test]
fn inlay_hints_show_the_size_and_are_refreshed_when_data_arrives() {
    let registry = TestRegistry::start();
    let cache = tempfile::tempdir().unwrap();
    let creds = no_credentials();
    let mut client = server(
        &registry,
        cache.path(),
        json!({}),
        &[("DOCKER_CONFIG", creds.path().to_str().unwrap())],
    );
    let doc = uri("hints/Dockerfile");
    client.open(&doc, "dockerfile", 1, "FROM python:3.12 AS app\n");
    let deadline = Instant::now() + DEFAULT_TIMEOUT;
    while !client
        .history()
        .iter()
        .any(|m| m["method"] == "workspace/inlayHint/refresh")
    {
        assert!(Instant::now() < deadline, "no workspace/inlayHint/refresh");
        client.drain();
        std::thread::sleep(Duration::from_millis(20));
    }
    let hints = client.request(
        "textDocument/inlayHint",
        json!({"textDocument": {"uri": doc}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 0}}}),
    );
    let amd64 = &registry.image("library/python:3.12").platforms[0];
    assert_eq!(hints[0]["label"], format_size(amd64.compressed_size));
    assert_eq!(hints[0]["position"], json!({"line": 0, "character": 16}));
}

#[test]
fn code_actions_pin_update_and_switch_with_registry_data() {
    let registry = TestRegistry::start();
    let cache = tempfile::tempdir().unwrap();
    let creds = no_credentials();
    let mut client = server(
        &registry,
        cache.path(),
        json!({}),
        &[("DOCKER_CONFIG", creds.path().to_str().unwrap())],
    );
    let python = registry.image("library/python:3.12");
    let old = &registry.image("library/python:3.12-slim").digest;
    let doc = uri("actions/Dockerfile");
    let text = format!("FROM python:3.12 AS a\nFROM python:3.12@{old} AS b\n");
    client.open(&doc, "dockerfile", 1, &text);
    hover_resolved(&mut client, &doc, 0, 8);
    let actions = |client: &mut LspClient, line: u32| -> Vec<(String, String)> {
        let result = client.request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": doc}, "range": {"start": {"line": line, "character": 7}, "end": {"line": line, "character": 7}},
                   "context": {"diagnostics": [], "only": ["refactor.rewrite"]}}),
        );
        result
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                let edit = &a["edit"]["changes"][&doc][0]["newText"];
                (
                    a["title"].as_str().unwrap().to_owned(),
                    edit.as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let first = actions(&mut client, 0);
    let short = &python.digest[..19];
    assert_eq!(
        first[0],
        (
            format!("Pin `python:3.12` to its digest `{short}…`"),
            format!("python:3.12@{}", python.digest)
        )
    );
    assert!(
        first.iter().any(
            |(title, edit)| title.starts_with("Switch to `python:3.12-slim` (saves ")
                && edit == "python:3.12-slim"
        ),
        "{first:?}"
    );
    let second = actions(&mut client, 1);
    assert_eq!(
        second[0],
        (
            format!("Update the pinned digest: the tag now points at `{short}…`"),
            format!("python:3.12@{}", python.digest)
        )
    );
}

#[test]
fn hover_on_copy_from_an_image_and_settings_changed_by_the_editor() {
    let registry = TestRegistry::start();
    let cache = tempfile::tempdir().unwrap();
    let creds = no_credentials();
    let mut client = server(
        &registry,
        cache.path(),
        json!({"offline": true}),
        &[("DOCKER_CONFIG", creds.path().to_str().unwrap())],
    );
    let doc = uri("copy/Dockerfile");
    client.open(
        &doc,
        "dockerfile",
        1,
        "FROM scratch\nCOPY --from=alpine:3.20 /bin/busybox /busybox\n",
    );
    assert!(hover_resolved(&mut client, &doc, 1, 14).contains("offline"));
    client.notify(
        "workspace/didChangeConfiguration",
        json!({"settings": {"dockerfile-lsp": {"registry": {
            "mirrors": {"docker.io": registry.url()}, "cacheDir": cache.path(), "offline": false
        }}}}),
    );
    let shown = hover_resolved(&mut client, &doc, 1, 14);
    assert!(
        shown.contains(&registry.image("library/alpine:3.20").digest),
        "{shown}"
    );
}

#[test]
fn completion_of_tags_comes_from_the_registry_without_waiting() {
    let registry = TestRegistry::start();
    let cache = tempfile::tempdir().unwrap();
    let creds = no_credentials();
    let mut client = server(
        &registry,
        cache.path(),
        json!({}),
        &[("DOCKER_CONFIG", creds.path().to_str().unwrap())],
    );
    let doc = uri("tags/Dockerfile");
    client.open(&doc, "dockerfile", 1, "FROM python:3.12-\n");
    let complete = |client: &mut LspClient| {
        client.request(
            "textDocument/completion",
            json!({"textDocument": {"uri": doc}, "position": {"line": 0, "character": 17}}),
        )
    };
    // The first answer does not wait: nothing cached yet, so the list is incomplete.
    let first = complete(&mut client);
    assert_eq!(first["isIncomplete"], true, "{first}");
    let deadline = Instant::now() + DEFAULT_TIMEOUT;
    let labels = loop {
        let list = complete(&mut client);
        let labels: Vec<String> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_owned())
            .collect();
        if !labels.is_empty() || Instant::now() > deadline {
            break labels;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(labels, ["3.12-slim-bookworm", "3.12-slim"]);
}
