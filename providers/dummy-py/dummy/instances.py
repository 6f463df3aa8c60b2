"""Starting instances and describing them: ids, addresses, hardware from
constraints, volumes and the instance-type table. Instances are stored as
plain dicts (JSON) and turned into contract records when returned."""

from typing import Any, Dict, List, Optional

from componentize_py_types import Err
from wit_world.imports import call_context, instance_types, log
from wit_world.imports.common import (
    AddressScope,
    AddressType,
    Constraints,
    HardwareCharacteristics,
    Instance,
    InstanceState,
    InstanceStatus,
    InstanceType,
    InstanceTypesWithCost,
    ProviderAddress,
    StartInstanceParams,
    StartInstanceResult,
    Volume,
    VolumeAttachment,
)

from . import attrs as A
from . import zones
from .errors import already_exists, not_valid

BOOTSTRAP_INSTANCE = "localhost"

Stored = Dict[str, Any]


def hardware(cons: Constraints, arch: Optional[str], zone: str) -> Dict[str, Any]:
    """Hardware from constraints, with Juju's dummy defaults (amd64, 1 GiB,
    8 GiB root disk, one core)."""
    return {
        "arch": arch or cons.arch or "amd64",
        "mem": 1024 if cons.mem is None else cons.mem,
        "root_disk": 8192 if cons.root_disk is None else cons.root_disk,
        "root_disk_source": cons.root_disk_source,
        "cpu_cores": 1 if cons.cores is None else cons.cores,
        "cpu_power": cons.cpu_power,
        "tags": cons.tags,
        "availability_zone": zone or None,
    }


def hardware_record(hw: Optional[Dict[str, Any]]) -> Optional[HardwareCharacteristics]:
    if hw is None:
        return None
    return HardwareCharacteristics(**hw)


def addresses(id: str) -> List[List[str]]:
    """`<id>.dns` (public hostname), `127.0.0.1` and `::1` (machine-local)."""
    return [
        [f"{id}.dns", "hostname", "public"],
        ["127.0.0.1", "ipv4", "local-machine"],
        ["::1", "ipv6", "local-machine"],
    ]


def _enum(cls, name: str):
    return cls[name.upper().replace("-", "_")]


def record(stored: Stored) -> Instance:
    """The contract's snapshot of a stored instance."""
    return Instance(
        id=stored["id"],
        status=InstanceStatus(state=_enum(InstanceState, stored["state"]), message=""),
        addresses=[
            ProviderAddress(
                value=value,
                address_type=_enum(AddressType, kind),
                scope=_enum(AddressScope, scope),
                space_name="",
                provider_space_id="",
            )
            for value, kind, scope in stored["addresses"]
        ],
        hardware=hardware_record(stored["hardware"]),
    )


def new_instance(id: str, state: str, addrs: List[List[str]], hw, **extra) -> Stored:
    stored = {
        "id": id,
        "state": state,
        "addresses": addrs,
        "hardware": hw,
        "machine_id": "",
        "controller": False,
        "zone": "",
        "rules": [],
        "tags": [],
    }
    stored.update(extra)
    return stored


