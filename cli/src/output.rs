//! Everything the CLI prints: the step printer, tables and value formatting.

use std::cell::Cell;
use std::io::Write;
use std::time::{Duration, Instant};

use comfy_table::{ContentArrangement, Table, presets};
use strato_runtime::types::{HardwareCharacteristics, IngressRule, Instance, InstanceState};

use crate::error::CliError;

/// Width of a step line up to the duration column.
const STEP_WIDTH: usize = 46;

/// Where the CLI's output goes, and how much of it.
pub struct Output {
    quiet: bool,
    /// Tracing may write to stderr in the middle of a step: print each step
    /// line whole, once it is done, instead of leaving it open.
    verbose: bool,
    steps: Cell<usize>,
}

impl Output {
    pub fn new(quiet: bool, verbose: bool) -> Self {
        Self {
            quiet,
            verbose,
            steps: Cell::new(0),
        }
    }

    /// True with `--quiet`: only results and errors are printed.
    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// True when logs or audit lines may be written to the terminal
    /// meanwhile (`--verbose`, `--audit`): no spinners then.
    pub fn is_verbose(&self) -> bool {
        self.verbose
    }

    /// A line of commentary (not printed with `--quiet`).
    pub fn say(&self, line: impl AsRef<str>) {
        if !self.quiet {
            emit(format_args!("{}\n", line.as_ref()));
        }
    }

    /// A result line (always printed).
    pub fn result(&self, line: impl AsRef<str>) {
        emit(format_args!("{}\n", line.as_ref()));
    }

    /// The one-line error of a failed command.
    pub fn error(&self, err: &CliError) {
        let _ = std::io::stdout().flush();
        eprintln!("error: {err}");
    }

    /// Starts a numbered step; its line is completed by [`Step::done`].
    pub fn step(&self, name: &str) -> Step<'_> {
        let n = self.steps.get() + 1;
        self.steps.set(n);
        let label = format!("{n:>2}. {name} ");
        let open = !self.quiet && !self.verbose;
        if open {
            emit(format_args!("{}", leader(&label)));
        }
        Step {
            out: self,
            label,
            open,
            started: Instant::now(),
        }
    }

    /// A table, indented under the step that produced it (always printed).
    pub fn table(&self, table: &Table) {
        for line in table.to_string().lines() {
            emit(format_args!("      {line}\n"));
        }
    }
}

/// A step in progress.
pub struct Step<'a> {
    out: &'a Output,
    label: String,
    open: bool,
    started: Instant,
}

impl Step<'_> {
    /// Passes `Ok` through; on `Err` marks the step failed and returns the
    /// one-line error `<what> failed: <error> (<hint>)`.
    pub fn check<T>(&self, result: strato_runtime::Result<T>, what: &str) -> Result<T, CliError> {
        result.map_err(|err| {
            self.fail();
            CliError::failure(format!("{what} failed: {err}"))
                .hint("run `strato --verbose demo` to see the runtime's and the provider's log")
        })
    }

    /// Marks the step failed (the caller returns the error).
    pub fn fail(&self) {
        if self.out.quiet {
            return;
        }
        if self.open {
            emit(format_args!("{:>9}\n", "FAILED"));
        } else {
            emit(format_args!("{}{:>9}\n", leader(&self.label), "FAILED"));
        }
    }
}

impl Step<'_> {
    /// Ends the step: its duration, then one indented line per detail.
    pub fn done<I, S>(self, details: I) -> Duration
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let took = self.started.elapsed();
        if self.out.quiet {
            return took;
        }
        if self.open {
            emit(format_args!("{:>9}\n", duration(took)));
        } else {
            emit(format_args!(
                "{}{:>9}\n",
                leader(&self.label),
                duration(took)
            ));
        }
        for detail in details {
            emit(format_args!("      {}\n", detail.as_ref()));
        }
        took
    }
}

/// Writes to stdout and flushes. Write errors (a closed pipe: `strato demo |
/// head`) are ignored rather than turned into a panic; the command goes on.
fn emit(args: std::fmt::Arguments<'_>) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_fmt(args);
    let _ = stdout.flush();
}

/// `label` padded with dots to the duration column.
fn leader(label: &str) -> String {
    let width = label.chars().count();
    if width >= STEP_WIDTH {
        return format!("{label} ");
    }
    format!("{label}{}", ".".repeat(STEP_WIDTH - width))
}

