//! Contract versions: a provider built against `juju:environs@0.1.0`
//! (`guest-v0-1`, wit-bindgen on `wit/since_v0.1.0`) keeps loading and
//! answering the host's calls as before 0.2.0; the 0.2.0 dummy answers the
//! same calls; a component of a version the runtime does not know, or of
//! two versions at once, is refused with a message that says so.

use std::time::Duration;

use strato_runtime::types::{OpenParams, PrepareConfigParams, Value};
use strato_runtime::{Component, Environ, Error, Grants, OptionalInterface};
use strato_tests::conformance::Fixture;
use strato_tests::conformance::params::{AGENT_VERSION, rule, start_params};
use strato_tests::guests;

use crate::{load, runtime};

/// An instance of `component` with a state directory, and an environ on
/// the dummy fixture's cloud (`PrepareConfig`, then `Open`).
async fn open(component: &Component, state: &tempfile::TempDir) -> Environ {
    open_on(component, state, Fixture::dummy()).await
}

/// [`open`] on `fixture`'s cloud and model configuration.
async fn open_on(component: &Component, state: &tempfile::TempDir, fixture: Fixture) -> Environ {
    let grants = Grants {
        state_dir: Some(state.path().to_path_buf()),
        ..Grants::default()
    };
    let handle = component.instantiate(grants).await.expect("instantiate");
    let config = handle
        .prepare_config(PrepareConfigParams {
            cloud: fixture.cloud_spec(),
            config: fixture.config_attrs(),
        })
        .await
        .expect("prepare-config");
    handle
        .open(OpenParams {
            cloud: fixture.cloud_spec(),
            config,
        })
        .await
        .expect("open")
}

fn attr<'a>(attrs: &'a [(String, Value)], key: &str) -> Option<&'a Value> {
    attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// The host calls both versions must answer the same way: provider
/// functions, config, start / instances / stop, model-wide ports, and an
/// optional interface the component does not export.
async fn exercise(component: &Component) {
    let state = tempfile::tempdir().expect("state dir");
    let env = open(component, &state).await;
    let provider = env.provider();

    provider.version().await.expect("version");
    provider.cloud_schema().await.expect("cloud-schema");
    assert!(
        !provider
            .credential_schemas()
            .await
            .expect("credential-schemas")
            .is_empty()
    );

    // Juju's prepare step, then Config, and SetConfig (agent version,
    // global firewall mode) seen by Config.
    env.prepare_for_bootstrap()
        .await
        .expect("prepare-for-bootstrap");
    let mut config = env.config().await.expect("config");
    assert_eq!(
        attr(&config, "name"),
        attr(&Fixture::dummy().config_attrs(), "name"),
        "config keeps the model name"
    );
    config.retain(|(k, _)| k != "firewall-mode" && k != "agent-version");
    config.push(("firewall-mode".into(), Value::Text("global".into())));
    config.push(("agent-version".into(), Value::Text(AGENT_VERSION.into())));
    env.set_config(config).await.expect("set-config");
    let config = env.config().await.expect("config after set-config");
    assert_eq!(
        attr(&config, "firewall-mode"),
        Some(&Value::Text("global".into()))
    );

    // Start two machines, look them up in request order, stop one.
    let fixture = Fixture::dummy();
    let mut ids = Vec::new();
    for n in 0..2 {
        let started = env
            .start_instance(start_params(
                &fixture,
                &n.to_string(),
                &format!("nonce-{n}"),
            ))
            .await
            .expect("start-instance");
        ids.push(started.instance.id);
    }
    let reversed = [ids[1].clone(), ids[0].clone()];
    let found = env.instances(&reversed).await.expect("instances");
    let found: Vec<&str> = found.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(found, [ids[1].as_str(), ids[0].as_str()]);
    assert_eq!(env.all_instances().await.expect("all-instances").len(), 2);
    env.stop_instances(&ids[..1]).await.expect("stop-instances");
    match env.instances(&ids).await {
        Err(Error::PartialInstances(slots)) => {
            assert!(slots[0].is_none() && slots[1].is_some(), "{slots:?}")
        }
        other => panic!("expected ErrPartialInstances, got {other:?}"),
    }

    // Model-wide ports (the optional `firewaller`, loaded on first use).
    assert!(env.supports(OptionalInterface::Firewaller));
    let http = rule("tcp", 80, 80, &["0.0.0.0/0"]);
    env.open_ports(std::slice::from_ref(&http))
        .await
        .expect("open-ports");
    let open = env.ingress_rules().await.expect("ingress-rules");
    assert!(
        open.iter().any(|r| r.from_port == 80 && r.to_port == 80),
        "{open:?}"
    );
    env.close_ports(&[http]).await.expect("close-ports");
    let open = env.ingress_rules().await.expect("ingress-rules");
    assert!(!open.iter().any(|r| r.from_port == 80), "{open:?}");
}

#[tokio::test]
async fn a_0_1_0_provider_loads_as_0_1_0() {
    let bytes = std::fs::read(guests::GUEST_V0_1_COMPONENT).expect("read guest-v0-1");
    let info = strato_runtime::inspect(&bytes).expect("inspect");
    assert_eq!(info.wit_version, "0.1.0");
    assert_eq!(
        info.world(),
        "juju:environs/base-provider@0.1.0 + firewaller"
    );
    assert!(
        info.exports
            .contains(&"juju:environs/environ@0.1.0".to_string()),
        "{:?}",
        info.exports
    );
    let rt = runtime(Duration::from_secs(30));
    let component = load(&rt, guests::GUEST_V0_1_COMPONENT).await;
    assert_eq!(component.info().wit_version, "0.1.0");
    assert!(component.supports(OptionalInterface::Firewaller));
    assert!(!component.supports(OptionalInterface::Networking));
}

