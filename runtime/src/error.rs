//! The runtime's error type: what an embedder can match on.
//!
//! A provider's own failures arrive as [`Error::Provider`] carrying the WIT
//! error record (kind, message, zone-independent flag). The Go sentinels
//! `ErrNoInstances`, `ErrPartialInstances` and `ErrNotBootstrapped` are
//! derived by the host and get their own variants so that every provider
//! produces them the same way. Traps, deadlines and limit breaches name the
//! guest function that was running; the instance that hit them has already
//! been replaced when the error is returned.

use std::fmt;
use std::time::Duration;

use crate::types::{ErrorKind, Instance};

/// The error record a provider returns (`juju:environs/types.error`).
pub type ProviderError = crate::types::Error;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when loading or calling a provider.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The provider returned an error record.
    #[error("{}", provider_message(.0))]
    Provider(ProviderError),

    /// `environs.ErrNoInstances`: none of the requested instances exist.
    #[error("instances not found")]
    NoInstances,

    /// `environs.ErrPartialInstances`: some slots are `None`; the others hold
    /// the instances that were found, in request order.
    #[error("only some instances were found")]
    PartialInstances(Vec<Option<Instance>>),

    /// `environs.ErrNotBootstrapped`.
    #[error("model is not bootstrapped")]
    NotBootstrapped,

    /// The component does not export the optional interface needed for the call.
    #[error("provider does not support {interface} (it does not export juju:environs/{interface})")]
    NotSupported {
        /// The WIT name of the missing interface, e.g. `"firewaller"`.
        interface: &'static str,
    },

    /// No provider is registered under this name or alias.
    #[error("no registered provider for {0:?}")]
    ProviderNotFound(String),

    /// A provider name or alias is already taken in the registry.
    #[error("duplicate provider name or alias {0:?}")]
    AlreadyRegistered(String),

    /// The bytes are not a provider component this runtime can run; the
    /// message says what is wrong.
    #[error("invalid provider component: {0}")]
    InvalidComponent(String),

    /// The guest trapped (or the host failed underneath it) during `function`;
    /// the instance was dropped and the next call gets a fresh one.
    #[error("provider trapped in {function}: {message}")]
    Trap {
        /// The WIT function that was running.
        function: String,
        /// What the trap said.
        message: String,
    },

    /// `function` did not return within the call deadline; the instance was
    /// dropped and the next call gets a fresh one.
    #[error("provider call {function} did not return within {after:?}")]
    Timeout {
        /// The WIT function that was running.
        function: String,
        /// The deadline that was exceeded.
        after: Duration,
    },

    /// `function` tried to grow memory past the instance's limit; the
    /// instance was dropped and the next call gets a fresh one.
    #[error("provider call {function} exceeded the instance memory limit")]
    MemoryLimit {
        /// The WIT function that was running.
        function: String,
    },

    /// A resource (an environ or a bootstrap finalizer) belonged to an
    /// instance that was replaced after a failure and cannot be recreated.
    #[error(
        "{function}: the provider instance that owned this resource was replaced after a failure"
    )]
    InstanceReplaced {
        /// The WIT function that was called.
        function: String,
    },

    /// A cloud spec does not fit the handle's domain: another cloud or
    /// another credential than the one it serves, or an endpoint that is not
    /// a URL. Use another handle for another credential.
    #[error("{0}")]
    Domain(String),

    /// A policy or grant is malformed (a network pattern that does not
    /// parse, a limit out of range); the message names it.
    #[error("invalid grant: {0}")]
    Grant(String),

    /// Host-side validation of the model configuration's core keys failed.
    #[error("invalid model config: {0}")]
    Config(String),

    /// `errors.NotFoundf` on the host: something the host looked up does
    /// not exist (a cloud region, the addresses of the controller
    /// instances). The message is complete, in Juju's words.
    #[error("{0}")]
    NotFound(String),

    /// `errors.NotValidf` on the host: a value the host checks is
    /// malformed (a cloud spec, a region spec). The message is complete, in
    /// Juju's words.
    #[error("{0}")]
    NotValid(String),

    /// Reading a component or preparing a granted directory failed.
    #[error("{context}: {source}")]
    Io {
        /// What the runtime was doing.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// The precompiled-artifact cache could not be used.
    #[error("component cache: {0}")]
    Cache(String),

    /// The engine could not be created or could not compile or instantiate a
    /// component for a reason that is not the component's fault.
    #[error("engine: {0}")]
    Engine(String),
}

fn provider_message(e: &ProviderError) -> String {
    if e.message.is_empty() {
        format!("provider error ({})", kind_name(e.kind))
    } else {
        e.message.clone()
    }
}

