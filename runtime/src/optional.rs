//! The optional environ-level interfaces, as methods of [`Environ`], and
//! the `Supports*` helpers of the environs package.
//!
//! Each method returns [`crate::Error::NotSupported`] when the component
//! does not export its interface; check first with
//! [`ProviderHandle::supports`](crate::ProviderHandle::supports) or
//! [`Environ::supports`].

use crate::environ::{Environ, call_environ_optional};
use crate::error::Result;
use crate::handle::flat;
use crate::inspect::OptionalInterface;
use crate::types::{
    AttachVolumeResult, AvailabilityZone, CreateVolumeResult, IngressRule, InterfaceInfo,
    LxdProfile, ProviderError, ProviderInterfaceInfo, ProviderSpace, SpaceAddress, SpaceInfo,
    StartInstanceParams, StoragePool, SubnetInfo, UpgradeOperation, UpgradeOperationsParams,
    Volume, VolumeAttachmentParams, VolumeParams,
};

/// Generates one `Environ` method per optional-interface function: each
/// calls the method of the same name of the version dispatch
/// (`bindings::calls`) with the same arguments.
macro_rules! optional_methods {
    ($(
        $(#[$doc:meta])*
        $iface:ident:
        fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = $wit:literal;
    )*) => {
        impl Environ {
            $(
                $(#[$doc])*
                pub async fn $name(&self $(, $arg: $ty)*) -> Result<$ret> {
                    flat(call_environ_optional!(self, $iface, $wit, |store, g, env| g
                        .$name(store, env $(, $arg)*)))
                }
            )*
        }
    };
}

optional_methods! {
    /// `Firewaller.OpenPorts` (model-wide, `firewall-mode=global`).
    Firewaller:
    fn open_ports(rules: &[IngressRule]) -> () = "firewaller.open-ports";
    /// `Firewaller.ClosePorts`.
    Firewaller:
    fn close_ports(rules: &[IngressRule]) -> () = "firewaller.close-ports";
    /// `Firewaller.IngressRules`: one rule per port range, sorted.
    Firewaller:
    fn ingress_rules() -> Vec<IngressRule> = "firewaller.ingress-rules";

    /// `InstanceFirewaller.OpenPorts` (per instance, `firewall-mode=instance`).
    InstanceFirewaller:
    fn open_instance_ports(instance_id: &str, machine_id: &str, rules: &[IngressRule]) -> () = "instance-firewaller.open-ports";
    /// `InstanceFirewaller.ClosePorts`.
    InstanceFirewaller:
    fn close_instance_ports(instance_id: &str, machine_id: &str, rules: &[IngressRule]) -> () = "instance-firewaller.close-ports";
    /// `InstanceFirewaller.IngressRules`.
    InstanceFirewaller:
    fn instance_ingress_rules(instance_id: &str, machine_id: &str) -> Vec<IngressRule> = "instance-firewaller.ingress-rules";

    /// `Networking.Subnets`: `instance_id` may be empty (unknown instance).
    Networking:
    fn subnets(instance_id: &str, subnet_ids: &[String]) -> Vec<SubnetInfo> = "networking.subnets";
    /// `Networking.SuperSubnets`.
    Networking:
    fn super_subnets() -> Vec<String> = "networking.super-subnets";
    /// `Networking.NetworkInterfaces` of one instance.
    Networking:
    fn network_interfaces(instance_id: &str) -> Vec<InterfaceInfo> = "networking.network-interfaces";
    /// `Networking.SupportsSpaces` (the provider's own answer; see also
    /// [`crate::supports_spaces`]).
    Networking:
    fn supports_spaces() -> bool = "networking.supports-spaces";
    /// `Networking.SupportsSpaceDiscovery`.
    Networking:
    fn supports_space_discovery() -> bool = "networking.supports-space-discovery";
    /// `Networking.Spaces`.
    Networking:
    fn spaces() -> Vec<SpaceInfo> = "networking.spaces";
    /// `Networking.ProviderSpaceInfo`; `None` = the default space.
    Networking:
    fn provider_space_info(space: Option<&SpaceInfo>) -> ProviderSpace = "networking.provider-space-info";
    /// `Networking.AreSpacesRoutable`.
    Networking:
    fn are_spaces_routable(space1: &ProviderSpace, space2: &ProviderSpace) -> bool = "networking.are-spaces-routable";
    /// `Networking.SupportsContainerAddresses` (see also
    /// [`crate::supports_container_addresses`]).
    Networking:
    fn supports_container_addresses() -> bool = "networking.supports-container-addresses";
    /// `Networking.AllocateContainerAddresses`.
    Networking:
    fn allocate_container_addresses(host_instance_id: &str, container_tag: &str, prepared_info: &[InterfaceInfo]) -> Vec<InterfaceInfo> = "networking.allocate-container-addresses";
    /// `Networking.ReleaseContainerAddresses`.
    Networking:
    fn release_container_addresses(interfaces: &[ProviderInterfaceInfo]) -> () = "networking.release-container-addresses";
    /// `Networking.SSHAddresses`.
    Networking:
    fn ssh_addresses(addresses: &[SpaceAddress]) -> Vec<SpaceAddress> = "networking.ssh-addresses";

    /// `InstanceTagger.TagInstance`: replaces tags of the same names.
    InstanceTagger:
    fn tag_instance(instance_id: &str, tags: &[(String, String)]) -> () = "instance-tagger.tag-instance";

    /// `Upgrader` step `step` (0-based) of the operation with `target_version`.
    Upgrader:
    fn run_upgrade_step(params: &UpgradeOperationsParams, target_version: u32, step: u32) -> () = "upgrader.run-step";

    /// `LXDProfiler.MaybeWriteLXDProfile`.
    LxdProfiler:
    fn maybe_write_lxd_profile(name: &str, profile: Option<&LxdProfile>) -> () = "lxd-profiler.maybe-write-lxd-profile";
    /// `LXDProfiler.LXDProfileNames`.
    LxdProfiler:
    fn lxd_profile_names(container_name: &str) -> Vec<String> = "lxd-profiler.lxd-profile-names";
    /// `LXDProfiler.ReplaceOrAddInstanceProfile`; `None` removes `old_profile`.
    LxdProfiler:
    fn replace_or_add_instance_profile(instance_id: &str, old_profile: &str, new_profile: &str, profile: Option<&LxdProfile>) -> Vec<String> = "lxd-profiler.replace-or-add-instance-profile";

    /// `AvailabilityZones`.
    AvailabilityZones:
    fn availability_zones() -> Vec<AvailabilityZone> = "availability-zones.availability-zones";
    /// `InstanceAvailabilityZoneNames`: one slot per id, `None` where the
    /// instance was not found.
    AvailabilityZones:
    fn instance_availability_zone_names(ids: &[String]) -> Vec<Option<String>> = "availability-zones.instance-availability-zone-names";
    /// `DeriveAvailabilityZones`: zones implied by placement or volumes.
    AvailabilityZones:
    fn derive_availability_zones(params: &StartInstanceParams) -> Vec<String> = "availability-zones.derive-availability-zones";

    /// `VolumeSource.ValidateVolumeParams`.
    VolumeSource:
    fn validate_volume_params(pool: &StoragePool, params: &VolumeParams) -> () = "volume-source.validate-volume-params";
    /// `storage.Provider.ValidateConfig` for a pool of a dynamic provider.
    VolumeSource:
    fn validate_storage_config(pool: &StoragePool) -> () = "volume-source.validate-config";
    /// `VolumeSource.CreateVolumes`.
    VolumeSource:
    fn create_volumes(pool: &StoragePool, params: &[VolumeParams]) -> Vec<CreateVolumeResult> = "volume-source.create-volumes";
    /// `VolumeSource.ListVolumes`.
    VolumeSource:
    fn list_volumes(pool: &StoragePool) -> Vec<String> = "volume-source.list-volumes";
    /// `VolumeSource.DescribeVolumes`: one result per id.
    VolumeSource:
    fn describe_volumes(pool: &StoragePool, volume_ids: &[String]) -> Vec<std::result::Result<Volume, ProviderError>> = "volume-source.describe-volumes";
    /// `VolumeSource.DestroyVolumes`: one optional error per id.
    VolumeSource:
    fn destroy_volumes(pool: &StoragePool, volume_ids: &[String]) -> Vec<Option<ProviderError>> = "volume-source.destroy-volumes";
    /// `VolumeSource.ReleaseVolumes`: one optional error per id.
    VolumeSource:
    fn release_volumes(pool: &StoragePool, volume_ids: &[String]) -> Vec<Option<ProviderError>> = "volume-source.release-volumes";
    /// `VolumeSource.AttachVolumes`.
    VolumeSource:
    fn attach_volumes(pool: &StoragePool, params: &[VolumeAttachmentParams]) -> Vec<AttachVolumeResult> = "volume-source.attach-volumes";
    /// `VolumeSource.DetachVolumes`: one optional error per attachment.
    VolumeSource:
    fn detach_volumes(pool: &StoragePool, params: &[VolumeAttachmentParams]) -> Vec<Option<ProviderError>> = "volume-source.detach-volumes";
}

impl Environ {
    /// True when the provider exports the optional interface `i`.
    pub fn supports(&self, i: OptionalInterface) -> bool {
        self.provider().supports(i)
    }

    /// `Upgrader.UpgradeOperations`.
    pub async fn upgrade_operations(
        &self,
        params: &UpgradeOperationsParams,
    ) -> Result<Vec<UpgradeOperation>> {
        flat(call_environ_optional!(
            self,
            Upgrader,
            "upgrader.upgrade-operations",
            |store, g, env| g.upgrade_operations(store, env, params)
        ))
    }

    /// `DefaultConstraintsChecker.ShouldApplyControllerConstraints`.
    pub async fn should_apply_controller_constraints(&self) -> Result<bool> {
        flat(call_environ_optional!(
            self,
            DefaultConstraintsChecker,
            "default-constraints-checker.should-apply-controller-constraints",
            |store, g, env| g.should_apply_controller_constraints(store, env)
        ))
    }
}

/// `environs.SupportsNetworking`: the component exports `networking`.
pub async fn supports_networking(env: &Environ) -> bool {
    env.supports(OptionalInterface::Networking)
}

/// `environs.SupportsSpaces`: exports `networking` and the provider says
/// it supports spaces. A `not-supported` answer, or any error, is `false`
/// (logged).
pub async fn supports_spaces(env: &Environ) -> bool {
    if !env.supports(OptionalInterface::Networking) {
        return false;
    }
    answer(env.supports_spaces().await, "supports-spaces")
}

/// `environs.SupportsContainerAddresses`: exports `networking` and the
/// provider says it supports container addresses. A `not-supported`
/// answer, or any error, is `false` (logged).
pub async fn supports_container_addresses(env: &Environ) -> bool {
    if !env.supports(OptionalInterface::Networking) {
        return false;
    }
    answer(
        env.supports_container_addresses().await,
        "supports-container-addresses",
    )
}

fn answer(r: Result<bool>, function: &str) -> bool {
    match r {
        Ok(b) => b,
        Err(e) if e.is_not_supported() => {
            tracing::debug!(target: "strato::runtime", function, error = %e, "provider answered not supported");
            false
        }
        Err(e) => {
            tracing::warn!(target: "strato::runtime", function, error = %e, "provider failed; assuming not supported");
            false
        }
    }
}
