//! `add-machine`, `machines`/`status` and `remove-machine`.

use std::collections::HashMap;

use clap::Args;
use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;
use strato_runtime::environs::provisioner::{
    MachineStart, RetryPolicy, ZoneMap, start_instance_with_zones,
};
use strato_runtime::types::{InstanceState, PrecheckInstanceParams};

use super::bootstrap::{parse_constraints, placement};
use super::session::{Session, describe, machine_record, provider_error, status_text};
use super::{FormatArg, ModelArg, select_model};
use crate::commands::fixture::{Model, SERIES};
use crate::context::Context;
use crate::error::CliError;
use crate::home::models::{ControllerRecord, MachineRecord, ModelRecord, Models};
use crate::output::{self, Format, Output};
use crate::progress::Progress;

const ADD_AFTER_HELP: &str = "\
Each machine is started the way Juju's provisioner does: in the least populated available zone,
moving on to another zone when a start fails there, retrying a failure that is not the zone's.

Examples:
  strato add-machine
  strato add-machine -n 3 --constraints \"mem=8G cores=2\"
  strato add-machine --to zone=zone3 -m mycontroller:default";

#[derive(Args, Debug)]
#[command(after_help = ADD_AFTER_HELP)]
pub struct AddMachineArgs {
    #[command(flatten)]
    pub model: ModelArg,
    /// How many machines to start.
    #[arg(
        short = 'n',
        long = "num-machines",
        default_value_t = 1,
        value_name = "N"
    )]
    pub count: u64,
    /// Constraints the machines must meet (e.g. "mem=4G arch=arm64").
    #[arg(long, value_name = "CONSTRAINTS", default_value = "")]
    pub constraints: String,
    /// Where to start them: zone=<zone>.
    #[arg(long, value_name = "PLACEMENT")]
    pub to: Option<String>,
    /// Retries after a failed start that is not the zone's (Juju: 10).
    #[arg(long, default_value_t = 10, hide = true)]
    pub retries: u32,
    /// Seconds between retries (Juju: 10).
    #[arg(long, default_value_t = 10, hide = true)]
    pub retry_delay: u64,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  strato status\n  strato status --format json\n  strato machines -m mycontroller:controller"
)]
pub struct StatusArgs {
    #[command(flatten)]
    pub model: ModelArg,
    #[command(flatten)]
    pub format: FormatArg,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  strato remove-machine 2\n  strato remove-machine 0 1 -m prod:default"
)]
pub struct RemoveMachineArgs {
    /// The machines to remove.
    #[arg(required = true, value_name = "MACHINE")]
    pub ids: Vec<String>,
    #[command(flatten)]
    pub model: ModelArg,
}

/// The values the model's `Model` builder needs, from the store.
pub fn fixture_model(
    session: &Session,
    model: &ModelRecord,
    controller: &ControllerRecord,
) -> Model {
    Model {
        name: model.name.clone(),
        uuid: model.uuid.clone(),
        controller_uuid: controller.uuid.clone(),
        cloud: session.cloud.clone(),
        firewall_mode: model.firewall_mode.clone(),
        extra: Vec::new(),
    }
}