def start(env, params: StartInstanceParams) -> StartInstanceResult:
    """`StartInstance` of Juju's dummy, returning errors where it panics."""
    store = env.store()
    # Fail early on a model that was never prepared.
    model = store.get()
    icfg = params.instance_config
    if icfg is None:
        raise not_valid("cannot start instance: missing instance config", True)
    machine_id = icfg.machine_id
    if not icfg.machine_nonce:
        raise not_valid("cannot start instance: missing machine nonce", True)
    machine_tag = f"machine-{machine_id}"
    if (icfg.controller is not None and icfg.controller.mongo_tag != machine_tag) or (
        icfg.api_info is not None and icfg.api_info.tag != machine_tag
    ):
        raise not_valid("entity tag must match started machine", True)
    zone = params.availability_zone
    if params.placement.startswith("zone="):
        zone = params.placement[len("zone="):]
    # The bootstrap machine, when the host starts it.
    bootstrap_machine = icfg.bootstrap is not None
    if bootstrap_machine and model["bootstrapped"]:
        raise already_exists("model is already bootstrapped", True)
    if zone:
        # Not zone-independent: the host may retry in another zone.
        zones.check_zone(zone)
    try:
        call_context.status(InstanceState.ALLOCATING, "starting dummy instance", [])
    except Err:
        pass

    is_container = bool(icfg.machine_container_type) or params.constraints.container is not None
    hw = None if is_container else hardware(params.constraints, None, zone)
    volumes, attachments = _volumes(params)
    controller = (
        icfg.controller is not None
        or bootstrap_machine
        or any(j in ("JobManageModel", "manage-model") for j in icfg.jobs)
    )

    def add(model):
        id = f"{model['name']}-{model['next_instance']}"
        model["next_instance"] += 1
        stored = new_instance(
            id,
            "pending",
            addresses(id),
            hw,
            machine_id=machine_id,
            controller=controller,
            zone=zone,
            tags=[[k, v] for k, v in icfg.tags],
        )
        model["instances"][id] = stored
        if bootstrap_machine:
            model["bootstrapped"] = True
            model["controller_uuid"] = params.controller_uuid
        return stored

    stored = store.update(add)
    log.log(log.Level.INFO, f"started instance {stored['id']} for machine {machine_id}")
    return StartInstanceResult(
        display_name=stored["id"],
        instance=record(stored),
        config=None,
        hardware=hardware_record(hw),
        network_info=[],
        volumes=volumes,
        volume_attachments=attachments,
    )


def _volumes(params: StartInstanceParams):
    """The requested volumes echoed back (`persistent` from their
    attributes), attachments on devices `sdb`, `sdc`, …"""
    volumes = []
    for v in params.volumes:
        try:
            persistent = A.bool_or(v.attributes, "persistent", False)
        except Err:
            persistent = False
        volumes.append(
            Volume(tag=v.tag, volume_id="", hardware_id="", wwn="", size=v.size, persistent=persistent)
        )
    requested = [(v.tag, v.attachment) for v in params.volumes if v.attachment is not None]
    requested += [(a.volume, a) for a in params.volume_attachments]
    attachments = [
        VolumeAttachment(
            volume=volume,
            machine=a.machine,
            device_name=device_name(i),
            device_link="",
            bus_address="",
            read_only=a.read_only,
            plan=None,
        )
        for i, (volume, a) in enumerate(requested)
    ]
    return volumes, attachments


def device_name(index: int) -> str:
    """`sdb`, `sdc`, … `sdz`, then `sdaa`, …"""
    n = index + 1
    if n < 26:
        return "sd" + chr(ord("a") + n)
    return "sd" + chr(ord("a") + n // 26 - 1) + chr(ord("a") + n % 26)


# name, arches, cores, mem MiB, root disk MiB, cost in thousandths of a
# dollar per hour
_TYPES = [
    ("dummy.small", ["amd64", "arm64"], 1, 1024, 8192, 10),
    ("dummy.medium", ["amd64", "arm64"], 2, 4096, 16384, 20),
    ("dummy.large", ["amd64", "arm64"], 4, 8192, 32768, 40),
    ("dummy.xlarge", ["amd64"], 8, 16384, 65536, 80),
]


def instance_types_matching(cons: Constraints) -> InstanceTypesWithCost:
    """`InstanceTypes`: the types matching `cons`, chosen by the host with
    Juju's `instances.MatchingInstanceTypes` (the `instance-types` import)."""
    all_types = [
        InstanceType(
            id=name,
            name=name,
            arches=list(arches),
            cpu_cores=cores,
            mem=mem,
            cost=cost,
            root_disk=disk,
            virt_type=None,
            cpu_power=None,
            tags=[],
            deprecated=False,
        )
        for name, arches, cores, mem, disk, cost in _TYPES
    ]
    matching = instance_types.matching_instance_types(all_types, "dummy-region", cons)
    return InstanceTypesWithCost(
        instance_types=matching, cost_unit="USD/h", cost_currency="USD", cost_divisor=1000
    )
