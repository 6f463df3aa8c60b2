//! The [`Runtime`]: one wasmtime engine with epoch interruption, its epoch
//! ticker, the sandbox linker, and the compile caches (in memory per
//! component, on disk across processes: `cache.rs`).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wasmtime::component::{Component as WasmComponent, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::audit::{Actor, Audit, Capability, Decision};
use crate::bindings::Indices;
use crate::cache::{ArtifactCache, Hit, Lookup};
use crate::component::{Component, ComponentInner};
use crate::config::{Pooling, RuntimeConfig};
use crate::error::{Error, Result};
use crate::host;
use crate::inspect::{ComponentInfo, inspect};
use crate::store::StoreState;

/// How often the epoch advances: the granularity of call deadlines and of
/// the yields that keep a spinning guest from hogging an executor thread.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// The wasmtime major version compiled in (artifacts are also checked
/// against the exact version through the engine fingerprint).
const WASMTIME_MAJOR: &str = "48";

struct RuntimeInner {
    engine: Engine,
    linker: Linker<StoreState>,
    config: RuntimeConfig,
    disk: Option<ArtifactCache>,
    loaded: Mutex<HashMap<String, Component>>,
    audit: Audit,
    /// The pool the engine allocates instances from; `None` = on demand.
    pooling: Option<Pooling>,
}

