//! `strato demo`: a provider through a model's whole lifecycle, one
//! printed step per environs call: the embedded dummy, or a component on a
//! cloud of a Juju-style `clouds.yaml` (`--provider`, `--clouds`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use clap::Args;
use strato_runtime::environs::bootstrap::bootstrap_instance;
use strato_runtime::types::{ErrorKind, Instance, OpenParams, PrepareConfigParams, Value};
use strato_runtime::{
    Component, ComponentInfo, Environ, Grants, OptionalInterface, ProviderHandle, RuntimeConfig,
};

use super::fixture::{self, DemoHooks, Model};
use super::runtime::{DUMMY_COMPONENT, cache_dir};
use super::target::{Options, Target};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{self, Output};

const AFTER_HELP: &str = "\
The dummy provider is embedded in this binary. It runs sandboxed: it declares one capability,
a state directory, and is granted one (--state-dir, else the --policy entry for `dummy`, else a
fresh temporary one) and nothing else: no network beyond its cloud's endpoints, no sockets, no
environment variables, no other files. Compiled code is cached in $XDG_CACHE_HOME/strato (or
~/.cache/strato), so a second run loads it from the cache.

Another provider: --provider FILE with --clouds clouds.yaml (Juju's format: type, endpoint, regions,
auth-types, config) and --credentials credentials.yaml, choosing with --cloud, --region and
--credential (default: the only one, else credentials.yaml's default-region/default-credential,
else the cloud's first region). The cloud's `config` goes into the model config (e.g. an EC2
`image-id`). A provider whose bootstrap answers not-implemented gets its bootstrap machine started
by the host (Juju's common.Bootstrap; FinishBootstrap, SSH and cloud-init, is not run). Without an
instance firewaller (or with firewall-mode: global in the cloud's config) the model runs in
firewall-mode global and ports are opened model-wide.
Everything the demo started is destroyed at the end.

Exit status: 0 ok, 1 a step failed (the error names the step), 2 bad arguments.

Examples:
  strato demo
  strato demo --state-dir ./demo-state     keep the provider's state afterwards
  strato --quiet demo                      print only the instance tables
  strato --audit demo                      every capability decision on stderr
  strato demo --provider ec2.wasm --clouds clouds.yaml --credentials credentials.yaml --cloud moto";

/// Run a provider (the embedded dummy, or --provider on a --clouds cloud) through bootstrap,
/// machines, ports, stop and destroy.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct DemoArgs {
    /// Keep the provider's state in DIR (created if missing) instead of a temporary directory.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,

    /// Methods the dummy provider should fail (its `broken` config attribute,
    /// e.g. "StartInstance"): shows how a failed step is reported.
    #[arg(
        long,
        value_name = "METHODS",
        hide = true,
        default_value = "",
        conflicts_with = "provider"
    )]
    pub broken: String,

    /// Run this provider component instead of the embedded dummy (needs --clouds).
    #[arg(long, value_name = "FILE", requires = "clouds")]
    pub provider: Option<PathBuf>,

    /// Juju-style clouds.yaml holding the cloud to run on (needs --provider).
    #[arg(long, value_name = "FILE", requires = "provider")]
    pub clouds: Option<PathBuf>,

    /// Juju-style credentials.yaml with the credential for the cloud.
    #[arg(long, value_name = "FILE", requires = "clouds")]
    pub credentials: Option<PathBuf>,

    /// The cloud in --clouds [default: the only one].
    #[arg(long, value_name = "NAME", requires = "clouds")]
    pub cloud: Option<String>,

    /// The cloud's region [default: credentials.yaml's default-region, else the first].
    #[arg(long, value_name = "REGION", requires = "clouds")]
    pub region: Option<String>,

    /// The credential in --credentials [default: default-credential, else the only one].
    #[arg(long, value_name = "NAME", requires = "credentials")]
    pub credential: Option<String>,
}

/// How many workload machines the demo starts.
const MACHINES: usize = 3;

