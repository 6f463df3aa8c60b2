//! What the `strato` binary tests share (each test file is its own crate,
//! so not every one uses every helper).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// `strato` with its own compile cache under `cache`, so runs do not see
/// each other's, and its own data directory there: runs record audit
/// events in it.
pub fn strato(cache: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_strato"));
    cmd.env("XDG_CACHE_HOME", cache)
        .env("STRATO_DATA", cache.join("strato-data"))
        .env_remove("RUST_LOG");
    cmd
}

pub fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Writes the embedded dummy component into `dir` and returns its path.
pub fn dummy_component(dir: &Path) -> anyhow::Result<PathBuf> {
    let wasm = dir.join("dummy.wasm");
    let out = strato(dir).arg("dummy-component").arg(&wasm).output()?;
    assert!(out.status.success(), "{}", stderr_of(&out));
    Ok(wasm)
}
