"""The environ: Juju's dummy `Environ` on top of the persistent state.
Every call re-reads the model's state, so two instances sharing a state
directory see the same model."""

from typing import List, Optional

from wit_world.exports.model import BootstrapResult
from wit_world.imports import bootstrap_context, log
from wit_world.imports.common import (
    BootstrapDialOpts,
    BootstrapParams,
    CloudSpec,
    ConstraintConflict,
    Constraints,
    ConstraintsRules,
    ConstraintVocabulary,
    CreateParams,
    Instance,
    InstanceConfig,
    InstanceTypesWithCost,
    PrecheckInstanceParams,
    StartInstanceParams,
    StartInstanceResult,
    StorageKind,
    StorageProviderInfo,
    StorageScope,
    VersionNumber,
)

from . import attrs as A
from . import config as C
from . import instances, zones
from .errors import already_exists, not_bootstrapped, not_found, not_valid
from .state import Store, all_models, new_model


class BootstrapFinalizer:
    """Records the bootstrap as finalized (Juju's dummy starts its API
    server here). The `bootstrap-finalizer` resource."""

    def __init__(self, store: Store):
        self.store = store

    def finalize(self, config: InstanceConfig, opts: BootstrapDialOpts) -> None:
        log.log(log.Level.INFO, f"finalizing bootstrap of machine {config.machine_id!r}")

        def done(model):
            if not model["bootstrapped"]:
                raise not_bootstrapped()
            model["bootstrap_finalized"] = True

        self.store.update(done)


class Environ:
    """An opened dummy model: the `environ` resource."""

    def __init__(self, cloud: CloudSpec, config: A.Attrs):
        # No I/O: the model's state is read by the calls that need it.
        Store(C.DummyConfig(config).uuid)
        self.cloud = cloud
        self._config = config

    def cfg(self) -> C.DummyConfig:
        return C.DummyConfig(self._config)

    def store(self) -> Store:
        return Store(self.cfg().uuid)

    def checked_state(self, method: str):
        """Fails when `broken` names `method`; else the model's state."""
        self.cfg().check_broken(method)
        return self.store().get()

    def config(self) -> A.Attrs:
        return list(self._config)

    def set_config(self, config: A.Attrs) -> None:
        self.cfg().check_broken("SetConfig")
        config = C.validate(config, self._config)
        Environ(self.cloud, config)
        self._config = config

    def prepare_for_bootstrap(self) -> None:
        cfg = self.cfg()
        store = Store(cfg.uuid)
        if store.load() is None:
            store.save(new_model(cfg.name))

    def bootstrap(self, params: BootstrapParams) -> BootstrapResult:
        cfg = self.cfg()
        cfg.check_broken("Bootstrap")
        if not A.text_or(params.controller_config, "ca-cert", ""):
            raise not_valid(
                'no CA certificate in controller configuration (set the "ca-cert" attribute)'
            )
        series = params.bootstrap_series or A.text_or(self._config, "default-series", "focal")
        if params.available_tools:
            arch = params.available_tools[0].arch
        else:
            arch = params.bootstrap_constraints.arch or "amd64"
        controller_uuid = A.text_or(params.controller_config, "controller-uuid", "")
        store = self.store()

        def boot(model):
            if model["bootstrapped"]:
                raise already_exists("model is already bootstrapped")
            model["instances"][instances.BOOTSTRAP_INSTANCE] = instances.new_instance(
                instances.BOOTSTRAP_INSTANCE,
                "running",
                [["localhost", "hostname", "local-machine"]],
                instances.hardware(params.bootstrap_constraints, arch, ""),
                machine_id="0",
                controller=True,
            )
            model["bootstrapped"] = True
            model["controller_uuid"] = controller_uuid

        store.update(boot)
        bootstrap_context.infof(f"bootstrapped dummy controller ({series}/{arch})")
        return BootstrapResult(arch=arch, series=series, finalizer=BootstrapFinalizer(store))

    def create(self, params: CreateParams) -> None:
        cfg = self.cfg()
        store = Store(cfg.uuid)
        if store.load() is None:
            store.save(new_model(cfg.name, params.controller_uuid))

    def destroy(self) -> None:
        self.cfg().check_broken("Destroy")
        # A model that was never prepared is already gone.
        self.store().remove()

    def destroy_controller(self, controller_uuid: str) -> None:
        self.destroy()
        if not controller_uuid:
            return
        for store, model in all_models():
            if model["controller_uuid"] == controller_uuid:
                store.remove()

    def adopt_resources(self, controller_uuid: str, from_version: VersionNumber) -> None:
        pass

    def constraints_validator(self) -> ConstraintsRules:
        return ConstraintsRules(
            conflicts=[ConstraintConflict(reds=["instance-type"], blues=["mem"])],
            unsupported=["cpu-power", "virt-type"],
            vocabularies=[
                ConstraintVocabulary(attribute="arch", values=["amd64", "arm64", "i386", "ppc64el"])
            ],
        )

    def start_instance(self, params: StartInstanceParams) -> StartInstanceResult:
        self.cfg().check_broken("StartInstance")
        return instances.start(self, params)

    def stop_instances(self, ids: List[str]) -> None:
        self.cfg().check_broken("StopInstance")

        def stop(model):
            for id in ids:
                model["instances"].pop(id, None)

        self.store().update(stop)

    def all_instances(self) -> List[Instance]:
        model = self.checked_state("AllInstances")
        return [instances.record(i) for _, i in sorted(model["instances"].items())]

    def maintain_instance(self, params: StartInstanceParams) -> None:
        pass

    def instances(self, ids: List[str]) -> List[Optional[Instance]]:
        # As in Juju: the broken check first, then nothing asked = nothing found.
        self.cfg().check_broken("Instances")
        if not ids:
            return []
        known = self.store().get()["instances"]
        return [instances.record(known[id]) if id in known else None for id in ids]

    def controller_instances(self, controller_uuid: str) -> List[str]:
        model = self.checked_state("ControllerInstances")
        if not model["bootstrapped"]:
            raise not_bootstrapped()
        return [id for id, i in sorted(model["instances"].items()) if i["controller"]]

    def precheck_instance(self, params: PrecheckInstanceParams) -> None:
        placement = params.placement
        if placement in ("", "valid"):
            return
        if placement.startswith("zone="):
            zones.check_zone(placement[len("zone="):])
            return
        raise not_valid(f"{placement} placement is invalid")

    def instance_types(self, constraints: Constraints) -> InstanceTypesWithCost:
        return instances.instance_types_matching(constraints)

    def storage_provider_types(self) -> List[str]:
        # Only the machine-scoped provider: this port exports no volume-source.
        return ["static"]

    def storage_provider(self, provider_type: str) -> StorageProviderInfo:
        if provider_type != "static":
            raise not_found(f'storage provider "{provider_type}" not found')
        return StorageProviderInfo(
            provider_type="static",
            scope=StorageScope.MACHINE,
            dynamic=False,
            releasable=False,
            supports=[StorageKind.BLOCK, StorageKind.FILESYSTEM],
            default_pools=[],
        )