pub async fn add(args: AddMachineArgs, out: &Output, ctx: &Context) -> Result<(), CliError> {
    if args.count == 0 {
        return Err(CliError::bad_input("-n must be at least 1"));
    }
    let store = Models::open(&ctx.home)?;
    let (controller, model) = select_model(&store, args.model.model.as_deref())?;
    let cons = parse_constraints("--constraints", &args.constraints)?;
    let placement = placement(args.to.as_deref())?;
    let progress = Progress::start(
        out,
        &format!(
            "Adding {} to model {:?}",
            plural(args.count, "machine"),
            model.name
        ),
    );
    let session = Session::connect(ctx, &controller, Some(progress.hooks())).await?;
    let env = session.open(&model).await?;
    let validator = env
        .validator()
        .await
        .map_err(|e| provider_error("constraints-validator", &e))?;
    let unsupported = validator
        .validate(&cons)
        .map_err(|e| CliError::bad_input(format!("--constraints: {e}")))?;
    // The model's constraints fill in what the machine's leave unset.
    let model_cons = parse_constraints("the model's constraints", &model.constraints)?;
    let cons = validator
        .merge(&model_cons, &cons)
        .map_err(|e| CliError::bad_input(format!("--constraints: {e}")))?;
    if !unsupported.is_empty() {
        progress.line(&format!(
            "WARNING unsupported constraints: {}",
            unsupported.join(",")
        ));
    }
    env.precheck_instance(PrecheckInstanceParams {
        series: SERIES.into(),
        constraints: cons.clone(),
        placement: placement.clone(),
        volume_attachments: Vec::new(),
    })
    .await
    .map_err(|e| CliError::bad_input(format!("cannot add machine: {e}")))?;

    let known: HashMap<String, String> = store
        .machines(&model.uuid)?
        .into_iter()
        .map(|m| (m.instance_id, m.id))
        .collect();
    let zones = ZoneMap::from_environ(&env, |id| known.get(id).cloned())
        .await
        .map_err(|e| provider_error("availability-zones", &e))?;
    let policy = RetryPolicy {
        attempts: args.retries,
        delay: std::time::Duration::from_secs(args.retry_delay),
    };
    let builder = fixture_model(&session, &model, &controller);
    let ids = store.allocate_machine_ids(&model.uuid, args.count)?;
    for id in ids {
        let mut params = builder.start_params(&id, "");
        params.constraints = cons.clone();
        params.placement = placement.clone();
        let nonce = params
            .instance_config
            .as_ref()
            .map(|c| c.machine_nonce.clone())
            .unwrap_or_default();
        let shown = progress.clone();
        let machine = id.clone();
        let status = move |state: InstanceState, info: &str| {
            let state = output::instance_state(state);
            shown.status(&format!("machine {machine}: {state} {info}"));
        };
        // Ctrl-C ends the process (and the sandbox with it): nothing else aborts.
        let abort = std::future::pending::<()>();
        let started = start_instance_with_zones(
            &env,
            &MachineStart::new(&id, params),
            &zones,
            policy,
            &status,
            abort,
        )
        .await
        .map_err(|e| provider_error("add-machine", &e))?;
        let zone = zone_of(&zones, &id);
        let record = machine_record(
            &model,
            &id,
            &nonce,
            &started.instance,
            started.hardware.as_ref(),
            zone,
        );
        store.put_machine(&record)?;
        progress.line(&format!(
            "created machine {id} ({}{})",
            record.instance_id,
            if record.zone.is_empty() {
                String::new()
            } else {
                format!(" in {}", record.zone)
            }
        ));
    }
    progress.finish();
    Ok(())
}

/// The zone the map placed `machine` in.
fn zone_of(zones: &ZoneMap, machine: &str) -> Option<String> {
    zones
        .snapshot()
        .into_iter()
        .find(|z| z.machines.iter().any(|m| m == machine))
        .map(|z| z.zone)
}

/// `status` (model header + machines, refreshed from the cloud) and
/// `machines` (the machines only).
pub async fn status(
    args: StatusArgs,
    out: &Output,
    ctx: &Context,
    header: bool,
) -> Result<(), CliError> {
    let store = Models::open(&ctx.home)?;
    let (controller, model) = select_model(&store, args.model.model.as_deref())?;
    let mut machines = store.machines(&model.uuid)?;
    // What the cloud says now; what was recorded when it cannot be asked.
    if !machines.is_empty()
        && let Err(e) = refresh(ctx, &store, &controller, &model, &mut machines).await
    {
        eprintln!("warning: showing the recorded machines: cannot ask the cloud: {e}");
    }
    let report = StatusReport {
        model: ModelInfo {
            name: model.name.clone(),
            controller: controller.name.clone(),
            cloud: controller.cloud.clone(),
            region: controller.region.clone(),
            provider: controller.provider.clone(),
            firewall_mode: model.firewall_mode.clone(),
        },
        machines: machines.iter().map(MachineInfo::from).collect(),
    };
    if args.format.format != Format::Text {
        return out.data(args.format.format, &report);
    }
    if header {
        let mut table = plain_table([
            "MODEL",
            "CONTROLLER",
            "CLOUD/REGION",
            "PROVIDER",
            "FIREWALL",
        ]);
        table.add_row([
            report.model.name.clone(),
            report.model.controller.clone(),
            format!("{}/{}", report.model.cloud, report.model.region),
            report.model.provider.clone(),
            report.model.firewall_mode.clone(),
        ]);
        out.result(render(&table));
        out.result("");
    }
    if report.machines.is_empty() {
        out.result(format!("Model {:?} has no machines.", model.name));
        return Ok(());
    }
    out.result(render(&machine_table(&report.machines)));
    Ok(())
}

