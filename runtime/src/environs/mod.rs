//! The host half of Juju's `environs` package: the functions every
//! provider relies on, implemented once on the host over the WIT calls, so
//! any provider in any language gets Juju's behaviour.
//!
//! - [`cloudspec`]: `MakeCloudSpec`, `CloudSpec.Validate`, `NewRegionSpec`.
//! - [`open`]: `New`, `Open`, `GetEnviron` over a model-config getter.
//! - [`bootstrap`]: the client-side bootstrap order and the bootstrap
//!   instance tried zone by zone (`provider/common.BootstrapInstance`).
//! - [`provisioner`]: zone-aware start-instance with retries (Juju's
//!   provisioner task).
//! - [`destroy`]: `Destroy` with a controller store.
//! - [`api_info`]: `APIInfo` with the addresses refresh attempt,
//!   `CheckProviderAPI`, `DefaultSpaceInfo`.
//! - [`imagemetadata`]: image data-source registration and
//!   `ImageMetadataSources`.
//! - [`instancetypes`]: `instances.MatchingInstanceTypes`, also offered to
//!   guests as a host import.

pub mod api_info;
pub mod bootstrap;
pub mod cloudspec;
pub mod destroy;
pub mod imagemetadata;
pub mod instancetypes;
pub mod open;
pub mod provisioner;
