//! Zone-aware start-instance against the dummy (zone2 unavailable, faults
//! injected with `fail-zones` / `fail-start`): the status messages of
//! Juju's provisioner, asserted exactly, for a zone-specific failure, a
//! round of failed zones, zone-independent failures, attempts running out
//! and an abort mid-retry; and the spread of machines over zones.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::json;
use strato_runtime::Environ;
use strato_runtime::environs::provisioner::{
    MachineStart, ProvisionError, RetryPolicy, ZoneMap, availability_zone_allocations,
    start_instance_with_zones,
};
use strato_runtime::types::{InstanceState, StartInstanceResult, Value};
use strato_tests::conformance::Fixture;
use strato_tests::conformance::params::{FAKE_NONCE, start_params};

use super::bootstrap::{Dummy, fixture_with};

use InstanceState::{Allocating, ProvisioningError};

/// A status callback that records, and what it recorded.
type Statuses = Arc<Mutex<Vec<(InstanceState, String)>>>;

fn recorder() -> (Statuses, impl Fn(InstanceState, &str) + Send + Sync) {
    let seen: Statuses = Arc::default();
    let sink = seen.clone();
    (seen, move |state, info: &str| {
        sink.lock().expect("lock").push((state, info.to_string()))
    })
}

fn taken(seen: &Statuses) -> Vec<(InstanceState, String)> {
    std::mem::take(&mut *seen.lock().expect("lock"))
}

fn s(state: InstanceState, info: &str) -> (InstanceState, String) {
    (state, info.to_string())
}

/// 10 attempts, 10 ms apart (messages then say `10ms`).
const QUICK: RetryPolicy = RetryPolicy {
    attempts: 10,
    delay: Duration::from_millis(10),
};

fn machine(fixture: &Fixture, id: &str) -> MachineStart {
    MachineStart::new(id, start_params(fixture, id, FAKE_NONCE))
}

fn zone_of(result: &StartInstanceResult) -> Option<&str> {
    result.hardware.as_ref()?.availability_zone.as_deref()
}

async fn setup(extra: &[(&str, serde_json::Value)]) -> (Dummy, Fixture, Environ, ZoneMap) {
    let dummy = Dummy::new().await;
    let fixture = fixture_with(extra);
    let env = dummy.prepared(&fixture).await;
    let zones = ZoneMap::from_environ(&env, |id| Some(id.to_string()))
        .await
        .expect("zone map");
    (dummy, fixture, env, zones)
}

// A zone-specific failure moves on to the next zone without using an
// attempt; zone2 (unavailable) is never in the map.
#[tokio::test]
async fn zone_specific_failure_tries_the_next_zone() {
    let (_dummy, fixture, env, zones) = setup(&[("fail-zones", json!("zone1"))]).await;
    let names: Vec<String> = zones.snapshot().into_iter().map(|z| z.zone).collect();
    assert_eq!(names, ["zone1", "zone3", "zone4"]);
    let (seen, status) = recorder();
    let never = std::future::pending::<()>();
    let started =
        start_instance_with_zones(&env, &machine(&fixture, "1"), &zones, QUICK, &status, never)
            .await
            .expect("started");
    assert_eq!(zone_of(&started), Some("zone3"));
    assert_eq!(
        taken(&seen),
        [
            s(Allocating, "starting"),
            s(
                Allocating,
                r#"failed to start machine 1 in zone "zone1", retrying in 10ms with new availability zone: zone "zone1" is out of capacity"#
            ),
        ]
    );
    let map = zones.snapshot();
    assert!(map[0].failed.contains("1") && !map[0].machines.contains("1"));
    assert!(map[1].machines.contains("1"));
}

// When every zone has failed, the failures are forgotten and one attempt
// is used; the next round starts in zone1 again.
#[tokio::test]
async fn a_round_of_failed_zones_uses_an_attempt() {
    let (_dummy, fixture, env, zones) =
        setup(&[("fail-zones", json!("zone1:1 zone3:1 zone4:1"))]).await;
    let (seen, status) = recorder();
    let never = std::future::pending::<()>();
    let started =
        start_instance_with_zones(&env, &machine(&fixture, "1"), &zones, QUICK, &status, never)
            .await
            .expect("started");
    assert_eq!(zone_of(&started), Some("zone1"));
    let retry = |z: &str| {
        format!(
            r#"failed to start machine 1 in zone "{z}", retrying in 10ms with new availability zone: zone "{z}" is out of capacity"#
        )
    };
    assert_eq!(
        taken(&seen),
        [
            s(Allocating, "starting"),
            s(Allocating, &retry("zone1")),
            s(Allocating, &retry("zone3")),
            s(
                Allocating,
                r#"failed to start machine 1 (zone "zone4" is out of capacity), retrying in 10ms (10 more attempts)"#
            ),
        ]
    );
    assert!(zones.snapshot().iter().all(|z| z.failed.is_empty()));
}

