//! Realistic generated Dockerfiles for the benchmarks.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// Runs `dockerfile-lsp check ARGS... PATH` as a user would, timing the whole process;
/// panics unless it exits with 0 or 1 (findings or none).
pub fn timed_check(args: &[&str], path: &Path) -> (Duration, Output) {
    let start = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_dockerfile-lsp"))
        .arg("check")
        .args(args)
        .arg(path)
        .output()
        .expect("run dockerfile-lsp");
    let elapsed = start.elapsed();
    assert!(
        output.status.code().is_some_and(|c| c <= 1),
        "check failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (elapsed, output)
}

/// One build stage in the shape of real projects: package installs with
/// continuations, cache mounts, heredocs, labels, a health check, JSON commands.
const STAGE: &str = r#"FROM --platform=$BUILDPLATFORM python:${PY_VERSION:-3.12}-slim AS build-{n}
ARG PIP_INDEX_URL APP_ENV=production
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH="/opt/venv/bin:$PATH"
WORKDIR /app/{n}
# system packages needed to build wheels
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential \
      libpq-dev \
      curl \
 && rm -rf /var/lib/apt/lists/*
COPY --chown=app:app requirements.txt pyproject.toml ./
RUN --mount=type=cache,target=/root/.cache/pip \
    python -m venv /opt/venv && pip install -r requirements.txt
COPY <<EOF /etc/app-{n}.conf
[server]
port = {port}
workers = 4
EOF
RUN <<-SCRIPT bash
	set -eux
	python -c 'print("stage {n}")'
	SCRIPT
COPY . .
EXPOSE {port}/tcp
LABEL org.opencontainers.image.title="app {n}" org.opencontainers.image.version="1.{n}"
HEALTHCHECK --interval=30s --timeout=3s CMD ["curl", "-f", "http://localhost:{port}/health"]
USER app:app
CMD ["gunicorn", "app.wsgi:application", "--bind", "0.0.0.0:{port}"]
"#;

/// A multi-stage Dockerfile of exactly `lines` lines, ending on a whole instruction.
pub fn generate_dockerfile(lines: usize) -> String {
    let mut all: Vec<String> = vec![
        "# syntax=docker/dockerfile:1".into(),
        "ARG PY_VERSION=3.12".into(),
    ];
    let mut n = 0;
    while all.len() < lines {
        // Ports stay valid (EXPOSE checks them) however many stages there are.
        let port = (8000 + n % 1000).to_string();
        all.extend(
            STAGE
                .replace("{port}", &port)
                .replace("{n}", &n.to_string())
                .lines()
                .map(str::to_owned),
        );
        n += 1;
    }
    all.truncate(lines);
    // Never cut a stage inside a heredoc or a continuation.
    while all
        .last()
        .is_some_and(|l| !l.starts_with("CMD ") && !l.starts_with("USER "))
    {
        all.pop();
    }
    while all.len() < lines {
        all.push("# padding comment to reach the requested length".into());
    }
    let mut text = all.join("\n");
    text.push('\n');
    text
}

/// A realistic 60-line Dockerfile: two stages of the shape above.
pub fn realistic_dockerfile() -> String {
    generate_dockerfile(60)
}
