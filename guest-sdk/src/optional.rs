//! One trait per optional interface. Juju finds these by type assertion;
//! Strato finds them in the component's exports. Implement a trait and name
//! it in [`export_provider!`](crate::export_provider): the component then
//! exports that interface and nothing else needs writing.
//!
//! Environ-level traits are implemented on the provider's [`Environ`]
//! type (methods take `&self`); provider-level traits are implemented on the
//! [`EnvironProvider`] type (associated functions).
//!
//! [`Environ`]: crate::Environ
//! [`EnvironProvider`]: crate::EnvironProvider

use crate::Result;
use crate::types::{
    Attrs, AvailabilityZone, Cloud, CloudCredential, Credential, Error, IngressRule, InterfaceInfo,
    LxdProfile, ProviderInterfaceInfo, ProviderSpace, Region, SchemaField, SpaceAddress, SpaceInfo,
    StartInstanceParams, StoragePool, StringMap, SubnetInfo, UpgradeOperation,
    UpgradeOperationsParams, Volume, VolumeAttachment, VolumeAttachmentParams, VolumeParams,
};

/// `environs.Firewaller`: model-wide ports (`firewall-mode=global`).
/// Export name: `firewaller`.
pub trait Firewaller {
    /// `OpenPorts`.
    fn open_ports(&self, rules: Vec<IngressRule>) -> Result<()>;
    /// `ClosePorts`.
    fn close_ports(&self, rules: Vec<IngressRule>) -> Result<()>;
    /// `IngressRules`: one rule per port range, source CIDRs merged, sorted.
    fn ingress_rules(&self) -> Result<Vec<IngressRule>>;
}

/// `instances.InstanceFirewaller`: per-instance ports
/// (`firewall-mode=instance`). Export name: `instance_firewaller`.
pub trait InstanceFirewaller {
    /// `OpenPorts` on one instance.
    fn open_ports(
        &self,
        instance_id: String,
        machine_id: String,
        rules: Vec<IngressRule>,
    ) -> Result<()>;
    /// `ClosePorts` on one instance.
    fn close_ports(
        &self,
        instance_id: String,
        machine_id: String,
        rules: Vec<IngressRule>,
    ) -> Result<()>;
    /// `IngressRules` of one instance.
    fn ingress_rules(&self, instance_id: String, machine_id: String) -> Result<Vec<IngressRule>>;
}

/// `environs.Networking`. Export name: `networking`. Only `subnets` and
/// `network_interfaces` are required; the defaults give Juju's answers for a
/// cloud without spaces or container addressing.
pub trait Networking {
    /// `Subnets`: `instance_id` may be empty; an unknown requested subnet id
    /// is an error.
    fn subnets(&self, instance_id: String, subnet_ids: Vec<String>) -> Result<Vec<SubnetInfo>>;
    /// `NetworkInterfaces` of one instance.
    fn network_interfaces(&self, instance_id: String) -> Result<Vec<InterfaceInfo>>;
    /// `SuperSubnets`. Default: `not-supported`.
    fn super_subnets(&self) -> Result<Vec<String>> {
        Err(Error::not_supported("super subnets"))
    }
    /// `SupportsSpaces`. Default: false.
    fn supports_spaces(&self) -> Result<bool> {
        Ok(false)
    }
    /// `SupportsSpaceDiscovery`. Default: false.
    fn supports_space_discovery(&self) -> Result<bool> {
        Ok(false)
    }
    /// `Spaces`. Default: `not-supported`.
    fn spaces(&self) -> Result<Vec<SpaceInfo>> {
        Err(Error::not_supported("spaces"))
    }
    /// `ProviderSpaceInfo` (`None` = the default space). Default: `not-supported`.
    fn provider_space_info(&self, space: Option<SpaceInfo>) -> Result<ProviderSpace> {
        let _ = space;
        Err(Error::not_supported("provider space info"))
    }
    /// `AreSpacesRoutable`. Default: false.
    fn are_spaces_routable(&self, space1: ProviderSpace, space2: ProviderSpace) -> Result<bool> {
        let _ = (space1, space2);
        Ok(false)
    }
    /// `SupportsContainerAddresses`: `false` comes as a `not-supported`
    /// error, as in Juju. Default: that error.
    fn supports_container_addresses(&self) -> Result<bool> {
        Err(Error::not_supported("container address allocation"))
    }
    /// `AllocateContainerAddresses`. Default: `not-supported`.
    fn allocate_container_addresses(
        &self,
        host_instance_id: String,
        container_tag: String,
        prepared_info: Vec<InterfaceInfo>,
    ) -> Result<Vec<InterfaceInfo>> {
        let _ = (host_instance_id, container_tag, prepared_info);
        Err(Error::not_supported("container address allocation"))
    }
    /// `ReleaseContainerAddresses`. Default: `not-supported`.
    fn release_container_addresses(&self, interfaces: Vec<ProviderInterfaceInfo>) -> Result<()> {
        let _ = interfaces;
        Err(Error::not_supported("container address allocation"))
    }
    /// `SSHAddresses`. Default: the addresses unchanged.
    fn ssh_addresses(&self, addresses: Vec<SpaceAddress>) -> Result<Vec<SpaceAddress>> {
        Ok(addresses)
    }
}

