//! One method per contract function on [`Guests`], whatever version the
//! instance was built against: the version dispatch the call sites use.
//!
//! The methods return `wasmtime::Result<Result<T, ProviderError>>` (a trap
//! outside, the provider's own error inside). A 0.1.0 function without a
//! `result` is wrapped in `Ok`; the records 0.1.0 defines on its own
//! (`bootstrap-result`, the `volume-source` results) are converted to the
//! newest ones. Optional interfaces must have been loaded with
//! [`Guests::ensure`] first.

use wasmtime::Store;
use wasmtime::component::ResourceAny;

use super::{Guests, latest, v0_1_0};
use crate::store::StoreState;
use crate::types::{
    AttachVolumeResult, Attrs, AvailabilityZone, BootstrapParams, Cloud, CloudCredential,
    Constraints, ConstraintsRules, CreateParams, CreateVolumeResult, Credential, CredentialSchema,
    FinalizeCredentialParams, IngressRule, Instance, InstanceConfig, InstanceTypesWithCost,
    InterfaceInfo, LxdProfile, OpenParams, PrecheckInstanceParams, PrepareConfigParams,
    ProviderError, ProviderInterfaceInfo, ProviderSpace, Region, SchemaField, SpaceAddress,
    SpaceInfo, StartInstanceParams, StartInstanceResult, StoragePool, StorageProviderInfo,
    StringMap, SubnetInfo, UpgradeOperation, UpgradeOperationsParams, VersionNumber, Volume,
    VolumeAttachmentParams, VolumeParams,
};

/// `environs.BootstrapResult` as the newest version has it.
pub(crate) type BootstrapResult = latest::exports::juju::environs::model::BootstrapResult;

type Call<T> = wasmtime::Result<Result<T, ProviderError>>;

/// Evaluates `$body` with `$g` bound to the version-specific exports.
macro_rules! versioned {
    ($guests:expr, |$g:ident| $body:expr) => {
        match $guests {
            Guests::V0_1_0($g) => $body,
            Guests::V0_2_0($g) => $body,
        }
    };
}

/// The exports of an optional interface loaded by `Guests::ensure`.
fn loaded<T>(g: &Option<T>) -> wasmtime::Result<&T> {
    g.as_ref()
        .ok_or_else(|| wasmtime::format_err!("optional interface used before it was loaded"))
}

/// Functions of `provider` that return a `result` in every version.
macro_rules! provider_calls {
    ($(fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = $call:ident;)*) => {
        impl Guests {$(
            pub async fn $name(&self, store: &mut Store<StoreState> $(, $arg: $ty)*) -> Call<$ret> {
                versioned!(self, |g| g.provider.$call(store $(, $arg)*).await)
            }
        )*}
    };
}

/// Methods of the `environ` resource that return a `result` in every version.
macro_rules! environ_calls {
    ($(fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = $call:ident;)*) => {
        impl Guests {$(
            pub async fn $name(
                &self,
                store: &mut Store<StoreState>,
                env: ResourceAny
                $(, $arg: $ty)*
            ) -> Call<$ret> {
                versioned!(self, |g| g.environ.environ().$call(store, env $(, $arg)*).await)
            }
        )*}
    };
}

/// Functions of optional interfaces that return a `result` in every
/// version; `env` for those that take the environ.
macro_rules! optional_calls {
    ($(fn $name:ident($(@$env:ident)? $($arg:ident: $ty:ty),*) -> $ret:ty = $field:ident.$call:ident;)*) => {
        impl Guests {$(
            pub async fn $name(
                &self,
                store: &mut Store<StoreState>
                $(, $env: ResourceAny)?
                $(, $arg: $ty)*
            ) -> Call<$ret> {
                versioned!(self, |g| loaded(&g.$field)?.$call(store $(, $env)? $(, $arg)*).await)
            }
        )*}
    };
}

provider_calls! {
    fn ping(endpoint: &str) -> () = call_ping;
    fn prepare_config(p: &PrepareConfigParams) -> Attrs = call_prepare_config;
    fn validate(cfg: &Attrs, old: Option<&Attrs>) -> Attrs = call_validate;
    fn detect_credentials() -> CloudCredential = call_detect_credentials;
    fn finalize_credential(p: &FinalizeCredentialParams) -> Credential = call_finalize_credential;
    fn open(p: &OpenParams) -> ResourceAny = call_open;
}

