//! Availability zones: zone1, zone3 and zone4 are available, zone2 is not.

use strato_guest::types::{AvailabilityZone, StartInstanceParams};
use strato_guest::{AvailabilityZones, Error, Result};

use crate::environ::DummyEnviron;

/// The zones and whether each is available.
pub const ZONES: [(&str, bool); 4] = [
    ("zone1", true),
    ("zone2", false),
    ("zone3", true),
    ("zone4", true),
];

/// Fails for an unknown or unavailable zone. The error is not
/// zone-independent: the same request may succeed in another zone.
pub fn check_zone(zone: &str) -> Result<()> {
    match ZONES.iter().find(|(name, _)| *name == zone) {
        Some((_, true)) => Ok(()),
        Some((_, false)) => Err(Error::other(format!(
            "availability zone {zone:?} is unavailable"
        ))),
        None => Err(Error::not_valid(format!(
            "invalid availability zone {zone:?}"
        ))),
    }
}

impl AvailabilityZones for DummyEnviron {
    fn availability_zones(&self) -> Result<Vec<AvailabilityZone>> {
        Ok(ZONES
            .iter()
            .map(|(name, available)| AvailabilityZone {
                name: name.to_string(),
                available: *available,
            })
            .collect())
    }

    fn instance_availability_zone_names(&self, ids: Vec<String>) -> Result<Vec<Option<String>>> {
        if self
            .cfg()?
            .broken
            .iter()
            .any(|b| b == "InstanceAvailabilityZoneNames")
        {
            // Juju's dummy answers NotSupported here.
            return Err(Error::not_supported(
                "dummy.InstanceAvailabilityZoneNames is broken",
            ));
        }
        let state = self.store()?.get()?;
        Ok(ids
            .iter()
            .map(|id| state.instances.get(id).map(|i| i.zone.clone()))
            .collect())
    }

    fn derive_availability_zones(&self, params: StartInstanceParams) -> Result<Vec<String>> {
        match params.placement.strip_prefix("zone=") {
            Some(zone) => {
                check_zone(zone)?;
                Ok(vec![zone.to_string()])
            }
            None => Ok(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // zone2 and unknown zones fail, and a host may retry either elsewhere.
    #[test]
    fn zone_checks() {
        assert!(check_zone("zone1").is_ok());
        let unavailable = check_zone("zone2").unwrap_err();
        assert!(!unavailable.zone_independent);
        assert!(check_zone("zone9").is_err());
    }
}