/// Asks the provider for the machines' instances now and records what it
/// says; an instance it no longer has is shown as `missing`.
async fn refresh(
    ctx: &Context,
    store: &Models,
    controller: &ControllerRecord,
    model: &ModelRecord,
    machines: &mut [MachineRecord],
) -> Result<(), CliError> {
    let session = Session::connect(ctx, controller, None).await?;
    let env = session.open(model).await?;
    let ids: Vec<String> = machines.iter().map(|m| m.instance_id.clone()).collect();
    let found = describe(&env, &ids)
        .await
        .map_err(|e| provider_error("instances", &e))?;
    for (machine, inst) in machines.iter_mut().zip(found) {
        let updated = match inst {
            Some(inst) => {
                let fresh = machine_record(model, &machine.id, &machine.nonce, &inst, None, None);
                MachineRecord {
                    zone: if fresh.zone.is_empty() {
                        machine.zone.clone()
                    } else {
                        fresh.zone
                    },
                    // Recorded when the machine started, as Juju does;
                    // instance snapshots often carry less.
                    hardware: if machine.hardware == "-" {
                        fresh.hardware
                    } else {
                        machine.hardware.clone()
                    },
                    addresses: if fresh.addresses.is_empty() {
                        machine.addresses.clone()
                    } else {
                        fresh.addresses
                    },
                    status: status_text(&inst),
                    ..machine.clone()
                }
            }
            None => MachineRecord {
                status: "missing".into(),
                ..machine.clone()
            },
        };
        if updated != *machine {
            store.put_machine(&updated)?;
            *machine = updated;
        }
    }
    Ok(())
}

/// `remove-machine`: stops the instances, then forgets the machines.
pub async fn remove(args: RemoveMachineArgs, out: &Output, ctx: &Context) -> Result<(), CliError> {
    let store = Models::open(&ctx.home)?;
    let (controller, model) = select_model(&store, args.model.model.as_deref())?;
    let machines = store.machines(&model.uuid)?;
    let mut chosen = Vec::new();
    for id in &args.ids {
        let Some(m) = machines.iter().find(|m| &m.id == id) else {
            return Err(CliError::bad_input(format!(
                "machine {id} not found in model {:?}",
                model.name
            ))
            .hint("see `strato machines`"));
        };
        if model.name == "controller" && m.id == "0" {
            return Err(CliError::bad_input(
                "machine 0 is the controller's machine and cannot be removed",
            )
            .hint(format!(
                "destroy the controller with `strato destroy-controller {}`",
                controller.name
            )));
        }
        chosen.push(m.clone());
    }
    let progress = Progress::start(
        out,
        &format!("Removing {}", plural(chosen.len() as u64, "machine")),
    );
    let session = Session::connect(ctx, &controller, Some(progress.hooks())).await?;
    let env = session.open(&model).await?;
    let ids: Vec<String> = chosen.iter().map(|m| m.instance_id.clone()).collect();
    env.stop_instances(&ids)
        .await
        .map_err(|e| provider_error("stop-instances", &e))?;
    for m in &chosen {
        store.remove_machine(&model.uuid, &m.id)?;
        progress.line(&format!("removed machine {} ({})", m.id, m.instance_id));
    }
    progress.finish();
    Ok(())
}

/// `status --format json|yaml`: stable field names.
#[derive(Debug, Serialize)]
struct StatusReport {
    model: ModelInfo,
    machines: Vec<MachineInfo>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
struct ModelInfo {
    name: String,
    controller: String,
    cloud: String,
    region: String,
    provider: String,
    firewall_mode: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
struct MachineInfo {
    id: String,
    instance_id: String,
    status: String,
    zone: String,
    addresses: Vec<String>,
    hardware: String,
}

impl From<&MachineRecord> for MachineInfo {
    fn from(m: &MachineRecord) -> Self {
        MachineInfo {
            id: m.id.clone(),
            instance_id: m.instance_id.clone(),
            status: m.status.clone(),
            zone: m.zone.clone(),
            addresses: m.addresses.clone(),
            hardware: m.hardware.clone(),
        }
    }
}

fn machine_table(machines: &[MachineInfo]) -> Table {
    let mut table = plain_table([
        "MACHINE",
        "INSTANCE ID",
        "STATUS",
        "ZONE",
        "ADDRESSES",
        "HARDWARE",
    ]);
    for m in machines {
        table.add_row([
            m.id.clone(),
            m.instance_id.clone(),
            m.status.clone(),
            dash(&m.zone),
            dash(&m.addresses.join(", ")),
            m.hardware.clone(),
        ]);
    }
    table
}

/// A table in Juju's plain style: a header row, columns separated by spaces.
pub fn plain_table<const N: usize>(header: [&str; N]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header);
    for column in table.column_iter_mut() {
        column.set_padding((0, 2));
    }
    table
}

/// The table as text, without the padding at the ends of lines.
pub fn render(table: &Table) -> String {
    table
        .to_string()
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn dash(text: &str) -> String {
    if text.is_empty() {
        "-".into()
    } else {
        text.to_string()
    }
}

pub fn plural(n: u64, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}
