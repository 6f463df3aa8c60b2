//! The user-facing side of a client-side operation: Juju's
//! `BootstrapContext`, `FinalizeCloudContext` and `FinalizeCredentialContext`.
//! Outside such an operation the host sends output to its log and
//! [`read_stdin`] fails with `not-supported`.
//!
//! Outside a wasm component (native unit tests) output is dropped and
//! `read_stdin` returns `not-supported`.

use crate::Result;

#[cfg(target_arch = "wasm32")]
use crate::bindings::juju::environs::bootstrap_context as host;

/// `BootstrapContext.ShouldVerifyCredentials`.
pub fn should_verify_credentials() -> bool {
    #[cfg(target_arch = "wasm32")]
    return host::should_verify_credentials();
    #[cfg(not(target_arch = "wasm32"))]
    false
}

/// `BootstrapContext.Infof` (format with `format!` first).
pub fn infof(message: &str) {
    #[cfg(target_arch = "wasm32")]
    host::infof(message);
    #[cfg(not(target_arch = "wasm32"))]
    let _ = message;
}

/// `BootstrapContext.Verbosef`.
pub fn verbosef(message: &str) {
    #[cfg(target_arch = "wasm32")]
    host::verbosef(message);
    #[cfg(not(target_arch = "wasm32"))]
    let _ = message;
}

/// Writes to the user's standard output (`BootstrapContext.GetStdout`).
pub fn write_stdout(text: &str) {
    #[cfg(target_arch = "wasm32")]
    host::write_stdout(text);
    #[cfg(not(target_arch = "wasm32"))]
    let _ = text;
}

/// Writes to the user's standard error (`GetStderr`).
pub fn write_stderr(text: &str) {
    #[cfg(target_arch = "wasm32")]
    host::write_stderr(text);
    #[cfg(not(target_arch = "wasm32"))]
    let _ = text;
}

/// Reads up to `max_bytes` of the user's standard input; empty at the end.
pub fn read_stdin(max_bytes: u32) -> Result<Vec<u8>> {
    #[cfg(target_arch = "wasm32")]
    return host::read_stdin(max_bytes);
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = max_bytes;
        Err(crate::Error::not_supported(
            "no user input outside a component",
        ))
    }
}

/// `InterruptNotify`: true once the user asked to interrupt.
pub fn interrupted() -> bool {
    #[cfg(target_arch = "wasm32")]
    return host::interrupted();
    #[cfg(not(target_arch = "wasm32"))]
    false
}
