//! What can go wrong in [`bootstrap`](super::bootstrap) and
//! [`bootstrap_instance`](super::bootstrap_instance), with Juju's messages.

use crate::constraints::ConstraintsError;
use crate::error::Error;

/// Why [`bootstrap`](super::bootstrap) or
/// [`bootstrap_instance`](super::bootstrap_instance) failed.
#[derive(Debug, thiserror::Error)]
pub enum BootstrapError {
    /// The request is incomplete (Juju's `BootstrapParams.Validate`).
    #[error("validating bootstrap parameters: {0}")]
    InvalidRequest(String),
    /// The model and bootstrap constraints do not merge.
    #[error(transparent)]
    Constraints(#[from] ConstraintsError),
    /// `start-instance` failed with no zone or in a zone-independent way,
    /// or the zones could not be listed.
    #[error("cannot start bootstrap instance: {0}")]
    StartInstance(#[source] Error),
    /// The provider has zones but none is available.
    #[error("cannot start bootstrap instance: no usable availability zones")]
    NoUsableZones,
    /// The `zones` bootstrap constraint leaves no available zone.
    #[error(
        "no available zones ({}) matching bootstrap zone constraints ({})",
        go_quoted(.available),
        go_quoted(.wanted)
    )]
    NoMatchingZones {
        /// The zones available.
        available: Vec<String>,
        /// The zones the constraint allows.
        wanted: Vec<String>,
    },
    /// The only zone to try failed.
    #[error("cannot start bootstrap instance in availability zone {zone:?}: {source}")]
    ZoneFailed {
        /// The zone.
        zone: String,
        /// Why.
        #[source]
        source: Error,
    },
    /// Every zone failed: each zone tried, with its failure.
    #[error(
        "cannot start bootstrap instance in any availability zone ({})",
        .tried.iter().map(|(z, _)| z.as_str()).collect::<Vec<_>>().join(", ")
    )]
    AllZonesFailed {
        /// The zones tried, in order, with their failures.
        tried: Vec<(String, Error)>,
    },
    /// The user interrupted between two zones.
    #[error("starting controller (cancelled): {0}")]
    Interrupted(#[source] Error),
    /// The provider leaves the machine to the host and the request has no
    /// [`FinishBootstrap`](super::FinishBootstrap) to finish it with.
    #[error(
        "provider leaves the bootstrap machine to the host ({0}) and no FinishBootstrap was given"
    )]
    NoFinisher(#[source] Error),
    /// A call failed (its error unchanged, as Juju traces it).
    #[error(transparent)]
    Runtime(#[from] Error),
}

impl BootstrapError {
    /// The runtime error underneath, if there is one (the last zone's for
    /// [`BootstrapError::AllZonesFailed`]).
    pub fn cause(&self) -> Option<&Error> {
        match self {
            BootstrapError::StartInstance(e)
            | BootstrapError::Interrupted(e)
            | BootstrapError::NoFinisher(e)
            | BootstrapError::Runtime(e)
            | BootstrapError::ZoneFailed { source: e, .. } => Some(e),
            BootstrapError::AllZonesFailed { tried } => tried.last().map(|(_, e)| e),
            _ => None,
        }
    }
}

/// Go's `%+q` of a `[]string`: `["zone1" "zone3"]`.
fn go_quoted(list: &[String]) -> String {
    let quoted: Vec<String> = list.iter().map(|s| format!("{s:?}")).collect();
    format!("[{}]", quoted.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    // The zone errors read as Juju's BootstrapInstance writes them.
    #[test]
    fn zone_error_messages() {
        let s = |v: &[&str]| v.iter().map(|z| z.to_string()).collect::<Vec<_>>();
        let e = BootstrapError::NoMatchingZones {
            available: s(&["zone1", "zone3"]),
            wanted: s(&["zone9"]),
        };
        assert_eq!(
            e.to_string(),
            r#"no available zones (["zone1" "zone3"]) matching bootstrap zone constraints (["zone9"])"#
        );
        let e = BootstrapError::AllZonesFailed {
            tried: vec![
                ("zone1".into(), Error::NotFound("a".into())),
                ("zone3".into(), Error::NotFound("b".into())),
            ],
        };
        assert_eq!(
            e.to_string(),
            "cannot start bootstrap instance in any availability zone (zone1, zone3)"
        );
        assert_eq!(e.cause().map(|c| c.to_string()).as_deref(), Some("b"));
        assert_eq!(
            BootstrapError::NoUsableZones.to_string(),
            "cannot start bootstrap instance: no usable availability zones"
        );
    }
}
