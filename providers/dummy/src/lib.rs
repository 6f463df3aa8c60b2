//! Strato's reference provider: Juju's `provider/dummy`, persistent.
//!
//! It behaves like Juju's in-memory dummy provider (instance ids, addresses
//! and hardware from constraints, zones zone1..zone4 with zone2
//! unavailable, both firewall modes, networking, tagging, upgrade steps and
//! the `broken` attribute), but returns errors where Juju's panics, and
//! keeps each model's state as JSON in the granted state directory so a
//! second process sees the same instances. It exports every optional
//! interface of `juju:environs@0.2.0`, and declares one capability: its
//! state directory (no network beyond its cloud, no secret revealed).
//!
//! For tests of the host's zone-aware logic it injects failures on demand,
//! from model configuration (module `faults`): `fail-zones` (start-instance fails
//! in those zones, zone-specific), `fail-start` (fails everywhere,
//! zone-independent or not), `late-addresses` (new instances show no
//! addresses for a while) and `host-bootstrap` (the host starts the
//! bootstrap machine itself).

mod config;
mod environ;
mod faults;
mod firewall;
mod instances;
mod lxd;
mod networking;
mod provider;
mod state;
mod storage;
mod tags;
mod upgrader;
mod zones;

pub use provider::DummyProvider;

strato_guest::capabilities! { state_dir: true }

strato_guest::export_provider!(DummyProvider with
    firewaller,
    instance_firewaller,
    networking,
    instance_tagger,
    upgrader,
    lxd_profiler,
    default_constraints_checker,
    availability_zones,
    cloud_detector,
    cloud_region_detector,
    cloud_finalizer,
    credentials_register,
    request_finalize_credential,
    model_config_upgrader,
    provider_schema,
    volume_source,
);

#[cfg(test)]
mod lifecycle_tests;
