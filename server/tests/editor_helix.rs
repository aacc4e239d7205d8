//! The Helix snippet (editors/helix/languages.toml): valid TOML that starts the real server and serves the names it serves.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test stops loudly on a broken fixture

mod support;

use std::path::Path;

use dockerfile_lsp::analysis::ignore_match::pattern_matches;
use dockerfile_lsp::files::file_kind;
use dockerfile_lsp::syntax::FileKind;
use support::lsp::LspClient;
use toml::Value;

const SNIPPET: &str = include_str!("../../editors/helix/languages.toml");

fn snippet() -> toml::Table {
    toml::from_str(SNIPPET).expect("editors/helix/languages.toml is valid TOML")
}

fn languages(snippet: &toml::Table) -> &[Value] {
    snippet["language"]
        .as_array()
        .expect("[[language]] entries")
}

/// The names of the language servers a `[[language]]` uses (a name or `{ name = ... }`).
fn servers_of(language: &Value) -> Vec<&str> {
    language["language-servers"]
        .as_array()
        .expect("language-servers")
        .iter()
        .map(|server| match server {
            Value::String(name) => name.as_str(),
            other => other["name"].as_str().expect("a server name"),
        })
        .collect()
}

/// The `{ glob = ... }` file types of a `[[language]]`.
fn globs_of(language: &Value) -> Vec<&str> {
    language["file-types"]
        .as_array()
        .expect("file-types")
        .iter()
        .map(|file_type| file_type["glob"].as_str().expect("a glob file type"))
        .collect()
}

#[test]
fn the_snippet_names_the_binary_and_its_stdio_argument() {
    let snippet = snippet();
    let server = &snippet["language-server"]["dockerfile-lsp"];
    assert_eq!(server["command"].as_str(), Some("dockerfile-lsp"));
    assert_eq!(
        server["args"].as_array().unwrap(),
        &[Value::String("--stdio".into())]
    );
}

#[test]
fn the_binary_serves_lsp_with_the_snippets_arguments() {
    let snippet = snippet();
    let args: Vec<&str> = snippet["language-server"]["dockerfile-lsp"]["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let mut client = LspClient::spawn(env!("CARGO_BIN_EXE_dockerfile-lsp"), &args);
    let result = client.initialize(&[]);
    assert_eq!(result["serverInfo"]["name"], "dockerfile-lsp");
    assert!(result["capabilities"]["hoverProvider"].as_bool().unwrap());
    let status = client.shutdown_and_exit();
    assert!(status.success(), "{status:?}");
}

#[test]
fn every_language_uses_the_server() {
    let snippet = snippet();
    let names: Vec<&str> = languages(&snippet)
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["dockerfile", "dockerignore"]);
    for language in languages(&snippet) {
        assert_eq!(servers_of(language), ["dockerfile-lsp"], "{language}");
    }
}

#[test]
fn dockerignore_is_a_language_of_its_own_with_comments() {
    let snippet = snippet();
    let dockerignore = &languages(&snippet)[1];
    // A new language needs a scope; its id is one the server maps to the ignore grammar.
    assert_eq!(dockerignore["scope"].as_str(), Some("source.dockerignore"));
    assert_eq!(dockerignore["language-id"].as_str(), Some("dockerignore"));
    assert_eq!(dockerignore["comment-token"].as_str(), Some("#"));
}

/// The language Helix picks for a file name among the snippet's: of the globs that match,
/// the longest wins (Helix's rule, which also puts `.dockerignore` here rather than in its
/// built-in `git-ignore`, whose glob is `.*ignore`).
fn language_for<'a>(snippet: &'a toml::Table, name: &str) -> Option<&'a str> {
    languages(snippet)
        .iter()
        .flat_map(|language| globs_of(language).into_iter().map(move |g| (language, g)))
        .filter(|(_, glob)| pattern_matches(glob, name))
        .max_by_key(|(_, glob)| glob.len())
        .map(|(language, _)| language["name"].as_str().unwrap())
}

#[test]
fn the_file_types_are_the_names_the_server_serves() {
    let snippet = snippet();
    for name in [
        "Dockerfile",
        "dockerfile",
        "Containerfile",
        "containerfile",
        "Dockerfile.prod",
        "Containerfile.dev",
        "api.Dockerfile",
        "worker.containerfile",
        ".dockerignore",
        ".containerignore",
        "Dockerfile.dockerignore",
        "api.Dockerfile.dockerignore",
        "docker-compose.yml",
        ".gitignore",
        "README.md",
    ] {
        let expected = match file_kind(Path::new(name)) {
            Some(FileKind::Dockerfile) => Some("dockerfile"),
            Some(FileKind::Dockerignore) => Some("dockerignore"),
            None => None,
        };
        assert_eq!(language_for(&snippet, name), expected, "{name}");
    }
}
