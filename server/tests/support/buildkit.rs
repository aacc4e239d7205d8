//! BuildKit's own dumps of Dockerfiles, from its parser's Python binding (`tests/tools/buildkit_dump.py`).
#![allow(clippy::expect_used)] // a reference parser that cannot run stops the test loudly

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// BuildKit's dumps (or errors) of files, keyed by path.
pub fn reference_dumps(files: &[PathBuf]) -> BTreeMap<String, serde_json::Value> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/tools/buildkit_dump.py");
    let output = Command::new("python3")
        .arg(&script)
        .args(files)
        .output()
        .expect("python3 is needed for the BuildKit reference dumps");
    assert!(
        output.status.success(),
        "the BuildKit reference parser failed (is `pip install dockerfile==3.4.0` done? .ci/run does it):\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("reference dumps are JSON")
}
