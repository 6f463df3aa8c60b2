//! Zone-aware start-instance with retries: Juju's provisioner task
//! (`worker/provisioner/provisioner_task.go`, `startMachine`), on the host,
//! for every provider.
//!
//! [`start_instance_with_zones`] starts one machine:
//!
//! 1. zones implied by the machine's placement or volumes
//!    (`derive-availability-zones`) exclude it from every other zone;
//! 2. status `allocating` / `starting`;
//! 3. it picks the least populated eligible zone of the [`ZoneMap`]
//!    (`zones` constraint, failures, exclusions, distribution group) and
//!    calls `start-instance` there;
//! 4. a failure that may be specific to that zone moves on to the next
//!    zone *without* using an attempt (`failed to start machine 1 in zone
//!    "zone1", retrying in 10s with new availability zone: …`); when every
//!    zone has failed, the failures are forgotten and an attempt is used;
//! 5. a zone-independent failure uses an attempt (`failed to start machine
//!    1 (…), retrying in 10s (10 more attempts)`);
//! 6. after each failure: status `allocating` with that message, then the
//!    retry delay; `abort` cuts the delay short and cancels a start-instance
//!    in progress;
//! 7. when no attempt is left, or no zone is: status `provisioning error`
//!    with the cause, and an error.
//!
//! ```no_run
//! use strato_runtime::environs::provisioner::{
//!     MachineStart, RetryPolicy, ZoneMap, start_instance_with_zones,
//! };
//! use strato_runtime::types::{InstanceState, StartInstanceParams};
//!
//! # async fn demo(
//! #     env: strato_runtime::Environ,
//! #     params: StartInstanceParams,
//! # ) -> Result<(), Box<dyn std::error::Error>> {
//! // Count the model's instances under their own ids.
//! let zones = ZoneMap::from_environ(&env, |id| Some(id.to_string())).await?;
//! let status = |state: InstanceState, info: &str| println!("{state:?}: {info}");
//! let (_stop, stopped) = tokio::sync::oneshot::channel::<()>();
//! let started = start_instance_with_zones(
//!     &env,
//!     &MachineStart::new("1", params),
//!     &zones,
//!     RetryPolicy::default(), // 10 attempts, 10 s apart
//!     &status,
//!     async move {
//!         let _ = stopped.await; // dropping `_stop` aborts too
//!     },
//! )
//! .await?;
//! println!("machine 1 is {}", started.instance.id);
//! # Ok(()) }
//! ```

mod zones;

use std::future::Future;
use std::time::Duration;

use crate::environ::Environ;
use crate::error::Error;
use crate::inspect::OptionalInterface;
use crate::types::{InstanceState, StartInstanceParams, StartInstanceResult};

pub(crate) use zones::zones_unsupported;
pub use zones::{ZoneInstances, ZoneMachines, ZoneMap, availability_zone_allocations};

/// Juju's `retryCount`: attempts after the first failure.
pub const DEFAULT_RETRY_ATTEMPTS: u32 = 10;
/// Juju's `retryDelay` between attempts.
pub const DEFAULT_RETRY_DELAY: Duration = Duration::from_secs(10);

/// How often and how far apart [`start_instance_with_zones`] retries
/// (Juju's `RetryStrategy`; default 10 attempts, 10 s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Counted retries after the first attempt; moving on to another zone
    /// after a zone-specific failure does not count.
    pub attempts: u32,
    /// Wait before each retry.
    pub delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: DEFAULT_RETRY_ATTEMPTS,
            delay: DEFAULT_RETRY_DELAY,
        }
    }
}

/// The machine to start.
#[derive(Debug, Clone)]
pub struct MachineStart {
    /// Juju's machine id (`"1"`, `"0/lxd/2"`), as status messages print it.
    pub machine_id: String,
    /// What `start-instance` gets; `availability_zone` is set per attempt.
    pub params: StartInstanceParams,
    /// Ids of the machines of its distribution group (the units of the
    /// same application it should be spread from); empty = none.
    pub distribution_group: Vec<String>,
}

impl MachineStart {
    /// Machine `machine_id` with `params` and no distribution group.
    pub fn new(machine_id: impl Into<String>, params: StartInstanceParams) -> Self {
        MachineStart {
            machine_id: machine_id.into(),
            params,
            distribution_group: Vec::new(),
        }
    }
}

