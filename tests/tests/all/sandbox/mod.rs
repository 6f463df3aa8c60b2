//! The sandbox suite: one test per attack of a hostile provider
//! (`tests/guests/guest-attack`). Each test asserts the error the guest or
//! the caller gets, the audit event the host records, and that the next
//! call on the same provider still works; a host panic fails the test.
//!
//! The guest reports what it saw as the status message of the instance it
//! answers for each attack id: `ok …` or `err <kind>: <message>`.

mod credentials;
mod detect_grants;
mod files;
mod limits;
mod loading;
mod network;
mod sigv4;

use std::path::Path;
use std::time::Duration;

use strato_runtime::audit::{Capability, Decision};
use strato_runtime::types::{CloudSpec, Credential, OpenParams, Value};
use strato_runtime::{AuditEvent, Environ, Error, Grants, ProviderHandle, Runtime, RuntimeConfig};
use strato_tests::guests;
use tokio::sync::broadcast;

/// What the attack guest's `version()` answers.
const VERSION: u32 = 9;

/// Upper bound for one attack: the tests assert the error kind; this only
/// keeps a broken runtime from hanging the suite.
const SAFETY: Duration = Duration::from_secs(120);

/// How long a test waits for an audit event (request events are recorded
/// when the exchange ends, on another task).
const EVENT_WAIT: Duration = Duration::from_secs(10);

/// The call deadline of the sandbox runtime.
const CALL_TIMEOUT: Duration = Duration::from_secs(5);
/// Linear memory per instance.
const MEMORY: usize = 64 << 20;

/// A runtime, the attack guest instantiated with some grants, an environ
/// open on a cloud, and a subscription to the audit hub taken before any
/// of it.
pub struct Sandbox {
    _runtime: Runtime,
    pub handle: ProviderHandle,
    pub env: Environ,
    events: broadcast::Receiver<AuditEvent>,
    seen: Vec<AuditEvent>,
}

/// A cloud named `attack-cloud` with `endpoint` (may be empty).
pub fn cloud(endpoint: &str, credential: Option<Credential>) -> CloudSpec {
    CloudSpec {
        cloud_type: "attack".into(),
        name: "attack-cloud".into(),
        region: "us-east-1".into(),
        endpoint: endpoint.into(),
        identity_endpoint: String::new(),
        storage_endpoint: String::new(),
        credential,
        ca_certificates: Vec::new(),
    }
}

/// A credential of `auth_type` with `attributes`.
pub fn credential(auth_type: &str, label: &str, attributes: &[(&str, &str)]) -> Credential {
    Credential {
        auth_type: auth_type.into(),
        attributes: attributes
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        revoked: false,
        label: label.into(),
        invalid: false,
        invalid_reason: String::new(),
    }
}

fn model_config() -> Vec<(String, Value)> {
    let text = |s: &str| Value::Text(s.into());
    vec![
        ("name".into(), text("sandbox")),
        ("type".into(), text("attack")),
        ("uuid".into(), text("5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d")),
    ]
}

/// The sandbox runtime's settings.
pub fn config() -> RuntimeConfig {
    RuntimeConfig {
        cache_dir: None,
        call_timeout: CALL_TIMEOUT,
        memory_limit: MEMORY,
        ..RuntimeConfig::default()
    }
}

impl Sandbox {
    /// The attack guest with `grants`, an environ open on `cloud`.
    pub async fn open(grants: Grants, cloud: CloudSpec) -> Sandbox {
        Sandbox::open_with(config(), grants, cloud).await
    }

    /// [`Sandbox::open`] with a runtime configured by `config`.
    pub async fn open_with(config: RuntimeConfig, grants: Grants, cloud: CloudSpec) -> Sandbox {
        let runtime = Runtime::new(config).expect("runtime");
        let events = runtime.audit().subscribe();
        let component = runtime
            .load_file(Path::new(guests::GUEST_ATTACK_COMPONENT))
            .await
            .unwrap_or_else(|e| panic!("loading guest-attack: {e}"));
        let handle = component
            .instantiate(Grants {
                name: Some("attack".into()),
                ..grants
            })
            .await
            .unwrap_or_else(|e| panic!("instantiating guest-attack: {e}"));
        let env = handle
            .open(OpenParams {
                cloud,
                config: model_config(),
            })
            .await
            .unwrap_or_else(|e| panic!("opening an environ of guest-attack: {e}"));
        Sandbox {
            _runtime: runtime,
            handle,
            env,
            events,
            seen: Vec::new(),
        }
    }

