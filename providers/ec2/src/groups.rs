//! Security groups as Juju's EC2 provider keeps them: `juju-<model-uuid>`
//! (SSH, the API port, and everything between the model's machines),
//! `juju-<model-uuid>-global` (global firewall mode) or
//! `juju-<model-uuid>-<machine-id>` (instance mode); created tagged with
//! the model and controller, reconciled when they exist already.

use strato_guest::Result;

use crate::client::{ApiError, Client, Params};
use crate::config::Ec2Config;
use crate::xml::{CreateGroupResponse, GroupsResponse, SecurityGroup};

/// Where a permission lets traffic come from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    Cidr(String),
    Group(String),
}

/// One ingress permission with one source (EC2's permissions, flattened).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Perm {
    pub protocol: String,
    pub from: i32,
    pub to: i32,
    pub source: Source,
}

impl Perm {
    pub fn cidr(protocol: &str, from: i32, to: i32, cidr: &str) -> Perm {
        Perm {
            protocol: protocol.to_string(),
            from,
            to,
            source: Source::Cidr(cidr.to_string()),
        }
    }
}

/// The permissions a group grants, one per source.
pub fn perms_of(group: &SecurityGroup) -> Vec<Perm> {
    let mut out = Vec::new();
    for p in &group.ip_permissions.item {
        let from = p.from_port.unwrap_or(-1);
        let to = p.to_port.unwrap_or(-1);
        let mut sources: Vec<Source> = p
            .ip_ranges
            .item
            .iter()
            .map(|r| Source::Cidr(r.cidr_ip.clone()))
            .chain(
                p.groups
                    .item
                    .iter()
                    .map(|g| Source::Group(g.group_id.clone())),
            )
            .collect();
        if sources.is_empty() {
            sources.push(Source::Cidr("0.0.0.0/0".into()));
        }
        for source in sources {
            out.push(Perm {
                protocol: p.ip_protocol.clone(),
                from,
                to,
                source,
            });
        }
    }
    out
}

/// `juju-<uuid>`.
pub fn model_group(cfg: &Ec2Config) -> String {
    format!("juju-{}", cfg.uuid)
}

/// `juju-<uuid>-global`.
pub fn global_group(cfg: &Ec2Config) -> String {
    format!("juju-{}-global", cfg.uuid)
}

/// `juju-<uuid>-<machine-id>`.
pub fn machine_group(cfg: &Ec2Config, machine_id: &str) -> String {
    format!("juju-{}-{}", cfg.uuid, machine_id)
}

/// The model group's permissions once its id is known.
pub fn model_perms(group_id: &str, api_port: Option<i32>) -> Vec<Perm> {
    let mut perms = vec![Perm::cidr("tcp", 22, 22, "0.0.0.0/0")];
    if let Some(port) = api_port {
        perms.push(Perm::cidr("tcp", port, port, "0.0.0.0/0"));
    }
    for (protocol, from, to) in [("tcp", 0, 65535), ("udp", 0, 65535), ("icmp", -1, -1)] {
        perms.push(Perm {
            protocol: protocol.into(),
            from,
            to,
            source: Source::Group(group_id.to_string()),
        });
    }
    perms
}

fn perm_params(group_id: &str, perms: &[Perm]) -> Params {
    let mut p = Params::new();
    p.set("GroupId", group_id);
    for (i, perm) in perms.iter().enumerate() {
        let n = i + 1;
        p.set(
            format!("IpPermissions.{n}.IpProtocol"),
            perm.protocol.as_str(),
        );
        p.set(format!("IpPermissions.{n}.FromPort"), perm.from.to_string());
        p.set(format!("IpPermissions.{n}.ToPort"), perm.to.to_string());
        match &perm.source {
            Source::Cidr(c) => p.set(format!("IpPermissions.{n}.IpRanges.1.CidrIp"), c.as_str()),
            Source::Group(g) => p.set(format!("IpPermissions.{n}.Groups.1.GroupId"), g.as_str()),
        };
    }
    p
}

