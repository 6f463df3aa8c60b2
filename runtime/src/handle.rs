//! The instance slot behind a [`ProviderHandle`]: one sandboxed instance at
//! a time, calls serialised through an async mutex, and replacement after a
//! failure.
//!
//! Every guest call runs armed: the store's clock gets the call deadline
//! (the epoch callback interrupts a spinning guest) and a tokio timeout
//! covers time spent awaiting the host. If the call traps, times out or
//! breaks the memory limit, the store is dropped on the spot and the error
//! names the function; the next call instantiates afresh from the
//! `InstancePre` (tens of microseconds). Resources the old instance held
//! are gone with it: an [`Environ`](crate::Environ) re-opens itself from its
//! stored parameters and latest config the next time it is used.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::MutexGuard;
use wasmtime::Store;
use wasmtime::component::ResourceAny;

use crate::audit::{Actor, Capability, Decision, Scope};
use crate::bindings::Guests;
use crate::component::Component;
use crate::domain::Domain;
use crate::error::{Error, ProviderError, Result};
use crate::grants::{Effective, EffectiveLimits, Grants, intersect};
use crate::inspect::{ComponentInfo, OptionalInterface};
use crate::limits::classify;
use crate::store::{StoreSpec, StoreState, new_store};

/// Arms the store, runs `$body` (a future using `$store` and `$guests`)
/// under the call timeout and settles the outcome, on a guard that already
/// holds a live instance. Evaluates to `Result<R>`.
macro_rules! run_on {
    ($handle:expr, $guard:expr, $function:expr, |$store:ident, $guests:ident| $body:expr) => {{
        let handle: &$crate::handle::ProviderHandle = $handle;
        let outcome = match $guard.as_mut() {
            Some(live) => {
                let timeout = handle.arm(&mut live.store, $function);
                // Cleared by `settle`; still set if the caller dropped this
                // future (cancelled the call) before it finished.
                live.in_call = true;
                let deadline = live.store.data().clock.deadline;
                let $store = &mut live.store;
                let $guests = &live.guests;
                $crate::store::within(deadline, timeout, $body).await
            }
            None => return Err($crate::handle::lost($function)),
        };
        handle.settle(&mut $guard, $function, outcome)
    }};
}

/// Acquires the instance (instantiating it if needed) and runs one call.
macro_rules! call_guest {
    ($handle:expr, $function:expr, |$store:ident, $guests:ident| $body:expr) => {{
        let handle: &$crate::handle::ProviderHandle = $handle;
        let mut guard = handle.acquire().await?;
        run_on!(handle, guard, $function, |$store, $guests| $body)
    }};
}

/// Like `call_guest!` for an optional provider-level interface:
/// `Error::NotSupported` when it is not exported (the guest is not
/// entered); its exports are loaded into the instance on first use.
macro_rules! call_optional {
    ($handle:expr, $iface:ident, $function:expr, |$store:ident, $guests:ident| $body:expr) => {{
        let handle: &$crate::handle::ProviderHandle = $handle;
        let iface = $crate::OptionalInterface::$iface;
        handle.require(iface)?;
        let mut guard = handle.acquire().await?;
        if let Some(live) = guard.as_mut() {
            live.ensure(iface)?;
        }
        run_on!(handle, guard, $function, |$store, $guests| $body)
    }};
}

pub(crate) use {call_guest, call_optional, run_on};

/// A resource whose owner went away; dropped in the guest on the next call.
pub(crate) enum Orphan {
    /// An environ, by id (its resource lives in `Live::environs`).
    Environ(u64),
    /// Any other resource, valid only in the instance of `generation`.
    Resource {
        generation: u64,
        resource: ResourceAny,
    },
}

/// The live instance of a handle.
pub(crate) struct Live {
    pub store: Store<StoreState>,
    pub guests: Guests,
    /// Counts instantiations of this handle; resources are tied to one.
    pub generation: u64,
    /// Environ id → its resource in this instance.
    pub environs: HashMap<u64, ResourceAny>,
    /// A call is running (or was abandoned mid-way by a cancelled caller).
    pub in_call: bool,
}

impl Live {
    /// Loads the exports of the optional interface `i` unless this instance
    /// already has them (type-checking them against the contract).
    pub fn ensure(&mut self, i: OptionalInterface) -> Result<()> {
        self.guests.ensure(&mut self.store, i).map_err(|e| {
            Error::InvalidComponent(format!(
                "export {} does not match the contract: {e}",
                i.wit_name()
            ))
        })
    }
}

