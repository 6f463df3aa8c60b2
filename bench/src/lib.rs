//! Shared helpers for Strato's benchmarks (`cargo bench -p strato-bench`).
//!
//! - runtimes with or without the precompiled disk cache ([`runtime`],
//!   [`cached_runtime`]) and a multi-threaded tokio runtime ([`tokio_rt`]);
//! - the components the benchmarks load ([`components`], paths built by
//!   `strato-tests`' build script) and an open environ on one ([`open`]);
//! - timing and reporting: [`measure`] (own timing loop, median),
//!   [`criterion_median`] (a bench's median from criterion's estimates),
//!   [`print_ratio`];
//! - resident memory from `/proc/self/statm` ([`rss_bytes`]);
//! - the non-sandbox variants of the call benchmark: [`native`]
//!   (in-process trait object), [`plugin`] (a separate process, JSON lines
//!   over a pipe) and [`grpc`] (a separate process, HTTP/2 over a Unix
//!   socket, the transport of go-plugin).
//!
//! Figures are noisy on a shared 2-core machine: compare variants measured
//! in the same run (ratios), not absolute times across runs.

pub mod ec2_native;
pub mod grpc;
pub mod native;
pub mod plugin;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use strato_runtime::types::OpenParams;
use strato_runtime::{Environ, Grants, ProviderHandle, Runtime, RuntimeConfig};
use strato_tests::conformance::Fixture;
use strato_tests::guests;

/// A component the benchmarks load: a short label and its path.
#[derive(Debug, Clone, Copy)]
pub struct Guest {
    /// Label used in bench ids (`dummy`, `ec2`, `python`, `js`, `fleet`).
    pub label: &'static str,
    /// Path of the `.wasm` file.
    pub path: &'static str,
}

/// The dummy provider (Rust).
pub const DUMMY: Guest = Guest {
    label: "dummy",
    path: guests::STRATO_DUMMY_COMPONENT,
};
/// The EC2 provider (Rust).
pub const EC2: Guest = Guest {
    label: "ec2",
    path: guests::STRATO_EC2_COMPONENT,
};
/// The dummy provider in Python (componentize-py).
pub const PYTHON: Guest = Guest {
    label: "python",
    path: guests::STRATO_DUMMY_PY_COMPONENT,
};
/// The dummy provider in JavaScript (componentize-qjs).
pub const JS: Guest = Guest {
    label: "js",
    path: guests::STRATO_DUMMY_JS_COMPONENT,
};
/// The `strato-fleet` logic as a component (`tests/guests/guest-fleet`).
pub const FLEET: Guest = Guest {
    label: "fleet",
    path: guests::GUEST_FLEET_COMPONENT,
};

/// Every provider component the load benchmark covers, Rust first.
pub fn components() -> [Guest; 4] {
    [DUMMY, EC2, PYTHON, JS]
}

/// Reads a component's bytes.
pub fn read(guest: Guest) -> Result<Vec<u8>> {
    std::fs::read(guest.path).with_context(|| format!("reading {}", guest.path))
}

/// A multi-threaded tokio runtime for driving the async API from criterion.
pub fn tokio_rt() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("tokio runtime")
}

/// The runtime configuration the benchmarks use: defaults (pooling as the
/// runtime decides) with a generous deadline, no disk cache.
pub fn config() -> RuntimeConfig {
    RuntimeConfig {
        call_timeout: Duration::from_secs(600),
        ..RuntimeConfig::default()
    }
}

/// A runtime without a disk cache.
pub fn runtime() -> Result<Runtime> {
    Runtime::new(config()).context("runtime")
}

/// A runtime whose precompiled-artifact cache lives in `dir`.
pub fn cached_runtime(dir: &Path) -> Result<Runtime> {
    Runtime::new(RuntimeConfig {
        cache_dir: Some(dir.to_path_buf()),
        ..config()
    })
    .context("runtime with cache")
}

/// The open parameters of the conformance kit's dummy fixture (the dummy
/// and fleet providers accept them).
pub fn open_params() -> OpenParams {
    let f = Fixture::dummy();
    OpenParams {
        cloud: f.cloud_spec(),
        config: f.config_attrs(),
    }
}

