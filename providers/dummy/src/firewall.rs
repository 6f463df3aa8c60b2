//! Ports: model-wide rules (`firewaller`, `firewall-mode=global`) and
//! per-instance rules (`instance-firewaller`, `firewall-mode=instance`),
//! with Juju's exact errors for the wrong mode.
//!
//! Rules are kept merged: one rule per (protocol, port range) holding every
//! source CIDR (default `0.0.0.0/0`), sorted by protocol, from, to, CIDRs.

use strato_guest::types::IngressRule;
use strato_guest::{Error, Firewaller, InstanceFirewaller, Result};

use crate::config::FirewallMode;
use crate::environ::DummyEnviron;

const DEFAULT_CIDR: &str = "0.0.0.0/0";

fn wrong_mode(mode: FirewallMode, action: &str, target: &str) -> Error {
    Error::other(format!(
        "invalid firewall mode {:?} for {action} {target}",
        mode.as_str()
    ))
}

/// Checks a rule and fills in the default source CIDR.
fn normalize(mut rule: IngressRule) -> Result<IngressRule> {
    let protocol = rule.protocol.to_ascii_lowercase();
    let valid = match protocol.as_str() {
        "tcp" | "udp" => {
            (1..=65535).contains(&rule.from_port)
                && rule.from_port <= rule.to_port
                && rule.to_port <= 65535
        }
        "icmp" => rule.from_port == rule.to_port,
        _ => false,
    };
    if !valid {
        return Err(Error::not_valid(format!(
            "invalid port range {}-{}/{}",
            rule.from_port, rule.to_port, rule.protocol
        )));
    }
    rule.protocol = protocol;
    if rule.source_cidrs.is_empty() {
        rule.source_cidrs.push(DEFAULT_CIDR.to_string());
    }
    rule.source_cidrs.sort();
    rule.source_cidrs.dedup();
    Ok(rule)
}

fn same_range(a: &IngressRule, b: &IngressRule) -> bool {
    a.protocol == b.protocol && a.from_port == b.from_port && a.to_port == b.to_port
}

fn sort(rules: &mut [IngressRule]) {
    rules.sort_by(|a, b| {
        (&a.protocol, a.from_port, a.to_port, &a.source_cidrs).cmp(&(
            &b.protocol,
            b.from_port,
            b.to_port,
            &b.source_cidrs,
        ))
    });
}

/// Adds `new` to `rules`, merging CIDRs of an existing port range.
pub fn open(rules: &mut Vec<IngressRule>, new: Vec<IngressRule>) -> Result<()> {
    for rule in new {
        let rule = normalize(rule)?;
        match rules.iter_mut().find(|r| same_range(r, &rule)) {
            Some(existing) => {
                existing.source_cidrs.extend(rule.source_cidrs);
                existing.source_cidrs.sort();
                existing.source_cidrs.dedup();
            }
            None => rules.push(rule),
        }
    }
    sort(rules);
    Ok(())
}

/// Removes the CIDRs of `old` from `rules`; absent rules are fine.
pub fn close(rules: &mut Vec<IngressRule>, old: Vec<IngressRule>) -> Result<()> {
    for rule in old {
        let rule = normalize(rule)?;
        if let Some(existing) = rules.iter_mut().find(|r| same_range(r, &rule)) {
            existing
                .source_cidrs
                .retain(|c| !rule.source_cidrs.contains(c));
        }
        rules.retain(|r| !r.source_cidrs.is_empty());
    }
    sort(rules);
    Ok(())
}

impl Firewaller for DummyEnviron {
    fn open_ports(&self, rules: Vec<IngressRule>) -> Result<()> {
        let mode = self.cfg()?.firewall_mode;
        if mode != FirewallMode::Global {
            return Err(wrong_mode(mode, "opening ports on", "model"));
        }
        self.store()?
            .update(|state| open(&mut state.global_rules, rules))
    }

    fn close_ports(&self, rules: Vec<IngressRule>) -> Result<()> {
        let mode = self.cfg()?.firewall_mode;
        if mode != FirewallMode::Global {
            return Err(wrong_mode(mode, "closing ports on", "model"));
        }
        self.store()?
            .update(|state| close(&mut state.global_rules, rules))
    }

    fn ingress_rules(&self) -> Result<Vec<IngressRule>> {
        let mode = self.cfg()?.firewall_mode;
        if mode != FirewallMode::Global {
            return Err(wrong_mode(mode, "retrieving ingress rules from", "model"));
        }
        Ok(self.store()?.get()?.global_rules)
    }
}

