//! EBS volumes through `volume-source`: created in the instance's zone and
//! tagged, described, attached under Juju's device names, detached,
//! destroyed; `Destroy` and `DestroyController` remove them by tag.

use serde_json::json;
use strato_runtime::types::{
    ErrorKind, StoragePool, StorageScope, Value, VolumeAttachmentParams, VolumeParams,
};
use strato_tests::conformance::params::start_params;

use super::{Ec2, fixture, start_moto};

fn pool() -> StoragePool {
    StoragePool {
        name: "ebs".into(),
        provider_type: "ebs".into(),
        attrs: Vec::new(),
    }
}

fn attach(machine: &str, instance: &str, tag: &str, volume_id: &str) -> VolumeAttachmentParams {
    VolumeAttachmentParams {
        provider_type: "ebs".into(),
        machine: machine.into(),
        instance_id: instance.into(),
        read_only: false,
        volume: tag.into(),
        volume_id: volume_id.into(),
    }
}

fn volume(tag: &str, mib: u64, machine: &str, instance: &str) -> VolumeParams {
    VolumeParams {
        tag: tag.into(),
        size: mib,
        provider_type: "ebs".into(),
        attributes: Vec::new(),
        resource_tags: Vec::new(),
        attachment: Some(attach(machine, instance, tag, "")),
    }
}

