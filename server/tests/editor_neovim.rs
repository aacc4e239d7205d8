//! The Neovim configuration in a real Neovim: `nvim --headless` runs editors/neovim/test/e2e.lua against the real binary.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test stops loudly on a broken fixture

mod support;

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::lsp::{DEFAULT_TIMEOUT, LspClient, Position};

/// Set to `1` to skip the editor tests on a machine without the editors; CI never sets it,
/// so there a missing `nvim` fails the test instead of passing it unseen.
const SKIP_VARIABLE: &str = "DOCKERFILE_LSP_SKIP_EDITOR_TESTS";

/// How long one Neovim run may take before it is killed.
const NVIM_TIMEOUT: Duration = Duration::from_secs(90);

const FLASK_API: &str = include_str!("../../examples/flask-api/Dockerfile");

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

fn neovim_dir() -> PathBuf {
    repository().join("editors/neovim")
}

/// Whether the Neovim tests run: `nvim` 0.7 or later must be installed unless they are
/// skipped on purpose.
fn neovim_available() -> bool {
    if std::env::var(SKIP_VARIABLE).is_ok_and(|v| v == "1") {
        eprintln!("skipped: {SKIP_VARIABLE}=1 (CI runs this test with Debian's neovim)");
        return false;
    }
    let output = Command::new("nvim").arg("--version").output();
    let version = match output {
        Ok(output) if output.status.success() => String::from_utf8_lossy(&output.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned(),
        Ok(output) => panic!("`nvim --version` failed: {output:?}"),
        Err(error) => panic!(
            "cannot run `nvim` ({error}): this test needs a real Neovim 0.7 or later. Install it \
             (`apt-get install --no-install-recommends neovim`; .ci/run does), or set \
             {SKIP_VARIABLE}=1 to skip the editor tests on this machine"
        ),
    };
    let numbers: Vec<u32> = version
        .trim_start_matches("NVIM v")
        .split(['.', '-'])
        .take(2)
        .map(|n| n.parse().unwrap_or(0))
        .collect();
    assert!(
        numbers.as_slice() >= [0, 7].as_slice(),
        "the Neovim test needs Neovim 0.7 or later, found {version:?}"
    );
    true
}

/// The output of one headless Neovim run.
struct NvimRun {
    success: bool,
    stdout: String,
    stderr: String,
}

/// Runs `nvim --headless -u NONE` (no user configuration, shada or swap files) with the
/// extra `args` and environment, its own state directories under `home`, killing it after
/// [`NVIM_TIMEOUT`].
fn run_nvim(home: &Path, args: &[&str], env: &[(&str, &OsStr)]) -> NvimRun {
    let stdout_path = home.join("nvim.stdout");
    let stderr_path = home.join("nvim.stderr");
    let mut command = Command::new("nvim");
    command
        .args(["--headless", "-u", "NONE", "-i", "NONE", "-n"])
        .args(args)
        .current_dir(home)
        .stdin(Stdio::null())
        .stdout(fs::File::create(&stdout_path).unwrap())
        .stderr(fs::File::create(&stderr_path).unwrap());
    // Neovim's log and the server's registry cache stay in the test's directory.
    for (variable, dir) in [
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_DATA_HOME", "data"),
        ("XDG_STATE_HOME", "state"),
        ("XDG_CACHE_HOME", "cache"),
    ] {
        command.env(variable, home.join(dir));
    }
    command.env("DOCKERFILE_LSP_OFFLINE", "1");
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().expect("start nvim");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > NVIM_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let run = NvimRun {
        success: status.is_some_and(|s| s.success()),
        stdout: fs::read_to_string(&stdout_path).unwrap_or_default(),
        stderr: fs::read_to_string(&stderr_path).unwrap_or_default(),
    };
    assert!(
        status.is_some(),
        "nvim ran for more than {NVIM_TIMEOUT:?} and was killed\nstderr: {}",
        run.stderr
    );
    run
}

/// Copies the `flask-api` example (the Dockerfile and its build context) into `dir`.
fn flask_project(dir: &Path) -> PathBuf {
    let example = repository().join("examples/flask-api");
    let project = dir.join("flask-api");
    fs::create_dir(&project).unwrap();
    for entry in fs::read_dir(&example).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), project.join(entry.file_name())).unwrap();
    }
    project
}

/// What the server itself answers for the hover at `position` of `dockerfile`.
fn server_hover(dockerfile: &Path, position: Position) -> Value {
    let mut client = LspClient::spawn_with_env(
        env!("CARGO_BIN_EXE_dockerfile-lsp"),
        &["--stdio"],
        &[("DOCKERFILE_LSP_OFFLINE", "1")],
    );
    client.initialize(&["utf-16"]);
    let uri = format!("file://{}", dockerfile.display());
    client.open(
        &uri,
        "dockerfile",
        1,
        &fs::read_to_string(dockerfile).unwrap(),
    );
    client.wait_diagnostics(&uri, 1, DEFAULT_TIMEOUT);
    let hover = client.hover(&uri, position);
    client.shutdown_and_exit();
    hover
}

