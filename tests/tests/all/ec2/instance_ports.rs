//! Instance firewall mode: each machine's ports live in its own group
//! `juju-<uuid>-<machine>`, merged and sorted as Juju does; the model-level
//! calls are refused; the group goes with the machine.

use strato_runtime::types::IngressRule;
use strato_tests::conformance::params::{rule, start_params};

use super::{Ec2, fixture, start_moto};

fn text(rules: &[IngressRule]) -> Vec<String> {
    rules
        .iter()
        .map(|r| {
            format!(
                "{}-{}/{} from {}",
                r.from_port,
                r.to_port,
                r.protocol,
                r.source_cidrs.join(",")
            )
        })
        .collect()
}

#[tokio::test]
async fn instance_mode_ports_per_machine_group() {
    let moto = start_moto();
    let f = fixture(&moto, None);
    let ec2 = Ec2::open(&f).await;
    let uuid = f.config["uuid"].as_str().unwrap_or_default().to_string();
    let id0 = ec2
        .env
        .start_instance(start_params(&f, "0", "n0"))
        .await
        .expect("start 0")
        .instance
        .id;
    let id1 = ec2
        .env
        .start_instance(start_params(&f, "1", "n1"))
        .await
        .expect("start 1")
        .instance
        .id;
    let rules_of = |id: &str, m: &str| {
        let (env, id, m) = (ec2.env.clone(), id.to_string(), m.to_string());
        async move { text(&env.instance_ingress_rules(&id, &m).await.expect("rules")) }
    };
    assert!(rules_of(&id0, "0").await.is_empty());

    // Open: CIDRs of one range merged, rules sorted; twice is fine.
    let open = [
        rule("udp", 53, 53, &[]),
        rule("tcp", 443, 443, &["10.0.0.0/8"]),
        rule("tcp", 443, 443, &["192.168.0.0/16"]),
        rule("tcp", 80, 80, &[]),
        rule("icmp", -1, -1, &[]),
    ];
    for _ in 0..2 {
        ec2.env
            .open_instance_ports(&id0, "0", &open)
            .await
            .expect("open on 0");
    }
    let want = [
        "-1--1/icmp from 0.0.0.0/0",
        "80-80/tcp from 0.0.0.0/0",
        "443-443/tcp from 10.0.0.0/8,192.168.0.0/16",
        "53-53/udp from 0.0.0.0/0",
    ];
    assert_eq!(rules_of(&id0, "0").await, want);
    assert!(rules_of(&id1, "1").await.is_empty(), "no crosstalk");

    // In EC2 (seen with boto3): the machine's group, not the model's.
    let perms = moto
        .boto3(&format!(
            "g = ec2.describe_security_groups(Filters=[{{'Name': 'group-name', 'Values': ['juju-{uuid}-0']}}])['SecurityGroups'][0]\n\
             print(sorted((p['IpProtocol'], p.get('FromPort'), sorted(r['CidrIp'] for r in p['IpRanges'])) for p in g['IpPermissions']))\n\
             g = ec2.describe_security_groups(Filters=[{{'Name': 'group-name', 'Values': ['juju-{uuid}']}}])['SecurityGroups'][0]\n\
             print(any(p.get('FromPort') == 443 for p in g['IpPermissions']))"
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        perms.contains("('tcp', 443, ['10.0.0.0/8', '192.168.0.0/16'])"),
        "{perms}"
    );
    assert!(perms.trim_end().ends_with("False"), "{perms}");

    // Close some, and some that were never open.
    ec2.env
        .close_instance_ports(
            &id0,
            "0",
            &[
                rule("tcp", 443, 443, &["10.0.0.0/8"]),
                rule("udp", 53, 53, &[]),
                rule("tcp", 8080, 8080, &[]),
            ],
        )
        .await
        .expect("close on 0");
    assert_eq!(
        rules_of(&id0, "0").await,
        [
            "-1--1/icmp from 0.0.0.0/0",
            "80-80/tcp from 0.0.0.0/0",
            "443-443/tcp from 192.168.0.0/16",
        ]
    );

    // Model-level calls: Juju's error.
    let e = ec2.env.ingress_rules().await.expect_err("model rules");
    assert_eq!(
        e.to_string(),
        "invalid firewall mode \"instance\" for retrieving ingress rules from model"
    );
    // Bad ranges are refused before any call.
    assert!(
        ec2.env
            .open_instance_ports(&id0, "0", &[rule("tcp", 0, 10, &[])])
            .await
            .is_err()
    );

    // The machine's group goes with it.
    ec2.env.stop_instances(&[id0]).await.expect("stop 0");
    let left = moto
        .boto3(&format!(
            "print(len(ec2.describe_security_groups(Filters=[{{'Name': 'group-name', 'Values': ['juju-{uuid}-0']}}])['SecurityGroups']))"
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(left.trim(), "0");
    assert!(rules_of(&id1, "1").await.is_empty());
}
