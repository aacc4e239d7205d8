//! `dockerfile-lsp image`: usage errors, exit statuses and what it asks the network for.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Runs the command in `cwd` with Docker's configuration directory there too, so that
/// no credential of the machine running the tests is read.
fn dockerfile_lsp(args: &[&str], cwd: &Path) -> std::io::Result<Output> {
    Command::new(env!("CARGO_BIN_EXE_dockerfile-lsp"))
        .args(args)
        .current_dir(cwd)
        .env("DOCKER_CONFIG", cwd.join("docker-config"))
        .env_remove("RUST_LOG")
        .output()
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
