//! Controllers, models, machines, ports: the commands that drive a
//! provider through a model's lifecycle and record it in the store, so a
//! later `strato` process picks up where the last one stopped.
//!
//! Like Juju, `bootstrap` creates a controller with two models,
//! `controller` (machine 0 is the controller's instance) and `default`,
//! and makes `default` current; later commands act on the current model
//! unless `-m [controller:]model` names another.

mod bootstrap;
mod destroy;
mod listing;
mod machines;
mod ports;
mod session;

use std::io::{BufRead, IsTerminal, Write};

use clap::{Args, Subcommand};

use crate::context::Context;
use crate::error::CliError;
use crate::home::models::{ControllerRecord, ModelRecord, Models};
use crate::output::{Format, Output};

#[derive(Subcommand, Debug)]
pub enum LifecycleCommand {
    /// Create a controller on a cloud: its bootstrap machine, the
    /// `controller` model and the `default` model.
    Bootstrap(bootstrap::BootstrapArgs),
    /// Start machines in the current model.
    AddMachine(machines::AddMachineArgs),
    /// List the machines of the current model.
    Machines(machines::StatusArgs),
    /// Show the current model and its machines, as the cloud reports them now.
    Status(machines::StatusArgs),
    /// Stop machines and forget them.
    RemoveMachine(machines::RemoveMachineArgs),
    /// Open a port range to the world (on a machine, or model-wide in
    /// firewall-mode global).
    OpenPort(ports::PortArgs),
    /// Close a port range opened with open-port.
    ClosePort(ports::PortArgs),
    /// List the open ports of the current model.
    Ports(ports::PortsArgs),
    /// List the instance types the cloud offers, with their cost.
    InstanceTypes(listing::InstanceTypesArgs),
    /// List the network spaces the cloud knows.
    Spaces(listing::NetworkArgs),
    /// List the subnets the cloud knows.
    Subnets(listing::NetworkArgs),
    /// List the controllers (the current one is marked with *).
    Controllers(listing::FormatArgs),
    /// List the models of a controller (the current one is marked with *).
    Models(listing::ModelsArgs),
    /// Make a controller (and model) current.
    Switch(listing::SwitchArgs),
    /// Destroy a model: every machine in it, then the model.
    DestroyModel(destroy::DestroyModelArgs),
    /// Destroy a controller, its models and their machines.
    DestroyController(destroy::DestroyControllerArgs),
    /// Destroy what can be reached of a controller and forget it even
    /// when its cloud cannot be reached.
    KillController(destroy::KillControllerArgs),
}

pub async fn run(cmd: LifecycleCommand, out: &Output, ctx: &Context) -> Result<(), CliError> {
    match cmd {
        LifecycleCommand::Bootstrap(args) => bootstrap::run(args, out, ctx).await,
        LifecycleCommand::AddMachine(args) => machines::add(args, out, ctx).await,
        LifecycleCommand::Machines(args) => machines::status(args, out, ctx, false).await,
        LifecycleCommand::Status(args) => machines::status(args, out, ctx, true).await,
        LifecycleCommand::RemoveMachine(args) => machines::remove(args, out, ctx).await,
        LifecycleCommand::OpenPort(args) => ports::change(args, out, ctx, true).await,
        LifecycleCommand::ClosePort(args) => ports::change(args, out, ctx, false).await,
        LifecycleCommand::Ports(args) => ports::list(args, out, ctx).await,
        LifecycleCommand::InstanceTypes(args) => listing::instance_types(args, out, ctx).await,
        LifecycleCommand::Spaces(args) => listing::spaces(args, out, ctx).await,
        LifecycleCommand::Subnets(args) => listing::subnets(args, out, ctx).await,
        LifecycleCommand::Controllers(args) => listing::controllers(args, out, ctx),
        LifecycleCommand::Models(args) => listing::models(args, out, ctx),
        LifecycleCommand::Switch(args) => listing::switch(args, out, ctx),
        LifecycleCommand::DestroyModel(args) => destroy::model(args, out, ctx).await,
        LifecycleCommand::DestroyController(args) => destroy::controller(args, out, ctx).await,
        LifecycleCommand::KillController(args) => destroy::kill(args, out, ctx).await,
    }
}

/// `-m [controller:]model`, shared by the commands that act on a model.
#[derive(Args, Debug, Clone)]
pub struct ModelArg {
    /// The model to act on [default: the current model].
    #[arg(short = 'm', long = "model", value_name = "[CONTROLLER:]MODEL")]
    pub model: Option<String>,
}

/// `--format`, for commands that print data.
#[derive(Args, Debug, Clone)]
pub struct FormatArg {
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// The controller `name`, or bad input naming the known ones.
pub fn controller(store: &Models, name: &str) -> Result<ControllerRecord, CliError> {
    store.controller(name)?.ok_or_else(|| {
        CliError::bad_input(format!("controller {name:?} not found"))
            .hint("see `strato controllers`")
    })
}

/// The current controller, or an error saying how to get one.
pub fn current_controller(store: &Models) -> Result<ControllerRecord, CliError> {
    let Some(name) = store.current_controller()? else {
        return Err(CliError::bad_input("no current controller").hint(
            "bootstrap one with `strato bootstrap dummy mycontroller`, or pick one with `strato switch <controller>`",
        ));
    };
    controller(store, &name)
}

/// The model `-m` names (`model` in the current controller, or
/// `controller:model`), else the current model.
pub fn select_model(
    store: &Models,
    arg: Option<&str>,
) -> Result<(ControllerRecord, ModelRecord), CliError> {
    let (controller, model) = match arg {
        Some(text) => match text.split_once(':') {
            Some((c, m)) => (self::controller(store, c)?, m.to_string()),
            None => (current_controller(store)?, text.to_string()),
        },
        None => {
            let c = current_controller(store)?;
            let Some(m) = c.current_model.clone() else {
                return Err(CliError::bad_input(format!(
                    "controller {:?} has no current model",
                    c.name
                ))
                .hint(format!("pick one with `strato switch {}:default`", c.name)));
            };
            (c, m)
        }
    };
    let found = store.model(&controller.name, &model)?.ok_or_else(|| {
        CliError::bad_input(format!(
            "model {:?} not found in controller {:?}",
            model, controller.name
        ))
        .hint(format!("see `strato models -c {}`", controller.name))
    })?;
    Ok((controller, found))
}

/// Asks `question` on a terminal; without one, only `--yes` confirms.
pub fn confirm(yes: bool, question: &str) -> Result<(), CliError> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::bad_input(format!("{question}: not confirmed"))
            .hint("pass --yes (-y) to confirm without a terminal"));
    }
    print!("{question}\nContinue? (y/N): ");
    let _ = std::io::stdout().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::failure(format!("cannot read the answer: {e}")))?;
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => Err(CliError::bad_input("aborted")),
    }
}
