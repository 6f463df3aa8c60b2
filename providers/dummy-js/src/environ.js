// The environ: Juju's dummy `Environ` on top of the persistent state
// (state.js). Every call re-reads the model's state, so two instances
// sharing a state directory see the same model.

import { infof } from "juju:environs/bootstrap-context@0.2.0";
import * as A from "./attrs.js";
import * as config from "./config.js";
import { alreadyExists, guard, notBootstrapped, notFound, notImplemented, notValid } from "./errors.js";
import * as instances from "./instances.js";
import { log } from "./log.js";
import { Store, allModels, newState } from "./state.js";
import { checkZone, placementZone } from "./zones.js";

/** The id of the bootstrap (controller) instance, as in Juju's dummy. */
export const BOOTSTRAP_INSTANCE = "localhost";

/** Records the bootstrap as finalized (Juju's dummy starts its API server here). */
export class BootstrapFinalizer {
  constructor(uuid) {
    this.uuid = uuid;
  }

  finalize(instanceConfig, _opts) {
    return guard(() => {
      log("info", `finalizing bootstrap of machine ${JSON.stringify(instanceConfig.machineId)}`);
      new Store(this.uuid).update((state) => {
        if (!state.bootstrapped) throw notBootstrapped();
        state.bootstrapFinalized = true;
      });
    });
  }
}

/** An opened dummy model. Construct with `Environ.open`. */
export class Environ {
  /** An environ over a validated configuration; does no I/O. */
  static open(cloud, attrs) {
    const env = new Environ();
    env.cloud = cloud;
    env.attrs = attrs;
    new Store(config.parse(attrs).uuid);
    return env;
  }

  cfg() {
    return config.parse(this.attrs);
  }

  store() {
    return new Store(this.cfg().uuid);
  }

  /** Throws when `broken` names `method`; else the model's state. */
  checkedState(method) {
    config.checkBroken(this.cfg(), method);
    return this.store().get();
  }

  config() {
    return guard(() => A.clone(this.attrs));
  }

  setConfig(attrs) {
    return guard(() => {
      config.checkBroken(this.cfg(), "SetConfig");
      const validated = config.validate(attrs, this.attrs);
      Environ.open(this.cloud, validated);
      this.attrs = validated;
    });
  }

  prepareForBootstrap() {
    return guard(() => {
      const cfg = this.cfg();
      const store = new Store(cfg.uuid);
      if (store.load() === null) store.save(newState(cfg.name));
    });
  }

  bootstrap(params) {
    return guard(() => {
      const cfg = this.cfg();
      config.checkBroken(cfg, "Bootstrap");
      if (cfg.hostBootstrap) {
        // The host then starts the machine with start-instance, zone by zone.
        throw notImplemented("dummy bootstrap is left to the host (host-bootstrap)");
      }
      const caCert = A.getText(params.controllerConfig, "ca-cert") ?? "";
      if (caCert === "") {
        throw notValid(
          'no CA certificate in controller configuration (set the "ca-cert" attribute)',
        );
      }
      const series = params.bootstrapSeries || A.textOr(this.attrs, "default-series", "focal");
      const arch = params.availableTools[0]?.arch ?? params.bootstrapConstraints.arch ?? "amd64";
      const controllerUuid = A.textOr(params.controllerConfig, "controller-uuid", "");
      const store = this.store();
      store.update((state) => {
        if (state.bootstrapped) throw alreadyExists("model is already bootstrapped");
        const instance = {
          id: BOOTSTRAP_INSTANCE,
          status: { state: "running", message: "" },
          addresses: [instances.addressHostname("localhost")],
          hardware: instances.hardware(params.bootstrapConstraints, arch, ""),
        };
        state.instances[BOOTSTRAP_INSTANCE] = {
          instance,
          machineId: "0",
          controller: true,
          zone: "",
          rules: [],
          tags: [],
          hiddenAddressPolls: cfg.lateAddresses,
        };
        state.bootstrapped = true;
        state.controllerUuid = controllerUuid;
      });
      infof(`bootstrapped dummy controller (${series}/${arch})`);
      return { arch, series, finalizer: new BootstrapFinalizer(store.uuid) };
    });
  }

  create(params) {
    return guard(() => {
      const cfg = this.cfg();
      const store = new Store(cfg.uuid);
      if (store.load() === null) store.save(newState(cfg.name, params.controllerUuid));
    });
  }

  destroy() {
    return guard(() => {
      config.checkBroken(this.cfg(), "Destroy");
      // A model that was never prepared is already gone.
      this.store().remove();
    });
  }

  destroyController(controllerUuid) {
    return guard(() => {
      this.destroy();
      if (controllerUuid === "") return;
      for (const [store, model] of allModels()) {
        if (model.controllerUuid === controllerUuid) store.remove();
      }
    });
  }

  adoptResources(_controllerUuid, _fromVersion) {}

  constraintsValidator() {
    return {
      conflicts: [{ reds: ["instance-type"], blues: ["mem"] }],
      unsupported: ["cpu-power", "virt-type"],
      vocabularies: [{ attribute: "arch", values: ["amd64", "arm64", "i386", "ppc64el"] }],
    };
  }

  startInstance(params) {
    return guard(() => {
      config.checkBroken(this.cfg(), "StartInstance");
      return instances.start(this, params);
    });
  }

  stopInstances(ids) {
    return guard(() => {
      config.checkBroken(this.cfg(), "StopInstance");
      this.store().update((state) => {
        for (const id of ids) delete state.instances[id];
      });
    });
  }

  allInstances() {
    return guard(() => {
      const state = this.checkedState("AllInstances");
      return sortedIds(state).map((id) => state.instances[id].instance);
    });
  }

  maintainInstance(_params) {}

  instances(ids) {
    return guard(() => {
      // As in Juju: the broken check first, then nothing asked = nothing found.
      config.checkBroken(this.cfg(), "Instances");
      if (ids.length === 0) return [];
      const store = this.store();
      const state = store.get();
      const hiding = ids.some((id) => (state.instances[id]?.hiddenAddressPolls ?? 0) > 0);
      if (!hiding) return ids.map((id) => state.instances[id]?.instance ?? null);
      // `late-addresses`: answer without addresses, and count the answer.
      return store.update((s) =>
        ids.map((id) => {
          const found = s.instances[id];
          if (!found) return null;
          const instance = { ...found.instance };
          if (found.hiddenAddressPolls > 0) {
            found.hiddenAddressPolls -= 1;
            instance.addresses = [];
          }
          return instance;
        }),
      );
    });
  }

  controllerInstances(_controllerUuid) {
    return guard(() => {
      const state = this.checkedState("ControllerInstances");
      if (!state.bootstrapped) throw notBootstrapped();
      return sortedIds(state).filter((id) => state.instances[id].controller);
    });
  }

  precheckInstance(params) {
    return guard(() => {
      const placement = params.placement;
      if (placement === "" || placement === "valid") return;
      const zone = placementZone(placement);
      if (zone === null) throw notValid(`${placement} placement is invalid`);
      checkZone(zone);
    });
  }

  instanceTypes(constraints) {
    return guard(() => instances.instanceTypes(constraints));
  }

  storageProviderTypes() {
    return [];
  }

  storageProvider(providerType) {
    throw notFound(`storage provider ${JSON.stringify(providerType)} not found`);
  }
}

/** Instance ids in the order the Rust dummy lists them (sorted). */
function sortedIds(state) {
  return Object.keys(state.instances).sort();
}
