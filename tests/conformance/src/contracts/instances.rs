//! Contracts on starting, listing and stopping instances.

use strato_runtime::Error;
use strato_runtime::types::{Instance, StartInstanceResult};

use crate::ensure;
use crate::params::{precheck_params, start_params};
use crate::{CallExt, Check, Ctx, Outcome, expect_err, short_debug};

/// The ids of `instances`.
pub(crate) fn ids(instances: &[Instance]) -> Vec<String> {
    instances.iter().map(|i| i.id.clone()).collect()
}

/// The ids of `Instances` slots (`""` for a nil slot).
fn slot_ids(slots: &[Option<Instance>]) -> Vec<String> {
    slots
        .iter()
        .map(|s| s.as_ref().map(|i| i.id.clone()).unwrap_or_default())
        .collect()
}

/// The instance id of a start result, which must not be empty.
pub(crate) fn started_id(r: &StartInstanceResult) -> Check<String> {
    ensure!(
        !r.instance.id.is_empty(),
        "StartInstance: expected an instance id, got an empty one"
    );
    Ok(r.instance.id.clone())
}

/// §3.1 TestStartStop, step by step.
pub async fn start_stop(cx: &Ctx) -> Check {
    let env = cx.prepared().await?;
    let none = env.instances(&[]).await.call("Instances(nil)")?;
    ensure!(
        none.is_empty(),
        "Instances(nil): expected 0 instances, got {}",
        none.len()
    );

    let r0 = cx.start(&env, "0").await?;
    check_hardware(&r0, "machine 0")?;
    let id0 = started_id(&r0)?;
    let id1 = started_id(&cx.start(&env, "1").await?)?;

    let both = env
        .instances(&[id0.clone(), id1.clone()])
        .await
        .call("Instances([id0, id1])")?;
    ensure!(
        ids(&both) == vec![id0.clone(), id1.clone()],
        "Instances([{id0}, {id1}]): expected them in request order, got {:?}",
        ids(&both)
    );

    let mut all = ids(&env.all_instances().await.call("AllInstances")?);
    all.sort();
    let mut expected = vec![id0.clone(), id1.clone()];
    expected.sort();
    ensure!(
        all == expected,
        "AllInstances: expected exactly {expected:?}, got {all:?}"
    );

    env.stop_instances(std::slice::from_ref(&id0))
        .await
        .call("StopInstances([id0])")?;
    match env.instances(&[id0.clone(), id1.clone()]).await {
        Err(Error::PartialInstances(slots)) => {
            ensure!(
                slots.len() == 2 && slots[0].is_none() && slot_ids(&slots)[1] == id1,
                "Instances([{id0}, {id1}]) after stopping {id0}: expected ErrPartialInstances with [nil, {id1}], got slots {:?}",
                slot_ids(&slots)
            );
        }
        other => {
            return Err(Outcome::Fail(format!(
                "Instances([{id0}, {id1}]) after stopping {id0}: expected ErrPartialInstances, got {}",
                describe(&other)
            )));
        }
    }
    let all = ids(&env.all_instances().await.call("AllInstances")?);
    ensure!(
        all == vec![id1.clone()],
        "AllInstances after stopping {id0}: expected [{id1}], got {all:?}"
    );
    Ok(())
}

/// §3.4.7.
pub async fn instances_empty(cx: &Ctx) -> Check {
    let env = cx.prepared().await?;
    cx.start(&env, "0").await?;
    let got = env.instances(&[]).await.call("Instances(nil)")?;
    ensure!(
        got.is_empty(),
        "Instances(nil): expected no instances and no error, got {}",
        short_debug(&ids(&got))
    );
    Ok(())
}

