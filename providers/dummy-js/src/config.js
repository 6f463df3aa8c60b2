// The dummy's configuration: Juju's dummy attributes (`controller`,
// `broken`, `secret`) on top of the core keys it reads (`name`, `uuid`,
// `firewall-mode`), and the fault-injection knobs of faults.js.

import * as A from "./attrs.js";
import { notValid, other } from "./errors.js";
import { parseFailStart, parseFailZones } from "./faults.js";

/** Reads a configuration into a plain object; throws `not-valid`. */
export function parse(attrs) {
  const firewallMode = A.getText(attrs, "firewall-mode") ?? "instance";
  if (!["instance", "global", "none"].includes(firewallMode)) {
    throw notValid(
      `invalid firewall mode ${JSON.stringify(firewallMode)}: expected instance, global or none`,
    );
  }
  const lateAddresses = A.intOr(attrs, "late-addresses", 0);
  if (lateAddresses < 0) throw notValid("late-addresses: expected a count of 0 or more");
  return {
    name: A.textOr(attrs, "name", ""),
    uuid: A.textOr(attrs, "uuid", ""),
    firewallMode,
    controller: A.boolOr(attrs, "controller", false),
    broken: A.textOr(attrs, "broken", "").split(/\s+/).filter((s) => s !== ""),
    failZones: parseFailZones(A.textOr(attrs, "fail-zones", "")),
    failStart: parseFailStart(A.textOr(attrs, "fail-start", "")),
    lateAddresses,
    hostBootstrap: A.boolOr(attrs, "host-bootstrap", false),
  };
}

/** Throws `dummy.<method> is broken` when `broken` names `method`. */
export function checkBroken(cfg, method) {
  if (cfg.broken.includes(method)) throw other(`dummy.${method} is broken`);
}

/**
 * `config.Validator.Validate`: type-checks the dummy's attributes, fills in
 * Juju's defaults and returns the completed configuration.
 */
export function validate(config, _old) {
  const attrs = A.clone(config);
  A.getBool(attrs, "controller");
  A.getText(attrs, "broken");
  A.getText(attrs, "secret");
  parse(attrs);
  if (A.textOr(attrs, "name", "") === "") throw notValid("name: expected a non-empty model name");
  A.setDefault(attrs, "controller", A.bool(false));
  A.setDefault(attrs, "broken", A.text(""));
  A.setDefault(attrs, "secret", A.text("pork"));
  A.setDefault(attrs, "firewall-mode", A.text("instance"));
  return attrs;
}
