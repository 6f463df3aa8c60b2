//! `strato`: run Juju environs providers as sandboxed WebAssembly components.

mod commands;
mod error;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::error::CliError;
use crate::output::Output;

const AFTER_HELP: &str = "\
Exit status: 0 ok, 1 runtime or provider failure, 2 bad input (unreadable file, not a provider component).

Examples:
  strato demo                      run the dummy provider through its lifecycle
  strato inspect provider.wasm     show what a provider component exports and imports
  strato conformance provider.wasm --fixture my-cloud.yaml
                                   check a provider against Juju's environs contracts
  strato --verbose demo            the same with the runtime's log on stderr
  strato --verbose=strato=trace inspect provider.wasm";

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

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the embedded dummy provider through a model's lifecycle: bootstrap,
    /// machines in zones, ports, stop, destroy.
    Demo(commands::demo::DemoArgs),
    /// Show a provider component's world, optional interfaces, imports, size and
    /// compile time.
    Inspect(commands::inspect::InspectArgs),
    /// Run the conformance kit (Juju's environs behaviour contracts) on a
    /// provider component, with a fixture describing its cloud.
    Conformance(commands::conformance::ConformanceArgs),
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
    let out = Output::new(cli.quiet, cli.verbose.is_some());
    let result = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt.block_on(run(cli.command, &out)),
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

async fn run(command: Command, out: &Output) -> Result<(), CliError> {
    match command {
        Command::Demo(args) => commands::demo::run(args, out).await,
        Command::Inspect(args) => commands::inspect::run(args, out).await,
        Command::Conformance(args) => commands::conformance::run(args, out).await,
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
