//! The parts of EC2's answers the native client reads: the provider's
//! `xml.rs` shapes, all parsed (some fields unread) so that the parsing
//! work is the same as the provider's.

#![allow(
    dead_code,
    reason = "parsed as the provider parses them; not all read here"
)]
use serde::Deserialize;

#[derive(Debug, Deserialize)]
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

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ErrorDocument {
    #[serde(rename = "Errors")]
    pub errors: Option<ErrorList>,
    #[serde(rename = "Error")]
    pub error: Option<ErrorItem>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ErrorList {
    #[serde(rename = "Error")]
    pub error: Vec<ErrorItem>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ErrorItem {
    #[serde(rename = "Code")]
    pub code: String,
    #[serde(rename = "Message")]
    pub message: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ZonesResponse {
    pub availability_zone_info: Items<Zone>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Zone {
    pub zone_name: String,
    pub zone_state: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct InstancesResponse {
    pub reservation_set: Items<Reservation>,
    pub next_token: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Reservation {
    pub instances_set: Items<Ec2Instance>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RunResponse {
    pub instances_set: Items<Ec2Instance>,
}

#[derive(Debug, Default, Deserialize)]
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

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct State {
    pub name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Placement {
    pub availability_zone: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GroupRef {
    pub group_id: String,
    pub group_name: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct TerminateResponse {
    pub instances_set: Items<Terminated>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Terminated {
    pub instance_id: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CreateGroupResponse {
    pub group_id: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GroupsResponse {
    pub security_group_info: Items<SecurityGroup>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SecurityGroup {
    pub group_id: String,
    pub group_name: String,
    pub ip_permissions: Items<IpPermission>,
    pub tag_set: Items<Tag>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IpPermission {
    pub ip_protocol: String,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    pub groups: Items<GroupPair>,
    pub ip_ranges: Items<IpRange>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct GroupPair {
    pub group_id: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IpRange {
    pub cidr_ip: String,
}