/// Why [`start_instance_with_zones`] gave up.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    /// The machine could not be started: no attempt or no zone was left
    /// (status `provisioning error` was set to the cause), or its zones
    /// could not be derived.
    #[error("cannot start instance for machine {machine:?}: {source}")]
    Failed {
        /// The machine.
        machine: String,
        /// The last failure: the provider's error, or [`Error::NotFound`]
        /// when no suitable zone was left.
        #[source]
        source: Error,
    },
    /// `abort` fired while waiting to retry.
    #[error("starting machine {machine} aborted")]
    Aborted {
        /// The machine.
        machine: String,
    },
}

impl ProvisionError {
    /// The underlying error of [`ProvisionError::Failed`].
    pub fn cause(&self) -> Option<&Error> {
        match self {
            ProvisionError::Failed { source, .. } => Some(source),
            ProvisionError::Aborted { .. } => None,
        }
    }
}

/// Starts one machine the way Juju's provisioner does (see the module
/// docs), reporting progress through `status`, and returns what
/// `start-instance` returned. The map keeps the machine in the zone it
/// started in (and, as Juju's does, in zones where it failed in a
/// zone-independent way).
///
/// `abort` (a shutdown signal, a cancellation token's future) ends the
/// work with [`ProvisionError::Aborted`]: a retry delay is cut short, and a
/// `start-instance` in progress is cancelled (its sandbox instance is
/// dropped with whatever requests it had in flight).
pub async fn start_instance_with_zones(
    env: &Environ,
    machine: &MachineStart,
    zones: &ZoneMap,
    policy: RetryPolicy,
    status: &(dyn Fn(InstanceState, &str) + Send + Sync),
    abort: impl Future<Output = ()>,
) -> Result<StartInstanceResult, ProvisionError> {
    let id = machine.machine_id.as_str();
    let failed = |source: Error| ProvisionError::Failed {
        machine: id.to_string(),
        source,
    };
    let mut params = machine.params.clone();
    // populateExcludedMachines: placement or volumes pin the zones.
    if env.supports(OptionalInterface::AvailabilityZones) {
        match env.derive_availability_zones(&params).await {
            Ok(derived) => zones.exclude_outside(id, &derived),
            Err(e) if zones::zones_unsupported(&e) => {}
            Err(e) => return Err(failed(e)),
        }
    }
    status(InstanceState::Allocating, "starting");

    let mut abort = std::pin::pin!(abort);
    let mut attempts_left = policy.attempts;
    loop {
        let zone = match zones.choose_zone(id, &machine.distribution_group, &params.constraints) {
            Ok(zone) => zone,
            Err(e) => {
                tracing::error!(target: "strato::environs", machine = id, error = %e, "cannot start instance");
                status(InstanceState::ProvisioningError, &e.to_string());
                return Err(failed(e));
            }
        };
        if !zone.is_empty() {
            tracing::info!(target: "strato::environs", machine = id, zone = %zone, "trying StartInstance in availability zone");
        }
        params.availability_zone = zone.clone();
        // Abort also cancels a start-instance in progress: dropping the call
        // drops its sandbox instance, and with it the requests it had in
        // flight (the environ re-opens on a fresh instance when next used).
        let started = tokio::select! {
            () = &mut abort => {
                return Err(ProvisionError::Aborted { machine: id.to_string() });
            }
            started = env.start_instance(params.clone()) => started,
        };
        let err = match started {
            Ok(result) => return Ok(result),
            Err(e) => e,
        };
        if attempts_left == 0 {
            // Out of attempts: the machine is skipped until someone acts.
            zones.remove_machine(id);
            tracing::error!(target: "strato::environs", machine = id, error = %err, "cannot start instance");
            status(InstanceState::ProvisioningError, &err.to_string());
            return Err(failed(err));
        }

        let mut message = None;
        if !zone.is_empty() && !err.is_availability_zone_independent() {
            // The failure may be this zone's: try another one, if any is left.
            if zones.mark_failed(id, &zone, &params.constraints) {
                message = Some(zone_retry_message(id, &zone, policy.delay, &err));
            } else {
                // Every zone failed this round; a zone may work next time.
                zones.clear_failures(id);
            }
        }
        let message = match message {
            Some(m) => {
                tracing::debug!(target: "strato::environs", "{m}");
                m
            }
            None => {
                let m = retry_message(id, &err, policy.delay, attempts_left);
                tracing::warn!(target: "strato::environs", "{m}");
                attempts_left -= 1;
                m
            }
        };
        status(InstanceState::Allocating, &message);

        tokio::select! {
            () = &mut abort => {
                return Err(ProvisionError::Aborted { machine: id.to_string() });
            }
            () = tokio::time::sleep(policy.delay) => {}
        }
    }
}

