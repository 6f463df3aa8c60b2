//! `strato audit`: the capability decisions recorded by recent runs.

use clap::Args;

use super::{data_help, table};
use crate::context::Context;
use crate::error::CliError;
use crate::home::audit::{self, Filter};
use crate::output::{Format, Output};

pub const AUDIT_HELP: &str = concat!(
    "\
Every run that loads a provider records each capability decision (allowed or denied) in
strato.db: loading, grants, network requests, request signing, secret reveals, the state
directory, environment variables and directories read, limits and traps. Credential values
are never recorded, only credential names.

Columns: time (UTC), provider, cloud, capability, decision, what (destination, then the
method in progress). --format json|yaml adds run, command, sha256, credential, method,
reason, bytes and latency.

Examples:
  strato audit
  strato audit --decision denied
  strato audit --provider ec2 --limit 20 --format json

",
    data_help!()
);

/// `audit` arguments.
#[derive(Args, Debug)]
pub struct AuditArgs {
    /// Only this provider's events.
    #[arg(long, value_name = "NAME")]
    pub provider: Option<String>,
    /// Only allowed or only denied decisions.
    #[arg(long, value_parser = ["allowed", "denied"])]
    pub decision: Option<String>,
    /// The most recent N events.
    #[arg(long, short = 'n', default_value_t = 50, value_name = "N")]
    pub limit: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// `strato audit`.
pub fn show(args: AuditArgs, out: &Output, ctx: &Context) -> Result<(), CliError> {
    let records = audit::query(
        &ctx.home,
        &Filter {
            provider: args.provider,
            decision: args.decision,
            limit: args.limit,
        },
    )?;
    if args.format != Format::Text {
        return out.data(args.format, &records);
    }
    if records.is_empty() {
        out.say("no audit events recorded (they are recorded by commands that load a provider)");
        return Ok(());
    }
    let rows = records.iter().map(|r| {
        let mut what = r.destination.clone();
        if !r.method.is_empty() {
            what.push_str(&format!(" during {}", r.method));
        }
        vec![
            r.time.replace('T', " "),
            r.provider.clone(),
            if r.cloud.is_empty() {
                "-".into()
            } else {
                r.cloud.clone()
            },
            r.capability.clone(),
            r.decision.clone(),
            what,
        ]
    });
    out.result(table(
        &[
            "TIME",
            "PROVIDER",
            "CLOUD",
            "CAPABILITY",
            "DECISION",
            "WHAT",
        ],
        rows,
    ));
    Ok(())
}
