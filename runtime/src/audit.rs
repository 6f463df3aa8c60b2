//! Audit events: one structured record for every capability decision,
//! allowed or denied.
//!
//! Each event names who asked (provider, component digest, cloud,
//! credential name — never a secret), what was going on (the environs
//! method in progress), what was asked for (capability and destination),
//! and what the host decided and why, with bytes and latency where they
//! apply. Events go to `tracing` (target `strato::audit`) and to every
//! subscriber of the runtime's [`Audit`] hub, so an embedder can keep its
//! own record without parsing logs.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use tokio::sync::broadcast;

/// Events a slow subscriber may fall behind by before it misses some (it
/// then gets `RecvError::Lagged` with the count).
const SUBSCRIBER_BACKLOG: usize = 4096;

/// What a decision was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Capability {
    /// Loading a component: compile, link, declared capabilities.
    Load,
    /// A capability the component declared, granted or refused by policy.
    Grant,
    /// An outgoing HTTP request.
    Network,
    /// Authenticating an outgoing request with the credential.
    Sign,
    /// Revealing a secret credential attribute to the guest.
    Reveal,
    /// The state directory.
    StateDir,
    /// Linear memory and tables of an instance.
    Memory,
    /// CPU and wall-clock time of a call.
    Time,
    /// A guest trap (the instance is replaced).
    Trap,
    /// A host environment variable copied into the guest's environment
    /// (the event names it; its value is never recorded).
    Env,
    /// A host directory lent to the guest read-only.
    Read,
}

impl Capability {
    /// The kebab-case name used in logs and the CLI.
    pub fn name(self) -> &'static str {
        match self {
            Capability::Load => "load",
            Capability::Grant => "grant",
            Capability::Network => "network",
            Capability::Sign => "sign",
            Capability::Reveal => "reveal",
            Capability::StateDir => "state-dir",
            Capability::Memory => "memory",
            Capability::Time => "time",
            Capability::Trap => "trap",
            Capability::Env => "env",
            Capability::Read => "read",
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The host's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    /// The capability was used as asked.
    Allowed,
    /// The host refused (or stopped) it.
    Denied,
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Decision::Allowed => "allowed",
            Decision::Denied => "denied",
        })
    }
}

/// One capability decision.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditEvent {
    /// When the decision was made (for requests: when the exchange ended).
    #[serde(with = "unix_millis")]
    pub time: SystemTime,
    /// The provider's name (registry or policy name; else the digest's
    /// first 12 hex digits).
    pub provider: String,
    /// The component's sha256, hex.
    pub sha256: String,
    /// The cloud of the environ in use, empty before one is known.
    pub cloud: String,
    /// The credential's name (its label), empty when none; never a value.
    pub credential: String,
    /// The environs method in progress (WIT name), empty outside a call.
    pub method: String,
    /// What was asked for.
    pub capability: Capability,
    /// Where or what: a URL for requests, an attribute name for reveals, a
    /// path for files, a limit for breaches.
    pub destination: String,
    /// Allowed or denied.
    pub decision: Decision,
    /// Why, in words a person can act on.
    pub reason: String,
    /// Bytes sent (request body), when it applies.
    pub bytes_sent: u64,
    /// Bytes received (response body), when it applies.
    pub bytes_received: u64,
    /// How long the operation took, when it applies.
    #[serde(with = "opt_millis")]
    pub latency: Option<Duration>,
}

impl fmt::Display for AuditEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.decision.to_string().to_uppercase(),
            self.capability,
            self.destination
        )?;
        if !self.method.is_empty() {
            write!(f, " during {}", self.method)?;
        }
        write!(f, " [provider {}", self.provider)?;
        if !self.cloud.is_empty() {
            write!(f, ", cloud {}", self.cloud)?;
        }
        if !self.credential.is_empty() {
            write!(f, ", credential {}", self.credential)?;
        }
        f.write_str("]")?;
        if !self.reason.is_empty() {
            write!(f, ": {}", self.reason)?;
        }
        if self.bytes_sent > 0 || self.bytes_received > 0 {
            write!(
                f,
                " ({} B out, {} B in)",
                self.bytes_sent, self.bytes_received
            )?;
        }
        if let Some(l) = self.latency {
            write!(f, " in {:.1} ms", l.as_secs_f64() * 1e3)?;
        }
        Ok(())
    }
}

/// The runtime's audit hub: every [`AuditEvent`] goes to `tracing` and to
/// each subscriber. Cloning shares the hub.
///
/// ```
/// # async fn demo(runtime: strato_runtime::Runtime) {
/// let mut events = runtime.audit().subscribe();
/// // ... use providers ...
/// while let Ok(event) = events.try_recv() {
///     println!("{event}");
/// }
/// # }
/// ```
#[derive(Clone)]
pub struct Audit {
    tx: broadcast::Sender<AuditEvent>,
}

impl fmt::Debug for Audit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Audit")
            .field("subscribers", &self.tx.receiver_count())
            .finish()
    }
}

impl Default for Audit {
    fn default() -> Self {
        Audit::new()
    }
}

impl Audit {
    /// A hub with no subscribers.
    pub fn new() -> Audit {
        let (tx, _) = broadcast::channel(SUBSCRIBER_BACKLOG);
        Audit { tx }
    }

