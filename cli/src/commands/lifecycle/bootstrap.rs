//! `strato bootstrap <cloud>[/<region>] <controller>`: Juju's bootstrap
//! through the runtime's host functions, recorded in the store.

use std::sync::Arc;

use clap::Args;
use strato_runtime::environs::bootstrap::{
    BOOTSTRAP_MACHINE_ID, BOOTSTRAP_NONCE, BootstrapRequest, BoxFuture, FinishBootstrap,
    FinishParams, bootstrap,
};
use strato_runtime::types::{Attrs, CreateParams, OpenParams, PrepareConfigParams, Value};
use strato_runtime::{OptionalInterface, ProviderHandle};

use super::session::{self, describe, machine_record, provider_error, zones_of};
use crate::commands::fixture::Model;
use crate::context::Context;
use crate::error::CliError;
use crate::home::models::{ControllerRecord, ModelRecord, Models};
use crate::home::{clouds, providers};
use crate::output::Output;
use crate::progress::Progress;

const AFTER_HELP: &str = "\
The cloud comes from `strato clouds` (the built-in `dummy`, or one added with `strato add-cloud`),
the credential from `strato credentials` (looked up by name on every later command; its secrets are
never written to the store). The provider component is the embedded dummy or
$STRATO_DATA/providers/<cloud type>.wasm.

The controller gets two models: `controller`, whose machine 0 is the bootstrap instance, and
`default`, which becomes the current model.

Examples:
  strato bootstrap dummy mycontroller
  strato bootstrap aws/us-east-1 prod --credential work --bootstrap-constraints mem=8G
  strato bootstrap dummy test --to zone=zone3 --config firewall-mode=global";

#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct BootstrapArgs {
    /// The cloud, and optionally its region [default: the credential's
    /// default-region, else the cloud's first].
    #[arg(value_name = "CLOUD[/REGION]")]
    pub cloud: String,
    /// The new controller's name.
    pub controller: String,
    /// The credential to use [default: the cloud's default-credential, else the only one].
    #[arg(long, value_name = "NAME")]
    pub credential: Option<String>,
    /// The models' constraints: for the bootstrap machine and, under
    /// add-machine's own, every machine (e.g. "mem=4G cores=2").
    #[arg(long, value_name = "CONSTRAINTS", default_value = "")]
    pub constraints: String,
    /// Constraints for the bootstrap machine only, over --constraints.
    #[arg(long, value_name = "CONSTRAINTS", default_value = "")]
    pub bootstrap_constraints: String,
    /// Where to put the bootstrap machine: zone=<zone>.
    #[arg(long, value_name = "PLACEMENT")]
    pub to: Option<String>,
    /// A model configuration attribute for both models (repeatable), e.g.
    /// firewall-mode=global.
    #[arg(long = "config", value_name = "KEY=VALUE")]
    pub config: Vec<String>,
    /// Keep what was started when bootstrap fails (to look at it).
    #[arg(long)]
    pub keep_broken: bool,
}

