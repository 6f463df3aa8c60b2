//! The instance pool: on by default, a full pool refuses one more domain
//! with an error naming the limit and takes it once a slot is free, an
//! instance replaced after a trap keeps its slot, and the memory limit
//! still stops a memory bomb inside a pool slot.

use std::time::Duration;

use strato_runtime::config::Pooling;
use strato_runtime::types::OpenParams;
use strato_runtime::{Component, Environ, Error, Grants, Limits, Runtime, RuntimeConfig};
use strato_tests::conformance::Fixture;
use strato_tests::guests;

use crate::load;

const SAFETY: Duration = Duration::from_secs(120);

fn config(pooling: Option<Pooling>) -> RuntimeConfig {
    RuntimeConfig {
        call_timeout: Duration::from_secs(5),
        memory_limit: 64 << 20,
        pooling,
        ..RuntimeConfig::default()
    }
}

fn pool(max_instances: u32) -> Option<Pooling> {
    Some(Pooling {
        max_instances,
        ..Pooling::default()
    })
}

async fn open(component: &Component, grants: Grants) -> Result<Environ, Error> {
    let handle = component.instantiate(grants).await?;
    let fixture = Fixture::dummy();
    handle
        .open(OpenParams {
            cloud: fixture.cloud_spec(),
            config: fixture.config_attrs(),
        })
        .await
}

async fn call(env: &Environ, id: &str) -> Result<Vec<String>, Error> {
    let ids = [id.to_string()];
    let result = tokio::time::timeout(SAFETY, env.instances(&ids))
        .await
        .unwrap_or_else(|_| panic!("instances([{id}]) did not return at all"));
    result.map(|v| v.into_iter().map(|i| i.id).collect())
}

#[tokio::test]
async fn the_default_runtime_allocates_from_a_pool_sized_by_the_memory_limit() {
    let rt = Runtime::new(config(Some(Pooling::default()))).expect("runtime");
    assert_eq!(
        rt.pooling(),
        Some(&Pooling {
            max_instances: 1_000,
            max_concurrent_calls: Some(1_000),
            max_memory: Some(64 << 20),
        }),
        "this machine has the address space for the default pool"
    );
    assert!(RuntimeConfig::default().pooling.is_some());
    // A memory limit that is not a whole number of wasm pages is rounded
    // up to one.
    let rt = Runtime::new(RuntimeConfig {
        memory_limit: (16 << 20) + 1,
        ..config(pool(4))
    })
    .expect("runtime");
    assert_eq!(
        rt.pooling().and_then(|p| p.max_memory),
        Some((16 << 20) + (64 << 10))
    );
    let env = open(
        &load(&rt, guests::GUEST_MISBEHAVE_COMPONENT).await,
        Grants::default(),
    )
    .await
    .expect("open in a pooled instance");
    assert_eq!(call(&env, "fine").await.expect("call"), vec!["fine"]);
}

#[tokio::test]
async fn a_full_pool_refuses_one_more_domain_until_a_slot_is_free() {
    let rt = Runtime::new(config(pool(2))).expect("runtime");
    let component = load(&rt, guests::GUEST_MISBEHAVE_COMPONENT).await;
    let a = open(&component, Grants::default()).await.expect("domain a");
    let b = open(&component, Grants::default()).await.expect("domain b");
    match component.instantiate(Grants::default()).await {
        Err(e) => {
            let text = e.to_string();
            assert!(text.contains("limit of 2"), "{text}");
        }
        Ok(_) => panic!("a third domain fitted in a pool of two"),
    }
    // A trap replaces a's instance: the old one gives its slot back first,
    // so the replacement fits and b is untouched.
    assert!(matches!(call(&a, "trap").await, Err(Error::Trap { .. })));
    assert_eq!(
        call(&a, "fine").await.expect("a after its trap"),
        vec!["fine"]
    );
    assert_eq!(call(&b, "fine").await.expect("b"), vec!["fine"]);
    drop(b);
    let c = open(&component, Grants::default())
        .await
        .expect("a third domain once b closed");
    assert_eq!(call(&c, "fine").await.expect("c"), vec!["fine"]);
}

#[tokio::test]
async fn a_memory_bomb_stops_at_the_limit_inside_a_pool_slot() {
    let rt = Runtime::new(config(Some(Pooling::default()))).expect("runtime");
    assert!(rt.pooling().is_some());
    let component = load(&rt, guests::GUEST_MISBEHAVE_COMPONENT).await;
    let env = open(&component, Grants::default()).await.expect("open");
    match call(&env, "oom").await {
        Err(e @ Error::MemoryLimit { .. }) => println!("oom: {e}"),
        other => panic!("oom: expected Error::MemoryLimit, got {other:?}"),
    }
    assert_eq!(call(&env, "fine").await.expect("after oom"), vec!["fine"]);

    // A grant above the pool's slot size is capped by the slot: the bomb
    // still ends in an error, the host and the next call are fine.
    let env = open(
        &component,
        Grants {
            limits: Limits {
                memory: Some(1 << 30),
                ..Limits::default()
            },
            ..Grants::default()
        },
    )
    .await
    .expect("open with a bigger grant");
    match call(&env, "oom").await {
        Err(e @ (Error::MemoryLimit { .. } | Error::Trap { .. })) => println!("oom: {e}"),
        other => panic!("oom above the slot: expected an error, got {other:?}"),
    }
    assert_eq!(call(&env, "fine").await.expect("after oom"), vec!["fine"]);
}

#[tokio::test]
async fn on_demand_allocation_still_works() {
    let rt = Runtime::new(config(None)).expect("runtime");
    assert_eq!(rt.pooling(), None);
    let component = load(&rt, guests::GUEST_MISBEHAVE_COMPONENT).await;
    let env = open(&component, Grants::default()).await.expect("open");
    match call(&env, "oom").await {
        Err(e @ Error::MemoryLimit { .. }) => println!("oom: {e}"),
        other => panic!("oom: expected Error::MemoryLimit, got {other:?}"),
    }
    assert_eq!(call(&env, "fine").await.expect("after oom"), vec!["fine"]);
}
