//! EC2 on moto: the sandbox with host-side signing vs a native client.
//!
//! One round = what Juju's provisioner makes the EC2 provider do for one
//! machine: `start-instance` (zone `us-east-1a`: DescribeAvailabilityZones,
//! the model's security group — CreateSecurityGroup, answered
//! `InvalidGroup.Duplicate` once it exists, then DescribeSecurityGroups to
//! reconcile its rules —, the machine's group — CreateSecurityGroup +
//! CreateTags —, RunInstances), `instances([id])` (DescribeInstances) and
//! `stop-instances([id])` (DescribeInstances, TerminateInstances,
//! DeleteSecurityGroup): ten signed requests.
//!
//! - `sandbox`: the EC2 component (`providers/ec2`) through the runtime: a
//!   fresh environ per round (so zones are fetched every round, as the
//!   native client does), the host signing every request (SigV4).
//! - `native`: `strato_bench::ec2_native`, the same requests and the same
//!   work natively (aws-sigv4, hyper 1 over tokio, quick-xml).
//!
//! Both talk to the same moto with signature checking on. The variants are
//! interleaved (sandbox first on even rounds, native first on odd ones) so
//! that moto's drift hits both alike, and moto is restarted every
//! `STRATO_BENCH_EC2_BATCH` rounds (default 20) so that its state (the
//! terminated instances it keeps) stays small. Rounds:
//! `STRATO_BENCH_EC2_ROUNDS` (default 60). The report gives the medians of
//! each operation and of the round, the ratio of the medians, and the
//! median of the per-round ratios (sandbox / native).
//!
//! `cargo bench -p strato-bench --bench ec2`
//!
//! Profile one side alone with `STRATO_BENCH_EC2_ONLY=sandbox|native`: run
//! the bench binary under `valgrind --tool=callgrind` with
//! `STRATO_BENCH_EC2_BATCH=100` and two round counts (e.g. 4 and 14); the
//! difference of the totals divided by the difference of rounds is the
//! instructions one round costs this process (moto is another process).
//! Valgrind's CPU differs from the host's, so the first run under it
//! compiles the component (the cache key includes the CPU features):
//! discard it.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};
use strato_bench::ec2_native::{Model, NativeEc2};
use strato_bench::{EC2, fmt_duration};
use strato_runtime::audit::Capability;
use strato_runtime::types::{Attrs, CloudSpec, OpenParams, PrepareConfigParams};
use strato_runtime::{AuditEvent, Component, Grants, ProviderHandle, Runtime, RuntimeConfig};
use strato_tests::conformance::Fixture;
use strato_tests::conformance::params::start_params;
use strato_tests::moto::{Moto, REGION};
use tokio::sync::broadcast;

/// The zone machines are started in (the provisioner passes one).
const ZONE: &str = "us-east-1a";
/// The machine every round starts and stops.
const MACHINE: &str = "0";
/// The instance type the provider picks without constraints in us-east-1.
const DEFAULT_TYPE: &str = "t3a.micro";
/// Untimed rounds of each variant after each moto start.
const WARMUP: usize = 2;

/// Reads one operation's time from a round.
type Op = fn(&Round) -> Duration;

/// Times of one variant's round: start, instances, stop.
#[derive(Debug, Clone, Copy, Default)]
struct Round {
    start: Duration,
    list: Duration,
    stop: Duration,
}

impl Round {
    fn total(&self) -> Duration {
        self.start + self.list + self.stop
    }
}

/// The sandbox side: the EC2 component instantiated for one moto.
struct Sandbox {
    provider: ProviderHandle,
    cloud: CloudSpec,
    config: Attrs,
    fixture: Fixture,
    events: broadcast::Receiver<AuditEvent>,
}

impl Sandbox {
    async fn new(runtime: &Runtime, component: &Component, fixture: &Fixture) -> Result<Sandbox> {
        let events = runtime.audit().subscribe();
        let provider = component
            .instantiate(Grants {
                name: Some("ec2".into()),
                ..Grants::default()
            })
            .await
            .context("instantiating the EC2 provider")?;
        let cloud = fixture.cloud_spec();
        let config = provider
            .prepare_config(PrepareConfigParams {
                cloud: cloud.clone(),
                config: fixture.config_attrs(),
            })
            .await
            .context("prepare-config")?;
        Ok(Sandbox {
            provider,
            cloud,
            config,
            fixture: fixture.clone(),
            events,
        })
    }

