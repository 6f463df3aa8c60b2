//! Ports: the model-level firewaller (`firewall-mode=global`, group
//! `juju-<model-uuid>-global`) and the per-instance one
//! (`firewall-mode=instance`, group `juju-<model-uuid>-<machine-id>`),
//! opened and closed with `AuthorizeSecurityGroupIngress` /
//! `RevokeSecurityGroupIngress`, listed with Juju's merging and sorting.

use strato_guest::types::IngressRule;
use strato_guest::{Error, Firewaller, InstanceFirewaller, Result};

use crate::config::FirewallMode;
use crate::environ::Ec2Environ;
use crate::groups::{self, Perm, Source};
use crate::xml::SecurityGroup;

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
    /// Juju's `invalid firewall mode` error unless the mode is `mode`.
    fn check_mode(&self, mode: FirewallMode, what: &str) -> Result<()> {
        let current = self.cfg().firewall_mode;
        if current != mode {
            return Err(Error::other(format!(
                "invalid firewall mode {:?} for {what}",
                current.as_str()
            )));
        }
        Ok(())
    }

    /// Group `name`, if it exists.
    fn port_group(&self, name: &str) -> Result<Option<SecurityGroup>> {
        groups::find(&self.client, &self.cfg(), name)
    }

    fn open_in(
        &self,
        mode: FirewallMode,
        name: &str,
        what: &str,
        rules: &[IngressRule],
    ) -> Result<()> {
        self.check_mode(mode, what)?;
        let perms = perms(rules)?;
        let Some(group) = self.port_group(name)? else {
            return Err(Error::not_found(format!(
                "security group {name:?} not found: no machine started yet"
            )));
        };
        groups::authorize(&self.client, &group.group_id, &perms)
    }

    fn close_in(
        &self,
        mode: FirewallMode,
        name: &str,
        what: &str,
        rules: &[IngressRule],
    ) -> Result<()> {
        self.check_mode(mode, what)?;
        let perms = perms(rules)?;
        match self.port_group(name)? {
            Some(group) => groups::revoke(&self.client, &group.group_id, &perms),
            None => Ok(()),
        }
    }

    fn rules_in(&self, mode: FirewallMode, name: &str, what: &str) -> Result<Vec<IngressRule>> {
        self.check_mode(mode, what)?;
        Ok(self
            .port_group(name)?
            .map(|g| rules(&groups::perms_of(&g)))
            .unwrap_or_default())
    }
}

impl Firewaller for Ec2Environ {
    fn open_ports(&self, rules: Vec<IngressRule>) -> Result<()> {
        let name = groups::global_group(&self.cfg());
        self.open_in(
            FirewallMode::Global,
            &name,
            "opening ports on model",
            &rules,
        )
    }

    fn close_ports(&self, rules: Vec<IngressRule>) -> Result<()> {
        let name = groups::global_group(&self.cfg());
        self.close_in(
            FirewallMode::Global,
            &name,
            "closing ports on model",
            &rules,
        )
    }

    fn ingress_rules(&self) -> Result<Vec<IngressRule>> {
        let name = groups::global_group(&self.cfg());
        self.rules_in(
            FirewallMode::Global,
            &name,
            "retrieving ingress rules from model",
        )
    }
}

/// Juju's `ec2Instance` ports: the machine's own group
/// `juju-<model-uuid>-<machine-id>` (the instance id is not needed).
impl InstanceFirewaller for Ec2Environ {
    fn open_ports(
        &self,
        _instance_id: String,
        machine_id: String,
        rules: Vec<IngressRule>,
    ) -> Result<()> {
        let name = groups::machine_group(&self.cfg(), &machine_id);
        self.open_in(
            FirewallMode::Instance,
            &name,
            "opening ports on instance",
            &rules,
        )
    }

    fn close_ports(
        &self,
        _instance_id: String,
        machine_id: String,
        rules: Vec<IngressRule>,
    ) -> Result<()> {
        let name = groups::machine_group(&self.cfg(), &machine_id);
        self.close_in(
            FirewallMode::Instance,
            &name,
            "closing ports on instance",
            &rules,
        )
    }

    fn ingress_rules(&self, _instance_id: String, machine_id: String) -> Result<Vec<IngressRule>> {
        let name = groups::machine_group(&self.cfg(), &machine_id);
        self.rules_in(
            FirewallMode::Instance,
            &name,
            "retrieving ingress rules from instance",
        )
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

    fn env(mode: &str) -> Ec2Environ {
        use strato_guest::config::AttrsExt;
        let mut cfg = strato_guest::types::Attrs::new();
        cfg.set("name", "m");
        cfg.set("uuid", "u");
        cfg.set("firewall-mode", mode);
        let cloud = strato_guest::types::CloudSpec {
            region: "us-east-1".into(),
            ..Default::default()
        };
        Ec2Environ::new(&cloud, cfg).unwrap_or_else(|e| panic!("{}", e.message))
    }

    #[test]
    fn the_wrong_mode_gets_jujus_errors_before_any_call() {
        let global = env("global");
        let e = InstanceFirewaller::open_ports(&global, "i-1".into(), "1".into(), Vec::new());
        assert_eq!(
            e.map_err(|e| e.message).err().as_deref(),
            Some("invalid firewall mode \"global\" for opening ports on instance")
        );
        let e = InstanceFirewaller::ingress_rules(&global, "i-1".into(), "1".into());
        assert_eq!(
            e.map_err(|e| e.message).err().as_deref(),
            Some("invalid firewall mode \"global\" for retrieving ingress rules from instance")
        );
        let instance = env("instance");
        let e = Firewaller::close_ports(&instance, vec![rule("tcp", 80, 80, &[])]);
        assert_eq!(
            e.map_err(|e| e.message).err().as_deref(),
            Some("invalid firewall mode \"instance\" for closing ports on model")
        );
    }

    #[test]
    fn bad_ranges_are_refused() {
        assert!(perms(&[rule("tcp", 0, 10, &[])]).is_err());
        assert!(perms(&[rule("icmp", 1, 1, &[])]).is_err());
        assert!(perms(&[rule("sctp", 1, 1, &[])]).is_err());
    }
}