/// §3.4.8 and LiveTests TestStartStop (`Instances([id0, id0])`).
pub async fn instances_order_duplicates(cx: &Ctx) -> Check {
    let env = cx.prepared().await?;
    let id0 = started_id(&cx.start(&env, "0").await?)?;
    let id1 = started_id(&cx.start(&env, "1").await?)?;
    let want = vec![
        id1.clone(),
        id0.clone(),
        id1.clone(),
        id0.clone(),
        id0.clone(),
    ];
    let got = env.instances(&want).await.call("Instances")?;
    ensure!(
        ids(&got) == want,
        "Instances({want:?}): expected the same ids in request order, got {:?}",
        ids(&got)
    );
    Ok(())
}

/// §3.4.9: none found.
pub async fn instances_none(cx: &Ctx) -> Check {
    let env = cx.prepared().await?;
    cx.start(&env, "0").await?;
    let unknown = vec![
        "no-such-instance-1".to_string(),
        "no-such-instance-2".to_string(),
    ];
    match env.instances(&unknown).await {
        Err(Error::NoInstances) => Ok(()),
        other => Err(Outcome::Fail(format!(
            "Instances({unknown:?}): expected ErrNoInstances, got {}",
            describe(&other)
        ))),
    }
}

/// §3.4.10 and LiveTests TestStartStop (`Instances([id0, ""])`).
pub async fn instances_partial(cx: &Ctx) -> Check {
    let env = cx.prepared().await?;
    let id0 = started_id(&cx.start(&env, "0").await?)?;
    match env.instances(&[id0.clone(), String::new()]).await {
        Err(Error::PartialInstances(slots)) => {
            ensure!(
                slots.len() == 2 && slot_ids(&slots)[0] == id0 && slots[1].is_none(),
                "Instances([{id0}, \"\"]): expected ErrPartialInstances with [{id0}, nil], got slots {:?}",
                slot_ids(&slots)
            );
            Ok(())
        }
        other => Err(Outcome::Fail(format!(
            "Instances([{id0}, \"\"]): expected ErrPartialInstances with nil slot, got {}",
            describe(&other)
        ))),
    }
}

/// §3.4.11.
pub async fn stop_unknown(cx: &Ctx) -> Check {
    let env = cx.prepared().await?;
    let id0 = started_id(&cx.start(&env, "0").await?)?;
    env.stop_instances(&["no-such-instance".to_string()])
        .await
        .call("StopInstances([no-such-instance])")?;
    env.stop_instances(std::slice::from_ref(&id0))
        .await
        .call("StopInstances([id0])")?;
    env.stop_instances(std::slice::from_ref(&id0))
        .await
        .call("StopInstances([id0]) a second time")?;
    Ok(())
}

/// §3.4.12 and LiveTests TestStartStop's last step.
pub async fn stop_removes(cx: &Ctx) -> Check {
    let env = cx.prepared().await?;
    let id0 = started_id(&cx.start(&env, "0").await?)?;
    let id1 = started_id(&cx.start(&env, "1").await?)?;
    env.stop_instances(std::slice::from_ref(&id0))
        .await
        .call("StopInstances([id0])")?;
    match env.instances(std::slice::from_ref(&id0)).await {
        Err(Error::NoInstances) => {}
        other => {
            return Err(Outcome::Fail(format!(
                "Instances([{id0}]) after stopping it: expected ErrNoInstances, got {}",
                describe(&other)
            )));
        }
    }
    let all = ids(&env.all_instances().await.call("AllInstances")?);
    ensure!(
        !all.contains(&id0) && all.contains(&id1),
        "AllInstances after stopping {id0}: expected {id1} without {id0}, got {all:?}"
    );
    Ok(())
}

/// §3.4.13.
pub async fn all_instances_once(cx: &Ctx) -> Check {
    let env = cx.prepared().await?;
    let mut started = Vec::new();
    for m in ["0", "1", "2"] {
        started.push(started_id(&cx.start(&env, m).await?)?);
    }
    let all = ids(&env.all_instances().await.call("AllInstances")?);
    for id in &started {
        let n = all.iter().filter(|a| *a == id).count();
        ensure!(
            n == 1,
            "AllInstances: expected {id} exactly once, got it {n} times in {all:?}"
        );
    }
    Ok(())
}

