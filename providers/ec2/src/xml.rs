//! The parts of EC2's XML answers the provider reads (API 2016-11-15).
//! Lists are `<xSet><item>…</item></xSet>`; unknown elements are ignored.

use serde::Deserialize;

/// `<…Set><item>…</item>…</…Set>`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(bound(deserialize = "T: Deserialize<'de>"))]
pub struct Items<T> {
    #[serde(default = "Vec::new")]
    pub item: Vec<T>,
}

impl<T> Default for Items<T> {
    fn default() -> Self {
        Items { item: Vec::new() }
    }
}

/// One `tagSet` item.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// `DescribeAvailabilityZones`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ZonesResponse {
    pub availability_zone_info: Items<Zone>,
}

/// One zone.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Zone {
    pub zone_name: String,
    pub zone_state: String,
}

/// `DescribeInstances`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InstancesResponse {
    pub reservation_set: Items<Reservation>,
    pub next_token: Option<String>,
}

/// One reservation.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Reservation {
    pub instances_set: Items<Ec2Instance>,
}

/// `RunInstances` (a reservation).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RunResponse {
    pub instances_set: Items<Ec2Instance>,
}

/// One instance.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Ec2Instance {
    pub instance_id: String,
    pub instance_type: String,
    pub instance_state: State,
    pub private_ip_address: String,
    pub ip_address: String,
    pub placement: Placement,
    pub architecture: String,
    pub root_device_type: String,
    pub group_set: Items<GroupRef>,
    pub tag_set: Items<Tag>,
}

/// `instanceState`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct State {
    pub name: String,
}

/// `placement`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Placement {
    pub availability_zone: String,
}

/// A group an instance is in.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GroupRef {
    pub group_id: String,
    pub group_name: String,
}

/// `TerminateInstances`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TerminateResponse {
    pub instances_set: Items<Terminated>,
}

/// One terminated instance.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Terminated {
    pub instance_id: String,
}

/// `CreateSecurityGroup`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CreateGroupResponse {
    pub group_id: String,
}

/// `DescribeSecurityGroups`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GroupsResponse {
    pub security_group_info: Items<SecurityGroup>,
}

/// One security group.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SecurityGroup {
    pub group_id: String,
    pub group_name: String,
    pub vpc_id: String,
    pub ip_permissions: Items<IpPermission>,
    pub tag_set: Items<Tag>,
}

/// One ingress permission.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IpPermission {
    pub ip_protocol: String,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub groups: Items<GroupPair>,
    pub ip_ranges: Items<IpRange>,
}

/// A source group of a permission.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GroupPair {
    pub group_id: String,
}

/// A source CIDR of a permission.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IpRange {
    pub cidr_ip: String,
}

/// `DescribeSubnets`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SubnetsResponse {
    pub subnet_set: Items<Subnet>,
}

/// One subnet.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Subnet {
    pub subnet_id: String,
    pub availability_zone: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instances_parse() {
        let xml = r#"<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
          <requestId>r</requestId>
          <reservationSet><item><reservationId>r-1</reservationId><instancesSet><item>
            <instanceId>i-1</instanceId><instanceType>m3.medium</instanceType>
            <instanceState><code>16</code><name>running</name></instanceState>
            <privateIpAddress>10.0.0.4</privateIpAddress><ipAddress>54.1.2.3</ipAddress>
            <placement><availabilityZone>us-east-1a</availabilityZone><tenancy>default</tenancy></placement>
            <architecture>x86_64</architecture><groupSet/>
            <tagSet><item><key>Name</key><value>juju-m-machine-0</value></item></tagSet>
          </item></instancesSet></item></reservationSet></DescribeInstancesResponse>"#;
        let r: InstancesResponse = quick_xml::de::from_str(xml).expect("parses");
        let i = &r.reservation_set.item[0].instances_set.item[0];
        assert_eq!(i.instance_id, "i-1");
        assert_eq!(i.instance_state.name, "running");
        assert_eq!(i.placement.availability_zone, "us-east-1a");
        assert_eq!(i.tag_set.item[0].value, "juju-m-machine-0");
        assert!(i.group_set.item.is_empty());
    }

    #[test]
    fn groups_parse() {
        let xml = r#"<DescribeSecurityGroupsResponse><securityGroupInfo><item>
          <groupId>sg-1</groupId><groupName>juju-x-global</groupName>
          <ipPermissions><item><ipProtocol>tcp</ipProtocol><fromPort>80</fromPort><toPort>81</toPort>
            <groups/><ipRanges><item><cidrIp>10.0.0.0/8</cidrIp></item><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges>
          </item><item><ipProtocol>-1</ipProtocol><groups><item><groupId>sg-1</groupId></item></groups></item></ipPermissions>
          </item></securityGroupInfo></DescribeSecurityGroupsResponse>"#;
        let r: GroupsResponse = quick_xml::de::from_str(xml).expect("parses");
        let g = &r.security_group_info.item[0];
        assert_eq!(g.ip_permissions.item.len(), 2);
        assert_eq!(g.ip_permissions.item[0].ip_ranges.item.len(), 2);
        assert_eq!(g.ip_permissions.item[1].from_port, None);
        assert_eq!(g.ip_permissions.item[1].groups.item[0].group_id, "sg-1");
    }
}