pub async fn run(args: DemoArgs, out: &Output, ctx: &Context) -> Result<(), CliError> {
    let started = Instant::now();
    let target = Target::resolve(Options {
        provider: args.provider.as_deref(),
        clouds: args.clouds.as_deref(),
        credentials: args.credentials.as_deref(),
        cloud: args.cloud.as_deref(),
        region: args.region.as_deref(),
        credential: args.credential.as_deref(),
        broken: &args.broken,
    })?;
    let sha256 = {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(&target.bytes))
    };
    let mut grants = ctx.grants_for(&target.name, &sha256);
    // The temporary directory lives until the end of the demo.
    let (_temp, state_dir, kept) = match args.state_dir.or(grants.state_dir.take()) {
        Some(dir) => (None, dir, true),
        None => {
            let temp = tempfile::Builder::new()
                .prefix("strato-demo-")
                .tempdir()
                .map_err(|e| {
                    CliError::failure(format!("cannot create a temporary state directory: {e}"))
                        .hint("set TMPDIR or pass --state-dir DIR")
                })?;
            let path = temp.path().to_path_buf();
            (Some(temp), path, false)
        }
    };
    out.say(format!(
        "strato demo: {}, loaded as a sandboxed component, through a model's lifecycle",
        target.label
    ));
    out.say(target.cloud_line());

    let hooks = Arc::new(DemoHooks::default());
    let component = load(out, ctx, &target).await?;
    // A provider that keeps no state is given none.
    let wants_state = target.embedded || component.info().declared.state_dir;
    if wants_state {
        out.say(format!(
            "state directory: {} ({})",
            state_dir.display(),
            if kept {
                "kept"
            } else {
                "temporary, removed at exit"
            }
        ));
        grants.state_dir = Some(state_dir.clone());
    } else {
        out.say("state directory: none (the component keeps no state)");
    }
    out.say("");
    grants.hooks = Some(hooks.clone());
    let provider = instantiate(out, &component, grants, &hooks).await?;
    // The cloud's config may choose; else per instance when the provider can.
    let firewall_mode = match target.extra.iter().find(|(k, _)| k == "firewall-mode") {
        Some((_, Value::Text(mode))) => mode.as_str(),
        _ if provider.supports(OptionalInterface::InstanceFirewaller)
            || !provider.supports(OptionalInterface::Firewaller) =>
        {
            "instance"
        }
        _ => "global",
    };
    let model = Model::new(
        "demo",
        target.cloud.clone(),
        firewall_mode,
        target.extra.clone(),
    );
    let env = open(out, &provider, &model, &hooks).await?;
    bootstrap(out, &env, &model, &hooks).await?;
    let machines = start_machines(out, &env, &model, &hooks).await?;
    open_ports(out, &env, &model, &machines).await?;
    list(out, &env, "list instances").await?;

    let (machine_id, instance_id) = &machines[1];
    let step = out.step(&format!("stop machine {machine_id} ({instance_id})"));
    step.check(
        env.stop_instances(std::slice::from_ref(instance_id)).await,
        "stop-instances",
    )?;
    step.done(std::iter::once(format!("stopped {instance_id}")).chain(hooks.take()));
    list(out, &env, "list instances again").await?;

    let step = out.step("destroy the model");
    step.check(env.destroy().await, "destroy")?;
    // After destroy the provider may refuse every call: that is the answer too.
    let after = match env.all_instances().await {
        Ok(left) => format!("{} instances left", left.len()),
        Err(e) => format!("all-instances now answers: {e}"),
    };
    step.done(
        std::iter::once(format!("model {} destroyed; {after}", model.name)).chain(hooks.take()),
    );

    out.say("");
    let state = match (wants_state, kept) {
        (false, _) => String::new(),
        (true, true) => format!("; state directory kept at {}", state_dir.display()),
        (true, false) => "; state directory removed".into(),
    };
    out.say(format!(
        "done in {}{state}",
        output::duration(started.elapsed())
    ));
    Ok(())
}

