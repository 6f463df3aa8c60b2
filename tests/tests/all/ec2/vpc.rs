//! `vpc-id`: groups are created in the VPC and machines placed in one of
//! its subnets in the zone asked for.

use serde_json::json;
use strato_runtime::Error;
use strato_tests::conformance::params::start_params;

use super::{Ec2, fixture, start_moto};

#[tokio::test]
async fn machines_start_in_a_subnet_of_the_configured_vpc() {
    let moto = start_moto();
    let made = moto
        .boto3(
            "v = ec2.create_vpc(CidrBlock='10.9.0.0/16')['Vpc']['VpcId']\n\
             s = ec2.create_subnet(VpcId=v, CidrBlock='10.9.1.0/24', AvailabilityZone='us-east-1c')\n\
             print(v, s['Subnet']['SubnetId'])",
        )
        .unwrap_or_else(|e| panic!("{e}"));
    let mut ids = made.split_whitespace();
    let (vpc, subnet) = (
        ids.next().unwrap_or_default().to_string(),
        ids.next().unwrap_or_default().to_string(),
    );
    assert!(
        vpc.starts_with("vpc-") && subnet.starts_with("subnet-"),
        "{made}"
    );
    let f = fixture(&moto, None).with_config("vpc-id", json!(vpc));
    let ec2 = Ec2::open(&f).await;

    let mut params = start_params(&f, "0", "nonce-0");
    params.availability_zone = "us-east-1c".into();
    let started = ec2
        .env
        .start_instance(params)
        .await
        .expect("start in the VPC");
    let id = started.instance.id;
    let seen = moto
        .boto3(&format!(
            "i = ec2.describe_instances(InstanceIds=['{id}'])['Reservations'][0]['Instances'][0]\n\
             print(i['SubnetId'], i['VpcId'])\n\
             gs = ec2.describe_security_groups(GroupIds=[g['GroupId'] for g in i['SecurityGroups']])\n\
             print(sorted(set(g['VpcId'] for g in gs['SecurityGroups'])))"
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(seen.trim(), format!("{subnet} {vpc}\n['{vpc}']"), "{seen}");

    // A zone without a subnet of the VPC: another zone may have one.
    let mut params = start_params(&f, "1", "nonce-1");
    params.availability_zone = "us-east-1a".into();
    match ec2.env.start_instance(params).await {
        Err(Error::Provider(e)) => assert!(!e.zone_independent, "{e:?}"),
        other => panic!("expected no subnet in us-east-1a, got {other:?}"),
    }
    // vpc-id is immutable.
    let mut cfg = ec2.env.config().await.expect("config");
    cfg.retain(|(k, _)| k != "vpc-id");
    cfg.push((
        "vpc-id".into(),
        strato_runtime::types::Value::Text("vpc-other".into()),
    ));
    let err = ec2
        .env
        .set_config(cfg)
        .await
        .expect_err("vpc-id is immutable");
    assert!(err.to_string().contains("cannot change vpc-id"), "{err}");
}