/// A new isolation domain on `component`'s runtime with an open environ.
pub async fn open(runtime: &Runtime, guest: Guest) -> Result<(ProviderHandle, Environ)> {
    let component = runtime
        .load_file(Path::new(guest.path))
        .await
        .with_context(|| format!("loading {}", guest.path))?;
    let handle = component
        .instantiate(Grants::default())
        .await
        .context("instantiate")?;
    let env = handle.open(open_params()).await.context("open")?;
    Ok((handle, env))
}

/// Median and spread of a timing loop.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    /// Median of the samples.
    pub median: Duration,
    /// Fastest sample.
    pub min: Duration,
    /// Slowest sample.
    pub max: Duration,
    /// Number of samples.
    pub samples: usize,
}

/// Runs `f` `samples` times (after one untimed warm-up) and returns the
/// median. For measurements too slow for criterion (cold compiles of
/// 15 MB components).
pub fn measure(samples: usize, mut f: impl FnMut()) -> Stats {
    f();
    measure_cold(samples, f)
}

/// Like [`measure`] without the warm-up: every run counts (cold compiles).
pub fn measure_cold(samples: usize, mut f: impl FnMut()) -> Stats {
    let mut times: Vec<Duration> = (0..samples.max(1))
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    Stats {
        median: times[times.len() / 2],
        min: times[0],
        max: times[times.len() - 1],
        samples: times.len(),
    }
}

/// The directory criterion writes its results into.
pub fn criterion_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("criterion")
}

/// The median (point estimate) criterion measured for `group/bench` in this
/// run, from `target/criterion/<group>/<bench>/new/estimates.json`
/// (criterion spells a `/` in a bench id as `_` in the directory name).
pub fn criterion_median(group: &str, bench: &str) -> Option<Duration> {
    let path = criterion_dir()
        .join(group)
        .join(bench.replace('/', "_"))
        .join("new")
        .join("estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    let ns = v.get("median")?.get("point_estimate")?.as_f64()?;
    Some(Duration::from_nanos(ns as u64))
}

/// Human-readable duration with a unit that fits.
pub fn fmt_duration(d: Duration) -> String {
    let ns = d.as_nanos() as f64;
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

/// Prints `name: a / b = ratio (target)` with a verdict; `want_at_least`
/// `true` means the ratio must be ≥ `target`, else ≤; an infinite `target`
/// means there is none.
pub fn print_ratio(name: &str, a: Duration, b: Duration, target: f64, want_at_least: bool) {
    let ratio = a.as_secs_f64() / b.as_secs_f64().max(1e-12);
    let ok = if want_at_least {
        ratio >= target
    } else {
        ratio <= target
    };
    let cmp = if want_at_least { "≥" } else { "≤" };
    if target.is_infinite() {
        println!(
            "RATIO {name}: {} / {} = {ratio:.1}× (no target)",
            fmt_duration(a),
            fmt_duration(b)
        );
        return;
    }
    println!(
        "RATIO {name}: {} / {} = {ratio:.1}× (target {cmp} {target}×: {})",
        fmt_duration(a),
        fmt_duration(b),
        if ok { "met" } else { "MISSED" }
    );
}

/// Prints the ratio of two criterion benches of `group` when both ran.
pub fn print_criterion_ratio(
    group: &str,
    a: &str,
    b: &str,
    name: &str,
    target: f64,
    want_at_least: bool,
) {
    match (criterion_median(group, a), criterion_median(group, b)) {
        (Some(x), Some(y)) => print_ratio(name, x, y, target, want_at_least),
        _ => println!("RATIO {name}: {group}/{a} or {group}/{b} did not run (filtered?)"),
    }
}

/// Resident set size of this process, from `/proc/self/statm` (pages ×
/// page size); `None` where that file does not exist.
pub fn rss_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let resident: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(resident * page_size())
}

fn page_size() -> u64 {
    // 4 KiB on every Linux target this project runs on; statm counts pages.
    4096
}
