//! `environs.Environ` and everything it embeds, as async methods of
//! [`Environ`]; the bootstrap finalizer; the host-derived sentinels.
//!
//! An `Environ` is a handle, not the guest resource itself: it keeps the
//! [`OpenParams`] it was opened with and its latest config. When the
//! provider instance is replaced after a failure, the next call re-opens the
//! environ on the fresh instance from those, transparently.

use std::sync::{Arc, Mutex};

use crate::error::{Error, Result};
use crate::handle::{Orphan, ProviderHandle, flat, run_on};
use crate::sentinels::{controller_instances_result, instances_result};
use crate::types::{
    Attrs, BootstrapDialOpts, BootstrapParams, Constraints, ConstraintsRules, CreateParams,
    Instance, InstanceConfig, InstanceTypesWithCost, OpenParams, PrecheckInstanceParams,
    StartInstanceParams, StartInstanceResult, StorageProviderInfo, VersionNumber,
};
use wasmtime::component::ResourceAny;

/// Runs one call on the environ's resource (re-opening it first if the
/// instance was replaced). `$res` is the environ resource.
macro_rules! call_environ {
    ($env:expr, $function:expr, |$store:ident, $guests:ident, $res:ident| $body:expr) => {{
        let env: &$crate::environ::Environ = $env;
        let handle = env.provider();
        let mut guard = handle.acquire_environ(env).await?;
        let $res = env.resource(&guard)?;
        $crate::handle::run_on!(handle, guard, $function, |$store, $guests| $body)
    }};
}

/// `call_environ!` for an optional environ-level interface:
/// `Error::NotSupported` when it is not exported (the guest is not
/// entered); its exports are loaded into the instance on first use.
macro_rules! call_environ_optional {
    ($env:expr, $iface:ident, $function:expr, |$store:ident, $guests:ident, $res:ident| $body:expr) => {{
        let env: &$crate::environ::Environ = $env;
        let handle = env.provider();
        let iface = $crate::OptionalInterface::$iface;
        handle.require(iface)?;
        let mut guard = handle.acquire_environ(env).await?;
        if let Some(live) = guard.as_mut() {
            live.ensure(iface)?;
        }
        let $res = env.resource(&guard)?;
        $crate::handle::run_on!(handle, guard, $function, |$store, $guests| $body)
    }};
}

pub(crate) use call_environ_optional;

struct EnvironInner {
    id: u64,
    provider: ProviderHandle,
    /// What `open` was called with; `config` tracks `set_config`.
    params: Mutex<OpenParams>,
}

impl Drop for EnvironInner {
    fn drop(&mut self) {
        self.provider.orphan(Orphan::Environ(self.id));
    }
}

/// An opened model on a cloud (`environs.Environ`).
///
/// Cloning shares the environ. It survives the replacement of its
/// provider's instance: see the module docs.
#[derive(Clone)]
pub struct Environ {
    inner: Arc<EnvironInner>,
}

impl std::fmt::Debug for Environ {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Environ")
            .field("id", &self.inner.id)
            .finish_non_exhaustive()
    }
}

/// `environs.BootstrapResult`.
#[derive(Debug)]
pub struct BootstrapResult {
    /// Architecture of the bootstrap machine.
    pub arch: String,
    /// Series of the bootstrap machine.
    pub series: String,
    /// Finishes the bootstrap (`CloudBootstrapFinalizer`).
    pub finalizer: BootstrapFinalizer,
}

/// `environs.CloudBootstrapFinalizer`: the closure `Bootstrap` returns.
///
/// It is tied to the provider instance that bootstrapped; if that instance
/// is replaced before `finalize`, finalizing fails with
/// [`Error::InstanceReplaced`].
#[derive(Debug)]
pub struct BootstrapFinalizer {
    provider: ProviderHandle,
    resource: ResourceAny,
    generation: u64,
}

