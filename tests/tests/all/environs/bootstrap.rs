//! Bootstrap on the host against the dummy: Juju's client-side order with
//! the provider's own bootstrap, then destroy and bootstrap again; the
//! bootstrap machine started by the host zone by zone
//! (`provider/common.BootstrapInstance`) with its errors; cleanup after a
//! failure. The messages reaching the host hooks are asserted exactly.
//! Also the helpers the zones tests share (a dummy with recording hooks).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use strato_runtime::environs::bootstrap::{
    BootstrapError, BootstrapRequest, BoxFuture, FinishBootstrap, FinishParams, bootstrap,
    bootstrap_instance,
};
use strato_runtime::environs::destroy::{
    ControllerDetails, ControllerStore, FileControllerStore, destroy,
};
use strato_runtime::types::{
    Attrs, BootstrapParams, InstanceState, OpenParams, PrepareConfigParams, Value,
};
use strato_runtime::{Environ, Grants, HostHooks, ProviderHandle};
use strato_tests::conformance::params::{agent_version, bootstrap_params};
use strato_tests::conformance::{CONTROLLER_UUID, Fixture};
use strato_tests::guests;

use crate::{load, runtime};

/// What the host hooks heard.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Heard {
    Info(String),
    Verbose(String),
    Status(InstanceState, String),
}

/// Host hooks that record `infof`, `verbosef` and `status`.
#[derive(Debug, Default)]
pub(super) struct Recorder {
    heard: Mutex<Vec<Heard>>,
}

impl Recorder {
    pub fn take(&self) -> Vec<Heard> {
        std::mem::take(&mut *self.heard.lock().expect("lock"))
    }
    fn push(&self, h: Heard) {
        self.heard.lock().expect("lock").push(h);
    }
}

impl HostHooks for Recorder {
    fn infof(&self, message: &str) {
        self.push(Heard::Info(message.into()));
    }
    fn verbosef(&self, message: &str) {
        self.push(Heard::Verbose(message.into()));
    }
    fn status(&self, state: InstanceState, info: &str, _data: &Attrs) {
        self.push(Heard::Status(state, info.into()));
    }
}

/// The dummy with a state directory and recording hooks.
pub(super) struct Dummy {
    pub _state: tempfile::TempDir,
    pub provider: ProviderHandle,
    pub heard: Arc<Recorder>,
}

impl Dummy {
    pub async fn new() -> Dummy {
        let state = tempfile::tempdir().expect("tempdir");
        let heard = Arc::new(Recorder::default());
        let rt = runtime(Duration::from_secs(30));
        let provider = load(&rt, guests::STRATO_DUMMY_COMPONENT)
            .await
            .instantiate(Grants {
                state_dir: Some(state.path().to_path_buf()),
                hooks: Some(heard.clone()),
                ..Grants::default()
            })
            .await
            .expect("instantiate");
        Dummy {
            _state: state,
            provider,
            heard,
        }
    }

    /// Opens the fixture's model (prepare-config, open) without preparing it.
    pub async fn open(&self, fixture: &Fixture) -> Environ {
        let config = self
            .provider
            .prepare_config(PrepareConfigParams {
                cloud: fixture.cloud_spec(),
                config: fixture.config_attrs(),
            })
            .await
            .expect("prepare config");
        self.provider
            .open(OpenParams {
                cloud: fixture.cloud_spec(),
                config,
            })
            .await
            .expect("open")
    }

    /// Opens and prepares the fixture's model.
    pub async fn prepared(&self, fixture: &Fixture) -> Environ {
        let env = self.open(fixture).await;
        env.prepare_for_bootstrap().await.expect("prepare");
        env
    }
}

/// The dummy fixture with extra model config.
pub(super) fn fixture_with(extra: &[(&str, serde_json::Value)]) -> Fixture {
    extra
        .iter()
        .fold(Fixture::dummy(), |f, (k, v)| f.with_config(k, v.clone()))
}

fn request(fixture: &Fixture) -> BootstrapRequest {
    let mut req = BootstrapRequest::new(
        "ctl",
        fixture.cloud_spec(),
        fixture.config_attrs(),
        bootstrap_params(fixture),
    );
    req.admin_secret = "sekrit".into();
    req.agent_version = Some(agent_version());
    req
}

fn info(s: &str) -> Heard {
    Heard::Info(s.into())
}

fn text<'a>(attrs: &'a Attrs, key: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| match v {
            Value::Text(s) => Some(s.as_str()),
            _ => None,
        })
}

/// The embedder's FinishBootstrap: records the machine it was asked to finish.
#[derive(Default)]
struct Finisher {
    finished: Mutex<Vec<(String, String)>>,
}

impl FinishBootstrap for Finisher {
    fn finish<'a>(&'a self, p: FinishParams<'a>) -> BoxFuture<'a, strato_runtime::Result<()>> {
        Box::pin(async move {
            let recorded = p
                .config
                .bootstrap
                .as_ref()
                .map(|b| b.bootstrap_machine_instance_id.clone())
                .unwrap_or_default();
            self.finished
                .lock()
                .expect("lock")
                .push((p.machine.result.instance.id.clone(), recorded));
            Ok(())
        })
    }
}

