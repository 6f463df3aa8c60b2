// Fault injection for tests of the host's zone-aware logic, driven by
// model configuration like the Rust dummy's (providers/dummy/src/faults.rs):
// `fail-zones` (`zone` or `zone:N`, spaces or commas) and `fail-start`
// (`zone-independent[:N]` or `zone-specific[:N]`). Counts live in the
// model's state, so they hold across calls, instances and processes.

import { notValid, other, zoneIndependent } from "./errors.js";

function nameAndCount(entry, attr) {
  const at = entry.indexOf(":");
  if (at < 0) return [entry, null];
  const name = entry.slice(0, at);
  const count = entry.slice(at + 1);
  if (name !== "" && /^\d+$/.test(count) && Number(count) > 0) return [name, Number(count)];
  throw notValid(
    `${attr}: ${JSON.stringify(entry)} is not valid: expected NAME or NAME:COUNT with COUNT > 0`,
  );
}

/** `fail-zones` → [{ key, kind, times }]. */
export function parseFailZones(text) {
  return text
    .split(/[\s,]+/)
    .filter((s) => s !== "")
    .map((entry) => {
      const [zone, times] = nameAndCount(entry, "fail-zones");
      return { key: `zone:${zone}`, kind: "zone-specific", times };
    });
}

/** `fail-start` → a fault, or null. */
export function parseFailStart(text) {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  const [kind, times] = nameAndCount(trimmed, "fail-start");
  if (kind !== "zone-independent" && kind !== "zone-specific") {
    throw notValid(
      `fail-start: ${JSON.stringify(kind)} is not valid: expected zone-independent or zone-specific`,
    );
  }
  return { key: "start", kind, times };
}

function faultError(kind, zone) {
  return kind === "zone-independent"
    ? zoneIndependent(other("instance quota exceeded"))
    : other(`zone ${JSON.stringify(zone)} is out of capacity`);
}

/** The injected error for a start in `zone`, counted in `injected`, or null. */
export function takeFault(failStart, failZones, zone, injected) {
  const candidates = [];
  if (failStart) candidates.push(failStart);
  for (const f of failZones) if (zone !== "" && f.key === `zone:${zone}`) candidates.push(f);
  for (const fault of candidates) {
    const used = injected[fault.key] ?? 0;
    if (fault.times === null || used < fault.times) {
      injected[fault.key] = used + 1;
      return faultError(fault.kind, zone);
    }
  }
  return null;
}