    /// Every event from now on. A receiver that falls more than 4,096
    /// events behind loses the oldest and is told how many.
    pub fn subscribe(&self) -> broadcast::Receiver<AuditEvent> {
        self.tx.subscribe()
    }

    /// Records `event`: a `tracing` event at info (allowed) or warn
    /// (denied), then every subscriber.
    pub fn record(&self, event: AuditEvent) {
        match event.decision {
            Decision::Allowed => tracing::info!(
                target: "strato::audit",
                provider = %event.provider, sha256 = %event.sha256, cloud = %event.cloud,
                credential = %event.credential, method = %event.method,
                capability = %event.capability, destination = %event.destination,
                decision = %event.decision, reason = %event.reason,
                bytes_sent = event.bytes_sent, bytes_received = event.bytes_received,
                latency_ms = event.latency.map(|l| l.as_secs_f64() * 1e3),
                "capability allowed"
            ),
            Decision::Denied => tracing::warn!(
                target: "strato::audit",
                provider = %event.provider, sha256 = %event.sha256, cloud = %event.cloud,
                credential = %event.credential, method = %event.method,
                capability = %event.capability, destination = %event.destination,
                decision = %event.decision, reason = %event.reason,
                bytes_sent = event.bytes_sent, bytes_received = event.bytes_received,
                latency_ms = event.latency.map(|l| l.as_secs_f64() * 1e3),
                "capability denied"
            ),
        }
        // No subscriber is fine: the tracing event above is the record.
        let _ = self.tx.send(event);
    }
}

/// Who is acting: the provider instance slot's identity and the call in
/// progress. Shared (behind a mutex) between a store and the tasks it
/// spawns, such as outgoing requests, which snapshot it when they start.
#[derive(Debug, Clone, Default)]
pub(crate) struct Actor {
    pub provider: String,
    pub sha256: String,
    pub cloud: String,
    pub credential: String,
    pub method: String,
}

/// An [`Actor`] that changes as calls come and go, plus the hub to report to.
#[derive(Clone)]
pub(crate) struct Scope {
    pub audit: Audit,
    actor: Arc<Mutex<Actor>>,
}

impl Scope {
    pub fn new(audit: Audit, actor: Actor) -> Scope {
        Scope {
            audit,
            actor: Arc::new(Mutex::new(actor)),
        }
    }

    /// A copy of who is acting now.
    pub fn actor(&self) -> Actor {
        self.actor.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Changes who is acting (method in progress, cloud, credential).
    pub fn update(&self, f: impl FnOnce(&mut Actor)) {
        f(&mut self.actor.lock().unwrap_or_else(|e| e.into_inner()));
    }

    /// Starts an event for the current actor.
    pub fn event(
        &self,
        capability: Capability,
        destination: impl Into<String>,
        decision: Decision,
        reason: impl Into<String>,
    ) -> AuditEvent {
        self.actor()
            .event(capability, destination, decision, reason)
    }

    /// Records an event for the current actor.
    pub fn record(
        &self,
        capability: Capability,
        destination: impl Into<String>,
        decision: Decision,
        reason: impl Into<String>,
    ) {
        self.audit
            .record(self.event(capability, destination, decision, reason));
    }
}

impl Actor {
    /// An event by this actor, without bytes or latency.
    pub fn event(
        &self,
        capability: Capability,
        destination: impl Into<String>,
        decision: Decision,
        reason: impl Into<String>,
    ) -> AuditEvent {
        AuditEvent {
            time: SystemTime::now(),
            provider: self.provider.clone(),
            sha256: self.sha256.clone(),
            cloud: self.cloud.clone(),
            credential: self.credential.clone(),
            method: self.method.clone(),
            capability,
            destination: destination.into(),
            decision,
            reason: reason.into(),
            bytes_sent: 0,
            bytes_received: 0,
            latency: None,
        }
    }
}

mod unix_millis {
    use std::time::{SystemTime, UNIX_EPOCH};

    pub fn serialize<S: serde::Serializer>(t: &SystemTime, s: S) -> Result<S::Ok, S::Error> {
        let ms = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
        s.serialize_u128(ms)
    }
}

mod opt_millis {
    use std::time::Duration;

    pub fn serialize<S: serde::Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&(d.as_secs_f64() * 1e3)),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribers_get_every_event_and_it_reads_well() {
        let audit = Audit::new();
        let mut rx = audit.subscribe();
        let scope = Scope::new(
            audit.clone(),
            Actor {
                provider: "ec2".into(),
                sha256: "ab".repeat(32),
                cloud: "aws".into(),
                credential: "ops".into(),
                method: String::new(),
            },
        );
        scope.update(|a| a.method = "start-instance".into());
        scope.record(
            Capability::Network,
            "http://169.254.169.254/latest",
            Decision::Denied,
            "not an endpoint of cloud aws",
        );
        let e = rx.try_recv().unwrap();
        assert_eq!(e.method, "start-instance");
        let text = e.to_string();
        assert!(
            text.starts_with("DENIED network http://169.254.169.254/latest during start-instance"),
            "{text}"
        );
        assert!(text.contains("credential ops"), "{text}");
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["decision"], "denied");
        assert_eq!(json["capability"], "network");
    }
}
