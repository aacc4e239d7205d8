//! `dockerfile-lsp image`: usage errors, exit statuses, what it asks the network for, and
//! its reports of the images in the registry fixture.

mod support;

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use dockerfile_lsp::analysis::rules::format_size;
use serde_json::{Value, json};
use support::registry::{Fault, PushedImage, TestRegistry};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Runs the command in `cwd` with Docker's configuration directory there too, so that
/// no credential of the machine running the tests is read.
fn dockerfile_lsp(args: &[&str], cwd: &Path) -> std::io::Result<Output> {
    with_docker_config(args, cwd, &cwd.join("docker-config"))
}

fn with_docker_config(args: &[&str], cwd: &Path, docker_config: &Path) -> std::io::Result<Output> {
    Command::new(env!("CARGO_BIN_EXE_dockerfile-lsp"))
        .args(args)
        .current_dir(cwd)
        .env("DOCKER_CONFIG", docker_config)
        .env_remove("RUST_LOG")
        .output()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A `dockerfile-lsp.toml` whose `[registry]` sends Docker Hub's requests to `base`
/// and keeps its cache in an empty directory of `dir`.
fn write_config(dir: &Path, base: &str, extra: &str) -> std::io::Result<()> {
    let cache = dir.join("cache");
    std::fs::create_dir_all(&cache)?;
    std::fs::write(
        dir.join("dockerfile-lsp.toml"),
        format!(
            "[registry]\ncache-dir = {cache:?}\nmirrors = {{ \"docker.io\" = \"{base}\" }}\n{extra}",
            cache = cache.display().to_string(),
        ),
    )
}

/// A loopback listener that nothing answers: whether anything connected tells whether
/// the command made a request.
fn silent_listener() -> std::io::Result<(TcpListener, String)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    let base = format!("http://{}", listener.local_addr()?);
    Ok((listener, base))
}

fn was_contacted(listener: &TcpListener) -> bool {
    match listener.accept() {
        Ok(_) => true,
        Err(error) => error.kind() != ErrorKind::WouldBlock,
    }
}

/// The smallest registry that knows no image: `GET /v2/` answers 200, everything else
/// 404. Counts the requests it answered.
fn empty_registry() -> std::io::Result<(String, Arc<AtomicUsize>)> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let base = format!("http://{}", listener.local_addr()?);
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&requests);
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let counted = Arc::clone(&counted);
            thread::spawn(move || answer(stream, &counted));
        }
    });
    Ok((base, requests))
}

fn answer(mut stream: TcpStream, requests: &AtomicUsize) {
    // Requests without bodies: read heads until the client closes the connection.
    let mut pending = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        while let Some(end) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&pending[..end]).into_owned();
            pending.drain(..end + 4);
            requests.fetch_add(1, Ordering::SeqCst);
            let mut words = head.split_whitespace();
            let method = words.next().unwrap_or_default();
            let path = words.next().unwrap_or_default();
            let (status, body) = if path == "/v2/" {
                ("200 OK", "{}".to_owned())
            } else {
                (
                    "404 Not Found",
                    r#"{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}"#
                        .to_owned(),
                )
            };
            // A HEAD gets the length of what a GET would, without the body.
            let length = body.len();
            let body = if method == "HEAD" { "" } else { &body };
            let response = format!(
                "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nDocker-Distribution-Api-Version: registry/2.0\r\nContent-Length: {length}\r\n\r\n{body}",
            );
            if stream.write_all(response.as_bytes()).is_err() {
                return;
            }
        }
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => return,
            Ok(n) => pending.extend_from_slice(&buffer[..n]),
        }
    }
}

#[test]
fn help_lists_the_image_command() -> TestResult {
    let output = dockerfile_lsp(&["--help"], Path::new("."))?;
    assert_eq!(output.status.code(), Some(0));
    let help = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        help.lines()
            .any(|line| line.trim_start().starts_with("image ")),
        "{help}"
    );
    Ok(())
}

#[test]
fn bad_references_exit_2_with_the_parse_error() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (listener, base) = silent_listener()?;
    write_config(dir.path(), &base, "")?;
    for (reference, says) in [
        ("Python:3.12", "must be lowercase"),
        ("python:3.12@sha256:nothex", "invalid reference format"),
        ("", "empty"),
        ("$BASE", "literal reference"),
        ("python:${VERSION}", "literal reference"),
    ] {
        let output = dockerfile_lsp(&["image", reference], dir.path())?;
        assert_eq!(output.status.code(), Some(2), "{reference}");
        assert!(output.stdout.is_empty(), "{reference}");
        let message = stderr(&output);
        assert!(
            message.starts_with(&format!("dockerfile-lsp: {reference}: ")),
            "{message}"
        );
        assert!(message.contains(says), "{reference}: {message}");
    }
    assert!(!was_contacted(&listener));
    Ok(())
}

