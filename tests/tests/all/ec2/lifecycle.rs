//! A machine's life on EC2-on-moto: start, list, firewall, stop, destroy;
//! and what the audit trail shows of it.

use std::time::Instant;

use serde_json::json;
use strato_runtime::Error;
use strato_runtime::audit::{Capability, Decision};
use strato_runtime::types::IngressRule;
use strato_tests::conformance::params::{rule, start_params};

use super::{Ec2, fixture, start_moto};

fn rules_text(rules: &[IngressRule]) -> Vec<String> {
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
async fn start_list_firewall_stop_destroy() {
    let moto = start_moto();
    let f = fixture(&moto, None).with_config("firewall-mode", json!("global"));
    let mut ec2 = Ec2::open(&f).await;
    let t0 = Instant::now();

    // Zones come from DescribeAvailabilityZones.
    let zones = ec2.env.availability_zones().await.expect("zones");
    assert!(
        zones.iter().any(|z| z.name == "us-east-1a" && z.available),
        "{zones:?}"
    );

    // Nothing yet: no controller, no instance.
    assert!(matches!(
        ec2.env.controller_instances(&f.controller_uuid).await,
        Err(Error::NotBootstrapped)
    ));
    assert!(ec2.env.all_instances().await.expect("all").is_empty());

    let mut params = start_params(&f, "0", "nonce-0");
    params.availability_zone = "us-east-1b".into();
    let started = ec2
        .env
        .start_instance(params)
        .await
        .expect("start machine 0");
    let id0 = started.instance.id.clone();
    assert!(id0.starts_with("i-"), "{id0}");
    let hw = started.hardware.clone().expect("hardware");
    assert_eq!(hw.arch.as_deref(), Some("amd64"));
    assert_eq!(hw.availability_zone.as_deref(), Some("us-east-1b"));
    assert_eq!(hw.mem, Some(1024), "t3a.micro is the default type: {hw:?}");
    assert_eq!(hw.cpu_cores, Some(2));
    assert_eq!(hw.root_disk, Some(8192));
    let heard = ec2.hooks.statuses.lock().expect("lock").clone();
    assert!(
        heard.iter().any(|(_, i)| i == "Setting up groups"),
        "{heard:?}"
    );

    let mut params = start_params(&f, "1", "nonce-1");
    params.constraints.mem = Some(8192);
    let second = ec2
        .env
        .start_instance(params)
        .await
        .expect("start machine 1");
    let id1 = second.instance.id.clone();
    assert_eq!(second.hardware.and_then(|h| h.mem), Some(8192));

    // The tags as Juju sets them, checked with boto3 (independent of us).
    let tags = moto
        .boto3(&format!(
            "r = ec2.describe_instances(InstanceIds=['{id0}'])\n\
             i = r['Reservations'][0]['Instances'][0]\n\
             print(sorted((t['Key'], t['Value']) for t in i['Tags']))\n\
             print(sorted(g['GroupName'] for g in i['SecurityGroups']))\n\
             print(i['InstanceType'], i['ImageId'])\n\
             vs = ec2.describe_volumes(Filters=[{{'Name': 'attachment.instance-id', 'Values': ['{id0}']}}])\n\
             print('root', sorted((t['Key'], t['Value']) for v in vs['Volumes'] for t in v.get('Tags', [])))"
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    let uuid = f.config["uuid"].as_str().unwrap_or_default();
    assert!(
        tags.contains("('Name', 'juju-ec2model-machine-0')"),
        "{tags}"
    );
    assert!(
        tags.contains(&format!("('juju-model-uuid', '{uuid}')")),
        "{tags}"
    );
    assert!(
        tags.contains(&format!(
            "('juju-controller-uuid', '{}')",
            f.controller_uuid
        )),
        "{tags}"
    );
    assert!(!tags.contains("juju-is-controller"), "{tags}");
    assert!(tags.contains(&format!("'juju-{uuid}'")), "{tags}");
    assert!(tags.contains(&format!("'juju-{uuid}-global'")), "{tags}");
    assert!(tags.contains("t3a.micro ami-785db401"), "{tags}");
    let root = tags
        .lines()
        .find(|l| l.starts_with("root "))
        .unwrap_or_default();
    assert!(
        root.contains("('Name', 'juju-ec2model-machine-0-root')"),
        "{tags}"
    );
    assert!(
        root.contains(&format!("('juju-model-uuid', '{uuid}')")),
        "{tags}"
    );

    // Instances: order kept, duplicates and unknown ids.
    let both = ec2
        .env
        .instances(&[id1.clone(), id0.clone(), id1.clone()])
        .await
        .expect("instances");
    let ids: Vec<&str> = both.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, [id1.as_str(), id0.as_str(), id1.as_str()]);
    match ec2.env.instances(&[id0.clone(), String::new()]).await {
        Err(Error::PartialInstances(slots)) => {
            assert!(slots[0].is_some() && slots[1].is_none());
        }
        other => panic!("expected partial instances, got {other:?}"),
    }
    assert!(matches!(
        ec2.env.instances(&["i-0123456789abcdef0".into()]).await,
        Err(Error::NoInstances)
    ));
    let mut all: Vec<String> = ec2
        .env
        .all_instances()
        .await
        .expect("all")
        .into_iter()
        .map(|i| i.id)
        .collect();
    all.sort();
    let mut want = vec![id0.clone(), id1.clone()];
    want.sort();
    assert_eq!(all, want);
    let zones = ec2
        .env
        .instance_availability_zone_names(std::slice::from_ref(&id0))
        .await
        .expect("zone names");
    assert_eq!(zones, [Some("us-east-1b".to_string())]);

    // Global firewall: open (twice), list merged and sorted, close.
    assert!(ec2.env.ingress_rules().await.expect("rules").is_empty());
    let open = [
        rule("tcp", 80, 80, &[]),
        rule("tcp", 443, 443, &["10.0.0.0/8", "192.168.0.0/16"]),
        rule("udp", 53, 53, &[]),
    ];
    ec2.env.open_ports(&open).await.expect("open");
    ec2.env.open_ports(&open[..1]).await.expect("open again");
    let rules = ec2.env.ingress_rules().await.expect("rules");
    assert_eq!(
        rules_text(&rules),
        [
            "80-80/tcp from 0.0.0.0/0",
            "443-443/tcp from 10.0.0.0/8,192.168.0.0/16",
            "53-53/udp from 0.0.0.0/0",
        ]
    );
    ec2.env
        .close_ports(&[
            rule("tcp", 443, 443, &["10.0.0.0/8"]),
            rule("tcp", 8080, 8080, &[]),
        ])
        .await
        .expect("close");
    let rules = ec2.env.ingress_rules().await.expect("rules");
    assert_eq!(
        rules_text(&rules),
        [
            "80-80/tcp from 0.0.0.0/0",
            "443-443/tcp from 192.168.0.0/16",
            "53-53/udp from 0.0.0.0/0",
        ]
    );

    // Stop: unknown ids ignored, twice is fine; gone from the lists.
    ec2.env
        .stop_instances(&[id0.clone(), "i-0123456789abcdef0".into()])
        .await
        .expect("stop");
    ec2.env
        .stop_instances(std::slice::from_ref(&id0))
        .await
        .expect("stop again");
    match ec2.env.instances(&[id0.clone(), id1.clone()]).await {
        Err(Error::PartialInstances(slots)) => assert!(slots[0].is_none() && slots[1].is_some()),
        other => panic!("expected partial instances, got {other:?}"),
    }
    let all = ec2.env.all_instances().await.expect("all");
    assert_eq!(
        all.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
        [id1.as_str()]
    );

    // Destroy: the rest terminated, the model's groups deleted; twice is fine.
    ec2.env.destroy().await.expect("destroy");
    ec2.env.destroy().await.expect("destroy again");
    assert!(ec2.env.all_instances().await.expect("all").is_empty());
    let left = moto
        .boto3(&format!(
            "gs = ec2.describe_security_groups(Filters=[{{'Name': 'tag:juju-model-uuid', 'Values': ['{uuid}']}}])\n\
             print(len(gs['SecurityGroups']))"
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(left.trim(), "0", "security groups left after destroy");
    println!("lifecycle on moto: {:?}", t0.elapsed());

    // Every request went to moto, signed by the host; nothing else.
    let events = ec2.events().await;
    let requests: Vec<_> = events
        .iter()
        .filter(|e| e.capability == Capability::Network)
        .collect();
    assert!(
        requests.len() > 20,
        "too few requests audited: {}",
        requests.len()
    );
    for e in &requests {
        assert_eq!(e.decision, Decision::Allowed, "{e}");
        assert!(
            e.destination.starts_with(moto.endpoint()),
            "a request left for {e}"
        );
    }
    let signed = events
        .iter()
        .filter(|e| e.capability == Capability::Sign && e.decision == Decision::Allowed)
        .count();
    assert_eq!(
        signed,
        requests.len(),
        "every request is signed by the host"
    );
    for e in &events {
        assert!(
            !format!("{e:?}").contains(moto.secret_key()),
            "an event holds the secret: {e}"
        );
    }
    assert!(ec2.hooks.invalidated.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn controllers_are_found_by_tag_and_zones_are_checked() {
    let moto = start_moto();
    let f = fixture(&moto, None);
    let ec2 = Ec2::open(&f).await;
    let mut params = start_params(&f, "0", "nonce-0");
    if let Some(icfg) = params.instance_config.as_mut() {
        icfg.jobs = vec!["JobManageModel".into(), "JobHostUnits".into()];
    }
    let started = ec2
        .env
        .start_instance(params)
        .await
        .expect("start controller");
    assert_eq!(started.hardware.and_then(|h| h.root_disk), Some(32 * 1024));
    let ids = ec2
        .env
        .controller_instances(&f.controller_uuid)
        .await
        .expect("controllers");
    assert_eq!(ids, [started.instance.id.as_str()]);
    assert!(matches!(
        ec2.env.controller_instances("another-controller").await,
        Err(Error::NotBootstrapped)
    ));

    // An unknown zone: not valid, and another zone may work.
    let mut params = start_params(&f, "1", "nonce-1");
    params.availability_zone = "us-east-1z".into();
    match ec2.env.start_instance(params).await {
        Err(Error::Provider(e)) => {
            assert_eq!(e.kind, strato_runtime::types::ErrorKind::NotValid, "{e:?}");
            assert!(!e.zone_independent, "{e:?}");
        }
        other => panic!("expected a zone error, got {other:?}"),
    }
    // An unknown instance type: no zone would do.
    let mut params = start_params(&f, "1", "nonce-1");
    params.constraints.instance_type = Some("x9.huge".into());
    match ec2.env.start_instance(params).await {
        Err(Error::Provider(e)) => assert!(e.zone_independent, "{e:?}"),
        other => panic!("expected an error, got {other:?}"),
    }
    // No nonce: refused, nothing started.
    let params = start_params(&f, "2", "");
    match ec2.env.start_instance(params).await {
        Err(Error::Provider(e)) => assert!(e.message.contains("missing machine nonce"), "{e:?}"),
        other => panic!("expected an error, got {other:?}"),
    }
    assert_eq!(ec2.env.all_instances().await.expect("all").len(), 1);
    // Instance firewall mode: the model-level port methods refuse.
    let err = ec2.env.ingress_rules().await.expect_err("instance mode");
    assert!(
        err.to_string()
            .contains("invalid firewall mode \"instance\" for retrieving ingress rules from model"),
        "{err}"
    );
}
