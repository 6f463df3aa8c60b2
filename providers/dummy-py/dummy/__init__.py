"""Strato's dummy provider in Python: Juju's `provider/dummy`, persistent.

The same semantics as the Rust reference provider (`providers/dummy`) for
what this port covers: the provider and model interfaces, both firewall
modes, availability zones (zone2 unavailable), the `broken` attribute and
model state kept as JSON in the granted state directory.
"""
