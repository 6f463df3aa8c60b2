//! `destroy-model`, `destroy-controller` and `kill-controller`.

use std::time::Duration;

use clap::Args;
use strato_runtime::environs::destroy::{ControllerDetails, ControllerStore, destroy};

use super::machines::plural;
use super::session::{Session, provider_error};
use super::{confirm, controller as find_controller, select_model};
use crate::context::Context;
use crate::error::CliError;
use crate::home::models::{ControllerRecord, Models};
use crate::output::Output;
use crate::progress::Progress;

#[derive(Args, Debug)]
#[command(
    after_help = "Every machine of the model is stopped, then the model is forgotten. The \
controller model goes with its controller (destroy-controller).\n\nExamples:\n  strato destroy-model default -y\n  strato destroy-model prod:staging"
)]
pub struct DestroyModelArgs {
    /// The model: MODEL of the current controller, or CONTROLLER:MODEL.
    #[arg(value_name = "[CONTROLLER:]MODEL")]
    pub model: String,
    /// Do not ask for confirmation.
    #[arg(short = 'y', long = "yes", alias = "no-prompt")]
    pub yes: bool,
}

#[derive(Args, Debug)]
#[command(
    after_help = "As Juju's, it refuses while a model other than `controller` has machines, \
unless --destroy-all-models.\n\nExamples:\n  strato destroy-controller mycontroller -y\n  strato destroy-controller prod --destroy-all-models"
)]
pub struct DestroyControllerArgs {
    /// The controller.
    pub name: String,
    /// Destroy the models that still have machines too.
    #[arg(long)]
    pub destroy_all_models: bool,
    /// Do not ask for confirmation.
    #[arg(short = 'y', long = "yes", alias = "no-prompt")]
    pub yes: bool,
}

#[derive(Args, Debug)]
#[command(
    after_help = "Tries to destroy everything the controller started through its provider; \
whatever happens (the cloud is gone, the credential was revoked), the controller is forgotten \
afterwards.\n\nExamples:\n  strato kill-controller mycontroller -y\n  strato kill-controller prod -y --timeout 30"
)]
pub struct KillControllerArgs {
    /// The controller.
    pub name: String,
    /// Do not ask for confirmation.
    #[arg(short = 'y', long = "yes", alias = "no-prompt")]
    pub yes: bool,
    /// Seconds to wait for the cloud before giving up on it.
    #[arg(short = 't', long, default_value_t = 300, value_name = "SECONDS")]
    pub timeout: u64,
}

pub async fn model(args: DestroyModelArgs, out: &Output, ctx: &Context) -> Result<(), CliError> {
    let store = Models::open(&ctx.home)?;
    let (controller, model) = select_model(&store, Some(&args.model))?;
    if model.name == "controller" {
        return Err(CliError::bad_input(format!(
            "{:?} is the controller model of {:?} and goes with its controller",
            model.name, controller.name
        ))
        .hint(format!(
            "use `strato destroy-controller {}`",
            controller.name
        )));
    }
    let machines = store.machines(&model.uuid)?;
    confirm(
        args.yes,
        &format!(
            "This will destroy model {}:{} and its {}.",
            controller.name,
            model.name,
            plural(machines.len() as u64, "machine")
        ),
    )?;
    let progress = Progress::start(out, &format!("Destroying model {:?}", model.name));
    let session = Session::connect(ctx, &controller, Some(progress.hooks())).await?;
    let env = session.open(&model).await?;
    env.destroy()
        .await
        .map_err(|e| provider_error("destroy", &e))?;
    store.remove_model(&model.uuid)?;
    progress.finish();
    out.result(format!("Model {:?} destroyed", model.name));
    Ok(())
}

