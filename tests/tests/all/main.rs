//! Strato's integration tests: one binary, one module per concern. The
//! components they load are built from source by `tests/build.rs`
//! (`strato_tests::guests`).

mod broken;
mod cache;
mod conformance;
mod credentials;
mod ec2;
mod environs;
mod languages;
mod limits;
mod loading;
mod persistence;
mod pooling;
mod sandbox;
mod versions;
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

/// The disk cache of precompiled components the tests share, under
/// `target/`: large components (the Python provider) are compiled once per
/// build of the runtime, not once per test.
pub const TEST_CACHE_DIR: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../target/strato-test-cache");

/// [`runtime`] with the shared disk cache ([`TEST_CACHE_DIR`]).
pub fn cached_runtime(call_timeout: Duration) -> Runtime {
    Runtime::new(RuntimeConfig {
        cache_dir: Some(TEST_CACHE_DIR.into()),
        call_timeout,
        ..RuntimeConfig::default()
    })
    .expect("runtime with the test cache")
}

/// Loads `path` through [`cached_runtime`], one test at a time: on a cold
/// cache the first test compiles the component and the others wait and
/// read its artifact instead of compiling it again in parallel.
pub async fn load_cached(call_timeout: Duration, path: &str) -> Component {
    static COLD_COMPILE: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _one_at_a_time = COLD_COMPILE.lock().await;
    load(&cached_runtime(call_timeout), path).await
}

/// Loads a component built by the build script.
pub async fn load(rt: &Runtime, path: &str) -> Component {
    rt.load_file(Path::new(path))
        .await
        .unwrap_or_else(|e| panic!("loading {path}: {e}"))
}