/// Loads provider components: engine, epoch ticker and compile cache.
///
/// Cloning is cheap and shares everything.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<RuntimeInner>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// Creates the engine, starts the epoch ticker and opens the disk cache
    /// (when `config.cache_dir` is set).
    pub fn new(config: RuntimeConfig) -> Result<Runtime> {
        let (engine, pooling) = build_engine(&config)?;
        start_ticker(&engine)?;
        let mut linker = Linker::new(&engine);
        host::wasi::add_to_linker(&mut linker)
            .and_then(|()| host::add_to_linker(&mut linker))
            .map_err(|e| Error::Engine(format!("cannot build the sandbox linker: {e}")))?;
        let disk = match &config.cache_dir {
            Some(dir) => Some(ArtifactCache::open(
                dir,
                &engine_id(&engine),
                &checked_under(&config, pooling.as_ref()),
                config.verify_cache,
            )?),
            None => None,
        };
        Ok(Runtime {
            inner: Arc::new(RuntimeInner {
                engine,
                linker,
                config,
                disk,
                loaded: Mutex::new(HashMap::new()),
                audit: Audit::new(),
                pooling,
            }),
        })
    }

    /// The audit hub: every capability decision of every provider this
    /// runtime loads (see [`Audit::subscribe`]).
    pub fn audit(&self) -> &Audit {
        &self.inner.audit
    }

    /// The settings the runtime was created with.
    pub fn config(&self) -> &RuntimeConfig {
        &self.inner.config
    }

    /// The instance pool in use (see [`RuntimeConfig::pooling`]), sized as
    /// resolved; `None` when instances are allocated on demand (asked for,
    /// or the pool could not be reserved).
    pub fn pooling(&self) -> Option<&Pooling> {
        self.inner.pooling.as_ref()
    }

    /// Reads and loads a component file. See [`Runtime::load_bytes`].
    pub async fn load_file(&self, path: &Path) -> Result<Component> {
        let bytes = tokio::fs::read(path)
            .await
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        self.load_bytes(&bytes).await
    }

    /// Checks, compiles (or fetches from the caches) and links a component.
    ///
    /// Rejects, with [`Error::InvalidComponent`] saying what is wrong: bytes
    /// that are not WebAssembly, a core module, a component that does not
    /// export `juju:environs/provider` (another world), and a component that
    /// imports anything the sandbox does not offer.
    pub async fn load_bytes(&self, bytes: &[u8]) -> Result<Component> {
        // The key of both caches: BLAKE3 of the bytes, as collision-resistant
        // as the SHA-256 that names the component (in its info and the
        // audit) and several times faster; a cache hit reads the SHA-256
        // from the record written with the artifact instead of hashing the
        // component a second time.
        let key = blake3::hash(bytes).to_hex();
        let loaded = self.load_checked(bytes, &key).await;
        let actor = load_actor(match &loaded {
            Ok(c) => c.info().sha256.clone(),
            Err(_) => crate::inspect::sha256_hex(bytes),
        });
        let destination = format!("{} bytes", bytes.len());
        let event = match &loaded {
            Ok(c) => actor.event(
                Capability::Load,
                destination,
                Decision::Allowed,
                format!("juju:environs@{} provider", c.info().wit_version),
            ),
            Err(e) => actor.event(
                Capability::Load,
                destination,
                Decision::Denied,
                e.to_string(),
            ),
        };
        self.inner.audit.record(event);
        loaded
    }

    async fn load_checked(&self, bytes: &[u8], key: &str) -> Result<Component> {
        let cached = self
            .inner
            .loaded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .map(Component::as_cached);
        if let Some(component) = cached {
            return Ok(component);
        }
        let component = match self.load_cached(bytes, key).await? {
            Some(component) => component,
            None => {
                let info = inspect(bytes)?;
                let (compiled, compile_time) = self.compile(bytes, &info.sha256).await?;
                let component = self.link(compiled, info, Some(compile_time))?;
                self.trial(&component).await?;
                self.store(key, &component, None).await;
                component
            }
        };
        self.inner
            .loaded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.to_string(), component.clone());
        Ok(component)
    }

    /// One trial instantiation type-checks every export against the
    /// contract (and instantiates under this runtime's limits) now rather
    /// than on the first call.
    async fn trial(&self, component: &Component) -> Result<()> {
        drop(crate::ProviderHandle::new(component.clone(), Default::default()).await?);
        Ok(())
    }

    /// The component from the disk cache, `None` when it has no usable
    /// entry. A record is written only once `inspect`, compilation, linking
    /// and the trial instantiation all passed, and says which build of the
    /// runtime under which limits checked it: when that is this one, the
    /// cached [`ComponentInfo`] replaces `inspect` (no parse of the
    /// component) and the trial instantiation is skipped, since for the
    /// same bytes, bindings and limits it can only pass again. Linking
    /// (`instantiate_pre` against this process's linker, the export
    /// indices) runs on every load. Otherwise both run again and the record
    /// is rewritten.
    async fn load_cached(&self, bytes: &[u8], key: &str) -> Result<Option<Component>> {
        let Some(disk) = &self.inner.disk else {
            return Ok(None);
        };
        let engine = &self.inner.engine;
        // On this thread: a few file system calls and a mapping, a few
        // hundred µs whatever the artifact's size; handing them to the
        // blocking pool cost more in thread wake-ups than they take.
        let found = short_blocking(|| {
            match disk.lookup(key) {
                Lookup::Miss => None,
                Lookup::Refused { file, reason } => Some(Err((file, reason))),
                // SAFETY: the entry passed the cache's checks (see
                // `cache.rs`): a file this runtime serialized with this
                // engine's configuration, in a directory only this user
                // can write, of the length it was written with.
                Lookup::Hit(hit) => {
                    match unsafe { WasmComponent::deserialize_file(engine, &hit.artifact) } {
                        Ok(compiled) => Some(Ok((compiled, *hit))),
                        Err(e) => {
                            disk.remove(key);
                            Some(Err((hit.artifact, format!("wasmtime refused it: {e:#}"))))
                        }
                    }
                }
            }
        });
        let (compiled, mut hit) = match found {
            None => return Ok(None),
            Some(Ok(found)) => found,
            Some(Err((file, reason))) => {
                tracing::warn!(target: "strato::cache", path = %file.display(), reason, "cached artifact refused; recompiling");
                let actor = load_actor(crate::inspect::sha256_hex(bytes));
                self.inner.audit.record(actor.event(
                    Capability::Load,
                    file.display().to_string(),
                    Decision::Denied,
                    format!("cached artifact refused, recompiling: {reason}"),
                ));
                return Ok(None);
            }
        };
        let Some(info) = hit.info.take() else {
            let component = self.link(compiled, inspect(bytes)?, None)?;
            self.trial(&component).await?;
            self.store(key, &component, Some(hit)).await;
            return Ok(Some(component));
        };
        self.link(compiled, info, None).map(Some)
    }

    /// Writes `component`'s artifact and record to the disk cache (only
    /// the record for a `hit` re-checked). Failures are logged: the
    /// component is loaded either way.
    async fn store(&self, key: &str, component: &Component, hit: Option<Hit>) {
        if self.inner.disk.is_none() {
            return;
        }
        let inner = self.inner.clone();
        let key = key.to_string();
        let compiled = component.inner.pre.component().clone();
        let info = component.info().clone();
        let stored = tokio::task::spawn_blocking(move || {
            let disk = inner.disk.as_ref().expect("checked above");
            match hit {
                Some(hit) => disk.restamp(&key, hit, &info),
                None => compiled
                    .serialize()
                    .map_err(|e| Error::Cache(e.to_string()))
                    .and_then(|artifact| disk.store(&key, &artifact, &info)),
            }
        })
        .await
        .unwrap_or_else(|e| Err(Error::Cache(format!("cache task failed: {e}"))));
        if let Err(e) = stored {
            tracing::warn!(target: "strato::cache", error = %e, "cannot cache compiled component");
        }
    }

    /// Compiles `bytes` on a blocking thread; returns the compile time.
    async fn compile(&self, bytes: &[u8], sha256: &str) -> Result<(WasmComponent, Duration)> {
        let engine = self.inner.engine.clone();
        let bytes = bytes.to_vec();
        let sha256 = sha256.to_string();
        tokio::task::spawn_blocking(move || -> Result<_> {
            let start = Instant::now();
            let compiled = WasmComponent::new(&engine, &bytes)
                .map_err(|e| Error::InvalidComponent(format!("failed to compile: {e:#}")))?;
            let elapsed = start.elapsed();
            tracing::debug!(target: "strato::runtime", sha256, ?elapsed, "compiled component");
            Ok((compiled, elapsed))
        })
        .await
        .map_err(|e| Error::Engine(format!("compile task failed: {e}")))?
    }

    fn link(
        &self,
        compiled: WasmComponent,
        mut info: ComponentInfo,
        compile_time: Option<Duration>,
    ) -> Result<Component> {
        // `wasi:sockets` imports (accepted by `inspect` only at 0.2) are
        // linked to functions that trap: the sandbox still has no sockets.
        let stubbed;
        let linker = if info.imports.iter().any(|i| crate::inspect::is_stubbed(i)) {
            let mut with_stubs = self.inner.linker.clone();
            host::wasi::stub_sockets(&mut with_stubs, &self.inner.engine, &compiled)
                .map_err(|e| Error::Engine(format!("cannot stub wasi:sockets: {e:#}")))?;
            stubbed = with_stubs;
            &stubbed
        } else {
            &self.inner.linker
        };
        let pre = linker.instantiate_pre(&compiled).map_err(|e| {
            Error::InvalidComponent(format!(
                "imports something the sandbox does not offer: {e:#}"
            ))
        })?;
        let indices = Indices::new(&pre, &info.wit_version)?;
        info.from_cache = compile_time.is_none();
        info.compile_time = compile_time;
        let label: Arc<str> = Arc::from(&info.sha256[..info.sha256.len().min(12)]);
        Ok(Component {
            inner: Arc::new(ComponentInner {
                engine: self.inner.engine.clone(),
                pre,
                indices,
                info,
                config: self.inner.config.clone(),
                audit: self.inner.audit.clone(),
                label,
            }),
        })
    }
}