environ_calls! {
    fn set_config(cfg: &Attrs) -> () = call_set_config;
    fn prepare_for_bootstrap() -> () = call_prepare_for_bootstrap;
    fn create(p: &CreateParams) -> () = call_create;
    fn destroy() -> () = call_destroy;
    fn destroy_controller(controller_uuid: &str) -> () = call_destroy_controller;
    fn adopt_resources(controller_uuid: &str, from: &VersionNumber) -> () = call_adopt_resources;
    fn constraints_validator() -> ConstraintsRules = call_constraints_validator;
    fn start_instance(p: &StartInstanceParams) -> StartInstanceResult = call_start_instance;
    fn stop_instances(ids: &[String]) -> () = call_stop_instances;
    fn all_instances() -> Vec<Instance> = call_all_instances;
    fn maintain_instance(p: &StartInstanceParams) -> () = call_maintain_instance;
    fn instances(ids: &[String]) -> Vec<Option<Instance>> = call_instances;
    fn controller_instances(controller_uuid: &str) -> Vec<String> = call_controller_instances;
    fn precheck_instance(p: &PrecheckInstanceParams) -> () = call_precheck_instance;
    fn instance_types(c: &Constraints) -> InstanceTypesWithCost = call_instance_types;
    fn storage_provider_types() -> Vec<String> = call_storage_provider_types;
    fn storage_provider(provider_type: &str) -> StorageProviderInfo = call_storage_provider;
}

optional_calls! {
    fn open_ports(@env rules: &[IngressRule]) -> () = firewaller.call_open_ports;
    fn close_ports(@env rules: &[IngressRule]) -> () = firewaller.call_close_ports;
    fn ingress_rules(@env) -> Vec<IngressRule> = firewaller.call_ingress_rules;

    fn open_instance_ports(@env instance_id: &str, machine_id: &str, rules: &[IngressRule]) -> ()
        = instance_firewaller.call_open_ports;
    fn close_instance_ports(@env instance_id: &str, machine_id: &str, rules: &[IngressRule]) -> ()
        = instance_firewaller.call_close_ports;
    fn instance_ingress_rules(@env instance_id: &str, machine_id: &str) -> Vec<IngressRule>
        = instance_firewaller.call_ingress_rules;

    fn subnets(@env instance_id: &str, subnet_ids: &[String]) -> Vec<SubnetInfo>
        = networking.call_subnets;
    fn super_subnets(@env) -> Vec<String> = networking.call_super_subnets;
    fn network_interfaces(@env instance_id: &str) -> Vec<InterfaceInfo>
        = networking.call_network_interfaces;
    fn supports_spaces(@env) -> bool = networking.call_supports_spaces;
    fn supports_space_discovery(@env) -> bool = networking.call_supports_space_discovery;
    fn spaces(@env) -> Vec<SpaceInfo> = networking.call_spaces;
    fn provider_space_info(@env space: Option<&SpaceInfo>) -> ProviderSpace
        = networking.call_provider_space_info;
    fn are_spaces_routable(@env space1: &ProviderSpace, space2: &ProviderSpace) -> bool
        = networking.call_are_spaces_routable;
    fn supports_container_addresses(@env) -> bool = networking.call_supports_container_addresses;
    fn allocate_container_addresses(@env host_instance_id: &str, container_tag: &str, prepared_info: &[InterfaceInfo]) -> Vec<InterfaceInfo>
        = networking.call_allocate_container_addresses;
    fn release_container_addresses(@env interfaces: &[ProviderInterfaceInfo]) -> ()
        = networking.call_release_container_addresses;
    fn ssh_addresses(@env addresses: &[SpaceAddress]) -> Vec<SpaceAddress>
        = networking.call_ssh_addresses;

    fn run_upgrade_step(@env params: &UpgradeOperationsParams, target_version: u32, step: u32) -> ()
        = upgrader.call_run_step;

    fn maybe_write_lxd_profile(@env name: &str, profile: Option<&LxdProfile>) -> ()
        = lxd_profiler.call_maybe_write_lxd_profile;
    fn lxd_profile_names(@env container_name: &str) -> Vec<String>
        = lxd_profiler.call_lxd_profile_names;
    fn replace_or_add_instance_profile(@env instance_id: &str, old_profile: &str, new_profile: &str, profile: Option<&LxdProfile>) -> Vec<String>
        = lxd_profiler.call_replace_or_add_instance_profile;

    fn availability_zones(@env) -> Vec<AvailabilityZone> = availability_zones.call_availability_zones;
    fn instance_availability_zone_names(@env ids: &[String]) -> Vec<Option<String>>
        = availability_zones.call_instance_availability_zone_names;
    fn derive_availability_zones(@env params: &StartInstanceParams) -> Vec<String>
        = availability_zones.call_derive_availability_zones;

    fn validate_storage_config(@env pool: &StoragePool) -> () = volume_source.call_validate_config;
    fn validate_volume_params(@env pool: &StoragePool, params: &VolumeParams) -> ()
        = volume_source.call_validate_volume_params;
    fn list_volumes(@env pool: &StoragePool) -> Vec<String> = volume_source.call_list_volumes;
    fn describe_volumes(@env pool: &StoragePool, volume_ids: &[String]) -> Vec<Result<Volume, ProviderError>>
        = volume_source.call_describe_volumes;
    fn destroy_volumes(@env pool: &StoragePool, volume_ids: &[String]) -> Vec<Option<ProviderError>>
        = volume_source.call_destroy_volumes;
    fn release_volumes(@env pool: &StoragePool, volume_ids: &[String]) -> Vec<Option<ProviderError>>
        = volume_source.call_release_volumes;
    fn detach_volumes(@env pool: &StoragePool, params: &[VolumeAttachmentParams]) -> Vec<Option<ProviderError>>
        = volume_source.call_detach_volumes;

    fn detect_cloud(name: &str) -> Cloud = cloud_detector.call_detect_cloud;
    fn detect_clouds() -> Vec<Cloud> = cloud_detector.call_detect_clouds;
    fn detect_regions() -> Vec<Region> = cloud_region_detector.call_detect_regions;
    fn finalize_cloud(cloud: &Cloud) -> Cloud = cloud_finalizer.call_finalize_cloud;
    fn register_credentials(cloud: &Cloud) -> Vec<(String, CloudCredential)>
        = credentials_register.call_register_credentials;
    fn upgrade_config(cfg: &Attrs) -> Attrs = model_config_upgrader.call_upgrade_config;
}