pub async fn run(args: BootstrapArgs, out: &Output, ctx: &Context) -> Result<(), CliError> {
    let store = Models::open(&ctx.home)?;
    if store.controller(&args.controller)?.is_some() {
        return Err(CliError::bad_input(format!(
            "controller {:?} already exists",
            args.controller
        ))
        .hint("choose another name, or destroy it with `strato destroy-controller`"));
    }
    let (cloud, region) = match args.cloud.split_once('/') {
        Some((c, r)) => (c, Some(r)),
        None => (args.cloud.as_str(), None),
    };
    let chosen = clouds::target(&ctx.home, cloud, region, args.credential.as_deref())?;
    let model_cons = parse_constraints("--constraints", &args.constraints)?;
    let bootstrap_cons = parse_constraints("--bootstrap-constraints", &args.bootstrap_constraints)?;
    let placement = placement(args.to.as_deref())?;
    let overrides = parse_config(&args.config)?;
    let source = providers::resolve(&ctx.home, &chosen.spec.cloud_type)?;

    let progress = Progress::start(
        out,
        &format!("Loading the {} provider ({})", source.name, source.shown),
    );
    let provider = session::instantiate(ctx, &source, &chosen.spec, Some(progress.hooks())).await?;
    progress.status(&format!(
        "Bootstrapping {:?} on {}/{}",
        args.controller, chosen.spec.name, chosen.spec.region
    ));
    let mut extra = chosen.config.clone();
    for (k, v) in overrides {
        set(&mut extra, &k, v);
    }
    let firewall_mode = firewall_mode(&extra, &provider);
    let model = Model::new("controller", chosen.spec.clone(), &firewall_mode, extra);
    let mut params = model.bootstrap_params();
    let model_constraints = model_cons.to_string();
    params.model_constraints = model_cons;
    params.bootstrap_constraints = bootstrap_cons;
    params.placement = placement;
    let mut req = BootstrapRequest::new(
        &args.controller,
        chosen.spec.clone(),
        model.config(),
        params,
    );
    req.admin_secret = secret(&model.uuid);
    req.keep_broken = args.keep_broken;
    req.finish = Some(Arc::new(NoAgent {
        progress: progress.clone(),
    }));
    let outcome = bootstrap(&provider, req)
        .await
        .map_err(|e| provider_error("bootstrap failed", &e))?;
    let env = outcome.env;

    // Machine 0: the instance the host started, else the provider's.
    let (instance, hardware, zone) = match outcome.instance {
        Some(machine) => (
            machine.result.instance,
            machine.result.hardware,
            machine.zones_tried.last().cloned(),
        ),
        None => {
            let ids = env
                .controller_instances(&model.controller_uuid)
                .await
                .map_err(|e| provider_error("controller-instances", &e))?;
            let found = describe(&env, &ids)
                .await
                .map_err(|e| provider_error("instances", &e))?;
            let Some(Some(inst)) = found.into_iter().next() else {
                return Err(CliError::failure(
                    "the provider bootstrapped but reports no controller instance",
                ));
            };
            let zone = zones_of(&env, std::slice::from_ref(&inst.id))
                .await
                .into_iter()
                .next()
                .flatten();
            (inst, None, zone)
        }
    };
    let config = env
        .config()
        .await
        .map_err(|e| provider_error("config", &e))?;
    let controller_model = ModelRecord {
        controller: args.controller.clone(),
        name: model.name.clone(),
        uuid: model.uuid.clone(),
        config,
        firewall_mode: firewall_mode.clone(),
        constraints: model_constraints.clone(),
        next_machine: 1,
    };
    store.add_controller(&ControllerRecord {
        name: args.controller.clone(),
        uuid: model.controller_uuid.clone(),
        cloud: chosen.spec.name.clone(),
        region: chosen.spec.region.clone(),
        cloud_type: chosen.spec.cloud_type.clone(),
        provider: source.name.clone(),
        credential: chosen.credential_name.clone(),
        current_model: Some("controller".into()),
    })?;
    store.add_model(&controller_model)?;
    store.put_machine(&machine_record(
        &controller_model,
        BOOTSTRAP_MACHINE_ID,
        BOOTSTRAP_NONCE,
        &instance,
        hardware.as_ref(),
        zone,
    ))?;
    store.set_current(&args.controller, Some("controller"))?;
    progress.line(&format!(
        "Bootstrap complete, controller {:?} is now available",
        args.controller
    ));

    // The hosted model, as Juju's bootstrap adds it.
    let mut default = Model::new(
        "default",
        chosen.spec.clone(),
        &firewall_mode,
        model.extra.clone(),
    );
    default.controller_uuid = model.controller_uuid.clone();
    let mut default_model = add_model(&provider, &args.controller, &default).await?;
    default_model.constraints = model_constraints;
    store.add_model(&default_model)?;
    store.set_current(&args.controller, Some("default"))?;
    progress.finish();
    out.result(format!(
        "Controller {:?} on {}/{}: machine 0 is {}",
        args.controller, chosen.spec.name, chosen.spec.region, instance.id
    ));
    out.result(format!(
        "Initial model \"default\" added; current model is {}:default",
        args.controller
    ));
    Ok(())
}

