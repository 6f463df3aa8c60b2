//! Limits: a guest that loops, traps, exhausts memory or recurses without
//! bound gets a clear error, and the next call on the same handle works.

use std::time::Duration;

use strato_runtime::types::OpenParams;
use strato_runtime::{Environ, Error, Grants, ProviderHandle, Runtime, RuntimeConfig};
use strato_tests::conformance::Fixture;
use strato_tests::guests;

use crate::load;

/// Upper bound for one misbehaving call, far above the 2 s deadline: the
/// tests assert the error kind, this only keeps a broken runtime from
/// hanging the suite.
const SAFETY: Duration = Duration::from_secs(120);

async fn misbehaving() -> (ProviderHandle, Environ) {
    let config = RuntimeConfig {
        call_timeout: Duration::from_secs(2),
        memory_limit: 64 << 20,
        ..RuntimeConfig::default()
    };
    open_misbehaving(config, Grants::default()).await
}

/// The misbehave guest, instantiated with `grants`, with an environ open.
async fn open_misbehaving(config: RuntimeConfig, grants: Grants) -> (ProviderHandle, Environ) {
    let rt = Runtime::new(config).expect("runtime");
    let component = load(&rt, guests::GUEST_MISBEHAVE_COMPONENT).await;
    let handle = component.instantiate(grants).await.expect("instantiate");
    let fixture = Fixture::dummy();
    let env = handle
        .open(OpenParams {
            cloud: fixture.cloud_spec(),
            config: fixture.config_attrs(),
        })
        .await
        .expect("open");
    (handle, env)
}

async fn call(env: &Environ, id: &str) -> Result<Vec<String>, Error> {
    let ids = [id.to_string()];
    let result = tokio::time::timeout(SAFETY, env.instances(&ids))
        .await
        .unwrap_or_else(|_| panic!("instances([{id}]) did not return at all"));
    result.map(|v| v.into_iter().map(|i| i.id).collect())
}

/// The call after a failure works, on the handle and on the environ.
async fn next_call_works(handle: &ProviderHandle, env: &Environ) {
    assert_eq!(handle.version().await.expect("version after failure"), 7);
    assert_eq!(
        call(env, "fine").await.expect("instances after failure"),
        vec!["fine".to_string()]
    );
}

#[tokio::test]
async fn endless_loop_times_out_and_next_call_works() {
    let (handle, env) = misbehaving().await;
    match call(&env, "loop").await {
        Err(e @ Error::Timeout { .. }) => println!("loop: {e}"),
        other => panic!("loop: expected Error::Timeout, got {other:?}"),
    }
    next_call_works(&handle, &env).await;
}

#[tokio::test]
async fn trap_is_reported_and_next_call_works() {
    let (handle, env) = misbehaving().await;
    let (other, _) = misbehaving().await;
    match call(&env, "trap").await {
        Err(e @ Error::Trap { .. }) => println!("trap: {e}"),
        other => panic!("trap: expected Error::Trap, got {other:?}"),
    }
    next_call_works(&handle, &env).await;
    assert_eq!(other.version().await.expect("other instance"), 7);
}

#[tokio::test]
async fn memory_bomb_hits_the_limit_and_next_call_works() {
    let (handle, env) = misbehaving().await;
    match call(&env, "oom").await {
        Err(e @ (Error::MemoryLimit { .. } | Error::Trap { .. })) => println!("oom: {e}"),
        other => panic!("oom: expected Error::MemoryLimit or Error::Trap, got {other:?}"),
    }
    next_call_works(&handle, &env).await;
}

#[tokio::test]
async fn unbounded_recursion_traps_and_next_call_works() {
    let (handle, env) = misbehaving().await;
    match call(&env, "recurse").await {
        Err(e @ Error::Trap { .. }) => println!("recurse: {e}"),
        other => panic!("recurse: expected Error::Trap, got {other:?}"),
    }
    next_call_works(&handle, &env).await;
}

/// Juju's `Abort`: the host cancels a call by dropping its future. The
/// instance it was running in is dropped too, and the next call works
/// without a spurious error.
#[tokio::test]
async fn cancelled_call_leaves_the_handle_working() {
    let (handle, env) = misbehaving().await;
    let ids = ["loop".to_string()];
    let cancelled = tokio::time::timeout(Duration::from_millis(300), env.instances(&ids)).await;
    assert!(cancelled.is_err(), "the looping call cannot have returned");
    next_call_works(&handle, &env).await;
}

/// Counts the lines a guest says through the bootstrap context.
#[derive(Default)]
struct Counter(std::sync::atomic::AtomicUsize);

impl strato_runtime::HostHooks for Counter {
    fn infof(&self, _message: &str) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// A guest that floods the host with output is cut off at the per-call
/// output budget; the call itself still succeeds, and the next call gets a
/// fresh budget.
#[tokio::test]
async fn flooding_output_is_capped_per_call() {
    let counter = std::sync::Arc::new(Counter::default());
    let grants = Grants {
        hooks: Some(counter.clone()),
        ..Grants::default()
    };
    let (_handle, env) = open_misbehaving(RuntimeConfig::default(), grants).await;
    let said = || counter.0.load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(call(&env, "chatty").await.expect("chatty"), vec!["chatty"]);
    let budget = strato_runtime::OUTPUT_LINES_PER_CALL as usize;
    assert_eq!(said(), budget, "the guest tried to say 100,000 lines");
    call(&env, "chatty").await.expect("chatty again");
    assert_eq!(said(), 2 * budget, "each call has its own budget");
}
