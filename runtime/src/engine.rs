//! The [`Runtime`]: one wasmtime engine with epoch interruption, its epoch
//! ticker, the sandbox linker, and the compile caches (in memory per
//! sha256, on disk across processes).

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wasmtime::component::{Component as WasmComponent, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use crate::audit::{Actor, Audit, Capability, Decision};
use crate::bindings::Indices;
use crate::cache::ArtifactCache;
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
            Some(dir) => Some(ArtifactCache::open(dir, &engine_id(&engine))?),
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
        let loaded = self.load_checked(bytes).await;
        let sha256 = crate::inspect::sha256_hex(bytes);
        let actor = Actor {
            provider: sha256[..12].to_string(),
            sha256,
            ..Actor::default()
        };
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

    async fn load_checked(&self, bytes: &[u8]) -> Result<Component> {
        let info = inspect(bytes)?;
        let cached = self
            .inner
            .loaded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&info.sha256)
            .map(Component::as_cached);
        if let Some(component) = cached {
            return Ok(component);
        }
        let (compiled, compile_time) = self.compile(bytes, &info.sha256).await?;
        let component = self.link(compiled, info, compile_time)?;
        // One trial instantiation type-checks every export against the
        // contract now rather than on the first call.
        drop(crate::ProviderHandle::new(component.clone(), Default::default()).await?);
        self.inner
            .loaded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(component.info().sha256.clone(), component.clone());
        Ok(component)
    }

    /// Compiled code for `bytes`: from the disk cache when a verified
    /// artifact exists, else compiled (on a blocking thread) and cached.
    /// Returns the compile time, `None` when it came from the cache.
    async fn compile(
        &self,
        bytes: &[u8],
        sha256: &str,
    ) -> Result<(WasmComponent, Option<Duration>)> {
        let inner = self.inner.clone();
        let bytes = bytes.to_vec();
        let sha256 = sha256.to_string();
        tokio::task::spawn_blocking(move || -> Result<_> {
            if let Some(disk) = &inner.disk
                && let Some(artifact) = disk.load(&sha256)
            {
                // SAFETY: `artifact` passed the tag check of the cache: it
                // is a file this runtime serialized itself with this
                // engine's configuration (the engine id is part of the tag).
                match unsafe { WasmComponent::deserialize(&inner.engine, artifact.payload()) } {
                    Ok(c) => return Ok((c, None)),
                    Err(e) => {
                        tracing::warn!(target: "strato::cache", error = %e, "cached artifact rejected by wasmtime; recompiling");
                    }
                }
            }
            let start = Instant::now();
            let compiled = WasmComponent::new(&inner.engine, &bytes)
                .map_err(|e| Error::InvalidComponent(format!("failed to compile: {e:#}")))?;
            let elapsed = start.elapsed();
            tracing::debug!(target: "strato::runtime", sha256, ?elapsed, "compiled component");
            if let Some(disk) = &inner.disk {
                let stored = compiled
                    .serialize()
                    .map_err(|e| Error::Cache(e.to_string()))
                    .and_then(|artifact| disk.store(&sha256, &artifact));
                if let Err(e) = stored {
                    tracing::warn!(target: "strato::cache", error = %e, "cannot cache compiled component");
                }
            }
            Ok((compiled, Some(elapsed)))
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
    if let Some(requested) = &config.pooling {
        let pooling = resolve(requested, config.memory_limit);
        let mut pooled = wasm.clone();
        configure_pool(&mut pooled, &pooling);
        match Engine::new(&pooled) {
            Ok(engine) => {
                tracing::debug!(target: "strato::runtime", ?pooling, "instances allocated from a pool");
                return Ok((engine, Some(pooling)));
            }
            Err(e) => {
                tracing::warn!(target: "strato::runtime", error = %e, ?pooling, "cannot reserve the instance pool; allocating instances on demand");
            }
        }
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

/// Sets `wasm` up for the pool `p` (resolved): each memory slot reserves
/// exactly the largest memory allowed instead of wasmtime's 4 GiB, so
/// 10,000 slots fit in a few TiB of address space; the price is explicit
/// bounds checks in compiled code instead of guard-page elision, which a
/// provider's short calls do not notice next to the host's work.
fn configure_pool(wasm: &mut Config, p: &Pooling) {
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
    wasm.memory_reservation(memory as u64)
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
    fn disk_cache_round_trips_a_real_component() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::new(Config::new().epoch_interruption(true)).unwrap();
        let cache = ArtifactCache::open(dir.path(), &engine_id(&engine)).unwrap();
        let compiled = WasmComponent::new(&engine, "(component)").unwrap();
        cache.store("00", &compiled.serialize().unwrap()).unwrap();
        let artifact = cache.load("00").unwrap();
        // SAFETY: verified artifact written by this test's cache.
        unsafe { WasmComponent::deserialize(&engine, artifact.payload()) }.unwrap();
        // The engine id is stable for one configuration.
        assert_eq!(engine_id(&engine), engine_id(&engine));
    }
}