/// Loads the component through the runtime's disk cache.
async fn load(out: &Output, ctx: &Context, target: &Target) -> Result<Component, CliError> {
    let cache = cache_dir();
    let runtime = ctx.runtime(RuntimeConfig {
        cache_dir: cache.clone(),
        ..RuntimeConfig::default()
    })?;
    let step = out.step(&format!("load {} component", target.label));
    let component = step.check(
        runtime.load_bytes(&target.bytes).await,
        "loading the component",
    )?;
    let info = component.info();
    let how = match (&cache, info.from_cache) {
        (Some(dir), true) => {
            format!(
                "loaded from the compile cache {} (no compilation)",
                dir.display()
            )
        }
        (Some(dir), false) => format!(
            "compiled in {} and stored in the compile cache {}",
            compile_time(info),
            dir.display()
        ),
        (None, _) => format!(
            "compiled in {} (no compile cache: neither XDG_CACHE_HOME nor HOME is set)",
            compile_time(info)
        ),
    };
    step.done([
        format!(
            "{}, sha256 {}…",
            output::size(info.size),
            short(&info.sha256)
        ),
        how,
    ]);
    Ok(component)
}

/// Instantiates the component with its grants: a state directory and
/// whatever else the policy grants.
async fn instantiate(
    out: &Output,
    component: &Component,
    grants: Grants,
    hooks: &Arc<DemoHooks>,
) -> Result<ProviderHandle, CliError> {
    let step = out.step("instantiate it in a sandbox");
    let report = component.grant_report(&grants);
    let provider = step.check(
        component.instantiate(grants).await,
        "instantiating the component",
    )?;
    let version = step.check(provider.version().await, "version")?;
    let exported: Vec<&str> = OptionalInterface::ALL
        .iter()
        .filter(|i| provider.supports(**i))
        .map(|i| i.wit_name())
        .collect();
    let missing: Vec<&str> = OptionalInterface::ALL
        .iter()
        .filter(|i| !provider.supports(**i))
        .map(|i| i.wit_name())
        .collect();
    let packages: Vec<String> = output::group_interfaces(&component.info().imports)
        .into_iter()
        .map(|(package, _)| package)
        .collect();
    let mut details = vec![format!(
        "provider version {version}, juju:environs {}",
        component.info().wit_version
    )];
    let mut exports = vec![format!(
        "{} of {} optional interfaces:",
        exported.len(),
        OptionalInterface::ALL.len()
    )];
    exports.extend(output::wrap(&exported, 80));
    if !missing.is_empty() {
        exports.push(format!("(not exported: {})", missing.join(", ")));
    }
    details.extend(output::labelled("exports", exports));
    details.extend(output::labelled("imports", output::wrap(&packages, 80)));
    details.extend(output::labelled("granted", output::granted_lines(&report)));
    let refused: Vec<String> = report
        .refused()
        .map(|l| format!("{} {} ({})", l.capability, l.what, l.note))
        .collect();
    if !refused.is_empty() {
        details.extend(output::labelled("refused", refused));
    }
    details.extend(output::labelled(
        "denied",
        [
            "network beyond the cloud's endpoints, sockets, environment variables, arguments, \
          stdin, other files"
                .to_string(),
        ],
    ));
    details.extend(hooks.take());
    step.done(details);
    Ok(provider)
}

/// prepare-config, open, prepare-for-bootstrap.
async fn open(
    out: &Output,
    provider: &ProviderHandle,
    model: &Model,
    hooks: &DemoHooks,
) -> Result<Environ, CliError> {
    let step = out.step("prepare-config");
    let params = PrepareConfigParams {
        cloud: model.cloud.clone(),
        config: model.config(),
    };
    let config = step.check(provider.prepare_config(params).await, "prepare-config")?;
    step.done(
        std::iter::once(format!(
            "model {} (uuid {}), cloud {}/{}, {} config attributes",
            model.name,
            model.uuid,
            model.cloud.name,
            model.cloud.region,
            config.len()
        ))
        .chain(hooks.take()),
    );

    let step = out.step("open the environ");
    let env = step.check(
        provider
            .open(OpenParams {
                cloud: model.cloud.clone(),
                config,
            })
            .await,
        "open",
    )?;
    step.done(
        std::iter::once(format!(
            "model {} in firewall-mode {}",
            model.name, model.firewall_mode
        ))
        .chain(hooks.take()),
    );

    let step = out.step("prepare-for-bootstrap");
    step.check(env.prepare_for_bootstrap().await, "prepare-for-bootstrap")?;
    step.done(hooks.take());
    Ok(env)
}

