//! DestroyController removes the machines and groups of every model
//! tagged with the controller, and nothing of another controller's.

use serde_json::json;
use strato_tests::conformance::params::start_params;

use super::{Ec2, fixture, start_moto};

#[tokio::test]
async fn destroy_controller_removes_the_other_models_resources() {
    let moto = start_moto();
    let a = fixture(&moto, None).with_config("firewall-mode", json!("global"));
    let b = fixture(&moto, None)
        .with_config("name", json!("hosted"))
        .with_config("uuid", json!("7a1e6a9c-0d3f-4b7e-9a51-2f6c8d4e0b13"));
    let mut c = fixture(&moto, None)
        .with_config("name", json!("elsewhere"))
        .with_config("uuid", json!("0c5d3b1a-8e2f-4c6d-b7a9-1e3f5a7c9d20"));
    c.controller_uuid = "0c5d3b1a-8e2f-4c6d-b7a9-ffffffffffff".into();
    let (ea, eb, ec) = (
        Ec2::open(&a).await,
        Ec2::open(&b).await,
        Ec2::open(&c).await,
    );
    let ia = ea
        .env
        .start_instance(start_params(&a, "0", "n0"))
        .await
        .expect("start a");
    let ib = eb
        .env
        .start_instance(start_params(&b, "0", "n0"))
        .await
        .expect("start b");
    let ic = ec
        .env
        .start_instance(start_params(&c, "0", "n0"))
        .await
        .expect("start c");

    ea.env
        .destroy_controller(&a.controller_uuid)
        .await
        .expect("destroy-controller");
    assert!(ea.env.all_instances().await.expect("a").is_empty());
    assert!(eb.env.all_instances().await.expect("b").is_empty());
    let left: Vec<String> = ec
        .env
        .all_instances()
        .await
        .expect("c")
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(
        left,
        [ic.instance.id.as_str()],
        "another controller's machine survives"
    );
    let states = moto
        .boto3(&format!(
            "r = ec2.describe_instances(InstanceIds=['{}', '{}'])\n\
             print(sorted(i['State']['Name'] for res in r['Reservations'] for i in res['Instances']))\n\
             gs = ec2.describe_security_groups(Filters=[{{'Name': 'tag:juju-controller-uuid', 'Values': ['{}']}}])\n\
             print(len(gs['SecurityGroups']))",
            ia.instance.id, ib.instance.id, a.controller_uuid
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(states.trim(), "['terminated', 'terminated']\n0", "{states}");
}
