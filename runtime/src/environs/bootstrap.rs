//! Bootstrap on the host: Juju's client-side order
//! (`environs/bootstrap.PrepareController` and `bootstrap.Bootstrap`,
//! reference §2.8) and `provider/common.BootstrapInstance`.
//!
//! [`bootstrap`] runs, against one provider handle:
//!
//! 1. `prepare-config` with the cloud spec and the model configuration;
//! 2. `open` ([`crate::environs::open::open`]);
//! 3. `prepare-for-bootstrap`;
//! 4. the provider's constraints validator: bootstrap constraints merged
//!    over the model's, then Juju's default controller memory (3.5 GiB)
//!    unless an instance type, cores, cpu-power or mem is given or the
//!    provider says not to (`default-constraints-checker`);
//! 5. `set-config` with the `agent-version`, when the request has one;
//! 6. `bootstrap`; a provider that answers `not-implemented` leaves the
//!    machine to the host, which starts it with [`bootstrap_instance`]
//!    (`provider/common.Bootstrap`), zone by zone;
//! 7. the instance config of machine 0 (tools of the machine's arch and
//!    series, the newest version recorded as `agent-version`, API info,
//!    the controller model config), then the finalizer: the provider's
//!    `bootstrap-finalizer`, or the embedder's [`FinishBootstrap`] for a
//!    machine the host started.
//!
//! A failure after step 3 destroys what was started (`destroy-controller`),
//! unless [`BootstrapRequest::keep_broken`] (Juju's `--keep-broken`).
//!
//! The user-facing lines go to the provider's [`HostHooks`] (granted in
//! [`crate::Grants::hooks`]) with Juju's words: `Creating Juju controller
//! "<name>" on <cloud>/<region>`, `Starting new instance for initial
//! controller` (verbose), `Launching controller instance(s) on
//! <cloud>/<region>...` and ` - <id> (<hardware>)` when the host starts the
//! machine, `Installing Juju agent on bootstrap instance`, `Bootstrap agent
//! now started`. The provider's own output and status callbacks reach the
//! same hooks.
//!
//! ```no_run
//! use strato_runtime::environs::bootstrap::{BootstrapRequest, bootstrap};
//! use strato_runtime::types::{Attrs, BootstrapParams, CloudSpec};
//!
//! # async fn demo(
//! #     provider: strato_runtime::ProviderHandle,
//! #     cloud: CloudSpec,
//! #     config: Attrs,
//! #     params: BootstrapParams,
//! # ) -> Result<(), Box<dyn std::error::Error>> {
//! let mut request = BootstrapRequest::new("mycontroller", cloud, config, params);
//! request.admin_secret = "sekrit".into();
//! let outcome = bootstrap(&provider, request).await?;
//! println!("bootstrapped a {} {} machine", outcome.series, outcome.arch);
//! let controllers = outcome.env.controller_instances("<controller uuid>").await?;
//! # let _ = controllers;
//! # Ok(()) }
//! ```

mod error;
mod instance;
mod tools;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::environ::Environ;
use crate::error::Error;
use crate::handle::ProviderHandle;
use crate::host::HostHooks;
use crate::inspect::OptionalInterface;
use crate::types::{
    ApiInfo, Attrs, BootstrapDialOpts, BootstrapParams, CloudSpec, Constraints, ErrorKind,
    InstanceConfig, OpenParams, PrepareConfigParams, Value, VersionNumber,
};

pub use error::BootstrapError;
use tools::newest_tools;
pub use tools::{compare_versions, match_tools, version_string};

pub use instance::{
    BOOTSTRAP_MACHINE_ID, BOOTSTRAP_NONCE, BootstrapInstance, LXC_BRIDGE, bootstrap_instance,
    format_hardware, format_memory, instance_tags, machine_line, new_bootstrap_instance_config,
};

/// The memory Juju gives a controller when nothing else sizes it (MiB).
pub const DEFAULT_CONTROLLER_MEM: u64 = 3584;

