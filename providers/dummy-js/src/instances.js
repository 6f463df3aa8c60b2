// Starting instances and describing them: ids, addresses, hardware from
// constraints, volumes and the instance-type table.

import { status } from "juju:environs/call-context@0.2.0";
import { matchingInstanceTypes } from "juju:environs/instance-types@0.2.0";
import * as A from "./attrs.js";
import { alreadyExists, notValid, zoneIndependent } from "./errors.js";
import { takeFault } from "./faults.js";
import { log } from "./log.js";
import { checkZone, placementZone } from "./zones.js";

/** Hardware from constraints, with Juju's dummy defaults. */
export function hardware(cons, arch, zone) {
  return {
    arch: arch ?? cons.arch ?? "amd64",
    mem: cons.mem ?? 1024,
    rootDisk: cons.rootDisk ?? 8192,
    rootDiskSource: cons.rootDiskSource ?? null,
    cpuCores: cons.cores ?? 1,
    cpuPower: cons.cpuPower ?? null,
    tags: cons.tags ?? null,
    availabilityZone: zone === "" ? null : zone,
  };
}

function address(value, addressType, scope) {
  return { value, addressType, scope, spaceName: "", providerSpaceId: "" };
}

/** `<id>.dns` (public hostname), `127.0.0.1` and `::1` (machine-local). */
export function addresses(id) {
  return [
    address(`${id}.dns`, "hostname", "public"),
    address("127.0.0.1", "ipv4", "local-machine"),
    address("::1", "ipv6", "local-machine"),
  ];
}

/** A machine-local hostname address (the bootstrap instance's `localhost`). */
export const addressHostname = (host) => address(host, "hostname", "local-machine");

/** `sdb`, `sdc`, … `sdz`, then `sdaa`, … */
export function deviceName(index) {
  const n = index + 1;
  const letter = (i) => String.fromCharCode(97 + i);
  return n < 26 ? `sd${letter(n)}` : `sd${letter(Math.floor(n / 26) - 1)}${letter(n % 26)}`;
}

/** The requested volumes echoed back, attachments on sdb, sdc, … */
function volumes(params) {
  const vols = params.volumes.map((v) => {
    let persistent = false;
    try {
      persistent = A.boolOr(v.attributes, "persistent", false);
    } catch {
      persistent = false;
    }
    return { tag: v.tag, volumeId: "", hardwareId: "", wwn: "", size: v.size, persistent };
  });
  const requested = [
    ...params.volumes.filter((v) => v.attachment).map((v) => [v.tag, v.attachment]),
    ...params.volumeAttachments.map((a) => [a.volume, a]),
  ];
  const attachments = requested.map(([volume, a], i) => ({
    volume,
    machine: a.machine,
    deviceName: deviceName(i),
    deviceLink: "",
    busAddress: "",
    readOnly: a.readOnly,
    plan: null,
  }));
  return [vols, attachments];
}

/** `StartInstance` of Juju's dummy, returning errors where it panics. */
export function start(env, params) {
  const store = env.store();
  const cfg = env.cfg();
  // Fail early on a model that was never prepared.
  const state = store.get();
  const icfg = params.instanceConfig;
  if (!icfg) throw zoneIndependent(notValid("cannot start instance: missing instance config"));
  const machineId = icfg.machineId;
  if (icfg.machineNonce === "") {
    throw zoneIndependent(notValid("cannot start instance: missing machine nonce"));
  }
  const machineTag = `machine-${machineId}`;
  const mismatch = () => zoneIndependent(notValid("entity tag must match started machine"));
  if (icfg.controller && icfg.controller.mongoTag !== machineTag) throw mismatch();
  if (icfg.apiInfo && icfg.apiInfo.tag !== machineTag) throw mismatch();
  const zone = placementZone(params.placement) ?? params.availabilityZone;
  // The bootstrap machine, when the host starts it (`host-bootstrap`).
  const bootstrapMachine = Boolean(icfg.bootstrap);
  if (bootstrapMachine && state.bootstrapped) {
    throw zoneIndependent(alreadyExists("model is already bootstrapped"));
  }
  // Not zone-independent: the host may retry in another zone.
  if (zone !== "") checkZone(zone);
  if (cfg.failStart || cfg.failZones.length > 0) {
    const injected = store.update((s) => {
      s.injected ??= {};
      return takeFault(cfg.failStart, cfg.failZones, zone, s.injected);
    });
    if (injected) {
      log("info", `injected start-instance failure: ${injected.message}`);
      throw injected;
    }
  }
  try {
    status("allocating", "starting dummy instance", []);
  } catch {
    // A status the host cannot take does not stop the start.
  }
  const isContainer = icfg.machineContainerType !== "" || Boolean(params.constraints.container);
  const hw = isContainer ? null : hardware(params.constraints, null, zone);
  const [vols, attachments] = volumes(params);
  const controller =
    Boolean(icfg.controller) ||
    bootstrapMachine ||
    icfg.jobs.some((j) => j === "JobManageModel" || j === "manage-model");
  const instance = store.update((s) => {
    const id = `${s.name}-${s.nextInstance}`;
    s.nextInstance += 1;
    const inst = { id, status: { state: "pending", message: "" }, addresses: addresses(id), hardware: hw };
    s.instances[id] = {
      instance: inst,
      machineId,
      controller,
      zone,
      rules: [],
      tags: icfg.tags,
      hiddenAddressPolls: cfg.lateAddresses,
    };
    if (bootstrapMachine) {
      s.bootstrapped = true;
      s.controllerUuid = params.controllerUuid;
    }
    return inst;
  });
  log("info", `started instance ${instance.id} for machine ${machineId}`);
  return {
    displayName: instance.id,
    instance,
    config: null,
    hardware: hw,
    networkInfo: [],
    volumes: vols,
    volumeAttachments: attachments,
  };
}

// name, arches, cores, mem MiB, root disk MiB, cost in thousandths of a
// dollar per hour.
const TYPES = [
  ["dummy.small", ["amd64", "arm64"], 1, 1024, 8192, 10],
  ["dummy.medium", ["amd64", "arm64"], 2, 4096, 16384, 20],
  ["dummy.large", ["amd64", "arm64"], 4, 8192, 32768, 40],
  ["dummy.xlarge", ["amd64"], 8, 16384, 65536, 80],
];

/** `InstanceTypes`: the matching types, chosen by the host's import. */
export function instanceTypes(cons) {
  const all = TYPES.map(([name, arches, cpuCores, mem, rootDisk, cost]) => ({
    id: name,
    name,
    arches,
    cpuCores,
    mem,
    cost,
    rootDisk,
    virtType: null,
    cpuPower: null,
    tags: [],
    deprecated: false,
  }));
  const types = matchingInstanceTypes(all, "dummy-region", cons);
  return { instanceTypes: types, costUnit: "USD/h", costCurrency: "USD", costDivisor: 1000 };
}
