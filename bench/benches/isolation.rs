//! Isolation under load: `cargo bench -p strato-bench --bench isolation`.
//!
//! 1. Head-of-line blocking. Domain B (the dummy provider) answers
//!    `environ.config` (a small guest call) while, in the same runtime,
//!    [`BLOCKED_DOMAINS`] other domains run the attack guest's HTTP probe
//!    against `/slow/1000` of a local test server, back to back, two
//!    callers each: at every moment each of them has a guest call waiting
//!    a second on the network and another queued behind it. B's calls are
//!    spawned onto the same 2-worker tokio runtime. Criterion group
//!    `isolation`: `b_alone`, `b_while_others_blocked`, `b_alone_again`;
//!    the ratio lines say whether B's median rose (target: no rise; the
//!    check allows 1.2× for the noise of a shared machine).
//! 2. Throughput across domains: 64,000 `environ.config` calls split over
//!    N dummy domains calling at once on 2 worker threads, N = 1, 2, 8,
//!    64: calls per second (median of rounds) and CPU time per call.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use criterion::Criterion;
use strato_bench::{DUMMY, fmt_duration, open, print_criterion_ratio, runtime, tokio_rt};
use strato_runtime::types::{CloudSpec, OpenParams, Value};
use strato_runtime::{Environ, Grants, Runtime};
use strato_tests::guests;
use strato_tests::server::TestServer;

/// Domains whose calls wait on the slow endpoint.
const BLOCKED_DOMAINS: usize = 8;
/// Callers per blocked domain (the second queues behind the first).
const CALLERS: usize = 2;
/// How long the slow endpoint makes each request wait.
const SLOW_MS: u64 = 1_000;
/// Domain counts of the throughput measurement.
const DOMAINS: [usize; 4] = [1, 2, 8, 64];
/// Calls per round (split evenly across the domains), and rounds, of the
/// throughput measurement.
const CALLS: usize = 64_000;
const ROUNDS: usize = 5;

fn main() -> Result<()> {
    let rt = tokio_rt()?;
    let runtime = runtime()?;
    println!(
        "isolation: instance allocation {}",
        if runtime.pooling().is_some() {
            "pooling"
        } else {
            "on demand"
        }
    );
    let (_b_handle, b) = rt.block_on(open(&runtime, DUMMY))?;
    let server = TestServer::start();
    let blocked = rt.block_on(blocked_domains(&runtime, BLOCKED_DOMAINS))?;

    let mut c = Criterion::default().configure_from_args();
    let mut group = c.benchmark_group("isolation");
    group.bench_function("b_alone", |bench| {
        bench.iter(|| rt.block_on(spawned_call(&b)));
    });
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let url = format!("get:{}", server.url(&format!("/slow/{SLOW_MS}")));
    let callers = block(rt.handle(), &blocked, &stop, &done, &url);
    wait_for(&rt, || server.active() >= BLOCKED_DOMAINS);
    let waiting_at_start = server.active();
    group.bench_function("b_while_others_blocked", |bench| {
        bench.iter(|| rt.block_on(spawned_call(&b)));
    });
    let waiting_at_end = server.active();
    unblock(&rt, callers, &stop);
    wait_for(&rt, || server.active() == 0);
    // B alone once more, so a drift of the shared machine during the run
    // shows up as a difference between the two `alone` figures.
    group.bench_function("b_alone_again", |bench| {
        bench.iter(|| rt.block_on(spawned_call(&b)));
    });
    group.finish();
    println!(
        "isolation: {BLOCKED_DOMAINS} domains × {CALLERS} callers on /slow/{SLOW_MS}: requests waiting on the endpoint at start {waiting_at_start}, at end {waiting_at_end}; slow calls completed {}",
        done.load(Ordering::Relaxed)
    );
    print_criterion_ratio(
        "isolation",
        "b_while_others_blocked",
        "b_alone",
        "B's call while other domains wait on a slow endpoint / B alone (before)",
        1.2,
        false,
    );
    print_criterion_ratio(
        "isolation",
        "b_while_others_blocked",
        "b_alone_again",
        "B's call while other domains wait on a slow endpoint / B alone (after)",
        1.2,
        false,
    );

    // The same comparison with the phases interleaved, own timing loop:
    // drift of the shared machine hits both sides alike.
    let (mut alone, mut loaded) = (Vec::new(), Vec::new());
    for _ in 0..PHASES {
        alone.extend(sample(&rt, &b));
        stop.store(false, Ordering::Relaxed);
        let callers = block(rt.handle(), &blocked, &stop, &done, &url);
        wait_for(&rt, || server.active() >= BLOCKED_DOMAINS);
        loaded.extend(sample(&rt, &b));
        unblock(&rt, callers, &stop);
        wait_for(&rt, || server.active() == 0);
    }
    let [a50, a90, a99, amax] = percentiles(&mut alone);
    let [l50, l90, l99, lmax] = percentiles(&mut loaded);
    println!(
        "INTERLEAVED {PHASES} phases × {SAMPLES} calls: B alone median {} p90 {} p99 {} max {}; B while {BLOCKED_DOMAINS} domains wait on /slow/{SLOW_MS}: median {} p90 {} p99 {} max {}",
        fmt_duration(a50),
        fmt_duration(a90),
        fmt_duration(a99),
        fmt_duration(amax),
        fmt_duration(l50),
        fmt_duration(l90),
        fmt_duration(l99),
        fmt_duration(lmax),
    );
    strato_bench::print_ratio(
        "B's call while other domains wait on a slow endpoint / B alone (interleaved medians)",
        l50,
        a50,
        1.2,
        false,
    );
    drop(blocked);

    control(&rt);
    throughput(&rt, &runtime)?;
    control(&rt);
    c.final_summary();
    Ok(())
}

