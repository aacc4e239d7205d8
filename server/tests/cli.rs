//! The `dockerfile-lsp` executable as a user runs it: arguments, output and exit status.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

mod support;

use dockerfile_lsp::analysis::rules;
use serde_json::Value;
use support::corpus::corpus_dir;

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
    for args in [
        &["--no-such-flag"][..],
        &["check"],
        &["frobnicate"],
        &["check", "--format", "xml", "Dockerfile"],
        &["check", "--fail-level", "fatal", "Dockerfile"],
    ] {
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
fn a_clean_dockerfile_exits_0_and_says_so() -> TestResult {
    let dir = tree(&[(
        "Dockerfile",
        b"FROM scratch\nCOPY --chown=65534:65534 hello /hello\nUSER 65534\nENTRYPOINT [\"/hello\"]\n",
    )])?;
    let output = dockerfile_lsp(&["check", "Dockerfile"], dir.path())?;
    assert_eq!(stdout(&output), "ok: checked 1 file, no findings\n");
    assert_eq!(stderr(&output), "");
    assert_eq!(output.status.code(), Some(0));
    let concise = dockerfile_lsp(&["check", "--format", "concise", "Dockerfile"], dir.path())?;
    assert_eq!(
        (stdout(&concise), concise.status.code()),
        (String::new(), Some(0))
    );
    Ok(())
}

#[test]
fn a_misspelt_instruction_is_an_error_with_a_suggestion() -> TestResult {
    let dir = tree(&[("Dockerfile", b"FORM alpine\n")])?;
    let output = dockerfile_lsp(&["check", "Dockerfile"], dir.path())?;
    let report = stdout(&output);
    let first = report.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error[syntax-unknown-instruction]: "),
        "got {report:?}"
    );
    assert!(first.contains("did you mean FROM"), "got {report:?}");
    assert_eq!(output.status.code(), Some(1));
    Ok(())
}

/// Findings of every severity the rules have so far, a character wider than a
/// byte before one of them, and one that spans two lines.
const FINDINGS: &[u8] = "FROM scratch AS Build\n\
WORKDIR 🐳/app\n\
EXPOSE 80 70000\n\
FORM alpine\n\
USER 65534\n\
CMD python \\\n    app.py\n"
    .as_bytes();

/// Warnings and nothing more serious.
const WARNINGS_ONLY: &[u8] = b"FROM scratch AS Build\nWORKDIR app\nUSER 65534\n";

/// Errors: an invalid port.
const WITH_AN_ERROR: &[u8] = b"FROM scratch\nEXPOSE 70000\nUSER 65534\n";

const CLEAN: &[u8] =
    b"FROM scratch\nCOPY --chown=65534:65534 hello /hello\nUSER 65534\nENTRYPOINT [\"/hello\"]\n";

fn check_one(dockerfile: &[u8], args: &[&str]) -> Result<Output, Box<dyn std::error::Error>> {
    let dir = tree(&[("Dockerfile", dockerfile)])?;
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    all.push("Dockerfile");
    Ok(dockerfile_lsp(&all, dir.path())?)
}

#[test]
fn human_is_the_default_format() -> TestResult {
    let output = check_one(FINDINGS, &[])?;
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr(&output), "");
    assert_eq!(
        stdout(&output),
        stdout(&check_one(FINDINGS, &["--format", "human"])?)
    );
    Ok(())
}

/// Findings of every kind the code frames draw: a wide character before the
/// range, a tab before it, a range over two lines, and a finding with a fix.
const FRAMES: &[u8] = "FROM scratch AS Build\n\
WORKDIR 🐳/app\n\
EXPOSE 80\t70000\n\
FORM alpine\n\
USER 65534\n\
CMD python \\\n    app.py\n"
    .as_bytes();

