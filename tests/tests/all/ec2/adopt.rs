//! AdoptResources re-tags every resource of the model (instances, EBS
//! volumes with root disks, security groups) with the new controller, so
//! that the old controller's DestroyController leaves them and the new
//! one's removes them.

use serde_json::json;
use strato_runtime::types::{StoragePool, VolumeAttachmentParams, VolumeParams};
use strato_tests::conformance::params::{agent_version, start_params};
use strato_tests::moto::Moto;

use super::{Ec2, fixture, start_moto};

const Y: &str = "5b2f7c1e-9a3d-4e8f-b6c0-abcdefabcdef";

/// `controller-tag resource-id` of every live resource tagged with model
/// `uuid`, sorted.
fn controller_tags(moto: &Moto, uuid: &str) -> Vec<String> {
    let out = moto
        .boto3(&format!(
            "f = [{{'Name': 'tag:juju-model-uuid', 'Values': ['{uuid}']}}]\n\
             def ctl(o):\n\
             \x20   return dict((t['Key'], t['Value']) for t in o.get('Tags', [])).get('juju-controller-uuid')\n\
             out = []\n\
             for r in ec2.describe_instances(Filters=f)['Reservations']:\n\
             \x20   for i in r['Instances']:\n\
             \x20       if i['State']['Name'] != 'terminated':\n\
             \x20           out.append('%s %s' % (ctl(i), i['InstanceId']))\n\
             for v in ec2.describe_volumes(Filters=f)['Volumes']:\n\
             \x20   out.append('%s %s' % (ctl(v), v['VolumeId']))\n\
             for g in ec2.describe_security_groups(Filters=f)['SecurityGroups']:\n\
             \x20   out.append('%s %s' % (ctl(g), g['GroupId']))\n\
             print('\\n'.join(sorted(out)))"
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    out.lines().map(str::to_string).collect()
}

#[tokio::test]
async fn adopt_resources_retags_the_model_for_the_new_controller() {
    let moto = start_moto();
    // Model A under controller X; the controllers' own models X and Y.
    let a = fixture(&moto, None);
    let x = fixture(&moto, None)
        .with_config("name", json!("controller-x"))
        .with_config("uuid", json!("7a1e6a9c-0d3f-4b7e-9a51-2f6c8d4e0b13"));
    let mut y = fixture(&moto, None)
        .with_config("name", json!("controller-y"))
        .with_config("uuid", json!("0c5d3b1a-8e2f-4c6d-b7a9-1e3f5a7c9d20"));
    y.controller_uuid = Y.into();
    let (ea, ex, ey) = (
        Ec2::open(&a).await,
        Ec2::open(&x).await,
        Ec2::open(&y).await,
    );
    let uuid = a.config["uuid"].as_str().unwrap_or_default().to_string();

    let id = ea
        .env
        .start_instance(start_params(&a, "0", "n0"))
        .await
        .expect("start")
        .instance
        .id;
    let pool = StoragePool {
        name: "ebs".into(),
        provider_type: "ebs".into(),
        attrs: Vec::new(),
    };
    let params = VolumeParams {
        tag: "volume-0".into(),
        size: 1024,
        provider_type: "ebs".into(),
        attributes: Vec::new(),
        resource_tags: vec![
            ("juju-model-uuid".into(), uuid.clone()),
            ("juju-controller-uuid".into(), a.controller_uuid.clone()),
        ],
        attachment: Some(VolumeAttachmentParams {
            provider_type: "ebs".into(),
            machine: "0".into(),
            instance_id: id.clone(),
            read_only: false,
            volume: "volume-0".into(),
            volume_id: String::new(),
        }),
    };
    let created = ea
        .env
        .create_volumes(&pool, &[params])
        .await
        .expect("create");
    let volume_id = created[0].volume.clone().expect("created").volume_id;

    // Before: everything carries X (instance, root disk, EBS volume, groups).
    let before = controller_tags(&moto, &uuid);
    assert!(before.len() >= 4, "{before:?}");
    assert!(
        before
            .iter()
            .all(|l| l.starts_with(&format!("{} ", a.controller_uuid))),
        "{before:?}"
    );
    assert!(before.iter().any(|l| l.ends_with(&id)), "{before:?}");
    assert!(before.iter().any(|l| l.ends_with(&volume_id)), "{before:?}");

    ea.env
        .adopt_resources(Y, agent_version())
        .await
        .expect("adopt-resources");
    let after = controller_tags(&moto, &uuid);
    let ids = |ls: &[String]| -> Vec<String> {
        ls.iter()
            .map(|l| l.split(' ').nth(1).unwrap_or_default().to_string())
            .collect()
    };
    let mut same = ids(&after);
    same.sort();
    let mut was = ids(&before);
    was.sort();
    assert_eq!(same, was, "the same resources");
    assert!(
        after.iter().all(|l| l.starts_with(&format!("{Y} "))),
        "every resource carries the new controller: {after:?}"
    );

    // The old controller no longer owns the model.
    ex.env
        .destroy_controller(&x.controller_uuid)
        .await
        .expect("destroy-controller X");
    let left: Vec<String> = ea
        .env
        .all_instances()
        .await
        .expect("all")
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(left, [id.as_str()], "X leaves the adopted machine");
    assert_eq!(controller_tags(&moto, &uuid), after, "X leaves everything");

    // The new one does.
    ey.env
        .destroy_controller(Y)
        .await
        .expect("destroy-controller Y");
    assert!(ea.env.all_instances().await.expect("all").is_empty());
    let gone = moto
        .boto3(&format!(
            "r = ec2.describe_instances(InstanceIds=['{id}'])\n\
             print([i['State']['Name'] for res in r['Reservations'] for i in res['Instances']])\n\
             vs = ec2.describe_volumes(Filters=[{{'Name': 'volume-id', 'Values': ['{volume_id}']}}])\n\
             print(len(vs['Volumes']))\n\
             gs = ec2.describe_security_groups(Filters=[{{'Name': 'tag:juju-model-uuid', 'Values': ['{uuid}']}}])\n\
             print(len(gs['SecurityGroups']))"
        ))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(gone.trim(), "['terminated']\n0\n0", "{gone}");
}
