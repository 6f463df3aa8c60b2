//! The checks each language's port runs (see `mod.rs`).

use std::path::Path;

use strato_runtime::types::{ErrorKind, OpenParams, PrepareConfigParams};
use strato_runtime::{Component, Environ, Grants, OptionalInterface, ProviderHandle};
use strato_tests::conformance::params::{FAKE_NONCE, start_params};
use strato_tests::conformance::{self, Fixture};

use super::Lang;

/// It passes every contract that applies to what it exports; those needing
/// interfaces it does not export are skipped (networking), and it exports
/// exactly its world's optional interfaces and declares its state
/// directory.
pub async fn passes_the_kit(lang: Lang) {
    let component = lang.component().await;
    // The runtime still serves 0.1.0, so a port left on it would pass too.
    assert_eq!(
        component.info().wit_version,
        "0.2.0",
        "{lang:?}: built against the current contract"
    );
    let mut optional = component.info().optional.clone();
    optional.sort_by_key(|i| i.wit_name());
    assert_eq!(
        optional,
        vec![
            OptionalInterface::AvailabilityZones,
            OptionalInterface::Firewaller,
            OptionalInterface::InstanceFirewaller,
        ],
        "{lang:?}: optional interfaces"
    );
    assert!(
        component.info().declared.state_dir,
        "{lang:?}: declares its state directory"
    );
    let imports = &component.info().imports;
    assert!(
        !imports.iter().any(|i| i.starts_with("wasi:http")),
        "{lang:?}: no HTTP: {imports:?}"
    );
    let report = conformance::run(&component, &Fixture::dummy()).await;
    print!("{report}");
    assert_eq!(report.failed(), 0, "{lang:?} fails the kit:\n{report}");
    // Everything but networking (not exported) and the rejected credential
    // (the dummy's fixture names none) runs, firewall and zones included.
    for id in [
        "bootstrap",
        "bootstrap-twice",
        "instance-ports",
        "instance-mode-model-ports",
        "global-ports",
        "global-mode-instance-ports",
        "start-zone-independent",
        "instance-types",
    ] {
        let result = report.results.iter().find(|r| r.id == id);
        assert!(
            result.is_some_and(|r| r.outcome == conformance::Outcome::Pass),
            "{id} should pass on {lang:?}:\n{report}"
        );
    }
    assert_eq!(
        report.passed(),
        conformance::contracts().len() - 3,
        "{lang:?}: only networking and invalidate-credential skip:\n{report}"
    );
}

