//! `strato inspect`: what a provider component is, exports and imports.

use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use comfy_table::{ContentArrangement, Table, presets};
use serde::Serialize;
use strato_runtime::grants::{EffectiveLimits, report};
use strato_runtime::{ComponentInfo, GrantReport, Manifest, OptionalInterface, RuntimeConfig};

use super::runtime::classify;
use crate::context::Context;
use crate::error::CliError;
use crate::output::{self, Format, Output};

const AFTER_HELP: &str = "\
Exit status: 0 ok, 1 runtime failure (e.g. compilation failed), 2 bad input: the file cannot be read,
or is not a component of the juju:environs world (random bytes, a core module, another world).
Bad input is reported as one line: `error: <path>: <what is wrong>`.

The capabilities table compares what the component declares (its strato:capabilities section)
with what the --policy file grants the provider (found by the component's sha256, else by NAME):
an instance gets what is both asked and granted. The cloud's own endpoints need neither.

Examples:
  strato inspect provider.wasm
  strato inspect --no-compile --format json provider.wasm
  strato --policy policy.yaml inspect provider.wasm --name ec2";

/// Show a provider component's world, optional interfaces, imports, size, compile time and
/// capabilities.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct InspectArgs {
    /// The component (.wasm) to inspect.
    pub component: PathBuf,

    /// Skip compiling the component (no compile time, no code generation check).
    #[arg(long)]
    pub no_compile: bool,

    /// The provider's name in the policy [default: the file name without `.wasm`].
    #[arg(long)]
    pub name: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// The report, as printed in both formats.
#[derive(Serialize, Debug)]
struct Report {
    path: String,
    /// A contract world (`juju:environs/base-provider@0.2.0`) or the
    /// component's own: `juju:environs/base-provider@0.2.0 + firewaller, …`.
    world: String,
    /// The `juju:environs` version it was built against (`0.2.0`, `0.1.0`).
    wit_version: String,
    size: usize,
    sha256: String,
    /// Every optional interface of the contract and whether it is exported.
    optional_interfaces: Vec<OptionalEntry>,
    imports: Vec<String>,
    /// Imports linked to functions that trap (`wasi:sockets` 0.2): the
    /// component loads, and a call that uses one fails.
    stubbed_imports: Vec<String>,
    exports: Vec<String>,
    /// Milliseconds; absent with `--no-compile`.
    compile_time_ms: Option<f64>,
    capabilities: Capabilities,
}

/// Declared, granted and effective capabilities.
#[derive(Serialize, Debug)]
struct Capabilities {
    /// The provider name the policy was searched for.
    provider: String,
    /// The policy file, if one was given.
    policy: Option<String>,
    declared: Manifest,
    lines: Vec<CapabilityLine>,
    limits: LimitsReport,
}

#[derive(Serialize, Debug)]
struct CapabilityLine {
    capability: String,
    what: String,
    asked: bool,
    granted: bool,
    effective: bool,
    /// Why it is not in effect, when it is not.
    #[serde(skip_serializing_if = "String::is_empty")]
    note: String,
}

/// The limits an instance would run under (policy over defaults).
#[derive(Serialize, Debug)]
struct LimitsReport {
    memory_bytes: usize,
    call_timeout_ms: u128,
    http_concurrency: usize,
    response_bytes: u64,
    request_timeout_ms: u128,
}

#[derive(Serialize, Debug)]
struct OptionalEntry {
    name: &'static str,
    exported: bool,
}

pub async fn run(args: InspectArgs, out: &Output, ctx: &Context) -> Result<(), CliError> {
    let shown = args.component.display().to_string();
    let bytes = std::fs::read(&args.component)
        .map_err(|e| CliError::bad_input(format!("{shown}: cannot read: {e}")))?;
    let info = strato_runtime::inspect(&bytes).map_err(|e| classify(&shown, &e))?;
    let compile_time = if args.no_compile {
        None
    } else {
        Some(compile(&bytes, &shown, ctx).await?)
    };
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| default_name(&args.component));
    let capabilities = Capabilities::new(&info, &name, ctx);
    let report = Report::new(&args.component, &info, compile_time, capabilities);
    match args.format {
        Format::Json | Format::Yaml => out.data(args.format, &report)?,
        Format::Text => print_text(&report, out),
    }
    Ok(())
}

