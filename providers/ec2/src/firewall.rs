//! The model-level firewaller (`firewall-mode=global`): ingress rules of
//! the group `juju-<model-uuid>-global`, opened and closed with
//! `AuthorizeSecurityGroupIngress` / `RevokeSecurityGroupIngress`.

use strato_guest::types::IngressRule;
use strato_guest::{Error, Firewaller, Result};

use crate::config::FirewallMode;
use crate::environ::Ec2Environ;
use crate::groups::{self, Perm, Source};

/// The permissions of `rules`, one per source CIDR (`0.0.0.0/0` when none).
pub fn perms(rules: &[IngressRule]) -> Result<Vec<Perm>> {
    let mut out = Vec::new();
    for r in rules {
        let protocol = r.protocol.to_lowercase();
        let valid = match protocol.as_str() {
            "icmp" => r.from_port == -1 && r.to_port == -1,
            "tcp" | "udp" => 1 <= r.from_port && r.from_port <= r.to_port && r.to_port <= 65535,
            _ => false,
        };
        if !valid {
            return Err(Error::not_valid(format!(
                "invalid port range {}-{}/{}",
                r.from_port, r.to_port, r.protocol
            )));
        }
        let cidrs = if r.source_cidrs.is_empty() {
            vec!["0.0.0.0/0".to_string()]
        } else {
            r.source_cidrs.clone()
        };
        for c in cidrs {
            out.push(Perm::cidr(&protocol, r.from_port, r.to_port, &c));
        }
    }
    Ok(out)
}

/// Juju's `IngressRules`: one rule per port range with its CIDRs merged,
/// sorted by protocol, ports and CIDRs; group-sourced permissions skipped.
pub fn rules(perms: &[Perm]) -> Vec<IngressRule> {
    let mut out: Vec<IngressRule> = Vec::new();
    for p in perms {
        let Source::Cidr(cidr) = &p.source else {
            continue;
        };
        match out
            .iter_mut()
            .find(|r| r.protocol == p.protocol && r.from_port == p.from && r.to_port == p.to)
        {
            Some(r) => {
                if !r.source_cidrs.contains(cidr) {
                    r.source_cidrs.push(cidr.clone());
                }
            }
            None => out.push(IngressRule {
                protocol: p.protocol.clone(),
                from_port: p.from,
                to_port: p.to,
                source_cidrs: vec![cidr.clone()],
            }),
        }
    }
    for r in &mut out {
        r.source_cidrs.sort();
    }
    out.sort_by(|a, b| {
        (
            &a.protocol,
            a.from_port,
            a.to_port,
            a.source_cidrs.join(","),
        )
            .cmp(&(
                &b.protocol,
                b.from_port,
                b.to_port,
                b.source_cidrs.join(","),
            ))
    });
    out
}

impl Ec2Environ {
    fn global_group_id(&self, what: &str) -> Result<Option<String>> {
        let cfg = self.cfg();
        if cfg.firewall_mode != FirewallMode::Global {
            return Err(Error::other(format!(
                "invalid firewall mode {:?} for {what}",
                cfg.firewall_mode.as_str()
            )));
        }
        Ok(groups::find(&self.client, &cfg, &groups::global_group(&cfg))?.map(|g| g.group_id))
    }
}

impl Firewaller for Ec2Environ {
    fn open_ports(&self, rules: Vec<IngressRule>) -> Result<()> {
        let perms = perms(&rules)?;
        let Some(id) = self.global_group_id("opening ports on model")? else {
            return Err(Error::not_found(format!(
                "security group {:?} not found: no machine started yet",
                groups::global_group(&self.cfg())
            )));
        };
        groups::authorize(&self.client, &id, &perms)
    }

    fn close_ports(&self, rules: Vec<IngressRule>) -> Result<()> {
        let perms = perms(&rules)?;
        match self.global_group_id("closing ports on model")? {
            Some(id) => groups::revoke(&self.client, &id, &perms),
            None => Ok(()),
        }
    }

    fn ingress_rules(&self) -> Result<Vec<IngressRule>> {
        let cfg = self.cfg();
        if cfg.firewall_mode != FirewallMode::Global {
            return Err(Error::other(format!(
                "invalid firewall mode {:?} for retrieving ingress rules from model",
                cfg.firewall_mode.as_str()
            )));
        }
        match groups::find(&self.client, &cfg, &groups::global_group(&cfg))? {
            Some(g) => Ok(rules(&groups::perms_of(&g))),
            None => Ok(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(p: &str, from: i32, to: i32, cidrs: &[&str]) -> IngressRule {
        IngressRule {
            protocol: p.into(),
            from_port: from,
            to_port: to,
            source_cidrs: cidrs.iter().map(|c| c.to_string()).collect(),
        }
    }

    #[test]
    fn rules_round_trip_merged_and_sorted() {
        let input = [
            rule("udp", 53, 53, &[]),
            rule("tcp", 80, 80, &["10.0.0.0/8", "0.0.0.0/0"]),
            rule("tcp", 22, 22, &[]),
            rule("icmp", -1, -1, &[]),
        ];
        let p = perms(&input).expect("valid");
        assert_eq!(p.len(), 5);
        let back = rules(&p);
        assert_eq!(
            back,
            vec![
                rule("icmp", -1, -1, &["0.0.0.0/0"]),
                rule("tcp", 22, 22, &["0.0.0.0/0"]),
                rule("tcp", 80, 80, &["0.0.0.0/0", "10.0.0.0/8"]),
                rule("udp", 53, 53, &["0.0.0.0/0"]),
            ]
        );
    }

    #[test]
    fn bad_ranges_are_refused() {
        assert!(perms(&[rule("tcp", 0, 10, &[])]).is_err());
        assert!(perms(&[rule("icmp", 1, 1, &[])]).is_err());
        assert!(perms(&[rule("sctp", 1, 1, &[])]).is_err());
    }
}