// Juju's order with the provider's own bootstrap; destroy with a file
// store; bootstrap again on the same state.
#[tokio::test]
async fn bootstrap_destroy_bootstrap_again() {
    let dummy = Dummy::new().await;
    let fixture = Fixture::dummy();
    let outcome = bootstrap(&dummy.provider, request(&fixture))
        .await
        .expect("bootstrap");
    assert_eq!(
        dummy.heard.take(),
        [
            info(r#"Creating Juju controller "ctl" on dummy/dummy-region"#),
            Heard::Verbose("Starting new instance for initial controller".into()),
            info("bootstrapped dummy controller (focal/amd64)"),
            info("Installing Juju agent on bootstrap instance"),
            info("Bootstrap agent now started"),
        ]
    );
    assert_eq!(
        (outcome.arch.as_str(), outcome.series.as_str()),
        ("amd64", "focal")
    );
    assert_eq!(
        outcome.bootstrap_constraints.mem,
        Some(3584),
        "Juju's controller default"
    );
    assert!(
        outcome.instance.is_none(),
        "the provider started the machine"
    );
    let icfg = &outcome.instance_config;
    assert_eq!((icfg.machine_id.as_str(), icfg.tools.len()), ("0", 1));
    assert_eq!(
        icfg.api_info.as_ref().map(|a| a.password.as_str()),
        Some("sekrit")
    );
    let config = outcome.env.config().await.expect("config");
    assert_eq!(text(&config, "agent-version"), Some("2.8.0"));
    let env = outcome.env;
    assert_eq!(
        env.controller_instances(CONTROLLER_UUID)
            .await
            .expect("controllers"),
        ["localhost"]
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let store = FileControllerStore::new(dir.path().join("controllers.json"));
    store
        .add_controller("ctl", ControllerDetails::new(CONTROLLER_UUID))
        .expect("add controller");
    destroy("ctl", &env, &store).await.expect("destroy");
    assert_eq!(store.controller_by_name("ctl").expect("store"), None);
    let gone = dummy.open(&fixture).await.all_instances().await;
    assert_eq!(
        gone.expect_err("model destroyed").to_string(),
        "model is not prepared"
    );

    let again = bootstrap(&dummy.provider, request(&fixture))
        .await
        .expect("bootstrap again");
    assert_eq!(
        again
            .env
            .controller_instances(CONTROLLER_UUID)
            .await
            .expect("controllers"),
        ["localhost"]
    );
    assert_eq!(dummy.heard.take().len(), 5);
}

// A provider that leaves the machine to the host: zone1 fails, zone3 works
// (zone2 is unavailable), then the embedder's FinishBootstrap.
#[tokio::test]
async fn host_starts_the_bootstrap_machine_zone_by_zone() {
    let dummy = Dummy::new().await;
    let fixture = fixture_with(&[
        ("host-bootstrap", json!(true)),
        ("fail-zones", json!("zone1")),
    ]);
    let finisher = Arc::new(Finisher::default());
    let mut req = request(&fixture);
    req.finish = Some(finisher.clone());
    let outcome = bootstrap(&dummy.provider, req).await.expect("bootstrap");
    assert_eq!(
        dummy.heard.take(),
        [
            info(r#"Creating Juju controller "ctl" on dummy/dummy-region"#),
            Heard::Verbose("Starting new instance for initial controller".into()),
            info("Launching controller instance(s) on dummy/dummy-region..."),
            Heard::Status(InstanceState::Allocating, "starting dummy instance".into()),
            info(" - testmodel-0 (arch=amd64 mem=3.5G cores=1)"),
            info("Installing Juju agent on bootstrap instance"),
            info("Bootstrap agent now started"),
        ]
    );
    let machine = outcome.instance.expect("the host started the machine");
    assert_eq!(machine.zones_tried, ["zone1", "zone3"]);
    let zone = machine.result.hardware.and_then(|h| h.availability_zone);
    assert_eq!(zone.as_deref(), Some("zone3"));
    assert_eq!(
        *finisher.finished.lock().expect("lock"),
        [("testmodel-0".to_string(), "testmodel-0".to_string())]
    );
    assert_eq!(
        outcome
            .env
            .controller_instances(CONTROLLER_UUID)
            .await
            .expect("controllers"),
        ["testmodel-0"]
    );
    let tags = &outcome.instance_config.tags;
    assert!(tags.contains(&("juju-is-controller".into(), "true".into())));
}

fn zones(list: &[&str]) -> Option<Vec<String>> {
    Some(list.iter().map(|z| z.to_string()).collect())
}

/// Sets `key` in the environ's config.
async fn set(env: &Environ, key: &str, value: &str) {
    let mut cfg = env.config().await.expect("config");
    cfg.retain(|(k, _)| k != key);
    cfg.push((key.into(), Value::Text(value.into())));
    env.set_config(cfg).await.expect("set config");
}

// BootstrapInstance's stops and errors, with Juju's messages.
#[tokio::test]
async fn bootstrap_instance_tries_zones_as_juju_does() {
    let dummy = Dummy::new().await;
    let fixture = Fixture::dummy();
    let env = dummy.prepared(&fixture).await;
    let mut args: BootstrapParams = bootstrap_params(&fixture);

    set(&env, "fail-zones", "zone1 zone3 zone4").await;
    let err = bootstrap_instance(&env, &args)
        .await
        .expect_err("every zone fails");
    assert_eq!(
        err.to_string(),
        "cannot start bootstrap instance in any availability zone (zone1, zone3, zone4)"
    );
    let BootstrapError::AllZonesFailed { tried } = &err else {
        panic!("expected AllZonesFailed, got {err:?}");
    };
    let messages: Vec<String> = tried.iter().map(|(z, e)| format!("{z}: {e}")).collect();
    assert_eq!(
        messages,
        [
            r#"zone1: zone "zone1" is out of capacity"#,
            r#"zone3: zone "zone3" is out of capacity"#,
            r#"zone4: zone "zone4" is out of capacity"#,
        ]
    );

    args.bootstrap_constraints.zones = zones(&["zone2", "zone9"]);
    let err = bootstrap_instance(&env, &args)
        .await
        .expect_err("no zone left");
    assert_eq!(
        err.to_string(),
        r#"no available zones (["zone1" "zone3" "zone4"]) matching bootstrap zone constraints (["zone2" "zone9"])"#
    );

    // Placement pins one zone: its own failure is reported.
    args.bootstrap_constraints.zones = None;
    args.placement = "zone=zone3".into();
    let err = bootstrap_instance(&env, &args)
        .await
        .expect_err("zone3 fails");
    assert_eq!(
        err.to_string(),
        r#"cannot start bootstrap instance in availability zone "zone3": zone "zone3" is out of capacity"#
    );

    // A zone-independent failure stops at the first zone.
    args.placement = String::new();
    set(&env, "fail-zones", "").await;
    set(&env, "fail-start", "zone-independent").await;
    let err = bootstrap_instance(&env, &args).await.expect_err("quota");
    assert_eq!(
        err.to_string(),
        "cannot start bootstrap instance: instance quota exceeded"
    );
    assert!(
        err.cause()
            .is_some_and(|e| e.is_availability_zone_independent())
    );

    // The zones constraint narrows the zones; zone3 fails, zone4 works.
    set(&env, "fail-start", "").await;
    set(&env, "fail-zones", "zone3").await;
    args.bootstrap_constraints.zones = zones(&["zone4", "zone3"]);
    let started = bootstrap_instance(&env, &args).await.expect("zone4 works");
    assert_eq!(started.zones_tried, ["zone3", "zone4"]);
    assert_eq!(
        started.instance_config.machine_nonce,
        "user-admin:bootstrap"
    );
    let heard = dummy.heard.take();
    let launches = heard
        .iter()
        .filter(|h| **h == info("Launching controller instance(s) on dummy/dummy-region..."))
        .count();
    assert_eq!(
        launches, 5,
        "one per BootstrapInstance that got to start: {heard:?}"
    );
}

// A failed bootstrap destroys what it started, unless keep-broken; a
// provider that leaves the machine to the host needs a FinishBootstrap; an
// incomplete request calls nothing.
#[tokio::test]
async fn failures_clean_up_unless_kept() {
    let dummy = Dummy::new().await;
    let failing = fixture_with(&[
        ("host-bootstrap", json!(true)),
        ("fail-start", json!("zone-independent")),
    ]);
    let mut req = request(&failing);
    req.finish = Some(Arc::new(Finisher::default()));
    let err = bootstrap(&dummy.provider, req.clone())
        .await
        .expect_err("quota");
    assert_eq!(
        err.to_string(),
        "cannot start bootstrap instance: instance quota exceeded"
    );
    let gone = dummy.open(&failing).await.all_instances().await;
    assert_eq!(
        gone.expect_err("cleaned up").to_string(),
        "model is not prepared"
    );

    req.keep_broken = true;
    bootstrap(&dummy.provider, req.clone())
        .await
        .expect_err("quota again");
    let kept = dummy.open(&failing).await.all_instances().await;
    assert_eq!(kept.expect("model kept").len(), 0);

    req.finish = None;
    let err = bootstrap(&dummy.provider, req)
        .await
        .expect_err("no finisher");
    assert!(matches!(err, BootstrapError::NoFinisher(_)), "{err:?}");

    let mut req = request(&Fixture::dummy());
    req.admin_secret.clear();
    dummy.heard.take();
    let err = bootstrap(&dummy.provider, req)
        .await
        .expect_err("no secret");
    assert_eq!(
        err.to_string(),
        "validating bootstrap parameters: admin-secret is empty"
    );
    assert!(dummy.heard.take().is_empty(), "nothing was called");
}