/// `line:col code` for each diagnostic Neovim recorded.
fn listing(diagnostics: &Value) -> String {
    diagnostics
        .as_array()
        .expect("a list of diagnostics")
        .iter()
        .map(|d| format!("{}:{} {}", d["line"], d["col"], d["code"].as_str().unwrap()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn neovim_shows_the_diagnostics_a_hover_and_applies_a_quick_fix() {
    if !neovim_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let project = flask_project(dir.path());
    let dockerfile = project.join("Dockerfile");
    let out = dir.path().join("result.json");
    let script = neovim_dir().join("test/e2e.lua");
    let run = run_nvim(
        dir.path(),
        &["-c", &format!("luafile {}", script.display())],
        &[
            (
                "DOCKERFILE_LSP_BIN",
                OsStr::new(env!("CARGO_BIN_EXE_dockerfile-lsp")),
            ),
            ("DOCKERFILE_LSP_NVIM_FILE", dockerfile.as_os_str()),
            ("DOCKERFILE_LSP_NVIM_RULE", OsStr::new("pip-no-cache-dir")),
            ("DOCKERFILE_LSP_NVIM_OUT", out.as_os_str()),
        ],
    );
    let text = fs::read_to_string(&out).unwrap_or_else(|e| {
        panic!(
            "the Neovim script wrote no result ({e})\nstdout: {}\nstderr: {}",
            run.stdout, run.stderr
        )
    });
    let result: Value = serde_json::from_str(&text).unwrap();
    assert!(
        result.get("error").is_none() && run.success,
        "the Neovim script failed: {}\nwhat it saw: {text}\nstderr: {}",
        result["error"].as_str().unwrap_or("(exit status only)"),
        run.stderr
    );

    // The configuration Neovim loaded starts the server this crate builds.
    assert_eq!(
        result["config"]["cmd"],
        json!(["dockerfile-lsp", "--stdio"])
    );
    assert_eq!(
        result["config"]["filetypes"],
        json!(["dockerfile", "dockerignore"])
    );
    assert_eq!(result["buffer_filetype"], "dockerfile");

    // Every diagnostic the server publishes for the example, as Neovim holds them.
    insta::assert_snapshot!(listing(&result["diagnostics"]), @r"
    0:5 missing-user
    0:5 prefer-slim-base
    3:4 apt-lists-not-removed
    3:22 apt-no-install-recommends
    3:22 build-tools-in-final-stage
    4:4 apt-package-unpinned
    5:4 apt-package-unpinned
    6:4 apt-package-unpinned
    7:4 apt-package-unpinned
    11:5 copy-before-dependency-install
    11:5 missing-dockerignore
    12:4 pip-no-cache-dir
    19:4 json-args-recommended
    ");

    // The hover on WORKDIR is the server's documentation of the instruction, unchanged.
    let position = Position::from_json(&result["hover_position"]);
    let hover = &result["hover"];
    assert_eq!(hover["kind"], "markdown");
    assert!(
        hover["value"]
            .as_str()
            .unwrap()
            .contains("Sets (and creates) the working directory"),
        "{hover}"
    );
    assert_eq!(*hover, server_hover(&dockerfile, position)["contents"]);
    assert!(
        result["hover_lines"]
            .as_array()
            .unwrap()
            .contains(&json!("WORKDIR <path>")),
        "Neovim's hover window lines: {}",
        result["hover_lines"]
    );

    // The quick fix of the diagnostic is offered first, then the ignore comments.
    let titles: Vec<&str> = result["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles[0], "Add `--no-cache-dir`", "{titles:?}");
    assert!(
        titles.contains(&"Ignore `pip-no-cache-dir` for this instruction"),
        "{titles:?}"
    );
    assert_eq!(result["applied"], "Add `--no-cache-dir`");

    // The buffer after the fix: that one line changed, nothing else.
    let expected = FLASK_API.replace(
        "RUN pip install -r requirements.txt",
        "RUN pip install --no-cache-dir -r requirements.txt",
    );
    assert_ne!(
        expected, FLASK_API,
        "the example no longer has the line to fix"
    );
    let lines: Vec<&str> = result["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert_eq!(format!("{}\n", lines.join("\n")), expected);
    // The edit stays in the buffer: nothing wrote the file.
    assert_eq!(fs::read_to_string(&dockerfile).unwrap(), FLASK_API);

    // The server re-checked the edited buffer: the fixed finding is gone, the rest stays.
    let before = listing(&result["diagnostics"]);
    let without_fixed: Vec<&str> = before
        .lines()
        .filter(|l| !l.ends_with(" pip-no-cache-dir"))
        .collect();
    assert_eq!(
        listing(&result["diagnostics_after"]),
        without_fixed.join("\n")
    );

    // Stopping the client shuts the server down cleanly.
    assert_eq!(result["server_exit"], json!({"code": 0, "signal": 0}));
}

#[test]
fn neovim_detects_the_file_types_the_server_serves() {
    if !neovim_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("filetypes.json");
    let names = [
        "Dockerfile",
        "dockerfile",
        "Containerfile",
        "Dockerfile.prod",
        "containerfile.dev",
        "api.Dockerfile",
        "worker.containerfile",
        ".dockerignore",
        ".containerignore",
        "Dockerfile.dockerignore",
        "api.Dockerfile.dockerignore",
        "docker-compose.yml",
        "notes.txt",
    ];
    // The same API as test/e2e.lua, for Neovim 0.7 and for 0.8 and later.
    let lua = r#"
        dofile(os.getenv('NEOVIM_DIR') .. '/ftdetect/dockerfile_lsp.lua')
        local found = {}
        for name in os.getenv('NAMES'):gmatch('[^\n]+') do
          if vim.fn.has('nvim-0.8') == 1 then
            found[name] = vim.filetype.match({ filename = name }) or ''
          else
            local buf = vim.api.nvim_create_buf(false, true)
            vim.filetype.match(name, buf)
            found[name] = vim.api.nvim_buf_get_option(buf, 'filetype')
          end
        end
        local file = assert(io.open(os.getenv('OUT'), 'w'))
        file:write(vim.fn.json_encode(found))
        file:close()
        vim.cmd('qall!')
    "#;
    let script = dir.path().join("filetypes.lua");
    fs::write(&script, lua).unwrap();
    let names_file = names.join("\n");
    let run = run_nvim(
        dir.path(),
        &["-c", &format!("luafile {}", script.display())],
        &[
            ("NEOVIM_DIR", neovim_dir().as_os_str()),
            ("NAMES", OsStr::new(&names_file)),
            ("OUT", out.as_os_str()),
        ],
    );
    assert!(run.success, "stderr: {}", run.stderr);
    let found: Value = serde_json::from_str(&fs::read_to_string(&out).unwrap()).unwrap();

    // The filetype the configuration serves exactly when the server classifies the name so.
    for name in names {
        let filetype = found[name].as_str().unwrap();
        let expected = match dockerfile_lsp::files::file_kind(Path::new(name)) {
            Some(dockerfile_lsp::syntax::FileKind::Dockerfile) => "dockerfile",
            Some(dockerfile_lsp::syntax::FileKind::Dockerignore) => "dockerignore",
            None => {
                assert!(
                    !["dockerfile", "dockerignore"].contains(&filetype),
                    "{name}: Neovim says {filetype}, the server does not serve it"
                );
                continue;
            }
        };
        assert_eq!(filetype, expected, "{name}");
    }
}

#[test]
fn the_neovim_lua_files_parse_in_neovim() {
    if !neovim_available() {
        return;
    }
    let mut files: Vec<PathBuf> = Vec::new();
    let mut pending = vec![neovim_dir()];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "lua") {
                files.push(path);
            }
        }
    }
    files.sort();
    let names: Vec<String> = files
        .iter()
        .map(|f| f.strip_prefix(neovim_dir()).unwrap().display().to_string())
        .collect();
    assert_eq!(
        names,
        [
            "ftdetect/dockerfile_lsp.lua",
            "lsp/dockerfile_lsp.lua",
            "lspconfig.lua",
            "test/e2e.lua"
        ]
    );

    let dir = tempfile::tempdir().unwrap();
    // A file that must not parse: the check can tell.
    let broken = dir.path().join("broken.lua");
    fs::write(&broken, "return { cmd = { 'dockerfile-lsp' }\n").unwrap();
    let mut list: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    list.push(broken.display().to_string());
    let list = list.join("\n");
    let out = dir.path().join("parsed.json");
    // loadfile compiles without running: the lspconfig snippet needs no nvim-lspconfig.
    let lua = r#"
        local errors = {}
        for path in os.getenv('FILES'):gmatch('[^\n]+') do
          local chunk, err = loadfile(path)
          errors[#errors + 1] = chunk and '' or err
        end
        local file = assert(io.open(os.getenv('OUT'), 'w'))
        file:write(vim.fn.json_encode(errors))
        file:close()
        vim.cmd('qall!')
    "#;
    let script = dir.path().join("parse.lua");
    fs::write(&script, lua).unwrap();
    let run = run_nvim(
        dir.path(),
        &["-c", &format!("luafile {}", script.display())],
        &[("FILES", OsStr::new(&list)), ("OUT", out.as_os_str())],
    );
    assert!(run.success, "stderr: {}", run.stderr);
    let errors: Vec<String> = serde_json::from_str(&fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(errors.len(), files.len() + 1);
    for (file, error) in files.iter().zip(&errors) {
        assert_eq!(error, "", "{} does not parse", file.display());
    }
    assert!(
        errors[files.len()].contains("broken.lua"),
        "the broken file parsed: {errors:?}"
    );
}