// A zone-independent failure uses an attempt each time; as in Juju, the
// machine still counts in the zone it failed in, so the next try goes to
// the next least populated zone.
#[tokio::test]
async fn zone_independent_failures_use_attempts() {
    let (_dummy, fixture, env, zones) = setup(&[("fail-start", json!("zone-independent:2"))]).await;
    let (seen, status) = recorder();
    let never = std::future::pending::<()>();
    let started =
        start_instance_with_zones(&env, &machine(&fixture, "1"), &zones, QUICK, &status, never)
            .await
            .expect("started");
    assert_eq!(zone_of(&started), Some("zone4"));
    assert_eq!(
        taken(&seen),
        [
            s(Allocating, "starting"),
            s(
                Allocating,
                "failed to start machine 1 (instance quota exceeded), retrying in 10ms (10 more attempts)"
            ),
            s(
                Allocating,
                "failed to start machine 1 (instance quota exceeded), retrying in 10ms (9 more attempts)"
            ),
        ]
    );
}

// With no attempt left: status `provisioning error` with the cause, the
// machine leaves the map, nothing was started.
#[tokio::test]
async fn attempts_run_out() {
    let (_dummy, fixture, env, zones) = setup(&[("fail-start", json!("zone-independent"))]).await;
    let (seen, status) = recorder();
    let policy = RetryPolicy {
        attempts: 2,
        delay: Duration::from_millis(1),
    };
    let never = std::future::pending::<()>();
    let err = start_instance_with_zones(
        &env,
        &machine(&fixture, "1"),
        &zones,
        policy,
        &status,
        never,
    )
    .await
    .expect_err("quota every time");
    assert_eq!(
        err.to_string(),
        r#"cannot start instance for machine "1": instance quota exceeded"#
    );
    let counted = |n: u32| {
        format!(
            "failed to start machine 1 (instance quota exceeded), retrying in 1ms ({n} more attempts)"
        )
    };
    assert_eq!(
        taken(&seen),
        [
            s(Allocating, "starting"),
            s(Allocating, &counted(2)),
            s(Allocating, &counted(1)),
            s(ProvisioningError, "instance quota exceeded"),
        ]
    );
    assert!(zones.snapshot().iter().all(|z| !z.machines.contains("1")));
    assert!(env.all_instances().await.expect("instances").is_empty());
}

// Abort ends Juju's 10 s retry delay early.
#[tokio::test]
async fn abort_cuts_the_retry_delay() {
    let (_dummy, fixture, env, zones) = setup(&[("fail-start", json!("zone-independent"))]).await;
    let (seen, status) = recorder();
    let begun = Instant::now();
    let abort = tokio::time::sleep(Duration::from_millis(300));
    let err = start_instance_with_zones(
        &env,
        &machine(&fixture, "1"),
        &zones,
        RetryPolicy::default(),
        &status,
        abort,
    )
    .await
    .expect_err("aborted");
    assert!(matches!(err, ProvisionError::Aborted { .. }), "{err:?}");
    assert!(
        begun.elapsed() < Duration::from_secs(5),
        "waited {:?}",
        begun.elapsed()
    );
    assert_eq!(
        taken(&seen),
        [
            s(Allocating, "starting"),
            s(
                Allocating,
                "failed to start machine 1 (instance quota exceeded), retrying in 10s (10 more attempts)"
            ),
        ]
    );
}

// Abort also cancels a start-instance that is still running: the call is
// dropped (and its sandbox instance with it) instead of waited for, and the
// environ works again afterwards.
#[tokio::test]
async fn abort_cancels_a_start_in_progress() {
    let (_dummy, fixture, env, zones) = setup(&[("slow-start", json!(30_000))]).await;
    let (seen, status) = recorder();
    let begun = Instant::now();
    let abort = tokio::time::sleep(Duration::from_millis(300));
    let err = start_instance_with_zones(
        &env,
        &machine(&fixture, "1"),
        &zones,
        RetryPolicy::default(),
        &status,
        abort,
    )
    .await
    .expect_err("aborted");
    assert!(matches!(err, ProvisionError::Aborted { .. }), "{err:?}");
    assert!(
        begun.elapsed() < Duration::from_secs(5),
        "waited {:?} for a start-instance that was aborted",
        begun.elapsed()
    );
    assert_eq!(taken(&seen), [s(Allocating, "starting")]);
    let found = env
        .all_instances()
        .await
        .expect("the environ works after an abort");
    assert!(found.iter().all(|i| i.id != "1"), "{found:?}");
}