/// What [`bootstrap`] needs: Juju's `bootstrap.BootstrapParams` plus what
/// `PrepareController` takes.
#[derive(Clone)]
pub struct BootstrapRequest {
    /// The controller's name (messages only).
    pub controller_name: String,
    /// The cloud, region and credential to bootstrap on.
    pub cloud: CloudSpec,
    /// The controller model's configuration, before `prepare-config`.
    pub config: Attrs,
    /// What the provider's `bootstrap` receives. `controller-config` must
    /// hold `controller-uuid` and `ca-cert`; the host replaces
    /// `bootstrap-constraints` with the merged ones.
    pub params: BootstrapParams,
    /// Recorded as the model's `agent-version` before `bootstrap`; `None`
    /// keeps the configuration's. After bootstrap the newest matching
    /// tools' version is recorded.
    pub agent_version: Option<VersionNumber>,
    /// The admin user's password (`AdminSecret`), for the controller's API
    /// info. Required.
    pub admin_secret: String,
    /// Handed to the finalizer.
    pub dial_opts: BootstrapDialOpts,
    /// Juju's `--keep-broken`: keep what was started when bootstrap fails.
    pub keep_broken: bool,
    /// `common.FinishBootstrap` for a machine the host starts (a provider
    /// whose `bootstrap` answers `not-implemented`); required then.
    pub finish: Option<Arc<dyn FinishBootstrap>>,
}

impl std::fmt::Debug for BootstrapRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BootstrapRequest")
            .field("controller_name", &self.controller_name)
            .field("cloud", &self.cloud.name)
            .field("region", &self.cloud.region)
            .field("agent_version", &self.agent_version)
            .field("keep_broken", &self.keep_broken)
            .field("finish", &self.finish.is_some())
            .finish_non_exhaustive()
    }
}

impl BootstrapRequest {
    /// A request with no agent version, an empty admin secret (set one),
    /// Juju's default dial options (`bootstrap-timeout` 20 min,
    /// `bootstrap-retry-delay` 5 s, `bootstrap-addresses-delay` 10 s),
    /// cleanup on failure and no [`FinishBootstrap`].
    pub fn new(
        controller_name: impl Into<String>,
        cloud: CloudSpec,
        config: Attrs,
        params: BootstrapParams,
    ) -> Self {
        BootstrapRequest {
            controller_name: controller_name.into(),
            cloud,
            config,
            params,
            agent_version: None,
            admin_secret: String::new(),
            dial_opts: BootstrapDialOpts {
                timeout_ms: 1_200_000,
                retry_delay_ms: 5_000,
                addresses_delay_ms: 10_000,
            },
            keep_broken: false,
            finish: None,
        }
    }
}

/// A bootstrapped controller.
#[derive(Debug, Clone)]
pub struct BootstrapOutcome {
    /// The controller model's environ, open.
    pub env: Environ,
    /// The bootstrap machine's architecture.
    pub arch: String,
    /// The bootstrap machine's series.
    pub series: String,
    /// The constraints the machine was started with (merged, defaults in).
    pub bootstrap_constraints: Constraints,
    /// The instance config handed to the finalizer.
    pub instance_config: InstanceConfig,
    /// The machine, when the host started it ([`bootstrap_instance`]);
    /// `None` when the provider's `bootstrap` did.
    pub instance: Option<BootstrapInstance>,
}

/// A boxed future, for [`FinishBootstrap`].
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What [`FinishBootstrap::finish`] gets.
#[derive(Debug, Clone, Copy)]
pub struct FinishParams<'a> {
    /// The controller model's environ.
    pub env: &'a Environ,
    /// The machine the host started.
    pub machine: &'a BootstrapInstance,
    /// Its complete instance config (tools, API info, bootstrap section
    /// with the instance id and hardware).
    pub config: &'a InstanceConfig,
    /// The dial options of the request.
    pub dial_opts: &'a BootstrapDialOpts,
}

/// `common.FinishBootstrap`, supplied by the embedder: for a bootstrap
/// machine the host started, wait until it can be reached and install the
/// controller on it (Juju: SSH, then the cloud-init script). A provider's
/// own `bootstrap` comes with its own finalizer instead.
pub trait FinishBootstrap: Send + Sync {
    /// Finishes the machine in `params`.
    fn finish<'a>(&'a self, params: FinishParams<'a>) -> BoxFuture<'a, crate::Result<()>>;
}

/// Hooks used when none are granted: every method logs.
struct LogOnly;
impl HostHooks for LogOnly {}

/// The provider's hooks, or ones that only log.
fn hooks(provider: &ProviderHandle) -> Arc<dyn HostHooks> {
    match &provider.grants().hooks {
        Some(h) => h.clone(),
        None => Arc::new(LogOnly),
    }
}

fn attr_text<'a>(attrs: &'a Attrs, key: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| match v {
            Value::Text(s) => Some(s.as_str()),
            _ => None,
        })
}

fn attr_bool(attrs: &Attrs, key: &str) -> Option<bool> {
    attrs
        .iter()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| match v {
            Value::Boolean(b) => Some(*b),
            Value::Text(s) => s.parse().ok(),
            _ => None,
        })
}