/// bootstrap, then the finalizer for controller machine 0; a provider that
/// answers `not-implemented` leaves the machine to the host
/// (`common.Bootstrap`).
async fn bootstrap(
    out: &Output,
    env: &Environ,
    model: &Model,
    hooks: &DemoHooks,
) -> Result<(), CliError> {
    let step = out.step("bootstrap a controller");
    let params = model.bootstrap_params();
    let result = match env.bootstrap(params.clone()).await {
        Err(e) if e.kind() == Some(ErrorKind::NotImplemented) => {
            let machine = bootstrap_instance(env, &params).await.map_err(|err| {
                step.fail();
                CliError::failure(format!("bootstrap (common.Bootstrap) failed: {err}"))
                    .hint("run `strato --verbose demo` to see the runtime's and the provider's log")
            })?;
            let ids = step.check(
                env.controller_instances(&model.controller_uuid).await,
                "controller-instances",
            )?;
            step.done(
                [
                    format!(
                        "the provider leaves bootstrap to the host ({e}): the host started it \
                         (common.Bootstrap)"
                    ),
                    format!(
                        "controller instance {} ({}), controller {}",
                        machine.result.instance.id, machine.series, model.controller_uuid
                    ),
                    format!("controller-instances: {}", ids.join(", ")),
                ]
                .into_iter()
                .chain(hooks.take()),
            );
            let step = out.step("finalize the bootstrap");
            step.done([
                "skipped: FinishBootstrap (SSH, cloud-init) is not run by the demo".to_string(),
            ]);
            return Ok(());
        }
        other => step.check(other, "bootstrap")?,
    };
    let ids = step.check(
        env.controller_instances(&model.controller_uuid).await,
        "controller-instances",
    )?;
    let instance_id = ids.first().cloned().unwrap_or_default();
    step.done(
        std::iter::once(format!(
            "controller instance {instance_id} ({} {}), controller {}",
            result.series, result.arch, model.controller_uuid
        ))
        .chain(hooks.take()),
    );

    let step = out.step("finalize the bootstrap");
    let config = model.controller_instance_config(&instance_id);
    step.check(
        result
            .finalizer
            .finalize(config, fixture::dial_opts())
            .await,
        "bootstrap finalize",
    )?;
    step.done(std::iter::once("machine 0 is the controller".to_string()).chain(hooks.take()));
    Ok(())
}

/// Asks for the zones, skips the unavailable ones and starts the machines
/// round-robin over the rest. Returns (machine id, instance id) pairs.
async fn start_machines(
    out: &Output,
    env: &Environ,
    model: &Model,
    hooks: &DemoHooks,
) -> Result<Vec<(String, String)>, CliError> {
    let step = out.step("availability-zones");
    let zones = step.check(env.availability_zones().await, "availability-zones")?;
    let available: Vec<String> = zones
        .iter()
        .filter(|z| z.available)
        .map(|z| z.name.clone())
        .collect();
    let mut details: Vec<String> = zones
        .iter()
        .map(|z| {
            if z.available {
                format!("{}  available", z.name)
            } else {
                format!("{}  unavailable: skipped", z.name)
            }
        })
        .collect();
    details.extend(hooks.take());
    step.done(details);
    if available.is_empty() {
        return Err(CliError::failure("no availability zone is available")
            .hint("the provider reported every zone as unavailable"));
    }

    let mut machines = Vec::new();
    for n in 1..=MACHINES {
        let machine_id = n.to_string();
        let zone = &available[(n - 1) % available.len()];
        let step = out.step(&format!("start machine {machine_id} in {zone}"));
        let started = step.check(
            env.start_instance(model.start_params(&machine_id, zone))
                .await,
            "start-instance",
        )?;
        let inst = &started.instance;
        let hardware = started
            .hardware
            .as_ref()
            .or(inst.hardware.as_ref())
            .map(output::hardware)
            .unwrap_or_else(|| "-".into());
        let addresses: Vec<&str> = inst.addresses.iter().map(|a| a.value.as_str()).collect();
        step.done(
            [
                format!(
                    "instance {} ({}), {hardware}",
                    inst.id,
                    output::instance_state(inst.status.state)
                ),
                format!("addresses {}", addresses.join(", ")),
            ]
            .into_iter()
            .chain(hooks.take()),
        );
        machines.push((machine_id, inst.id.clone()));
    }
    Ok(machines)
}

