"""Ports: model-wide rules (`firewaller`, `firewall-mode=global`) and
per-instance rules (`instance-firewaller`, `firewall-mode=instance`), with
Juju's exact errors for the wrong mode.

Rules are kept merged: one rule per (protocol, port range) holding every
source CIDR (default `0.0.0.0/0`), sorted by protocol, from, to, CIDRs.
Stored as dicts {"protocol", "from", "to", "cidrs"}.
"""

from typing import Any, Dict, List

from wit_world.imports.common import IngressRule

from .errors import not_found, not_valid, other

DEFAULT_CIDR = "0.0.0.0/0"

Rule = Dict[str, Any]


def _wrong_mode(mode: str, action: str, target: str):
    return other(f'invalid firewall mode "{mode}" for {action} {target}')


def _normalize(rule: IngressRule) -> Rule:
    """Checks a rule and fills in the default source CIDR."""
    protocol = rule.protocol.lower()
    if protocol in ("tcp", "udp"):
        valid = 1 <= rule.from_port <= rule.to_port <= 65535
    elif protocol == "icmp":
        valid = rule.from_port == rule.to_port
    else:
        valid = False
    if not valid:
        raise not_valid(f"invalid port range {rule.from_port}-{rule.to_port}/{rule.protocol}")
    cidrs = sorted(set(rule.source_cidrs or [DEFAULT_CIDR]))
    return {"protocol": protocol, "from": rule.from_port, "to": rule.to_port, "cidrs": cidrs}


def _key(r: Rule):
    return (r["protocol"], r["from"], r["to"], r["cidrs"])


def _find(rules: List[Rule], rule: Rule):
    for r in rules:
        if (r["protocol"], r["from"], r["to"]) == (rule["protocol"], rule["from"], rule["to"]):
            return r
    return None


def open_rules(rules: List[Rule], new: List[IngressRule]) -> None:
    """Adds `new` to `rules`, merging CIDRs of an existing port range."""
    for rule in [_normalize(r) for r in new]:
        existing = _find(rules, rule)
        if existing is None:
            rules.append(rule)
        else:
            existing["cidrs"] = sorted(set(existing["cidrs"]) | set(rule["cidrs"]))
    rules.sort(key=_key)


def close_rules(rules: List[Rule], old: List[IngressRule]) -> None:
    """Removes the CIDRs of `old` from `rules`; absent rules are fine."""
    for rule in [_normalize(r) for r in old]:
        existing = _find(rules, rule)
        if existing is not None:
            existing["cidrs"] = [c for c in existing["cidrs"] if c not in rule["cidrs"]]
    rules[:] = [r for r in rules if r["cidrs"]]
    rules.sort(key=_key)


def records(rules: List[Rule]) -> List[IngressRule]:
    return [
        IngressRule(protocol=r["protocol"], from_port=r["from"], to_port=r["to"], source_cidrs=list(r["cidrs"]))
        for r in rules
    ]


class Firewaller:
    """`juju:environs/firewaller`: model-wide ports."""

    def _check(self, env, action: str) -> None:
        mode = env.cfg().firewall_mode
        if mode != "global":
            raise _wrong_mode(mode, action, "model")

    def open_ports(self, env, rules: List[IngressRule]) -> None:
        self._check(env, "opening ports on")
        env.store().update(lambda m: open_rules(m["global_rules"], rules))

    def close_ports(self, env, rules: List[IngressRule]) -> None:
        self._check(env, "closing ports on")
        env.store().update(lambda m: close_rules(m["global_rules"], rules))

    def ingress_rules(self, env) -> List[IngressRule]:
        self._check(env, "retrieving ingress rules from")
        return records(env.store().get()["global_rules"])


def _with_instance_rules(env, action: str, instance_id: str, machine_id: str, change):
    """Runs `change` on the rules of `instance_id` after checking the mode
    and that the instance belongs to `machine_id` (Juju's dummy panics)."""
    mode = env.cfg().firewall_mode
    if mode != "instance":
        raise _wrong_mode(mode, action, "instance")

    def apply(model):
        inst = model["instances"].get(instance_id)
        if inst is None:
            raise not_found(f'instance "{instance_id}" not found')
        if inst["machine_id"] != machine_id:
            raise not_valid(
                f'instance "{instance_id}" belongs to machine "{inst["machine_id"]}", not "{machine_id}"'
            )
        return change(inst["rules"])

    return env.store().update(apply)


class InstanceFirewaller:
    """`juju:environs/instance-firewaller`: per-instance ports."""

    def open_ports(self, env, instance_id: str, machine_id: str, rules: List[IngressRule]) -> None:
        _with_instance_rules(
            env, "opening ports on", instance_id, machine_id, lambda r: open_rules(r, rules)
        )

    def close_ports(self, env, instance_id: str, machine_id: str, rules: List[IngressRule]) -> None:
        _with_instance_rules(
            env, "closing ports on", instance_id, machine_id, lambda r: close_rules(r, rules)
        )

    def ingress_rules(self, env, instance_id: str, machine_id: str) -> List[IngressRule]:
        return _with_instance_rules(
            env, "retrieving ingress rules from", instance_id, machine_id, records
        )
