//! Generated bindings, one module per WIT version, the per-interface export
//! lookup the host uses instead of instantiating a whole world, and the
//! dispatch over versions ([`Indices`], [`Guests`], `calls`).
//!
//! Like Zed's `since_vX` bindings, every supported `juju:environs` version
//! has a module generated from its own WIT (`wit/` for the newest,
//! `wit/since_vX.Y.Z/` for older ones). The records are shared: an older
//! version maps its record interface onto the newest one with bindgen's
//! `with`, so the host's API has one set of types. What differs between
//! versions (interface names, functions that gained a `result`) is bridged
//! in `calls`, so every call site in the runtime calls one method.
//!
//! `full-provider` lists every optional interface, but a provider exports
//! only some of them. So the host resolves each exported interface on its
//! own through the generated `GuestIndices`: `provider` and the model
//! interface (`environ` in 0.1.0, `model` since 0.2.0) are required and
//! loaded with every instance; an optional one is either absent (not
//! supported) or loaded the first time an instance uses it.

use std::sync::Arc;

use wasmtime::Store;
use wasmtime::component::{Instance, InstancePre};

use crate::error::{Error, Result};
use crate::inspect::OptionalInterface;
use crate::store::StoreState;

/// Defines `Indices` and `Guests` for one version module. `$model` is the
/// exported interface that holds the `environ` resource.
macro_rules! guest_sets {
    ($model:ident; $($field:ident: $module:ident = $variant:ident,)*) => {
        use self::exports::juju::environs as ex;

        /// Export indices of one compiled component, resolved once.
        pub(crate) struct Indices {
            pub provider: ex::provider::GuestIndices,
            pub environ: ex::$model::GuestIndices,
            $(pub $field: Option<ex::$module::GuestIndices>,)*
            /// Set once one instance had every export type-checked.
            verified: ::std::sync::atomic::AtomicBool,
        }

        /// The exported functions of one instance: the required ones, and
        /// the optional ones loaded so far.
        pub(crate) struct Guests {
            indices: ::std::sync::Arc<Indices>,
            instance: ::wasmtime::component::Instance,
            pub provider: ex::provider::Guest,
            pub environ: ex::$model::Guest,
            $(pub $field: Option<ex::$module::Guest>,)*
        }

        impl Indices {
            /// Looks up every interface the component exports and the
            /// functions in each. A missing required interface, or an
            /// exported one that lacks functions, is an invalid component;
            /// a missing optional one is fine.
            pub fn new(
                pre: &::wasmtime::component::InstancePre<crate::store::StoreState>,
            ) -> crate::error::Result<Self> {
                use crate::bindings::interface_name;
                use crate::error::Error;
                let exported = |iface: &str| {
                    pre.component()
                        .get_export_index(None, &interface_name(iface, WIT_VERSION))
                        .is_some()
                };
                for iface in ["provider", stringify!($model)] {
                    if !exported(iface) {
                        return Err(Error::InvalidComponent(format!(
                            "does not export {}", interface_name(iface, WIT_VERSION)
                        )));
                    }
                }
                let wrong = |iface: &str, e: ::wasmtime::Error| {
                    Error::InvalidComponent(format!(
                        "export {} does not match the contract: {e}",
                        interface_name(iface, WIT_VERSION)
                    ))
                };
                Ok(Indices {
                    provider: ex::provider::GuestIndices::new(pre)
                        .map_err(|e| wrong("provider", e))?,
                    environ: ex::$model::GuestIndices::new(pre)
                        .map_err(|e| wrong(stringify!($model), e))?,
                    $($field: {
                        let iface = crate::inspect::OptionalInterface::$variant.wit_name();
                        if exported(iface) {
                            Some(ex::$module::GuestIndices::new(pre).map_err(|e| wrong(iface, e))?)
                        } else {
                            None
                        }
                    },)*
                    verified: ::std::sync::atomic::AtomicBool::new(false),
                })
            }

            /// Loads (and type-checks) the required exports of a fresh
            /// instance. The first instance of a component also loads every
            /// optional export, so that one that does not match the contract
            /// is refused when the component is loaded, not on first use.
            pub fn load(
                self: &::std::sync::Arc<Self>,
                store: &mut ::wasmtime::Store<crate::store::StoreState>,
                instance: &::wasmtime::component::Instance,
            ) -> ::wasmtime::Result<Guests> {
                use ::std::sync::atomic::Ordering;
                let mut guests = Guests {
                    indices: self.clone(),
                    instance: *instance,
                    provider: self.provider.load(&mut *store, instance)?,
                    environ: self.environ.load(&mut *store, instance)?,
                    $($field: None,)*
                };
                if !self.verified.load(Ordering::Relaxed) {
                    for i in crate::inspect::OptionalInterface::ALL {
                        guests.ensure(store, i)?;
                    }
                    self.verified.store(true, Ordering::Relaxed);
                }
                Ok(guests)
            }

            /// True when the component exports `i`.
            pub fn supports(&self, i: crate::inspect::OptionalInterface) -> bool {
                match i {
                    $(crate::inspect::OptionalInterface::$variant => self.$field.is_some(),)*
                }
            }
        }

        impl Guests {
            /// Loads (and type-checks) the exports of `i` in this instance
            /// unless already loaded; nothing when the component does not
            /// export `i`.
            pub fn ensure(
                &mut self,
                store: &mut ::wasmtime::Store<crate::store::StoreState>,
                i: crate::inspect::OptionalInterface,
            ) -> ::wasmtime::Result<()> {
                match i {
                    $(crate::inspect::OptionalInterface::$variant => {
                        if self.$field.is_none()
                            && let Some(indices) = &self.indices.$field
                        {
                            self.$field = Some(indices.load(&mut *store, &self.instance)?);
                        }
                    })*
                }
                Ok(())
            }
        }
    };
}

