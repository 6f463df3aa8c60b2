//! Networking with Juju's EC2 answers: subnets of the default VPC or of an
//! instance, its interfaces, the VPC CIDR as super-subnet, spaces
//! supported without discovery, not-supported for the rest.

use strato_runtime::types::{AddressScope, InterfaceConfigType};
use strato_tests::conformance::params::start_params;

use super::{Ec2, fixture, start_moto};

#[tokio::test]
async fn subnets_interfaces_and_spaces() {
    let moto = start_moto();
    let f = fixture(&moto, None);
    let ec2 = Ec2::open(&f).await;
    let env = &ec2.env;

    // moto's default VPC, as boto3 sees it.
    let vpc = moto
        .boto3(
            "v = ec2.describe_vpcs(Filters=[{'Name': 'isDefault', 'Values': ['true']}])['Vpcs'][0]\n\
             print(v['VpcId'], v['CidrBlock'])\n\
             for s in ec2.describe_subnets(Filters=[{'Name': 'vpc-id', 'Values': [v['VpcId']]}])['Subnets']:\n\
             \x20   print(s['SubnetId'], s['CidrBlock'], s['AvailabilityZone'])",
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let mut lines = vpc.lines();
    let (vpc_id, vpc_cidr) = lines
        .next()
        .and_then(|l| l.split_once(' '))
        .expect("a default VPC");
    let subnets: Vec<Vec<&str>> = lines.map(|l| l.split(' ').collect()).collect();
    assert!(!subnets.is_empty(), "{vpc}");

    assert!(env.supports_spaces().await.expect("spaces"));
    assert!(strato_runtime::supports_spaces(env).await);
    assert!(!env.supports_space_discovery().await.expect("discovery"));
    assert!(env.spaces().await.is_err());
    assert!(env.supports_container_addresses().await.is_err());
    assert!(!strato_runtime::supports_container_addresses(env).await);
    assert_eq!(
        env.super_subnets().await.expect("super subnets"),
        [vpc_cidr]
    );

    // Subnets of the VPC: all, some, an unknown one.
    let all = env.subnets("", &[]).await.expect("subnets");
    assert_eq!(all.len(), subnets.len(), "{all:?}");
    for s in &all {
        assert_eq!(s.provider_network_id, vpc_id);
        let row = subnets
            .iter()
            .find(|r| r[0] == s.provider_id)
            .unwrap_or_else(|| panic!("{s:?} not in {vpc}"));
        assert_eq!(
            (s.cidr.as_str(), s.availability_zones[0].as_str()),
            (row[1], row[2])
        );
    }
    let one = vec![all[0].provider_id.clone()];
    assert_eq!(env.subnets("", &one).await.expect("one").len(), 1);
    let e = env
        .subnets("", &[one[0].clone(), "subnet-00000000".into()])
        .await
        .expect_err("unknown subnet");
    assert!(e.to_string().contains("subnet-00000000"), "{e}");

    // An instance in us-east-1c: its interface and its subnet.
    let mut params = start_params(&f, "0", "n0");
    params.availability_zone = "us-east-1c".into();
    let id0 = env.start_instance(params).await.expect("start").instance.id;
    let nics = env.network_interfaces(&id0).await.expect("interfaces");
    assert_eq!(nics.len(), 1, "{nics:?}");
    let nic = &nics[0];
    assert_eq!(nic.device_index, 0);
    assert_eq!(nic.interface_name, "unsupported0");
    assert!(nic.provider_id.starts_with("eni-"), "{nic:?}");
    assert!(!nic.mac_address.is_empty(), "{nic:?}");
    assert_eq!(nic.config_type, InterfaceConfigType::Dhcp);
    assert_eq!(nic.availability_zones, ["us-east-1c"]);
    assert_eq!(nic.addresses[0].scope, AddressScope::LocalCloud);
    let sub = env.subnets(&id0, &[]).await.expect("instance subnets");
    assert_eq!(sub.len(), 1, "{sub:?}");
    assert_eq!(sub[0].provider_id, nic.provider_subnet_id);
    assert_eq!(sub[0].cidr, nic.cidr);
    assert!(
        env.network_interfaces("i-0123456789abcdef0").await.is_err(),
        "an unknown instance has no interfaces"
    );
}