async fn open(component: &Component, state: &Path, fixture: &Fixture) -> (ProviderHandle, Environ) {
    let provider = component
        .instantiate(Grants {
            state_dir: Some(state.to_path_buf()),
            ..Grants::default()
        })
        .await
        .expect("instantiate");
    let config = provider
        .prepare_config(PrepareConfigParams {
            cloud: fixture.cloud_spec(),
            config: fixture.config_attrs(),
        })
        .await
        .expect("prepare config");
    let env = provider
        .open(OpenParams {
            cloud: fixture.cloud_spec(),
            config,
        })
        .await
        .expect("open");
    (provider, env)
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

/// A second instance over the same state directory (as a second process
/// would be) sees what the first started, and the model is a JSON file in
/// that directory.
pub async fn state_lives_in_the_granted_directory(lang: Lang) {
    let component = lang.component().await;
    let state = tempfile::tempdir().expect("tempdir");
    let fixture = Fixture::dummy();

    let (_first, env1) = open(&component, state.path(), &fixture).await;
    env1.prepare_for_bootstrap()
        .await
        .expect("prepare for bootstrap");
    let mut started = Vec::new();
    for machine in ["0", "1"] {
        let result = env1
            .start_instance(start_params(&fixture, machine, FAKE_NONCE))
            .await
            .expect("start instance");
        started.push(result.instance.id);
    }
    started.sort();

    let file = state
        .path()
        .join(format!("{}.json", conformance::MODEL_UUID));
    let text = std::fs::read_to_string(&file).expect("the model's state file");
    let saved: serde_json::Value = serde_json::from_str(&text).expect("state is JSON");
    for id in &started {
        assert!(
            saved["instances"].get(id).is_some(),
            "{id} missing from {}:\n{text}",
            file.display()
        );
    }

    let (_second, env2) = open(&component, state.path(), &fixture).await;
    assert_eq!(sorted_ids(&env2).await, started);
    env2.stop_instances(&started[..1]).await.expect("stop");
    assert_eq!(sorted_ids(&env1).await, started[1..].to_vec());

    env2.destroy().await.expect("destroy");
    assert!(!file.exists(), "destroy removes {}", file.display());
}

/// `broken` makes exactly the named methods fail with Juju's message
/// (`InstanceAvailabilityZoneNames` with `not-supported`, as in Juju), and
/// zone2 is the one unavailable zone.
pub async fn broken_methods_and_zones(lang: Lang) {
    let component = lang.component().await;
    let state = tempfile::tempdir().expect("tempdir");
    let fixture = Fixture::dummy().with_config(
        "broken",
        serde_json::json!("StartInstance InstanceAvailabilityZoneNames"),
    );
    let (_provider, env) = open(&component, state.path(), &fixture).await;
    env.prepare_for_bootstrap()
        .await
        .expect("prepare for bootstrap");

    match env
        .start_instance(start_params(&fixture, "0", FAKE_NONCE))
        .await
    {
        Err(strato_runtime::Error::Provider(e)) => {
            assert_eq!(e.message, "dummy.StartInstance is broken");
            assert_eq!(e.kind, ErrorKind::Other);
        }
        other => panic!("broken StartInstance: expected the provider's error, got {other:?}"),
    }
    let err = env
        .instance_availability_zone_names(&["x".to_string()])
        .await
        .expect_err("broken InstanceAvailabilityZoneNames");
    assert_eq!(err.kind(), Some(ErrorKind::NotSupported), "{err}");
    assert!(
        env.all_instances()
            .await
            .expect("AllInstances is not broken")
            .is_empty()
    );

    let zones: Vec<(String, bool)> = env
        .availability_zones()
        .await
        .expect("availability zones")
        .into_iter()
        .map(|z| (z.name, z.available))
        .collect();
    let want = [
        ("zone1", true),
        ("zone2", false),
        ("zone3", true),
        ("zone4", true),
    ]
    .map(|(n, a)| (n.to_string(), a));
    assert_eq!(zones, want);
}

/// Without a state grant the model lives in the instance's memory: it
/// works, and another instance does not see it.
pub async fn without_a_grant_state_stays_in_the_instance(lang: Lang) {
    let component = lang.component().await;
    let fixture = Fixture::dummy();
    let mut envs = Vec::new();
    for _ in 0..2 {
        let provider = component
            .instantiate(Grants::default())
            .await
            .expect("instantiate");
        let env = provider
            .open(OpenParams {
                cloud: fixture.cloud_spec(),
                config: fixture.config_attrs(),
            })
            .await
            .expect("open");
        envs.push((provider, env));
    }
    let (_, first) = &envs[0];
    first
        .prepare_for_bootstrap()
        .await
        .expect("prepare for bootstrap");
    first
        .start_instance(start_params(&fixture, "0", FAKE_NONCE))
        .await
        .expect("start instance in memory");
    assert_eq!(sorted_ids(first).await.len(), 1);
    let (_, second) = &envs[1];
    let err = second
        .all_instances()
        .await
        .expect_err("another instance has no state");
    assert!(err.to_string().contains("model is not prepared"), "{err}");
}

/// The fault knobs behave as the Rust dummy's: `fail-zones` fails a zone
/// the given number of times (retryable elsewhere), `fail-start` fails
/// everywhere with a zone-independent error.
pub async fn injects_zone_failures(lang: Lang) {
    let component = lang.component().await;
    let state = tempfile::tempdir().expect("tempdir");
    let fixture = Fixture::dummy().with_config("fail-zones", serde_json::json!("zone3:1"));
    let (_provider, env) = open(&component, state.path(), &fixture).await;
    env.prepare_for_bootstrap()
        .await
        .expect("prepare for bootstrap");
    let mut params = start_params(&fixture, "0", FAKE_NONCE);
    params.availability_zone = "zone3".to_string();
    let err = env
        .start_instance(params.clone())
        .await
        .expect_err("zone3 fails once");
    assert!(err.to_string().contains("out of capacity"), "{err}");
    assert!(!err.is_availability_zone_independent(), "{err}");
    let started = env
        .start_instance(params)
        .await
        .expect("zone3 the second time");
    let zones = env
        .instance_availability_zone_names(&[started.instance.id])
        .await
        .expect("zone names");
    assert_eq!(zones, vec![Some("zone3".to_string())]);

    let state = tempfile::tempdir().expect("tempdir");
    let fixture = Fixture::dummy().with_config("fail-start", serde_json::json!("zone-independent"));
    let (_provider, env) = open(&component, state.path(), &fixture).await;
    env.prepare_for_bootstrap()
        .await
        .expect("prepare for bootstrap");
    let err = env
        .start_instance(start_params(&fixture, "0", FAKE_NONCE))
        .await
        .expect_err("fail-start");
    assert!(err.is_availability_zone_independent(), "{err}");
}
