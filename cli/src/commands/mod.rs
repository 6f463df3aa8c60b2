//! One module per `strato` subcommand, plus what they share.

pub(crate) mod clouds;
pub mod config;
pub mod conformance;
pub mod demo;
mod fixture;
pub mod inspect;
pub mod lifecycle;
pub(crate) mod runtime;
mod target;