/// The WIT name of an error kind (`not-found`, …).
pub fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Other => "other",
        ErrorKind::NotFound => "not-found",
        ErrorKind::NotSupported => "not-supported",
        ErrorKind::NotImplemented => "not-implemented",
        ErrorKind::NotValid => "not-valid",
        ErrorKind::AlreadyExists => "already-exists",
        ErrorKind::NotBootstrapped => "not-bootstrapped",
        ErrorKind::CredentialNotValid => "credential-not-valid",
        ErrorKind::Unauthorized => "unauthorized",
        ErrorKind::Timeout => "timeout",
    }
}

impl Error {
    /// Juju's `AvailabilityZoneError.AvailabilityZoneIndependent()`: true when
    /// the provider said the same request would fail in every zone. Only
    /// provider errors can be zone independent.
    pub fn is_availability_zone_independent(&self) -> bool {
        matches!(self, Error::Provider(e) if e.zone_independent)
    }

    /// The kind of a provider error; `None` for every host-side error.
    pub fn kind(&self) -> Option<ErrorKind> {
        match self {
            Error::Provider(e) => Some(e.kind),
            _ => None,
        }
    }

    /// `errors.IsNotFound`: a provider `not-found` error, an unknown
    /// registry name, `ErrNoInstances`, or a host [`Error::NotFound`].
    pub fn is_not_found(&self) -> bool {
        match self {
            Error::Provider(e) => e.kind == ErrorKind::NotFound,
            Error::NoInstances | Error::ProviderNotFound(_) | Error::NotFound(_) => true,
            _ => false,
        }
    }

    /// `errors.IsNotValid`: a provider `not-valid` error or a host
    /// [`Error::NotValid`].
    pub fn is_not_valid(&self) -> bool {
        match self {
            Error::Provider(e) => e.kind == ErrorKind::NotValid,
            Error::NotValid(_) => true,
            _ => false,
        }
    }

    /// `errors.IsNotSupported`: a provider `not-supported` error or an
    /// optional interface the component does not export.
    pub fn is_not_supported(&self) -> bool {
        match self {
            Error::Provider(e) => e.kind == ErrorKind::NotSupported,
            Error::NotSupported { .. } => true,
            _ => false,
        }
    }

    /// True for errors after which the instance was dropped and replaced
    /// (trap, deadline, memory limit).
    pub fn is_instance_failure(&self) -> bool {
        matches!(
            self,
            Error::Trap { .. } | Error::Timeout { .. } | Error::MemoryLimit { .. }
        )
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

impl From<ProviderError> for Error {
    fn from(e: ProviderError) -> Self {
        Error::Provider(e)
    }
}

impl fmt::Display for crate::types::ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(kind_name(*self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn perr(kind: ErrorKind, message: &str, zone_independent: bool) -> Error {
        Error::Provider(ProviderError {
            kind,
            message: message.into(),
            zone_independent,
        })
    }

    #[test]
    fn sentinel_messages_match_go() {
        assert_eq!(Error::NoInstances.to_string(), "instances not found");
        assert_eq!(
            Error::PartialInstances(vec![None]).to_string(),
            "only some instances were found"
        );
        assert_eq!(
            Error::NotBootstrapped.to_string(),
            "model is not bootstrapped"
        );
    }

    #[test]
    fn provider_error_shows_its_message() {
        let e = perr(ErrorKind::NotFound, "instance i-1 not found", false);
        assert_eq!(e.to_string(), "instance i-1 not found");
        assert!(e.is_not_found());
        assert!(!e.is_not_supported());
        assert_eq!(e.kind(), Some(ErrorKind::NotFound));
        let e = perr(ErrorKind::NotSupported, "", false);
        assert_eq!(e.to_string(), "provider error (not-supported)");
        assert!(e.is_not_supported());
    }

    #[test]
    fn zone_independence_only_from_provider_errors() {
        assert!(perr(ErrorKind::Other, "bad image", true).is_availability_zone_independent());
        assert!(!perr(ErrorKind::Other, "zone full", false).is_availability_zone_independent());
        assert!(!Error::NoInstances.is_availability_zone_independent());
        assert!(
            !Error::Timeout {
                function: "start-instance".into(),
                after: Duration::from_secs(1)
            }
            .is_availability_zone_independent()
        );
    }

    #[test]
    fn host_errors_name_the_problem() {
        let e = Error::NotSupported {
            interface: "firewaller",
        };
        assert!(e.is_not_supported());
        assert!(e.to_string().contains("juju:environs/firewaller"));
        assert!(Error::ProviderNotFound("ec2".into()).is_not_found());
        let e = Error::NotFound("addresses for [i-0] not found".into());
        assert!(e.is_not_found() && !e.is_not_valid());
        assert_eq!(e.to_string(), "addresses for [i-0] not found");
        let e = Error::NotValid("empty Type not valid".into());
        assert!(e.is_not_valid() && !e.is_not_found());
        assert!(perr(ErrorKind::NotValid, "bad", false).is_not_valid());
        let e = Error::Trap {
            function: "instances".into(),
            message: "unreachable".into(),
        };
        assert!(e.is_instance_failure());
        assert_eq!(e.to_string(), "provider trapped in instances: unreachable");
    }
}
