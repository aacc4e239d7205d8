//! `check --format sarif` validated against the SARIF 2.1.0 schema and rules by Microsoft's SARIF
//! Multitool (`npm install -g @microsoft/sarif-multitool`, which `.ci/run` installs).
//!
//! The validator is `sarif-multitool` on the PATH, or the program named by
//! `DOCKERFILE_LSP_SARIF_MULTITOOL`. Without it the tests fail, except outside CI with
//! `DOCKERFILE_LSP_SKIP_SARIF_VALIDATION=1`, where they say so and pass.

mod support;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::corpus::{corpus_dir, corpus_files};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const EXE: &str = env!("CARGO_BIN_EXE_dockerfile-lsp");

/// The validator's command, or `None` when a local run chose to skip validation.
fn validator() -> Result<Option<OsString>, String> {
    if let Some(program) = std::env::var_os("DOCKERFILE_LSP_SARIF_MULTITOOL") {
        return Ok(Some(program));
    }
    let on_path = Command::new("sarif-multitool")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if on_path {
        return Ok(Some("sarif-multitool".into()));
    }
    let skip = std::env::var_os("DOCKERFILE_LSP_SKIP_SARIF_VALIDATION").is_some();
    if skip && std::env::var_os("CI").is_none() {
        eprintln!("SARIF validation skipped: sarif-multitool is not installed");
        return Ok(None);
    }
    Err(
        "sarif-multitool is not installed: `npm install -g @microsoft/sarif-multitool@5.7.0` \
         (.ci/run does), or set DOCKERFILE_LSP_SARIF_MULTITOOL to its path"
            .to_owned(),
    )
}

/// What the validator says of the log in `file`: one `level rule: message` line per
/// problem (schema violations, SARIF rule errors and warnings); notes are left out.
fn validate(validator: &OsString, file: &Path) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let dir = file.parent().ok_or("the log is in a directory")?;
    let verdict = dir.join("validation.sarif");
    let _ = std::fs::remove_file(&verdict);
    let output = Command::new(validator)
        .arg("validate")
        .arg("--output")
        .arg(&verdict)
        .arg(file)
        .output()?;
    // The tool exits 0 even when the log is invalid: its own SARIF log tells.
    let text = std::fs::read_to_string(&verdict).map_err(|e| {
        format!(
            "the validator wrote no verdict ({e}); it said: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })?;
    let verdict: Value = serde_json::from_str(&text)?;
    let results = verdict["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    Ok(results
        .iter()
        .filter_map(|result| {
            // A result without a level is a warning (SARIF's default).
            let level = result["level"].as_str().unwrap_or("warning");
            matches!(level, "error" | "warning").then(|| {
                let arguments = result["message"]["arguments"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default();
                format!(
                    "{level} {}: {arguments}",
                    result["ruleId"].as_str().unwrap_or("?")
                )
            })
        })
        .collect())
}

/// Runs `check --format sarif` on `paths` from `cwd` and writes the log to a file.
fn sarif_log(
    cwd: &Path,
    paths: &[PathBuf],
    into: &Path,
) -> Result<Value, Box<dyn std::error::Error>> {
    let output = Command::new(EXE)
        .args(["check", "--format", "sarif"])
        .args(paths)
        .current_dir(cwd)
        .output()?;
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "check failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::write(into, &output.stdout)?;
    Ok(serde_json::from_slice(&output.stdout)?)
}

#[test]
fn the_log_for_the_examples_and_real_dockerfiles_is_valid_sarif() -> TestResult {
    let Some(validator) = validator()? else {
        return Ok(());
    };
    let repository = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let real: Vec<PathBuf> = corpus_files(&corpus_dir().join("real"))
        .into_iter()
        .step_by(40)
        .collect();
    assert!(real.len() >= 5, "a few real Dockerfiles: {real:?}");
    let dir = tempfile::tempdir()?;
    let cases = [
        ("examples", vec![PathBuf::from("examples")]),
        ("real", real),
    ];
    for (name, paths) in cases {
        let file = dir.path().join(format!("{name}.sarif"));
        let log = sarif_log(&repository, &paths, &file)?;
        let results = log["runs"][0]["results"].as_array().map_or(0, Vec::len);
        assert!(results > 10, "{name}: the log has results to validate");
        let fixes = log["runs"][0]["results"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|r| r.get("fixes").is_some())
            .count();
        assert!(fixes > 0, "{name}: the log has fixes to validate");
        let problems = validate(&validator, &file)?;
        assert!(problems.is_empty(), "{name}: {problems:#?}");
    }
    Ok(())
}

#[test]
fn a_log_with_nothing_found_is_valid_sarif() -> TestResult {
    let Some(validator) = validator()? else {
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM scratch\nCOPY --chown=65534:65534 hello /hello\nUSER 65534\nENTRYPOINT [\"/hello\"]\n",
    )?;
    let file = dir.path().join("clean.sarif");
    let log = sarif_log(dir.path(), &[PathBuf::from("Dockerfile")], &file)?;
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
    assert_eq!(validate(&validator, &file)?, Vec::<String>::new());
    Ok(())
}

#[test]
fn the_validator_rejects_a_log_that_breaks_the_schema() -> TestResult {
    let Some(validator) = validator()? else {
        return Ok(());
    };
    let dir = tempfile::tempdir()?;
    std::fs::write(dir.path().join("Dockerfile"), "FROM alpine\nEXPOSE 70000\n")?;
    let file = dir.path().join("broken.sarif");
    let mut log = sarif_log(dir.path(), &[PathBuf::from("Dockerfile")], &file)?;
    log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    log["runs"][0]["results"][0]["severity"] = "high".into();
    std::fs::write(&file, serde_json::to_vec(&log)?)?;
    let problems = validate(&validator, &file)?;
    assert!(
        problems.iter().any(|p| p.contains("startLine")),
        "{problems:#?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("severity")),
        "{problems:#?}"
    );
    Ok(())
}
