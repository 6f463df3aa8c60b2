//! `environs.APIInfo` and `CheckProviderAPI` against the dummy. Addresses
//! that appear late, instances that vanish, and addresses that never come
//! are produced by editing the dummy's state file (documented in its
//! README: one JSON file per model, re-read on every call), as another
//! process sharing the state directory would.

use std::time::{Duration, Instant};

use serde_json::Value as Json;
use strato_runtime::Error;
use strato_runtime::environs::api_info::{
    ADDRESSES_REFRESH_ATTEMPT, AddressesRefreshAttempt, api_info, check_provider_api,
};
use strato_runtime::types::ControllerConfig;
use strato_tests::conformance::params::{FAKE_NONCE, TEST_CA_CERT, start_params};
use strato_tests::conformance::{CONTROLLER_UUID, Fixture, MODEL_UUID};

use super::destroy::Dummy;

const PORT: u16 = 17070;

/// Replaces the model's state file atomically with `f` applied.
fn edit_state(path: &std::path::Path, f: impl FnOnce(&mut Json)) {
    let mut state: Json =
        serde_json::from_slice(&std::fs::read(path).expect("read state")).expect("state is JSON");
    f(&mut state);
    let tmp = path.with_extension("json.edit");
    std::fs::write(&tmp, serde_json::to_vec(&state).expect("encode")).expect("write state");
    std::fs::rename(&tmp, path).expect("rename state");
}

/// The `addresses` of instance `id` in the state.
fn addresses<'a>(state: &'a mut Json, id: &str) -> &'a mut Json {
    &mut state["instances"][id]["instance"]["addresses"]
}

/// Starts machine 1 as a second controller machine (id `testmodel-0`).
async fn start_controller_machine(env: &strato_runtime::Environ, fixture: &Fixture) -> String {
    let mut params = start_params(fixture, "1", FAKE_NONCE);
    if let Some(icfg) = params.instance_config.as_mut() {
        icfg.controller = Some(ControllerConfig {
            config: Vec::new(),
            mongo_tag: "machine-1".into(),
        });
    }
    let started = env.start_instance(params).await.expect("start instance");
    started.instance.id
}

fn quick(total_ms: u64) -> AddressesRefreshAttempt {
    AddressesRefreshAttempt {
        total: Duration::from_millis(total_ms),
        delay: Duration::from_millis(200),
    }
}

// A bootstrapped controller: its address with the API port, the CA
// certificate and the model tag; no tag, password or nonce.
#[tokio::test]
async fn api_info_of_a_bootstrapped_controller() {
    let dummy = Dummy::new().await;
    let env = dummy.bootstrapped(&Fixture::dummy()).await;
    let info = api_info(
        CONTROLLER_UUID,
        MODEL_UUID,
        TEST_CA_CERT,
        PORT,
        &env,
        ADDRESSES_REFRESH_ATTEMPT,
    )
    .await
    .expect("api info");
    assert_eq!(info.addrs, ["localhost:17070"]);
    assert_eq!(info.ca_cert, TEST_CA_CERT);
    assert_eq!(info.model_tag, format!("model-{MODEL_UUID}"));
    assert_eq!(
        (
            info.tag.as_str(),
            info.password.as_str(),
            info.nonce.as_str()
        ),
        ("", "", "")
    );
}

// Every address of every controller instance, in order; IPv6 bracketed.
#[tokio::test]
async fn api_info_lists_every_controller_address() {
    let dummy = Dummy::new().await;
    let fixture = Fixture::dummy();
    let env = dummy.bootstrapped(&fixture).await;
    let id = start_controller_machine(&env, &fixture).await;
    let info = api_info(CONTROLLER_UUID, MODEL_UUID, "", PORT, &env, quick(5_000))
        .await
        .expect("api info");
    assert_eq!(
        info.addrs,
        [
            "localhost:17070".to_string(),
            format!("{id}.dns:17070"),
            "127.0.0.1:17070".to_string(),
            "[::1]:17070".to_string(),
        ]
    );
}

// No address yet: it polls until one appears.
#[tokio::test]
async fn addresses_that_appear_late_are_waited_for() {
    let dummy = Dummy::new().await;
    let env = dummy.bootstrapped(&Fixture::dummy()).await;
    let path = dummy.state_file(MODEL_UUID);
    let mut saved = Json::Null;
    edit_state(&path, |s| {
        saved = addresses(s, "localhost").take();
        *addresses(s, "localhost") = Json::Array(Vec::new());
    });
    assert!(saved.as_array().is_some_and(|a| !a.is_empty()), "{saved}");

    let publisher = std::thread::spawn({
        let path = path.clone();
        move || {
            std::thread::sleep(Duration::from_millis(1500));
            edit_state(&path, |s| *addresses(s, "localhost") = saved);
        }
    });
    let started = Instant::now();
    let attempt = AddressesRefreshAttempt {
        total: Duration::from_secs(60),
        delay: Duration::from_millis(250),
    };
    let info = api_info(CONTROLLER_UUID, MODEL_UUID, "", PORT, &env, attempt)
        .await
        .expect("api info");
    let waited = started.elapsed();
    publisher.join().expect("publisher");
    assert_eq!(info.addrs, ["localhost:17070"]);
    assert!(waited >= Duration::from_millis(1400), "waited {waited:?}");
}

