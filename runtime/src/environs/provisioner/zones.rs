//! Which machines are in which availability zone: Juju's
//! `AvailabilityZoneMachine` list of the provisioner task, and
//! `provider/common.AvailabilityZoneAllocations`.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::environ::Environ;
use crate::error::{Error, Result};
use crate::types::{Constraints, InstanceState};

/// One zone of a [`ZoneMap`] (Juju's `AvailabilityZoneMachine`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZoneMachines {
    /// The zone's name.
    pub zone: String,
    /// Machines placed in the zone (its population).
    pub machines: BTreeSet<String>,
    /// Machines that failed to start in the zone (in this round of zones).
    pub failed: BTreeSet<String>,
    /// Machines that must not use the zone (placement or volumes pin them
    /// elsewhere: `DeriveAvailabilityZones`).
    pub excluded: BTreeSet<String>,
}

impl ZoneMachines {
    /// An empty zone named `zone`.
    pub fn new(zone: impl Into<String>) -> Self {
        ZoneMachines {
            zone: zone.into(),
            ..Default::default()
        }
    }

    /// True when the `zones` constraint is unset or names this zone.
    pub fn matches(&self, cons: &Constraints) -> bool {
        cons.zones
            .as_ref()
            .is_none_or(|zones| zones.contains(&self.zone))
    }

    fn usable_by(&self, machine: &str) -> bool {
        !self.failed.contains(machine) && !self.excluded.contains(machine)
    }
}

/// The zones of a model and the machines in each: what the provisioner
/// uses to spread machines over zones. Empty when the provider has no
/// zones (then machines start with no zone).
///
/// Cloning shares the map (as Juju's provisioner shares it, under a lock,
/// between the machines it starts at once); every method takes `&self`.
///
/// ```
/// use strato_runtime::environs::provisioner::{ZoneMachines, ZoneMap};
///
/// let map = ZoneMap::new(["zone1", "zone3"].map(ZoneMachines::new));
/// map.add_machine("zone1", "0");
/// let cons = strato_runtime::constraints::empty();
/// assert_eq!(map.choose_zone("1", &[], &cons).unwrap(), "zone3");
/// // zone3 failed for machine 1: zone1 is still left to try.
/// assert!(map.mark_failed("1", "zone3", &cons));
/// assert_eq!(map.choose_zone("1", &[], &cons).unwrap(), "zone1");
/// ```
#[derive(Debug, Clone, Default)]
pub struct ZoneMap {
    zones: Arc<Mutex<Vec<ZoneMachines>>>,
}

impl ZoneMap {
    /// A map of these zones.
    pub fn new(zones: impl IntoIterator<Item = ZoneMachines>) -> Self {
        ZoneMap {
            zones: Arc::new(Mutex::new(zones.into_iter().collect())),
        }
    }

    /// The provisioner's map for `env` (Juju's
    /// `populateAvailabilityZoneMachines`): the available zones, each with
    /// the machines whose instances run there. `machine_of` maps an
    /// instance id to its machine id; Juju counts only the instances of
    /// machines it knows (return `None` for the others), and
    /// `|id| Some(id.to_string())` counts every instance.
    ///
    /// Empty when the component does not export `availability-zones` or
    /// its `availability-zones` answers `not-implemented` / `not-supported`;
    /// a failure listing the instances or their zones is returned.
    pub async fn from_environ(
        env: &Environ,
        machine_of: impl Fn(&str) -> Option<String>,
    ) -> Result<ZoneMap> {
        let zones = allocations(env, &[], true).await?;
        Ok(ZoneMap::new(zones.into_iter().map(|z| ZoneMachines {
            machines: z.instances.iter().filter_map(|i| machine_of(i)).collect(),
            ..ZoneMachines::new(z.zone)
        })))
    }

    fn lock(&self) -> MutexGuard<'_, Vec<ZoneMachines>> {
        self.zones.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A copy of the zones, in the map's order.
    pub fn snapshot(&self) -> Vec<ZoneMachines> {
        self.lock().clone()
    }

    /// True when there are no zones (machines start without one).
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// Records that `machine` runs in `zone` (`addMachineToAZMap`).
    pub fn add_machine(&self, zone: &str, machine: &str) {
        if let Some(z) = self.lock().iter_mut().find(|z| z.zone == zone) {
            z.machines.insert(machine.to_string());
        }
    }