/// A 0.1.0 function without `result`: its answer, as a success.
async fn ok<T>(answer: impl Future<Output = wasmtime::Result<T>>) -> Call<T> {
    answer.await.map(Ok)
}

// Functions that changed between versions.
impl Guests {
    pub async fn version(&self, store: &mut Store<StoreState>) -> Call<u32> {
        match self {
            Guests::V0_1_0(g) => ok(g.provider.call_version(store)).await,
            Guests::V0_2_0(g) => g.provider.call_version(store).await,
        }
    }

    pub async fn cloud_schema(&self, store: &mut Store<StoreState>) -> Call<Option<String>> {
        match self {
            Guests::V0_1_0(g) => ok(g.provider.call_cloud_schema(store)).await,
            Guests::V0_2_0(g) => g.provider.call_cloud_schema(store).await,
        }
    }

    pub async fn credential_schemas(
        &self,
        store: &mut Store<StoreState>,
    ) -> Call<Vec<CredentialSchema>> {
        match self {
            Guests::V0_1_0(g) => ok(g.provider.call_credential_schemas(store)).await,
            Guests::V0_2_0(g) => g.provider.call_credential_schemas(store).await,
        }
    }

    pub async fn config(&self, store: &mut Store<StoreState>, env: ResourceAny) -> Call<Attrs> {
        match self {
            Guests::V0_1_0(g) => ok(g.environ.environ().call_config(store, env)).await,
            Guests::V0_2_0(g) => g.environ.environ().call_config(store, env).await,
        }
    }

    pub async fn bootstrap(
        &self,
        store: &mut Store<StoreState>,
        env: ResourceAny,
        p: &BootstrapParams,
    ) -> Call<BootstrapResult> {
        match self {
            Guests::V0_1_0(g) => Ok(g
                .environ
                .environ()
                .call_bootstrap(store, env, p)
                .await?
                .map(|r| BootstrapResult {
                    arch: r.arch,
                    series: r.series,
                    finalizer: r.finalizer,
                })),
            Guests::V0_2_0(g) => g.environ.environ().call_bootstrap(store, env, p).await,
        }
    }

    pub async fn finalize(
        &self,
        store: &mut Store<StoreState>,
        finalizer: ResourceAny,
        cfg: &InstanceConfig,
        opts: crate::types::BootstrapDialOpts,
    ) -> Call<()> {
        versioned!(self, |g| g
            .environ
            .bootstrap_finalizer()
            .call_finalize(store, finalizer, cfg, opts)
            .await)
    }

