//! Errors a provider returns: the WIT `error` record with a kind, a message
//! and the zone-independent flag, plus one constructor per kind.
//!
//! ```
//! use strato_guest::{Error, ErrorKind};
//!
//! let err = Error::not_valid("missing machine nonce").zone_independent();
//! assert_eq!(err.kind, ErrorKind::NotValid);
//! assert!(err.zone_independent);
//!
//! // A capacity problem in one zone: the host may retry in another zone.
//! let err = Error::other("zone2 is out of capacity");
//! assert!(!err.zone_independent);
//! ```

use crate::types::{Error, ErrorKind};

/// `Result` with the provider [`Error`] as its default error type.
pub type Result<T, E = Error> = core::result::Result<T, E>;

impl Error {
    /// An error of `kind`. Like every constructor here, it is *not*
    /// zone-independent: Juju retries such a failure in another zone unless
    /// [`Error::zone_independent`] says it would fail everywhere.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            zone_independent: false,
        }
    }

    /// Any failure without a more precise kind.
    pub fn other(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Other, message)
    }

    /// `errors.NotFound`: the thing asked for does not exist.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    /// `errors.NotSupported`: the cloud or provider cannot do this.
    pub fn not_supported(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotSupported, message)
    }

    /// `errors.NotImplemented`: the provider has not implemented this.
    pub fn not_implemented(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotImplemented, message)
    }

    /// `errors.NotValid`: bad input (config, constraints, parameters).
    pub fn not_valid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotValid, message)
    }

    /// `errors.AlreadyExists`.
    pub fn already_exists(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::AlreadyExists, message)
    }

    /// `environs.ErrNotBootstrapped`; the host turns it into its own sentinel.
    pub fn not_bootstrapped() -> Self {
        Self::new(ErrorKind::NotBootstrapped, "model is not bootstrapped")
    }

    /// `common.CredentialNotValid`: the cloud rejected the credential. Call
    /// [`context::invalidate_credential`](crate::context::invalidate_credential)
    /// too, so the host stops using it.
    pub fn credential_not_valid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::CredentialNotValid, message)
    }

    /// `errors.Unauthorized`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthorized, message)
    }

    /// `errors.Timeout`.
    pub fn timeout(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Timeout, message)
    }

    /// Marks the error as one that would happen in every availability zone
    /// (Juju's `AvailabilityZoneIndependent()`), so the host does not retry
    /// the start in another zone.
    #[must_use]
    pub fn zone_independent(mut self) -> Self {
        self.zone_independent = true;
        self
    }

    /// Prefixes the message with what was being done: `"<what>: <message>"`.
    #[must_use]
    pub fn context(mut self, what: impl AsRef<str>) -> Self {
        self.message = format!("{}: {}", what.as_ref(), self.message);
        self
    }

    /// True when the error has kind `kind`.
    pub fn is(&self, kind: ErrorKind) -> bool {
        self.kind == kind
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        match err.kind() {
            std::io::ErrorKind::NotFound => Error::not_found(err.to_string()),
            std::io::ErrorKind::TimedOut => Error::timeout(err.to_string()),
            _ => Error::other(err.to_string()),
        }
    }
}