/// Interleaved phases of the head-of-line measurement, and B's calls
/// timed per phase.
const PHASES: usize = 5;
const SAMPLES: usize = 5_000;

/// Starts [`CALLERS`] callers per domain of `blocked`, each running the
/// slow probe back to back until `stop`.
fn block(
    rt: &tokio::runtime::Handle,
    blocked: &[Environ],
    stop: &Arc<AtomicBool>,
    done: &Arc<AtomicU64>,
    url: &str,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut callers = Vec::new();
    for env in blocked {
        for _ in 0..CALLERS {
            let (env, stop, done, url) = (env.clone(), stop.clone(), done.clone(), url.to_string());
            callers.push(rt.spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let ids = [url.clone()];
                    if env.instances(&ids).await.is_ok() {
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }));
        }
    }
    callers
}

/// Stops the callers; aborting cancels their calls in flight (the host
/// drops those instances, as for Juju's `Abort`).
fn unblock(
    rt: &tokio::runtime::Runtime,
    callers: Vec<tokio::task::JoinHandle<()>>,
    stop: &AtomicBool,
) {
    stop.store(true, Ordering::Relaxed);
    rt.block_on(async {
        for caller in callers {
            caller.abort();
            let _ = caller.await;
        }
    });
}

/// Waits (at most 10 s) until `ready`.
fn wait_for(rt: &tokio::runtime::Runtime, ready: impl Fn() -> bool) {
    rt.block_on(async {
        let deadline = Instant::now() + Duration::from_secs(10);
        while !ready() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    });
}

/// [`SAMPLES`] of B's call, each timed.
fn sample(rt: &tokio::runtime::Runtime, b: &Environ) -> Vec<Duration> {
    (0..SAMPLES)
        .map(|_| {
            let start = Instant::now();
            rt.block_on(spawned_call(b));
            start.elapsed()
        })
        .collect()
}

