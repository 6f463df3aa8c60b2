"""The component's entry module: one class per exported interface, named
as componentize-py expects (`Provider`, `Firewaller`, …). The `environ`
interface holds only the `environ` resource, so it needs no class here:
`Provider.open` returns `dummy.environ.Environ` objects."""

from dummy.firewall import Firewaller, InstanceFirewaller
from dummy.provider import Provider
from dummy.zones import AvailabilityZones

__all__ = ["AvailabilityZones", "Firewaller", "InstanceFirewaller", "Provider"]