impl BootstrapFinalizer {
    /// Finishes bootstrap: transfers the agent and starts the controller.
    pub async fn finalize(self, cfg: InstanceConfig, opts: BootstrapDialOpts) -> Result<()> {
        let function = "bootstrap-finalizer.finalize";
        let handle = &self.provider;
        let mut guard = handle.acquire().await?;
        if guard.as_ref().map(|l| l.generation) != Some(self.generation) {
            return Err(Error::InstanceReplaced {
                function: function.into(),
            });
        }
        let resource = self.resource;
        flat(run_on!(handle, guard, function, |store, g| g
            .finalize(store, resource, &cfg, opts)))
    }
}

impl Drop for BootstrapFinalizer {
    fn drop(&mut self) {
        self.provider.orphan(Orphan::Resource {
            generation: self.generation,
            resource: self.resource,
        });
    }
}

impl ProviderHandle {
    /// Acquires the instance with `env` open in it, re-opening it from its
    /// stored parameters if the instance was replaced.
    pub(crate) async fn acquire_environ(
        &self,
        env: &Environ,
    ) -> Result<crate::handle::LiveGuard<'_>> {
        let mut guard = self.acquire().await?;
        let open = guard
            .as_ref()
            .is_some_and(|l| l.environs.contains_key(&env.inner.id));
        if !open {
            let params = env.open_params();
            tracing::info!(target: "strato::runtime", environ = env.inner.id, "re-opening environ on a fresh provider instance");
            let resource = flat(run_on!(self, guard, "open", |store, g| g.open(store, &params)))?;
            match guard.as_mut() {
                Some(live) => {
                    live.environs.insert(env.inner.id, resource);
                }
                None => return Err(crate::handle::lost("open")),
            }
        }
        Ok(guard)
    }
}

impl Environ {
    pub(crate) fn new(provider: ProviderHandle, id: u64, params: OpenParams) -> Self {
        Environ {
            inner: Arc::new(EnvironInner {
                id,
                provider,
                params: Mutex::new(params),
            }),
        }
    }

    pub(crate) fn resource(&self, guard: &crate::handle::LiveGuard<'_>) -> Result<ResourceAny> {
        guard
            .as_ref()
            .and_then(|l| l.environs.get(&self.inner.id).copied())
            .ok_or_else(|| crate::handle::lost("environ"))
    }

