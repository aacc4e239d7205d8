//! Work-done progress around registry lookups, end to end: the real server over stdio against
//! the registry fixture on loopback, for a client that shows progress and one that does not.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test stops loudly on a broken fixture

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::lsp::{DEFAULT_TIMEOUT, LspClient, PUBLISH_DIAGNOSTICS, uri};
use support::registry::{Fault, TestRegistry};

const EXE: &str = env!("CARGO_BIN_EXE_dockerfile-lsp");
const CREATE: &str = "window/workDoneProgress/create";
const PROGRESS: &str = "$/progress";
const DOCKERFILE: &str = "FROM python:3.12\nFROM alpine:3.20\nRUN echo hi\n";

/// A server whose Docker Hub is the test registry; `work_done_progress` is what the client
/// says of `window.workDoneProgress` (`None`: no `window` capabilities at all).
fn server(
    registry: &TestRegistry,
    cache: &Path,
    credentials: &Path,
    work_done_progress: Option<bool>,
) -> LspClient {
    let mut client = LspClient::spawn_with_env(
        EXE,
        &["--stdio"],
        &[("DOCKER_CONFIG", credentials.to_str().unwrap())],
    );
    let mut params = LspClient::initialize_params(&["utf-16"]);
    if let Some(shown) = work_done_progress {
        params["capabilities"]["window"] = json!({"workDoneProgress": shown});
    }
    params["initializationOptions"] = json!({"registry": {
        "mirrors": {"docker.io": registry.url()},
        "cacheDir": cache,
        "platform": "linux/amd64",
    }});
    client.request("initialize", params);
    client.notify("initialized", json!({}));
    client
}

fn hover_text(client: &mut LspClient, doc: &str, line: u32) -> String {
    let result = client.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": doc}, "position": {"line": line, "character": 7}}),
    );
    result["contents"]["value"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

/// What the progress may say while the two FROM images of [`DOCKERFILE`] are looked up.
fn is_lookup_message(message: &str) -> bool {
    [
        "resolving python:3.12 (2 left)",
        "resolving python:3.12",
        "resolving alpine:3.20",
    ]
    .contains(&message)
}

/// Where in the history the first message matching `matches` is.
fn position(history: &[Value], matches: impl Fn(&Value) -> bool) -> Option<usize> {
    history.iter().position(matches)
}

#[test]
fn a_client_that_shows_progress_gets_create_then_begin_reports_and_end_around_the_lookups() {
    let registry = TestRegistry::start();
    // Slow enough for the lookups to be running when the client answers `create`.
    registry.set_fault(Fault::Delay(Duration::from_millis(400)));
    let cache = tempfile::tempdir().unwrap();
    let credentials = tempfile::tempdir().unwrap();
    let mut client = server(&registry, cache.path(), credentials.path(), Some(true));
    let doc = uri("progress/Dockerfile");
    client.open(&doc, "dockerfile", 1, DOCKERFILE);

    let create = client.wait_message("workDoneProgress/create", DEFAULT_TIMEOUT, |m| {
        m["method"] == CREATE
    });
    let token = create["params"]["token"].clone();
    assert!(create.get("id").is_some(), "create is a request: {create}");
    let begin = client.wait_notification(
        PROGRESS,
        |p| p["token"] == token && p["value"]["kind"] == "begin",
        DEFAULT_TIMEOUT,
    );
    assert_eq!(begin["value"]["title"], "Registry");
    // Both lookups start together, so the oldest is named with the count; on a machine
    // slow to answer `create` the lookups may be over, and the begin says what ran last.
    let message = begin["value"]["message"].as_str().unwrap();
    assert!(is_lookup_message(message), "{message}");
    assert_eq!(begin["value"]["cancellable"], false);

    let end = client.wait_notification(
        PROGRESS,
        |p| p["token"] == token && p["value"]["kind"] == "end",
        DEFAULT_TIMEOUT,
    );
    assert_eq!(end["value"]["kind"], "end");
    // The end comes once the lookups are done: the registry's answers are there at once.
    registry.set_fault(Fault::Status(503));
    let python = registry.image("library/python:3.12");
    assert!(hover_text(&mut client, &doc, 0).contains(&python.digest));
    let alpine = registry.image("library/alpine:3.20");
    assert!(hover_text(&mut client, &doc, 1).contains(&alpine.digest));

    let history = client.history().to_vec();
    let of_token = |kind: &'static str| {
        let token = token.clone();
        move |m: &Value| {
            m["method"] == PROGRESS
                && m["params"]["token"] == token
                && m["params"]["value"]["kind"] == kind
        }
    };
    let first_diagnostics = position(&history, |m| {
        m["method"] == PUBLISH_DIAGNOSTICS && m["params"]["uri"] == doc.as_str()
    })
    .unwrap();
    let created = position(&history, |m| m["method"] == CREATE).unwrap();
    let begun = position(&history, of_token("begin")).unwrap();
    let ended = position(&history, of_token("end")).unwrap();
    assert!(
        first_diagnostics < created,
        "diagnostics do not wait for the registry"
    );
    assert!(created < begun && begun < ended);
    for report in history[begun..ended]
        .iter()
        .filter(|m| of_token("report")(m))
    {
        let message = report["params"]["value"]["message"].as_str().unwrap();
        assert!(is_lookup_message(message), "{message}");
    }
    let creates = history.iter().filter(|m| m["method"] == CREATE).count();
    assert_eq!(creates, 1, "one progress for lookups that ran together");

    // Known images are not looked up again: no new progress.
    client.change_full(&doc, 2, "FROM alpine:3.20\nRUN echo hello\n");
    client.wait_diagnostics(&doc, 2, DEFAULT_TIMEOUT);
    let later = client.try_wait_message(Duration::from_millis(800), |m| m["method"] == CREATE);
    assert!(later.is_none(), "{later:?}");
}

#[test]
fn a_client_that_does_not_show_progress_gets_none() {
    let registry = TestRegistry::start();
    registry.set_fault(Fault::Delay(Duration::from_millis(200)));
    let credentials = tempfile::tempdir().unwrap();
    let python = registry.image("library/python:3.12");
    for advertised in [None, Some(false)] {
        // A cache of its own: the lookups go to the registry each time.
        let cache = tempfile::tempdir().unwrap();
        let mut client = server(&registry, cache.path(), credentials.path(), advertised);
        let doc = uri(&format!("quiet-{advertised:?}/Dockerfile"));
        client.open(&doc, "dockerfile", 1, DOCKERFILE);
        let deadline = Instant::now() + DEFAULT_TIMEOUT;
        while !hover_text(&mut client, &doc, 0).contains(&python.digest) {
            assert!(Instant::now() < deadline, "the lookup never ended");
            std::thread::sleep(Duration::from_millis(50));
        }
        client.drain();
        let progress: Vec<&Value> = client
            .history()
            .iter()
            .filter(|m| m["method"] == CREATE || m["method"] == PROGRESS)
            .collect();
        assert!(progress.is_empty(), "{advertised:?}: {progress:?}");
        client.shutdown_and_exit();
    }
}
