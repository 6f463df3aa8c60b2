//! Choosing an instance type from constraints, as Juju's
//! `instances.MatchingInstanceTypes` does, over a small built-in table: a
//! subset of the current-generation us-east-1 entries of Juju's generated
//! EC2 table (cost in USD per 1000 hours). The full per-region table with
//! its cost metadata is not carried yet.

use strato_guest::types::{Constraints, InstanceType};
use strato_guest::{Error, Result};

/// (name, arches, cores, cpu-power, mem MiB, cost).
type Entry = (&'static str, &'static [&'static str], u64, u64, u64, u64);

const TABLE: &[Entry] = &[
    ("t2.nano", &["amd64", "i386"], 1, 5, 512, 6),
    ("t2.micro", &["amd64", "i386"], 1, 10, 1024, 11),
    ("t2.small", &["amd64", "i386"], 1, 20, 2048, 23),
    ("t2.medium", &["amd64", "i386"], 2, 40, 4096, 46),
    ("t2.large", &["amd64"], 2, 60, 8192, 92),
    ("m3.medium", &["amd64", "i386"], 1, 300, 3840, 67),
    ("m4.large", &["amd64"], 2, 650, 8192, 100),
    ("c4.large", &["amd64"], 2, 800, 3840, 100),
    ("r4.large", &["amd64"], 2, 700, 15616, 133),
    ("m4.xlarge", &["amd64"], 4, 1300, 16384, 200),
    ("c4.xlarge", &["amd64"], 4, 1600, 7680, 199),
    ("m4.2xlarge", &["amd64"], 8, 2600, 32768, 400),
];

/// Every type of the table.
pub fn all() -> Vec<InstanceType> {
    TABLE
        .iter()
        .map(|&(name, arches, cores, power, mem, cost)| InstanceType {
            id: name.to_string(),
            name: name.to_string(),
            arches: arches.iter().map(|a| a.to_string()).collect(),
            cpu_cores: cores,
            mem,
            cost,
            root_disk: 0,
            virt_type: Some("hvm".to_string()),
            cpu_power: Some(power),
            tags: Vec::new(),
            deprecated: false,
        })
        .collect()
}

fn matches(c: &Constraints, t: &InstanceType) -> bool {
    let arch_ok = c.arch.as_ref().is_none_or(|a| t.arches.contains(a));
    let name_ok = c.instance_type.as_ref().is_none_or(|n| *n == t.name);
    let power_ok = match (c.cpu_power, t.cpu_power) {
        (Some(want), Some(have)) => have >= want,
        _ => true,
    };
    arch_ok
        && name_ok
        && power_ok
        && c.cores.is_none_or(|n| t.cpu_cores >= n)
        && c.mem.is_none_or(|m| t.mem >= m)
        && c.virt_type
            .as_ref()
            .is_none_or(|v| t.virt_type.as_deref() == Some(v.as_str()))
}

/// Juju's `MatchingInstanceTypes`: the types satisfying `cons`, cheapest
/// first. Without `instance-type` and `mem`, types with at least 1 GiB are
/// preferred, else only the largest-memory match is returned.
pub fn matching(region: &str, cons: &Constraints) -> Result<Vec<InstanceType>> {
    let types = all();
    let mut found: Vec<InstanceType> = if cons.instance_type.is_none() && cons.mem.is_none() {
        let mut with_mem = cons.clone();
        with_mem.mem = Some(1024);
        let first: Vec<_> = types
            .iter()
            .filter(|t| matches(&with_mem, t))
            .cloned()
            .collect();
        if first.is_empty() {
            let mut rest: Vec<_> = types.iter().filter(|t| matches(cons, t)).cloned().collect();
            rest.sort_by(|a, b| b.mem.cmp(&a.mem).then(a.cost.cmp(&b.cost)));
            rest.truncate(1);
            rest
        } else {
            first
        }
    } else {
        types.iter().filter(|t| matches(cons, t)).cloned().collect()
    };
    found.sort_by(|a, b| {
        (a.cost, a.mem, a.cpu_power, a.cpu_cores).cmp(&(b.cost, b.mem, b.cpu_power, b.cpu_cores))
    });
    if found.is_empty() {
        return Err(match &cons.instance_type {
            Some(name) => Error::not_valid(format!("invalid AWS instance type {name:?} specified")),
            None => Error::not_found(format!(
                "no instance types in {region} matching constraints {cons:?}"
            )),
        });
    }
    Ok(found)
}

/// The type to start a machine with (Juju's `findInstanceSpec` without
/// images): non-controller machines default to `cpu-power=100`.
pub fn choose(region: &str, cons: &Constraints, controller: bool) -> Result<InstanceType> {
    let mut cons = cons.clone();
    if !controller && cons.instance_type.is_none() && cons.cpu_power.is_none() {
        cons.cpu_power = Some(100);
    }
    matching(region, &cons)?
        .into_iter()
        .next()
        .ok_or_else(|| Error::not_found(format!("no instance types in {region}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cons(text: &str) -> Constraints {
        Constraints::parse(text).expect("constraints")
    }

    #[test]
    fn defaults_pick_the_cheapest_with_power_and_memory() {
        let t = choose("us-east-1", &cons(""), false).expect("a type");
        assert_eq!(t.name, "m3.medium");
        // Controllers have no cpu-power default: the cheapest with 1 GiB.
        let t = choose("us-east-1", &cons(""), true).expect("a type");
        assert_eq!(t.name, "t2.micro");
    }

    #[test]
    fn constraints_narrow_the_choice() {
        assert_eq!(
            choose("r", &cons("mem=8G"), false).map(|t| t.name).ok(),
            Some("m4.large".into())
        );
        assert_eq!(
            choose("r", &cons("cores=4"), false).map(|t| t.name).ok(),
            Some("c4.xlarge".into())
        );
        assert_eq!(
            choose("r", &cons("instance-type=t2.nano"), false)
                .map(|t| t.name)
                .ok(),
            Some("t2.nano".into())
        );
        let e = choose("r", &cons("instance-type=x9.huge"), false).expect_err("unknown");
        assert_eq!(e.kind, strato_guest::ErrorKind::NotValid);
        assert!(choose("r", &cons("arch=arm64"), false).is_err());
    }
}