pub async fn controller(
    args: DestroyControllerArgs,
    out: &Output,
    ctx: &Context,
) -> Result<(), CliError> {
    let store = Models::open(&ctx.home)?;
    let c = find_controller(&store, &args.name)?;
    let models = store.models(&c.name)?;
    let mut live = Vec::new();
    for m in models.iter().filter(|m| m.name != "controller") {
        let n = store.machines(&m.uuid)?.len();
        if n > 0 {
            live.push(format!("{} ({})", m.name, plural(n as u64, "machine")));
        }
    }
    if !live.is_empty() && !args.destroy_all_models {
        return Err(CliError::bad_input(format!(
            "cannot destroy controller {:?}: the controller has live models: {}",
            c.name,
            live.join(", ")
        ))
        .hint("run this command again with --destroy-all-models to destroy them too"));
    }
    confirm(
        args.yes,
        &format!(
            "This will destroy controller {:?}, its {} and every machine in them.",
            c.name,
            plural(models.len() as u64, "model")
        ),
    )?;
    let progress = Progress::start(out, &format!("Destroying controller {:?}", c.name));
    let session = Session::connect(ctx, &c, Some(progress.hooks())).await?;
    for m in models.iter().filter(|m| m.name != "controller") {
        progress.status(&format!("Destroying model {:?}", m.name));
        let env = session.open(m).await?;
        env.destroy()
            .await
            .map_err(|e| provider_error(&format!("destroying model {:?}", m.name), &e))?;
        store.remove_model(&m.uuid)?;
        progress.line(&format!("Destroyed model {:?}", m.name));
    }
    match models.iter().find(|m| m.name == "controller") {
        Some(m) => {
            progress.status("Destroying the controller's machines");
            let env = session.open(m).await?;
            destroy(&c.name, &env, &Store(&store))
                .await
                .map_err(|e| provider_error("destroy-controller", &e))?;
        }
        None => store.remove_controller(&c.name)?,
    }
    progress.finish();
    out.result(format!("Controller {:?} destroyed", c.name));
    Ok(())
}

pub async fn kill(args: KillControllerArgs, out: &Output, ctx: &Context) -> Result<(), CliError> {
    let store = Models::open(&ctx.home)?;
    let c = find_controller(&store, &args.name)?;
    confirm(
        args.yes,
        &format!(
            "This will destroy everything controller {:?} started, as far as its cloud can be reached, and forget it.",
            c.name
        ),
    )?;
    let progress = Progress::start(out, &format!("Killing controller {:?}", c.name));
    let attempt = tokio::time::timeout(
        Duration::from_secs(args.timeout),
        destroy_all(ctx, &store, &c, &progress),
    )
    .await;
    let failure = match attempt {
        Ok(Ok(())) => None,
        Ok(Err(e)) => Some(e.to_string()),
        Err(_) => Some(format!("no answer within {}s", args.timeout)),
    };
    if let Some(why) = &failure {
        progress.line(&format!(
            "WARNING could not destroy the controller's resources: {why}; forgetting it anyway"
        ));
    }
    store.remove_controller(&c.name)?;
    progress.finish();
    out.result(format!("Controller {:?} forgotten", c.name));
    Ok(())
}

/// `destroy-controller` on the controller model: every machine of every
/// model of the controller.
async fn destroy_all(
    ctx: &Context,
    store: &Models,
    c: &ControllerRecord,
    progress: &Progress,
) -> Result<(), CliError> {
    let session = Session::connect(ctx, c, Some(progress.hooks())).await?;
    let Some(m) = store.model(&c.name, "controller")? else {
        return Ok(());
    };
    let env = session.open(&m).await?;
    env.destroy_controller(&c.uuid)
        .await
        .map_err(|e| provider_error("destroy-controller", &e))
}

/// The store as the runtime's `ControllerStore`, for `environs.Destroy`.
struct Store<'a>(&'a Models);

impl ControllerStore for Store<'_> {
    fn controller_by_name(&self, name: &str) -> strato_runtime::Result<Option<ControllerDetails>> {
        let found = self
            .0
            .controller(name)
            .map_err(|e| strato_runtime::Error::NotValid(e.to_string()))?;
        Ok(found.map(|c| ControllerDetails {
            uuid: c.uuid,
            cloud: c.cloud,
            region: c.region,
            cloud_type: c.cloud_type,
            ..ControllerDetails::default()
        }))
    }

    fn remove_controller(&self, name: &str) -> strato_runtime::Result<()> {
        self.0
            .remove_controller(name)
            .map_err(|e| strato_runtime::Error::NotValid(e.to_string()))
    }
}