/// `850 µs`, `12.3 ms`, `3.41 s`.
pub fn duration(d: Duration) -> String {
    let micros = d.as_micros();
    if micros < 1_000 {
        format!("{micros} µs")
    } else if micros < 1_000_000 {
        format!("{:.1} ms", d.as_secs_f64() * 1e3)
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// `1.2 MiB (1,234,567 bytes)`.
pub fn size(bytes: usize) -> String {
    let human = if bytes >= 1 << 20 {
        format!("{:.1} MiB", bytes as f64 / (1u64 << 20) as f64)
    } else if bytes >= 1 << 10 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} B")
    };
    format!("{human} ({} bytes)", thousands(bytes))
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `80/tcp`, `8080-8081/tcp`, `icmp`.
pub fn port_range(rule: &IngressRule) -> String {
    if rule.from_port < 0 {
        rule.protocol.clone()
    } else if rule.from_port == rule.to_port {
        format!("{}/{}", rule.from_port, rule.protocol)
    } else {
        format!("{}-{}/{}", rule.from_port, rule.to_port, rule.protocol)
    }
}

/// `80/tcp from 0.0.0.0/0`.
pub fn ingress_rule(rule: &IngressRule) -> String {
    if rule.source_cidrs.is_empty() {
        port_range(rule)
    } else {
        format!("{} from {}", port_range(rule), rule.source_cidrs.join(", "))
    }
}

pub fn instance_state(state: InstanceState) -> &'static str {
    match state {
        InstanceState::Empty => "-",
        InstanceState::Pending => "pending",
        InstanceState::Allocating => "allocating",
        InstanceState::Running => "running",
        InstanceState::ProvisioningError => "provisioning error",
        InstanceState::Error => "error",
        InstanceState::Unknown => "unknown",
        InstanceState::Stopped => "stopped",
        InstanceState::Terminated => "terminated",
    }
}

/// Juju's hardware string: `arch=amd64 cores=1 mem=1024M root-disk=8192M`.
pub fn hardware(hw: &HardwareCharacteristics) -> String {
    let mut parts = Vec::new();
    if let Some(arch) = &hw.arch {
        parts.push(format!("arch={arch}"));
    }
    if let Some(cores) = hw.cpu_cores {
        parts.push(format!("cores={cores}"));
    }
    if let Some(power) = hw.cpu_power {
        parts.push(format!("cpu-power={power}"));
    }
    if let Some(mem) = hw.mem {
        parts.push(format!("mem={}", mib(mem)));
    }
    if let Some(disk) = hw.root_disk {
        parts.push(format!("root-disk={}", mib(disk)));
    }
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join(" ")
    }
}

/// Juju prints sizes as `1024M` / `8G`.
fn mib(value: u64) -> String {
    if value >= 1024 && value.is_multiple_of(1024) {
        format!("{}G", value / 1024)
    } else {
        format!("{value}M")
    }
}

