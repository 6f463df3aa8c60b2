//! One module per `strato` subcommand, plus what they share.

mod clouds;
pub mod conformance;
pub mod demo;
mod fixture;
pub mod inspect;
mod runtime;
mod target;
