//! What [`export_provider!`](crate::export_provider) expands to, besides the
//! bindings: one arm per interface that forwards the generated
//! `Guest*` traits to the SDK traits. Not a public API.
//!
//! Every arm expands inside the module holding the provider's bindings
//! (`self::exports::…`), next to the items the export macro defines there:
//! `Export` (the type handed to wit-bindgen's `export!`), `Provider` (the
//! author's provider type), `Env` (its environ) and the resource
//! representations `EnvironRep` and `FinalizerRep`.

/// Forwards one interface's generated trait to its SDK trait.
#[doc(hidden)]
#[macro_export]
macro_rules! __forward {
    (base) => {
        impl self::exports::juju::environs::provider::Guest for Export {
            fn version() -> $crate::Result<u32> {
                <Provider as $crate::EnvironProvider>::version()
            }
            fn cloud_schema() -> $crate::Result<::core::option::Option<::std::string::String>> {
                <Provider as $crate::EnvironProvider>::cloud_schema()
            }
            fn ping(endpoint: ::std::string::String) -> $crate::Result<()> {
                <Provider as $crate::EnvironProvider>::ping(endpoint)
            }
            fn prepare_config(params: $crate::types::PrepareConfigParams) -> $crate::Result<$crate::types::Attrs> {
                <Provider as $crate::EnvironProvider>::prepare_config(params)
            }
            fn validate(
                config: $crate::types::Attrs,
                old: ::core::option::Option<$crate::types::Attrs>,
            ) -> $crate::Result<$crate::types::Attrs> {
                <Provider as $crate::EnvironProvider>::validate(config, old)
            }
            fn credential_schemas() -> $crate::Result<::std::vec::Vec<$crate::types::CredentialSchema>> {
                <Provider as $crate::EnvironProvider>::credential_schemas()
            }
            fn detect_credentials() -> $crate::Result<$crate::types::CloudCredential> {
                <Provider as $crate::EnvironProvider>::detect_credentials()
            }
            fn finalize_credential(
                params: $crate::types::FinalizeCredentialParams,
            ) -> $crate::Result<$crate::types::Credential> {
                <Provider as $crate::EnvironProvider>::finalize_credential(params)
            }
            fn open(
                params: $crate::types::OpenParams,
            ) -> $crate::Result<self::exports::juju::environs::model::Environ> {
                <Provider as $crate::EnvironProvider>::open(params)
                    .map(|env| self::exports::juju::environs::model::Environ::new(EnvironRep(env)))
            }
        }

        impl self::exports::juju::environs::model::Guest for Export {
            type Environ = EnvironRep;
            type BootstrapFinalizer = FinalizerRep;
        }

        impl self::exports::juju::environs::model::GuestBootstrapFinalizer for FinalizerRep {
            fn finalize(
                &self,
                config: $crate::types::InstanceConfig,
                opts: $crate::types::BootstrapDialOpts,
            ) -> $crate::Result<()> {
                $crate::BootstrapFinalizer::finalize(&self.0, config, opts)
            }
        }

        impl self::exports::juju::environs::model::GuestEnviron for EnvironRep {
            fn config(&self) -> $crate::Result<$crate::types::Attrs> {
                $crate::Environ::config(&self.0)
            }
            fn set_config(&self, config: $crate::types::Attrs) -> $crate::Result<()> {
                $crate::Environ::set_config(&self.0, config)
            }
            fn prepare_for_bootstrap(&self) -> $crate::Result<()> {
                $crate::Environ::prepare_for_bootstrap(&self.0)
            }
            fn bootstrap(
                &self,
                params: $crate::types::BootstrapParams,
            ) -> $crate::Result<self::exports::juju::environs::model::BootstrapResult> {
                $crate::Environ::bootstrap(&self.0, params).map(|r| {
                    self::exports::juju::environs::model::BootstrapResult {
                        arch: r.arch,
                        series: r.series,
                        finalizer: self::exports::juju::environs::model::BootstrapFinalizer::new(
                            FinalizerRep(r.finalizer),
                        ),
                    }
                })
            }
            fn create(&self, params: $crate::types::CreateParams) -> $crate::Result<()> {
                $crate::Environ::create(&self.0, params)
            }
            fn destroy(&self) -> $crate::Result<()> {
                $crate::Environ::destroy(&self.0)
            }
            fn destroy_controller(&self, controller_uuid: ::std::string::String) -> $crate::Result<()> {
                $crate::Environ::destroy_controller(&self.0, controller_uuid)
            }
            fn adopt_resources(
                &self,
                controller_uuid: ::std::string::String,
                from_version: $crate::types::VersionNumber,
            ) -> $crate::Result<()> {
                $crate::Environ::adopt_resources(&self.0, controller_uuid, from_version)
            }
            fn constraints_validator(&self) -> $crate::Result<$crate::types::ConstraintsRules> {
                $crate::Environ::constraints_validator(&self.0)
            }
            fn start_instance(
                &self,
                params: $crate::types::StartInstanceParams,
            ) -> $crate::Result<$crate::types::StartInstanceResult> {
                $crate::Environ::start_instance(&self.0, params)
            }
            fn stop_instances(&self, ids: ::std::vec::Vec<::std::string::String>) -> $crate::Result<()> {
                $crate::Environ::stop_instances(&self.0, ids)
            }
            fn all_instances(&self) -> $crate::Result<::std::vec::Vec<$crate::types::Instance>> {
                $crate::Environ::all_instances(&self.0)
            }
            fn maintain_instance(&self, params: $crate::types::StartInstanceParams) -> $crate::Result<()> {
                $crate::Environ::maintain_instance(&self.0, params)
            }
            fn instances(
                &self,
                ids: ::std::vec::Vec<::std::string::String>,
            ) -> $crate::Result<::std::vec::Vec<::core::option::Option<$crate::types::Instance>>> {
                $crate::Environ::instances(&self.0, ids)
            }
            fn controller_instances(
                &self,
                controller_uuid: ::std::string::String,
            ) -> $crate::Result<::std::vec::Vec<::std::string::String>> {
                $crate::Environ::controller_instances(&self.0, controller_uuid)
            }
            fn precheck_instance(&self, params: $crate::types::PrecheckInstanceParams) -> $crate::Result<()> {
                $crate::Environ::precheck_instance(&self.0, params)
            }
            fn instance_types(
                &self,
                constraints: $crate::types::Constraints,
            ) -> $crate::Result<$crate::types::InstanceTypesWithCost> {
                $crate::Environ::instance_types(&self.0, constraints)
            }
            fn storage_provider_types(&self) -> $crate::Result<::std::vec::Vec<::std::string::String>> {
                $crate::Environ::storage_provider_types(&self.0)
            }
            fn storage_provider(
                &self,
                provider_type: ::std::string::String,
            ) -> $crate::Result<$crate::types::StorageProviderInfo> {
                $crate::Environ::storage_provider(&self.0, provider_type)
            }
        }
    };

    // ------------------------------------------------ environ-level interfaces
    // `$m` is the generated module, `$t` the SDK trait; each line is
    // `fn name(args) -> ret;` and forwards `env.get::<EnvironRep>().0`.
    (@environ $m:ident $t:ident { $(fn $f:ident($($a:ident: $at:ty),*) -> $r:ty;)* }) => {
        impl self::exports::juju::environs::$m::Guest for Export {
            $(
                fn $f(env: self::exports::juju::environs::model::EnvironBorrow<'_>, $($a: $at),*) -> $r {
                    <Env as $crate::$t>::$f(&env.get::<EnvironRep>().0, $($a),*)
                }
            )*
        }
    };
    // Provider-level interfaces: associated functions of the provider type.
    (@provider $m:ident $t:ident { $(fn $f:ident($($a:ident: $at:ty),*) -> $r:ty;)* }) => {
        impl self::exports::juju::environs::$m::Guest for Export {
            $(
                fn $f($($a: $at),*) -> $r {
                    <Provider as $crate::$t>::$f($($a),*)
                }
            )*
        }
    };

    (firewaller) => {
        $crate::__forward!(@environ firewaller Firewaller {
            fn open_ports(rules: ::std::vec::Vec<$crate::types::IngressRule>) -> $crate::Result<()>;
            fn close_ports(rules: ::std::vec::Vec<$crate::types::IngressRule>) -> $crate::Result<()>;
            fn ingress_rules() -> $crate::Result<::std::vec::Vec<$crate::types::IngressRule>>;
        });
    };
    (instance_firewaller) => {
        $crate::__forward!(@environ instance_firewaller InstanceFirewaller {
            fn open_ports(
                instance_id: ::std::string::String,
                machine_id: ::std::string::String,
                rules: ::std::vec::Vec<$crate::types::IngressRule>
            ) -> $crate::Result<()>;
            fn close_ports(
                instance_id: ::std::string::String,
                machine_id: ::std::string::String,
                rules: ::std::vec::Vec<$crate::types::IngressRule>
            ) -> $crate::Result<()>;
            fn ingress_rules(
                instance_id: ::std::string::String,
                machine_id: ::std::string::String
            ) -> $crate::Result<::std::vec::Vec<$crate::types::IngressRule>>;
        });
    };
    (networking) => {
        $crate::__forward!(@environ networking Networking {
            fn subnets(
                instance_id: ::std::string::String,
                subnet_ids: ::std::vec::Vec<::std::string::String>
            ) -> $crate::Result<::std::vec::Vec<$crate::types::SubnetInfo>>;
            fn super_subnets() -> $crate::Result<::std::vec::Vec<::std::string::String>>;
            fn network_interfaces(
                instance_id: ::std::string::String
            ) -> $crate::Result<::std::vec::Vec<$crate::types::InterfaceInfo>>;
            fn supports_spaces() -> $crate::Result<bool>;
            fn supports_space_discovery() -> $crate::Result<bool>;
            fn spaces() -> $crate::Result<::std::vec::Vec<$crate::types::SpaceInfo>>;
            fn provider_space_info(
                space: ::core::option::Option<$crate::types::SpaceInfo>
            ) -> $crate::Result<$crate::types::ProviderSpace>;
            fn are_spaces_routable(
                space1: $crate::types::ProviderSpace,
                space2: $crate::types::ProviderSpace
            ) -> $crate::Result<bool>;
            fn supports_container_addresses() -> $crate::Result<bool>;
            fn allocate_container_addresses(
                host_instance_id: ::std::string::String,
                container_tag: ::std::string::String,
                prepared_info: ::std::vec::Vec<$crate::types::InterfaceInfo>
            ) -> $crate::Result<::std::vec::Vec<$crate::types::InterfaceInfo>>;
            fn release_container_addresses(
                interfaces: ::std::vec::Vec<$crate::types::ProviderInterfaceInfo>
            ) -> $crate::Result<()>;
            fn ssh_addresses(
                addresses: ::std::vec::Vec<$crate::types::SpaceAddress>
            ) -> $crate::Result<::std::vec::Vec<$crate::types::SpaceAddress>>;
        });
    };
    (instance_tagger) => {
        $crate::__forward!(@environ instance_tagger InstanceTagger {
            fn tag_instance(
                instance_id: ::std::string::String,
                tags: $crate::types::StringMap
            ) -> $crate::Result<()>;
        });
    };
    (upgrader) => {
        $crate::__forward!(@environ upgrader Upgrader {
            fn upgrade_operations(
                params: $crate::types::UpgradeOperationsParams
            ) -> $crate::Result<::std::vec::Vec<$crate::types::UpgradeOperation>>;
            fn run_step(
                params: $crate::types::UpgradeOperationsParams,
                target_version: u32,
                step: u32
            ) -> $crate::Result<()>;
        });
    };
    (lxd_profiler) => {
        $crate::__forward!(@environ lxd_profiler LxdProfiler {
            fn maybe_write_lxd_profile(
                name: ::std::string::String,
                profile: ::core::option::Option<$crate::types::LxdProfile>
            ) -> $crate::Result<()>;
            fn lxd_profile_names(
                container_name: ::std::string::String
            ) -> $crate::Result<::std::vec::Vec<::std::string::String>>;
            fn replace_or_add_instance_profile(
                instance_id: ::std::string::String,
                old_profile: ::std::string::String,
                new_profile: ::std::string::String,
                profile: ::core::option::Option<$crate::types::LxdProfile>
            ) -> $crate::Result<::std::vec::Vec<::std::string::String>>;
        });
    };
    (default_constraints_checker) => {
        $crate::__forward!(@environ default_constraints_checker DefaultConstraintsChecker {
            fn should_apply_controller_constraints() -> $crate::Result<bool>;
        });
    };
    (availability_zones) => {
        $crate::__forward!(@environ availability_zones AvailabilityZones {
            fn availability_zones() -> $crate::Result<::std::vec::Vec<$crate::types::AvailabilityZone>>;
            fn instance_availability_zone_names(
                ids: ::std::vec::Vec<::std::string::String>
            ) -> $crate::Result<::std::vec::Vec<::core::option::Option<::std::string::String>>>;
            fn derive_availability_zones(
                params: $crate::types::StartInstanceParams
            ) -> $crate::Result<::std::vec::Vec<::std::string::String>>;
        });
    };
    (volume_source) => {
        impl self::exports::juju::environs::volume_source::Guest for Export {
            fn validate_config(
                env: self::exports::juju::environs::model::EnvironBorrow<'_>,
                pool: $crate::types::StoragePool,
            ) -> $crate::Result<()> {
                <Env as $crate::VolumeSource>::validate_config(&env.get::<EnvironRep>().0, pool)
            }
            fn validate_volume_params(
                env: self::exports::juju::environs::model::EnvironBorrow<'_>,
                pool: $crate::types::StoragePool,
                params: $crate::types::VolumeParams,
            ) -> $crate::Result<()> {
                <Env as $crate::VolumeSource>::validate_volume_params(&env.get::<EnvironRep>().0, pool, params)
            }
            fn create_volumes(
                env: self::exports::juju::environs::model::EnvironBorrow<'_>,
                pool: $crate::types::StoragePool,
                params: ::std::vec::Vec<$crate::types::VolumeParams>,
            ) -> $crate::Result<::std::vec::Vec<self::exports::juju::environs::volume_source::CreateVolumeResult>> {
                let results = <Env as $crate::VolumeSource>::create_volumes(&env.get::<EnvironRep>().0, pool, params)?;
                Ok(results
                    .into_iter()
                    .map(|r| self::exports::juju::environs::volume_source::CreateVolumeResult {
                        volume: r.volume,
                        attachment: r.attachment,
                        error: r.error,
                    })
                    .collect())
            }
            fn list_volumes(
                env: self::exports::juju::environs::model::EnvironBorrow<'_>,
                pool: $crate::types::StoragePool,
            ) -> $crate::Result<::std::vec::Vec<::std::string::String>> {
                <Env as $crate::VolumeSource>::list_volumes(&env.get::<EnvironRep>().0, pool)
            }
            fn describe_volumes(
                env: self::exports::juju::environs::model::EnvironBorrow<'_>,
                pool: $crate::types::StoragePool,
                volume_ids: ::std::vec::Vec<::std::string::String>,
            ) -> $crate::Result<::std::vec::Vec<$crate::Result<$crate::types::Volume>>> {
                <Env as $crate::VolumeSource>::describe_volumes(&env.get::<EnvironRep>().0, pool, volume_ids)
            }
            fn destroy_volumes(
                env: self::exports::juju::environs::model::EnvironBorrow<'_>,
                pool: $crate::types::StoragePool,
                volume_ids: ::std::vec::Vec<::std::string::String>,
            ) -> $crate::Result<::std::vec::Vec<::core::option::Option<$crate::Error>>> {
                <Env as $crate::VolumeSource>::destroy_volumes(&env.get::<EnvironRep>().0, pool, volume_ids)
            }
            fn release_volumes(
                env: self::exports::juju::environs::model::EnvironBorrow<'_>,
                pool: $crate::types::StoragePool,
                volume_ids: ::std::vec::Vec<::std::string::String>,
            ) -> $crate::Result<::std::vec::Vec<::core::option::Option<$crate::Error>>> {
                <Env as $crate::VolumeSource>::release_volumes(&env.get::<EnvironRep>().0, pool, volume_ids)
            }
            fn attach_volumes(
                env: self::exports::juju::environs::model::EnvironBorrow<'_>,
                pool: $crate::types::StoragePool,
                params: ::std::vec::Vec<$crate::types::VolumeAttachmentParams>,
            ) -> $crate::Result<::std::vec::Vec<self::exports::juju::environs::volume_source::AttachVolumeResult>> {
                let results = <Env as $crate::VolumeSource>::attach_volumes(&env.get::<EnvironRep>().0, pool, params)?;
                Ok(results
                    .into_iter()
                    .map(|r| self::exports::juju::environs::volume_source::AttachVolumeResult {
                        attachment: r.attachment,
                        error: r.error,
                    })
                    .collect())
            }
            fn detach_volumes(
                env: self::exports::juju::environs::model::EnvironBorrow<'_>,
                pool: $crate::types::StoragePool,
                params: ::std::vec::Vec<$crate::types::VolumeAttachmentParams>,
            ) -> $crate::Result<::std::vec::Vec<::core::option::Option<$crate::Error>>> {
                <Env as $crate::VolumeSource>::detach_volumes(&env.get::<EnvironRep>().0, pool, params)
            }
        }
    };

    // ----------------------------------------------- provider-level interfaces
    (cloud_detector) => {
        $crate::__forward!(@provider cloud_detector CloudDetector {
            fn detect_cloud(name: ::std::string::String) -> $crate::Result<$crate::types::Cloud>;
            fn detect_clouds() -> $crate::Result<::std::vec::Vec<$crate::types::Cloud>>;
        });
    };
    (cloud_region_detector) => {
        $crate::__forward!(@provider cloud_region_detector CloudRegionDetector {
            fn detect_regions() -> $crate::Result<::std::vec::Vec<$crate::types::Region>>;
        });
    };
    (cloud_finalizer) => {
        $crate::__forward!(@provider cloud_finalizer CloudFinalizer {
            fn finalize_cloud(cloud: $crate::types::Cloud) -> $crate::Result<$crate::types::Cloud>;
        });
    };
    (credentials_register) => {
        $crate::__forward!(@provider credentials_register CredentialsRegister {
            fn register_credentials(
                cloud: $crate::types::Cloud
            ) -> $crate::Result<::std::vec::Vec<(::std::string::String, $crate::types::CloudCredential)>>;
        });
    };
    (request_finalize_credential) => {
        $crate::__forward!(@provider request_finalize_credential RequestFinalizeCredential {
            fn should_finalize_credential(credential: $crate::types::Credential) -> $crate::Result<bool>;
        });
    };
    (model_config_upgrader) => {
        $crate::__forward!(@provider model_config_upgrader ModelConfigUpgrader {
            fn upgrade_config(config: $crate::types::Attrs) -> $crate::Result<$crate::types::Attrs>;
        });
    };
    (provider_schema) => {
        $crate::__forward!(@provider provider_schema ProviderSchema {
            fn schema() -> $crate::Result<::std::vec::Vec<$crate::types::SchemaField>>;
        });
    };
}
