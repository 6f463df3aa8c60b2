//! Generated bindings, one module per WIT version, and the per-interface
//! export lookup the host uses instead of instantiating a whole world.
//!
//! `full-provider` lists every optional interface, but a provider exports
//! only some of them. So the host resolves each exported interface on its
//! own through the generated `GuestIndices`: `provider` and `environ` are
//! required, every optional one is either present or not supported.

pub mod v0_1_0;

/// The newest WIT version; older versions (none yet) forward to it.
pub use v0_1_0 as latest;

use wasmtime::component::{Instance, InstancePre};
use wasmtime::{AsContextMut, Store};

use crate::error::{Error, Result};
use crate::inspect::OptionalInterface;
use crate::store::StoreState;
use latest::exports::juju::environs as ex;

/// The package every provider interface belongs to.
pub const PACKAGE: &str = "juju:environs";

/// `juju:environs/<iface>@<version>`.
pub fn interface_name(iface: &str, version: &str) -> String {
    format!("{PACKAGE}/{iface}@{version}")
}

/// True for the WIT versions this runtime has bindings for.
pub fn is_supported_version(version: &str) -> bool {
    version == latest::WIT_VERSION
}

macro_rules! guest_sets {
    ($($field:ident: $module:ident = $variant:ident,)*) => {
        /// Export indices of one compiled component, resolved once.
        #[derive(Clone)]
        pub(crate) struct Indices {
            pub provider: ex::provider::GuestIndices,
            pub environ: ex::environ::GuestIndices,
            $(pub $field: Option<ex::$module::GuestIndices>,)*
        }

        /// The exported functions of one instance.
        pub(crate) struct Guests {
            pub provider: ex::provider::Guest,
            pub environ: ex::environ::Guest,
            $(pub $field: Option<ex::$module::Guest>,)*
        }

        impl Indices {
            /// Looks up every interface the component exports. A missing
            /// required interface, or an exported one that lacks functions,
            /// is an invalid component; a missing optional one is fine.
            pub fn new(pre: &InstancePre<StoreState>, version: &str) -> Result<Self> {
                let required = |iface: &str| {
                    if pre.component().get_export_index(None, &interface_name(iface, version)).is_none() {
                        return Err(Error::InvalidComponent(format!(
                            "does not export {}", interface_name(iface, version)
                        )));
                    }
                    Ok(())
                };
                required("provider")?;
                required("environ")?;
                let wrong = |iface: &str, e: wasmtime::Error| {
                    Error::InvalidComponent(format!(
                        "export {} does not match the contract: {e}",
                        interface_name(iface, version)
                    ))
                };
                Ok(Indices {
                    provider: ex::provider::GuestIndices::new(pre)
                        .map_err(|e| wrong("provider", e))?,
                    environ: ex::environ::GuestIndices::new(pre)
                        .map_err(|e| wrong("environ", e))?,
                    $($field: {
                        let iface = OptionalInterface::$variant.wit_name();
                        if pre.component().get_export_index(None, &interface_name(iface, version)).is_some() {
                            Some(ex::$module::GuestIndices::new(pre).map_err(|e| wrong(iface, e))?)
                        } else {
                            None
                        }
                    },)*
                })
            }

            /// Loads (and type-checks) the exports of a fresh instance.
            pub fn load(&self, store: &mut Store<StoreState>, instance: &Instance) -> wasmtime::Result<Guests> {
                let mut store = store.as_context_mut();
                Ok(Guests {
                    provider: self.provider.load(&mut store, instance)?,
                    environ: self.environ.load(&mut store, instance)?,
                    $($field: match &self.$field {
                        Some(i) => Some(i.load(&mut store, instance)?),
                        None => None,
                    },)*
                })
            }

            /// True when the component exports `i`.
            pub fn supports(&self, i: OptionalInterface) -> bool {
                match i {
                    $(OptionalInterface::$variant => self.$field.is_some(),)*
                }
            }
        }
    };
}

guest_sets! {
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
