//! `strato`: run Juju environs providers as sandboxed WebAssembly components.

mod commands;
mod context;
mod error;
mod home;
mod output;
mod progress;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::context::Context;
use crate::error::CliError;
use crate::output::Output;

const AFTER_HELP: &str = "\
Exit status: 0 ok, 1 runtime or provider failure, 2 bad input (unreadable file, not a provider component,
unknown cloud, region, credential, controller, model or machine, a malformed argument).

A session, as with Juju (each command a new process; $STRATO_DATA keeps what they did):
  strato bootstrap dummy mycontroller      controller + models `controller` and `default`
  strato add-machine -n 2                  machines in the current model
  strato status                            machines, instances, zones, addresses, hardware
  strato open-port 80 --machine 0          strato ports, strato close-port 80 --machine 0
  strato destroy-controller mycontroller --destroy-all-models -y

Examples:
  strato demo                      run the dummy provider through its lifecycle
  strato demo --provider ec2.wasm --clouds clouds.yaml --credentials credentials.yaml --cloud NAME
                                   the same with another provider on a cloud of Juju's clouds.yaml
  strato inspect provider.wasm     show what a provider component exports and imports
  strato conformance provider.wasm --fixture my-cloud.yaml
                                   check a provider against Juju's environs contracts
  strato --verbose demo            the same with the runtime's log on stderr
  strato --verbose=strato=trace inspect provider.wasm
  strato --audit demo              print every capability decision on stderr
  strato --policy policy.yaml inspect provider.wasm
                                   show what the provider asks for, is granted and gets

Policy file (--policy, YAML; every key optional, unknown keys are errors):
  providers:
    dummy:                  # provider name, or \"sha256:<hex>\" of the component
      state-dir: /var/lib/strato/dummy     # or `true` = $XDG_DATA_HOME/strato/<name>
      network: [\"https://*.example.com\", \"http://127.0.0.1:8080\"]
      reveal: [secret-key]               # secret credential attributes the guest may read
      secret-attributes: [api-secret]    # more attribute names the host keeps secret
      limits: { memory: 512MiB, call-timeout: 2m, http-concurrency: 8,
                response-bytes: 32MiB, request-timeout: 30s }
A provider gets what it declares and the policy grants; without a policy, nothing but its
cloud's endpoints (the demo and conformance commands grant the dummy a state directory).";

/// Strato runs cloud providers (Juju's environs API) as sandboxed WebAssembly components.
#[derive(Parser, Debug)]
#[command(name = "strato", version, after_help = AFTER_HELP)]
struct Cli {
    /// Log what the runtime does to stderr; FILTER is RUST_LOG-style
    /// [default: $RUST_LOG, else debug for Strato, info for the rest]
    #[arg(
        long,
        short = 'v',
        global = true,
        num_args = 0..=1,
        require_equals = true,
        default_missing_value = "",
        value_name = "FILTER"
    )]
    verbose: Option<String>,

    /// Print only results and errors.
    #[arg(long, short = 'q', global = true, conflicts_with = "verbose")]
    quiet: bool,

    /// What the operator grants each provider: a YAML policy file (format below)
    /// [default: $STRATO_DATA/policy.yaml if it exists, else nothing beyond each
    /// provider's cloud endpoints].
    #[arg(long, global = true, value_name = "FILE")]
    policy: Option<std::path::PathBuf>,

    /// Print every capability decision (allowed or denied) to stderr as it happens.
    #[arg(long, global = true)]
    audit: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the embedded dummy provider (or --provider on a --clouds cloud) through a
    /// model's lifecycle: bootstrap, machines in zones, ports, stop, destroy.
    Demo(commands::demo::DemoArgs),
    /// Show a provider component's world, optional interfaces, imports, size, compile
    /// time and capabilities (declared, granted by the policy, effective).
    Inspect(commands::inspect::InspectArgs),
    /// Run the conformance kit (Juju's environs behaviour contracts) on a
    /// provider component, with a fixture describing its cloud.
    Conformance(commands::conformance::ConformanceArgs),
    #[command(flatten)]
    Config(commands::config::ConfigCommand),
    #[command(flatten)]
    Lifecycle(commands::lifecycle::LifecycleCommand),
    /// Write the embedded dummy provider component to PATH (used by the tests).
    #[command(hide = true)]
    DummyComponent {
        /// Where to write the component.
        path: std::path::PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(filter) = &cli.verbose {
        init_tracing(filter);
    }
    // Tracing and audit lines go to stderr in the middle of steps: print
    // each step line whole.
    let out = Output::new(cli.quiet, cli.verbose.is_some() || cli.audit);
    let result = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(async {
            let ctx = Context::new(cli.policy.as_deref(), cli.audit)?;
            let result = run(cli.command, &out, &ctx).await;
            ctx.finish().await;
            result
        }),
        Err(e) => Err(CliError::failure(format!(
            "cannot start the async runtime: {e}"
        ))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            out.error(&err);
            err.exit_code()
        }
    }
}

/// The top-level command, for shell completions.
pub(crate) fn cli_command() -> clap::Command {
    use clap::CommandFactory;
    Cli::command()
}

async fn run(command: Command, out: &Output, ctx: &Context) -> Result<(), CliError> {
    match command {
        Command::Demo(args) => commands::demo::run(args, out, ctx).await,
        Command::Inspect(args) => commands::inspect::run(args, out, ctx).await,
        Command::Conformance(args) => commands::conformance::run(args, out, ctx).await,
        Command::Config(cmd) => commands::config::run(cmd, out, ctx).await,
        Command::Lifecycle(cmd) => commands::lifecycle::run(cmd, out, ctx).await,
        Command::DummyComponent { path } => commands::demo::write_component(&path, out),
    }
}

/// `--verbose` alone: RUST_LOG if set, else debug for Strato and info for the rest.
fn init_tracing(filter: &str) {
    use tracing_subscriber::EnvFilter;
    let filter = if !filter.is_empty() {
        EnvFilter::try_new(filter)
    } else {
        EnvFilter::try_from_default_env()
            .or_else(|_| EnvFilter::try_new("info,strato=debug,strato_runtime=debug"))
    };
    let filter = filter.unwrap_or_else(|e| {
        eprintln!("warning: bad --verbose filter ({e}); using `debug`");
        EnvFilter::new("debug")
    });
    use std::io::IsTerminal;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}
