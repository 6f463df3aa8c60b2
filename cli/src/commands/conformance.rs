//! `strato conformance`: the conformance kit (`strato-conformance`) run on a
//! provider component, one line per contract.

use std::path::PathBuf;

use clap::Args;
use serde::Serialize;
use strato_conformance::{self as kit, Fixture, Outcome, Report};
use strato_runtime::RuntimeConfig;

use super::runtime::{cache_dir, classify};
use crate::context::Context;
use crate::error::CliError;
use crate::output::{Format, Output};

const AFTER_HELP: &str = "\
Runs the behaviour contracts of Juju's environs suites against the component, each in a fresh
sandboxed instance with a temporary state directory of its own. The fixture (YAML, or JSON if the
file ends in .json) gives the model config, cloud, credential and the provider author's
expectations; see tests/conformance/fixtures/dummy.yaml for the format. Without --fixture the
dummy provider's fixture is used, which suits only a component of cloud type `dummy`. A provider
whose bootstrap answers not-implemented is bootstrapped by the host (Juju's common.Bootstrap), as
EC2 is; tests/conformance/fixtures/ec2-moto.yaml is EC2's fixture (set its endpoint and key).

Exit status: 0 every contract passed or was skipped, 1 a contract failed (or the runtime failed),
2 bad input: unreadable component or fixture, not a provider component, unknown contract id.

Examples:
  strato dummy-component dummy.wasm && strato conformance dummy.wasm
  strato conformance provider.wasm --fixture my-cloud.yaml
  strato conformance provider.wasm --fixture my-cloud.yaml --only instances-partial,firewall-ports
  strato conformance provider.wasm --fixture my-cloud.yaml --format json";

/// Run the conformance kit (Juju's environs behaviour contracts) on a provider component.
#[derive(Args, Debug)]
#[command(after_help = AFTER_HELP)]
pub struct ConformanceArgs {
    /// The provider component (.wasm) to check.
    pub component: PathBuf,

    /// The fixture (YAML or JSON) describing the provider's cloud
    /// [default: the dummy provider's fixture].
    #[arg(long, value_name = "FILE")]
    pub fixture: Option<PathBuf>,

    /// Run only these contracts (comma-separated ids, as printed in the report).
    #[arg(long, value_name = "ID,...", value_delimiter = ',')]
    pub only: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

pub async fn run(args: ConformanceArgs, out: &Output, ctx: &Context) -> Result<(), CliError> {
    check_ids(&args.only)?;
    let (fixture, fixture_name) = match &args.fixture {
        Some(path) => (
            Fixture::load(path).map_err(|e| CliError::bad_input(e.to_string()))?,
            path.display().to_string(),
        ),
        None => (Fixture::dummy(), "dummy (built in)".to_string()),
    };
    let shown = args.component.display().to_string();
    let bytes = std::fs::read(&args.component)
        .map_err(|e| CliError::bad_input(format!("{shown}: cannot read: {e}")))?;
    let runtime = ctx.runtime(RuntimeConfig {
        cache_dir: cache_dir(),
        ..RuntimeConfig::default()
    })?;
    let component = runtime
        .load_bytes(&bytes)
        .await
        .map_err(|e| classify(&shown, &e))?;

    let text = args.format == Format::Text;
    if text {
        if args.fixture.is_none() {
            out.say(format!(
                "no --fixture given: using the dummy provider's fixture (cloud type {})",
                fixture.cloud.cloud_type
            ));
        }
        out.say(format!(
            "conformance of {shown} with fixture {fixture_name}"
        ));
        if let Some(policy) = &ctx.policy {
            out.say(format!(
                "note: the policy {} is not applied: each contract runs with a fresh state \
                 directory and nothing else",
                policy.source()
            ));
        }
    }
    let report = kit::run_matching(&component, &fixture, |c| {
        args.only.is_empty() || args.only.iter().any(|id| id == c.id)
    })
    .await;

    if text {
        for line in report.to_string().lines() {
            out.result(line);
        }
    } else {
        out.data(
            args.format,
            &JsonReport::new(&shown, &fixture_name, &report),
        )?;
    }
    match report.failed() {
        0 => Ok(()),
        n => Err(CliError::failure(format!(
            "{n} of {} contracts failed",
            report.results.len()
        ))),
    }
}

/// Every `--only` id must name a contract: a typo must not pass silently.
fn check_ids(only: &[String]) -> Result<(), CliError> {
    let known: Vec<&str> = kit::contracts().iter().map(|c| c.id).collect();
    let unknown: Vec<&str> = only
        .iter()
        .map(String::as_str)
        .filter(|id| !known.contains(id))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(
        CliError::bad_input(format!("--only: unknown contract {}", unknown.join(", ")))
            .hint(format!("known: {}", known.join(", "))),
    )
}

/// The report in `--format json`.
#[derive(Serialize, Debug)]
struct JsonReport<'a> {
    component: &'a str,
    sha256: &'a str,
    fixture: &'a str,
    passed: usize,
    failed: usize,
    skipped: usize,
    results: Vec<JsonResult<'a>>,
}

#[derive(Serialize, Debug)]
struct JsonResult<'a> {
    id: &'a str,
    name: &'a str,
    /// `pass`, `fail` or `skip`.
    outcome: &'static str,
    /// Why it failed or was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

impl<'a> JsonReport<'a> {
    fn new(component: &'a str, fixture: &'a str, report: &'a Report) -> Self {
        JsonReport {
            component,
            sha256: &report.component_sha256,
            fixture,
            passed: report.passed(),
            failed: report.failed(),
            skipped: report.skipped(),
            results: report
                .results
                .iter()
                .map(|r| {
                    let (outcome, reason) = match &r.outcome {
                        Outcome::Pass => ("pass", None),
                        Outcome::Fail(why) => ("fail", Some(why.as_str())),
                        Outcome::Skip(why) => ("skip", Some(why.as_str())),
                    };
                    JsonResult {
                        id: r.id,
                        name: r.name,
                        outcome,
                        reason,
                    }
                })
                .collect(),
        }
    }
}