    async fn round(&self, nonce: &str) -> Result<Round> {
        let t0 = Instant::now();
        let env = (self.provider)
            .open(OpenParams {
                cloud: self.cloud.clone(),
                config: self.config.clone(),
            })
            .await
            .context("open")?;
        let mut params = start_params(&self.fixture, MACHINE, nonce);
        params.availability_zone = ZONE.into();
        let started = env.start_instance(params).await.context("start-instance")?;
        let id = started.instance.id;
        let t1 = Instant::now();
        let found = env.instances(std::slice::from_ref(&id)).await;
        let found = found.context("instances")?;
        if found.len() != 1 || found[0].id != id {
            bail!("sandbox: instances({id}) gave {found:?}");
        }
        let t2 = Instant::now();
        env.stop_instances(std::slice::from_ref(&id))
            .await
            .context("stop-instances")?;
        let t3 = Instant::now();
        Ok(Round {
            start: t1 - t0,
            list: t2 - t1,
            stop: t3 - t2,
        })
    }

    /// Signed requests the provider sent since the last call.
    fn requests(&mut self) -> usize {
        let mut n = 0;
        while let Ok(e) = self.events.try_recv() {
            n += usize::from(e.capability == Capability::Sign);
        }
        n
    }
}

/// The native side for one moto.
fn native(moto: &Moto, fixture: &Fixture) -> Result<NativeEc2> {
    let text = |k: &str| {
        (fixture.config.get(k))
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string()
    };
    let model = Model {
        name: text("name"),
        uuid: text("uuid"),
        controller_uuid: fixture.controller_uuid.clone(),
        image_id: text("image-id"),
        instance_type: DEFAULT_TYPE.into(),
        api_port: 17070,
        series: fixture.series.clone(),
    };
    NativeEc2::new(
        moto.endpoint(),
        REGION,
        moto.access_key(),
        moto.secret_key(),
        model,
    )
    .context("native client")
}

async fn native_round(client: &NativeEc2, nonce: &str) -> Result<Round> {
    let t0 = Instant::now();
    let id = client.start_instance(MACHINE, nonce, ZONE).await?;
    let t1 = Instant::now();
    let found = client.instances(std::slice::from_ref(&id)).await?;
    if !matches!(found.as_slice(), [Some(i)] if i.id == id) {
        bail!("native: instances({id}) gave {found:?}");
    }
    let t2 = Instant::now();
    client.stop_instances(std::slice::from_ref(&id)).await?;
    let t3 = Instant::now();
    Ok(Round {
        start: t1 - t0,
        list: t2 - t1,
        stop: t3 - t2,
    })
}

/// The EC2 conformance fixture pointed at `moto` with its user's key.
fn fixture(moto: &Moto) -> Result<Fixture> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance/fixtures/ec2-moto.yaml");
    let mut f = Fixture::load(&path).map_err(|e| anyhow::anyhow!("fixture: {e}"))?;
    let spec = moto.cloud_spec(None);
    f.cloud.endpoint = spec.endpoint;
    let attributes = spec.credential.map(|c| c.attributes).unwrap_or_default();
    if let Some(c) = f.credential.as_mut() {
        c.attributes = attributes.into_iter().collect();
    }
    Ok(f)
}