    /// Forgets `machine`'s placement and failures (`removeMachineFromAZMap`:
    /// the machine is gone, or failed for good).
    pub fn remove_machine(&self, machine: &str) {
        for z in self.lock().iter_mut() {
            z.machines.remove(machine);
            z.failed.remove(machine);
        }
    }

    /// Excludes `machine` from every zone but `allowed` (Juju's
    /// `populateExcludedMachines` with the derived zones); an empty
    /// `allowed` excludes nothing.
    pub fn exclude_outside(&self, machine: &str, allowed: &[String]) {
        if allowed.is_empty() {
            return;
        }
        for z in self.lock().iter_mut() {
            if !allowed.contains(&z.zone) {
                z.excluded.insert(machine.to_string());
            }
        }
    }

    /// The zone to start `machine` in, which then counts it (Juju's
    /// `machineAvailabilityZoneDistribution`): among the zones the `zones`
    /// constraint allows where the machine has neither failed nor is
    /// excluded, the least populated, ties by name. With a distribution
    /// group (the ids of the machines it should be spread from), population
    /// counts only the group's machines.
    ///
    /// `Ok("")` when the map is empty; [`Error::NotFound`] (`suitable
    /// availability zone for machine X not found`) when no zone is left.
    pub fn choose_zone(
        &self,
        machine: &str,
        distribution_group: &[String],
        cons: &Constraints,
    ) -> Result<String> {
        let mut zones = self.lock();
        if zones.is_empty() {
            return Ok(String::new());
        }
        let population = |z: &ZoneMachines| {
            if distribution_group.is_empty() {
                z.machines.len()
            } else {
                (z.machines.iter())
                    .filter(|m| distribution_group.contains(m))
                    .count()
            }
        };
        let chosen = zones
            .iter_mut()
            .filter(|z| z.matches(cons) && z.usable_by(machine))
            .min_by(|a, b| (population(a), &a.zone).cmp(&(population(b), &b.zone)));
        match chosen {
            Some(z) => {
                z.machines.insert(machine.to_string());
                Ok(z.zone.clone())
            }
            None => Err(Error::NotFound(format!(
                "suitable availability zone for machine {machine} not found"
            ))),
        }
    }

    /// Moves `machine` from the population of `zone` to its failures and
    /// says whether another zone is left for it (Juju's
    /// `markMachineFailedInAZ`, as later Juju versions do it: only zones the
    /// `zones` constraint allows count as left).
    pub fn mark_failed(&self, machine: &str, zone: &str, cons: &Constraints) -> bool {
        let mut zones = self.lock();
        if let Some(z) = zones.iter_mut().find(|z| z.zone == zone) {
            z.machines.remove(machine);
            z.failed.insert(machine.to_string());
        }
        zones
            .iter()
            .any(|z| z.matches(cons) && z.usable_by(machine))
    }

    /// Forgets `machine`'s failures in every zone, for a new round of
    /// zones (`clearMachineAZFailures`).
    pub fn clear_failures(&self, machine: &str) {
        for z in self.lock().iter_mut() {
            z.failed.remove(machine);
        }
    }
}

/// The instances of one zone (`common.AvailabilityZoneInstances`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoneInstances {
    /// The zone's name.
    pub zone: String,
    /// Ids of the instances running there.
    pub instances: Vec<String>,
}

/// `common.AvailabilityZoneAllocations`: the *available* zones with the
/// instances of `group` in each (every instance that is not stopped or
/// terminated when `group` is empty), least populated first, ties by name.
/// Instances in unavailable or unknown zones are left out.
///
/// [`Error::NotSupported`] when the component does not export
/// `availability-zones`.
pub async fn availability_zone_allocations(
    env: &Environ,
    group: &[String],
) -> Result<Vec<ZoneInstances>> {
    allocations(env, group, false).await
}

