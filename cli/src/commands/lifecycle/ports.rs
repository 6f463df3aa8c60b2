//! `open-port`, `close-port` and `ports`, in both of Juju's firewall
//! modes: `instance` (rules per machine, through the provider's instance
//! firewaller) and `global` (rules for the whole model).

use clap::Args;
use serde::Serialize;
use strato_runtime::types::IngressRule;

use super::machines::{dash, plain_table, render};
use super::session::{Session, provider_error};
use super::{FormatArg, ModelArg, select_model};
use crate::context::Context;
use crate::error::CliError;
use crate::home::models::Models;
use crate::output::{self, Format, Output};

const PORT_AFTER_HELP: &str = "\
In firewall-mode instance (the model's default when the provider can) the range is opened on one
machine's instance: --machine is required. In firewall-mode global (a model bootstrapped with
--config firewall-mode=global) it is opened for every machine of the model.

Examples:
  strato open-port 80 --machine 1
  strato open-port 8000-8080/tcp --machine 2
  strato open-port 53/udp
  strato close-port 80 --machine 1";

#[derive(Args, Debug)]
#[command(after_help = PORT_AFTER_HELP)]
pub struct PortArgs {
    /// The port range: PORT, FROM-TO, optionally /tcp (default), /udp; or icmp.
    #[arg(value_name = "PORT[-TO][/PROTOCOL]")]
    pub range: String,
    /// The machine whose instance gets the rule (firewall-mode instance).
    #[arg(long, value_name = "ID")]
    pub machine: Option<String>,
    /// Where connections may come from (repeatable) [default: 0.0.0.0/0].
    #[arg(long = "source", value_name = "CIDR")]
    pub sources: Vec<String>,
    #[command(flatten)]
    pub model: ModelArg,
}

#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  strato ports\n  strato ports --format json")]
pub struct PortsArgs {
    #[command(flatten)]
    pub model: ModelArg,
    #[command(flatten)]
    pub format: FormatArg,
}

/// `80`, `8000-8080/tcp`, `53/udp`, `icmp`.
pub fn parse_range(text: &str, sources: &[String]) -> Result<IngressRule, CliError> {
    let bad = || {
        CliError::bad_input(format!("invalid port range {text:?}"))
            .hint("expected PORT, FROM-TO, with /tcp or /udp, or icmp")
    };
    let source_cidrs = if sources.is_empty() {
        vec!["0.0.0.0/0".to_string()]
    } else {
        sources.to_vec()
    };
    if text == "icmp" {
        return Ok(IngressRule {
            protocol: "icmp".into(),
            from_port: -1,
            to_port: -1,
            source_cidrs,
        });
    }
    let (ports, protocol) = match text.split_once('/') {
        Some((p, proto)) if ["tcp", "udp"].contains(&proto) => (p, proto),
        Some(_) => return Err(bad()),
        None => (text, "tcp"),
    };
    let port = |s: &str| s.parse::<u16>().ok().filter(|p| *p > 0).map(i32::from);
    let (from, to) = match ports.split_once('-') {
        Some((a, b)) => (port(a).ok_or_else(bad)?, port(b).ok_or_else(bad)?),
        None => {
            let p = port(ports).ok_or_else(bad)?;
            (p, p)
        }
    };
    if from > to {
        return Err(bad());
    }
    Ok(IngressRule {
        protocol: protocol.into(),
        from_port: from,
        to_port: to,
        source_cidrs,
    })
}

