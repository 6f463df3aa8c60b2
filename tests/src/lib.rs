//! Strato's integration suites.
//!
//! - [`conformance`]: the behaviour contracts of Juju's `environs`, runnable
//!   against any provider component with a fixture; re-exported from the
//!   `strato-conformance` crate (which `strato conformance` uses too).
//! - [`guests`]: paths of the components built from source by this crate's
//!   build script: the dummy provider and the test guests in `tests/guests/`.
//! - [`server`]: a small HTTP/1.1 server on 127.0.0.1 that records what
//!   reached it, for the sandbox's network tests.
//! - [`moto`]: moto as an EC2 endpoint that verifies SigV4 signatures.
//!
//! The test binary is `tests/all/main.rs`.

pub use strato_conformance as conformance;

pub mod moto;
pub mod server;

/// Paths of the guest components built by `build.rs`, one constant per
/// package: `STRATO_DUMMY_COMPONENT`, `GUEST_MISBEHAVE_COMPONENT`, …
pub mod guests {
    include!(concat!(env!("OUT_DIR"), "/gen.rs"));
}
