//! One module per `strato` subcommand, plus what they share.

pub mod conformance;
pub mod demo;
mod fixture;
pub mod inspect;
mod runtime;