impl DummyEnviron {
    /// Runs `f` on the rules of `instance_id` after checking the mode and
    /// that the instance belongs to `machine_id` (Juju's dummy panics there).
    fn with_instance_rules<T>(
        &self,
        action: &str,
        instance_id: &str,
        machine_id: &str,
        f: impl FnOnce(&mut Vec<IngressRule>) -> Result<T>,
    ) -> Result<T> {
        let mode = self.cfg()?.firewall_mode;
        if mode != FirewallMode::Instance {
            return Err(wrong_mode(mode, action, "instance"));
        }
        self.store()?.update(|state| {
            let inst = state
                .instances
                .get_mut(instance_id)
                .ok_or_else(|| Error::not_found(format!("instance {instance_id:?} not found")))?;
            if inst.machine_id != machine_id {
                return Err(Error::not_valid(format!(
                    "instance {instance_id:?} belongs to machine {:?}, not {machine_id:?}",
                    inst.machine_id
                )));
            }
            f(&mut inst.rules)
        })
    }
}

impl InstanceFirewaller for DummyEnviron {
    fn open_ports(
        &self,
        instance_id: String,
        machine_id: String,
        rules: Vec<IngressRule>,
    ) -> Result<()> {
        self.with_instance_rules("opening ports on", &instance_id, &machine_id, |r| {
            open(r, rules)
        })
    }

    fn close_ports(
        &self,
        instance_id: String,
        machine_id: String,
        rules: Vec<IngressRule>,
    ) -> Result<()> {
        self.with_instance_rules("closing ports on", &instance_id, &machine_id, |r| {
            close(r, rules)
        })
    }

    fn ingress_rules(&self, instance_id: String, machine_id: String) -> Result<Vec<IngressRule>> {
        self.with_instance_rules(
            "retrieving ingress rules from",
            &instance_id,
            &machine_id,
            |r| Ok(r.clone()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(protocol: &str, from: i32, to: i32, cidrs: &[&str]) -> IngressRule {
        IngressRule {
            protocol: protocol.into(),
            from_port: from,
            to_port: to,
            source_cidrs: cidrs.iter().map(|c| c.to_string()).collect(),
        }
    }

    // Opened rules come back sorted with the default CIDR; re-opening is a no-op.
    #[test]
    fn open_is_sorted_and_idempotent() {
        let mut rules = Vec::new();
        let wanted = vec![
            rule("udp", 67, 67, &[]),
            rule("tcp", 45, 45, &[]),
            rule("tcp", 80, 100, &[]),
        ];
        open(&mut rules, wanted.clone()).unwrap();
        open(&mut rules, wanted).unwrap();
        let want = vec![
            rule("tcp", 45, 45, &[DEFAULT_CIDR]),
            rule("tcp", 80, 100, &[DEFAULT_CIDR]),
            rule("udp", 67, 67, &[DEFAULT_CIDR]),
        ];
        assert_eq!(rules, want);
    }

    // CIDRs merge per port range; closing one CIDR keeps the others.
    #[test]
    fn cidrs_merge_and_close() {
        let mut rules = Vec::new();
        open(&mut rules, vec![rule("tcp", 22, 22, &["10.0.0.0/8"])]).unwrap();
        open(&mut rules, vec![rule("tcp", 22, 22, &["192.168.0.0/16"])]).unwrap();
        assert_eq!(
            rules,
            vec![rule("tcp", 22, 22, &["10.0.0.0/8", "192.168.0.0/16"])]
        );
        close(
            &mut rules,
            vec![rule("tcp", 22, 22, &["10.0.0.0/8"]), rule("tcp", 1, 2, &[])],
        )
        .unwrap();
        assert_eq!(rules, vec![rule("tcp", 22, 22, &["192.168.0.0/16"])]);
    }

    // The wrong-mode errors are Juju's, word for word.
    #[test]
    fn wrong_mode_messages() {
        let err = wrong_mode(FirewallMode::Instance, "opening ports on", "model");
        assert_eq!(
            err.message,
            r#"invalid firewall mode "instance" for opening ports on model"#
        );
        let err = wrong_mode(
            FirewallMode::Global,
            "retrieving ingress rules from",
            "instance",
        );
        assert_eq!(
            err.message,
            r#"invalid firewall mode "global" for retrieving ingress rules from instance"#
        );
    }
}
