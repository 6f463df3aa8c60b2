//! `environs.Networking` with Juju's EC2 answers: subnets of the model's
//! VPC (the configured one, else the default VPC) or of an instance's
//! interfaces, the interfaces from `DescribeNetworkInterfaces`, the VPC's
//! CIDR as the super-subnet; spaces supported, space discovery not, and
//! not-supported for the rest (the SDK's defaults).

use strato_guest::types::{
    AddressScope, AddressType, InterfaceConfigType, InterfaceInfo, InterfaceType, NetworkOrigin,
    ProviderAddress, SubnetInfo,
};
use strato_guest::{Error, Networking, Result};

use crate::client::Params;
use crate::environ::Ec2Environ;
use crate::xml::{InterfacesResponse, NetworkInterface, Subnet, SubnetsResponse, VpcsResponse};

fn address(value: &str, scope: AddressScope) -> ProviderAddress {
    ProviderAddress {
        value: value.to_string(),
        address_type: if value.contains(':') {
            AddressType::Ipv6
        } else {
            AddressType::Ipv4
        },
        scope,
        ..Default::default()
    }
}

fn subnet_info(s: &Subnet) -> SubnetInfo {
    SubnetInfo {
        cidr: s.cidr_block.clone(),
        provider_id: s.subnet_id.clone(),
        provider_network_id: s.vpc_id.clone(),
        vlan_tag: 0,
        availability_zones: vec![s.availability_zone.clone()],
        ..Default::default()
    }
}

/// Juju's `NetworkInterfaces` entry for one ENI in `subnet`.
fn interface_info(nic: &NetworkInterface, subnet: &Subnet) -> InterfaceInfo {
    let index = nic.attachment.as_ref().map_or(0, |a| a.device_index);
    let mut private: Vec<&str> = nic
        .private_ip_addresses_set
        .item
        .iter()
        .map(|ip| ip.private_ip_address.as_str())
        .filter(|ip| !ip.is_empty())
        .collect();
    if private.is_empty() && !nic.private_ip_address.is_empty() {
        private.push(&nic.private_ip_address);
    }
    let mut public: Vec<&str> = nic
        .private_ip_addresses_set
        .item
        .iter()
        .filter_map(|ip| ip.association.as_ref())
        .map(|a| a.public_ip.as_str())
        .filter(|ip| !ip.is_empty())
        .collect();
    if let Some(a) = &nic.association
        && !a.public_ip.is_empty()
        && !public.contains(&a.public_ip.as_str())
    {
        public.push(&a.public_ip);
    }
    InterfaceInfo {
        device_index: index,
        mac_address: nic.mac_address.clone(),
        cidr: subnet.cidr_block.clone(),
        provider_id: nic.network_interface_id.clone(),
        provider_subnet_id: nic.subnet_id.clone(),
        provider_network_id: nic.vpc_id.clone(),
        availability_zones: vec![subnet.availability_zone.clone()],
        vlan_tag: 0,
        // EC2 does not say; Juju makes the name up.
        interface_name: format!("unsupported{index}"),
        interface_type: InterfaceType::Ethernet,
        config_type: InterfaceConfigType::Dhcp,
        addresses: private
            .iter()
            .map(|ip| address(ip, AddressScope::LocalCloud))
            .collect(),
        shadow_addresses: public
            .iter()
            .map(|ip| address(ip, AddressScope::Public))
            .collect(),
        origin: NetworkOrigin::Provider,
        ..Default::default()
    }
}

impl Ec2Environ {
    /// The configured VPC, else the default VPC (`DescribeVpcs`
    /// `isDefault=true`); `None` without either (EC2-Classic).
    fn model_vpc(&self) -> Result<Option<(String, String)>> {
        let cfg = self.cfg();
        let mut p = Params::new();
        match cfg.vpc() {
            Some(id) => {
                p.list("VpcId", &[id.to_string()]);
            }
            None if cfg.vpc_id == "none" => return Ok(None),
            None => {
                p.filter("isDefault", &["true"]);
            }
        }
        let r: VpcsResponse = self.client.call("DescribeVpcs", &p)?;
        Ok(r.vpc_set
            .item
            .into_iter()
            .next()
            .map(|v| (v.vpc_id, v.cidr_block)))
    }

    fn describe_subnets(&self, p: &Params) -> Result<Vec<Subnet>> {
        let r: SubnetsResponse = self.client.call("DescribeSubnets", p)?;
        Ok(r.subnet_set.item)
    }

