//! Load and instantiate.
//!
//! - `load/<component>/cold`: a fresh runtime without a disk cache loads the
//!   component: inspect + `Component::new` (Cranelift) + link + trial
//!   instantiation — what the first start of a host pays.
//! - `load/<component>/cached`: a fresh runtime whose disk cache holds the
//!   component's artifact: sha256 of the component + the cache's checks
//!   (owner, mode, tagged record, length) + `deserialize_file` (mmap) +
//!   link — every later start. The cached `ComponentInfo` replaces
//!   `inspect` and the trial instantiation is skipped (`runtime/src/cache.rs`).
//!   Runtime creation itself is outside the timing (`iter_batched`).
//!   The Python and JavaScript cold compiles take seconds each, so they are
//!   timed by a short loop of our own (`STRATO_BENCH_COLD_SAMPLES`, default
//!   3; `STRATO_BENCH_SKIP_SLOW=1` skips them).
//! - `instantiate/<component>/<allocator>`: a new isolation domain
//!   (`Component::instantiate` with its own grants) plus `open` of an
//!   environ, then dropping both; pooling allocator vs on demand.
//!
//! `cargo bench -p strato-bench --bench load` prints `RATIO` lines at the end.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, Result};
use criterion::{BatchSize, Criterion};
use strato_bench::{
    DUMMY, EC2, FLEET, Guest, JS, PYTHON, cached_runtime, config, fmt_duration, measure_cold,
    open_params, print_criterion_ratio, print_ratio, read, runtime, tokio_rt,
};
use strato_runtime::{Grants, Runtime, RuntimeConfig};

