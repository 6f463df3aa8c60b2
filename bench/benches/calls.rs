//! Call overhead: the same provider logic (`strato-fleet`) reached three ways.
//!
//! - `sandbox`: the `guest-fleet` component through `strato_runtime`
//!   (`ProviderHandle::version`, `Environ::instances`,
//!   `Environ::start_instance`), awaited in one tokio task;
//! - `native`: compiled into this process, called through a
//!   `Box<dyn FleetApi>` — the limit;
//! - `plugin`: the `fleet-plugin` process, spawned once, one JSON line each
//!   way per call over stdin/stdout (the cheapest possible plugin);
//! - `grpc`: the `fleet-plugin-h2` process, spawned once, one HTTP/2 stream
//!   per call over a Unix socket with the same JSON in gRPC frames (the
//!   transport of go-plugin, Terraform's and Pulumi's plugins), awaited
//!   like the sandbox.
//!
//! Calls: `version` (small), `instances` with 100 ids, `start-instance` with
//! the conformance kit's realistic parameters (`params::start_params`).
//! Parameters are cloned before the clock starts, in chunks, for every
//! variant alike.
//!
//! `cargo bench -p strato-bench --bench calls` prints `RATIO` lines at the end.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Result;
use std::hint::black_box;

use criterion::Criterion;
use strato_bench::grpc::H2PluginClient;
use strato_bench::native::{self, FleetApi};
use strato_bench::plugin::PluginClient;
use strato_bench::{FLEET, config, open, print_criterion_ratio, runtime, tokio_rt};
use strato_runtime::config::Pooling;
use strato_runtime::types::StartInstanceParams;
use strato_runtime::{Runtime, RuntimeConfig};
use strato_tests::conformance::{Fixture, params};

/// Parameters are cloned ahead of the timed calls this many at a time.
const CHUNK: u64 = 256;
/// Instances of the pool whose memories get no 4 GiB reservation.
const BOUNDS_CHECKED_POOL: u32 = 5_000;

