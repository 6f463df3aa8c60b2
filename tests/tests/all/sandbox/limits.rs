//! CPU, memory and traps: an endless loop, a memory bomb, deep recursion,
//! results too large for the instance's memory (honest and forged), and a
//! trap halfway through start-instance. Each costs the instance, is
//! audited, and the next call works.

use strato_runtime::audit::{Capability, Decision};
use strato_runtime::{Error, Grants};
use strato_tests::conformance::{Fixture, params};

use super::{MEMORY, Sandbox, cloud};

async fn sandbox() -> Sandbox {
    Sandbox::open(Grants::default(), cloud("", None)).await
}

#[tokio::test]
async fn an_endless_loop_is_stopped_at_the_deadline() {
    let mut sb = sandbox().await;
    match sb.try_attack("loop").await {
        Err(e @ Error::Timeout { .. }) => println!("loop: {e}"),
        other => panic!("loop: expected Error::Timeout, got {other:?}"),
    }
    sb.expect_event(Capability::Time, Decision::Denied, "", "instances")
        .await;
    sb.next_call_works().await;
}

#[tokio::test]
async fn a_memory_bomb_hits_the_limit() {
    let mut sb = sandbox().await;
    match sb.try_attack("oom").await {
        Err(e @ Error::MemoryLimit { .. }) => println!("oom: {e}"),
        other => panic!("oom: expected Error::MemoryLimit, got {other:?}"),
    }
    sb.expect_event(
        Capability::Memory,
        Decision::Denied,
        &MEMORY.to_string(),
        "",
    )
    .await;
    sb.next_call_works().await;
}

#[tokio::test]
async fn deep_recursion_traps() {
    let mut sb = sandbox().await;
    match sb.try_attack("recurse").await {
        Err(e @ Error::Trap { .. }) => println!("recurse: {e}"),
        other => panic!("recurse: expected Error::Trap, got {other:?}"),
    }
    sb.expect_event(Capability::Trap, Decision::Denied, "", "instances")
        .await;
    sb.next_call_works().await;
}

/// A result larger than the instance may hold: building it hits the
/// memory limit. (A result that fits is carried across whole.)
#[tokio::test]
async fn a_result_too_large_for_the_instance_memory_is_refused() {
    let mut sb = sandbox().await;
    let fits = 4 << 20;
    let outcome = sb.attack(&format!("big-result:{fits}")).await;
    assert_eq!(outcome.len(), fits + 3);
    match sb.try_attack(&format!("big-result:{}", 2 * MEMORY)).await {
        Err(e @ (Error::MemoryLimit { .. } | Error::Trap { .. })) => println!("big-result: {e}"),
        other => panic!("big-result: expected a memory error, got {other:?}"),
    }
    sb.expect_event(Capability::Memory, Decision::Denied, "", "")
        .await;
    sb.next_call_works().await;
}

/// A result whose string claims 2 GiB, past the end of the guest's memory:
/// the host refuses to lift it instead of reading out of bounds or
/// allocating 2 GiB.
#[tokio::test]
async fn a_forged_result_length_is_refused() {
    let mut sb = sandbox().await;
    match sb.try_attack("forge-result").await {
        Err(e @ Error::Trap { .. }) => println!("forge-result: {e}"),
        other => panic!("forge-result: expected Error::Trap, got {other:?}"),
    }
    sb.expect_event(Capability::Trap, Decision::Denied, "", "instances")
        .await;
    sb.next_call_works().await;
}

#[tokio::test]
async fn a_trap_halfway_through_start_instance_leaves_the_provider_usable() {
    let root = tempfile::tempdir().expect("tempdir");
    let state = root.path().join("state");
    let grants = Grants {
        state_dir: Some(state.clone()),
        ..Grants::default()
    };
    let mut sb = Sandbox::open(grants, cloud("", None)).await;
    let fixture = Fixture::dummy();
    let mut params = params::start_params(&fixture, "0", "nonce-0");
    params.placement = "trap-half".into();
    match sb.env.start_instance(params.clone()).await {
        Err(e @ Error::Trap { .. }) => {
            println!("trap-half: {e}");
            assert!(e.to_string().contains("start-instance"), "{e}");
        }
        Err(other) => panic!("trap-half: expected Error::Trap, got {other}"),
        Ok(_) => panic!("trap-half: the start succeeded"),
    }
    sb.expect_event(Capability::Trap, Decision::Denied, "", "start-instance")
        .await;
    // What the guest wrote before it trapped stays; nothing else is lost.
    assert!(state.join("half-started").exists());
    sb.next_call_works().await;

    params.placement = "zone1".into();
    let started = sb
        .env
        .start_instance(params)
        .await
        .expect("start-instance after the trap");
    let all = sb.env.all_instances().await.expect("all-instances");
    assert!(
        all.iter().any(|i| i.id == started.instance.id),
        "{:?} not in {all:?}",
        started.instance.id
    );
}