/// The locked slot. If it is dropped while a call is still running —
/// the caller dropped its future (Juju's `Abort`) — the instance goes
/// with it at once, and with it every outgoing request it had in flight.
pub(crate) struct LiveGuard<'a>(MutexGuard<'a, Option<Live>>);

impl std::ops::Deref for LiveGuard<'_> {
    type Target = Option<Live>;
    fn deref(&self) -> &Option<Live> {
        &self.0
    }
}

impl std::ops::DerefMut for LiveGuard<'_> {
    fn deref_mut(&mut self) -> &mut Option<Live> {
        &mut self.0
    }
}

impl Drop for LiveGuard<'_> {
    fn drop(&mut self) {
        if self.0.as_ref().is_some_and(|live| live.in_call) {
            tracing::info!(target: "strato::runtime", "call cancelled by its caller; dropping the instance and its requests");
            *self.0 = None;
        }
    }
}

pub(crate) struct HandleInner {
    pub component: Component,
    pub grants: Grants,
    /// What instances get: declared ∩ granted.
    effective: Effective,
    limits: EffectiveLimits,
    /// The cloud and credential this handle serves.
    pub domain: Arc<Domain>,
    scope: Scope,
    live: tokio::sync::Mutex<Option<Live>>,
    generations: AtomicU64,
    /// Instance failures since the last successful call (for back-off).
    failures: AtomicU64,
    environ_ids: AtomicU64,
    orphans: Mutex<Vec<Orphan>>,
}

/// One sandboxed provider instance slot: `environs.EnvironProvider` plus the
/// optional provider-level interfaces.
///
/// Cloning is cheap and shares the slot; calls through all clones are
/// serialised. After a trap, deadline or memory-limit breach the instance is
/// replaced transparently on the next call.
#[derive(Clone)]
pub struct ProviderHandle {
    pub(crate) inner: Arc<HandleInner>,
}

impl std::fmt::Debug for ProviderHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderHandle")
            .field("sha256", &self.info().sha256)
            .field("wit_version", &self.info().wit_version)
            .finish_non_exhaustive()
    }
}

/// The error for a guard that unexpectedly holds no instance.
pub(crate) fn lost(function: &str) -> Error {
    Error::Engine(format!("{function}: no live provider instance"))
}

/// Consecutive failures tolerated before re-instantiation is delayed.
const BACKOFF_AFTER: u64 = 3;
/// First and longest delay before re-instantiating a failing provider.
const BACKOFF_MIN: Duration = Duration::from_millis(50);
const BACKOFF_MAX: Duration = Duration::from_secs(2);

/// The delay before instantiating again after `failures` consecutive
/// instance failures: none for the first few, then doubling up to a cap, so
/// a provider that keeps trapping is never retried in a hot loop.
fn backoff(failures: u64) -> Option<Duration> {
    let extra = failures.checked_sub(BACKOFF_AFTER)?;
    let factor = 1u32 << extra.min(16);
    Some(BACKOFF_MIN.saturating_mul(factor).min(BACKOFF_MAX))
}

/// Turns a guest-level `result<T, error>` into the crate's result.
pub(crate) fn flat<T>(r: Result<std::result::Result<T, ProviderError>>) -> Result<T> {
    r.and_then(|inner| inner.map_err(Error::Provider))
}

impl ProviderHandle {
    /// Creates a handle and instantiates it once, so that a component that
    /// cannot start fails here rather than on its first call.
    pub(crate) async fn new(component: Component, grants: Grants) -> Result<Self> {
        let c = &component.inner;
        let (effective, _) = intersect(&c.info.declared, &grants);
        let limits = EffectiveLimits::resolve(&grants.limits, &c.config);
        let domain = Arc::new(Domain::new(grants.secret_attributes.clone()));
        let scope = Scope::new(
            c.audit.clone(),
            Actor {
                provider: grants.name.clone().unwrap_or_else(|| c.label.to_string()),
                sha256: c.info.sha256.clone(),
                ..Actor::default()
            },
        );
        let handle = ProviderHandle {
            inner: Arc::new(HandleInner {
                effective,
                limits,
                domain,
                scope,
                component,
                grants,
                live: tokio::sync::Mutex::new(None),
                generations: AtomicU64::new(0),
                failures: AtomicU64::new(0),
                environ_ids: AtomicU64::new(0),
                orphans: Mutex::new(Vec::new()),
            }),
        };
        if let Some(cloud) = handle.inner.grants.cloud.clone() {
            handle.bind(&cloud).await?;
        }
        drop(handle.acquire().await?);
        Ok(handle)
    }