fn env_usize(name: &str, default: usize) -> usize {
    (std::env::var(name).ok())
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(default)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn quartiles(mut v: Vec<f64>) -> (f64, f64, f64) {
    if v.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v.get(((v.len() - 1) as f64 * q).round() as usize).copied();
    (
        at(0.25).unwrap_or(f64::NAN),
        at(0.5).unwrap_or(f64::NAN),
        at(0.75).unwrap_or(f64::NAN),
    )
}

/// Which variants run: both unless `STRATO_BENCH_EC2_ONLY` names one (for
/// profiling one side alone, e.g. under callgrind).
#[derive(Debug, Clone, Copy)]
struct Which {
    sandbox: bool,
    native: bool,
}

impl Which {
    fn from_env() -> Which {
        match std::env::var("STRATO_BENCH_EC2_ONLY").as_deref() {
            Ok("sandbox") => Which {
                sandbox: true,
                native: false,
            },
            Ok("native") => Which {
                sandbox: false,
                native: true,
            },
            _ => Which {
                sandbox: true,
                native: true,
            },
        }
    }
}

async fn run(rounds: usize, batch: usize, which: Which) -> Result<()> {
    // A lasting cache: runs under callgrind load the component, not compile it.
    let cache = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/strato-bench-ec2-cache");
    std::fs::create_dir_all(&cache).context("cache dir")?;
    let runtime = Runtime::new(RuntimeConfig {
        cache_dir: Some(cache),
        call_timeout: Duration::from_secs(120),
        ..RuntimeConfig::default()
    })
    .context("runtime")?;
    let component = (runtime.load_file(Path::new(EC2.path)).await)
        .with_context(|| format!("loading {}", EC2.path))?;

    let mut sandbox_rounds: Vec<Round> = Vec::new();
    let mut native_rounds: Vec<Round> = Vec::new();
    let mut requests = (0, 0);
    let mut done = 0;
    while done < rounds {
        let moto = Moto::start().map_err(|e| anyhow::anyhow!("moto: {e}"))?;
        let f = fixture(&moto)?;
        let mut sandbox = Sandbox::new(&runtime, &component, &f).await?;
        let client = native(&moto, &f)?;
        for w in 0..WARMUP {
            if which.sandbox {
                sandbox.round(&format!("warm-s{w}")).await?;
            }
            if which.native {
                native_round(&client, &format!("warm-n{w}")).await?;
            }
        }
        sandbox.requests();
        client.requests();
        let n = batch.min(rounds - done);
        for i in 0..n {
            let nonce = format!("nonce-{}", done + i);
            let sandbox_first = (done + i) % 2 == 0;
            if which.sandbox && sandbox_first {
                sandbox_rounds.push(sandbox.round(&nonce).await?);
            }
            if which.native {
                native_rounds.push(native_round(&client, &nonce).await?);
            }
            if which.sandbox && !sandbox_first {
                sandbox_rounds.push(sandbox.round(&nonce).await?);
            }
        }
        // Let the last exchanges' audit events arrive.
        tokio::time::sleep(Duration::from_millis(100)).await;
        requests.0 += sandbox.requests();
        requests.1 += client.requests();
        done += n;
        eprintln!("ec2: {done}/{rounds} rounds");
    }
    report(&sandbox_rounds, &native_rounds, requests, rounds, batch);
    Ok(())
}

fn report(
    sandbox: &[Round],
    native: &[Round],
    requests: (usize, usize),
    rounds: usize,
    batch: usize,
) {
    println!("ec2-on-moto: {rounds} interleaved rounds, moto restarted every {batch}");
    if sandbox.is_empty() || native.is_empty() {
        let (name, rounds) = if native.is_empty() {
            ("sandbox", sandbox)
        } else {
            ("native", native)
        };
        let round = median(rounds.iter().map(Round::total).collect());
        let count = requests.0.max(requests.1);
        println!(
            "{name} only: round median {}, {count} requests",
            fmt_duration(round)
        );
        return;
    }
    println!(
        "requests per round: sandbox {:.1} signed, native {:.1}",
        requests.0 as f64 / rounds as f64,
        requests.1 as f64 / rounds as f64
    );
    let ops: [(&str, Op); 4] = [
        ("start-instance", |r| r.start),
        ("instances(1)", |r| r.list),
        ("stop-instances", |r| r.stop),
        ("round", Round::total),
    ];
    println!(
        "{:<16} {:>12} {:>12} {:>8}",
        "median", "sandbox", "native", "ratio"
    );
    for (name, op) in ops {
        let s = median(sandbox.iter().map(op).collect());
        let n = median(native.iter().map(op).collect());
        println!(
            "{name:<16} {:>12} {:>12} {:>8.3}",
            fmt_duration(s),
            fmt_duration(n),
            s.as_secs_f64() / n.as_secs_f64().max(1e-12)
        );
    }
    let s = median(sandbox.iter().map(Round::total).collect());
    let n = median(native.iter().map(Round::total).collect());
    let ratio = s.as_secs_f64() / n.as_secs_f64().max(1e-12);
    let paired: Vec<f64> = (sandbox.iter().zip(native))
        .map(|(s, n)| s.total().as_secs_f64() / n.total().as_secs_f64().max(1e-12))
        .collect();
    let (q1, q2, q3) = quartiles(paired);
    let per_request =
        (s.saturating_sub(n)).as_secs_f64() * 1e6 / (requests.0 as f64 / rounds as f64).max(1.0);
    println!("paired round ratios (sandbox/native): q1 {q1:.3}, median {q2:.3}, q3 {q3:.3}");
    println!("sandbox cost per request (difference of medians): {per_request:.0} µs");
    let verdict = if ratio <= 1.05 { "met" } else { "MISSED" };
    println!(
        "RATIO ec2 sandbox/native (round): {} / {} = {ratio:.3}× (target ≤ 1.05×: {verdict})",
        fmt_duration(s),
        fmt_duration(n)
    );
}

fn main() -> Result<()> {
    // `cargo bench` passes `--bench`; a filter that is not ours skips.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    if !args.is_empty() && !args.iter().any(|a| "ec2".contains(a.as_str())) {
        return Ok(());
    }
    let rounds = env_usize("STRATO_BENCH_EC2_ROUNDS", 60);
    let batch = env_usize("STRATO_BENCH_EC2_BATCH", 20);
    let rt = strato_bench::tokio_rt()?;
    rt.block_on(run(rounds, batch, Which::from_env()))
}
