//! Choosing instance types for constraints, done by the host: Juju's
//! `instances.MatchingInstanceTypes` behind the `instance-types` import, so
//! every provider picks types the same way.
//!
//! ```no_run
//! use strato_guest::instance_types::matching_instance_types;
//! use strato_guest::types::{Constraints, InstanceType};
//!
//! # fn demo(all: &[InstanceType]) -> strato_guest::Result<()> {
//! let cons = Constraints::parse("cores=2 arch=arm64").unwrap();
//! let cheapest = &matching_instance_types(all, "us-east-1", &cons)?[0];
//! # let _ = cheapest; Ok(()) }
//! ```
//!
//! Outside a wasm component (native unit tests) there is no host:
//! [`matching_instance_types`] fails with `not-supported`.

use crate::Result;
use crate::types::{Constraints, InstanceType};

#[cfg(target_arch = "wasm32")]
use crate::bindings::juju::environs::instance_types as host;

/// `instances.MatchingInstanceTypes`: the types of `all` that satisfy
/// `constraints` in `region`, cheapest first, each with only the
/// architectures the constraints allow. Without `mem` and `instance-type`
/// constraints, types with at least 1 GiB are preferred, else the
/// largest-memory match. No match is a `not-found`, zone-independent error
/// with Juju's message (`no instance types in <region> matching constraints
/// "<constraints>"`), ready to return from `start_instance`.
pub fn matching_instance_types(
    all: &[InstanceType],
    region: &str,
    constraints: &Constraints,
) -> Result<Vec<InstanceType>> {
    #[cfg(target_arch = "wasm32")]
    return host::matching_instance_types(all, region, constraints);
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = (all, region, constraints);
        Err(crate::Error::not_supported(
            "instance types are matched by the Strato host",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natively_there_is_no_host() {
        let err = matching_instance_types(&[], "r", &Constraints::default()).unwrap_err();
        assert_eq!(err.kind, crate::ErrorKind::NotSupported);
    }
}
