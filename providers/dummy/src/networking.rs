//! Networking with Juju's dummy answers: two subnets, four spaces, three
//! NICs per instance, no container addressing, and SSH addresses without
//! `100.100.100.100`.

use strato_guest::types::{
    AddressScope, AddressType, InterfaceConfigType, InterfaceInfo, InterfaceType, NetworkOrigin,
    ProviderAddress, ProviderInterfaceInfo, ProviderSpace, SpaceAddress, SpaceInfo, SubnetInfo,
};
use strato_guest::{Error, Networking, Result};

use crate::environ::DummyEnviron;

fn subnet(provider_id: &str, cidr: &str, zones: &[&str]) -> SubnetInfo {
    SubnetInfo {
        cidr: cidr.to_string(),
        provider_id: provider_id.to_string(),
        availability_zones: zones.iter().map(|z| z.to_string()).collect(),
        ..Default::default()
    }
}

fn all_subnets() -> Vec<SubnetInfo> {
    vec![
        subnet("dummy-private", "0.10.0.0/24", &["zone1", "zone2"]),
        subnet("dummy-public", "0.20.0.0/24", &[]),
    ]
}

fn ipv4(value: &str, scope: AddressScope) -> ProviderAddress {
    ProviderAddress {
        value: value.to_string(),
        address_type: AddressType::Ipv4,
        scope,
        ..Default::default()
    }
}

fn hostname(value: &str) -> ProviderAddress {
    ProviderAddress {
        value: value.to_string(),
        address_type: AddressType::Hostname,
        ..Default::default()
    }
}

/// NIC `index` of Juju's dummy: (subnet, network), disabled, no-auto-start.
fn nic(index: u8, subnet: &str, disabled: bool, no_auto_start: bool) -> InterfaceInfo {
    let net = 10 * (index + 1);
    InterfaceInfo {
        device_index: index.into(),
        mac_address: format!("aa:bb:cc:dd:ee:f{index}"),
        cidr: format!("0.{net}.0.0/24"),
        provider_id: format!("dummy-eth{index}"),
        provider_subnet_id: subnet.to_string(),
        interface_name: format!("eth{index}"),
        interface_type: InterfaceType::Ethernet,
        disabled,
        no_auto_start,
        config_type: InterfaceConfigType::Dhcp,
        addresses: vec![ipv4(&format!("0.{net}.0.2"), AddressScope::LocalCloud)],
        dns_servers: vec![hostname("ns1.dummy"), hostname("ns2.dummy")],
        gateway_address: Some(ipv4(&format!("0.{net}.0.1"), AddressScope::LocalCloud)),
        origin: NetworkOrigin::Provider,
        ..Default::default()
    }
}

fn space(name: &str, id: &str, subnets: &[u8]) -> SpaceInfo {
    SpaceInfo {
        id: id.to_string(),
        name: name.to_string(),
        provider_id: id.to_string(),
        subnets: subnets
            .iter()
            .map(|n| subnet(&n.to_string(), &format!("192.168.{n}.0/24"), &["zone1"]))
            .collect(),
    }
}

impl Networking for DummyEnviron {
    fn subnets(&self, instance_id: String, subnet_ids: Vec<String>) -> Result<Vec<SubnetInfo>> {
        let state = self.checked_state("Subnets")?;
        if !instance_id.is_empty() {
            self.instance(&state, &instance_id)?;
        }
        let all = all_subnets();
        if subnet_ids.is_empty() {
            return Ok(all);
        }
        subnet_ids
            .iter()
            .map(|id| {
                all.iter()
                    .find(|s| s.provider_id == *id)
                    .cloned()
                    .ok_or_else(|| Error::not_found(format!("subnet {id:?} not found")))
            })
            .collect()
    }

    fn network_interfaces(&self, instance_id: String) -> Result<Vec<InterfaceInfo>> {
        let state = self.checked_state("NetworkInterfaces")?;
        self.instance(&state, &instance_id)?;
        Ok(vec![
            nic(0, "dummy-private", false, false),
            nic(1, "dummy-public", false, true),
            nic(2, "dummy-disabled", true, true),
        ])
    }

    fn super_subnets(&self) -> Result<Vec<String>> {
        Err(Error::not_supported("super subnets not supported"))
    }

    fn supports_spaces(&self) -> Result<bool> {
        Ok(true)
    }

    fn supports_space_discovery(&self) -> Result<bool> {
        self.cfg()?.check_broken("SupportsSpaceDiscovery")?;
        Ok(false)
    }

    fn spaces(&self) -> Result<Vec<SpaceInfo>> {
        self.cfg()?.check_broken("Spaces")?;
        Ok(vec![
            space("foo", "0", &[1, 2]),
            space("Another Foo 99!", "1", &[3]),
            space("foo-", "2", &[4]),
            space("---", "3", &[5]),
        ])
    }

    fn provider_space_info(&self, _space: Option<SpaceInfo>) -> Result<ProviderSpace> {
        Err(Error::not_supported("provider space info not supported"))
    }

    fn are_spaces_routable(&self, _space1: ProviderSpace, _space2: ProviderSpace) -> Result<bool> {
        Ok(false)
    }

    fn supports_container_addresses(&self) -> Result<bool> {
        Err(Error::not_supported(
            "container address allocation not supported",
        ))
    }

    fn allocate_container_addresses(
        &self,
        _host_instance_id: String,
        _container_tag: String,
        _prepared_info: Vec<InterfaceInfo>,
    ) -> Result<Vec<InterfaceInfo>> {
        Err(Error::not_supported(
            "container address allocation not supported",
        ))
    }

    fn release_container_addresses(&self, _interfaces: Vec<ProviderInterfaceInfo>) -> Result<()> {
        Err(Error::not_supported(
            "container address allocation not supported",
        ))
    }

    fn ssh_addresses(&self, addresses: Vec<SpaceAddress>) -> Result<Vec<SpaceAddress>> {
        Ok(addresses
            .into_iter()
            .filter(|a| a.value != "100.100.100.100")
            .collect())
    }
}
