//! The `dockerfile-lsp` executable as a user runs it: arguments, output and exit status.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn dockerfile_lsp(args: &[&str], cwd: &Path) -> std::io::Result<Output> {
    Command::new(env!("CARGO_BIN_EXE_dockerfile-lsp"))
        .args(args)
        .current_dir(cwd)
        .output()
}

/// Writes `files` (relative path, bytes) under a fresh temporary directory.
fn tree(files: &[(&str, &[u8])]) -> std::io::Result<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    for (name, bytes) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(path, bytes)?;
    }
    Ok(dir)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn version_prints_the_package_version() -> TestResult {
    let output = dockerfile_lsp(&["--version"], Path::new("."))?;
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        stdout(&output),
        format!("dockerfile-lsp {}\n", env!("CARGO_PKG_VERSION"))
    );
    Ok(())
}

#[test]
fn help_lists_the_check_command() -> TestResult {
    let output = dockerfile_lsp(&["--help"], Path::new("."))?;
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stdout(&output)
            .lines()
            .any(|line| line.trim_start().starts_with("check "))
    );
    Ok(())
}

#[test]
fn no_command_serves_lsp_and_exits_1_when_input_ends_without_shutdown() -> TestResult {
    // `output()` gives the child an empty stdin: the protocol ends at once, with no
    // `shutdown` request, which the LSP specification answers with status 1.
    let output = dockerfile_lsp(&[], Path::new("."))?;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stdout(&output).is_empty(),
        "stdout carries the protocol only"
    );
    Ok(())
}

#[test]
fn bad_usage_exits_2() -> TestResult {
    for args in [&["--no-such-flag"][..], &["check"], &["frobnicate"]] {
        let output = dockerfile_lsp(args, Path::new("."))?;
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        assert!(stderr(&output).contains("error:"), "{args:?}");
    }
    Ok(())
}

#[test]
fn a_missing_file_exits_2_with_a_message_naming_it() -> TestResult {
    let dir = tree(&[])?;
    let output = dockerfile_lsp(&["check", "no/such/Dockerfile"], dir.path())?;
    assert_eq!(output.status.code(), Some(2));
    assert!(stdout(&output).is_empty());
    assert_eq!(
        stderr(&output),
        "no/such/Dockerfile: error: no such file or directory\n"
    );
    Ok(())
}

#[test]
fn invalid_utf8_exits_2_with_a_message_naming_the_file() -> TestResult {
    let dir = tree(&[("Dockerfile", b"FROM alpine\nRUN echo \xFF\n")])?;
    let output = dockerfile_lsp(&["check", "Dockerfile"], dir.path())?;
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(
        stderr(&output),
        "Dockerfile: error: not valid UTF-8: invalid byte 0xFF at line 2, column 10\n"
    );
    Ok(())
}

#[test]
fn an_explicit_file_is_checked_whatever_its_name() -> TestResult {
    // Invalid UTF-8 makes a checked file visible without depending on any rule.
    let dir = tree(&[("build-recipe.txt", b"\xFF")])?;
    let output = dockerfile_lsp(&["check", "build-recipe.txt"], dir.path())?;
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).starts_with("build-recipe.txt: error: not valid UTF-8"));
    Ok(())
}

#[test]
fn a_directory_is_searched_for_dockerfiles_and_ignore_files() -> TestResult {
    // Every file is invalid UTF-8, so each one that is checked says so on stderr.
    let dir = tree(&[
        ("project/Dockerfile", b"\xFF"),
        ("project/sub/app.Dockerfile", b"\xFF"),
        ("project/.dockerignore", b"\xFF"),
        ("project/README.md", b"\xFF"),
    ])?;
    let output = dockerfile_lsp(&["check", "project"], dir.path())?;
    assert_eq!(output.status.code(), Some(2));
    let checked: Vec<String> = stderr(&output)
        .lines()
        .filter_map(|line| {
            line.split_once(": error: ")
                .map(|(path, _)| path.replace('\\', "/"))
        })
        .collect();
    assert_eq!(
        checked,
        [
            "project/.dockerignore",
            "project/Dockerfile",
            "project/sub/app.Dockerfile"
        ]
    );
    Ok(())
}

#[test]
fn a_clean_dockerfile_exits_0_and_prints_nothing() -> TestResult {
    let dir = tree(&[(
        "Dockerfile",
        b"FROM scratch\nCOPY --chown=65534:65534 hello /hello\nUSER 65534\nENTRYPOINT [\"/hello\"]\n",
    )])?;
    let output = dockerfile_lsp(&["check", "Dockerfile"], dir.path())?;
    assert_eq!(stdout(&output), "");
    assert_eq!(stderr(&output), "");
    assert_eq!(output.status.code(), Some(0));
    Ok(())
}

#[test]
fn a_misspelt_instruction_is_an_error_with_a_suggestion() -> TestResult {
    let dir = tree(&[("Dockerfile", b"FORM alpine\n")])?;
    let output = dockerfile_lsp(&["check", "Dockerfile"], dir.path())?;
    let report = stdout(&output);
    let first = report.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("Dockerfile:1:1: error[syntax-unknown-instruction] "),
        "got {report:?}"
    );
    assert!(first.contains("did you mean FROM"), "got {report:?}");
    assert_eq!(output.status.code(), Some(1));
    Ok(())
}