    /// Runs attack `id`; the guest's outcome (`ok …` / `err …`) or the
    /// call's error.
    pub async fn try_attack(&self, id: &str) -> Result<String, Error> {
        let ids = [id.to_string()];
        let result = tokio::time::timeout(SAFETY, self.env.instances(&ids))
            .await
            .unwrap_or_else(|_| panic!("instances([{id}]) did not return at all"))?;
        match result.as_slice() {
            [one] => {
                assert_eq!(one.id, id, "the guest answered for another id");
                Ok(one.status.message.clone())
            }
            other => panic!("instances([{id}]) answered {} slots", other.len()),
        }
    }

    /// Runs attack `id`, which must return; the guest's outcome.
    pub async fn attack(&self, id: &str) -> String {
        let outcome = self
            .try_attack(id)
            .await
            .unwrap_or_else(|e| panic!("attack {id:?} failed the call: {e}"));
        println!("{id} -> {}", shorten(&outcome));
        outcome
    }

    /// The call after an attack works: `version()` on the handle and an
    /// attack-free `instances` on the environ.
    pub async fn next_call_works(&self) {
        assert_eq!(
            self.handle
                .version()
                .await
                .expect("version after the attack"),
            VERSION
        );
        assert_eq!(
            self.try_attack("fine")
                .await
                .expect("instances after the attack"),
            "ok"
        );
    }

    /// Waits for an audit event about `capability` with `decision` whose
    /// destination and reason contain the given texts (case-insensitive);
    /// panics with every event seen if none comes.
    pub async fn expect_event(
        &mut self,
        capability: Capability,
        decision: Decision,
        destination: &str,
        reason: &str,
    ) -> AuditEvent {
        let matches = |e: &AuditEvent| {
            e.capability == capability
                && e.decision == decision
                && contains(&e.destination, destination)
                && contains(&e.reason, reason)
        };
        if let Some(e) = self.seen.iter().find(|e| matches(e)) {
            return e.clone();
        }
        let deadline = tokio::time::Instant::now() + EVENT_WAIT;
        loop {
            match tokio::time::timeout_at(deadline, self.events.recv()).await {
                Ok(Ok(e)) => {
                    self.seen.push(e.clone());
                    if matches(&e) {
                        println!("audit: {e}");
                        return e;
                    }
                }
                Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
                Ok(Err(broadcast::error::RecvError::Closed)) | Err(_) => break,
            }
        }
        let seen: Vec<String> = self.seen.iter().map(|e| format!("  {e}")).collect();
        panic!(
            "no audit event {capability} {decision} with destination ~ {destination:?} and \
             reason ~ {reason:?}; events seen:\n{}",
            seen.join("\n")
        );
    }

    /// Every event received so far (without waiting).
    pub fn events(&mut self) -> &[AuditEvent] {
        while let Ok(e) = self.events.try_recv() {
            self.seen.push(e);
        }
        &self.seen
    }
}

fn contains(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(&needle.to_lowercase())
}

/// The first 300 characters, for log lines.
pub fn shorten(text: &str) -> String {
    let mut out: String = text.chars().take(300).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// Asserts that an outcome is an error of the guest whose text contains
/// every one of `parts` (case-insensitive).
#[track_caller]
pub fn assert_guest_error(outcome: &str, parts: &[&str]) {
    assert!(
        outcome.starts_with("err "),
        "the guest should have seen an error, it saw: {}",
        shorten(outcome)
    );
    for part in parts {
        assert!(
            contains(outcome, part),
            "the guest's error should mention {part:?}: {}",
            shorten(outcome)
        );
    }
}
