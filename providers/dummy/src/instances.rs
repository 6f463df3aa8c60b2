//! Starting instances and describing them: ids, addresses, hardware from
//! constraints, volumes and the instance-type table.

use strato_guest::context;
use strato_guest::types::{
    AddressScope, AddressType, Constraints, HardwareCharacteristics, Instance, InstanceState,
    InstanceStatus, InstanceType, InstanceTypesWithCost, ProviderAddress, StartInstanceParams,
    StartInstanceResult, Volume, VolumeAttachment,
};
use strato_guest::{Error, Result};

use crate::environ::DummyEnviron;
use crate::state::DummyInstance;
use crate::{faults, zones};

/// `StartInstance` of Juju's dummy, returning errors where it panics.
pub fn start(env: &DummyEnviron, params: StartInstanceParams) -> Result<StartInstanceResult> {
    let store = env.store()?;
    let cfg = env.cfg()?;
    // Fail early on a model that was never prepared.
    let state = store.get()?;
    let icfg = params.instance_config.as_ref().ok_or_else(|| {
        Error::not_valid("cannot start instance: missing instance config").zone_independent()
    })?;
    let machine_id = icfg.machine_id.clone();
    if icfg.machine_nonce.is_empty() {
        return Err(
            Error::not_valid("cannot start instance: missing machine nonce").zone_independent(),
        );
    }
    let machine_tag = format!("machine-{machine_id}");
    let tag_mismatch =
        || Error::not_valid("entity tag must match started machine").zone_independent();
    if let Some(controller) = &icfg.controller
        && controller.mongo_tag != machine_tag
    {
        return Err(tag_mismatch());
    }
    if let Some(api) = &icfg.api_info
        && api.tag != machine_tag
    {
        return Err(tag_mismatch());
    }
    let zone = match params.placement.strip_prefix("zone=") {
        Some(zone) => zone.to_string(),
        None => params.availability_zone.clone(),
    };
    // The bootstrap machine, when the host starts it (`host-bootstrap`).
    let bootstrap_machine = icfg.bootstrap.is_some();
    if bootstrap_machine && state.bootstrapped {
        return Err(Error::already_exists("model is already bootstrapped").zone_independent());
    }
    if !zone.is_empty() {
        // Not zone-independent: the host may retry in another zone.
        zones::check_zone(&zone)?;
    }
    if cfg.fail_start.is_some() || !cfg.fail_zones.is_empty() {
        let injected = store.update(|state| {
            Ok(faults::take_fault(
                cfg.fail_start.as_ref(),
                &cfg.fail_zones,
                &zone,
                &mut state.injected,
            ))
        })?;
        if let Some(err) = injected {
            strato_guest::info!("injected start-instance failure: {}", err.message);
            return Err(err);
        }
    }
    if cfg.slow_start > 0 {
        // A cloud that takes its time, for tests of cancellation.
        std::thread::sleep(std::time::Duration::from_millis(cfg.slow_start));
    }
    let _ = context::status(
        InstanceState::Allocating,
        "starting dummy instance",
        &Vec::new(),
    );

    let is_container =
        !icfg.machine_container_type.is_empty() || params.constraints.container.is_some();
    let hardware = (!is_container).then(|| hardware(&params.constraints, None, &zone));
    let (volumes, attachments) = volumes(&params);
    let controller = icfg.controller.is_some()
        || bootstrap_machine
        || icfg
            .jobs
            .iter()
            .any(|j| j == "JobManageModel" || j == "manage-model");
    let tags = icfg.tags.clone();
    let profiles = icfg.profiles.clone();

    let instance = store.update(|state| {
        let id = format!("{}-{}", state.name, state.next_instance);
        state.next_instance += 1;
        let instance = Instance {
            id: id.clone(),
            status: InstanceStatus {
                state: InstanceState::Pending,
                message: String::new(),
            },
            addresses: addresses(&id),
            hardware: hardware.clone(),
        };
        state.instances.insert(
            id,
            DummyInstance {
                instance: instance.clone(),
                machine_id: machine_id.clone(),
                controller,
                zone: zone.clone(),
                tags,
                lxd_profiles: profiles,
                hidden_address_polls: cfg.late_addresses,
                ..Default::default()
            },
        );
        if bootstrap_machine {
            state.bootstrapped = true;
            state.controller_uuid = params.controller_uuid.clone();
        }
        Ok(instance)
    })?;
    strato_guest::info!("started instance {} for machine {machine_id}", instance.id);
    Ok(StartInstanceResult {
        display_name: instance.id.clone(),
        instance,
        config: None,
        hardware,
        network_info: Vec::new(),
        volumes,
        volume_attachments: attachments,
    })
}