    /// The parameters a re-open uses: the original ones with the latest config.
    pub fn open_params(&self) -> OpenParams {
        self.inner
            .params
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// `Environ.Provider()`.
    pub fn provider(&self) -> &ProviderHandle {
        &self.inner.provider
    }

    /// `Config`: the configuration the environ was opened or last set with.
    pub async fn config(&self) -> Result<Attrs> {
        flat(call_environ!(self, "config", |store, g, env| g.config(store, env)))
    }

    /// `SetConfig`. On success the environ remembers `cfg` for re-opening.
    pub async fn set_config(&self, cfg: Attrs) -> Result<()> {
        flat(call_environ!(self, "set-config", |store, g, env| g
            .set_config(store, env, &cfg)))?;
        self.inner
            .params
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .config = cfg;
        Ok(())
    }

    /// `PrepareForBootstrap`.
    pub async fn prepare_for_bootstrap(&self) -> Result<()> {
        flat(call_environ!(
            self,
            "prepare-for-bootstrap",
            |store, g, env| g.prepare_for_bootstrap(store, env)
        ))
    }

    /// `Bootstrap`: returns the machine's arch and series and the finalizer.
    pub async fn bootstrap(&self, p: BootstrapParams) -> Result<BootstrapResult> {
        let function = "bootstrap";
        let handle = self.provider();
        let mut guard = handle.acquire_environ(self).await?;
        let env = self.resource(&guard)?;
        let generation = guard.as_ref().map(|l| l.generation).unwrap_or_default();
        let result = flat(run_on!(handle, guard, function, |store, g| g
            .bootstrap(store, env, &p)))?;
        Ok(BootstrapResult {
            arch: result.arch,
            series: result.series,
            finalizer: BootstrapFinalizer {
                provider: handle.clone(),
                resource: result.finalizer,
                generation,
            },
        })
    }

    /// `Create`: a new hosted model.
    pub async fn create(&self, p: CreateParams) -> Result<()> {
        flat(call_environ!(self, "create", |store, g, env| g.create(store, env, &p)))
    }

    /// `Destroy`: idempotent.
    pub async fn destroy(&self) -> Result<()> {
        flat(call_environ!(self, "destroy", |store, g, env| g.destroy(store, env)))
    }

    /// `DestroyController`.
    pub async fn destroy_controller(&self, controller_uuid: &str) -> Result<()> {
        flat(call_environ!(
            self,
            "destroy-controller",
            |store, g, env| g.destroy_controller(store, env, controller_uuid)
        ))
    }

    /// `AdoptResources`.
    pub async fn adopt_resources(&self, controller_uuid: &str, from: VersionNumber) -> Result<()> {
        flat(call_environ!(self, "adopt-resources", |store, g, env| g
            .adopt_resources(store, env, controller_uuid, &from)))
    }

    /// `ConstraintsValidator`, as the rules the host applies.
    pub async fn constraints_validator(&self) -> Result<ConstraintsRules> {
        flat(call_environ!(
            self,
            "constraints-validator",
            |store, g, env| g.constraints_validator(store, env)
        ))
    }

    /// `StartInstance`. Status and cleanup callbacks reach the granted
    /// [`crate::HostHooks`].
    pub async fn start_instance(&self, p: StartInstanceParams) -> Result<StartInstanceResult> {
        flat(call_environ!(self, "start-instance", |store, g, env| g
            .start_instance(store, env, &p)))
    }

    /// `StopInstances`: unknown ids are ignored.
    pub async fn stop_instances(&self, ids: &[String]) -> Result<()> {
        flat(call_environ!(self, "stop-instances", |store, g, env| g
            .stop_instances(store, env, ids)))
    }

    /// `AllInstances`.
    pub async fn all_instances(&self) -> Result<Vec<Instance>> {
        flat(call_environ!(self, "all-instances", |store, g, env| g
            .all_instances(store, env)))
    }

    /// `MaintainInstance`.
    pub async fn maintain_instance(&self, p: StartInstanceParams) -> Result<()> {
        flat(call_environ!(self, "maintain-instance", |store, g, env| g
            .maintain_instance(store, env, &p)))
    }

    /// `Instances`: all found → `Ok` in request order; none found →
    /// [`Error::NoInstances`]; some → [`Error::PartialInstances`] with `None`
    /// slots. An empty `ids` is `Ok(vec![])` without calling the provider.
    pub async fn instances(&self, ids: &[String]) -> Result<Vec<Instance>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let slots = flat(call_environ!(self, "instances", |store, g, env| g
            .instances(store, env, ids)))?;
        instances_result(ids.len(), slots)
    }

    /// `ControllerInstances`: ids of the controller machines; none →
    /// [`Error::NoInstances`]; the provider's `not-bootstrapped` →
    /// [`Error::NotBootstrapped`].
    pub async fn controller_instances(&self, controller_uuid: &str) -> Result<Vec<String>> {
        controller_instances_result(call_environ!(
            self,
            "controller-instances",
            |store, g, env| g.controller_instances(store, env, controller_uuid)
        ))
    }

    /// `PrecheckInstance`.
    pub async fn precheck_instance(&self, p: PrecheckInstanceParams) -> Result<()> {
        flat(call_environ!(self, "precheck-instance", |store, g, env| g
            .precheck_instance(store, env, &p)))
    }

    /// `InstanceTypes` with cost metadata.
    pub async fn instance_types(&self, c: Constraints) -> Result<InstanceTypesWithCost> {
        flat(call_environ!(self, "instance-types", |store, g, env| g
            .instance_types(store, env, &c)))
    }

    /// `StorageProviderTypes`.
    pub async fn storage_provider_types(&self) -> Result<Vec<String>> {
        flat(call_environ!(
            self,
            "storage-provider-types",
            |store, g, env| g.storage_provider_types(store, env)
        ))
    }

    /// `StorageProvider`: a `not-found` provider error for an unknown type.
    pub async fn storage_provider(&self, t: &str) -> Result<StorageProviderInfo> {
        flat(call_environ!(self, "storage-provider", |store, g, env| g
            .storage_provider(store, env, t)))
    }
}
