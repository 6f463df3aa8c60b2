//! The optional environ-level interfaces, as methods of [`Environ`], and
//! the `Supports*` helpers of the environs package.
//!
//! Each method returns [`crate::Error::NotSupported`] when the component
//! does not export its interface; check first with
//! [`ProviderHandle::supports`](crate::ProviderHandle::supports) or
//! [`Environ::supports`].

use crate::environ::{Environ, call_environ, call_environ_optional};
use crate::error::Result;
use crate::handle::flat;
use crate::inspect::OptionalInterface;
use crate::types::{
    AttachVolumeResult, AvailabilityZone, CreateVolumeResult, IngressRule, InterfaceInfo,
    LxdProfile, ProviderError, ProviderInterfaceInfo, ProviderSpace, SpaceAddress, SpaceInfo,
    StartInstanceParams, StoragePool, SubnetInfo, UpgradeOperation, UpgradeOperationsParams,
    Volume, VolumeAttachmentParams, VolumeParams,
};

/// Generates one `Environ` method per optional-interface function whose
/// result is `result<T, error>`.
macro_rules! optional_methods {
    ($(
        $(#[$doc:meta])*
        $iface:ident / $field:ident :
        fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = $wit:literal => $call:ident($($pass:expr),*);
    )*) => {
        impl Environ {
            $(
                $(#[$doc])*
                pub async fn $name(&self $(, $arg: $ty)*) -> Result<$ret> {
                    flat(call_environ_optional!(self, $iface, $field, $wit, |store, g, env| g
                        .$call(store, env $(, $pass)*)))
                }
            )*
        }
    };
}

optional_methods! {
    /// `Firewaller.OpenPorts` (model-wide, `firewall-mode=global`).
    Firewaller / firewaller:
    fn open_ports(rules: &[IngressRule]) -> () = "firewaller.open-ports" => call_open_ports(rules);
    /// `Firewaller.ClosePorts`.
    Firewaller / firewaller:
    fn close_ports(rules: &[IngressRule]) -> () = "firewaller.close-ports" => call_close_ports(rules);
    /// `Firewaller.IngressRules`: one rule per port range, sorted.
    Firewaller / firewaller:
    fn ingress_rules() -> Vec<IngressRule> = "firewaller.ingress-rules" => call_ingress_rules();

    /// `InstanceFirewaller.OpenPorts` (per instance, `firewall-mode=instance`).
    InstanceFirewaller / instance_firewaller:
    fn open_instance_ports(instance_id: &str, machine_id: &str, rules: &[IngressRule]) -> ()
        = "instance-firewaller.open-ports" => call_open_ports(instance_id, machine_id, rules);
    /// `InstanceFirewaller.ClosePorts`.
    InstanceFirewaller / instance_firewaller:
    fn close_instance_ports(instance_id: &str, machine_id: &str, rules: &[IngressRule]) -> ()
        = "instance-firewaller.close-ports" => call_close_ports(instance_id, machine_id, rules);
    /// `InstanceFirewaller.IngressRules`.
    InstanceFirewaller / instance_firewaller:
    fn instance_ingress_rules(instance_id: &str, machine_id: &str) -> Vec<IngressRule>
        = "instance-firewaller.ingress-rules" => call_ingress_rules(instance_id, machine_id);

    /// `Networking.Subnets`: `instance_id` may be empty (unknown instance).
    Networking / networking:
    fn subnets(instance_id: &str, subnet_ids: &[String]) -> Vec<SubnetInfo>
        = "networking.subnets" => call_subnets(instance_id, subnet_ids);
    /// `Networking.SuperSubnets`.
    Networking / networking:
    fn super_subnets() -> Vec<String> = "networking.super-subnets" => call_super_subnets();
    /// `Networking.NetworkInterfaces` of one instance.
    Networking / networking:
    fn network_interfaces(instance_id: &str) -> Vec<InterfaceInfo>
        = "networking.network-interfaces" => call_network_interfaces(instance_id);
    /// `Networking.SupportsSpaces` (the provider's own answer; see also
    /// [`crate::supports_spaces`]).
    Networking / networking:
    fn supports_spaces() -> bool = "networking.supports-spaces" => call_supports_spaces();
    /// `Networking.SupportsSpaceDiscovery`.
    Networking / networking:
    fn supports_space_discovery() -> bool
        = "networking.supports-space-discovery" => call_supports_space_discovery();
    /// `Networking.Spaces`.
    Networking / networking:
    fn spaces() -> Vec<SpaceInfo> = "networking.spaces" => call_spaces();
    /// `Networking.ProviderSpaceInfo`; `None` = the default space.
    Networking / networking:
    fn provider_space_info(space: Option<&SpaceInfo>) -> ProviderSpace
        = "networking.provider-space-info" => call_provider_space_info(space);
    /// `Networking.AreSpacesRoutable`.
    Networking / networking:
    fn are_spaces_routable(space1: &ProviderSpace, space2: &ProviderSpace) -> bool
        = "networking.are-spaces-routable" => call_are_spaces_routable(space1, space2);
    /// `Networking.SupportsContainerAddresses` (see also
    /// [`crate::supports_container_addresses`]).
    Networking / networking:
    fn supports_container_addresses() -> bool
        = "networking.supports-container-addresses" => call_supports_container_addresses();
    /// `Networking.AllocateContainerAddresses`.
    Networking / networking:
    fn allocate_container_addresses(host_instance_id: &str, container_tag: &str, prepared_info: &[InterfaceInfo]) -> Vec<InterfaceInfo>
        = "networking.allocate-container-addresses"
        => call_allocate_container_addresses(host_instance_id, container_tag, prepared_info);
    /// `Networking.ReleaseContainerAddresses`.
    Networking / networking:
    fn release_container_addresses(interfaces: &[ProviderInterfaceInfo]) -> ()
        = "networking.release-container-addresses" => call_release_container_addresses(interfaces);
    /// `Networking.SSHAddresses`.
    Networking / networking:
    fn ssh_addresses(addresses: &[SpaceAddress]) -> Vec<SpaceAddress>
        = "networking.ssh-addresses" => call_ssh_addresses(addresses);

    /// `InstanceTagger.TagInstance`: replaces tags of the same names.
    InstanceTagger / instance_tagger:
    fn tag_instance(instance_id: &str, tags: &[(String, String)]) -> ()
        = "instance-tagger.tag-instance" => call_tag_instance(instance_id, &tags.to_vec());

    /// `Upgrader` step `step` (0-based) of the operation with `target_version`.
    Upgrader / upgrader:
    fn run_upgrade_step(params: &UpgradeOperationsParams, target_version: u32, step: u32) -> ()
        = "upgrader.run-step" => call_run_step(params, target_version, step);

    /// `LXDProfiler.MaybeWriteLXDProfile`.
    LxdProfiler / lxd_profiler:
    fn maybe_write_lxd_profile(name: &str, profile: Option<&LxdProfile>) -> ()
        = "lxd-profiler.maybe-write-lxd-profile" => call_maybe_write_lxd_profile(name, profile);
    /// `LXDProfiler.LXDProfileNames`.
    LxdProfiler / lxd_profiler:
    fn lxd_profile_names(container_name: &str) -> Vec<String>
        = "lxd-profiler.lxd-profile-names" => call_lxd_profile_names(container_name);
    /// `LXDProfiler.ReplaceOrAddInstanceProfile`; `None` removes `old_profile`.
    LxdProfiler / lxd_profiler:
    fn replace_or_add_instance_profile(instance_id: &str, old_profile: &str, new_profile: &str, profile: Option<&LxdProfile>) -> Vec<String>
        = "lxd-profiler.replace-or-add-instance-profile"
        => call_replace_or_add_instance_profile(instance_id, old_profile, new_profile, profile);

    /// `AvailabilityZones`.
    AvailabilityZones / availability_zones:
    fn availability_zones() -> Vec<AvailabilityZone>
        = "availability-zones.availability-zones" => call_availability_zones();
    /// `InstanceAvailabilityZoneNames`: one slot per id, `None` where the
    /// instance was not found.
    AvailabilityZones / availability_zones:
    fn instance_availability_zone_names(ids: &[String]) -> Vec<Option<String>>
        = "availability-zones.instance-availability-zone-names"
        => call_instance_availability_zone_names(ids);
    /// `DeriveAvailabilityZones`: zones implied by placement or volumes.
    AvailabilityZones / availability_zones:
    fn derive_availability_zones(params: &StartInstanceParams) -> Vec<String>
        = "availability-zones.derive-availability-zones" => call_derive_availability_zones(params);

    /// `VolumeSource.ValidateVolumeParams`.
    VolumeSource / volume_source:
    fn validate_volume_params(pool: &StoragePool, params: &VolumeParams) -> ()
        = "volume-source.validate-volume-params" => call_validate_volume_params(pool, params);
    /// `storage.Provider.ValidateConfig` for a pool of a dynamic provider.
    VolumeSource / volume_source:
    fn validate_storage_config(pool: &StoragePool) -> ()
        = "volume-source.validate-config" => call_validate_config(pool);
    /// `VolumeSource.CreateVolumes`.
    VolumeSource / volume_source:
    fn create_volumes(pool: &StoragePool, params: &[VolumeParams]) -> Vec<CreateVolumeResult>
        = "volume-source.create-volumes" => call_create_volumes(pool, params);
    /// `VolumeSource.ListVolumes`.
    VolumeSource / volume_source:
    fn list_volumes(pool: &StoragePool) -> Vec<String>
        = "volume-source.list-volumes" => call_list_volumes(pool);
    /// `VolumeSource.DescribeVolumes`: one result per id.
    VolumeSource / volume_source:
    fn describe_volumes(pool: &StoragePool, volume_ids: &[String]) -> Vec<std::result::Result<Volume, ProviderError>>
        = "volume-source.describe-volumes" => call_describe_volumes(pool, volume_ids);
    /// `VolumeSource.DestroyVolumes`: one optional error per id.
    VolumeSource / volume_source:
    fn destroy_volumes(pool: &StoragePool, volume_ids: &[String]) -> Vec<Option<ProviderError>>
        = "volume-source.destroy-volumes" => call_destroy_volumes(pool, volume_ids);
    /// `VolumeSource.ReleaseVolumes`: one optional error per id.
    VolumeSource / volume_source:
    fn release_volumes(pool: &StoragePool, volume_ids: &[String]) -> Vec<Option<ProviderError>>
        = "volume-source.release-volumes" => call_release_volumes(pool, volume_ids);
    /// `VolumeSource.AttachVolumes`.
    VolumeSource / volume_source:
    fn attach_volumes(pool: &StoragePool, params: &[VolumeAttachmentParams]) -> Vec<AttachVolumeResult>
        = "volume-source.attach-volumes" => call_attach_volumes(pool, params);
    /// `VolumeSource.DetachVolumes`: one optional error per attachment.
    VolumeSource / volume_source:
    fn detach_volumes(pool: &StoragePool, params: &[VolumeAttachmentParams]) -> Vec<Option<ProviderError>>
        = "volume-source.detach-volumes" => call_detach_volumes(pool, params);
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
        call_environ_optional!(
            self,
            Upgrader,
            upgrader,
            "upgrader.upgrade-operations",
            |store, g, env| g.call_upgrade_operations(store, env, params)
        )
    }

    /// `DefaultConstraintsChecker.ShouldApplyControllerConstraints`.
    pub async fn should_apply_controller_constraints(&self) -> Result<bool> {
        call_environ_optional!(
            self,
            DefaultConstraintsChecker,
            default_constraints_checker,
            "default-constraints-checker.should-apply-controller-constraints",
            |store, g, env| g.call_should_apply_controller_constraints(store, env)
        )
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
