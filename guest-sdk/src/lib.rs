#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

#[allow(missing_docs)]
mod bindings;
pub mod bootstrap;
pub mod config;
pub mod constraints;
pub mod context;
pub mod credential;
mod error;
mod export;
pub mod http;
pub mod instance_types;
pub mod log;
pub mod manifest;
mod optional;
mod provider;

pub use error::Result;
pub use optional::*;
pub use provider::*;
pub use strato_guest_macros::{capabilities, export_provider};
pub use types::{Error, ErrorKind};

/// The records of the contract (WIT interface `common`; 0.1.0 called it
/// `types`, and the SDK keeps that name for the module).
pub use bindings::juju::environs::common as types;

#[doc(hidden)]
pub mod __private {
    pub use crate::bindings::juju::environs::{
        bootstrap_context, call_context, credential, instance_types, log,
    };
    pub use wit_bindgen;
}
