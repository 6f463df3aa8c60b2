"""Availability zones: zone1, zone3 and zone4 are available, zone2 is not."""

from typing import List, Optional

from wit_world.imports.common import AvailabilityZone, StartInstanceParams

from .errors import not_supported, not_valid, other

ZONES = [("zone1", True), ("zone2", False), ("zone3", True), ("zone4", True)]


def check_zone(zone: str) -> None:
    """Fails for an unknown or unavailable zone. The error is not
    zone-independent: the same request may succeed in another zone."""
    for name, available in ZONES:
        if name == zone:
            if not available:
                raise other(f'availability zone "{zone}" is unavailable')
            return
    raise not_valid(f'invalid availability zone "{zone}"')


class AvailabilityZones:
    """`juju:environs/availability-zones`."""

    def availability_zones(self, env) -> List[AvailabilityZone]:
        return [AvailabilityZone(name=n, available=a) for n, a in ZONES]

    def instance_availability_zone_names(self, env, ids: List[str]) -> List[Optional[str]]:
        if "InstanceAvailabilityZoneNames" in env.cfg().broken:
            # Juju's dummy answers NotSupported here.
            raise not_supported("dummy.InstanceAvailabilityZoneNames is broken")
        instances = env.store().get()["instances"]
        return [instances[id]["zone"] if id in instances else None for id in ids]

    def derive_availability_zones(self, env, params: StartInstanceParams) -> List[str]:
        if params.placement.startswith("zone="):
            zone = params.placement[len("zone="):]
            check_zone(zone)
            return [zone]
        return []