    /// The provider's name in audit events and logs.
    pub fn name(&self) -> String {
        self.inner.scope.actor().provider
    }

    /// The limits every call of this handle runs under.
    pub fn limits(&self) -> &EffectiveLimits {
        &self.inner.limits
    }

    pub(crate) fn scope(&self) -> &Scope {
        &self.inner.scope
    }

    /// What the component is and exports.
    pub fn info(&self) -> &ComponentInfo {
        self.inner.component.info()
    }

    /// The component this handle instantiates.
    pub fn component(&self) -> &Component {
        &self.inner.component
    }

    /// True when the component exports the optional interface `i`.
    pub fn supports(&self, i: OptionalInterface) -> bool {
        self.inner.component.inner.indices.supports(i)
    }

    /// How many times the instance was replaced after a trap, deadline or
    /// memory-limit breach.
    pub fn replacements(&self) -> u64 {
        self.inner
            .generations
            .load(Ordering::Relaxed)
            .saturating_sub(1)
    }

    /// The grants every instance of this handle gets.
    pub fn grants(&self) -> &Grants {
        &self.inner.grants
    }

    pub(crate) fn require(&self, i: OptionalInterface) -> Result<()> {
        if self.supports(i) {
            Ok(())
        } else {
            Err(Error::NotSupported {
                interface: i.wit_name(),
            })
        }
    }

    pub(crate) fn timeout(&self) -> Duration {
        self.inner.limits.call_timeout
    }

    pub(crate) fn next_environ_id(&self) -> u64 {
        self.inner.environ_ids.fetch_add(1, Ordering::Relaxed)
    }

    /// Queues a resource for dropping in the guest on the next call.
    pub(crate) fn orphan(&self, orphan: Orphan) {
        self.inner
            .orphans
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(orphan);
    }

    /// Sets the call deadline on the store; returns the timeout to apply.
    pub(crate) fn arm(&self, store: &mut Store<StoreState>, function: &str) -> Duration {
        let timeout = self.timeout();
        self.inner.scope.update(|a| {
            if a.method != function {
                a.method.clear();
                a.method.push_str(function);
            }
        });
        let clock = &mut store.data_mut().clock;
        clock.deadline = Some(Instant::now() + timeout);
        clock.expired = false;
        store.data().output.reset();
        // Yield to the executor on every epoch tick; the callback decides
        // when the deadline has passed.
        store.set_epoch_deadline(1);
        timeout
    }

    /// Finishes a call: disarms on success, drops the instance on failure.
    pub(crate) fn settle<R>(
        &self,
        guard: &mut LiveGuard<'_>,
        function: &str,
        outcome: std::result::Result<wasmtime::Result<R>, crate::store::TimedOut>,
    ) -> Result<R> {
        let timeout = self.timeout();
        match outcome {
            Ok(Ok(r)) => {
                if let Some(live) = guard.as_mut() {
                    live.store.data_mut().clock.deadline = None;
                    live.in_call = false;
                }
                self.inner.failures.store(0, Ordering::Relaxed);
                Ok(r)
            }
            Ok(Err(e)) => {
                self.inner.failures.fetch_add(1, Ordering::Relaxed);
                let err = classify(e, function, guard.as_ref().map(|l| l.store.data()), timeout);
                **guard = None;
                self.audit_failure(&err);
                Err(err)
            }
            Err(_) => {
                self.inner.failures.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(target: "strato::runtime", function, ?timeout, "guest call timed out; dropping the instance");
                **guard = None;
                let err = Error::Timeout {
                    function: function.to_string(),
                    after: timeout,
                };
                self.audit_failure(&err);
                Err(err)
            }
        }
    }

