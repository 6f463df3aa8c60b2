"""The component's entry module: one class per exported interface, named
as componentize-py expects (`Provider`, `Firewaller`, …). The `model`
interface holds only resources (`environ`, `bootstrap-finalizer`) and a
record, so it needs no class here: `Provider.open` returns
`dummy.environ.Environ` objects."""

from dummy.firewall import Firewaller, InstanceFirewaller
from dummy.provider import Provider
from dummy.zones import AvailabilityZones

__all__ = ["AvailabilityZones", "Firewaller", "InstanceFirewaller", "Provider"]