/// id, status, zone, addresses, hardware. `zones` (parallel to `instances`,
/// may be shorter) overrides the zone in the hardware record.
pub fn instance_table(instances: &[Instance], zones: &[Option<String>]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(["ID", "STATUS", "ZONE", "ADDRESSES", "HARDWARE"]);
    for (i, inst) in instances.iter().enumerate() {
        let status = match inst.status.message.as_str() {
            "" => instance_state(inst.status.state).to_string(),
            msg => format!("{} ({msg})", instance_state(inst.status.state)),
        };
        let zone = zones
            .get(i)
            .cloned()
            .flatten()
            .filter(|z| !z.is_empty())
            .or_else(|| {
                inst.hardware
                    .as_ref()
                    .and_then(|hw| hw.availability_zone.clone())
            })
            .filter(|z| !z.is_empty())
            .unwrap_or_else(|| "-".into());
        let addresses = if inst.addresses.is_empty() {
            "-".to_string()
        } else {
            inst.addresses
                .iter()
                .map(|a| a.value.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let hw = inst
            .hardware
            .as_ref()
            .map(hardware)
            .unwrap_or_else(|| "-".into());
        table.add_row([inst.id.clone(), status, zone, addresses, hw]);
    }
    table
}

/// Two columns, the first padded to its widest entry, no trailing spaces.
pub fn aligned<I, K, V>(rows: I) -> Vec<String>
where
    I: IntoIterator<Item = (K, V)>,
    K: Into<String>,
    V: Into<String>,
{
    let rows: Vec<(String, String)> = rows
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    let width = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    rows.into_iter()
        .map(|(k, v)| format!("{k:<width$}  {v}").trim_end().to_string())
        .collect()
}

/// Interface names grouped by package and version:
/// `wasi:cli/stdin@0.2.6`, `wasi:cli/exit@0.2.6` → (`wasi:cli@0.2.6`, [`stdin`, `exit`]).
/// Names that are not `package/interface@version` form their own group.
pub fn group_interfaces(names: &[String]) -> Vec<(String, Vec<String>)> {
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for name in names {
        let (package, iface) = match name.split_once('/') {
            Some((package, rest)) => match rest.split_once('@') {
                Some((iface, version)) => (format!("{package}@{version}"), iface.to_string()),
                None => (package.to_string(), rest.to_string()),
            },
            None => (name.clone(), String::new()),
        };
        match groups.iter_mut().find(|(p, _)| *p == package) {
            Some((_, ifaces)) => ifaces.push(iface),
            None => groups.push((
                package,
                vec![iface].into_iter().filter(|i| !i.is_empty()).collect(),
            )),
        }
    }
    groups
}

/// Joins `words` with ", " into lines of at most `width` characters.
pub fn wrap<S: AsRef<str>>(words: &[S], width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for (i, word) in words.iter().enumerate() {
        let word = word.as_ref();
        let piece = if i + 1 < words.len() {
            format!("{word},")
        } else {
            word.to_string()
        };
        if !line.is_empty() && line.len() + 1 + piece.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&piece);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// What the instance got: each capability asked and granted.
pub fn granted_lines(report: &strato_runtime::GrantReport) -> Vec<String> {
    let lines: Vec<String> = report
        .lines
        .iter()
        .filter(|l| l.effective())
        .map(|l| match l.capability {
            strato_runtime::audit::Capability::StateDir => {
                format!("state directory {} (seen as /state)", l.what)
            }
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
pub fn labelled(label: &str, lines: impl IntoIterator<Item = String>) -> Vec<String> {
    lines
        .into_iter()
        .enumerate()
        .map(|(i, line)| format!("{:<9}{line}", if i == 0 { label } else { "" }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_durations_and_sizes() {
        assert_eq!(duration(Duration::from_micros(850)), "850 µs");
        assert_eq!(duration(Duration::from_micros(12_345)), "12.3 ms");
        assert_eq!(duration(Duration::from_millis(3_412)), "3.41 s");
        assert_eq!(size(1_234_567), "1.2 MiB (1,234,567 bytes)");
        assert_eq!(size(999), "999 B (999 bytes)");
    }

    #[test]
    fn groups_and_aligns() {
        let names: Vec<String> = [
            "wasi:cli/stdin@0.2.6",
            "juju:environs/log@0.1.0",
            "wasi:cli/exit@0.2.6",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let groups = group_interfaces(&names);
        assert_eq!(
            groups[0],
            (
                "wasi:cli@0.2.6".to_string(),
                vec!["stdin".into(), "exit".into()]
            )
        );
        assert_eq!(groups[1].0, "juju:environs@0.1.0");
        assert_eq!(aligned([("a", "1"), ("bbb", "")]), ["a    1", "bbb"]);
        assert_eq!(wrap(&["aa", "bb", "cc"], 7), ["aa, bb,", "cc"]);
    }

    #[test]
    fn formats_port_ranges() {
        let rule = |from, to| IngressRule {
            protocol: "tcp".into(),
            from_port: from,
            to_port: to,
            source_cidrs: vec!["0.0.0.0/0".into()],
        };
        assert_eq!(port_range(&rule(80, 80)), "80/tcp");
        assert_eq!(
            ingress_rule(&rule(8080, 8081)),
            "8080-8081/tcp from 0.0.0.0/0"
        );
    }
}

/// How a command prints its data: a table or text for people, or JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Yaml,
}

impl Output {
    /// Prints `value` as JSON or YAML on stdout (even with `--quiet`: it is
    /// the result). `Format::Text` is the caller's own table; here it
    /// falls back to JSON so nothing is lost.
    pub fn data<T: serde::Serialize>(&self, format: Format, value: &T) -> Result<(), CliError> {
        let text = match format {
            Format::Yaml => serde_saphyr::to_string(value)
                .map_err(|e| CliError::failure(format!("cannot encode the output as YAML: {e}")))?,
            Format::Json | Format::Text => serde_json::to_string_pretty(value)
                .map_err(|e| CliError::failure(format!("cannot encode the output as JSON: {e}")))?,
        };
        self.result(text.trim_end());
        Ok(())
    }
}
