//! Strato's EC2 provider: Juju's `provider/ec2` over the EC2 Query API, as
//! a WebAssembly component. Every request goes through `wasi:http` with
//! the SigV4 marker; the host signs it with the secret key the provider
//! never sees.
//!
//! Exported optional interfaces: `firewaller` (global firewall mode) and
//! `availability-zones`. Not yet: volumes, networking, per-instance
//! firewalling, adopt-resources.

mod client;
mod config;
mod environ;
mod firewall;
mod groups;
mod instances;
mod itypes;
mod provider;
mod start;
mod xml;

pub use environ::Ec2Environ;
pub use provider::Ec2Provider;

strato_guest::export_provider!(Ec2Provider with firewaller, availability_zones);