fn main() -> Result<()> {
    let rt = tokio_rt()?;
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    let cache = tempfile::tempdir().context("cache dir")?;

    let rust = [DUMMY, EC2];
    let scripted: Vec<Guest> = [PYTHON, JS]
        .into_iter()
        .filter(|g| Path::new(g.path).exists())
        .collect();

    // Fill the disk cache once per component.
    for g in rust.iter().chain(&scripted) {
        let bytes = read(*g)?;
        let r = cached_runtime(cache.path())?;
        rt.block_on(r.load_bytes(&bytes))
            .with_context(|| format!("loading {}", g.label))?;
    }

    {
        let mut group = c.benchmark_group("load");
        group.sample_size(10);
        for g in rust {
            let bytes = read(g)?;
            group.bench_function(format!("{}/cold", g.label), |b| {
                b.iter_batched(
                    || runtime().expect("runtime"),
                    |r| {
                        let comp = rt.block_on(r.load_bytes(&bytes)).expect("cold load");
                        (r, comp)
                    },
                    BatchSize::PerIteration,
                )
            });
        }
        for g in rust.iter().chain(&scripted) {
            let bytes = read(*g)?;
            group.bench_function(format!("{}/cached", g.label), |b| {
                b.iter_batched(
                    || cached_runtime(cache.path()).expect("runtime"),
                    |r| {
                        let comp = rt.block_on(r.load_bytes(&bytes)).expect("cached load");
                        assert!(comp.info().from_cache, "not loaded from the cache");
                        (r, comp)
                    },
                    BatchSize::PerIteration,
                )
            });
        }
        group.finish();
    }

    // Cold compiles of the scripted components: seconds each.
    let mut slow_cold = Vec::new();
    if std::env::var_os("STRATO_BENCH_SKIP_SLOW").is_none() {
        let samples = std::env::var("STRATO_BENCH_COLD_SAMPLES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(3);
        for g in &scripted {
            let bytes = read(*g)?;
            let stats = measure_cold(samples, || {
                let r = runtime().expect("runtime");
                drop(rt.block_on(r.load_bytes(&bytes)).expect("cold load"));
            });
            println!(
                "load/{}/cold (own loop, {} samples): median {} (min {}, max {})",
                g.label,
                stats.samples,
                fmt_duration(stats.median),
                fmt_duration(stats.min),
                fmt_duration(stats.max)
            );
            slow_cold.push((g.label, stats.median));
        }
    }

    parts(&mut c)?;
    instantiate(&mut c, &rt)?;
    c.final_summary();

    println!();
    for g in rust {
        let l = g.label;
        print_criterion_ratio(
            "load",
            &format!("{l}/cold"),
            &format!("{l}/cached"),
            &format!("load {l}: cold / cached"),
            1000.0,
            true,
        );
        if let Some(cached) = strato_bench::criterion_median("load", &format!("{l}/cached")) {
            println!(
                "TARGET load {l} cached ≤ 1 ms: {} ({})",
                fmt_duration(cached),
                if cached <= Duration::from_millis(1) {
                    "met"
                } else {
                    "MISSED"
                }
            );
        }
    }
    for (label, cold) in slow_cold {
        if let Some(cached) = strato_bench::criterion_median("load", &format!("{label}/cached")) {
            print_ratio(
                &format!("load {label}: cold / cached"),
                cold,
                cached,
                1000.0,
                true,
            );
        }
    }
    for g in [DUMMY, FLEET] {
        let l = g.label;
        print_criterion_ratio(
            "instantiate",
            &format!("{l}/on-demand"),
            &format!("{l}/pooling"),
            &format!("instantiate {l}: on-demand / pooling"),
            1.0,
            true,
        );
    }
    Ok(())
}

/// `load-parts/<step>/<component>`: where a cached load's time goes —
/// `inspect` (the runtime's check of the component's imports and exports,
/// a full parse; a cache hit no longer runs it), the component's SHA-256
/// (its identity; a cache hit reads it from the record) and BLAKE3 (the
/// caches' key, computed on every load), and a bare wasmtime
/// `Component::deserialize` from bytes vs `deserialize_file` (mmap, what a
/// cache hit does) of the component's artifact on a default engine.
fn parts(c: &mut Criterion) -> Result<()> {
    let dir = tempfile::tempdir().context("artifact dir")?;
    let mut cfg = wasmtime::Config::new();
    cfg.wasm_component_model(true);
    let engine = wasmtime::Engine::new(&cfg).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut group = c.benchmark_group("load-parts");
    for g in [DUMMY, EC2] {
        let bytes = read(g)?;
        group.bench_function(format!("inspect/{}", g.label), |b| {
            b.iter(|| strato_runtime::inspect(&bytes).expect("inspect"))
        });
        let artifact = wasmtime::component::Component::new(&engine, &bytes)
            .and_then(|c| c.serialize())
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        group.bench_function(format!("sha256/{}", g.label), |b| {
            b.iter(|| <sha2::Sha256 as sha2::Digest>::digest(&bytes))
        });
        group.bench_function(format!("blake3/{}", g.label), |b| {
            b.iter(|| blake3::hash(&bytes))
        });
        group.bench_function(format!("deserialize/{}", g.label), |b| {
            b.iter(|| {
                // SAFETY: `artifact` was serialized just above by this
                // process with this engine.
                unsafe { wasmtime::component::Component::deserialize(&engine, &artifact) }
                    .expect("deserialize")
            })
        });
        let file = dir.path().join(format!("{}.cwasm", g.label));
        std::fs::write(&file, &artifact).context("write artifact")?;
        group.bench_function(format!("deserialize_file/{}", g.label), |b| {
            b.iter(|| {
                // SAFETY: as above, written to a private temporary directory.
                unsafe { wasmtime::component::Component::deserialize_file(&engine, &file) }
                    .expect("deserialize_file")
            })
        });
    }
    group.finish();
    Ok(())
}

/// `instantiate/<component>/<allocator>`.
fn instantiate(c: &mut Criterion, rt: &tokio::runtime::Runtime) -> Result<()> {
    let pooled = runtime()?;
    let on_demand = Runtime::new(RuntimeConfig {
        pooling: None,
        ..config()
    })
    .context("on-demand runtime")?;
    let allocator = if pooled.pooling().is_some() {
        "pooling"
    } else {
        println!("note: the pooling allocator is unavailable here; both runs are on demand");
        "pooling-unavailable"
    };
    let mut group = c.benchmark_group("instantiate");
    for g in [DUMMY, FLEET] {
        for (name, r) in [(allocator, &pooled), ("on-demand", &on_demand)] {
            let component = rt
                .block_on(r.load_file(Path::new(g.path)))
                .with_context(|| format!("loading {}", g.label))?;
            let params = open_params();
            group.bench_function(format!("{}/{name}", g.label), |b| {
                b.iter_custom(|iters| {
                    rt.block_on(async {
                        let start = std::time::Instant::now();
                        for _ in 0..iters {
                            let handle = component
                                .instantiate(Grants::default())
                                .await
                                .expect("instantiate");
                            let env = handle.open(params.clone()).await.expect("open");
                            drop(env);
                            drop(handle);
                        }
                        start.elapsed()
                    })
                })
            });
        }
    }
    group.finish();
    Ok(())
}