/// prepare-config, open and create for a hosted model of the controller.
async fn add_model(
    provider: &ProviderHandle,
    controller: &str,
    model: &Model,
) -> Result<ModelRecord, CliError> {
    let mut config = model.config();
    // Only the controller model has the controller's machines.
    set(&mut config, "controller", Value::Boolean(false));
    let config = provider
        .prepare_config(PrepareConfigParams {
            cloud: model.cloud.clone(),
            config,
        })
        .await
        .map_err(|e| provider_error("prepare-config for model \"default\"", &e))?;
    let env = strato_runtime::environs::open::open(
        provider,
        OpenParams {
            cloud: model.cloud.clone(),
            config: config.clone(),
        },
    )
    .await
    .map_err(|e| provider_error("opening model \"default\"", &e))?;
    env.create(CreateParams {
        controller_uuid: model.controller_uuid.clone(),
    })
    .await
    .map_err(|e| provider_error("creating model \"default\"", &e))?;
    Ok(ModelRecord {
        controller: controller.to_string(),
        name: model.name.clone(),
        uuid: model.uuid.clone(),
        config,
        firewall_mode: model.firewall_mode.clone(),
        constraints: String::new(),
        next_machine: 0,
    })
}

/// `firewall-mode` from the config, else per instance when the provider
/// can, else global.
fn firewall_mode(config: &Attrs, provider: &ProviderHandle) -> String {
    match config.iter().find(|(k, _)| k == "firewall-mode") {
        Some((_, Value::Text(mode))) => mode.clone(),
        _ if provider.supports(OptionalInterface::InstanceFirewaller)
            || !provider.supports(OptionalInterface::Firewaller) =>
        {
            "instance".into()
        }
        _ => "global".into(),
    }
}

pub fn parse_constraints(
    flag: &str,
    text: &str,
) -> Result<strato_runtime::types::Constraints, CliError> {
    if text.trim().is_empty() {
        return Ok(strato_runtime::constraints::empty());
    }
    strato_runtime::constraints::parse(text)
        .map_err(|e| CliError::bad_input(format!("{flag} {text:?}: {e}")))
}

/// `--to zone=<zone>` as the placement directive providers read.
pub fn placement(to: Option<&str>) -> Result<String, CliError> {
    match to {
        None => Ok(String::new()),
        Some(p) if p.strip_prefix("zone=").is_some_and(|z| !z.is_empty()) => Ok(p.to_string()),
        Some(p) => Err(
            CliError::bad_input(format!("--to {p:?}: unsupported placement"))
                .hint("use --to zone=<availability zone>"),
        ),
    }
}

/// `--config k=v`: `true`/`false` and integers are typed, the rest text.
fn parse_config(items: &[String]) -> Result<Vec<(String, Value)>, CliError> {
    items
        .iter()
        .map(|item| {
            let Some((k, v)) = item.split_once('=').filter(|(k, _)| !k.is_empty()) else {
                return Err(CliError::bad_input(format!(
                    "--config {item:?}: expected KEY=VALUE"
                )));
            };
            let value = match v {
                "true" => Value::Boolean(true),
                "false" => Value::Boolean(false),
                _ => match v.parse::<i64>() {
                    Ok(i) => Value::Int(i),
                    Err(_) => Value::Text(v.to_string()),
                },
            };
            Ok((k.to_string(), value))
        })
        .collect()
}

fn set(attrs: &mut Attrs, key: &str, value: Value) {
    match attrs.iter_mut().find(|(k, _)| k == key) {
        Some(slot) => slot.1 = value,
        None => attrs.push((key.to_string(), value)),
    }
}

/// The admin password of the controller's API info; the demo controller
/// runs no API server, so it only has to be non-empty and unguessable
/// enough not to collide.
fn secret(seed: &str) -> String {
    use sha2::{Digest, Sha256};
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    hex::encode(Sha256::digest(format!(
        "{seed}:{now}:{}",
        std::process::id()
    )))
}

/// `common.FinishBootstrap` for a machine the host started: strato runs
/// no agent (no SSH, no cloud-init wait), so it says so and goes on.
struct NoAgent {
    progress: Progress,
}

impl FinishBootstrap for NoAgent {
    fn finish<'a>(&'a self, params: FinishParams<'a>) -> BoxFuture<'a, strato_runtime::Result<()>> {
        Box::pin(async move {
            self.progress.line(&format!(
                "Machine {} started; installing the agent over SSH is not done by strato",
                params.machine.result.instance.id
            ));
            Ok(())
        })
    }
}