fn set_attr(attrs: &mut Attrs, key: &str, value: Value) {
    match attrs.iter_mut().find(|(k, _)| k == key) {
        Some(slot) => slot.1 = value,
        None => attrs.push((key.to_string(), value)),
    }
}

/// Juju's client-side bootstrap (see the module docs). Returns the open
/// controller environ and what was bootstrapped.
pub async fn bootstrap(
    provider: &ProviderHandle,
    req: BootstrapRequest,
) -> Result<BootstrapOutcome, BootstrapError> {
    let controller_uuid = validate(&req)?;
    let ctx = hooks(provider);
    let config = provider
        .prepare_config(PrepareConfigParams {
            cloud: req.cloud.clone(),
            config: req.config.clone(),
        })
        .await?;
    let env = crate::environs::open::open(
        provider,
        OpenParams {
            cloud: req.cloud.clone(),
            config,
        },
    )
    .await?;
    env.prepare_for_bootstrap().await?;
    ctx.infof(&format!(
        "Creating Juju controller {:?} on {}",
        req.controller_name,
        instance::cloud_region(&req.params)
    ));
    match run(&env, &req, &*ctx).await {
        Ok(outcome) => Ok(outcome),
        Err(e) => {
            if req.keep_broken {
                tracing::warn!(target: "strato::environs", error = %e, "bootstrap failed; keeping what was started (keep-broken)");
            } else {
                tracing::debug!(target: "strato::environs", error = %e, "cleaning up after failed bootstrap");
                if let Err(cleanup) = env.destroy_controller(&controller_uuid).await {
                    tracing::error!(target: "strato::environs", error = %cleanup, "error cleaning up");
                }
            }
            Err(e)
        }
    }
}

/// Juju's `BootstrapParams.Validate`; the controller uuid.
fn validate(req: &BootstrapRequest) -> Result<String, BootstrapError> {
    let invalid = |m: &str| Err(BootstrapError::InvalidRequest(m.to_string()));
    if req.admin_secret.is_empty() {
        return invalid("admin-secret is empty");
    }
    let cfg = &req.params.controller_config;
    let uuid = attr_text(cfg, "controller-uuid").unwrap_or("");
    if uuid.is_empty() {
        return invalid("controller configuration has no controller UUID");
    }
    if attr_text(cfg, "ca-cert").is_none_or(str::is_empty) {
        return invalid("controller configuration has no ca-cert");
    }
    Ok(uuid.to_string())
}

/// How the machine gets finished.
enum Finish {
    Provider(crate::environ::BootstrapFinalizer),
    Host(Box<BootstrapInstance>, Arc<dyn FinishBootstrap>),
}