    pub async fn tag_instance(
        &self,
        store: &mut Store<StoreState>,
        env: ResourceAny,
        instance_id: &str,
        tags: &[(String, String)],
    ) -> Call<()> {
        let tags: StringMap = tags.to_vec();
        versioned!(self, |g| loaded(&g.instance_tagger)?
            .call_tag_instance(store, env, instance_id, &tags)
            .await)
    }

    pub async fn upgrade_operations(
        &self,
        store: &mut Store<StoreState>,
        env: ResourceAny,
        params: &UpgradeOperationsParams,
    ) -> Call<Vec<UpgradeOperation>> {
        match self {
            Guests::V0_1_0(g) => {
                ok(loaded(&g.upgrader)?.call_upgrade_operations(store, env, params)).await
            }
            Guests::V0_2_0(g) => {
                loaded(&g.upgrader)?
                    .call_upgrade_operations(store, env, params)
                    .await
            }
        }
    }

    pub async fn should_apply_controller_constraints(
        &self,
        store: &mut Store<StoreState>,
        env: ResourceAny,
    ) -> Call<bool> {
        match self {
            Guests::V0_1_0(g) => {
                let c = loaded(&g.default_constraints_checker)?;
                ok(c.call_should_apply_controller_constraints(store, env)).await
            }
            Guests::V0_2_0(g) => {
                let c = loaded(&g.default_constraints_checker)?;
                c.call_should_apply_controller_constraints(store, env).await
            }
        }
    }

    pub async fn should_finalize_credential(
        &self,
        store: &mut Store<StoreState>,
        c: &Credential,
    ) -> Call<bool> {
        match self {
            Guests::V0_1_0(g) => {
                let r = loaded(&g.request_finalize_credential)?;
                ok(r.call_should_finalize_credential(store, c)).await
            }
            Guests::V0_2_0(g) => {
                let r = loaded(&g.request_finalize_credential)?;
                r.call_should_finalize_credential(store, c).await
            }
        }
    }

    pub async fn schema(&self, store: &mut Store<StoreState>) -> Call<Vec<SchemaField>> {
        match self {
            Guests::V0_1_0(g) => ok(loaded(&g.provider_schema)?.call_schema(store)).await,
            Guests::V0_2_0(g) => loaded(&g.provider_schema)?.call_schema(store).await,
        }
    }

    pub async fn create_volumes(
        &self,
        store: &mut Store<StoreState>,
        env: ResourceAny,
        pool: &StoragePool,
        params: &[VolumeParams],
    ) -> Call<Vec<CreateVolumeResult>> {
        match self {
            Guests::V0_1_0(g) => {
                let v = loaded(&g.volume_source)?;
                let r = v.call_create_volumes(store, env, pool, params).await?;
                Ok(r.map(|list| list.into_iter().map(created).collect()))
            }
            Guests::V0_2_0(g) => {
                let v = loaded(&g.volume_source)?;
                v.call_create_volumes(store, env, pool, params).await
            }
        }
    }

    pub async fn attach_volumes(
        &self,
        store: &mut Store<StoreState>,
        env: ResourceAny,
        pool: &StoragePool,
        params: &[VolumeAttachmentParams],
    ) -> Call<Vec<AttachVolumeResult>> {
        match self {
            Guests::V0_1_0(g) => {
                let v = loaded(&g.volume_source)?;
                let r = v.call_attach_volumes(store, env, pool, params).await?;
                Ok(r.map(|list| list.into_iter().map(attached).collect()))
            }
            Guests::V0_2_0(g) => {
                let v = loaded(&g.volume_source)?;
                v.call_attach_volumes(store, env, pool, params).await
            }
        }
    }
}

type V1Volumes = v0_1_0::exports::juju::environs::volume_source::CreateVolumeResult;
type V1Attach = v0_1_0::exports::juju::environs::volume_source::AttachVolumeResult;

fn created(r: V1Volumes) -> CreateVolumeResult {
    CreateVolumeResult {
        volume: r.volume,
        attachment: r.attachment,
        error: r.error,
    }
}

fn attached(r: V1Attach) -> AttachVolumeResult {
    AttachVolumeResult {
        attachment: r.attachment,
        error: r.error,
    }
}
