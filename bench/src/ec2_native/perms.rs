//! Security group permissions: what the model group should grant, and
//! what a group grants (flattened per source, as the provider compares).

use super::xml::SecurityGroup;

/// Where a permission lets traffic come from.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Source {
    Cidr(String),
    Group(String),
}

/// One ingress permission with one source.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Perm {
    pub(super) protocol: String,
    pub(super) from: i32,
    pub(super) to: i32,
    pub(super) source: Source,
}

pub(super) fn model_perms(group_id: &str, api_port: i32) -> Vec<Perm> {
    let cidr = |protocol: &str, port: i32| Perm {
        protocol: protocol.into(),
        from: port,
        to: port,
        source: Source::Cidr("0.0.0.0/0".into()),
    };
    let mut perms = vec![cidr("tcp", 22), cidr("tcp", api_port)];
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

pub(super) fn perms_of(group: &SecurityGroup) -> Vec<Perm> {
    let mut out = Vec::new();
    for p in &group.ip_permissions.item {
        let cidrs = (p.ip_ranges.item.iter()).map(|r| Source::Cidr(r.cidr_ip.clone()));
        let groups = (p.groups.item.iter()).map(|g| Source::Group(g.group_id.clone()));
        let mut sources: Vec<Source> = cidrs.chain(groups).collect();
        if sources.is_empty() {
            sources.push(Source::Cidr("0.0.0.0/0".into()));
        }
        for source in sources {
            out.push(Perm {
                protocol: p.ip_protocol.clone(),
                from: p.from_port.unwrap_or(-1),
                to: p.to_port.unwrap_or(-1),
                source,
            });
        }
    }
    out
}