#[test]
fn human_shows_each_finding_in_its_lines_with_the_range_underlined_then_a_summary() -> TestResult {
    let output = check_one(FRAMES, &["--color", "never"])?;
    assert_eq!(output.status.code(), Some(1));
    // The whale is two columns wide, the tab four: the carets stay under the range.
    insta::assert_snapshot!(stdout(&output), @r#"
    warning[stage-name-casing]: stage name `Build` should be lower case: `build`
     --> Dockerfile:1:17
      |
    1 | FROM scratch AS Build
      |                 ^^^^^
      |
      = help: `dockerfile-lsp explain stage-name-casing` tells why it matters

    warning[workdir-relative]: relative WORKDIR `🐳/app` depends on the base image's working directory: use an absolute path
     --> Dockerfile:2:9
      |
    2 | WORKDIR 🐳/app
      |         ^^^^^^
      |
      = help: `dockerfile-lsp explain workdir-relative` tells why it matters

    error[expose-invalid-port]: `70000` is not a port between 0 and 65535
     --> Dockerfile:3:11
      |
    3 | EXPOSE 80    70000
      |              ^^^^^
      |
      = help: `dockerfile-lsp explain expose-invalid-port` tells why it matters

    error[syntax-unknown-instruction]: unknown instruction: FORM (did you mean FROM?)
     --> Dockerfile:4:1
      |
    4 | FORM alpine
      | ^^^^

    warning[json-args-recommended]: shell form CMD: the shell becomes PID 1 and the program gets no SIGTERM; use the JSON form ["..."]
     --> Dockerfile:6:5
      |
    6 |   CMD python \
      |  _____^
    7 | |     app.py
      | |__________^
      |
      = help: Rewrite as `CMD ["python", "app.py"]` (`check --fix` applies it)

    checked 1 file: 5 findings (2 errors, 3 warnings)
    1 fixable with `dockerfile-lsp check --fix`
    "#);
    // Piped output is never coloured unless asked.
    assert_eq!(stdout(&check_one(FRAMES, &[])?), stdout(&output));
    Ok(())
}

#[test]
fn a_long_range_shows_its_first_and_last_lines() -> TestResult {
    let dockerfile = b"FROM scratch\nUSER 1\nCMD run \\\n  --a \\\n  --b \\\n  --c \\\n  --d \\\n  --e \\\n  --f \\\n  --g\n";
    let output = check_one(dockerfile, &[])?;
    insta::assert_snapshot!(stdout(&output), @r#"
    warning[json-args-recommended]: shell form CMD: the shell becomes PID 1 and the program gets no SIGTERM; use the JSON form ["..."]
      --> Dockerfile:3:5
       |
     3 |   CMD run \
       |  _____^
     4 | |   --a \
     5 | |   --b \
     6 | |   --c \
    ...  |
     9 | |   --f \
    10 | |   --g
       | |_____^
       |
       = help: Rewrite as `CMD ["run", "--a", "--b", "--c", "--d", "--e", "--f", "--g"]` (`check --fix` applies it)

    checked 1 file: 1 finding (1 warning)
    1 fixable with `dockerfile-lsp check --fix`
    "#);
    Ok(())
}

#[test]
fn color_always_colours_the_severity_rule_underline_and_summary() -> TestResult {
    let dockerfile = b"FROM scratch\nEXPOSE 70000\nUSER 65534\n";
    let output = check_one(dockerfile, &["--color", "always"])?;
    let shown = stdout(&output).replace('\u{1b}', "ESC");
    insta::assert_snapshot!(shown, @r"
    ESC[1mESC[91merror[expose-invalid-port]ESC[0mESC[1m: `70000` is not a port between 0 and 65535ESC[0m
     ESC[1mESC[94m--> ESC[0mDockerfile:2:8
      ESC[1mESC[94m|ESC[0m
    ESC[1mESC[94m2ESC[0m ESC[1mESC[94m|ESC[0m EXPOSE 70000
      ESC[1mESC[94m|ESC[0m        ESC[1mESC[91m^^^^^ESC[0m
      ESC[1mESC[94m|ESC[0m
      ESC[1mESC[94m= ESC[0mESC[1mhelpESC[0m: `dockerfile-lsp explain expose-invalid-port` tells why it matters

    checked 1 file: 1 finding (ESC[1mESC[91m1 errorESC[0m)
    ");
    // An explicit choice wins over NO_COLOR, which only changes what `auto` does.
    let dir = tree(&[("Dockerfile", dockerfile)])?;
    let with_no_color = Command::new(env!("CARGO_BIN_EXE_dockerfile-lsp"))
        .args(["check", "--color", "always", "Dockerfile"])
        .env("NO_COLOR", "1")
        .current_dir(dir.path())
        .output()?;
    assert_eq!(stdout(&with_no_color), stdout(&output));
    let never = check_one(dockerfile, &["--color", "never"])?;
    assert!(!stdout(&never).contains('\u{1b}'), "{}", stdout(&never));
    Ok(())
}

/// Runs the binary in a pseudo-terminal (util-linux `script`), as a person at a
/// terminal does; the terminal's output is stdout and stderr together.
fn in_terminal(args: &str, cwd: &Path, env: &[(&str, &str)]) -> std::io::Result<String> {
    let command = format!("'{}' {args}", env!("CARGO_BIN_EXE_dockerfile-lsp"));
    let mut script = Command::new("script");
    script
        .args(["-qec", &command, "/dev/null"])
        .current_dir(cwd)
        .env_remove("NO_COLOR")
        .env_remove("CI")
        .stdin(std::process::Stdio::null());
    for (key, value) in env {
        script.env(key, value);
    }
    let output = script.output()?;
    assert!(
        output.status.code().is_some(),
        "script failed: {}",
        stderr(&output)
    );
    Ok(stdout(&output).replace("\r\n", "\n"))
}

#[test]
fn on_a_terminal_the_report_is_coloured_unless_no_color_is_set() -> TestResult {
    let dir = tree(&[("Dockerfile", WITH_AN_ERROR)])?;
    let coloured = in_terminal("check Dockerfile", dir.path(), &[])?;
    assert!(
        coloured.contains("\u{1b}[1m\u{1b}[91merror[expose-invalid-port]"),
        "{coloured:?}"
    );
    let plain = in_terminal("check Dockerfile", dir.path(), &[("NO_COLOR", "1")])?;
    assert!(!plain.contains('\u{1b}'), "{plain:?}");
    assert!(
        plain.starts_with("error[expose-invalid-port]: "),
        "{plain:?}"
    );
    // An empty NO_COLOR does not count (no-color.org).
    let empty = in_terminal("check Dockerfile", dir.path(), &[("NO_COLOR", "")])?;
    assert_eq!(empty, coloured);
    Ok(())
}

#[test]
fn a_progress_bar_is_drawn_on_a_terminal_for_many_files_but_never_in_ci() -> TestResult {
    let names: Vec<String> = (0..25).map(|i| format!("many/{i}.Dockerfile")).collect();
    let files: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), CLEAN)).collect();
    let dir = tree(&files)?;
    let terminal = in_terminal("check --format concise many", dir.path(), &[])?;
    assert!(terminal.contains("/25 files"), "{terminal:?}");
    let ci = in_terminal("check --format concise many", dir.path(), &[("CI", "true")])?;
    assert_eq!(ci, "");
    // A few files are checked too fast for a bar to help.
    let few = in_terminal("check --format concise many/1.Dockerfile", dir.path(), &[])?;
    assert_eq!(few, "");
    // Piped stderr never gets one.
    let piped = dockerfile_lsp(&["check", "--format", "concise", "many"], dir.path())?;
    assert_eq!(
        (stdout(&piped), stderr(&piped)),
        (String::new(), String::new())
    );
    Ok(())
}

#[test]
fn concise_prints_one_line_per_finding_and_no_summary() -> TestResult {
    let output = check_one(FINDINGS, &["--format", "concise"])?;
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!(stdout(&output), @r#"
    Dockerfile:1:17: warning[stage-name-casing] stage name `Build` should be lower case: `build`
    Dockerfile:2:9: warning[workdir-relative] relative WORKDIR `🐳/app` depends on the base image's working directory: use an absolute path
    Dockerfile:3:11: error[expose-invalid-port] `70000` is not a port between 0 and 65535
    Dockerfile:4:1: error[syntax-unknown-instruction] unknown instruction: FORM (did you mean FROM?)
    Dockerfile:6:5: warning[json-args-recommended] shell form CMD: the shell becomes PID 1 and the program gets no SIGTERM; use the JSON form ["..."]
    "#);
    Ok(())
}

#[test]
fn the_summary_adds_up_every_file() -> TestResult {
    let dir = tree(&[
        ("a/Dockerfile", WARNINGS_ONLY),
        ("b/Dockerfile", WITH_AN_ERROR),
        ("c/Dockerfile", CLEAN),
    ])?;
    let output = dockerfile_lsp(&["check", "."], dir.path())?;
    let report = stdout(&output);
    assert!(
        report.ends_with("\nchecked 3 files: 3 findings (1 error, 2 warnings)\n"),
        "{report}"
    );
    Ok(())
}

#[test]
fn files_checked_on_several_threads_are_reported_as_on_one() -> TestResult {
    let corpus = corpus_dir().join("real").display().to_string();
    for format in ["human", "json", "sarif"] {
        let run = |threads: &str| {
            dockerfile_lsp(
                &["check", "--format", format, "--threads", threads, &corpus],
                Path::new("."),
            )
        };
        let one = run("1")?;
        assert!(!one.stdout.is_empty());
        for threads in ["2", "7"] {
            let many = run(threads)?;
            assert_eq!(many.status.code(), one.status.code(), "{format} {threads}");
            assert!(
                many.stdout == one.stdout,
                "{format}: {threads} threads differ"
            );
            assert_eq!(stderr(&many), stderr(&one), "{format} {threads}");
        }
    }
    let zero = dockerfile_lsp(&["check", "--threads", "0", &corpus], Path::new("."))?;
    assert_eq!(zero.status.code(), Some(2));
    Ok(())
}

#[test]
fn json_prints_one_array_of_findings_with_their_rules_metadata() -> TestResult {
    let output = check_one(FINDINGS, &["--format", "json"])?;
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr(&output), "");
    let report: Value = serde_json::from_str(&stdout(&output))?;
    let findings = report.as_array().ok_or("the report is an array")?;
    assert_eq!(findings.len(), 5);
    for finding in findings {
        let keys: Vec<&str> = finding
            .as_object()
            .ok_or("each finding is an object")?
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected = [
            "path",
            "line",
            "column",
            "end_line",
            "end_column",
            "rule",
            "aliases",
            "severity",
            "message",
            "fixable",
            "fix",
        ];
        expected.sort_unstable();
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(keys, expected);
    }
    // The syntax error has no rule: no aliases, not fixable.
    let syntax = findings
        .iter()
        .find(|f| f["rule"] == "syntax-unknown-instruction")
        .ok_or("the syntax error is reported")?;
    assert_eq!(syntax["aliases"], serde_json::json!([]));
    assert_eq!(syntax["fixable"], false);
    assert_eq!(syntax["fix"], serde_json::Value::Null);
    assert_eq!(syntax["severity"], "error");
    insta::assert_snapshot!("json", stdout(&output));
    Ok(())
}

#[test]
fn json_with_nothing_found_is_an_empty_array() -> TestResult {
    let output = check_one(CLEAN, &["--format", "json"])?;
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout(&output), "[]\n");
    Ok(())
}

#[test]
fn github_prints_one_workflow_command_per_finding() -> TestResult {
    let output = check_one(FINDINGS, &["--format", "github"])?;
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr(&output), "");
    insta::assert_snapshot!("github", stdout(&output));
    Ok(())
}

#[test]
fn sarif_is_a_log_github_code_scanning_accepts() -> TestResult {
    let output = check_one(FINDINGS, &["--format", "sarif"])?;
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stderr(&output), "");
    let log: Value = serde_json::from_str(&stdout(&output))?;
    assert_valid_sarif(&log)?;
    let run = &log["runs"][0];
    assert_eq!(run["results"].as_array().map(Vec::len), Some(5));
    // One descriptor per rule with results, the syntax error's included.
    let ids: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .ok_or("rules")?
        .iter()
        .filter_map(|rule| rule["id"].as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "expose-invalid-port",
            "json-args-recommended",
            "stage-name-casing",
            "syntax-unknown-instruction",
            "workdir-relative"
        ]
    );
    // Each rule's descriptions and help come from its documentation, checked here
    // against the rule, so that the snapshot shows the log without every page.
    let mut shown = stdout(&output);
    for rule in log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .ok_or("rules")?
    {
        let id = rule["id"].as_str().unwrap_or_default();
        let Some(known) = rules::find(id).filter(|known| known.id == id) else {
            continue;
        };
        assert_eq!(rule["shortDescription"]["text"], known.summary);
        assert_eq!(rule["fullDescription"]["text"], known.explanation.trim());
        assert_eq!(rule["help"]["markdown"], rules::documentation(known));
        let help = rule["help"]["text"].as_str().unwrap_or_default();
        assert!(help.contains(known.explanation.trim()), "{id}: help.text");
        for (value, marker) in [
            (&rule["help"]["markdown"], "<the rule's documentation page>"),
            (
                &rule["help"]["text"],
                "<summary, explanation and page address>",
            ),
            (&rule["fullDescription"]["text"], "<the rule's explanation>"),
        ] {
            shown = shown.replace(&value.to_string(), &format!("\"{marker}\""));
        }
    }
    // The version is checked by `assert_valid_sarif`.
    let version = env!("CARGO_PKG_VERSION");
    for key in ["version", "semanticVersion"] {
        shown = shown.replace(
            &format!("\"{key}\": \"{version}\""),
            &format!("\"{key}\": \"<version>\""),
        );
    }
    insta::assert_snapshot!("sarif", shown);
    Ok(())
}

#[test]
fn sarif_with_nothing_found_is_a_valid_log_with_no_results() -> TestResult {
    let output = check_one(CLEAN, &["--format", "sarif"])?;
    assert_eq!(output.status.code(), Some(0));
    let log: Value = serde_json::from_str(&stdout(&output))?;
    assert_valid_sarif(&log)?;
    assert_eq!(log["runs"][0]["results"], serde_json::json!([]));
    Ok(())
}

#[test]
fn the_fail_level_decides_which_findings_exit_1() -> TestResult {
    let cases: &[(&[u8], &[&str], i32)] = &[
        // The default fails on errors and warnings.
        (WARNINGS_ONLY, &[], 1),
        (WITH_AN_ERROR, &[], 1),
        (WARNINGS_ONLY, &["--fail-level", "warning"], 1),
        (WARNINGS_ONLY, &["--fail-level", "info"], 1),
        (WARNINGS_ONLY, &["--fail-level", "hint"], 1),
        (WARNINGS_ONLY, &["--fail-level", "error"], 0),
        (WITH_AN_ERROR, &["--fail-level", "error"], 1),
        (WITH_AN_ERROR, &["--fail-level", "none"], 0),
        (CLEAN, &["--fail-level", "hint"], 0),
        // The format does not change the status.
        (
            WARNINGS_ONLY,
            &["--format", "sarif", "--fail-level", "error"],
            0,
        ),
        (
            WITH_AN_ERROR,
            &["--format", "github", "--fail-level", "error"],
            1,
        ),
    ];
    for (dockerfile, args, status) in cases {
        let output = check_one(dockerfile, args)?;
        assert_eq!(output.status.code(), Some(*status), "{args:?}");
        // Findings are printed whether or not they fail the check.
        let report = stdout(&output);
        let nothing = report.is_empty() || report.starts_with("ok: ");
        assert_eq!(nothing, *dockerfile == CLEAN, "{args:?}");
    }
    Ok(())
}

#[test]
fn a_directory_reports_the_findings_of_every_file_in_it_once() -> TestResult {
    let dir = tree(&[
        ("project/Dockerfile", WARNINGS_ONLY),
        ("project/sub/app.Dockerfile", WITH_AN_ERROR),
        ("project/sub/clean.Dockerfile", CLEAN),
        ("project/README.md", b"FORM alpine\n"),
    ])?;
    // The file named again after its directory is checked once.
    let output = dockerfile_lsp(
        &[
            "check",
            "--format",
            "json",
            "project",
            "project/sub/app.Dockerfile",
        ],
        dir.path(),
    )?;
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_str(&stdout(&output))?;
    let found: Vec<String> = report
        .as_array()
        .ok_or("the report is an array")?
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["path"].as_str().unwrap_or_default().replace('\\', "/"),
                f["rule"].as_str().unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            "project/Dockerfile stage-name-casing",
            "project/Dockerfile workdir-relative",
            "project/sub/app.Dockerfile expose-invalid-port",
        ]
    );
    Ok(())
}

#[test]
fn a_missing_path_still_reports_the_other_files_then_exits_2() -> TestResult {
    let dir = tree(&[("Dockerfile", WITH_AN_ERROR)])?;
    for format in ["human", "json", "sarif", "github"] {
        let output = dockerfile_lsp(
            &["check", "--format", format, "missing", "Dockerfile"],
            dir.path(),
        )?;
        assert_eq!(output.status.code(), Some(2), "{format}");
        assert_eq!(
            stderr(&output),
            "missing: error: no such file or directory\n",
            "{format}"
        );
        assert!(stdout(&output).contains("70000"), "{format}");
        if format == "json" || format == "sarif" {
            let report: Value = serde_json::from_str(&stdout(&output))?;
            if format == "sarif" {
                assert_valid_sarif(&report)?;
            }
        }
    }
    Ok(())
}

#[test]
fn an_unreadable_file_still_reports_the_other_files_then_exits_2() -> TestResult {
    // Invalid UTF-8 is a file that cannot be read as text; the tests may run as
    // root, who reads files whatever their permissions.
    let dir = tree(&[
        ("a.Dockerfile", b"FROM \xFF\n"),
        ("b.Dockerfile", WITH_AN_ERROR),
    ])?;
    let output = dockerfile_lsp(
        &["check", "--format", "json", "--fail-level", "none", "."],
        dir.path(),
    )?;
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("a.Dockerfile: error: not valid UTF-8"));
    let report: Value = serde_json::from_str(&stdout(&output))?;
    assert_eq!(report.as_array().map(Vec::len), Some(1));
    assert_eq!(report[0]["rule"], "expose-invalid-port");
    Ok(())
}

/// The properties the SARIF 2.1.0 schema allows on each object this tool writes
/// (the schema forbids any other).
mod sarif_properties {
    pub const LOG: &str = "$schema version runs inlineExternalProperties properties";
    pub const RUN: &str = "tool invocations conversion language versionControlProvenance \
        originalUriBaseIds artifacts logicalLocations graphs results automationDetails \
        runAggregates baselineGuid redactionTokens defaultEncoding defaultSourceLanguage \
        newlineSequences columnKind externalPropertyFileReferences threadFlowLocations \
        taxonomies addresses translations policies webRequests webResponses specialLocations \
        properties";
    pub const TOOL: &str = "driver extensions properties";
    pub const TOOL_COMPONENT: &str = "guid name organization product productSuite \
        shortDescription fullDescription fullName version semanticVersion \
        dottedQuadFileVersion releaseDateUtc downloadUri informationUri globalMessageStrings \
        notifications rules taxa locations language contents isComprehensive \
        localizedDataSemanticVersion minimumRequiredLocalizedDataSemanticVersion \
        associatedComponent translationMetadata supportedTaxonomies properties";
    pub const REPORTING_DESCRIPTOR: &str = "id deprecatedIds guid deprecatedGuids name \
        deprecatedNames shortDescription fullDescription messageStrings defaultConfiguration \
        helpUri help relationships properties";
    pub const MULTIFORMAT_MESSAGE: &str = "text markdown properties";
    pub const REPORTING_CONFIGURATION: &str = "enabled level rank parameters properties";
    pub const RESULT: &str = "ruleId ruleIndex rule kind level message analysisTarget \
        locations guid correlationGuid occurrenceCount partialFingerprints fingerprints stacks \
        codeFlows graphs graphTraversals relatedLocations suppressions baselineState rank \
        attachments hostedViewerUri workItemUris provenance fixes taxa webRequest webResponse \
        properties";
    pub const MESSAGE: &str = "text markdown id arguments properties";
    pub const LOCATION: &str =
        "id physicalLocation logicalLocations message annotations relationships properties";
    pub const PHYSICAL_LOCATION: &str = "address artifactLocation region contextRegion properties";
    pub const ARTIFACT_LOCATION: &str = "uri uriBaseId index description properties";
    pub const REGION: &str = "startLine startColumn endLine endColumn charOffset charLength \
        byteOffset byteLength snippet message sourceLanguage properties";
}

/// Checks `log` against what GitHub code scanning requires of an uploaded SARIF
/// file, and against the properties SARIF 2.1.0 allows.
fn assert_valid_sarif(log: &Value) -> TestResult {
    use sarif_properties as allowed;
    only_keys(log, allowed::LOG, "log")?;
    assert!(
        log["$schema"]
            .as_str()
            .is_some_and(|s| s.starts_with("https://"))
    );
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().ok_or("runs is an array")?;
    assert_eq!(runs.len(), 1, "one run");
    let run = &runs[0];
    only_keys(run, allowed::RUN, "run")?;
    assert!(matches!(
        run["columnKind"].as_str(),
        Some("utf16CodeUnits" | "unicodeCodePoints")
    ));
    only_keys(&run["tool"], allowed::TOOL, "tool")?;
    let driver = &run["tool"]["driver"];
    only_keys(driver, allowed::TOOL_COMPONENT, "driver")?;
    assert_eq!(driver["name"], "dockerfile-lsp");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert!(
        driver["informationUri"]
            .as_str()
            .is_some_and(|s| s.starts_with("https://"))
    );
    let rules = driver["rules"].as_array().ok_or("rules is an array")?;
    for rule in rules {
        let id = rule["id"].as_str().ok_or("a rule has an id")?;
        only_keys(rule, allowed::REPORTING_DESCRIPTOR, id)?;
        // GitHub requires both descriptions and a help text.
        for text in ["shortDescription", "fullDescription", "help"] {
            only_keys(&rule[text], allowed::MULTIFORMAT_MESSAGE, id)?;
            assert!(
                rule[text]["text"].as_str().is_some_and(|t| !t.is_empty()),
                "{id}: {text}.text"
            );
        }
        only_keys(
            &rule["defaultConfiguration"],
            allowed::REPORTING_CONFIGURATION,
            id,
        )?;
        assert!(matches!(
            rule["defaultConfiguration"]["level"].as_str(),
            Some("none" | "note" | "warning" | "error")
        ));
        if id.starts_with("syntax-") {
            assert!(rule.get("helpUri").is_none(), "{id} has no page");
        } else {
            let uri = rule["helpUri"].as_str().ok_or("a rule links its page")?;
            assert!(uri.starts_with("https://"), "{uri}");
            assert!(uri.ends_with(&format!("/docs/rules/{id}.md")), "{uri}");
        }
        if let Some(properties) = rule.get("properties") {
            let tags = properties["tags"].as_array().ok_or("tags is an array")?;
            assert!(tags.iter().all(Value::is_string), "{id}: tags");
        }
    }
    let results = run["results"].as_array().ok_or("results is an array")?;
    for result in results {
        only_keys(result, allowed::RESULT, "result")?;
        let id = result["ruleId"].as_str().ok_or("a result names its rule")?;
        let index = result["ruleIndex"]
            .as_u64()
            .ok_or("ruleIndex is a number")?;
        assert_eq!(
            rules[usize::try_from(index)?]["id"],
            id,
            "ruleIndex points at the rule"
        );
        assert!(matches!(
            result["level"].as_str(),
            Some("note" | "warning" | "error")
        ));
        only_keys(&result["message"], allowed::MESSAGE, id)?;
        assert!(
            result["message"]["text"]
                .as_str()
                .is_some_and(|t| !t.is_empty())
        );
        let locations = result["locations"]
            .as_array()
            .ok_or("locations is an array")?;
        // At least one location for GitHub to show the result, at most 10.
        assert!((1..=10).contains(&locations.len()), "{id}: locations");
        for location in locations {
            only_keys(location, allowed::LOCATION, id)?;
            let physical = &location["physicalLocation"];
            only_keys(physical, allowed::PHYSICAL_LOCATION, id)?;
            only_keys(
                &physical["artifactLocation"],
                allowed::ARTIFACT_LOCATION,
                id,
            )?;
            let uri = physical["artifactLocation"]["uri"]
                .as_str()
                .ok_or("a uri")?;
            assert!(
                !uri.contains('\\') && !uri.contains(':'),
                "relative, with slashes: {uri}"
            );
            let region = &physical["region"];
            only_keys(region, allowed::REGION, id)?;
            let number = |name: &str| region[name].as_u64().ok_or(format!("{id}: region.{name}"));
            let (line, column) = (number("startLine")?, number("startColumn")?);
            let (end_line, end_column) = (number("endLine")?, number("endColumn")?);
            assert!(line >= 1 && column >= 1 && end_column >= 1, "{id}: 1-based");
            assert!(
                (end_line, end_column) >= (line, column),
                "{id}: the region ends after it starts"
            );
        }
    }
    Ok(())
}

/// Fails unless `object` is an object whose properties are all in `allowed`
/// (names separated by spaces).
fn only_keys(object: &Value, allowed: &str, what: &str) -> TestResult {
    let object = object
        .as_object()
        .ok_or(format!("{what}: an object, not {object}"))?;
    for key in object.keys() {
        assert!(
            allowed.split_whitespace().any(|name| name == key),
            "{what}: unexpected property {key}"
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------

const RELATIVE_WORKDIR: &[u8] = b"FROM alpine:3.20\nWORKDIR app\nUSER app\n";

#[test]
fn a_hadolint_config_in_the_working_directory_is_honoured() -> TestResult {
    let dir = tree(&[
        ("Dockerfile", RELATIVE_WORKDIR),
        (".hadolint.yaml", b"ignored:\n  - DL3000\n"),
    ])?;
    let output = dockerfile_lsp(&["check", "Dockerfile"], dir.path())?;
    assert_eq!(
        (output.status.code(), stdout(&output).as_str()),
        (Some(0), "ok: checked 1 file, no findings\n")
    );
    Ok(())
}

#[test]
fn an_explicit_config_replaces_the_discovered_ones_and_sets_the_threshold() -> TestResult {
    let dir = tree(&[
        ("Dockerfile", RELATIVE_WORKDIR),
        (".hadolint.yaml", b"ignored:\n  - DL3000\n"),
        (
            "strict.toml",
            b"failure-threshold = \"hint\"\n[rules.severity]\nworkdir-relative = \"info\"\n",
        ),
    ])?;
    let output = dockerfile_lsp(
        &["check", "--config", "strict.toml", "Dockerfile"],
        dir.path(),
    )?;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("info[workdir-relative]"),
        "{}",
        stdout(&output)
    );
    // The command line wins over the file's threshold.
    let output = dockerfile_lsp(
        &[
            "check",
            "--config",
            "strict.toml",
            "--fail-level",
            "warning",
            "Dockerfile",
        ],
        dir.path(),
    )?;
    assert_eq!(output.status.code(), Some(0));
    Ok(())
}

#[test]
fn a_broken_explicit_config_exits_2_and_a_broken_discovered_one_warns() -> TestResult {
    let dir = tree(&[
        ("Dockerfile", RELATIVE_WORKDIR),
        ("bad.toml", b"[rules]\ndisable = 3\n"),
        ("dockerfile-lsp.toml", b"[rules\n"),
    ])?;
    let output = dockerfile_lsp(&["check", "--config", "bad.toml", "Dockerfile"], dir.path())?;
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("bad.toml: line 2"),
        "{}",
        stderr(&output)
    );
    assert_eq!(stdout(&output), "");
    let output = dockerfile_lsp(&["check", "Dockerfile"], dir.path())?;
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("dockerfile-lsp.toml: line 1"),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).contains("workdir-relative"));
    Ok(())
}

#[test]
fn the_dockerignore_beside_a_dockerfile_decides_what_copy_can_see() -> TestResult {
    let dir = tree(&[
        (
            "Dockerfile",
            b"FROM alpine:3.20\nCOPY secrets.env /etc/app/\n",
        ),
        (".dockerignore", b"*.env\n"),
    ])?;
    let output = dockerfile_lsp(&["check", "Dockerfile"], dir.path())?;
    assert!(
        stdout(&output).contains("[copy-ignored-file]"),
        "{}",
        stdout(&output)
    );
    fs::write(dir.path().join(".dockerignore"), b"node_modules\n")?;
    let output = dockerfile_lsp(&["check", "Dockerfile"], dir.path())?;
    assert!(
        !stdout(&output).contains("[copy-ignored-file]"),
        "{}",
        stdout(&output)
    );
    Ok(())
}

#[test]
fn rules_json_names_every_hadolint_buildkit_and_trivy_check_users_rely_on() -> TestResult {
    let output = dockerfile_lsp(&["rules", "--format", "json"], Path::new("."))?;
    assert_eq!(output.status.code(), Some(0));
    let listing: Value = serde_json::from_slice(&output.stdout)?;
    let rules = listing.as_array().ok_or("an array")?;
    for rule in rules {
        for key in [
            "id",
            "summary",
            "severity",
            "aliases",
            "fixable",
            "enabled_by_default",
        ] {
            assert!(rule.get(key).is_some(), "{key} missing in {rule}");
        }
    }
    let aliases: std::collections::HashSet<&str> = rules
        .iter()
        .flat_map(|r| r["aliases"].as_array().into_iter().flatten())
        .filter_map(Value::as_str)
        .collect();
    // hadolint 2.15.1's 71 rules (DL3005, DL3017, DL3031 and DL3039 no longer exist).
    let mut hadolint: Vec<String> = vec!["DL1001".to_owned()];
    hadolint.extend(
        (3000..=3067)
            .filter(|n| ![3005, 3017, 3031, 3039].contains(n))
            .map(|n| format!("DL{n}")),
    );
    hadolint.extend(["DL4000", "DL4001", "DL4003", "DL4004", "DL4005", "DL4006"].map(String::from));
    assert_eq!(hadolint.len(), 71);
    let buildkit = [
        "StageNameCasing",
        "FromAsCasing",
        "NoEmptyContinuation",
        "ConsistentInstructionCasing",
        "DuplicateStageName",
        "ReservedStageName",
        "JSONArgsRecommended",
        "MaintainerDeprecated",
        "UndefinedArgInFrom",
        "WorkdirRelativePath",
        "UndefinedVar",
        "MultipleInstructionsDisallowed",
        "LegacyKeyValueFormat",
        "InvalidBaseImagePlatform",
        "RedundantTargetPlatform",
        "SecretsUsedInArgOrEnv",
        "InvalidDefaultArgInFrom",
        "FromPlatformFlagConstDisallowed",
        "CopyIgnoredFile",
        "InvalidDefinitionDescription",
        "ExposeProtoCasing",
        "ExposeInvalidFormat",
    ];
    assert_eq!(buildkit.len(), 22);
    let trivy = ["DS-0004", "DS-0017", "DS-0027", "DS-0030", "DS-0031"];
    let missing: Vec<&str> = hadolint
        .iter()
        .map(String::as_str)
        .chain(buildkit)
        .chain(trivy)
        .filter(|code| !aliases.contains(code))
        .collect();
    assert!(missing.is_empty(), "no rule is known as {missing:?}");
    Ok(())
}

const UNFIXED: &str = "FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl\nUSER nobody\nCMD [\"curl\"]\n";

#[test]
fn diff_prints_the_safe_fixes_and_writes_nothing() -> TestResult {
    let dir = tree(&[("Dockerfile", UNFIXED.as_bytes())])?;
    let output = dockerfile_lsp(&["check", "--diff", "Dockerfile"], dir.path())?;
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    insta::assert_snapshot!(stdout(&output), @r#"
    --- a/Dockerfile
    +++ b/Dockerfile
    @@ -1,4 +1,4 @@
     FROM debian:bookworm-slim
    -RUN apt-get update && apt-get install -y curl
    +RUN apt-get update && apt-get install --no-install-recommends -y curl && rm -rf /var/lib/apt/lists/*
     USER nobody
     CMD ["curl"]
    "#);
    assert_eq!(fs::read_to_string(dir.path().join("Dockerfile"))?, UNFIXED);

    // Nothing left to fix: no diff, success.
    let clean = "FROM debian:bookworm-slim\nUSER nobody\nCMD [\"true\"]\n";
    fs::write(dir.path().join("Dockerfile"), clean)?;
    let output = dockerfile_lsp(&["check", "--diff", "Dockerfile"], dir.path())?;
    assert_eq!(output.status.code(), Some(0), "{}", stdout(&output));
    assert_eq!(stdout(&output), "");
    Ok(())
}

#[test]
fn fix_writes_the_fixed_file_then_reports_what_is_left() -> TestResult {
    let dir = tree(&[("Dockerfile", UNFIXED.as_bytes())])?;
    let output = dockerfile_lsp(
        &["check", "--fix", "--format", "concise", "Dockerfile"],
        dir.path(),
    )?;
    let fixed = fs::read_to_string(dir.path().join("Dockerfile"))?;
    insta::assert_snapshot!(fixed, @r#"
    FROM debian:bookworm-slim
    RUN apt-get update && apt-get install --no-install-recommends -y curl && rm -rf /var/lib/apt/lists/*
    USER nobody
    CMD ["curl"]
    "#);
    // What is left has no fix: the unpinned package.
    assert_eq!(
        stdout(&output),
        "Dockerfile:2:66: warning[apt-package-unpinned] pin the version of curl: curl=<version>\n"
    );
    assert!(
        stderr(&output).starts_with("Dockerfile: fixed "),
        "{}",
        stderr(&output)
    );
    // A second run has nothing left to change.
    dockerfile_lsp(&["check", "--fix", "Dockerfile"], dir.path())?;
    assert_eq!(fs::read_to_string(dir.path().join("Dockerfile"))?, fixed);
    let output = dockerfile_lsp(&["check", "--fix", "--diff", "Dockerfile"], dir.path())?;
    assert_eq!(
        output.status.code(),
        Some(2),
        "--fix and --diff together are a usage error"
    );
    Ok(())
}

#[test]
fn explain_prints_a_rules_page_found_by_its_id_or_another_tools_code() -> TestResult {
    for (name, id) in [
        ("apt-package-unpinned", "apt-package-unpinned"),
        ("DL3008", "apt-package-unpinned"),
        ("StageNameCasing", "stage-name-casing"),
    ] {
        let output = dockerfile_lsp(&["explain", name], Path::new("."))?;
        assert_eq!(output.status.code(), Some(0), "{name}");
        let page = stdout(&output);
        let rule = rules::by_id(id).ok_or("a rule")?;
        assert!(
            page.starts_with(&rules::documentation(rule)),
            "{name}: {page}"
        );
    }
    Ok(())
}

#[test]
fn explain_of_an_unknown_rule_exits_2_with_the_closest_names() -> TestResult {
    let output = dockerfile_lsp(&["explain", "stage-name-casin"], Path::new("."))?;
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(stdout(&output), "");
    assert_eq!(
        stderr(&output),
        "error: no rule is named `stage-name-casin`\n  did you mean: stage-name-casing?\n"
    );
    let output = dockerfile_lsp(&["explain"], Path::new("."))?;
    assert_eq!(output.status.code(), Some(2));
    Ok(())
}

#[test]
fn completions_are_printed_for_bash_zsh_and_fish() -> TestResult {
    for shell in ["bash", "zsh", "fish"] {
        let output = dockerfile_lsp(&["completions", shell], Path::new("."))?;
        assert_eq!(output.status.code(), Some(0), "{shell}");
        let script = stdout(&output);
        for word in ["dockerfile-lsp", "explain", "threads", "fail-level"] {
            assert!(script.contains(word), "{shell}: {word}");
        }
    }
    // The bash script is valid bash and completes the subcommands.
    let dir = tree(&[])?;
    let output = dockerfile_lsp(&["completions", "bash"], dir.path())?;
    fs::write(dir.path().join("completion.bash"), &output.stdout)?;
    let completed = Command::new("bash")
        .arg("-c")
        .arg(
            "source ./completion.bash && COMP_WORDS=(dockerfile-lsp ex) COMP_CWORD=1 \
             && _dockerfile__lsp dockerfile-lsp ex dockerfile-lsp && echo \"${COMPREPLY[@]}\"",
        )
        .current_dir(dir.path())
        .output()?;
    assert_eq!(stdout(&completed), "explain\n", "{}", stderr(&completed));
    let output = dockerfile_lsp(&["completions", "tcsh"], Path::new("."))?;
    assert_eq!(output.status.code(), Some(2));
    Ok(())
}