/// Opens web ports on the first machine and a range on the second, then
/// reads each machine's ingress rules back; in firewall-mode global, the
/// same ports model-wide.
async fn open_ports(
    out: &Output,
    env: &Environ,
    model: &Model,
    machines: &[(String, String)],
) -> Result<(), CliError> {
    let plan = [
        (
            &machines[0],
            vec![fixture::tcp(80, 80), fixture::tcp(443, 443)],
        ),
        (&machines[1], vec![fixture::tcp(8080, 8081)]),
    ];
    let global = model.firewall_mode == "global";
    if global && !env.supports(OptionalInterface::Firewaller) {
        return Ok(());
    }
    if !global && !env.supports(OptionalInterface::InstanceFirewaller) {
        return Ok(());
    }
    for ((machine_id, instance_id), rules) in plan {
        let shown: Vec<String> = rules.iter().map(output::port_range).collect();
        let now = if global {
            let step = out.step(&format!("open {} on the model", shown.join(" ")));
            step.check(env.open_ports(&rules).await, "open-ports")?;
            let now = step.check(env.ingress_rules().await, "ingress-rules")?;
            (step, now)
        } else {
            let step = out.step(&format!("open {} on {instance_id}", shown.join(" ")));
            step.check(
                env.open_instance_ports(instance_id, machine_id, &rules)
                    .await,
                "open-ports",
            )?;
            let now = step.check(
                env.instance_ingress_rules(instance_id, machine_id).await,
                "ingress-rules",
            )?;
            (step, now)
        };
        let (step, now) = now;
        let listed: Vec<String> = now.iter().map(output::ingress_rule).collect();
        step.done([format!("ingress rules: {}", listed.join("; "))]);
    }
    Ok(())
}

/// all-instances (plus their zones) as a table.
async fn list(out: &Output, env: &Environ, title: &str) -> Result<Vec<Instance>, CliError> {
    let step = out.step(title);
    let instances = step.check(env.all_instances().await, "all-instances")?;
    let ids: Vec<String> = instances.iter().map(|i| i.id.clone()).collect();
    // Zones come from the hardware record when the provider has no answer.
    let zones = env
        .instance_availability_zone_names(&ids)
        .await
        .unwrap_or_default();
    step.done([format!("{} instances", instances.len())]);
    out.table(&output::instance_table(&instances, &zones));
    Ok(instances)
}

/// The hidden `strato dummy-component PATH`: writes the embedded component.
pub fn write_component(path: &Path, out: &Output) -> Result<(), CliError> {
    std::fs::write(path, DUMMY_COMPONENT)
        .map_err(|e| CliError::bad_input(format!("{}: cannot write: {e}", path.display())))?;
    out.say(format!(
        "wrote {} ({})",
        path.display(),
        output::size(DUMMY_COMPONENT.len())
    ));
    Ok(())
}

fn compile_time(info: &ComponentInfo) -> String {
    info.compile_time
        .map(output::duration)
        .unwrap_or_else(|| "?".into())
}

fn short(hex: &str) -> &str {
    hex.get(..16).unwrap_or(hex)
}
