//! Bindings for `juju:environs@0.2.0`, generated from `wit/` by
//! `wasmtime::component::bindgen!`.
//!
//! The host never instantiates the whole `full-provider` world: a provider
//! exports only the optional interfaces its cloud supports, so each exported
//! interface is looked up on its own through its generated `GuestIndices`.
//! Its `common` records are the ones every version shares (see `v0_1_0`).

#![allow(missing_docs, unused, clippy::all)]

/// The WIT package version these bindings were generated from.
pub const WIT_VERSION: &str = "0.2.0";

wasmtime::component::bindgen!({
    path: "../wit",
    world: "juju:environs/full-provider",
    imports: { default: async },
    exports: { default: async },
    additional_derives: [PartialEq],
});

crate::bindings::guest_sets! {
    model;
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