fn main() -> Result<()> {
    let rt = tokio_rt()?;
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();

    let strato = runtime()?;
    let (handle, env) = rt.block_on(open(&strato, FLEET))?;
    // The same guest in a pool too large for wasmtime's 4 GiB reservation
    // per memory (see `reservations` in runtime/src/engine.rs): its code
    // has bounds checks compiled in.
    let checked_rt = Runtime::new(RuntimeConfig {
        pooling: Some(Pooling {
            max_instances: BOUNDS_CHECKED_POOL,
            ..Pooling::default()
        }),
        ..config()
    })?;
    let (_checked_handle, checked_env) = rt.block_on(open(&checked_rt, FLEET))?;
    let native: Box<dyn FleetApi> = native::boxed();
    let mut plugin = PluginClient::spawn(Path::new(env!("CARGO_BIN_EXE_fleet-plugin")))?;
    let grpc = rt.block_on(H2PluginClient::spawn(Path::new(env!(
        "CARGO_BIN_EXE_fleet-plugin-h2"
    ))))?;

    let ids: Vec<String> = (0..100).map(|i| format!("i-{i}")).collect();
    let start = params::start_params(&Fixture::dummy(), "1", params::FAKE_NONCE);

    // The three variants must agree before they are timed.
    let v = rt.block_on(handle.version())?;
    anyhow::ensure!(
        v == native.version() && v == plugin.version()? && v == rt.block_on(grpc.version())?,
        "versions differ"
    );
    let a = rt.block_on(env.instances(&ids))?;
    anyhow::ensure!(
        a == native.instances(&ids)?,
        "sandbox and native instances differ"
    );
    anyhow::ensure!(
        a == plugin.instances(&ids)?,
        "sandbox and plugin instances differ"
    );
    anyhow::ensure!(
        a == rt.block_on(grpc.instances(&ids))?,
        "sandbox and grpc instances differ"
    );
    let s = rt.block_on(env.start_instance(start.clone()))?;
    let n = native.start_instance(start.clone())?;
    let p = plugin.start_instance(start.clone())?;
    let q = rt.block_on(grpc.start_instance(start.clone()))?;
    anyhow::ensure!(
        s.hardware == n.hardware
            && n.hardware == p.hardware
            && s.display_name == p.display_name
            && q.hardware == p.hardware,
        "start-instance results differ"
    );

    {
        let mut g = c.benchmark_group("calls-version");
        g.bench_function("sandbox", |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let t = Instant::now();
                    for _ in 0..iters {
                        black_box(handle.version().await.expect("version"));
                    }
                    t.elapsed()
                })
            })
        });
        g.bench_function("native", |b| b.iter(|| black_box(native.version())));
        g.bench_function("plugin", |b| {
            b.iter(|| black_box(plugin.version().expect("plugin version")))
        });
        g.bench_function("grpc", |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let t = Instant::now();
                    for _ in 0..iters {
                        black_box(grpc.version().await.expect("grpc version"));
                    }
                    t.elapsed()
                })
            })
        });
        g.finish();
    }
    {
        let mut g = c.benchmark_group("calls-instances100");
        g.bench_function("sandbox", |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let t = Instant::now();
                    for _ in 0..iters {
                        black_box(env.instances(black_box(&ids)).await.expect("instances"));
                    }
                    t.elapsed()
                })
            })
        });
        g.bench_function("sandbox-bounds-checked", |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let t = Instant::now();
                    for _ in 0..iters {
                        black_box(
                            checked_env
                                .instances(black_box(&ids))
                                .await
                                .expect("instances"),
                        );
                    }
                    t.elapsed()
                })
            })
        });
        g.bench_function("native", |b| {
            b.iter(|| black_box(native.instances(black_box(&ids)).expect("instances")))
        });
        g.bench_function("plugin", |b| {
            b.iter(|| black_box(plugin.instances(black_box(&ids)).expect("instances")))
        });
        g.bench_function("grpc", |b| {
            b.iter_custom(|iters| {
                rt.block_on(async {
                    let t = Instant::now();
                    for _ in 0..iters {
                        black_box(grpc.instances(black_box(&ids)).await.expect("instances"));
                    }
                    t.elapsed()
                })
            })
        });
        g.finish();
    }
    {
        let mut g = c.benchmark_group("calls-start-instance");
        g.bench_function("sandbox", |b| {
            b.iter_custom(|iters| {
                rt.block_on(timed_async(iters, &start, async |p| {
                    black_box(env.start_instance(p).await.expect("start"));
                }))
            })
        });
        g.bench_function("native", |b| {
            b.iter_custom(|iters| {
                timed(iters, &start, |p| {
                    black_box(native.start_instance(p).expect("start"));
                })
            })
        });
        g.bench_function("plugin", |b| {
            b.iter_custom(|iters| {
                timed(iters, &start, |p| {
                    black_box(plugin.start_instance(p).expect("start"));
                })
            })
        });
        g.bench_function("grpc", |b| {
            b.iter_custom(|iters| {
                rt.block_on(timed_async(iters, &start, async |p| {
                    black_box(grpc.start_instance(p).await.expect("start"));
                }))
            })
        });
        g.finish();
    }
    c.final_summary();
    drop(checked_env);
    drop(grpc);
    drop(env);
    drop(handle);

    println!();
    for (group, name) in [
        ("calls-version", "version"),
        ("calls-instances100", "instances(100)"),
        ("calls-start-instance", "start-instance"),
    ] {
        let plugin_target = if group == "calls-version" { 20.0 } else { 5.0 };
        print_criterion_ratio(
            group,
            "plugin",
            "sandbox",
            &format!("{name}: plugin / sandbox"),
            plugin_target,
            true,
        );
        let native_target = if group == "calls-instances100" {
            3.0
        } else {
            f64::INFINITY
        };
        print_criterion_ratio(
            group,
            "grpc",
            "sandbox",
            &format!("{name}: grpc plugin / sandbox"),
            plugin_target,
            true,
        );
        print_criterion_ratio(
            group,
            "sandbox",
            "native",
            &format!("{name}: sandbox / native"),
            native_target,
            false,
        );
    }
    print_criterion_ratio(
        "calls-instances100",
        "sandbox-bounds-checked",
        "sandbox",
        "instances(100): bounds-checked / 4 GiB reservation",
        f64::INFINITY,
        false,
    );
    Ok(())
}

/// `iters` clones of `p`, in chunks of [`CHUNK`].
fn chunks(iters: u64, p: &StartInstanceParams) -> impl Iterator<Item = Vec<StartInstanceParams>> {
    let p = p.clone();
    (0..iters.div_ceil(CHUNK)).map(move |i| {
        let n = CHUNK.min(iters - i * CHUNK);
        (0..n).map(|_| p.clone()).collect()
    })
}

/// Times `f` on `iters` clones of `p`, cloning outside the clock.
fn timed(iters: u64, p: &StartInstanceParams, mut f: impl FnMut(StartInstanceParams)) -> Duration {
    let mut total = Duration::ZERO;
    for batch in chunks(iters, p) {
        let t = Instant::now();
        for p in batch {
            f(p);
        }
        total += t.elapsed();
    }
    total
}

/// [`timed`] for calls that are awaited (the sandbox, the gRPC plugin).
async fn timed_async(
    iters: u64,
    p: &StartInstanceParams,
    mut f: impl AsyncFnMut(StartInstanceParams),
) -> Duration {
    let mut total = Duration::ZERO;
    for batch in chunks(iters, p) {
        let t = Instant::now();
        for p in batch {
            f(p).await;
        }
        total += t.elapsed();
    }
    total
}