/// `environs.InstanceTagger`. Export name: `instance_tagger`.
pub trait InstanceTagger {
    /// `TagInstance`: replaces tags of the same names, keeps the others.
    fn tag_instance(&self, instance_id: String, tags: StringMap) -> Result<()>;
}

/// `environs.Upgrader`. Export name: `upgrader`.
pub trait Upgrader {
    /// `UpgradeOperations`: operations by target environ version, each with
    /// its steps described.
    fn upgrade_operations(&self, params: UpgradeOperationsParams) -> Result<Vec<UpgradeOperation>>;
    /// `UpgradeStep.Run` for step `step` (0-based) of the operation with
    /// `target_version`. Must be idempotent.
    fn run_step(
        &self,
        params: UpgradeOperationsParams,
        target_version: u32,
        step: u32,
    ) -> Result<()>;
}

/// `environs.LXDProfiler`. Export name: `lxd_profiler`.
pub trait LxdProfiler {
    /// `MaybeWriteLXDProfile`.
    fn maybe_write_lxd_profile(&self, name: String, profile: Option<LxdProfile>) -> Result<()>;
    /// `LXDProfileNames`.
    fn lxd_profile_names(&self, container_name: String) -> Result<Vec<String>>;
    /// `ReplaceOrAddInstanceProfile` (`None` profile removes `old_profile`).
    fn replace_or_add_instance_profile(
        &self,
        instance_id: String,
        old_profile: String,
        new_profile: String,
        profile: Option<LxdProfile>,
    ) -> Result<Vec<String>>;
}

/// `environs.DefaultConstraintsChecker`. Export name:
/// `default_constraints_checker`.
pub trait DefaultConstraintsChecker {
    /// `ShouldApplyControllerConstraints`.
    fn should_apply_controller_constraints(&self) -> Result<bool>;
}

/// `common.ZonedEnviron`. Export name: `availability_zones`.
pub trait AvailabilityZones {
    /// `AvailabilityZones`.
    fn availability_zones(&self) -> Result<Vec<AvailabilityZone>>;
    /// `InstanceAvailabilityZoneNames`: one slot per id, `None` when the
    /// instance was not found.
    fn instance_availability_zone_names(&self, ids: Vec<String>) -> Result<Vec<Option<String>>>;
    /// `DeriveAvailabilityZones`: zones implied by placement or volumes.
    /// Default: none (unconstrained).
    fn derive_availability_zones(&self, params: StartInstanceParams) -> Result<Vec<String>> {
        let _ = params;
        Ok(Vec::new())
    }
}

/// A volume created by [`VolumeSource::create_volumes`], or its own error.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CreateVolumeResult {
    /// The volume, when created.
    pub volume: Option<Volume>,
    /// Its attachment, when the params asked for one.
    pub attachment: Option<VolumeAttachment>,
    /// Why this volume failed, when it did.
    pub error: Option<Error>,
}

