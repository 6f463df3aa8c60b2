//! Strato's integration tests: one binary, one module per concern. The
//! components they load are built from source by `tests/build.rs`
//! (`strato_tests::guests`).

mod broken;
mod cache;
mod conformance;
mod credentials;
mod ec2;
mod environs;
mod limits;
mod loading;
mod persistence;
mod sandbox;
mod wit_mapping;

use std::path::Path;
use std::time::Duration;

use strato_runtime::{Component, Runtime, RuntimeConfig};

/// A runtime without a disk cache and with `call_timeout` per guest call.
pub fn runtime(call_timeout: Duration) -> Runtime {
    Runtime::new(RuntimeConfig {
        cache_dir: None,
        call_timeout,
        ..RuntimeConfig::default()
    })
    .expect("runtime")
}

/// Loads a component built by the build script.
pub async fn load(rt: &Runtime, path: &str) -> Component {
    rt.load_file(Path::new(path))
        .await
        .unwrap_or_else(|e| panic!("loading {path}: {e}"))
}