/// `open-port` (`open` true) and `close-port`.
pub async fn change(
    args: PortArgs,
    out: &Output,
    ctx: &Context,
    open: bool,
) -> Result<(), CliError> {
    let rule = parse_range(&args.range, &args.sources)?;
    let store = Models::open(&ctx.home)?;
    let (controller, model) = select_model(&store, args.model.model.as_deref())?;
    let verb = if open { "opened" } else { "closed" };
    let what = if open { "open-ports" } else { "close-ports" };
    let shown = output::port_range(&rule);
    if model.firewall_mode == "global" {
        let session = Session::connect(ctx, &controller, None).await?;
        let env = session.open(&model).await?;
        let rules = std::slice::from_ref(&rule);
        let result = if open {
            env.open_ports(rules).await
        } else {
            env.close_ports(rules).await
        };
        result.map_err(|e| provider_error(what, &e))?;
        let note = if args.machine.is_some() {
            " (firewall-mode global: the rule applies to every machine)"
        } else {
            ""
        };
        out.result(format!("{verb} {shown} for model {:?}{note}", model.name));
        return Ok(());
    }
    let Some(id) = args.machine.as_deref() else {
        return Err(CliError::bad_input(format!(
            "model {:?} is in firewall-mode {}: say which machine",
            model.name, model.firewall_mode
        ))
        .hint(format!(
            "pass --machine ID, e.g. `strato {} {} --machine 0`",
            if open { "open-port" } else { "close-port" },
            args.range
        )));
    };
    let machines = store.machines(&model.uuid)?;
    let Some(machine) = machines.iter().find(|m| m.id == id) else {
        return Err(CliError::bad_input(format!(
            "machine {id} not found in model {:?}",
            model.name
        ))
        .hint("see `strato machines`"));
    };
    let session = Session::connect(ctx, &controller, None).await?;
    let env = session.open(&model).await?;
    let rules = std::slice::from_ref(&rule);
    let result = if open {
        env.open_instance_ports(&machine.instance_id, &machine.id, rules)
            .await
    } else {
        env.close_instance_ports(&machine.instance_id, &machine.id, rules)
            .await
    };
    result.map_err(|e| provider_error(what, &e))?;
    out.result(format!(
        "{verb} {shown} on machine {id} ({})",
        machine.instance_id
    ));
    Ok(())
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
struct PortsReport {
    model: String,
    firewall_mode: String,
    /// One entry per machine in firewall-mode instance; one entry with
    /// `machine` null for the model in firewall-mode global.
    rules: Vec<MachinePorts>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "kebab-case")]
struct MachinePorts {
    machine: Option<String>,
    instance_id: Option<String>,
    ports: Vec<String>,
}

/// `ports`: the rules the provider reports now.
pub async fn list(args: PortsArgs, out: &Output, ctx: &Context) -> Result<(), CliError> {
    let store = Models::open(&ctx.home)?;
    let (controller, model) = select_model(&store, args.model.model.as_deref())?;
    let session = Session::connect(ctx, &controller, None).await?;
    let env = session.open(&model).await?;
    let mut rules = Vec::new();
    if model.firewall_mode == "global" {
        let now = env
            .ingress_rules()
            .await
            .map_err(|e| provider_error("ingress-rules", &e))?;
        rules.push(MachinePorts {
            machine: None,
            instance_id: None,
            ports: now.iter().map(output::ingress_rule).collect(),
        });
    } else {
        for m in store.machines(&model.uuid)? {
            let now = env
                .instance_ingress_rules(&m.instance_id, &m.id)
                .await
                .map_err(|e| provider_error(&format!("ingress-rules of machine {}", m.id), &e))?;
            rules.push(MachinePorts {
                machine: Some(m.id.clone()),
                instance_id: Some(m.instance_id.clone()),
                ports: now.iter().map(output::ingress_rule).collect(),
            });
        }
    }
    let report = PortsReport {
        model: model.name.clone(),
        firewall_mode: model.firewall_mode.clone(),
        rules,
    };
    if args.format.format != Format::Text {
        return out.data(args.format.format, &report);
    }
    let mut table = plain_table(["MACHINE", "INSTANCE ID", "PORTS"]);
    for r in &report.rules {
        table.add_row([
            r.machine.clone().unwrap_or_else(|| "(model)".into()),
            r.instance_id.clone().unwrap_or_else(|| "-".into()),
            dash(&r.ports.join(", ")),
        ]);
    }
    out.say(format!(
        "Model {:?}, firewall-mode {}:",
        report.model, report.firewall_mode
    ));
    out.result(render(&table));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_ranges() {
        let r = parse_range("80", &[]).expect("80");
        assert_eq!(
            (r.from_port, r.to_port, r.protocol.as_str()),
            (80, 80, "tcp")
        );
        let r = parse_range("8000-8080/udp", &[]).expect("range");
        assert_eq!(
            (r.from_port, r.to_port, r.protocol.as_str()),
            (8000, 8080, "udp")
        );
        assert_eq!(parse_range("icmp", &[]).expect("icmp").from_port, -1);
        for bad in ["0", "90-80", "80/sctp", "x", "70000"] {
            assert!(parse_range(bad, &[]).is_err(), "{bad}");
        }
    }
}