#[tokio::test]
async fn a_0_1_0_provider_answers_through_the_host_api() {
    let rt = runtime(Duration::from_secs(30));
    let component = load(&rt, guests::GUEST_V0_1_COMPONENT).await;
    exercise(&component).await;

    let state = tempfile::tempdir().expect("state dir");
    let env = open(&component, &state).await;
    // 0.1.0's `version` has no `result`: the host wraps the answer.
    assert_eq!(env.provider().version().await.expect("version"), 7);
    assert_eq!(env.provider().cloud_schema().await.expect("schema"), None);
    // Interfaces it does not export: not supported, without a call.
    match env.subnets("", &[]).await {
        Err(Error::NotSupported { interface }) => assert_eq!(interface, "networking"),
        other => panic!("expected NotSupported, got {other:?}"),
    }
    match env.should_apply_controller_constraints().await {
        Err(e) => assert!(e.is_not_supported(), "{e}"),
        Ok(b) => panic!("expected NotSupported, got {b}"),
    }
    match env.provider().schema().await {
        Err(e) => assert!(e.is_not_supported(), "{e}"),
        Ok(s) => panic!("expected NotSupported, got {s:?}"),
    }
}

#[tokio::test]
async fn a_0_1_0_provider_recovers_from_a_trap() {
    let rt = runtime(Duration::from_secs(30));
    let component = load(&rt, guests::GUEST_V0_1_COMPONENT).await;
    let state = tempfile::tempdir().expect("state dir");
    let env = open(&component, &state).await;
    env.open_ports(&[rule("tcp", 22, 22, &["0.0.0.0/0"])])
        .await
        .expect("open-ports");
    let err = env
        .instances(&["trap".to_string()])
        .await
        .expect_err("the guest traps");
    assert!(err.to_string().contains("instances"), "{err}");
    // The next calls get a fresh instance, the environ re-opened on it,
    // and optional exports loaded again there.
    assert_eq!(env.provider().version().await.expect("version"), 7);
    assert_eq!(env.provider().replacements(), 1);
    assert_eq!(env.all_instances().await.expect("all-instances"), []);
    assert_eq!(env.ingress_rules().await.expect("ingress-rules"), []);
}

#[tokio::test]
async fn the_0_2_0_dummy_answers_the_same_calls() {
    let rt = runtime(Duration::from_secs(60));
    let component = load(&rt, guests::STRATO_DUMMY_COMPONENT).await;
    assert_eq!(component.info().wit_version, "0.2.0");
    exercise(&component).await;
}

/// 0.2.0 gave `environ.config` (and seven other functions) a `result`: a
/// provider's failure there reaches the host as its own error, and the
/// instance keeps serving, where a 0.1.0 provider could only trap.
#[tokio::test]
async fn a_0_2_0_config_error_reaches_the_host_without_a_trap() {
    let rt = runtime(Duration::from_secs(60));
    let component = load(&rt, guests::STRATO_DUMMY_COMPONENT).await;
    let state = tempfile::tempdir().expect("state dir");
    let fixture = Fixture::dummy().with_config("broken", serde_json::json!("Config"));
    let env = open_on(&component, &state, fixture).await;
    match env.config().await {
        Err(Error::Provider(e)) => assert!(e.message.contains("dummy.Config is broken"), "{e:?}"),
        other => panic!("expected the provider's error, got {other:?}"),
    }
    // `Error::Provider`, not `Trap`: the guest returned its error, and the
    // instance answers the next call.
    env.provider().version().await.expect("version");
}

/// A component with empty instances exported under `names`: enough for
/// the export checks, which come before anything is compiled or linked.
fn exporting(names: &[&str]) -> Vec<u8> {
    let mut wat = String::from("(component\n");
    for (n, name) in names.iter().enumerate() {
        wat.push_str(&format!(
            "  (instance $e{n})\n  (export \"{name}\" (instance $e{n}))\n"
        ));
    }
    wat.push(')');
    wat::parse_str(&wat).expect("wat")
}

fn refusal(result: Result<Component, Error>) -> String {
    match result {
        Err(Error::InvalidComponent(message)) => message,
        Err(other) => panic!("expected InvalidComponent, got {other:?}"),
        Ok(_) => panic!("expected InvalidComponent, got a loaded component"),
    }
}

#[tokio::test]
async fn unknown_and_mixed_versions_are_refused() {
    let rt = runtime(Duration::from_secs(10));
    for v in ["0.3.0", "0.0.9"] {
        let provider = format!("juju:environs/provider@{v}");
        let model = format!("juju:environs/model@{v}");
        let message = refusal(rt.load_bytes(&exporting(&[&provider, &model])).await);
        assert!(
            message.contains(&format!(
                "exports {provider}, but this runtime supports juju:environs 0.1.0 and 0.2.0 only"
            )),
            "{message}"
        );
    }
    let message = refusal(
        rt.load_bytes(&exporting(&[
            "juju:environs/provider@0.1.0",
            "juju:environs/environ@0.1.0",
            "juju:environs/firewaller@0.2.0",
        ]))
        .await,
    );
    assert!(
        message.contains("two versions of the contract")
            && message.contains("juju:environs/provider@0.1.0")
            && message.contains("juju:environs/firewaller@0.2.0"),
        "{message}"
    );
    // 0.2.0 renamed `environ` to `model`: the old name does not do.
    let message = refusal(
        rt.load_bytes(&exporting(&[
            "juju:environs/provider@0.2.0",
            "juju:environs/environ@0.2.0",
        ]))
        .await,
    );
    assert!(
        message.contains("but not juju:environs/model@0.2.0"),
        "{message}"
    );
}
