//! Density: resident memory with 1, 100, 1,000 and 10,000 open credential
//! domains, each one `ProviderHandle` bound to its own cloud credential
//! with one open environ (a live instance of a Rust provider).
//!
//! A measurement, not a timing: `cargo bench -p strato-bench --bench
//! density`. Each variant (instance pool on / off, per guest) runs in a
//! child process of its own, so one variant's heap and mappings never
//! count in another's figures. Printed per checkpoint: RSS (from
//! `/proc/self/statm`, what the issue asks), PSS (from
//! `/proc/self/smaps_rollup`: shared pages such as the copy-on-write
//! memory image counted once), mappings, and the per-domain delta against
//! one domain. Target: ≤ 256 KiB per additional domain.
//!
//! `STRATO_DENSITY_MAX=1000` stops at a smaller count (quick runs).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context as _, Result, bail};
use strato_bench::{DUMMY, FLEET, Guest, fmt_duration, open_params, rss_bytes, tokio_rt};
use strato_runtime::config::Pooling;
use strato_runtime::{Environ, Grants, ProviderHandle, Runtime, RuntimeConfig};

/// Environment variable that makes the process a measuring child:
/// `<pooling|on-demand>:<guest label>`.
const CHILD: &str = "STRATO_DENSITY_CHILD";
const CHECKPOINTS: [usize; 4] = [1, 100, 1_000, 10_000];
/// Target of the issue: resident bytes per additional domain.
const TARGET: u64 = 256 << 10;

fn main() -> Result<()> {
    if let Ok(spec) = std::env::var(CHILD) {
        return child(&spec);
    }
    let exe = std::env::current_exe().context("own path")?;
    println!("density: resident memory per open credential domain (target ≤ 256 KiB)");
    let mut summary = Vec::new();
    for guest in [DUMMY, FLEET] {
        for variant in ["pooling", "on-demand"] {
            let out = Command::new(&exe)
                .env(CHILD, format!("{variant}:{}", guest.label))
                .output()
                .with_context(|| format!("running the {variant} child"))?;
            let text = String::from_utf8_lossy(&out.stdout);
            print!("{text}");
            if !out.status.success() {
                println!(
                    "density {variant}/{}: child failed: {}",
                    guest.label,
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
            summary.extend(
                text.lines()
                    .filter(|l| l.starts_with("PER-DOMAIN"))
                    .map(String::from),
            );
        }
    }
    println!("--- summary");
    for line in summary {
        println!("{line}");
    }
    Ok(())
}

/// Memory figures of this process.
#[derive(Clone, Copy)]
struct Mem {
    rss: u64,
    pss: u64,
    maps: usize,
}

fn mem() -> Mem {
    let pss = std::fs::read_to_string("/proc/self/smaps_rollup")
        .ok()
        .and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("Pss:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kib| kib << 10);
    let maps = std::fs::read_to_string("/proc/self/maps").map_or(0, |t| t.lines().count());
    Mem {
        rss: rss_bytes().unwrap_or(0),
        pss,
        maps,
    }
}

fn kib(bytes: u64) -> String {
    format!("{:.1} KiB", bytes as f64 / 1024.0)
}

fn child(spec: &str) -> Result<()> {
    let (variant, label) = spec.split_once(':').context("child spec")?;
    let guest: Guest = match label {
        "dummy" => DUMMY,
        "fleet" => FLEET,
        other => bail!("unknown guest {other}"),
    };
    let max: usize = std::env::var("STRATO_DENSITY_MAX")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let checkpoints: Vec<usize> = CHECKPOINTS.into_iter().filter(|n| *n <= max).collect();
    let pooling = match variant {
        // Room for every domain plus the trial instance of `load`.
        "pooling" => Some(Pooling {
            max_instances: u32::try_from(max + 16).unwrap_or(u32::MAX),
            ..Pooling::default()
        }),
        _ => None,
    };
    let rt = tokio_rt()?;
    rt.block_on(async move {
        let runtime = Runtime::new(RuntimeConfig {
            pooling,
            ..strato_bench::config()
        })?;
        let used = if runtime.pooling().is_some() {
            "pooling"
        } else {
            "on-demand"
        };
        let component = runtime
            .load_file(Path::new(guest.path))
            .await
            .with_context(|| format!("loading {}", guest.path))?;
        let before = mem();
        let mut domains: Vec<(ProviderHandle, Environ)> = Vec::new();
        let mut first: Option<Mem> = None;
        let started = Instant::now();
        for &n in &checkpoints {
            while domains.len() < n {
                domains.push(open_domain(&component, domains.len()).await?);
            }
            let m = mem();
            let base = *first.get_or_insert(m);
            let per = |a: u64, b: u64| a.saturating_sub(b) / (n as u64 - 1).max(1);
            println!(
                "density {used}/{label} domains={n:>6}: rss {:>10} pss {:>10} maps {:>6} | per additional domain: rss {:>10} pss {:>10} | opened in {}",
                kib(m.rss),
                kib(m.pss),
                m.maps,
                kib(per(m.rss, base.rss)),
                kib(per(m.pss, base.pss)),
                fmt_duration(started.elapsed()),
            );
        }
        let last = mem();
        if let (Some(base), Some(&n)) = (first, checkpoints.last()) {
            let per = last.rss.saturating_sub(base.rss) / (n as u64 - 1).max(1);
            let pss = last.pss.saturating_sub(base.pss) / (n as u64 - 1).max(1);
            println!(
                "PER-DOMAIN {used}/{label} at {n} domains: rss {} pss {} (first domain over the loaded component: rss {}) target ≤ 256 KiB: {}",
                kib(per),
                kib(pss),
                kib(base.rss.saturating_sub(before.rss)),
                if per <= TARGET { "met" } else { "MISSED" }
            );
        }
        // The domains still work after all this: a call on the first and
        // the last.
        for (handle, env) in [domains.first(), domains.last()].into_iter().flatten() {
            handle.version().await.context("a call on an open domain")?;
            env.config().await.context("an environ call on an open domain")?;
        }
        drop(domains);
        let after = mem();
        println!(
            "density {used}/{label} after dropping every domain: rss {} pss {} maps {}",
            kib(after.rss),
            kib(after.pss),
            after.maps
        );
        Ok(())
    })
}

/// Domain `i`: its own credential (label and secret), one open environ.
async fn open_domain(
    component: &strato_runtime::Component,
    i: usize,
) -> Result<(ProviderHandle, Environ)> {
    let mut params = open_params();
    if let Some(credential) = params.cloud.credential.as_mut() {
        credential.label = format!("credential-{i}");
        for (_, value) in credential.attributes.iter_mut() {
            *value = format!("{value}-{i}");
        }
    }
    let handle = component
        .instantiate(Grants {
            name: Some(format!("domain-{i}")),
            cloud: Some(params.cloud.clone()),
            ..Grants::default()
        })
        .await
        .with_context(|| format!("instantiating domain {i}"))?;
    let env = handle
        .open(params)
        .await
        .with_context(|| format!("opening the environ of domain {i}"))?;
    Ok((handle, env))
}
