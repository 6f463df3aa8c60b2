//! `strato demo`: the dummy provider through a model's whole lifecycle,
//! one printed step per environs call.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use clap::Args;
use strato_runtime::audit::Capability;
use strato_runtime::types::{Instance, OpenParams, PrepareConfigParams};
use strato_runtime::{
    Component, ComponentInfo, Environ, GrantReport, Grants, OptionalInterface, ProviderHandle,
    RuntimeConfig,
};

use super::fixture::{self, DemoHooks, Model};
use super::runtime::{DUMMY_COMPONENT, cache_dir};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{self, Output};

const AFTER_HELP: &str = "\
The dummy provider is embedded in this binary. It runs sandboxed: it declares one capability,
a state directory, and is granted one (--state-dir, else the --policy entry for `dummy`, else a
fresh temporary one) and nothing else: no network beyond its cloud's endpoints, no sockets, no
environment variables, no other files. Compiled code is cached in $XDG_CACHE_HOME/strato (or
~/.cache/strato), so a second run loads it from the cache.

Exit status: 0 ok, 1 a step failed (the error names the step), 2 bad arguments.

Examples:
  strato demo
  strato demo --state-dir ./demo-state     keep the provider's state afterwards
  strato --quiet demo                      print only the instance tables
  strato --audit demo                      every capability decision on stderr";

/// Run the dummy provider through bootstrap, machines, ports, stop and destroy.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct DemoArgs {
    /// Keep the provider's state in DIR (created if missing) instead of a temporary directory.
    #[arg(long, value_name = "DIR")]
    pub state_dir: Option<PathBuf>,

    /// Methods the dummy provider should fail (its `broken` config attribute,
    /// e.g. "StartInstance"): shows how a failed step is reported.
    #[arg(long, value_name = "METHODS", hide = true, default_value = "")]
    pub broken: String,
}

/// How many workload machines the demo starts.
const MACHINES: usize = 3;

/// The provider name the demo looks up in the policy.
const NAME: &str = "dummy";

pub async fn run(args: DemoArgs, out: &Output, ctx: &Context) -> Result<(), CliError> {
    let started = Instant::now();
    let sha256 = {
        use sha2::{Digest, Sha256};
        hex::encode(Sha256::digest(DUMMY_COMPONENT))
    };
    let mut grants = ctx.grants_for(NAME, &sha256);
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
    out.say("strato demo: the dummy provider, loaded as a sandboxed component, through a model's lifecycle");
    out.say(format!(
        "state directory: {} ({})",
        state_dir.display(),
        if kept {
            "kept"
        } else {
            "temporary, removed at exit"
        }
    ));
    out.say("");

    let hooks = Arc::new(DemoHooks::default());
    let component = load(out, ctx).await?;
    grants.state_dir = Some(state_dir.clone());
    grants.hooks = Some(hooks.clone());
    let provider = instantiate(out, &component, grants, &hooks).await?;
    let model = Model::new("demo", &args.broken);
    let env = open(out, &provider, &model, &hooks).await?;
    bootstrap(out, &env, &model, &hooks).await?;
    let machines = start_machines(out, &env, &model, &hooks).await?;
    open_ports(out, &env, &machines).await?;
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
    out.say(format!(
        "done in {}; state directory {}",
        output::duration(started.elapsed()),
        if kept {
            format!("kept at {}", state_dir.display())
        } else {
            "removed".into()
        }
    ));
    Ok(())
}

/// Loads the embedded component through the runtime's disk cache.
async fn load(out: &Output, ctx: &Context) -> Result<Component, CliError> {
    let cache = cache_dir();
    let runtime = ctx.runtime(RuntimeConfig {
        cache_dir: cache.clone(),
        ..RuntimeConfig::default()
    })?;
    let step = out.step("load the dummy provider component");
    let component = step.check(
        runtime.load_bytes(DUMMY_COMPONENT).await,
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
    details.extend(labelled("exports", exports));
    details.extend(labelled("imports", output::wrap(&packages, 80)));
    details.extend(labelled("granted", granted_lines(&report)));
    let refused: Vec<String> = report
        .refused()
        .map(|l| format!("{} {} ({})", l.capability, l.what, l.note))
        .collect();
    if !refused.is_empty() {
        details.extend(labelled("refused", refused));
    }
    details.extend(labelled(
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
        cloud: fixture::cloud_spec(),
        config: model.config(),
    };
    let config = step.check(provider.prepare_config(params).await, "prepare-config")?;
    step.done(
        std::iter::once(format!(
            "model {} (uuid {}), cloud dummy/dummy-region, {} config attributes",
            model.name,
            model.uuid,
            config.len()
        ))
        .chain(hooks.take()),
    );

    let step = out.step("open the environ");
    let env = step.check(
        provider
            .open(OpenParams {
                cloud: fixture::cloud_spec(),
                config,
            })
            .await,
        "open",
    )?;
    step.done(
        std::iter::once(format!("model {} in firewall-mode instance", model.name))
            .chain(hooks.take()),
    );

    let step = out.step("prepare-for-bootstrap");
    step.check(env.prepare_for_bootstrap().await, "prepare-for-bootstrap")?;
    step.done(hooks.take());
    Ok(env)
}

/// bootstrap, then the finalizer for controller machine 0.
async fn bootstrap(
    out: &Output,
    env: &Environ,
    model: &Model,
    hooks: &DemoHooks,
) -> Result<(), CliError> {
    let step = out.step("bootstrap a controller");
    let result = step.check(env.bootstrap(model.bootstrap_params()).await, "bootstrap")?;
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
/// reads each machine's ingress rules back.
async fn open_ports(
    out: &Output,
    env: &Environ,
    machines: &[(String, String)],
) -> Result<(), CliError> {
    let plan = [
        (
            &machines[0],
            vec![fixture::tcp(80, 80), fixture::tcp(443, 443)],
        ),
        (&machines[1], vec![fixture::tcp(8080, 8081)]),
    ];
    for ((machine_id, instance_id), rules) in plan {
        let shown: Vec<String> = rules.iter().map(output::port_range).collect();
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

/// What the instance got: each capability asked and granted.
fn granted_lines(report: &GrantReport) -> Vec<String> {
    let lines: Vec<String> = report
        .lines
        .iter()
        .filter(|l| l.effective())
        .map(|l| match l.capability {
            Capability::StateDir => format!("state directory {} (seen as /state)", l.what),
            other => format!("{other} {}", l.what),
        })
        .collect();
    if lines.is_empty() {
        vec!["nothing".to_string()]
    } else {
        lines
    }
}

/// `label` in a column of its own before the first of `lines`.
fn labelled(label: &str, lines: impl IntoIterator<Item = String>) -> Vec<String> {
    lines
        .into_iter()
        .enumerate()
        .map(|(i, line)| format!("{:<9}{line}", if i == 0 { label } else { "" }))
        .collect()
}

fn compile_time(info: &ComponentInfo) -> String {
    info.compile_time
        .map(output::duration)
        .unwrap_or_else(|| "?".into())
}

fn short(hex: &str) -> &str {
    hex.get(..16).unwrap_or(hex)
}