/// Median, 90th and 99th percentiles, maximum.
fn percentiles(samples: &mut [Duration]) -> [Duration; 4] {
    samples.sort();
    let at = |q: f64| {
        samples
            .get(((samples.len() as f64 * q) as usize).min(samples.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    [at(0.5), at(0.9), at(0.99), at(1.0)]
}

/// B's call, spawned onto the runtime like every other caller's.
async fn spawned_call(b: &Environ) {
    let b = b.clone();
    let answer = tokio::spawn(async move { b.config().await }).await;
    if !matches!(answer, Ok(Ok(_))) {
        eprintln!("isolation: B's call failed: {answer:?}");
    }
}

/// `n` attack-guest domains allowed to reach loopback, environs open.
async fn blocked_domains(runtime: &Runtime, n: usize) -> Result<Vec<Environ>> {
    let component = runtime
        .load_file(guests::GUEST_ATTACK_COMPONENT.as_ref())
        .await
        .context("loading guest-attack")?;
    let mut envs = Vec::new();
    for i in 0..n {
        let cloud = CloudSpec {
            cloud_type: "attack".into(),
            name: "attack-cloud".into(),
            region: "us-east-1".into(),
            endpoint: String::new(),
            identity_endpoint: String::new(),
            storage_endpoint: String::new(),
            credential: None,
            ca_certificates: Vec::new(),
        };
        let handle = component
            .instantiate(Grants {
                name: Some(format!("slow-{i}")),
                network: vec!["http://127.0.0.1:*".into()],
                ..Grants::default()
            })
            .await
            .context("instantiating guest-attack")?;
        let text = |s: &str| Value::Text(s.into());
        let config = vec![
            ("name".into(), text("isolation")),
            ("type".into(), text("attack")),
            ("uuid".into(), text("5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d")),
        ];
        envs.push(
            handle
                .open(OpenParams { cloud, config })
                .await
                .context("opening guest-attack")?,
        );
    }
    Ok(envs)
}

/// Calls per second with `n` domains calling at once, for each `n`; also
/// the process CPU time per call, which other work on a shared machine
/// does not inflate the way it inflates wall time.
fn throughput(rt: &tokio::runtime::Runtime, runtime: &Runtime) -> Result<()> {
    let max = DOMAINS.iter().copied().max().unwrap_or(1);
    let mut envs = Vec::new();
    let mut handles = Vec::new();
    for _ in 0..max {
        let (h, e) = rt.block_on(open(runtime, DUMMY))?;
        handles.push(h);
        envs.push(e);
    }
    let mut single = None;
    for n in DOMAINS {
        let per_domain = CALLS / n;
        let mut rounds: Vec<(Duration, Duration)> = (0..ROUNDS)
            .map(|_| {
                rt.block_on(async {
                    let cpu = cpu_time();
                    let start = Instant::now();
                    let tasks: Vec<_> = envs[..n]
                        .iter()
                        .cloned()
                        .map(|env| {
                            tokio::spawn(async move {
                                for _ in 0..per_domain {
                                    let _ = env.config().await;
                                }
                            })
                        })
                        .collect();
                    for t in tasks {
                        let _ = t.await;
                    }
                    (start.elapsed(), cpu_time().saturating_sub(cpu))
                })
            })
            .collect();
        rounds.sort();
        let (median, cpu) = rounds[rounds.len() / 2];
        let calls = n * per_domain;
        let per_second = calls as f64 / median.as_secs_f64().max(1e-9);
        let base = *single.get_or_insert(per_second);
        println!(
            "THROUGHPUT domains={n:>3}: {:>9.0} calls/s ({} for {calls} calls, median of {ROUNDS}; {:.2}× one domain); CPU {} per call",
            per_second,
            fmt_duration(median),
            per_second / base,
            fmt_duration(cpu / u32::try_from(calls).unwrap_or(u32::MAX).max(1)),
        );
    }
    Ok(())
}

/// The same split of fixed work over 1 and 2 tasks without any guest: the
/// parallelism the shared machine actually offered during this run.
fn control(rt: &tokio::runtime::Runtime) {
    const WORK: u64 = 200_000_000;
    let mut single = None;
    for n in [1u64, 2] {
        let elapsed = rt.block_on(async {
            let start = Instant::now();
            let tasks: Vec<_> = (0..n)
                .map(|i| {
                    tokio::spawn(async move {
                        let mut x = i;
                        for k in 0..WORK / n {
                            x = std::hint::black_box(
                                x.wrapping_mul(6364136223846793005).wrapping_add(k),
                            );
                        }
                        x
                    })
                })
                .collect();
            for t in tasks {
                let _ = t.await;
            }
            start.elapsed()
        });
        let base = *single.get_or_insert(elapsed);
        println!(
            "CONTROL plain CPU loop over {n} task(s): {} ({:.2}× one task)",
            fmt_duration(elapsed),
            base.as_secs_f64() / elapsed.as_secs_f64().max(1e-9)
        );
    }
}

/// User + system CPU time of this process so far (`/proc/self/stat`,
/// clock ticks of 10 ms).
fn cpu_time() -> Duration {
    let ticks = std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|stat| {
            // Fields after the command name, which ends with ')'.
            let rest = stat.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let utime: u64 = fields.get(11)?.parse().ok()?;
            let stime: u64 = fields.get(12)?.parse().ok()?;
            Some(utime + stime)
        })
        .unwrap_or(0);
    Duration::from_millis(ticks * 10)
}
