//! The `instance-types` host import: Juju's `MatchingInstanceTypes`, run
//! by the host for the guest (`crate::environs::instancetypes`).

use crate::bindings::latest::juju::environs::{common as types, instance_types};
use crate::environs::instancetypes::matching_instance_types;
use crate::store::StoreState;
use crate::types::{Constraints, ErrorKind, InstanceType};

/// Most instance types one call may pass (a large cloud has about a
/// thousand); more is refused rather than sorted at the host's expense.
pub(crate) const MAX_TYPES: usize = 1 << 16;

impl instance_types::Host for StoreState {
    async fn matching_instance_types(
        &mut self,
        all: Vec<InstanceType>,
        region: String,
        constraints: Constraints,
    ) -> Result<Vec<InstanceType>, types::Error> {
        if all.len() > MAX_TYPES {
            return Err(types::Error {
                kind: ErrorKind::NotValid,
                message: format!(
                    "{} instance types passed to matching-instance-types; at most {MAX_TYPES}",
                    all.len()
                ),
                zone_independent: true,
            });
        }
        matching_instance_types(&all, &region, &constraints).map_err(|e| types::Error {
            kind: ErrorKind::NotFound,
            message: e.to_string(),
            // No zone has a type the constraints do not allow (Juju's EC2
            // provider wraps this error as zone independent too).
            zone_independent: true,
        })
    }
}
