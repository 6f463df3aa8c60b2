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
    pub cidr_block: String,
    pub vpc_id: String,
}

/// `DescribeVpcs`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct VpcsResponse {
    pub vpc_set: Items<Vpc>,
}

/// One VPC.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Vpc {
    pub vpc_id: String,
    pub cidr_block: String,
}

/// `DescribeNetworkInterfaces`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InterfacesResponse {
    pub network_interface_set: Items<NetworkInterface>,
}

/// One network interface (ENI).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NetworkInterface {
    pub network_interface_id: String,
    pub subnet_id: String,
    pub vpc_id: String,
    pub mac_address: String,
    pub private_ip_address: String,
    pub association: Option<Association>,
    pub attachment: Option<EniAttachment>,
    pub private_ip_addresses_set: Items<PrivateIp>,
}

/// A public address associated with an interface or one of its IPs.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Association {
    pub public_ip: String,
}

/// Where an interface is attached.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EniAttachment {
    pub instance_id: String,
    pub device_index: i32,
}

/// One private IP of an interface.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PrivateIp {
    pub private_ip_address: String,
    pub association: Option<Association>,
}

/// `CreateVolume` (the volume).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CreateVolumeResponse {
    pub volume_id: String,
    pub size: u64,
}

/// `DescribeVolumes`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct VolumesResponse {
    pub volume_set: Items<Ec2Volume>,
    pub next_token: Option<String>,
}

/// One EBS volume.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Ec2Volume {
    pub volume_id: String,
    pub size: u64,
    pub availability_zone: String,
    pub status: String,
    pub attachment_set: Items<VolumeAttachment>,
    pub tag_set: Items<Tag>,
}

/// One attachment of a volume.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct VolumeAttachment {
    pub instance_id: String,
    pub device: String,
    pub status: String,
    pub delete_on_termination: bool,
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
    fn volumes_and_interfaces_parse() {
        let xml = r#"<DescribeVolumesResponse><volumeSet><item><volumeId>vol-1</volumeId>
          <size>10</size><availabilityZone>us-east-1b</availabilityZone><status>in-use</status>
          <attachmentSet><item><volumeId>vol-1</volumeId><instanceId>i-1</instanceId>
          <device>/dev/sdf</device><status>attached</status>
          <deleteOnTermination>false</deleteOnTermination></item></attachmentSet>
          </item></volumeSet></DescribeVolumesResponse>"#;
        let r: VolumesResponse = quick_xml::de::from_str(xml).expect("parses");
        let v = &r.volume_set.item[0];
        assert_eq!((v.size, v.status.as_str()), (10, "in-use"));
        assert_eq!(v.attachment_set.item[0].device, "/dev/sdf");
        assert!(!v.attachment_set.item[0].delete_on_termination);
        let xml = r#"<DescribeNetworkInterfacesResponse><networkInterfaceSet><item>
          <networkInterfaceId>eni-1</networkInterfaceId><subnetId>subnet-1</subnetId>
          <macAddress>12:34</macAddress><privateIpAddress>172.31.0.5</privateIpAddress>
          <attachment><instanceId>i-1</instanceId><deviceIndex>0</deviceIndex></attachment>
          <privateIpAddressesSet><item><privateIpAddress>172.31.0.5</privateIpAddress>
          <association><publicIp>54.0.0.1</publicIp></association></item></privateIpAddressesSet>
          </item></networkInterfaceSet></DescribeNetworkInterfacesResponse>"#;
        let r: InterfacesResponse = quick_xml::de::from_str(xml).expect("parses");
        let n = &r.network_interface_set.item[0];
        assert_eq!(n.attachment.as_ref().map(|a| a.device_index), Some(0));
        let ip = &n.private_ip_addresses_set.item[0];
        assert_eq!(
            ip.association.as_ref().map(|a| a.public_ip.as_str()),
            Some("54.0.0.1")
        );
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