#[test]
fn a_bad_platform_or_format_or_config_exits_2() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (listener, base) = silent_listener()?;
    write_config(dir.path(), &base, "")?;
    for platform in ["linux", "linux/amd64/v1/x", "/amd64", ""] {
        let output = dockerfile_lsp(
            &["image", "python:3.12", "--platform", platform],
            dir.path(),
        )?;
        assert_eq!(output.status.code(), Some(2), "{platform}");
        assert!(
            stderr(&output).contains("invalid platform"),
            "{platform}: {}",
            stderr(&output)
        );
    }
    let output = dockerfile_lsp(&["image", "python:3.12", "--format", "yaml"], dir.path())?;
    assert_eq!(output.status.code(), Some(2));
    let output = dockerfile_lsp(
        &["image", "python:3.12", "--config", "no-such.toml"],
        dir.path(),
    )?;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no-such.toml"),
        "{}",
        stderr(&output)
    );
    let output = dockerfile_lsp(&["image"], dir.path())?;
    assert_eq!(output.status.code(), Some(2));
    assert!(!was_contacted(&listener));
    Ok(())
}

#[test]
fn offline_with_nothing_cached_exits_2_without_a_request() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (listener, base) = silent_listener()?;
    write_config(dir.path(), &base, "offline = true\n")?;
    for format in ["human", "json"] {
        let output = dockerfile_lsp(&["image", "python:3.12", "--format", format], dir.path())?;
        assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
        assert!(output.stdout.is_empty());
        let message = stderr(&output);
        assert!(
            message.starts_with("dockerfile-lsp: python:3.12: offline"),
            "{message}"
        );
    }
    // The same configuration named on the command line, from another directory.
    let elsewhere = tempfile::tempdir()?;
    let config = dir.path().join("dockerfile-lsp.toml");
    let output = dockerfile_lsp(
        &[
            "image",
            "python:3.12",
            "--config",
            &config.to_string_lossy(),
        ],
        elsewhere.path(),
    )?;
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("offline"), "{}", stderr(&output));
    assert!(!was_contacted(&listener));
    Ok(())
}

#[test]
fn an_image_the_registry_does_not_know_exits_1() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (base, requests) = empty_registry()?;
    write_config(dir.path(), &base, "")?;
    let host = base.trim_start_matches("http://");
    let output = dockerfile_lsp(&["image", "python:3.99"], dir.path())?;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(output.stdout.is_empty());
    assert_eq!(
        stderr(&output),
        format!("dockerfile-lsp: python:3.99: not found or not authorized on {host}\n")
    );
    assert!(
        requests.load(Ordering::SeqCst) >= 2,
        "/v2/ and the manifest"
    );
    Ok(())
}

#[test]
fn an_unreachable_registry_exits_2() -> TestResult {
    let dir = tempfile::tempdir()?;
    // A port nothing listens on any more: connections are refused at once.
    let base = {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        format!("http://{}", listener.local_addr()?)
    };
    write_config(dir.path(), &base, "timeout-ms = 2000\n")?;
    let output = dockerfile_lsp(&["image", "python:3.12"], dir.path())?;
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(
        message.starts_with("dockerfile-lsp: python:3.12: ") && message.contains("unreachable"),
        "{message}"
    );
    Ok(())
}

/// The `image` of the JSON report for a pushed image: its platforms in the index's order,
/// each with the sizes of its five largest layers.
fn expected_image(reference: &str, pushed: &PushedImage) -> Value {
    let platforms: Vec<Value> = pushed
        .platforms
        .iter()
        .map(|p| {
            let mut parts = p.platform.split('/');
            let mut value = json!({
                "os": parts.next(),
                "architecture": parts.next(),
            });
            if let Some(variant) = parts.next() {
                value["variant"] = json!(variant);
            }
            let mut layers: Vec<u64> = p
                .history
                .iter()
                .map(|(_, size)| *size)
                .filter(|size| *size > 0)
                .collect();
            layers.sort_unstable_by(|a, b| b.cmp(a));
            layers.truncate(5);
            json!({
                "platform": value,
                "digest": p.digest,
                "compressed_size": p.compressed_size,
                "layers": p.layers,
                "created": p.created,
                "largest_layer_sizes": layers,
            })
        })
        .collect();
    json!({
        "reference": reference,
        "digest": pushed.digest,
        "media_type": pushed.media_type,
        "platforms": platforms,
    })
}