/// [`availability_zone_allocations`]; with `no_zones_ok`, a provider
/// without zones ([`zones_unsupported`] from `availability-zones`) has
/// none, and only the other calls' errors are returned.
async fn allocations(
    env: &Environ,
    group: &[String],
    no_zones_ok: bool,
) -> Result<Vec<ZoneInstances>> {
    let zones = match env.availability_zones().await {
        Ok(zones) => zones,
        Err(e) if no_zones_ok && zones_unsupported(&e) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let group: Vec<String> = if group.is_empty() {
        (env.all_instances().await?.into_iter())
            .filter(|i| {
                !matches!(
                    i.status.state,
                    InstanceState::Stopped | InstanceState::Terminated
                )
            })
            .map(|i| i.id)
            .collect()
    } else {
        group.to_vec()
    };
    let names = if group.is_empty() {
        Vec::new()
    } else {
        env.instance_availability_zone_names(&group).await?
    };
    let mut out: Vec<ZoneInstances> = zones
        .into_iter()
        .filter(|z| z.available)
        .map(|z| ZoneInstances {
            zone: z.name,
            instances: Vec::new(),
        })
        .collect();
    for (id, zone) in group.iter().zip(names) {
        let Some(zone) = zone else { continue };
        if let Some(z) = out.iter_mut().find(|z| z.zone == zone) {
            z.instances.push(id.clone());
        }
    }
    out.sort_by(|a, b| (a.instances.len(), &a.zone).cmp(&(b.instances.len(), &b.zone)));
    Ok(out)
}

/// True for the answers that mean "this provider has no zones": the
/// interface is not exported, or the provider says not implemented or not
/// supported.
pub(crate) fn zones_unsupported(e: &Error) -> bool {
    e.is_not_supported() || e.kind() == Some(crate::types::ErrorKind::NotImplemented)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraints::empty;

    fn map(zones: &[(&str, &[&str])]) -> ZoneMap {
        ZoneMap::new(zones.iter().map(|(name, machines)| ZoneMachines {
            machines: machines.iter().map(|m| m.to_string()).collect(),
            ..ZoneMachines::new(*name)
        }))
    }

    fn zones(list: &[&str]) -> Constraints {
        Constraints {
            zones: Some(list.iter().map(|z| z.to_string()).collect()),
            ..empty()
        }
    }

    fn group(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    // Juju's distribution cases: least populated, ties by name, the zones
    // constraint, distribution groups, failures and exclusions.
    #[test]
    fn choose_zone_table() {
        let m = || map(&[("z1", &["0", "1"]), ("z2", &["2"]), ("z3", &["3"])]);
        let cases: Vec<(&str, ZoneMap, Vec<String>, Constraints, &str)> = vec![
            ("least populated, ties by name", m(), vec![], empty(), "z2"),
            ("zones constraint", m(), vec![], zones(&["z1", "z3"]), "z3"),
            ("distribution group", m(), group(&["2", "3"]), empty(), "z1"),
            (
                "group and constraint",
                m(),
                group(&["0", "2"]),
                zones(&["z1", "z2"]),
                "z1",
            ),
            ("empty map", ZoneMap::default(), vec![], empty(), ""),
        ];
        for (name, map, dg, cons, want) in cases {
            assert_eq!(map.choose_zone("9", &dg, &cons).unwrap(), want, "{name}");
            if !want.is_empty() {
                let counted = map
                    .snapshot()
                    .iter()
                    .any(|z| z.zone == want && z.machines.contains("9"));
                assert!(counted, "{name}: the chosen zone counts the machine");
            }
        }

        let m = m();
        m.exclude_outside("9", &group(&["z3"]));
        assert_eq!(m.choose_zone("9", &[], &empty()).unwrap(), "z3");
        assert!(!m.mark_failed("9", "z3", &empty()));
        let e = m.choose_zone("9", &[], &empty()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "suitable availability zone for machine 9 not found"
        );
        assert!(e.is_not_found());
        m.clear_failures("9");
        assert_eq!(m.choose_zone("9", &[], &empty()).unwrap(), "z3");
    }

    // A failure moves the machine out of the zone's population, and only
    // zones the constraint allows count as left.
    #[test]
    fn mark_failed_and_remove() {
        let m = map(&[("z1", &[]), ("z2", &[]), ("z3", &[])]);
        let cons = zones(&["z1", "z2"]);
        assert_eq!(m.choose_zone("7", &[], &cons).unwrap(), "z1");
        assert!(m.mark_failed("7", "z1", &cons));
        let z1 = &m.snapshot()[0];
        assert!(!z1.machines.contains("7") && z1.failed.contains("7"));
        assert_eq!(m.choose_zone("7", &[], &cons).unwrap(), "z2");
        assert!(!m.mark_failed("7", "z2", &cons), "z3 is not allowed");
        m.add_machine("z3", "7");
        m.remove_machine("7");
        assert!(
            m.snapshot()
                .iter()
                .all(|z| !z.machines.contains("7") && !z.failed.contains("7"))
        );
        m.exclude_outside("7", &[]);
        assert!(m.snapshot().iter().all(|z| z.excluded.is_empty()));
    }
}
