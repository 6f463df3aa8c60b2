//! A zone out of capacity: the provider's failure is zone-specific (the
//! host may try another zone) and the next zone works.

use std::sync::Mutex;
use std::time::Duration;

use strato_runtime::Error;
use strato_runtime::environs::provisioner::{
    MachineStart, RetryPolicy, ZoneMap, availability_zone_allocations, start_instance_with_zones,
};
use strato_runtime::types::InstanceState;
use strato_tests::conformance::params::start_params;
use strato_tests::moto::Moto;

use super::{Ec2, fixture};

#[tokio::test]
async fn a_zone_out_of_capacity_is_zone_specific_and_the_next_zone_works() {
    let moto = Moto::start_failing_zones(&["us-east-1a"]).unwrap_or_else(|e| panic!("moto: {e}"));
    let f = fixture(&moto, None);
    let ec2 = Ec2::open(&f).await;

    let mut params = start_params(&f, "0", "nonce-0");
    params.availability_zone = "us-east-1a".into();
    match ec2.env.start_instance(params.clone()).await {
        Err(Error::Provider(e)) => {
            assert!(e.message.contains("InsufficientInstanceCapacity"), "{e:?}");
            assert!(
                !e.zone_independent,
                "a capacity failure is zone-specific: {e:?}"
            );
        }
        other => panic!("expected a capacity failure, got {other:?}"),
    }
    assert!(ec2.env.all_instances().await.expect("all").is_empty());

    params.availability_zone = "us-east-1b".into();
    let started = ec2.env.start_instance(params).await.expect("the next zone");
    assert_eq!(
        started
            .hardware
            .and_then(|h| h.availability_zone)
            .as_deref(),
        Some("us-east-1b")
    );
    // No zone asked for: EC2 places it, the fault is not hit.
    let started = ec2
        .env
        .start_instance(start_params(&f, "1", "nonce-1"))
        .await
        .expect("no zone");
    assert!(started.instance.id.starts_with("i-"));
}

/// 10 attempts, 10 ms apart: the retry messages then say `10ms`.
const QUICK: RetryPolicy = RetryPolicy {
    attempts: 10,
    delay: Duration::from_millis(10),
};

// The host's zone loop (Juju's provisioner) driven by EC2's real capacity
// error: each machine is tried in us-east-1a first (fewest machines, then
// name), gets InsufficientInstanceCapacity there, and lands in another
// zone without using an attempt; the machines spread over the other zones.
#[tokio::test]
async fn the_host_zone_loop_moves_past_a_zone_out_of_capacity() {
    let moto = Moto::start_failing_zones(&["us-east-1a"]).unwrap_or_else(|e| panic!("moto: {e}"));
    let f = fixture(&moto, None);
    let ec2 = Ec2::open(&f).await;
    let zones = ZoneMap::from_environ(&ec2.env, |id| Some(id.to_string()))
        .await
        .expect("zone map");
    let names: Vec<String> = zones.snapshot().into_iter().map(|z| z.zone).collect();
    assert!(names.len() >= 3, "moto's us-east-1 zones: {names:?}");
    assert_eq!(names[0], "us-east-1a", "{names:?}");

    let mut placed = Vec::new();
    for id in ["0", "1", "2"] {
        let seen = Mutex::new(Vec::new());
        let status = |state: InstanceState, info: &str| {
            seen.lock().expect("lock").push((state, info.to_string()))
        };
        let machine = MachineStart::new(id, start_params(&f, id, &format!("nonce-{id}")));
        let started = start_instance_with_zones(
            &ec2.env,
            &machine,
            &zones,
            QUICK,
            &status,
            std::future::pending::<()>(),
        )
        .await
        .unwrap_or_else(|e| panic!("machine {id}: {e}"));
        let zone = started
            .hardware
            .and_then(|h| h.availability_zone)
            .expect("a zone");
        assert_ne!(zone, "us-east-1a", "machine {id}");
        let seen = seen.into_inner().expect("lock");
        assert_eq!(seen.len(), 2, "machine {id}: {seen:?}");
        assert_eq!(seen[0], (InstanceState::Allocating, "starting".to_string()));
        let (state, retry) = &seen[1];
        assert_eq!(*state, InstanceState::Allocating);
        let prefix = format!(
            "failed to start machine {id} in zone \"us-east-1a\", retrying in 10ms with new availability zone: "
        );
        assert!(retry.starts_with(&prefix), "{retry}");
        assert!(retry.contains("InsufficientInstanceCapacity"), "{retry}");
        placed.push(zone);
    }
    // Fewest machines first: three different zones.
    let mut distinct = placed.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 3, "{placed:?}");
    // Nothing was left behind in the failing zone, and EC2 agrees on where
    // each machine is.
    let all = ec2.env.all_instances().await.expect("all instances");
    assert_eq!(all.len(), 3);
    let allocations = availability_zone_allocations(&ec2.env, &[])
        .await
        .expect("allocations");
    for z in allocations {
        if z.zone == "us-east-1a" {
            assert!(z.instances.is_empty(), "{z:?}");
        }
    }
}
