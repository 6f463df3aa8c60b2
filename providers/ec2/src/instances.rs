//! Instances: `RunInstances`, `DescribeInstances` with Juju's filters,
//! `TerminateInstances`, and what the provider reports of them.

use strato_guest::types::{
    AddressScope, AddressType, HardwareCharacteristics, Instance, InstanceState, InstanceStatus,
    ProviderAddress,
};
use strato_guest::{Error, Result};

use crate::client::{Client, Params};
use crate::config::Ec2Config;
use crate::groups;
use crate::xml::{Ec2Instance, InstancesResponse, TerminateResponse};

/// Tag keys Juju puts on cloud resources.
pub const TAG_MODEL: &str = "juju-model-uuid";
pub const TAG_CONTROLLER: &str = "juju-controller-uuid";
pub const TAG_IS_CONTROLLER: &str = "juju-is-controller";

/// States of an instance that is alive (Juju's `aliveInstanceStates`).
pub const ALIVE: &[&str] = &["pending", "running"];
/// States `AllInstances` lists.
pub const LISTED: &[&str] = &["rebooting", "pending", "running", "stopping", "stopped"];

/// The instances matching `filters` (every page).
pub fn describe(client: &Client, filters: &[(&str, Vec<&str>)]) -> Result<Vec<Ec2Instance>> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut p = Params::new();
        for (name, values) in filters {
            p.filter(name, values);
        }
        if let Some(t) = &token {
            p.set("NextToken", t.as_str());
        }
        let r: InstancesResponse = client.call("DescribeInstances", &p)?;
        out.extend(
            r.reservation_set
                .item
                .into_iter()
                .flat_map(|r| r.instances_set.item),
        );
        match r.next_token.filter(|t| !t.is_empty()) {
            Some(t) if token.as_ref() != Some(&t) => token = Some(t),
            _ => return Ok(out),
        }
    }
}

/// `Instances(ids)`: alive instances of this model, one slot per id.
pub fn by_ids(client: &Client, cfg: &Ec2Config, ids: &[String]) -> Result<Vec<Option<Instance>>> {
    let wanted: Vec<&str> = ids
        .iter()
        .map(String::as_str)
        .filter(|i| !i.is_empty())
        .collect();
    if wanted.is_empty() {
        return Ok(ids.iter().map(|_| None).collect());
    }
    let found = describe(
        client,
        &[
            ("instance-state-name", ALIVE.to_vec()),
            ("instance-id", wanted),
            (&format!("tag:{TAG_MODEL}"), vec![cfg.uuid.as_str()]),
        ],
    )?;
    Ok(ids
        .iter()
        .map(|id| {
            found
                .iter()
                .find(|i| !id.is_empty() && i.instance_id == *id)
                .map(to_instance)
        })
        .collect())
}

/// `AllInstances`: the instances in the model's group, in any listed state.
pub fn all(client: &Client, cfg: &Ec2Config) -> Result<Vec<Ec2Instance>> {
    let Some(group) = groups::find(client, cfg, &groups::model_group(cfg))? else {
        return Ok(Vec::new());
    };
    describe(
        client,
        &[
            ("instance-state-name", LISTED.to_vec()),
            ("instance.group-id", vec![group.group_id.as_str()]),
        ],
    )
}

/// `ControllerInstances(uuid)`.
pub fn controllers(client: &Client, controller_uuid: &str) -> Result<Vec<String>> {
    let found = describe(
        client,
        &[
            ("instance-state-name", ALIVE.to_vec()),
            (&format!("tag:{TAG_IS_CONTROLLER}"), vec!["true"]),
            (&format!("tag:{TAG_CONTROLLER}"), vec![controller_uuid]),
        ],
    )?;
    if found.is_empty() {
        return Err(Error::not_bootstrapped());
    }
    Ok(found.into_iter().map(|i| i.instance_id).collect())
}