    /// The ENIs attached to `instance_id` (`attachment.instance-id`),
    /// ordered by device index; `not-found` when it has none.
    fn interfaces_of(&self, instance_id: &str) -> Result<Vec<NetworkInterface>> {
        let mut p = Params::new();
        p.filter("attachment.instance-id", &[instance_id]);
        let r: InterfacesResponse = self.client.call("DescribeNetworkInterfaces", &p)?;
        let mut nics: Vec<NetworkInterface> = r
            .network_interface_set
            .item
            .into_iter()
            .filter(|n| {
                n.attachment
                    .as_ref()
                    .is_some_and(|a| a.instance_id == instance_id)
            })
            .collect();
        if nics.is_empty() {
            return Err(Error::not_found(format!(
                "instance {instance_id:?} interfaces not found"
            )));
        }
        nics.sort_by_key(|n| n.attachment.as_ref().map_or(0, |a| a.device_index));
        Ok(nics)
    }

    /// The subnets of `ids` (one `DescribeSubnets`).
    fn subnets_by_id(&self, ids: &[String]) -> Result<Vec<Subnet>> {
        let mut p = Params::new();
        p.list("SubnetId", ids);
        self.describe_subnets(&p)
    }
}

impl Networking for Ec2Environ {
    fn subnets(&self, instance_id: String, subnet_ids: Vec<String>) -> Result<Vec<SubnetInfo>> {
        let candidates = if instance_id.is_empty() {
            let mut p = Params::new();
            if let Some((vpc, _)) = self.model_vpc()? {
                p.filter("vpc-id", &[vpc.as_str()]);
            }
            self.describe_subnets(&p)?
        } else {
            let mut ids: Vec<String> = self
                .interfaces_of(&instance_id)?
                .into_iter()
                .map(|n| n.subnet_id)
                .collect();
            ids.sort();
            ids.dedup();
            self.subnets_by_id(&ids)?
        };
        let wanted = |s: &Subnet| subnet_ids.is_empty() || subnet_ids.contains(&s.subnet_id);
        let found: Vec<SubnetInfo> = candidates
            .iter()
            .filter(|s| wanted(s))
            .map(subnet_info)
            .collect();
        let missing: Vec<&str> = subnet_ids
            .iter()
            .filter(|id| !found.iter().any(|s| s.provider_id == **id))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(Error::other(format!(
                "failed to find the following subnet ids: [{}]",
                missing.join(" ")
            )));
        }
        Ok(found)
    }

    fn network_interfaces(&self, instance_id: String) -> Result<Vec<InterfaceInfo>> {
        let nics = self.interfaces_of(&instance_id)?;
        let mut ids: Vec<String> = nics.iter().map(|n| n.subnet_id.clone()).collect();
        ids.sort();
        ids.dedup();
        let subnets = self.subnets_by_id(&ids)?;
        nics.iter()
            .map(|nic| {
                let subnet = subnets
                    .iter()
                    .find(|s| s.subnet_id == nic.subnet_id)
                    .ok_or_else(|| {
                        Error::other(format!(
                            "failed to retrieve subnet {:?} info",
                            nic.subnet_id
                        ))
                    })?;
                Ok(interface_info(nic, subnet))
            })
            .collect()
    }

    fn super_subnets(&self) -> Result<Vec<String>> {
        match self.model_vpc()? {
            Some((_, cidr)) if !cidr.is_empty() => Ok(vec![cidr]),
            _ => Err(Error::not_supported("Not a VPC environment")),
        }
    }

    fn supports_spaces(&self) -> Result<bool> {
        Ok(true)
    }

    fn supports_space_discovery(&self) -> Result<bool> {
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::{Association, EniAttachment, Items, PrivateIp};

    #[test]
    fn interfaces_are_reported_as_juju_does() {
        let nic = NetworkInterface {
            network_interface_id: "eni-1".into(),
            subnet_id: "subnet-1".into(),
            vpc_id: "vpc-1".into(),
            mac_address: "12:34".into(),
            private_ip_address: "172.31.0.5".into(),
            association: None,
            attachment: Some(EniAttachment {
                instance_id: "i-1".into(),
                device_index: 1,
            }),
            private_ip_addresses_set: Items {
                item: vec![PrivateIp {
                    private_ip_address: "172.31.0.5".into(),
                    association: Some(Association {
                        public_ip: "54.0.0.1".into(),
                    }),
                }],
            },
        };
        let subnet = Subnet {
            subnet_id: "subnet-1".into(),
            availability_zone: "us-east-1a".into(),
            cidr_block: "172.31.0.0/20".into(),
            vpc_id: "vpc-1".into(),
        };
        let info = interface_info(&nic, &subnet);
        assert_eq!(info.interface_name, "unsupported1");
        assert_eq!(info.cidr, "172.31.0.0/20");
        assert_eq!(info.addresses[0].scope, AddressScope::LocalCloud);
        assert_eq!(info.shadow_addresses[0].value, "54.0.0.1");
        assert_eq!(info.shadow_addresses[0].scope, AddressScope::Public);
        assert_eq!(subnet_info(&subnet).availability_zones, ["us-east-1a"]);
    }
}
