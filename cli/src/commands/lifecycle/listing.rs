//! `controllers`, `models`, `switch`, and what the cloud offers a model:
//! `instance-types`, `spaces`, `subnets`.

use clap::Args;
use serde::Serialize;
use strato_runtime::OptionalInterface;

use super::bootstrap::parse_constraints;
use super::machines::{dash, plain_table, render};
use super::session::{Session, provider_error};
use super::{FormatArg, ModelArg, controller, current_controller, select_model};
use crate::context::Context;
use crate::error::CliError;
use crate::home::models::Models;
use crate::output::{Format, Output};

#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  strato controllers\n  strato controllers --format json")]
pub struct FormatArgs {
    #[command(flatten)]
    pub format: FormatArg,
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  strato models\n  strato models -c prod --format yaml")]
pub struct ModelsArgs {
    /// The controller [default: the current one].
    #[arg(short = 'c', long = "controller", value_name = "NAME")]
    pub controller: Option<String>,
    #[command(flatten)]
    pub format: FormatArg,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  strato switch prod\n  strato switch prod:default\n  strato switch controller      a model of the current controller"
)]
pub struct SwitchArgs {
    /// CONTROLLER, CONTROLLER:MODEL, or a MODEL of the current controller.
    #[arg(value_name = "TARGET")]
    pub target: String,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Examples:\n  strato instance-types\n  strato instance-types --constraints \"mem=8G arch=arm64\""
)]
pub struct InstanceTypesArgs {
    /// Only the types meeting these constraints.
    #[arg(long, value_name = "CONSTRAINTS", default_value = "")]
    pub constraints: String,
    #[command(flatten)]
    pub model: ModelArg,
    #[command(flatten)]
    pub format: FormatArg,
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  strato spaces\n  strato subnets --format json")]
pub struct NetworkArgs {
    #[command(flatten)]
    pub model: ModelArg,
    #[command(flatten)]
    pub format: FormatArg,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
struct ControllerInfo {
    name: String,
    current: bool,
    current_model: Option<String>,
    cloud: String,
    region: String,
    provider: String,
    credential: Option<String>,
    uuid: String,
    models: usize,
    machines: usize,
}

pub fn controllers(args: FormatArgs, out: &Output, ctx: &Context) -> Result<(), CliError> {
    let store = Models::open(&ctx.home)?;
    let current = store.current_controller()?;
    let mut list = Vec::new();
    for c in store.controllers()? {
        let models = store.models(&c.name)?;
        let mut machines = 0;
        for m in &models {
            machines += store.machines(&m.uuid)?.len();
        }
        list.push(ControllerInfo {
            current: current.as_deref() == Some(c.name.as_str()),
            name: c.name,
            current_model: c.current_model,
            cloud: c.cloud,
            region: c.region,
            provider: c.provider,
            credential: c.credential,
            uuid: c.uuid,
            models: models.len(),
            machines,
        });
    }
    if args.format.format != Format::Text {
        return out.data(args.format.format, &list);
    }
    if list.is_empty() {
        out.result("No controllers.");
        out.say("Bootstrap one with `strato bootstrap dummy mycontroller`.");
        return Ok(());
    }
    let mut table = plain_table([
        "CONTROLLER",
        "MODEL",
        "CLOUD/REGION",
        "PROVIDER",
        "MODELS",
        "MACHINES",
    ]);
    for c in &list {
        table.add_row([
            format!("{}{}", c.name, if c.current { "*" } else { "" }),
            c.current_model.clone().unwrap_or_else(|| "-".into()),
            format!("{}/{}", c.cloud, c.region),
            c.provider.clone(),
            c.models.to_string(),
            c.machines.to_string(),
        ]);
    }
    out.result(render(&table));
    Ok(())
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
struct ModelInfo {
    name: String,
    current: bool,
    uuid: String,
    firewall_mode: String,
    constraints: String,
    machines: usize,
}

pub fn models(args: ModelsArgs, out: &Output, ctx: &Context) -> Result<(), CliError> {
    let store = Models::open(&ctx.home)?;
    let c = match &args.controller {
        Some(name) => controller(&store, name)?,
        None => current_controller(&store)?,
    };
    let mut list = Vec::new();
    for m in store.models(&c.name)? {
        list.push(ModelInfo {
            current: c.current_model.as_deref() == Some(m.name.as_str()),
            machines: store.machines(&m.uuid)?.len(),
            name: m.name,
            uuid: m.uuid,
            firewall_mode: m.firewall_mode,
            constraints: m.constraints,
        });
    }
    if args.format.format != Format::Text {
        return out.data(args.format.format, &list);
    }
    out.say(format!("Controller: {}", c.name));
    let mut table = plain_table(["MODEL", "CLOUD/REGION", "FIREWALL", "MACHINES"]);
    for m in &list {
        table.add_row([
            format!("{}{}", m.name, if m.current { "*" } else { "" }),
            format!("{}/{}", c.cloud, c.region),
            m.firewall_mode.clone(),
            m.machines.to_string(),
        ]);
    }
    out.result(render(&table));
    Ok(())
}

pub fn switch(args: SwitchArgs, out: &Output, ctx: &Context) -> Result<(), CliError> {
    let store = Models::open(&ctx.home)?;
    let before = match current_controller(&store) {
        Ok(c) => format!("{}:{}", c.name, c.current_model.as_deref().unwrap_or("-")),
        Err(_) => "(none)".to_string(),
    };
    let (name, model) = match args.target.split_once(':') {
        Some((c, m)) => (c.to_string(), Some(m.to_string())),
        None if store.controller(&args.target)?.is_some() => (args.target.clone(), None),
        // Juju: a bare name that is no controller is a model of the current one.
        None => (current_controller(&store)?.name, Some(args.target.clone())),
    };
    let c = controller(&store, &name)?;
    if let Some(m) = &model {
        select_model(&store, Some(&format!("{name}:{m}")))?;
    }
    store.set_current(&name, model.as_deref())?;
    let now = model.or(c.current_model).unwrap_or_else(|| "-".into());
    out.result(format!("{before} -> {name}:{now}"));
    Ok(())
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
struct TypeInfo {
    name: String,
    arches: Vec<String>,
    cpu_cores: u64,
    /// MiB.
    mem: u64,
    /// MiB.
    root_disk: u64,
    /// In `cost-unit`, after the provider's divisor.
    cost: f64,
    cost_unit: String,
    deprecated: bool,
}

pub async fn instance_types(
    args: InstanceTypesArgs,
    out: &Output,
    ctx: &Context,
) -> Result<(), CliError> {
    let cons = parse_constraints("--constraints", &args.constraints)?;
    let store = Models::open(&ctx.home)?;
    let (controller, model) = select_model(&store, args.model.model.as_deref())?;
    let session = Session::connect(ctx, &controller, None).await?;
    let env = session.open(&model).await?;
    let found = env
        .instance_types(cons)
        .await
        .map_err(|e| provider_error("instance-types", &e))?;
    let divisor = if found.cost_divisor == 0 {
        1.0
    } else {
        found.cost_divisor as f64
    };
    let list: Vec<TypeInfo> = found
        .instance_types
        .iter()
        .map(|t| TypeInfo {
            name: t.name.clone(),
            arches: t.arches.clone(),
            cpu_cores: t.cpu_cores,
            mem: t.mem,
            root_disk: t.root_disk,
            cost: t.cost as f64 / divisor,
            cost_unit: found.cost_unit.clone(),
            deprecated: t.deprecated,
        })
        .collect();
    if args.format.format != Format::Text {
        return out.data(args.format.format, &list);
    }
    let mut table = plain_table(["NAME", "ARCHES", "CORES", "MEMORY", "ROOT DISK", "COST"]);
    for t in &list {
        table.add_row([
            format!(
                "{}{}",
                t.name,
                if t.deprecated { " (deprecated)" } else { "" }
            ),
            t.arches.join(","),
            t.cpu_cores.to_string(),
            mib(t.mem),
            if t.root_disk == 0 {
                "-".into()
            } else {
                mib(t.root_disk)
            },
            format!("{:.4} {}", t.cost, t.cost_unit),
        ]);
    }
    out.result(render(&table));
    Ok(())
}

fn mib(value: u64) -> String {
    if value >= 1024 && value.is_multiple_of(1024) {
        format!("{}G", value / 1024)
    } else {
        format!("{value}M")
    }
}

fn no_networking(provider: &str) -> CliError {
    CliError::failure(format!(
        "the {provider} provider does not support networking"
    ))
    .hint("it does not export juju:environs/networking")
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
struct SpaceRow {
    name: String,
    id: String,
    provider_id: String,
    subnets: Vec<String>,
}

pub async fn spaces(args: NetworkArgs, out: &Output, ctx: &Context) -> Result<(), CliError> {
    let store = Models::open(&ctx.home)?;
    let (controller, model) = select_model(&store, args.model.model.as_deref())?;
    let session = Session::connect(ctx, &controller, None).await?;
    let env = session.open(&model).await?;
    if !env.supports(OptionalInterface::Networking) {
        return Err(no_networking(&controller.provider));
    }
    let spaces = env
        .spaces()
        .await
        .map_err(|e| provider_error("spaces", &e))?;
    let rows: Vec<SpaceRow> = spaces
        .iter()
        .map(|s| SpaceRow {
            name: s.name.clone(),
            id: s.id.clone(),
            provider_id: s.provider_id.clone(),
            subnets: s.subnets.iter().map(|n| n.cidr.clone()).collect(),
        })
        .collect();
    if args.format.format != Format::Text {
        return out.data(args.format.format, &rows);
    }
    if rows.is_empty() {
        out.result("No spaces.");
        return Ok(());
    }
    let mut table = plain_table(["SPACE", "ID", "PROVIDER ID", "SUBNETS"]);
    for s in &rows {
        table.add_row([
            dash(&s.name),
            dash(&s.id),
            dash(&s.provider_id),
            dash(&s.subnets.join(", ")),
        ]);
    }
    out.result(render(&table));
    Ok(())
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
struct SubnetRow {
    cidr: String,
    provider_id: String,
    space: String,
    zones: Vec<String>,
    vlan_tag: i32,
}

pub async fn subnets(args: NetworkArgs, out: &Output, ctx: &Context) -> Result<(), CliError> {
    let store = Models::open(&ctx.home)?;
    let (controller, model) = select_model(&store, args.model.model.as_deref())?;
    let session = Session::connect(ctx, &controller, None).await?;
    let env = session.open(&model).await?;
    if !env.supports(OptionalInterface::Networking) {
        return Err(no_networking(&controller.provider));
    }
    let subnets = env
        .subnets("", &[])
        .await
        .map_err(|e| provider_error("subnets", &e))?;
    let rows: Vec<SubnetRow> = subnets
        .iter()
        .map(|s| SubnetRow {
            cidr: s.cidr.clone(),
            provider_id: s.provider_id.clone(),
            space: s.space_name.clone(),
            zones: s.availability_zones.clone(),
            vlan_tag: s.vlan_tag,
        })
        .collect();
    if args.format.format != Format::Text {
        return out.data(args.format.format, &rows);
    }
    if rows.is_empty() {
        out.result("No subnets.");
        return Ok(());
    }
    let mut table = plain_table(["SUBNET", "PROVIDER ID", "SPACE", "ZONES"]);
    for s in &rows {
        table.add_row([
            s.cidr.clone(),
            dash(&s.provider_id),
            dash(&s.space),
            dash(&s.zones.join(", ")),
        ]);
    }
    out.result(render(&table));
    Ok(())
}