/// The volumes moto has (`filter`: describe-volumes arguments): id, size,
/// zone, state, type, devices, tags.
fn moto_volumes(moto: &strato_tests::moto::Moto, filter: &str) -> String {
    moto.boto3(&format!(
        "vs = ec2.describe_volumes({filter})['Volumes']\n\
         for v in sorted(vs, key=lambda v: v['VolumeId']):\n\
         \x20   print(v['VolumeId'], v['Size'], v['AvailabilityZone'], v['State'], v.get('VolumeType'),\n\
         \x20         sorted(a['Device'] for a in v['Attachments']),\n\
         \x20         sorted((t['Key'], t['Value']) for t in v.get('Tags', [])))"
    ))
    .unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn ebs_volumes_create_attach_detach_destroy() {
    let moto = start_moto();
    let a = fixture(&moto, None);
    let b = fixture(&moto, None)
        .with_config("name", json!("hosted"))
        .with_config("uuid", json!("7a1e6a9c-0d3f-4b7e-9a51-2f6c8d4e0b13"));
    let (ea, eb) = (Ec2::open(&a).await, Ec2::open(&b).await);
    let uuid = a.config["uuid"].as_str().unwrap_or_default().to_string();

    // The storage provider Juju's EC2 registers.
    assert_eq!(
        ea.env.storage_provider_types().await.expect("types"),
        ["ebs"]
    );
    let info = ea.env.storage_provider("ebs").await.expect("ebs");
    assert!(info.dynamic && info.releasable && info.scope == StorageScope::Environ);
    assert_eq!(info.default_pools[0].name, "ebs-ssd");

    let mut params = start_params(&a, "0", "n0");
    params.availability_zone = "us-east-1b".into();
    let id0 = ea
        .env
        .start_instance(params)
        .await
        .expect("start")
        .instance
        .id;

    // Validation as Juju's: IOPS only for provisioned-iops, size limits.
    let mut bad = volume("volume-9", 1024, "0", &id0);
    bad.attributes = vec![("iops".into(), Value::Int(10))];
    let e = ea.env.validate_volume_params(&pool(), &bad).await;
    assert!(format!("{e:?}").contains("IOPS specified"), "{e:?}");
    let mut magnetic = pool();
    magnetic.attrs = vec![("volume-type".into(), Value::Text("magnetic".into()))];
    let e = ea
        .env
        .validate_volume_params(&magnetic, &volume("volume-9", 2000 * 1024, "0", &id0))
        .await;
    assert!(
        format!("{e:?}").contains("exceeds the maximum of 1024 GiB"),
        "{e:?}"
    );
    ea.env
        .validate_storage_config(&magnetic)
        .await
        .expect("magnetic pool");

    // Create: sizes in GiB (rounded up), zone of the instance, tags.
    let mut v1 = volume("volume-1", 1500, "0", &id0);
    v1.resource_tags = vec![
        ("juju-model-uuid".into(), uuid.clone()),
        ("juju-controller-uuid".into(), a.controller_uuid.clone()),
        ("juju-storage-owner".into(), "unit-app-0".into()),
    ];
    let mut v0 = v1.clone();
    v0.tag = "volume-0".into();
    v0.size = 10 * 1024;
    let orphan = volume("volume-2", 1024, "0", "i-0123456789abcdef0");
    let created = ea
        .env
        .create_volumes(&pool(), &[v0, v1, orphan])
        .await
        .expect("create");
    let ids: Vec<String> = created
        .iter()
        .take(2)
        .map(|r| r.volume.clone().expect("created").volume_id)
        .collect();
    assert_eq!(
        created
            .iter()
            .take(2)
            .map(|r| r.volume.clone().map(|v| v.size))
            .collect::<Vec<_>>(),
        [Some(10240), Some(2048)]
    );
    assert!(
        created[2].error.is_some(),
        "no instance, no zone: {created:?}"
    );
    let listed = moto_volumes(&moto, &format!("VolumeIds={ids:?}"));
    assert!(listed.contains("10 us-east-1b available gp2"), "{listed}");
    assert!(
        listed.contains("('Name', 'juju-ec2model-volume-0')"),
        "{listed}"
    );
    assert!(
        listed.contains("('juju-storage-owner', 'unit-app-0')"),
        "{listed}"
    );

    // Describe (an unknown id gets its own not-found) and list (no root disk).
    let mut ask = ids.clone();
    ask.push("vol-0123456789abcdef0".into());
    let described = ea
        .env
        .describe_volumes(&pool(), &ask)
        .await
        .expect("describe");
    assert_eq!(described[0].as_ref().map(|v| v.size).ok(), Some(10240));
    assert!(matches!(&described[2], Err(e) if e.kind == ErrorKind::NotFound));
    let mut listed = ea.env.list_volumes(&pool()).await.expect("list");
    listed.sort();
    let mut want = ids.clone();
    want.sort();
    assert_eq!(listed, want, "the model's volumes, not its root disk");

    // A machine that will get volume-0 goes to its zone; not elsewhere.
    let mut next = start_params(&a, "5", "n5");
    next.volume_attachments = vec![attach("5", "", "volume-0", &ids[0])];
    let zones = ea
        .env
        .derive_availability_zones(&next)
        .await
        .expect("derive");
    assert_eq!(zones, ["us-east-1b"]);
    next.placement = "zone=us-east-1a".into();
    let e = ea.env.derive_availability_zones(&next).await;
    assert!(format!("{e:?}").contains("EBS volumes in zone"), "{e:?}");
    next.volume_attachments.clear();
    let zones = ea
        .env
        .derive_availability_zones(&next)
        .await
        .expect("derive");
    assert_eq!(zones, ["us-east-1a"]);

    // Attach: /dev/sdf, /dev/sdg, seen by the machine as xvdf, xvdg.
    let attachments = [
        attach("0", &id0, "volume-0", &ids[0]),
        attach("0", &id0, "volume-1", &ids[1]),
    ];
    let attached = ea
        .env
        .attach_volumes(&pool(), &attachments)
        .await
        .expect("attach");
    let devices: Vec<String> = attached
        .iter()
        .map(|r| r.attachment.clone().expect("attached").device_name)
        .collect();
    assert_eq!(devices, ["xvdf", "xvdg"]);
    let link = attached[0].attachment.clone().map(|a| a.device_link);
    assert_eq!(
        link,
        Some(format!(
            "/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_{}",
            ids[0].replace('-', "")
        ))
    );
    let again = ea
        .env
        .attach_volumes(&pool(), &attachments[..1])
        .await
        .expect("attach again");
    assert_eq!(
        again[0].attachment.clone().map(|a| a.device_name),
        Some("xvdf".into())
    );
    let listed = moto_volumes(&moto, &format!("VolumeIds={ids:?}"));
    assert!(listed.contains("in-use gp2 ['/dev/sdf']"), "{listed}");
    assert!(listed.contains("in-use gp2 ['/dev/sdg']"), "{listed}");

    // Detach (twice is fine), then destroy the detached one.
    for _ in 0..2 {
        let detached = ea
            .env
            .detach_volumes(&pool(), &attachments[1..])
            .await
            .expect("detach");
        assert!(detached.iter().all(Option::is_none), "{detached:?}");
    }
    let destroyed = ea
        .env
        .destroy_volumes(&pool(), &ids[1..])
        .await
        .expect("destroy");
    assert!(destroyed.iter().all(Option::is_none), "{destroyed:?}");
    let gone = ea
        .env
        .describe_volumes(&pool(), &ids[1..])
        .await
        .expect("describe");
    assert!(gone[0].is_err(), "{gone:?}");

    // Model b's volume goes with b's Destroy; a's survives it.
    let mut params = start_params(&b, "0", "n0");
    params.availability_zone = "us-east-1a".into();
    let idb = eb
        .env
        .start_instance(params)
        .await
        .expect("start b")
        .instance
        .id;
    let mut w = volume("volume-0", 1024, "0", &idb);
    w.resource_tags = vec![
        (
            "juju-model-uuid".into(),
            "7a1e6a9c-0d3f-4b7e-9a51-2f6c8d4e0b13".into(),
        ),
        ("juju-controller-uuid".into(), b.controller_uuid.clone()),
    ];
    let wid = eb
        .env
        .create_volumes(&pool(), &[w])
        .await
        .expect("create b")[0]
        .volume
        .clone()
        .expect("created")
        .volume_id;
    eb.env
        .attach_volumes(&pool(), &[attach("0", &idb, "volume-0", &wid)])
        .await
        .expect("attach b");
    eb.env.destroy().await.expect("destroy b");
    let left = moto_volumes(&moto, &format!("VolumeIds=['{}']", ids[0]));
    assert!(left.contains(&ids[0]), "{left}");
    let left = moto_volumes(&moto, "");
    assert!(!left.contains(&wid), "b's volume is gone: {left}");

    // DestroyController: a's attached volume too (detached first).
    ea.env
        .destroy_controller(&a.controller_uuid)
        .await
        .expect("destroy-controller");
    let left = moto_volumes(&moto, "");
    assert!(!left.contains(&ids[0]), "a's volume is gone: {left}");
    assert!(ea.env.list_volumes(&pool()).await.expect("list").is_empty());
}
