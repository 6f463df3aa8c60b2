//! A fixed number of guest calls, for counting instructions per call under
//! callgrind (load-independent, unlike wall time on a shared machine):
//!
//! ```text
//! call-probe <version|instances|start|config|instantiate> <calls> <cache-dir>
//! ```
//!
//! Run it twice with different `<calls>` under
//! `valgrind --tool=callgrind` and divide the difference of the totals by
//! the difference of the counts: start-up (loading from the disk cache in
//! `<cache-dir>`, filled by a first run without valgrind) cancels out.
//! `version`, `instances` (100 ids) and `start` are `guest-fleet` calls as
//! in `benches/calls.rs`; `config` is the dummy provider's
//! `environ.config` (as in `benches/isolation.rs`); `instantiate` is a new
//! fleet domain (`Component::instantiate`) plus `open`, then dropping both
//! (as `instantiate/fleet` in `benches/load.rs`). `STRATO_PROBE_POOL=<n>`
//! sizes the instance pool (5,000 = too large for 4 GiB reservations, so
//! bounds-checked guest code; `0` = on demand).

use std::hint::black_box;
use std::path::Path;

use anyhow::{Context as _, Result, bail};
use strato_bench::{DUMMY, FLEET, cached_runtime, config, open, open_params, tokio_rt};
use strato_runtime::config::Pooling;
use strato_runtime::{Grants, Runtime, RuntimeConfig};
use strato_tests::conformance::{Fixture, params};

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, kind, calls, cache] = &args[..] else {
        bail!("usage: call-probe <version|instances|start|config|instantiate> <calls> <cache-dir>");
    };
    let calls: u64 = calls.parse().context("calls")?;
    let rt = tokio_rt()?;
    let runtime = match std::env::var("STRATO_PROBE_POOL") {
        Ok(n) => {
            let n: u32 = n.parse().context("STRATO_PROBE_POOL")?;
            Runtime::new(RuntimeConfig {
                cache_dir: Some(cache.into()),
                pooling: (n > 0).then(|| Pooling {
                    max_instances: n,
                    ..Pooling::default()
                }),
                ..config()
            })?
        }
        Err(_) => cached_runtime(Path::new(cache))?,
    };
    let guest = if kind == "config" { DUMMY } else { FLEET };
    let (handle, env) = rt.block_on(open(&runtime, guest))?;
    let ids: Vec<String> = (0..100).map(|i| format!("i-{i}")).collect();
    let start = params::start_params(&Fixture::dummy(), "1", params::FAKE_NONCE);
    rt.block_on(async {
        for _ in 0..calls {
            match kind.as_str() {
                "version" => drop(black_box(handle.version().await?)),
                "instances" => drop(black_box(env.instances(&ids).await?)),
                "start" => drop(black_box(env.start_instance(start.clone()).await?)),
                "config" => drop(black_box(env.config().await?)),
                "instantiate" => {
                    let h = handle.component().instantiate(Grants::default()).await?;
                    drop(black_box(h.open(open_params()).await?));
                }
                other => bail!("unknown call {other}"),
            }
        }
        Ok(())
    })
}
