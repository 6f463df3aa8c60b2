// Ports: model-wide rules (`firewaller`, `firewall-mode=global`) and
// per-instance rules (`instance-firewaller`, `firewall-mode=instance`),
// with Juju's exact errors for the wrong mode.
//
// Rules are kept merged: one rule per (protocol, port range) holding every
// source CIDR (default `0.0.0.0/0`), sorted by protocol, from, to, CIDRs.

import { notValid, other } from "./errors.js";

const DEFAULT_CIDR = "0.0.0.0/0";

export function wrongMode(mode, action, target) {
  return other(`invalid firewall mode ${JSON.stringify(mode)} for ${action} ${target}`);
}

const uniqueSorted = (list) => [...new Set(list)].sort();

/** Checks a rule and fills in the default source CIDR. */
function normalize(rule) {
  const protocol = rule.protocol.toLowerCase();
  const { fromPort, toPort } = rule;
  let valid = false;
  if (protocol === "tcp" || protocol === "udp") {
    valid = fromPort >= 1 && fromPort <= toPort && toPort <= 65535;
  } else if (protocol === "icmp") {
    valid = fromPort === toPort;
  }
  if (!valid) throw notValid(`invalid port range ${fromPort}-${toPort}/${rule.protocol}`);
  const cidrs = rule.sourceCidrs.length === 0 ? [DEFAULT_CIDR] : rule.sourceCidrs;
  return { protocol, fromPort, toPort, sourceCidrs: uniqueSorted(cidrs) };
}

const sameRange = (a, b) =>
  a.protocol === b.protocol && a.fromPort === b.fromPort && a.toPort === b.toPort;

function compare(a, b) {
  if (a.protocol !== b.protocol) return a.protocol < b.protocol ? -1 : 1;
  if (a.fromPort !== b.fromPort) return a.fromPort - b.fromPort;
  if (a.toPort !== b.toPort) return a.toPort - b.toPort;
  const x = a.sourceCidrs.join(",");
  const y = b.sourceCidrs.join(",");
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Adds `added` to `rules` (in place), merging CIDRs of an existing range. */
export function open(rules, added) {
  for (const raw of added) {
    const rule = normalize(raw);
    const existing = rules.find((r) => sameRange(r, rule));
    if (existing) existing.sourceCidrs = uniqueSorted([...existing.sourceCidrs, ...rule.sourceCidrs]);
    else rules.push(rule);
  }
  rules.sort(compare);
}

/** Removes the CIDRs of `removed` from `rules` (in place); absent rules are fine. */
export function close(rules, removed) {
  for (const raw of removed) {
    const rule = normalize(raw);
    const existing = rules.find((r) => sameRange(r, rule));
    if (existing) existing.sourceCidrs = existing.sourceCidrs.filter((c) => !rule.sourceCidrs.includes(c));
    const kept = rules.filter((r) => r.sourceCidrs.length > 0);
    rules.splice(0, rules.length, ...kept);
  }
  rules.sort(compare);
}