/// Core instances, linear memories and tables the pool holds per provider
/// instance, on average over all live instances. A Rust provider needs a
/// few core instances (its module plus the canonical-ABI shims), one memory
/// and one or two tables; Python and JavaScript providers (CPython or a JS
/// engine linked from several modules) take more, paid by the slack of the
/// small ones. Core instances are only counted; memories and tables are
/// slots of reserved address space.
const CORE_INSTANCES_PER_INSTANCE: u32 = 16;
const MEMORIES_PER_INSTANCE: u32 = 2;
const TABLES_PER_INSTANCE: u32 = 2;
/// Largest table a module may define, as in the limiter (big guests hold
/// tens of thousands of function references).
const TABLE_ELEMENTS: usize = 1 << 20;
/// Tables and memories one core module may define: above what toolchains
/// produce, small enough to keep each instance's metadata compact.
const TABLES_PER_MODULE: u32 = 8;
const MEMORIES_PER_MODULE: u32 = 2;
/// Linear memory pages are 64 KiB.
const WASM_PAGE: usize = 64 << 10;

/// The engine: with the instance pool `config` asks for, or on demand when
/// the pool cannot be reserved (a small `ulimit -v`, a 32-bit address
/// space), which is logged. Returns the pool actually in use.
fn build_engine(config: &RuntimeConfig) -> Result<(Engine, Option<Pooling>)> {
    let mut wasm = Config::new();
    wasm.wasm_component_model(true).epoch_interruption(true);
    // No `.eh_frame` for compiled guests: wasmtime's own trap backtraces do
    // not need it (frame pointers), and registering it with the system
    // unwinder function by function was a large part of every cached load.
    wasm.native_unwind_info(false);
    if let Some(requested) = &config.pooling {
        let pooling = resolve(requested, config.memory_limit);
        for reservation in reservations(&pooling) {
            let mut pooled = wasm.clone();
            configure_pool(&mut pooled, &pooling, reservation);
            match Engine::new(&pooled) {
                Ok(engine) => {
                    tracing::debug!(target: "strato::runtime", ?pooling, reservation, "instances allocated from a pool");
                    return Ok((engine, Some(pooling)));
                }
                Err(e) => {
                    tracing::warn!(target: "strato::runtime", error = %e, ?pooling, reservation, "cannot reserve the instance pool with this reservation per memory");
                }
            }
        }
        tracing::warn!(target: "strato::runtime", ?pooling, "allocating instances on demand");
    }
    let engine = Engine::new(&wasm).map_err(|e| Error::Engine(e.to_string()))?;
    Ok((engine, None))
}