pub(crate) use guest_sets;

pub(crate) mod calls;
pub mod v0_1_0;
pub mod v0_2_0;

/// The newest WIT version; older versions share its record types.
pub use v0_2_0 as latest;

/// The package every provider interface belongs to.
pub const PACKAGE: &str = "juju:environs";

/// The WIT versions this runtime has bindings for, oldest first.
pub const SUPPORTED_VERSIONS: &[&str] = &[v0_1_0::WIT_VERSION, v0_2_0::WIT_VERSION];

/// `juju:environs/<iface>@<version>`.
pub fn interface_name(iface: &str, version: &str) -> String {
    format!("{PACKAGE}/{iface}@{version}")
}

/// True for the WIT versions this runtime has bindings for.
pub fn is_supported_version(version: &str) -> bool {
    SUPPORTED_VERSIONS.contains(&version)
}

/// The exported interface that holds the `environ` resource in `version`:
/// `environ` in 0.1.0, `model` since 0.2.0.
pub fn model_interface(version: &str) -> &'static str {
    if version == v0_1_0::WIT_VERSION {
        "environ"
    } else {
        "model"
    }
}

/// Export indices of one compiled component, for the version it was built
/// against. Cloning is cheap.
#[derive(Clone)]
pub(crate) enum Indices {
    V0_1_0(Arc<v0_1_0::Indices>),
    V0_2_0(Arc<v0_2_0::Indices>),
}

/// The exports of one instance, for the version its component was built
/// against. The calls are methods (see `calls`).
pub(crate) enum Guests {
    V0_1_0(v0_1_0::Guests),
    V0_2_0(v0_2_0::Guests),
}

impl Indices {
    /// Looks up the exports of a component built against `version`.
    pub fn new(pre: &InstancePre<StoreState>, version: &str) -> Result<Self> {
        match version {
            v0_1_0::WIT_VERSION => Ok(Indices::V0_1_0(Arc::new(v0_1_0::Indices::new(pre)?))),
            v0_2_0::WIT_VERSION => Ok(Indices::V0_2_0(Arc::new(v0_2_0::Indices::new(pre)?))),
            other => Err(Error::InvalidComponent(format!(
                "built against juju:environs@{other}; this runtime supports {}",
                SUPPORTED_VERSIONS.join(", ")
            ))),
        }
    }

    /// Loads the required exports of a fresh instance (see the version
    /// modules' `Indices::load`).
    pub fn load(
        &self,
        store: &mut Store<StoreState>,
        instance: &Instance,
    ) -> wasmtime::Result<Guests> {
        Ok(match self {
            Indices::V0_1_0(x) => Guests::V0_1_0(x.load(store, instance)?),
            Indices::V0_2_0(x) => Guests::V0_2_0(x.load(store, instance)?),
        })
    }

    /// True when the component exports `i`.
    pub fn supports(&self, i: OptionalInterface) -> bool {
        match self {
            Indices::V0_1_0(x) => x.supports(i),
            Indices::V0_2_0(x) => x.supports(i),
        }
    }
}

impl Guests {
    /// Loads the exports of `i` in this instance unless already loaded.
    pub fn ensure(
        &mut self,
        store: &mut Store<StoreState>,
        i: OptionalInterface,
    ) -> wasmtime::Result<()> {
        match self {
            Guests::V0_1_0(g) => g.ensure(store, i),
            Guests::V0_2_0(g) => g.ensure(store, i),
        }
    }
}