/// Hardware from constraints, with Juju's dummy defaults (amd64, 1 GiB,
/// 8 GiB root disk, one core).
pub fn hardware(cons: &Constraints, arch: Option<&str>, zone: &str) -> HardwareCharacteristics {
    HardwareCharacteristics {
        arch: Some(
            arch.map(str::to_string)
                .or_else(|| cons.arch.clone())
                .unwrap_or_else(|| "amd64".into()),
        ),
        mem: Some(cons.mem.unwrap_or(1024)),
        root_disk: Some(cons.root_disk.unwrap_or(8192)),
        root_disk_source: cons.root_disk_source.clone(),
        cpu_cores: Some(cons.cores.unwrap_or(1)),
        cpu_power: cons.cpu_power,
        tags: cons.tags.clone(),
        availability_zone: (!zone.is_empty()).then(|| zone.to_string()),
    }
}

/// `<id>.dns` (public hostname), `127.0.0.1` and `::1` (machine-local).
pub fn addresses(id: &str) -> Vec<ProviderAddress> {
    let address = |value: String, address_type, scope| ProviderAddress {
        value,
        address_type,
        scope,
        ..Default::default()
    };
    vec![
        address(
            format!("{id}.dns"),
            AddressType::Hostname,
            AddressScope::Public,
        ),
        address(
            "127.0.0.1".into(),
            AddressType::Ipv4,
            AddressScope::LocalMachine,
        ),
        address("::1".into(), AddressType::Ipv6, AddressScope::LocalMachine),
    ]
}

/// A machine-local hostname address (the bootstrap instance's `localhost`).
pub fn address_hostname(host: &str) -> ProviderAddress {
    ProviderAddress {
        value: host.to_string(),
        address_type: AddressType::Hostname,
        scope: AddressScope::LocalMachine,
        ..Default::default()
    }
}

/// The requested volumes echoed back (`persistent` from their attributes),
/// attachments on devices `sdb`, `sdc`, …
fn volumes(params: &StartInstanceParams) -> (Vec<Volume>, Vec<VolumeAttachment>) {
    use strato_guest::config::AttrsExt;
    let volumes = params
        .volumes
        .iter()
        .map(|v| Volume {
            tag: v.tag.clone(),
            size: v.size,
            persistent: v.attributes.bool_or("persistent", false).unwrap_or(false),
            ..Default::default()
        })
        .collect();
    let requested = params
        .volumes
        .iter()
        .filter_map(|v| v.attachment.as_ref().map(|a| (v.tag.clone(), a)))
        .chain(
            params
                .volume_attachments
                .iter()
                .map(|a| (a.volume.clone(), a)),
        );
    let attachments = requested
        .enumerate()
        .map(|(i, (volume, a))| VolumeAttachment {
            volume,
            machine: a.machine.clone(),
            device_name: device_name(i),
            read_only: a.read_only,
            ..Default::default()
        })
        .collect();
    (volumes, attachments)
}

/// `sdb`, `sdc`, … `sdz`, then `sdaa`, …
pub fn device_name(index: usize) -> String {
    let n = index + 1;
    if n < 26 {
        format!("sd{}", (b'a' + n as u8) as char)
    } else {
        format!(
            "sd{}{}",
            (b'a' + (n / 26 - 1) as u8) as char,
            (b'a' + (n % 26) as u8) as char
        )
    }
}

/// One row of the table: name, arches, cores, mem MiB, root disk MiB, cost
/// in thousandths of a dollar per hour.
type TypeRow = (&'static str, &'static [&'static str], u64, u64, u64, u64);

/// The dummy's instance types.
const TYPES: [TypeRow; 4] = [
    ("dummy.small", &["amd64", "arm64"], 1, 1024, 8192, 10),
    ("dummy.medium", &["amd64", "arm64"], 2, 4096, 16384, 20),
    ("dummy.large", &["amd64", "arm64"], 4, 8192, 32768, 40),
    ("dummy.xlarge", &["amd64"], 8, 16384, 65536, 80),
];

/// `InstanceTypes`: the types matching `cons`, chosen by the host with
/// Juju's `instances.MatchingInstanceTypes` (the `instance-types` import).
pub fn instance_types(cons: &Constraints) -> Result<InstanceTypesWithCost> {
    let all: Vec<InstanceType> = TYPES
        .iter()
        .map(
            |&(name, arches, cpu_cores, mem, root_disk, cost)| InstanceType {
                id: name.to_string(),
                name: name.to_string(),
                arches: arches.iter().map(|a| a.to_string()).collect(),
                cpu_cores,
                mem,
                cost,
                root_disk,
                ..Default::default()
            },
        )
        .collect();
    let types = strato_guest::instance_types::matching_instance_types(&all, "dummy-region", cons)?;
    Ok(InstanceTypesWithCost {
        instance_types: types,
        cost_unit: "USD/h".to_string(),
        cost_currency: "USD".to_string(),
        cost_divisor: 1000,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Attachments get sdb, sdc, … in order.
    #[test]
    fn device_names() {
        assert_eq!(device_name(0), "sdb");
        assert_eq!(device_name(1), "sdc");
        assert_eq!(device_name(24), "sdz");
        assert_eq!(device_name(25), "sdaa");
    }
}