/// The report's `image`, with each platform's largest layers reduced to their sizes.
fn reported_image(report: &Value) -> Value {
    let mut image = report["image"].clone();
    if let Some(platforms) = image["platforms"].as_array_mut() {
        for platform in platforms {
            let sizes: Vec<Value> = platform["largest_layers"]
                .as_array()
                .map(|layers| layers.iter().map(|l| l["size"].clone()).collect())
                .unwrap_or_default();
            if let Some(object) = platform.as_object_mut() {
                object.remove("largest_layers");
                object.insert("largest_layer_sizes".to_owned(), Value::Array(sizes));
            }
        }
    }
    image
}

#[test]
fn json_reports_the_digest_and_sizes_the_registry_holds_then_offline_reads_them_from_the_cache()
-> TestResult {
    let registry = TestRegistry::start();
    let dir = tempfile::tempdir()?;
    let cache = dir.path().join("cache");
    std::fs::create_dir_all(&cache)?;
    let config = |extra: &str| {
        format!(
            "[registry]\ncache-dir = {:?}\n{extra}",
            cache.display().to_string()
        )
    };
    std::fs::write(dir.path().join("dockerfile-lsp.toml"), config(""))?;
    let reference = registry.reference("library/python:3.12");
    let args = [
        "image",
        &reference,
        "--format",
        "json",
        "--platform",
        "linux/amd64",
    ];

    let output = dockerfile_lsp(&args, dir.path())?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout)?;
    let pushed = registry.image("library/python:3.12");
    assert_eq!(reported_image(&report), expected_image(&reference, pushed));
    assert_eq!(
        report["platform"],
        json!({"os": "linux", "architecture": "amd64"})
    );
    // Slimmer variants are looked for among Docker Official Images only.
    assert_eq!(report["variants"], json!([]));
    assert_eq!(
        report["page"],
        json!(format!("{}/v2/library/python/tags/list", registry.url()))
    );
    let steps: Vec<&str> = report["image"]["platforms"][0]["largest_layers"]
        .as_array()
        .map(|layers| {
            layers
                .iter()
                .filter_map(|l| l["created_by"].as_str())
                .collect()
        })
        .unwrap_or_default();
    assert!(
        steps
            .first()
            .is_some_and(|s| s.contains("autoconf automake")),
        "{steps:?}"
    );
    assert!(
        !registry.requests().is_empty(),
        "the first lookup asks the registry"
    );

    // Offline, the same report comes from the cache, without a request.
    registry.clear_requests();
    std::fs::write(
        dir.path().join("dockerfile-lsp.toml"),
        config("offline = true\n"),
    )?;
    let offline = dockerfile_lsp(&args, dir.path())?;
    assert_eq!(offline.status.code(), Some(0), "{}", stderr(&offline));
    assert_eq!(serde_json::from_slice::<Value>(&offline.stdout)?, report);
    assert_eq!(registry.requests(), []);
    Ok(())
}

#[test]
fn human_shows_docker_hub_images_through_a_mirror_with_their_slimmer_variant() -> TestResult {
    let registry = TestRegistry::start();
    let dir = tempfile::tempdir()?;
    write_config(dir.path(), &registry.url(), "")?;

    let output = dockerfile_lsp(
        &["image", "python:3.12", "--platform", "linux/amd64"],
        dir.path(),
    )?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    let pushed = registry.image("library/python:3.12");
    let slim = registry.image("library/python:3.12-slim");
    let size = |image: &PushedImage| {
        image
            .platforms
            .iter()
            .find(|p| p.platform == "linux/amd64")
            .map(|p| p.compressed_size)
            .unwrap_or_default()
    };
    let (full, slim_size) = (size(pushed), size(slim));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.first(),
        Some(&"docker.io/library/python:3.12"),
        "{text}"
    );
    assert!(
        lines.contains(&format!("digest      {}", pushed.digest).as_str()),
        "{text}"
    );
    let selected = lines
        .iter()
        .position(|l| l.starts_with("linux/amd64 (selected)"))
        .ok_or(format!("no selected platform:\n{text}"))?;
    assert!(
        lines[selected + 1].starts_with("linux/arm64/v8 "),
        "the other platform follows:\n{text}"
    );
    assert!(lines[selected].contains(&format_size(full)), "{text}");
    let variant = lines
        .iter()
        .find(|l| l.trim_start().starts_with("python:3.12-slim "))
        .ok_or(format!("no slim variant:\n{text}"))?;
    let words: Vec<&str> = variant.split_whitespace().collect();
    let percent = (full - slim_size) * 100 / full;
    assert_eq!(
        words.join(" "),
        format!(
            "python:3.12-slim {} saves {} ({percent}%)",
            format_size(slim_size),
            format_size(full - slim_size)
        ),
        "{text}"
    );
    assert_eq!(lines.last(), Some(&"https://hub.docker.com/_/python"));

    // An image without the platform asked for: reported, and said so.
    let output = dockerfile_lsp(
        &[
            "image",
            &registry.reference("example/arm-only:1.0"),
            "--platform",
            "linux/amd64",
        ],
        dir.path(),
    )?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("Not published for linux/amd64 (only linux/arm64/v8)"),
        "{}",
        stdout(&output)
    );
    Ok(())
}