fn check_hardware(r: &StartInstanceResult, what: &str) -> Check {
    let hw = r.hardware.as_ref().or(r.instance.hardware.as_ref());
    let Some(hw) = hw else {
        return Err(Outcome::Fail(format!(
            "StartInstance({what}): expected hardware characteristics, got none"
        )));
    };
    ensure!(
        hw.arch.is_some() && hw.mem.is_some() && hw.cpu_cores.is_some(),
        "StartInstance({what}): expected hardware with arch, mem and cpu-cores, got {}",
        short_debug(hw)
    );
    Ok(())
}

/// §3.4.14.
pub async fn start_hardware(cx: &Ctx) -> Check {
    let env = cx.prepared().await?;
    let r = cx.start(&env, "0").await?;
    started_id(&r)?;
    check_hardware(&r, "machine 0")
}

/// §3.4.15, LiveTests TestStartInstanceWithEmptyNonceFails.
pub async fn start_empty_nonce(cx: &Ctx) -> Check {
    let env = cx.prepared().await?;
    let before = ids(&env.all_instances().await.call("AllInstances")?);
    let result = env
        .start_instance(start_params(cx.fixture(), "4", ""))
        .await;
    let e = expect_err(
        result,
        "StartInstance with nonce \"\"",
        "an error matching `.*missing machine nonce`",
    )?;
    ensure!(
        e.to_string().ends_with("missing machine nonce"),
        "StartInstance with nonce \"\": expected an error matching `.*missing machine nonce`, got {e}"
    );
    let after = ids(&env.all_instances().await.call("AllInstances")?);
    ensure!(
        before == after,
        "StartInstance with nonce \"\" failed but left instances behind: before {before:?}, after {after:?}"
    );
    Ok(())
}

/// §3.4.16: a request that no zone can satisfy (no nonce) fails zone
/// independently; a failure in an unavailable zone, if the provider has
/// one and refuses it, is not zone independent.
pub async fn start_zone_independent(cx: &Ctx) -> Check {
    let env = cx.prepared().await?;
    let e = expect_err(
        env.start_instance(start_params(cx.fixture(), "4", ""))
            .await,
        "StartInstance with nonce \"\"",
        "an error",
    )?;
    ensure!(
        e.is_availability_zone_independent(),
        "StartInstance with nonce \"\": expected a zone-independent error (no zone can fix it), got a zone-dependent one: {e}"
    );
    if !env
        .provider()
        .supports(strato_runtime::OptionalInterface::AvailabilityZones)
    {
        return Ok(());
    }
    let zones = env.availability_zones().await.call("AvailabilityZones")?;
    if let Some(zone) = zones.iter().find(|z| !z.available) {
        let mut params = start_params(cx.fixture(), "5", crate::params::FAKE_NONCE);
        params.availability_zone = zone.name.clone();
        match env.start_instance(params).await {
            Ok(r) => {
                env.stop_instances(&[r.instance.id])
                    .await
                    .call("StopInstances")?;
            }
            Err(e) => ensure!(
                !e.is_availability_zone_independent(),
                "StartInstance in unavailable zone {}: expected a zone-dependent error (another zone may work), got a zone-independent one: {e}",
                zone.name
            ),
        }
    }
    Ok(())
}

/// LiveTests TestPrechecker, §3.4.17.
pub async fn precheck_empty(cx: &Ctx) -> Check {
    let env = cx.prepared().await?;
    env.precheck_instance(precheck_params())
        .await
        .call("PrecheckInstance({Series: precise})")
}

/// A result as a short phrase for a failure message.
pub(crate) fn describe<T: std::fmt::Debug>(r: &Result<T, Error>) -> String {
    match r {
        Ok(v) => format!("success: {}", short_debug(v)),
        Err(Error::PartialInstances(slots)) => {
            format!("ErrPartialInstances with slots {:?}", slot_ids(slots))
        }
        Err(Error::NoInstances) => "ErrNoInstances".to_string(),
        Err(e) => format!("error: {e}"),
    }
}
