//! Strato's EC2 provider: Juju's `provider/ec2` over the EC2 Query API, as
//! a WebAssembly component. Every request goes through `wasi:http` with
//! the SigV4 marker; the host signs it with the secret key the provider
//! never sees.
//!
//! Exported optional interfaces: `firewaller` (global firewall mode),
//! `instance-firewaller` (instance mode), `networking`, `volume-source`
//! (EBS) and `availability-zones`; `adopt-resources` re-tags the model's
//! resources.

mod adopt;
mod client;
mod config;
mod detect;
mod ebs;
mod environ;
mod firewall;
mod groups;
mod instances;
mod itypes;
mod networking;
mod provider;
mod start;
mod userdata;
mod volumes;
mod xml;

pub use environ::Ec2Environ;
pub use provider::Ec2Provider;

// Only for detect-credentials (client side): the AWS variables and the
// shared credentials directory, each lent only when the operator grants it.
strato_guest::capabilities! {
    env: [
        "AWS_ACCESS_KEY_ID",
        "AWS_ACCESS_KEY",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SECRET_KEY",
        "EC2_ACCESS_KEY",
        "EC2_SECRET_KEY",
        "AWS_PROFILE",
        "USER",
    ],
    read: ["~/.aws"],
}

strato_guest::export_provider!(
    Ec2Provider with firewaller,
    instance_firewaller,
    networking,
    volume_source,
    availability_zones
);
