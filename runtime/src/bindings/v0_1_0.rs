//! Bindings for `juju:environs@0.1.0` (frozen), generated from
//! `wit/since_v0.1.0/` by `wasmtime::component::bindgen!`.
//!
//! The records of 0.1.0's `types` interface are those of 0.2.0's `common`
//! (only the interface was renamed), so `with` maps one onto the other:
//! both versions share one set of Rust types, and the component model
//! type-checks them structurally. What 0.1.0 defines on its own — the
//! `log.level` enum, `environ.bootstrap-result`, the `volume-source`
//! results — is converted where the host meets it.

#![allow(missing_docs, unused, clippy::all)]

/// The WIT package version these bindings were generated from.
pub const WIT_VERSION: &str = "0.1.0";

wasmtime::component::bindgen!({
    path: "../wit/since_v0.1.0",
    world: "juju:environs/full-provider",
    imports: { default: async },
    exports: { default: async },
    additional_derives: [PartialEq],
    with: {
        "juju:environs/types": super::v0_2_0::juju::environs::common,
    },
});

crate::bindings::guest_sets! {
    environ;
    firewaller: firewaller = Firewaller,
    instance_firewaller: instance_firewaller = InstanceFirewaller,
    networking: networking = Networking,
    instance_tagger: instance_tagger = InstanceTagger,
    upgrader: upgrader = Upgrader,
    lxd_profiler: lxd_profiler = LxdProfiler,
    default_constraints_checker: default_constraints_checker = DefaultConstraintsChecker,
    availability_zones: availability_zones = AvailabilityZones,
    cloud_detector: cloud_detector = CloudDetector,
    cloud_region_detector: cloud_region_detector = CloudRegionDetector,
    cloud_finalizer: cloud_finalizer = CloudFinalizer,
    credentials_register: credentials_register = CredentialsRegister,
    request_finalize_credential: request_finalize_credential = RequestFinalizeCredential,
    model_config_upgrader: model_config_upgrader = ModelConfigUpgrader,
    provider_schema: provider_schema = ProviderSchema,
    volume_source: volume_source = VolumeSource,
}
