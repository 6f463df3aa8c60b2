// Availability zones: zone1, zone3 and zone4 are available, zone2 is not.

import { other, notValid } from "./errors.js";

export const ZONES = [
  ["zone1", true],
  ["zone2", false],
  ["zone3", true],
  ["zone4", true],
];

/**
 * Throws for an unknown or unavailable zone. The error is not
 * zone-independent: the same request may succeed in another zone.
 */
export function checkZone(zone) {
  const found = ZONES.find(([name]) => name === zone);
  if (!found) throw notValid(`invalid availability zone ${JSON.stringify(zone)}`);
  if (!found[1]) throw other(`availability zone ${JSON.stringify(zone)} is unavailable`);
}

/** The zone a `zone=<name>` placement names, or null. */
export function placementZone(placement) {
  return placement.startsWith("zone=") ? placement.slice("zone=".length) : null;
}
