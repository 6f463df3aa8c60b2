//! Bindings for `juju:environs@0.1.0`, generated from `wit/` by
//! `wasmtime::component::bindgen!`.
//!
//! The host never instantiates the whole `full-provider` world: a provider
//! exports only the optional interfaces its cloud supports, so each exported
//! interface is looked up on its own through its generated `GuestIndices`.

#![allow(missing_docs, unused, clippy::all)]

/// The WIT package version these bindings were generated from.
pub const WIT_VERSION: &str = "0.1.0";

wasmtime::component::bindgen!({
    path: "../wit",
    world: "juju:environs/full-provider",
    imports: { default: async },
    exports: { default: async },
    additional_derives: [PartialEq],
});
