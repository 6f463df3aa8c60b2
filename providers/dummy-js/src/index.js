// Strato's dummy provider in JavaScript: Juju's `provider/dummy` with its
// state in the granted state directory, exporting the required interfaces
// (`provider`, `model`) and three optional ones: `firewaller`,
// `instance-firewaller` and `availability-zones` (world `dummy-js`,
// wit/world.wit). Optional interfaces it does not implement are simply not
// exported.
//
// componentize-qjs maps each exported WIT interface to an export of this
// module named in camelCase: functions are its properties, a resource is a
// class (`model.Environ`). Every contract function returns a
// `result<T, error>`: a return of T or a throw of an `error` record.

import { BootstrapFinalizer, Environ } from "./environ.js";
import { guard, notFound, notSupported, notValid } from "./errors.js";
import * as firewall from "./firewall.js";
import * as providerFns from "./provider.js";
import { ZONES, checkZone, placementZone } from "./zones.js";

export const provider = providerFns;

// The `model` interface holds the `environ` resource (`Environ`) and
// `bootstrap-finalizer` (`BootstrapFinalizer`).
export const model = { Environ, BootstrapFinalizer };

// ------------------------------------------------------------------ ports

function globalRules(env, action, f) {
  return guard(() => {
    const mode = env.cfg().firewallMode;
    if (mode !== "global") throw firewall.wrongMode(mode, action, "model");
    return env.store().update((state) => f(state.globalRules));
  });
}

/** `firewall-mode=global`: model-wide rules. */
export const firewaller = {
  openPorts: (env, rules) => globalRules(env, "opening ports on", (r) => firewall.open(r, rules)),
  closePorts: (env, rules) => globalRules(env, "closing ports on", (r) => firewall.close(r, rules)),
  ingressRules: (env) => globalRules(env, "retrieving ingress rules from", (r) => r),
};

/**
 * Runs `f` on the rules of `instanceId` after checking the mode and that the
 * instance belongs to `machineId` (Juju's dummy panics there).
 */
function instanceRules(env, action, instanceId, machineId, f) {
  return guard(() => {
    const mode = env.cfg().firewallMode;
    if (mode !== "instance") throw firewall.wrongMode(mode, action, "instance");
    return env.store().update((state) => {
      const inst = state.instances[instanceId];
      if (!inst) throw notFound(`instance ${JSON.stringify(instanceId)} not found`);
      if (inst.machineId !== machineId) {
        throw notValid(
          `instance ${JSON.stringify(instanceId)} belongs to machine ${JSON.stringify(inst.machineId)}, not ${JSON.stringify(machineId)}`,
        );
      }
      return f(inst.rules);
    });
  });
}

/** `firewall-mode=instance`: per-instance rules. */
export const instanceFirewaller = {
  openPorts: (env, id, machine, rules) =>
    instanceRules(env, "opening ports on", id, machine, (r) => firewall.open(r, rules)),
  closePorts: (env, id, machine, rules) =>
    instanceRules(env, "closing ports on", id, machine, (r) => firewall.close(r, rules)),
  ingressRules: (env, id, machine) =>
    instanceRules(env, "retrieving ingress rules from", id, machine, (r) => r),
};

// ------------------------------------------------------------------ zones

export const availabilityZones = {
  availabilityZones: (_env) => guard(() => ZONES.map(([name, available]) => ({ name, available }))),

  instanceAvailabilityZoneNames: (env, ids) =>
    guard(() => {
      if (env.cfg().broken.includes("InstanceAvailabilityZoneNames")) {
        // Juju's dummy answers NotSupported here.
        throw notSupported("dummy.InstanceAvailabilityZoneNames is broken");
      }
      const state = env.store().get();
      return ids.map((id) => state.instances[id]?.zone ?? null);
    }),

  deriveAvailabilityZones: (_env, params) =>
    guard(() => {
      const zone = placementZone(params.placement);
      if (zone === null) return [];
      checkZone(zone);
      return [zone];
    }),
};