/// `TerminateInstances`; ids EC2 does not know are ignored.
pub fn terminate(client: &Client, ids: &[String]) -> Result<()> {
    let ids: Vec<String> = ids.iter().filter(|i| !i.is_empty()).cloned().collect();
    if ids.is_empty() {
        return Ok(());
    }
    let mut p = Params::new();
    p.list("InstanceId", &ids);
    match client.call::<TerminateResponse>("TerminateInstances", &p) {
        Ok(_) => Ok(()),
        Err(e)
            if e.code() == "InvalidInstanceID.NotFound"
                || e.code() == "InvalidInstanceID.Malformed" =>
        {
            // One at a time, ignoring the unknown ones (Juju does the same).
            for id in &ids {
                let mut p = Params::new();
                p.set("InstanceId.1", id.as_str());
                match client.call_raw("TerminateInstances", &p) {
                    Err(e)
                        if e.code() != "InvalidInstanceID.NotFound"
                            && e.code() != "InvalidInstanceID.Malformed" =>
                    {
                        return Err(e.into());
                    }
                    _ => {}
                }
            }
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// `StopInstances`: terminates, then deletes the per-machine groups of the
/// instances (never the model or global group).
pub fn stop(client: &Client, cfg: &Ec2Config, ids: &[String]) -> Result<()> {
    let wanted: Vec<&str> = ids
        .iter()
        .map(String::as_str)
        .filter(|i| !i.is_empty())
        .collect();
    let known = if wanted.is_empty() {
        Vec::new()
    } else {
        describe(client, &[("instance-id", wanted)])?
    };
    terminate(client, ids)?;
    let keep = [groups::model_group(cfg), groups::global_group(cfg)];
    let prefix = format!("juju-{}-", cfg.uuid);
    let mut doomed: Vec<String> = known
        .iter()
        .flat_map(|i| i.group_set.item.iter())
        .filter(|g| g.group_name.starts_with(&prefix) && !keep.contains(&g.group_name))
        .map(|g| g.group_id.clone())
        .collect();
    doomed.sort();
    doomed.dedup();
    for id in doomed {
        if let Err(e) = groups::delete(client, &id) {
            strato_guest::warn!("cannot delete security group {id}: {}", e.message);
        }
    }
    Ok(())
}

/// `Instance.Status`: pending and running as they are, the rest empty with
/// the EC2 state as message.
pub fn status(state: &str) -> InstanceStatus {
    let state_value = match state {
        "pending" => InstanceState::Pending,
        "running" => InstanceState::Running,
        _ => InstanceState::Empty,
    };
    InstanceStatus {
        state: state_value,
        message: state.to_string(),
    }
}

fn address(value: &str, scope: AddressScope) -> ProviderAddress {
    ProviderAddress {
        value: value.to_string(),
        address_type: if value.contains(':') {
            AddressType::Ipv6
        } else {
            AddressType::Ipv4
        },
        scope,
        space_name: String::new(),
        provider_space_id: String::new(),
    }
}

/// Juju's architecture names for EC2's.
pub fn arch(ec2: &str) -> String {
    match ec2 {
        "x86_64" => "amd64".into(),
        "i386" => "i386".into(),
        "arm64" => "arm64".into(),
        other => other.into(),
    }
}

/// What the provider reports of an EC2 instance.
pub fn to_instance(i: &Ec2Instance) -> Instance {
    let mut addresses = Vec::new();
    if !i.ip_address.is_empty() {
        addresses.push(address(&i.ip_address, AddressScope::Public));
    }
    if !i.private_ip_address.is_empty() {
        addresses.push(address(&i.private_ip_address, AddressScope::LocalCloud));
    }
    let zone = &i.placement.availability_zone;
    Instance {
        id: i.instance_id.clone(),
        status: status(&i.instance_state.name),
        addresses,
        hardware: Some(HardwareCharacteristics {
            arch: (!i.architecture.is_empty()).then(|| arch(&i.architecture)),
            availability_zone: (!zone.is_empty()).then(|| zone.clone()),
            ..Default::default()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{Placement, State};

    #[test]
    fn instances_report_state_and_addresses() {
        let i = Ec2Instance {
            instance_id: "i-1".into(),
            instance_state: State {
                name: "terminated".into(),
            },
            private_ip_address: "10.0.0.1".into(),
            placement: Placement {
                availability_zone: "us-east-1b".into(),
            },
            architecture: "x86_64".into(),
            ..Default::default()
        };
        let inst = to_instance(&i);
        assert_eq!(inst.status.state, InstanceState::Empty);
        assert_eq!(inst.status.message, "terminated");
        assert_eq!(inst.addresses.len(), 1);
        assert_eq!(inst.addresses[0].scope, AddressScope::LocalCloud);
        let hw = inst.hardware.unwrap_or_default();
        assert_eq!(hw.arch.as_deref(), Some("amd64"));
        assert_eq!(hw.availability_zone.as_deref(), Some("us-east-1b"));
        assert_eq!(status("running").state, InstanceState::Running);
    }
}