/// Steps 4 to 7 (`bootstrapIAAS`).
async fn run(
    env: &Environ,
    req: &BootstrapRequest,
    ctx: &dyn HostHooks,
) -> Result<BootstrapOutcome, BootstrapError> {
    let mut params = req.params.clone();
    let mut validator = env.validator().await?;
    let mut arches: Vec<String> = params
        .image_metadata
        .iter()
        .map(|m| m.arch.clone())
        .collect();
    arches.sort();
    arches.dedup();
    if !arches.is_empty() {
        validator.update_vocabulary("arch", &arches);
    }
    let mut cons = validator.merge(&params.model_constraints, &params.bootstrap_constraints)?;
    let apply_defaults = !env.supports(OptionalInterface::DefaultConstraintsChecker)
        || env.should_apply_controller_constraints().await?;
    if apply_defaults {
        cons = with_default_controller_constraints(cons);
    }
    params.bootstrap_constraints = cons.clone();
    if let Some(version) = &req.agent_version {
        set_agent_version(env, version).await?;
    }

    ctx.verbosef("Starting new instance for initial controller");
    let (arch, series, finish) = match env.bootstrap(params.clone()).await {
        Ok(result) => (
            result.arch,
            result.series,
            Finish::Provider(result.finalizer),
        ),
        Err(e) if e.kind() == Some(ErrorKind::NotImplemented) => {
            let Some(finisher) = req.finish.clone() else {
                return Err(BootstrapError::NoFinisher(e));
            };
            tracing::debug!(target: "strato::environs", reason = %e, "provider leaves the bootstrap machine to the host");
            let machine = bootstrap_instance(env, &params).await?;
            let arch = machine
                .arch(&cons)
                .or_else(|| params.available_tools.first().map(|t| t.arch.clone()))
                .ok_or_else(|| {
                    Error::NotValid("cannot determine the bootstrap machine's architecture".into())
                })?;
            let series = machine.series.clone();
            (arch, series, Finish::Host(Box::new(machine), finisher))
        }
        Err(e) => return Err(e.into()),
    };

    let mut icfg = match &finish {
        Finish::Host(machine, _) => machine.instance_config.clone(),
        Finish::Provider(_) => {
            let config = env.config().await?;
            new_bootstrap_instance_config(
                &params.controller_config,
                &cons,
                &params.model_constraints,
                &series,
                &config,
            )
        }
    };
    let tools = match_tools(&params.available_tools, Some(&arch), Some(&series))?;
    let newest = newest_tools(&tools);
    if let Some(version) = newest.first().map(|t| t.version.clone()) {
        set_agent_version(env, &version).await?;
    }
    icfg.tools = newest;

    ctx.infof("Installing Juju agent on bootstrap instance");
    let mut model_config = env.config().await?;
    if let Finish::Host(machine, _) = &finish {
        // The provider may amend the config for the controller's machine.
        for (k, v) in machine.result.config.iter().flatten() {
            set_attr(&mut model_config, k, v.clone());
        }
    }
    finalize_instance_config(&mut icfg, req, &params, model_config);

    let machine = match finish {
        Finish::Provider(finalizer) => {
            finalizer.finalize(icfg.clone(), req.dial_opts).await?;
            None
        }
        Finish::Host(machine, finisher) => {
            if let Some(b) = icfg.bootstrap.as_mut() {
                b.bootstrap_machine_instance_id = machine.result.instance.id.clone();
                b.bootstrap_machine_hardware = machine.result.hardware.clone();
            }
            finisher
                .finish(FinishParams {
                    env,
                    machine: &machine,
                    config: &icfg,
                    dial_opts: &req.dial_opts,
                })
                .await?;
            Some(*machine)
        }
    };
    ctx.infof("Bootstrap agent now started");
    Ok(BootstrapOutcome {
        env: env.clone(),
        arch,
        series,
        bootstrap_constraints: cons,
        instance_config: icfg,
        instance: machine,
    })
}

/// `finalizeInstanceBootstrapConfig`: API info with the admin password and
/// CA certificate, the controller model config, the dial timeout.
fn finalize_instance_config(
    icfg: &mut InstanceConfig,
    req: &BootstrapRequest,
    params: &BootstrapParams,
    model_config: Attrs,
) {
    let ca_cert = attr_text(&params.controller_config, "ca-cert").unwrap_or("");
    let model_uuid = attr_text(&model_config, "uuid").unwrap_or("");
    icfg.api_info = Some(ApiInfo {
        addrs: Vec::new(),
        ca_cert: ca_cert.to_string(),
        tag: String::new(),
        password: req.admin_secret.clone(),
        nonce: String::new(),
        model_tag: format!("model-{model_uuid}"),
    });
    if let Some(b) = icfg.bootstrap.as_mut() {
        b.controller_model_config = model_config;
        b.timeout_ms = req.dial_opts.timeout_ms;
    }
}

/// `withDefaultControllerConstraints`: 3.5 GiB of memory unless an
/// instance type, cores, cpu-power or mem is already asked for.
pub fn with_default_controller_constraints(mut cons: Constraints) -> Constraints {
    let sized = cons.instance_type.is_some()
        || cons.cores.is_some()
        || cons.cpu_power.is_some()
        || cons.mem.is_some();
    if !sized {
        cons.mem = Some(DEFAULT_CONTROLLER_MEM);
    }
    cons
}

/// Records `version` as the model's `agent-version` when it differs.
async fn set_agent_version(env: &Environ, version: &VersionNumber) -> crate::Result<()> {
    let text = version_string(version);
    let mut cfg = env.config().await?;
    if attr_text(&cfg, "agent-version") == Some(text.as_str()) {
        return Ok(());
    }
    set_attr(&mut cfg, "agent-version", instance::text(text));
    env.set_config(cfg).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraints::{empty, parse};

    // withDefaultControllerConstraints: only when nothing sizes the machine.
    #[test]
    fn default_controller_constraints() {
        let cases = [
            ("", Some(3584)),
            ("arch=arm64 zones=z1", Some(3584)),
            ("mem=8G", Some(8192)),
            ("cores=4", None),
            ("instance-type=m5.large", None),
        ];
        for (cons, mem) in cases {
            let c = if cons.is_empty() {
                empty()
            } else {
                parse(cons).unwrap()
            };
            assert_eq!(with_default_controller_constraints(c).mem, mem, "{cons}");
        }
    }
}