    /// Records the breach or trap that cost an instance.
    fn audit_failure(&self, err: &Error) {
        let limits = &self.inner.limits;
        let (capability, destination) = match err {
            Error::MemoryLimit { .. } => (
                Capability::Memory,
                format!("{} bytes of memory", limits.memory),
            ),
            Error::Timeout { after, .. } => (
                Capability::Time,
                format!("{:.1} s per call", after.as_secs_f64()),
            ),
            _ => (Capability::Trap, "instance".to_string()),
        };
        self.inner.scope.record(
            capability,
            destination,
            Decision::Denied,
            format!("{err}; the instance was replaced"),
        );
    }

    /// Locks the slot, instantiating if needed and dropping orphaned
    /// resources first.
    pub(crate) async fn acquire(&self) -> Result<LiveGuard<'_>> {
        // A cancelled call's instance was dropped with its guard (see
        // `LiveGuard`): the guest stopped wherever it was and could not be
        // trusted or re-entered.
        let mut guard = LiveGuard(self.inner.live.lock().await);
        if guard.is_none() {
            *guard = Some(self.instantiate().await?);
        }
        self.drop_orphans(&mut guard).await;
        if guard.is_none() {
            *guard = Some(self.instantiate().await?);
        }
        Ok(guard)
    }

    async fn drop_orphans(&self, guard: &mut LiveGuard<'_>) {
        let orphans =
            std::mem::take(&mut *self.inner.orphans.lock().unwrap_or_else(|e| e.into_inner()));
        for orphan in orphans {
            let Some(live) = guard.as_mut() else { return };
            let resource = match orphan {
                Orphan::Environ(id) => live.environs.remove(&id),
                Orphan::Resource {
                    generation,
                    resource,
                } => (generation == live.generation).then_some(resource),
            };
            let Some(resource) = resource else { continue };
            let dropped: Result<()> = (async {
                run_on!(self, *guard, "resource-drop", |store, _guests| resource
                    .resource_drop_async(store))
            })
            .await;
            if let Err(e) = dropped {
                tracing::warn!(target: "strato::runtime", error = %e, "dropping a guest resource failed");
            }
        }
    }

    async fn instantiate(&self) -> Result<Live> {
        let c = &self.inner.component.inner;
        let failures = self.inner.failures.load(Ordering::Relaxed);
        if let Some(delay) = backoff(failures) {
            tracing::warn!(target: "strato::runtime", provider = %c.label, failures, ?delay, "provider keeps failing; backing off before re-instantiating");
            tokio::time::sleep(delay).await;
        }
        let generation = self.inner.generations.fetch_add(1, Ordering::Relaxed);
        let mut store = new_store(
            &c.engine,
            StoreSpec {
                effective: &self.inner.effective,
                hooks: self.inner.grants.hooks.clone(),
                limits: &self.inner.limits,
                label: c.label.clone(),
                domain: self.inner.domain.clone(),
                scope: self.inner.scope.clone(),
            },
        )?;
        let timeout = self.arm(&mut store, "instantiate");
        let outcome = tokio::time::timeout(timeout, c.pre.instantiate_async(&mut store)).await;
        let instance = match outcome {
            Ok(Ok(instance)) => instance,
            Ok(Err(e)) => {
                self.inner.failures.fetch_add(1, Ordering::Relaxed);
                let err = classify(e, "instantiate", Some(store.data()), timeout);
                self.audit_failure(&err);
                return Err(err);
            }
            Err(_) => {
                self.inner.failures.fetch_add(1, Ordering::Relaxed);
                let err = Error::Timeout {
                    function: "instantiate".into(),
                    after: timeout,
                };
                self.audit_failure(&err);
                return Err(err);
            }
        };
        store.data_mut().clock.deadline = None;
        let guests = c.indices.load(&mut store, &instance).map_err(|e| {
            Error::InvalidComponent(format!("exports do not match the contract: {e}"))
        })?;
        if generation > 0 {
            tracing::info!(target: "strato::runtime", provider = %c.label, generation, "provider instance replaced");
        }
        Ok(Live {
            store,
            guests,
            generation,
            environs: HashMap::new(),
            in_call: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_starts_late_and_is_capped() {
        assert_eq!(backoff(0), None);
        assert_eq!(backoff(BACKOFF_AFTER - 1), None);
        assert_eq!(backoff(BACKOFF_AFTER), Some(BACKOFF_MIN));
        assert_eq!(backoff(BACKOFF_AFTER + 1), Some(BACKOFF_MIN * 2));
        assert_eq!(backoff(1000), Some(BACKOFF_MAX));
    }
}
