//! The host half of `environs` against the dummy provider: cloud specs,
//! bootstrap and destroy, zone-aware provisioning, API info, image
//! metadata sources, constraints and instance types.

mod api_info;
mod bootstrap;
mod cloudspec;
mod constraints;
mod destroy;
mod imagemetadata;
mod instancetypes;
mod zones;