/// Calls `action` with all of `perms`; when EC2 refuses with `tolerated`,
/// once per permission, ignoring that code (Juju's duplicate handling).
fn change(
    client: &Client,
    action: &str,
    tolerated: &str,
    group_id: &str,
    perms: &[Perm],
) -> Result<()> {
    if perms.is_empty() {
        return Ok(());
    }
    match client.call_raw(action, &perm_params(group_id, perms)) {
        Ok(_) => Ok(()),
        Err(e) if e.code() == tolerated => {
            for perm in perms {
                match client.call_raw(action, &perm_params(group_id, std::slice::from_ref(perm))) {
                    Err(e) if e.code() != tolerated => return Err(e.into()),
                    _ => {}
                }
            }
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Adds `perms` to a group; existing ones are fine.
pub fn authorize(client: &Client, group_id: &str, perms: &[Perm]) -> Result<()> {
    change(
        client,
        "AuthorizeSecurityGroupIngress",
        "InvalidPermission.Duplicate",
        group_id,
        perms,
    )
}

/// Removes `perms` from a group; absent ones are fine.
pub fn revoke(client: &Client, group_id: &str, perms: &[Perm]) -> Result<()> {
    change(
        client,
        "RevokeSecurityGroupIngress",
        "InvalidPermission.NotFound",
        group_id,
        perms,
    )
}

/// The group called `name` (in the configured VPC), if it exists.
pub fn find(client: &Client, cfg: &Ec2Config, name: &str) -> Result<Option<SecurityGroup>> {
    let mut p = Params::new();
    p.filter("group-name", &[name]);
    if let Some(vpc) = cfg.vpc() {
        p.filter("vpc-id", &[vpc]);
    }
    let r: GroupsResponse = client.call("DescribeSecurityGroups", &p)?;
    Ok(r.security_group_info
        .item
        .into_iter()
        .find(|g| g.group_name == name))
}

/// The groups tagged `key=value`.
pub fn tagged(client: &Client, key: &str, value: &str) -> Result<Vec<SecurityGroup>> {
    let mut p = Params::new();
    p.filter(&format!("tag:{key}"), &[value]);
    let r: GroupsResponse = client.call("DescribeSecurityGroups", &p)?;
    Ok(r.security_group_info.item)
}

/// Tags resource `id`.
pub fn create_tags(client: &Client, id: &str, tags: &[(String, String)]) -> Result<()> {
    let mut p = Params::new();
    p.set("ResourceId.1", id);
    for (i, (k, v)) in tags.iter().enumerate() {
        p.set(format!("Tag.{}.Key", i + 1), k.as_str());
        p.set(format!("Tag.{}.Value", i + 1), v.as_str());
    }
    client.call_raw("CreateTags", &p)?;
    Ok(())
}

/// Juju's `ensureGroup`: creates group `name` with `tags` and the
/// permissions `wanted(group id)` gives, or brings an existing one to
/// exactly those permissions. Returns the group id.
pub fn ensure(
    client: &Client,
    cfg: &Ec2Config,
    name: &str,
    tags: &[(String, String)],
    wanted: impl Fn(&str) -> Vec<Perm>,
) -> Result<String> {
    let mut p = Params::new();
    p.set("GroupName", name)
        .set("GroupDescription", "juju group");
    if let Some(vpc) = cfg.vpc() {
        p.set("VpcId", vpc);
    }
    match client.call::<CreateGroupResponse>("CreateSecurityGroup", &p) {
        Ok(created) => {
            create_tags(client, &created.group_id, tags)?;
            authorize(client, &created.group_id, &wanted(&created.group_id))?;
            Ok(created.group_id)
        }
        Err(e) if e.code() == "InvalidGroup.Duplicate" => {
            let group = find(client, cfg, name)?.ok_or_else(|| ApiError::Ec2 {
                status: 400,
                code: "InvalidGroup.NotFound".into(),
                message: format!("security group {name:?} exists but cannot be found"),
            })?;
            let want = wanted(&group.group_id);
            let have = perms_of(&group);
            let extra: Vec<Perm> = have.iter().filter(|p| !want.contains(p)).cloned().collect();
            let missing: Vec<Perm> = want.iter().filter(|p| !have.contains(p)).cloned().collect();
            revoke(client, &group.group_id, &extra)?;
            authorize(client, &group.group_id, &missing)?;
            Ok(group.group_id)
        }
        Err(e) => Err(e.into()),
    }
}

/// Deletes group `id`, retrying a few times while EC2 still counts it as
/// in use (instances shutting down). Not-found is success.
pub fn delete(client: &Client, id: &str) -> Result<()> {
    let mut p = Params::new();
    p.set("GroupId", id);
    let mut wait = std::time::Duration::from_millis(250);
    for attempt in 0..4 {
        match client.call_raw("DeleteSecurityGroup", &p) {
            Ok(_) => return Ok(()),
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) if e.code() == "DependencyViolation" || e.code() == "InvalidGroup.InUse" => {
                if attempt == 3 {
                    return Err(e.into());
                }
                std::thread::sleep(wait);
                wait *= 2;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{GroupPair, IpPermission, IpRange, Items};

    #[test]
    fn permissions_flatten_per_source() {
        let group = SecurityGroup {
            ip_permissions: Items {
                item: vec![
                    IpPermission {
                        ip_protocol: "tcp".into(),
                        from_port: Some(80),
                        to_port: Some(80),
                        ip_ranges: Items {
                            item: vec![
                                IpRange {
                                    cidr_ip: "10.0.0.0/8".into(),
                                },
                                IpRange {
                                    cidr_ip: "0.0.0.0/0".into(),
                                },
                            ],
                        },
                        groups: Items::default(),
                    },
                    IpPermission {
                        ip_protocol: "icmp".into(),
                        groups: Items {
                            item: vec![GroupPair {
                                group_id: "sg-1".into(),
                            }],
                        },
                        ..Default::default()
                    },
                ],
            },
            ..Default::default()
        };
        let perms = perms_of(&group);
        assert_eq!(perms.len(), 3);
        assert_eq!(perms[2].from, -1);
        assert_eq!(perms[2].source, Source::Group("sg-1".into()));
        assert_eq!(model_perms("sg-1", Some(17070)).len(), 5);
        let p = perm_params("sg-1", &perms[..1]);
        assert!(format!("{p:?}").contains("IpPermissions.1.IpRanges.1.CidrIp"));
    }
}
