//! Opening a stored model again in a new process: the controller's cloud
//! (and credential, looked up by name), its provider component in a
//! sandbox, and the model's environ from its stored configuration.

use std::sync::Arc;

use strato_runtime::types::{CloudSpec, HardwareCharacteristics, Instance, OpenParams};
use strato_runtime::{Environ, Error, HostHooks, OptionalInterface, ProviderHandle, RuntimeConfig};

use crate::commands::runtime::{cache_dir, classify};
use crate::context::Context;
use crate::error::CliError;
use crate::home::models::{ControllerRecord, MachineRecord, ModelRecord};
use crate::home::providers::{self, ProviderSource};
use crate::home::{Home, clouds};
use crate::output;

/// A controller's provider, instantiated, and the cloud it serves.
pub struct Session {
    pub provider: ProviderHandle,
    pub cloud: CloudSpec,
}

impl Session {
    /// Opens the provider of `controller` on its cloud, region and
    /// credential as they are in the data directory now.
    pub async fn connect(
        ctx: &Context,
        controller: &ControllerRecord,
        hooks: Option<Arc<dyn HostHooks>>,
    ) -> Result<Session, CliError> {
        let chosen = clouds::target(
            &ctx.home,
            &controller.cloud,
            Some(&controller.region),
            controller.credential.as_deref(),
        )?;
        let source = providers::resolve(&ctx.home, &controller.cloud_type)?;
        let provider = instantiate(ctx, &source, &chosen.spec, hooks).await?;
        Ok(Session {
            provider,
            cloud: chosen.spec,
        })
    }

    /// The environ of `model`, opened from its stored configuration.
    pub async fn open(&self, model: &ModelRecord) -> Result<Environ, CliError> {
        strato_runtime::environs::open::open(
            &self.provider,
            OpenParams {
                cloud: self.cloud.clone(),
                config: model.config.clone(),
            },
        )
        .await
        .map_err(|e| provider_error(&format!("opening model {:?}", model.name), &e))
    }
}

/// Loads `source` (through the compile cache) and instantiates it for
/// `cloud` with what the operator grants it; a provider that keeps state gets
/// `$STRATO_DATA/state/<provider>/<cloud>` unless the policy names a
/// directory.
pub async fn instantiate(
    ctx: &Context,
    source: &ProviderSource,
    cloud: &CloudSpec,
    hooks: Option<Arc<dyn HostHooks>>,
) -> Result<ProviderHandle, CliError> {
    let runtime = ctx.runtime(RuntimeConfig {
        cache_dir: cache_dir(),
        ..RuntimeConfig::default()
    })?;
    let what = format!("loading the {} provider ({})", source.name, source.shown);
    let component = runtime
        .load_bytes(&source.bytes)
        .await
        .map_err(|e| classify(&what, &e))?;
    let mut grants = ctx.grants_for(&source.name, &source.sha256());
    if grants.state_dir.is_none() && (source.embedded() || component.info().declared.state_dir) {
        grants.state_dir = Some(state_dir(&ctx.home, &source.name, &cloud.name)?);
    }
    grants.hooks = hooks;
    // Bound up front: the instance serves this cloud and credential only.
    grants.cloud = Some(cloud.clone());
    component
        .instantiate(grants)
        .await
        .map_err(|e| classify(&format!("instantiating the {} provider", source.name), &e))
}

fn state_dir(home: &Home, provider: &str, cloud: &str) -> Result<std::path::PathBuf, CliError> {
    let dir = home.state_dir(provider, cloud);
    std::fs::create_dir_all(&dir).map_err(|e| {
        CliError::failure(format!("cannot create {}: {e}", dir.display()))
            .hint("set STRATO_DATA to a writable directory")
    })?;
    Ok(dir)
}

/// A failed provider call: one line, with where to look for more.
pub fn provider_error(what: &str, err: &dyn std::fmt::Display) -> CliError {
    CliError::failure(format!("{what}: {err}"))
        .hint("run the command again with --verbose to see the runtime's and the provider's log")
}

/// The instances with these ids, `None` where the provider has none
/// (Juju's `ErrPartialInstances` / `ErrNoInstances` slots).
pub async fn describe(env: &Environ, ids: &[String]) -> Result<Vec<Option<Instance>>, Error> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    match env.instances(ids).await {
        Ok(found) => Ok(found.into_iter().map(Some).collect()),
        Err(Error::PartialInstances(slots)) => Ok(slots),
        Err(Error::NoInstances) => Ok(vec![None; ids.len()]),
        Err(e) => Err(e),
    }
}

/// The zones of these instances where the provider says (else `None`).
pub async fn zones_of(env: &Environ, ids: &[String]) -> Vec<Option<String>> {
    if ids.is_empty() || !env.supports(OptionalInterface::AvailabilityZones) {
        return vec![None; ids.len()];
    }
    env.instance_availability_zone_names(ids)
        .await
        .unwrap_or_else(|_| vec![None; ids.len()])
}

/// A machine record for an instance the provider describes.
pub fn machine_record(
    model: &ModelRecord,
    id: &str,
    nonce: &str,
    inst: &Instance,
    hardware: Option<&HardwareCharacteristics>,
    zone: Option<String>,
) -> MachineRecord {
    let hardware = hardware.or(inst.hardware.as_ref());
    let zone = zone
        .filter(|z| !z.is_empty())
        .or_else(|| hardware.and_then(|h| h.availability_zone.clone()))
        .unwrap_or_default();
    MachineRecord {
        model_uuid: model.uuid.clone(),
        id: id.to_string(),
        instance_id: inst.id.clone(),
        nonce: nonce.to_string(),
        zone,
        status: status_text(inst),
        addresses: inst.addresses.iter().map(|a| a.value.clone()).collect(),
        hardware: hardware.map(output::hardware).unwrap_or_else(|| "-".into()),
    }
}

/// `running`, or `pending (message)`.
pub fn status_text(inst: &Instance) -> String {
    let state = output::instance_state(inst.status.state);
    match inst.status.message.as_str() {
        "" => state.to_string(),
        msg if msg == state => state.to_string(),
        msg => format!("{state} ({msg})"),
    }
}