// Machines spread over the least populated zones; a map rebuilt from the
// environ sees them; distribution groups, the zones constraint and
// placement steer the choice; no suitable zone is a provisioning error.
#[tokio::test]
async fn machines_spread_over_zones() {
    let (_dummy, fixture, env, zones) = setup(&[]).await;
    let (seen, status) = recorder();
    let mut machines = BTreeMap::new();
    for id in ["0", "1", "2", "3"] {
        let never = std::future::pending::<()>();
        let r =
            start_instance_with_zones(&env, &machine(&fixture, id), &zones, QUICK, &status, never)
                .await
                .expect("started");
        assert_eq!(
            zone_of(&r),
            Some(["zone1", "zone3", "zone4", "zone1"][id.parse::<usize>().expect("id")])
        );
        machines.insert(r.instance.id, id.to_string());
    }
    assert_eq!(taken(&seen), vec![s(Allocating, "starting"); 4]);

    let allocations = availability_zone_allocations(&env, &[])
        .await
        .expect("allocations");
    let counts: Vec<(String, usize)> = allocations
        .iter()
        .map(|z| (z.zone.clone(), z.instances.len()))
        .collect();
    assert_eq!(
        counts,
        [
            ("zone3".into(), 1),
            ("zone4".into(), 1),
            ("zone1".into(), 2)
        ]
    );
    let rebuilt = ZoneMap::from_environ(&env, |id| machines.get(id).cloned())
        .await
        .expect("map");
    let by_zone: Vec<(String, Vec<String>)> = rebuilt
        .snapshot()
        .into_iter()
        .map(|z| (z.zone, z.machines.into_iter().collect()))
        .collect();
    assert_eq!(
        by_zone,
        [
            ("zone3".to_string(), vec!["1".to_string()]),
            ("zone4".to_string(), vec!["2".to_string()]),
            ("zone1".to_string(), vec!["0".to_string(), "3".to_string()]),
        ]
    );

    let start = |m: MachineStart| {
        let (zones, env, status) = (&rebuilt, &env, &status);
        async move {
            start_instance_with_zones(env, &m, zones, QUICK, status, std::future::pending::<()>())
                .await
        }
    };
    // Spread from machines 1 and 2 (zone3, zone4): zone1 has none of them.
    let mut m = machine(&fixture, "4");
    m.distribution_group = vec!["1".into(), "2".into()];
    assert_eq!(zone_of(&start(m).await.expect("4")), Some("zone1"));
    let mut m = machine(&fixture, "5");
    m.params.constraints.zones = Some(vec!["zone4".into()]);
    assert_eq!(zone_of(&start(m).await.expect("5")), Some("zone4"));
    // Placement pins the most populated zone.
    let mut m = machine(&fixture, "6");
    m.params.placement = "zone=zone1".into();
    assert_eq!(zone_of(&start(m).await.expect("6")), Some("zone1"));
    taken(&seen);

    let mut m = machine(&fixture, "7");
    m.params.placement = "zone=zone2".into();
    let err = start(m).await.expect_err("zone2 is unavailable");
    assert_eq!(
        err.to_string(),
        r#"cannot start instance for machine "7": availability zone "zone2" is unavailable"#
    );
    let mut m = machine(&fixture, "8");
    m.params.constraints.zones = Some(vec!["zone2".into()]);
    let err = start(m).await.expect_err("no zone");
    assert!(err.cause().is_some_and(|e| e.is_not_found()), "{err:?}");
    assert_eq!(
        taken(&seen),
        [
            s(Allocating, "starting"),
            s(
                ProvisioningError,
                "suitable availability zone for machine 8 not found"
            ),
        ]
    );

    // A provider that cannot place its instances fails the map (Juju's
    // dummy answers not-supported there when broken).
    let mut cfg = env.config().await.expect("config");
    cfg.retain(|(k, _)| k != "broken");
    cfg.push((
        "broken".into(),
        Value::Text("InstanceAvailabilityZoneNames".into()),
    ));
    env.set_config(cfg).await.expect("set config");
    let err = ZoneMap::from_environ(&env, |id| Some(id.to_string()))
        .await
        .expect_err("zone names are broken");
    assert_eq!(
        err.to_string(),
        "dummy.InstanceAvailabilityZoneNames is broken"
    );
}