/// The status after a zone-specific failure when another zone is left.
pub fn zone_retry_message(machine: &str, zone: &str, delay: Duration, err: &Error) -> String {
    format!(
        "failed to start machine {machine} in zone {zone:?}, retrying in {} with new availability zone: {err}",
        go_duration(delay)
    )
}

/// The status after a failure that uses an attempt (`attempts_left` before
/// this one is used).
pub fn retry_message(machine: &str, err: &Error, delay: Duration, attempts_left: u32) -> String {
    format!(
        "failed to start machine {machine} ({err}), retrying in {} ({attempts_left} more attempts)",
        go_duration(delay)
    )
}

/// A duration as Go's `time.Duration.String` prints it (`10s`, `1m30s`,
/// `1.5s`, `250ms`, `0s`), so messages read exactly as Juju's.
pub fn go_duration(d: Duration) -> String {
    let ns = d.as_nanos();
    if ns == 0 {
        return "0s".to_string();
    }
    if ns < 1_000_000_000 {
        let (unit, scale) = match ns {
            n if n < 1_000 => ("ns", 1),
            n if n < 1_000_000 => ("µs", 1_000),
            _ => ("ms", 1_000_000),
        };
        return format!("{}{unit}", decimal(ns, scale));
    }
    let secs = ns / 1_000_000_000;
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if h > 0 || m > 0 {
        out.push_str(&format!("{m}m"));
    }
    let sub = ns % 1_000_000_000;
    out.push_str(&decimal(s * 1_000_000_000 + sub, 1_000_000_000));
    out.push('s');
    out
}

/// `value / scale` with the fraction's trailing zeros dropped.
fn decimal(value: u128, scale: u128) -> String {
    let (whole, frac) = (value / scale, value % scale);
    if frac == 0 {
        return whole.to_string();
    }
    let width = scale.to_string().len() - 1;
    let frac = format!("{frac:0width$}");
    format!("{whole}.{}", frac.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{ErrorKind, ProviderError};

    // Go's Duration.String for the delays a policy may use.
    #[test]
    fn go_durations() {
        let cases = [
            (Duration::ZERO, "0s"),
            (Duration::from_nanos(1), "1ns"),
            (Duration::from_nanos(1500), "1.5µs"),
            (Duration::from_millis(10), "10ms"),
            (Duration::from_micros(2500), "2.5ms"),
            (Duration::from_millis(1500), "1.5s"),
            (Duration::from_secs(10), "10s"),
            (Duration::from_secs(90), "1m30s"),
            (Duration::from_secs(3600), "1h0m0s"),
            (Duration::from_millis(3_723_500), "1h2m3.5s"),
        ];
        for (d, want) in cases {
            assert_eq!(go_duration(d), want, "{d:?}");
        }
    }

    // The two retry messages read exactly as Juju's provisioner's.
    #[test]
    fn messages_match_juju() {
        let err = Error::Provider(ProviderError {
            kind: ErrorKind::Other,
            message: "zone \"zone1\" is out of capacity".into(),
            zone_independent: false,
        });
        assert_eq!(
            zone_retry_message("1", "zone1", DEFAULT_RETRY_DELAY, &err),
            "failed to start machine 1 in zone \"zone1\", retrying in 10s with new availability zone: zone \"zone1\" is out of capacity"
        );
        assert_eq!(
            retry_message("0/lxd/2", &err, DEFAULT_RETRY_DELAY, 10),
            "failed to start machine 0/lxd/2 (zone \"zone1\" is out of capacity), retrying in 10s (10 more attempts)"
        );
        let policy = RetryPolicy::default();
        assert_eq!(
            (policy.attempts, policy.delay),
            (10, Duration::from_secs(10))
        );
        let e = ProvisionError::Failed {
            machine: "3".into(),
            source: err,
        };
        assert!(
            e.to_string()
                .starts_with("cannot start instance for machine \"3\": zone")
        );
        assert!(e.cause().is_some());
    }
}