/// `requested` with its defaults filled in from `memory_limit`.
fn resolve(requested: &Pooling, memory_limit: usize) -> Pooling {
    let instances = requested.max_instances.max(1);
    let memory = requested.max_memory.unwrap_or(memory_limit).max(WASM_PAGE);
    Pooling {
        max_instances: instances,
        max_concurrent_calls: Some(requested.max_concurrent_calls.unwrap_or(instances).max(1)),
        max_memory: Some(memory.div_ceil(WASM_PAGE).saturating_mul(WASM_PAGE)),
    }
}

/// The address space each memory slot of the pool `p` (resolved) may
/// reserve, best first. wasmtime's default 4 GiB (plus its 32 MiB guard)
/// lets Cranelift drop the bounds check of every load and store of a
/// 32-bit memory — an out-of-bounds access faults in the reservation —
/// which makes guest code a little faster (`instances(100)` in
/// `bench/benches/calls.rs`: ~2 % fewer instructions, ~5 % less time on a
/// noisy machine). It costs address space
/// only: 2,000 memory slots (the default 1,000 instances) reserve 8 TiB of
/// x86-64's 128 TiB, 10,000 instances would take 80 TiB. So a pool gets
/// the large reservation while all its memory slots fit in
/// [`ELIDING_BUDGET`] (up to about 4,000 instances), else, or when the
/// large one cannot be reserved, each slot reserves exactly the largest
/// memory allowed (bounds checks compiled in, 10,000 instances in a few
/// TiB).
fn reservations(p: &Pooling) -> Vec<u64> {
    let memory = p.max_memory.unwrap_or(WASM_PAGE) as u64;
    let slots = u64::from(p.max_instances.saturating_mul(MEMORIES_PER_INSTANCE));
    let eliding = slots.saturating_mul(ELIDING_RESERVATION + MEMORY_GUARD) <= ELIDING_BUDGET;
    if eliding && memory < ELIDING_RESERVATION {
        vec![ELIDING_RESERVATION, memory]
    } else {
        vec![memory]
    }
}

/// wasmtime's default reservation per linear memory on 64-bit hosts, the
/// size at which bounds checks are elided (see [`reservations`]).
const ELIDING_RESERVATION: u64 = 4 << 30;
/// wasmtime's default guard region after each memory slot (64-bit hosts).
const MEMORY_GUARD: u64 = 32 << 20;
/// The most address space one runtime's pool reserves for memories to get
/// [`ELIDING_RESERVATION`] per slot: a quarter of x86-64's 128 TiB user
/// space, so that several runtimes still fit in one process.
const ELIDING_BUDGET: u64 = 32 << 40;