#[test]
fn registry_failures_exit_1_for_not_found_and_2_for_the_others() -> TestResult {
    let registry = TestRegistry::start();
    let dir = tempfile::tempdir()?;
    write_config(dir.path(), &registry.url(), "timeout-ms = 1000\n")?;
    let host = registry.host();
    let run = |reference: &str| dockerfile_lsp(&["image", reference], dir.path());

    let missing = registry.reference("library/python:3.99");
    let output = run(&missing)?;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        format!("dockerfile-lsp: {missing}: not found or not authorized on {host}\n")
    );

    // The private repository is refused without credentials, served with Docker's.
    let private = registry.reference("private/app:1.0");
    let output = run(&private)?;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(stderr(&output).contains("not authorized"));
    let credentials = tempfile::tempdir()?;
    registry.write_docker_config(credentials.path());
    let output = with_docker_config(&["image", &private], dir.path(), credentials.path())?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    let python = registry.reference("library/python:3.12");
    for (fault, says) in [
        (Fault::Status(503), "answered 503"),
        (
            Fault::TooManyRequests {
                retry_after_secs: 30,
            },
            "limits requests",
        ),
        (
            Fault::Delay(Duration::from_secs(3)),
            "did not answer within 1 s",
        ),
    ] {
        registry.set_fault(fault);
        let output = run(&python)?;
        assert_eq!(
            output.status.code(),
            Some(2),
            "{fault:?}: {}",
            stderr(&output)
        );
        assert!(output.stdout.is_empty(), "{fault:?}");
        let message = stderr(&output);
        assert!(
            message.starts_with(&format!("dockerfile-lsp: {python}: {host}"))
                && message.contains(says),
            "{fault:?}: {message}"
        );
    }
    registry.set_fault(Fault::None);
    let output = run(&python)?;
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    Ok(())
}

/// `check --registry` in CI: a tag that does not exist, and a base image over the size
/// budget, named with the slimmer variant the registry has.
#[test]
fn check_with_the_registry_reports_missing_tags_and_the_size_budget() -> TestResult {
    let registry = TestRegistry::start();
    let dir = tempfile::tempdir()?;
    let python = registry.image("library/python:3.12");
    let budget = python.platforms[0].compressed_size - 1;
    write_config(
        dir.path(),
        &registry.url(),
        &format!("platform = \"linux/amd64\"\nsize-budget = {budget}\n"),
    )?;
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM python:3.99 AS old\nFROM python:3.12\n",
    )?;
    let args = ["check", "--registry", "--format", "json", "Dockerfile"];
    let output = dockerfile_lsp(&args, dir.path())?;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let findings: Value = serde_json::from_str(&stdout(&output))?;
    let registry_findings: Vec<(String, u64, String)> = findings
        .as_array()
        .ok_or("not an array")?
        .iter()
        .filter(|f| {
            f["rule"]
                .as_str()
                .is_some_and(|r| r.starts_with("base-image-"))
        })
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or("").to_owned(),
                f["line"].as_u64().unwrap_or(0),
                f["message"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    assert_eq!(registry_findings.len(), 2, "{registry_findings:?}");
    assert_eq!(registry_findings[0].0, "base-image-not-found");
    assert_eq!(registry_findings[0].1, 1);
    assert_eq!(registry_findings[1].0, "base-image-size-budget");
    assert_eq!(registry_findings[1].1, 2);
    let size = format_size(python.platforms[0].compressed_size);
    assert!(
        registry_findings[1].2.contains(&size),
        "{registry_findings:?}"
    );
    assert!(
        registry_findings[1].2.contains("python:3.12-slim"),
        "{registry_findings:?}"
    );

    // Without --registry nothing is asked, and nothing is reported from registry data.
    registry.clear_requests();
    let output = dockerfile_lsp(&["check", "--format", "json", "Dockerfile"], dir.path())?;
    assert!(
        !stdout(&output).contains("base-image-"),
        "{}",
        stdout(&output)
    );
    assert!(registry.requests().is_empty());
    Ok(())
}
