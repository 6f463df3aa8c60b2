//! The EC2 provider (`providers/ec2`) against moto with signature checking
//! on: one moto per test, the component in a runtime whose audit trail the
//! test reads, and host hooks that record what the provider reported.

mod adopt;
mod conformance;
mod credentials;
mod destroy;
mod detect;
mod instance_ports;
mod itypes;
mod lifecycle;
mod networking;
mod userdata;
mod volumes;
mod vpc;
mod zones;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use strato_runtime::types::{Attrs, InstanceState, OpenParams, PrepareConfigParams};
use strato_runtime::{AuditEvent, Environ, Grants, HostHooks, ProviderHandle, Runtime};
use strato_tests::conformance::Fixture;
use strato_tests::guests;
use strato_tests::moto::Moto;
use tokio::sync::broadcast;

use crate::{load, runtime};

/// What the provider told the host through the call context.
#[derive(Debug, Default)]
pub struct Hooks {
    pub invalidated: Mutex<Vec<String>>,
    pub statuses: Mutex<Vec<(InstanceState, String)>>,
}

impl HostHooks for Hooks {
    fn invalidate_credential(&self, reason: &str) {
        self.invalidated.lock().expect("lock").push(reason.into());
    }
    fn status(&self, state: InstanceState, info: &str, _data: &Attrs) {
        self.statuses
            .lock()
            .expect("lock")
            .push((state, info.into()));
    }
}

/// The fixture of `tests/conformance/fixtures/ec2-moto.yaml`.
pub fn fixture_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("conformance/fixtures/ec2-moto.yaml")
}

/// The EC2 fixture pointed at `moto`, with the user's secret or `secret`.
pub fn fixture(moto: &Moto, secret: Option<&str>) -> Fixture {
    let mut f = Fixture::load(&fixture_path()).unwrap_or_else(|e| panic!("fixture: {e}"));
    let spec = moto.cloud_spec(secret);
    f.cloud.endpoint = spec.endpoint;
    let attributes = spec.credential.map(|c| c.attributes).unwrap_or_default();
    if let Some(c) = f.credential.as_mut() {
        c.attributes = attributes.iter().cloned().collect();
    }
    // The rejected credential: moto's own access key, a wrong secret.
    if let Some(c) = f.expect.rejected_credential.as_mut() {
        for (k, v) in &attributes {
            if k == "access-key" {
                c.attributes.insert(k.clone(), v.clone());
            }
        }
    }
    f
}

pub fn start_moto() -> Moto {
    Moto::start().unwrap_or_else(|e| panic!("moto: {e}"))
}

/// The EC2 component instantiated for one cloud, an environ open on it.
pub struct Ec2 {
    pub _runtime: Runtime,
    pub _provider: ProviderHandle,
    pub env: Environ,
    pub hooks: Arc<Hooks>,
    pub events: broadcast::Receiver<AuditEvent>,
}

impl Ec2 {
    /// Prepares and opens `fixture`'s model.
    pub async fn open(fixture: &Fixture) -> Ec2 {
        let rt = runtime(Duration::from_secs(60));
        let events = rt.audit().subscribe();
        let hooks = Arc::new(Hooks::default());
        let provider = load(&rt, guests::STRATO_EC2_COMPONENT)
            .await
            .instantiate(Grants {
                name: Some("ec2".into()),
                hooks: Some(hooks.clone()),
                ..Grants::default()
            })
            .await
            .unwrap_or_else(|e| panic!("instantiating the EC2 provider: {e}"));
        let cloud = fixture.cloud_spec();
        let config = provider
            .prepare_config(PrepareConfigParams {
                cloud: cloud.clone(),
                config: fixture.config_attrs(),
            })
            .await
            .unwrap_or_else(|e| panic!("prepare-config: {e}"));
        let env = provider
            .open(OpenParams { cloud, config })
            .await
            .unwrap_or_else(|e| panic!("open: {e}"));
        Ec2 {
            _runtime: rt,
            _provider: provider,
            env,
            hooks,
            events,
        }
    }

    /// Every audit event recorded so far (request events are recorded when
    /// the exchange ends: wait a moment after the last call).
    pub async fn events(&mut self) -> Vec<AuditEvent> {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut out = Vec::new();
        while let Ok(e) = self.events.try_recv() {
            out.push(e);
        }
        out
    }
}
