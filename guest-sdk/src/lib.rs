#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

#[allow(missing_docs)]
mod bindings;
pub mod bootstrap;
pub mod config;
pub mod constraints;
pub mod context;
mod error;
mod export;
pub mod log;
mod optional;
mod provider;

pub use error::Result;
pub use optional::*;
pub use provider::*;
pub use strato_guest_macros::export_provider;
pub use types::{Error, ErrorKind};

pub use bindings::juju::environs::types;

#[doc(hidden)]
pub mod __private {
    pub use crate::bindings::juju::environs::{bootstrap_context, call_context, log};
    pub use wit_bindgen;
}
