//! `strato inspect`: what a provider component is, exports and imports.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use serde::Serialize;
use strato_runtime::{ComponentInfo, OptionalInterface, Runtime, RuntimeConfig};

use super::runtime::classify;
use crate::error::CliError;
use crate::output::{self, Format, Output};

const AFTER_HELP: &str = "\
Exit status: 0 ok, 1 runtime failure (e.g. compilation failed), 2 bad input: the file cannot be read,
or is not a component of the juju:environs world (random bytes, a core module, another world).
Bad input is reported as one line: `error: <path>: <what is wrong>`.

Examples:
  strato inspect provider.wasm
  strato inspect --no-compile --format json provider.wasm";

/// Show a provider component's world, optional interfaces, imports, size and compile time.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct InspectArgs {
    /// The component (.wasm) to inspect.
    pub component: PathBuf,

    /// Skip compiling the component (no compile time, no code generation check).
    #[arg(long)]
    pub no_compile: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// The report, as printed in both formats.
#[derive(Serialize, Debug)]
struct Report {
    path: String,
    world: String,
    wit_version: String,
    size: usize,
    sha256: String,
    /// Every optional interface of the contract and whether it is exported.
    optional_interfaces: Vec<OptionalEntry>,
    imports: Vec<String>,
    exports: Vec<String>,
    /// Milliseconds; absent with `--no-compile`.
    compile_time_ms: Option<f64>,
}

#[derive(Serialize, Debug)]
struct OptionalEntry {
    name: &'static str,
    exported: bool,
}

pub async fn run(args: InspectArgs, out: &Output) -> Result<(), CliError> {
    let shown = args.component.display().to_string();
    let bytes = std::fs::read(&args.component)
        .map_err(|e| CliError::bad_input(format!("{shown}: cannot read: {e}")))?;
    let info = strato_runtime::inspect(&bytes).map_err(|e| classify(&shown, &e))?;
    let compile_time = if args.no_compile {
        None
    } else {
        Some(compile(&bytes, &shown).await?)
    };
    let report = Report::new(&args.component, &info, compile_time);
    match args.format {
        Format::Json => {
            let json = serde_json::to_string_pretty(&report)
                .map_err(|e| CliError::failure(format!("cannot encode the report: {e}")))?;
            out.result(json);
        }
        Format::Text => print_text(&report, out),
    }
    Ok(())
}

/// Compiles without the disk cache, so the time is a real compile time.
async fn compile(bytes: &[u8], shown: &str) -> Result<Duration, CliError> {
    let runtime = Runtime::new(RuntimeConfig {
        cache_dir: None,
        ..RuntimeConfig::default()
    })
    .map_err(|e| CliError::failure(format!("cannot start the runtime: {e}")))?;
    let started = std::time::Instant::now();
    let component = runtime
        .load_bytes(bytes)
        .await
        .map_err(|e| classify(shown, &e))?;
    Ok(component
        .info()
        .compile_time
        .unwrap_or_else(|| started.elapsed()))
}

impl Report {
    fn new(path: &Path, info: &ComponentInfo, compile_time: Option<Duration>) -> Self {
        let optional_interfaces: Vec<OptionalEntry> = OptionalInterface::ALL
            .iter()
            .map(|i| OptionalEntry {
                name: i.wit_name(),
                exported: info.optional.contains(i),
            })
            .collect();
        let world = if optional_interfaces.iter().all(|e| e.exported) {
            "full-provider"
        } else {
            "base-provider"
        };
        Report {
            path: path.display().to_string(),
            world: format!("juju:environs/{world}@{}", info.wit_version),
            wit_version: info.wit_version.clone(),
            size: info.size,
            sha256: info.sha256.clone(),
            optional_interfaces,
            imports: info.imports.clone(),
            exports: info.exports.clone(),
            compile_time_ms: compile_time.map(|d| d.as_secs_f64() * 1e3),
        }
    }
}

fn print_text(report: &Report, out: &Output) {
    let exported = report
        .optional_interfaces
        .iter()
        .filter(|e| e.exported)
        .count();
    let total = report.optional_interfaces.len();
    let compile = match report.compile_time_ms {
        Some(ms) => output::duration(Duration::from_secs_f64(ms / 1e3)),
        None => "not compiled (--no-compile)".into(),
    };
    out.result(&report.path);
    indented(
        out,
        output::aligned([
            ("world", report.world.clone()),
            ("wit version", report.wit_version.clone()),
            ("size", output::size(report.size)),
            ("sha256", report.sha256.clone()),
            ("compile time", compile),
        ]),
    );
    out.result("");
    out.result(format!(
        "optional interfaces: {exported} of {total} exported"
    ));
    indented(
        out,
        output::aligned(
            report
                .optional_interfaces
                .iter()
                .map(|e| (e.name, if e.exported { "yes" } else { "no" })),
        ),
    );
    for (title, names) in [("imports", &report.imports), ("exports", &report.exports)] {
        out.result("");
        out.result(format!("{title} ({})", names.len()));
        indented(out, grouped(names));
    }
}

/// `wasi:cli@0.2.6  environment, exit, stdin, …`, wrapped under its column.
fn grouped(names: &[String]) -> Vec<String> {
    let groups = output::group_interfaces(names);
    let width = groups.iter().map(|(p, _)| p.len()).max().unwrap_or(0);
    let mut lines = Vec::new();
    for (package, ifaces) in groups {
        for (i, line) in output::wrap(&ifaces, 72).into_iter().enumerate() {
            let head = if i == 0 { package.as_str() } else { "" };
            lines.push(format!("{head:<width$}  {line}"));
        }
    }
    lines
}

fn indented(out: &Output, lines: Vec<String>) {
    for line in lines {
        out.result(format!("  {line}"));
    }
}