// Controller instances that vanish while waiting (ErrPartialInstances) are
// skipped; the addresses of the others count.
#[tokio::test]
async fn partial_instances_are_tolerated() {
    let dummy = Dummy::new().await;
    let fixture = Fixture::dummy();
    let env = dummy.bootstrapped(&fixture).await;
    let id = start_controller_machine(&env, &fixture).await;
    let path = dummy.state_file(MODEL_UUID);
    let mut saved = Json::Null;
    edit_state(&path, |s| {
        saved = addresses(s, &id).take();
        *addresses(s, &id) = Json::Array(Vec::new());
        *addresses(s, "localhost") = Json::Array(Vec::new());
    });

    let changer = std::thread::spawn({
        let (path, id) = (path.clone(), id.clone());
        move || {
            std::thread::sleep(Duration::from_millis(1500));
            edit_state(&path, |s| {
                if let Some(instances) = s["instances"].as_object_mut() {
                    instances.remove("localhost");
                }
                *addresses(s, &id) = saved;
            });
        }
    });
    let info = api_info(CONTROLLER_UUID, MODEL_UUID, "", PORT, &env, quick(60_000))
        .await
        .expect("api info");
    changer.join().expect("changer");
    assert_eq!(
        info.addrs,
        [
            format!("{id}.dns:17070"),
            "127.0.0.1:17070".to_string(),
            "[::1]:17070".to_string(),
        ]
    );
}

// No address within the attempt: a not-found error naming the instances.
#[tokio::test]
async fn no_address_in_time_is_not_found() {
    let dummy = Dummy::new().await;
    let env = dummy.bootstrapped(&Fixture::dummy()).await;
    edit_state(&dummy.state_file(MODEL_UUID), |s| {
        *addresses(s, "localhost") = Json::Array(Vec::new());
    });
    let started = Instant::now();
    let err = api_info(CONTROLLER_UUID, MODEL_UUID, "", PORT, &env, quick(1_000))
        .await
        .unwrap_err();
    let waited = started.elapsed();
    assert!(matches!(err, Error::NotFound(_)), "{err:?}");
    assert!(err.is_not_found());
    assert_eq!(err.to_string(), "addresses for [localhost] not found");
    // It tried for about the attempt's total, not the default 3 minutes.
    assert!(
        waited >= Duration::from_millis(700) && waited < Duration::from_secs(20),
        "waited {waited:?}"
    );
}

// Errors other than partial instances end the wait at once.
#[tokio::test]
async fn errors_are_returned_at_once() {
    let dummy = Dummy::new().await;
    // Not bootstrapped: ControllerInstances says so.
    let env = dummy.open(&Fixture::dummy()).await;
    env.prepare_for_bootstrap().await.expect("prepare");
    let err = api_info(CONTROLLER_UUID, MODEL_UUID, "", PORT, &env, quick(60_000))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotBootstrapped), "{err:?}");

    // Instances broken: the first poll fails and that is the answer.
    let dummy = Dummy::new().await;
    let fixture = Fixture::dummy().with_config("broken", "Instances".into());
    let env = dummy.bootstrapped(&fixture).await;
    let started = Instant::now();
    let err = api_info(CONTROLLER_UUID, MODEL_UUID, "", PORT, &env, quick(60_000))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "dummy.Instances is broken");
    assert!(started.elapsed() < Duration::from_secs(20));
}

// CheckProviderAPI: Ok with instances or none; the provider's error else.
#[tokio::test]
async fn check_provider_api_on_the_dummy() {
    let dummy = Dummy::new().await;
    let env = dummy.bootstrapped(&Fixture::dummy()).await;
    check_provider_api(&env).await.expect("bootstrapped");

    let empty = Fixture::dummy()
        .with_config("uuid", "deadbeef-3bad-700d-b000-4b1d0d06f00d".into())
        .with_config("name", "empty".into());
    let env = dummy.open(&empty).await;
    env.prepare_for_bootstrap().await.expect("prepare");
    check_provider_api(&env)
        .await
        .expect("no instances is fine");

    let broken = Fixture::dummy().with_config("broken", "AllInstances".into());
    let env = dummy.open(&broken).await;
    let err = check_provider_api(&env).await.unwrap_err();
    assert_eq!(err.to_string(), "dummy.AllInstances is broken");
}
