//! What the commands need from `strato-runtime`: the embedded dummy
//! component, the compile cache location and error classification.

use std::path::PathBuf;

use strato_runtime::Error;

use crate::error::CliError;

/// The dummy provider, built from `providers/dummy` by `build.rs`.
pub const DUMMY_COMPONENT: &[u8] = include_bytes!(env!("STRATO_DUMMY_WASM"));

/// `$XDG_CACHE_HOME/strato`, else `~/.cache/strato`; `None` when neither is known.
pub fn cache_dir() -> Option<PathBuf> {
    let base = match std::env::var_os("XDG_CACHE_HOME") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(std::env::var_os("HOME").filter(|h| !h.is_empty())?).join(".cache"),
    };
    Some(base.join("strato"))
}

/// A runtime error as a CLI error: a component the runtime refuses is bad
/// input (exit 2), anything else a failure (exit 1).
pub fn classify(what: &str, err: &Error) -> CliError {
    match err {
        Error::InvalidComponent(_) => CliError::bad_input(format!("{what}: {err}")),
        other => CliError::failure(format!("{what}: {other}")),
    }
}