/// Compiles without the disk cache, so the time is a real compile time.
async fn compile(bytes: &[u8], shown: &str, ctx: &Context) -> Result<Duration, CliError> {
    let runtime = ctx.runtime(RuntimeConfig {
        cache_dir: None,
        ..RuntimeConfig::default()
    })?;
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

/// `provider.wasm` → `provider`.
fn default_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

impl Capabilities {
    fn new(info: &ComponentInfo, name: &str, ctx: &Context) -> Self {
        let grants = ctx.grants_for(name, &info.sha256);
        let report: GrantReport = report(&info.declared, &grants);
        let limits = EffectiveLimits::resolve(&grants.limits, &RuntimeConfig::default());
        Capabilities {
            provider: name.to_string(),
            policy: ctx.policy.as_ref().map(|p| p.source().to_string()),
            declared: info.declared.clone(),
            lines: report
                .lines
                .iter()
                .map(|l| CapabilityLine {
                    capability: l.capability.to_string(),
                    what: l.what.clone(),
                    asked: l.asked,
                    granted: l.granted,
                    effective: l.effective(),
                    note: l.note.clone(),
                })
                .collect(),
            limits: LimitsReport {
                memory_bytes: limits.memory,
                call_timeout_ms: limits.call_timeout.as_millis(),
                http_concurrency: limits.http_concurrency,
                response_bytes: limits.response_bytes,
                request_timeout_ms: limits.request_timeout.as_millis(),
            },
        }
    }
}

impl Report {
    fn new(
        path: &Path,
        info: &ComponentInfo,
        compile_time: Option<Duration>,
        capabilities: Capabilities,
    ) -> Self {
        let optional_interfaces: Vec<OptionalEntry> = OptionalInterface::ALL
            .iter()
            .map(|i| OptionalEntry {
                name: i.wit_name(),
                exported: info.optional.contains(i),
            })
            .collect();
        Report {
            path: path.display().to_string(),
            world: info.world(),
            wit_version: info.wit_version.clone(),
            size: info.size,
            sha256: info.sha256.clone(),
            optional_interfaces,
            imports: info.imports.clone(),
            stubbed_imports: info.stubbed_imports().map(String::from).collect(),
            exports: info.exports.clone(),
            compile_time_ms: compile_time.map(|d| d.as_secs_f64() * 1e3),
            capabilities,
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
            ("contract", format!("juju:environs@{}", report.wit_version)),
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
    print_capabilities(&report.capabilities, out);
    let stubbed = report.stubbed_imports.len();
    for (title, names) in [("imports", &report.imports), ("exports", &report.exports)] {
        out.result("");
        if title == "imports" && stubbed > 0 {
            out.result(format!(
                "{title} ({}; {stubbed} stubbed: calls trap, the sandbox has no sockets)",
                names.len()
            ));
        } else {
            out.result(format!("{title} ({})", names.len()));
        }
        indented(out, grouped(names, &report.stubbed_imports));
    }
}

/// The capabilities table and the limits.
fn print_capabilities(caps: &Capabilities, out: &Output) {
    out.result("");
    let policy = match &caps.policy {
        Some(file) => format!("policy {file}, provider {}", caps.provider),
        None => "no --policy: nothing granted".to_string(),
    };
    out.result(format!(
        "capabilities ({policy}; the cloud's endpoints are always reachable)"
    ));
    if caps.lines.is_empty() {
        out.result("  none declared, none granted");
    } else {
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        let mut table = Table::new();
        table
            .load_preset(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled)
            .set_header(["CAPABILITY", "WHAT", "ASKED", "GRANTED", "EFFECTIVE"]);
        for line in &caps.lines {
            let effective = if line.effective || line.note.is_empty() {
                yes_no(line.effective).to_string()
            } else {
                format!("no: {}", line.note)
            };
            table.add_row([
                line.capability.clone(),
                line.what.clone(),
                yes_no(line.asked).to_string(),
                yes_no(line.granted).to_string(),
                effective,
            ]);
        }
        indented(out, table.to_string().lines().map(String::from).collect());
    }
    let l = &caps.limits;
    out.result("");
    out.result("limits (policy over defaults)");
    indented(
        out,
        output::aligned([
            ("memory", output::size(l.memory_bytes)),
            (
                "call timeout",
                output::duration(Duration::from_millis(ms(l.call_timeout_ms))),
            ),
            ("http concurrency", l.http_concurrency.to_string()),
            (
                "response bytes",
                output::size(usize::try_from(l.response_bytes).unwrap_or(usize::MAX)),
            ),
            (
                "request timeout",
                output::duration(Duration::from_millis(ms(l.request_timeout_ms))),
            ),
        ]),
    );
}

fn ms(millis: u128) -> u64 {
    u64::try_from(millis).unwrap_or(u64::MAX)
}

/// `wasi:cli@0.2.6  environment, exit, stdin, …`, wrapped under its column;
/// a group whose interfaces are all in `stubbed` ends with `[stubbed: calls trap]`.
fn grouped(names: &[String], stubbed: &[String]) -> Vec<String> {
    let groups = output::group_interfaces(names);
    let stubbed = output::group_interfaces(stubbed);
    let width = groups.iter().map(|(p, _)| p.len()).max().unwrap_or(0);
    let mut lines = Vec::new();
    for (package, ifaces) in groups {
        let trap = stubbed
            .iter()
            .any(|(p, s)| *p == package && s.len() == ifaces.len());
        let wrapped = output::wrap(&ifaces, 72);
        let last = wrapped.len().saturating_sub(1);
        for (i, line) in wrapped.into_iter().enumerate() {
            let head = if i == 0 { package.as_str() } else { "" };
            let tail = if trap && i == last {
                "  [stubbed: calls trap]"
            } else {
                ""
            };
            lines.push(format!("{head:<width$}  {line}{tail}"));
        }
    }
    lines
}

fn indented(out: &Output, lines: Vec<String>) {
    for line in lines {
        out.result(format!("  {line}"));
    }
}