/// An attachment made by [`VolumeSource::attach_volumes`], or its own error.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AttachVolumeResult {
    /// The attachment, when made.
    pub attachment: Option<VolumeAttachment>,
    /// Why this attachment failed, when it did.
    pub error: Option<Error>,
}

/// `storage.VolumeSource` of the environ's dynamic storage providers.
/// Export name: `volume_source`.
pub trait VolumeSource {
    /// `ValidateConfig` of a pool. Default: accept.
    fn validate_config(&self, pool: StoragePool) -> Result<()> {
        let _ = pool;
        Ok(())
    }
    /// `ValidateVolumeParams`. Default: accept.
    fn validate_volume_params(&self, pool: StoragePool, params: VolumeParams) -> Result<()> {
        let _ = (pool, params);
        Ok(())
    }
    /// `CreateVolumes`: one result per params, in order.
    fn create_volumes(
        &self,
        pool: StoragePool,
        params: Vec<VolumeParams>,
    ) -> Result<Vec<CreateVolumeResult>>;
    /// `ListVolumes`: volume ids.
    fn list_volumes(&self, pool: StoragePool) -> Result<Vec<String>>;
    /// `DescribeVolumes`: one result per id.
    fn describe_volumes(
        &self,
        pool: StoragePool,
        volume_ids: Vec<String>,
    ) -> Result<Vec<Result<Volume>>>;
    /// `DestroyVolumes`: one optional error per id.
    fn destroy_volumes(
        &self,
        pool: StoragePool,
        volume_ids: Vec<String>,
    ) -> Result<Vec<Option<Error>>>;
    /// `ReleaseVolumes`: one optional error per id.
    fn release_volumes(
        &self,
        pool: StoragePool,
        volume_ids: Vec<String>,
    ) -> Result<Vec<Option<Error>>>;
    /// `AttachVolumes`: one result per params.
    fn attach_volumes(
        &self,
        pool: StoragePool,
        params: Vec<VolumeAttachmentParams>,
    ) -> Result<Vec<AttachVolumeResult>>;
    /// `DetachVolumes`: one optional error per params.
    fn detach_volumes(
        &self,
        pool: StoragePool,
        params: Vec<VolumeAttachmentParams>,
    ) -> Result<Vec<Option<Error>>>;
}

/// `environs.CloudDetector`. Export name: `cloud_detector`.
pub trait CloudDetector {
    /// `DetectCloud`.
    fn detect_cloud(name: String) -> Result<Cloud>;
    /// `DetectClouds`.
    fn detect_clouds() -> Result<Vec<Cloud>>;
}

/// `environs.CloudRegionDetector`. Export name: `cloud_region_detector`.
pub trait CloudRegionDetector {
    /// `DetectRegions`: the first is the default; `not-found` when none.
    fn detect_regions() -> Result<Vec<Region>>;
}

/// `environs.CloudFinalizer`. Export name: `cloud_finalizer`.
pub trait CloudFinalizer {
    /// `FinalizeCloud` (the context is [`bootstrap`](crate::bootstrap)).
    fn finalize_cloud(cloud: Cloud) -> Result<Cloud>;
}

/// `environs.ProviderCredentialsRegister`. Export name: `credentials_register`.
pub trait CredentialsRegister {
    /// `RegisterCredentials`: credentials by cloud name.
    fn register_credentials(cloud: Cloud) -> Result<Vec<(String, CloudCredential)>>;
}

/// `environs.RequestFinalizeCredential`. Export name:
/// `request_finalize_credential`.
pub trait RequestFinalizeCredential {
    /// `ShouldFinalizeCredential`.
    fn should_finalize_credential(credential: Credential) -> Result<bool>;
}

/// `environs.ModelConfigUpgrader`. Export name: `model_config_upgrader`.
pub trait ModelConfigUpgrader {
    /// `UpgradeConfig`.
    fn upgrade_config(config: Attrs) -> Result<Attrs>;
}

/// `environs.ProviderSchema`. Export name: `provider_schema`.
pub trait ProviderSchema {
    /// `Schema`: the provider's own config attributes.
    fn schema() -> Result<Vec<SchemaField>>;
}