/// Sets `wasm` up for the pool `p` (resolved) with `reservation` bytes of
/// address space per memory slot (see [`reservations`]).
fn configure_pool(wasm: &mut Config, p: &Pooling, reservation: u64) {
    let instances = p.max_instances;
    let memory = p.max_memory.unwrap_or(WASM_PAGE);
    let mut pool = PoolingAllocationConfig::new();
    pool.total_component_instances(instances)
        .total_core_instances(instances.saturating_mul(CORE_INSTANCES_PER_INSTANCE))
        .total_memories(instances.saturating_mul(MEMORIES_PER_INSTANCE))
        .total_tables(instances.saturating_mul(TABLES_PER_INSTANCE))
        .total_stacks(p.max_concurrent_calls.unwrap_or(instances))
        .max_memory_size(memory)
        .table_elements(TABLE_ELEMENTS)
        .max_tables_per_module(TABLES_PER_MODULE)
        .max_memories_per_module(MEMORIES_PER_MODULE);
    // Freed slots keep nothing resident (wasmtime's default, `madvise`):
    // keeping pages for a faster re-instantiation would cost up to that
    // much per slot ever used, for good, in a host holding thousands.
    wasm.memory_reservation(reservation)
        .memory_guard_size(MEMORY_GUARD)
        .memory_init_cow(true)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
}

/// Identifies compiled code: wasmtime version plus a fingerprint of every
/// engine setting that affects it.
fn engine_id(engine: &Engine) -> String {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    format!("wasmtime{WASMTIME_MAJOR}-{:016x}", hasher.finish())
}

/// The audit's actor for loading the component `sha256`.
fn load_actor(sha256: String) -> Actor {
    Actor {
        provider: sha256[..12.min(sha256.len())].to_string(),
        sha256,
        ..Actor::default()
    }
}

/// Runs `f`, a short blocking step, on this thread; on a multi-thread
/// runtime the worker's other tasks move to another thread meanwhile.
fn short_blocking<R>(f: impl FnOnce() -> R) -> R {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// What a cached record's load checks depend on besides the component,
/// the engine and the runtime build: the limits an instance gets.
fn checked_under(config: &RuntimeConfig, pooling: Option<&Pooling>) -> String {
    format!("memory_limit={} pooling={pooling:?}", config.memory_limit)
}

/// Advances the engine's epoch every tick until the engine is gone.
fn start_ticker(engine: &Engine) -> Result<()> {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("strato-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .map(drop)
        .map_err(|e| Error::Engine(format!("cannot start the epoch ticker: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn loading_garbage_names_the_problem() {
        let rt = Runtime::new(RuntimeConfig::default()).unwrap();
        let err = rt.load_bytes(b"garbage!garbage!").await.unwrap_err();
        assert!(matches!(err, Error::InvalidComponent(_)));
        assert!(
            err.to_string().contains("not a WebAssembly binary"),
            "{err}"
        );
        let err = rt
            .load_file(Path::new("/nonexistent/provider.wasm"))
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent/provider.wasm"),
            "{err}"
        );
    }

    #[test]
    fn pools_too_large_for_4_gib_reservations_get_exact_ones() {
        let pool = |n| {
            let requested = Pooling {
                max_instances: n,
                ..Pooling::default()
            };
            resolve(&requested, 256 << 20)
        };
        assert_eq!(reservations(&pool(1_000)), vec![4 << 30, 256 << 20]);
        assert_eq!(reservations(&pool(10_000)), vec![256 << 20]);
    }

    #[test]
    fn disk_cache_round_trips_a_real_component() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::new(Config::new().epoch_interruption(true)).unwrap();
        let cache = ArtifactCache::open(dir.path(), &engine_id(&engine), "", false).unwrap();
        let compiled = WasmComponent::new(&engine, "(component)").unwrap();
        let artifact = compiled.serialize().unwrap();
        let info = crate::cache::tests::info("00");
        cache.store("00", &artifact, &info).unwrap();
        let Lookup::Hit(hit) = cache.lookup("00") else {
            panic!("not found")
        };
        // SAFETY: checked artifact written by this test's cache.
        unsafe { WasmComponent::deserialize_file(&engine, &hit.artifact) }.unwrap();
        // The engine id is stable for one configuration.
        assert_eq!(engine_id(&engine), engine_id(&engine));

        // A truncated artifact is refused, never mapped.
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(&hit.artifact)
            .unwrap();
        file.set_len(artifact.len() as u64 / 2).unwrap();
        assert!(matches!(cache.lookup("00"), Lookup::Refused { .. }));
    }
}
