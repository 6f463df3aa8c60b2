//! The dummy's state lives in the granted directory: a second runtime (as
//! a second process would) sees the instances the first one started.

use std::time::Duration;

use strato_runtime::types::{OpenParams, PrepareConfigParams};
use strato_runtime::{Environ, Grants, ProviderHandle};
use strato_tests::conformance::Fixture;
use strato_tests::conformance::params::{FAKE_NONCE, start_params};
use strato_tests::guests;

use crate::{load, runtime};

async fn handle(state: &std::path::Path) -> ProviderHandle {
    let rt = runtime(Duration::from_secs(30));
    load(&rt, guests::STRATO_DUMMY_COMPONENT)
        .await
        .instantiate(Grants {
            state_dir: Some(state.to_path_buf()),
            ..Grants::default()
        })
        .await
        .expect("instantiate")
}

async fn open(p: &ProviderHandle, fixture: &Fixture) -> Environ {
    let config = p
        .prepare_config(PrepareConfigParams {
            cloud: fixture.cloud_spec(),
            config: fixture.config_attrs(),
        })
        .await
        .expect("prepare config");
    p.open(OpenParams {
        cloud: fixture.cloud_spec(),
        config,
    })
    .await
    .expect("open")
}

async fn sorted_ids(env: &Environ) -> Vec<String> {
    let mut ids: Vec<String> = env
        .all_instances()
        .await
        .expect("all instances")
        .into_iter()
        .map(|i| i.id)
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn second_runtime_sees_the_same_instances() {
    let state = tempfile::tempdir().expect("tempdir");
    let fixture = Fixture::dummy();

    let first = handle(state.path()).await;
    let env1 = open(&first, &fixture).await;
    env1.prepare_for_bootstrap()
        .await
        .expect("prepare for bootstrap");
    let mut started = Vec::new();
    for m in ["0", "1"] {
        let r = env1
            .start_instance(start_params(&fixture, m, FAKE_NONCE))
            .await
            .expect("start instance");
        started.push(r.instance.id);
    }
    started.sort();

    let second = handle(state.path()).await;
    let env2 = open(&second, &fixture).await;
    assert_eq!(sorted_ids(&env2).await, started);

    env2.stop_instances(&started[..1]).await.expect("stop");
    assert_eq!(sorted_ids(&env1).await, started[1..].to_vec());
}
