//! The call benchmark's limit: the `strato-fleet` logic compiled natively and
//! called in-process through a `Box<dyn FleetApi>`, with the same
//! conversions the guest does (here `strato_runtime::types` ↔ fleet types,
//! there the WIT types ↔ fleet types).

use std::sync::Mutex;

use strato_fleet::{Fleet, FleetError, Machine, StartSpec, State, Tool};
use strato_runtime::types::{
    AddressScope, AddressType, ErrorKind, HardwareCharacteristics, Instance, InstanceState,
    InstanceStatus, ProviderAddress, ProviderError, StartInstanceParams, StartInstanceResult,
};

/// The three calls the benchmark makes, as a provider's environ would
/// offer them in a native plugin system.
pub trait FleetApi: Send + Sync {
    /// `provider.version`.
    fn version(&self) -> u32;
    /// `environ.instances`: every id found, in request order, else an error.
    fn instances(&self, ids: &[String]) -> Result<Vec<Instance>, ProviderError>;
    /// `environ.start-instance`.
    fn start_instance(&self, p: StartInstanceParams) -> Result<StartInstanceResult, ProviderError>;
}

/// The fleet behind a lock (a trait object shared by async tasks).
#[derive(Debug, Default)]
pub struct NativeFleet {
    fleet: Mutex<Fleet>,
}

/// A native fleet environ as a trait object.
pub fn boxed() -> Box<dyn FleetApi> {
    Box::new(NativeFleet::default())
}

impl FleetApi for NativeFleet {
    fn version(&self) -> u32 {
        Fleet::version()
    }

    fn instances(&self, ids: &[String]) -> Result<Vec<Instance>, ProviderError> {
        let fleet = self.fleet.lock().unwrap_or_else(|e| e.into_inner());
        fleet
            .instances(ids)
            .into_iter()
            .zip(ids)
            .map(|(m, id)| {
                m.map(instance)
                    .ok_or_else(|| error(ErrorKind::NotFound, format!("instance {id}")))
            })
            .collect()
    }

    fn start_instance(&self, p: StartInstanceParams) -> Result<StartInstanceResult, ProviderError> {
        let spec = start_spec(p);
        let started = self
            .fleet
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .start(&spec)
            .map_err(fleet_error)?;
        let hardware = hardware(&started.machine);
        Ok(StartInstanceResult {
            display_name: started.display_name,
            instance: instance(started.machine),
            config: None,
            hardware: Some(hardware),
            network_info: Vec::new(),
            volumes: Vec::new(),
            volume_attachments: Vec::new(),
        })
    }
}

fn error(kind: ErrorKind, message: String) -> ProviderError {
    ProviderError {
        kind,
        message,
        zone_independent: true,
    }
}

fn fleet_error(e: FleetError) -> ProviderError {
    match e {
        FleetError::NotValid(m) => error(ErrorKind::NotValid, m),
        FleetError::NoMatch(m) => error(ErrorKind::NotFound, m),
    }
}

/// Runtime parameters → fleet parameters (as the guest converts WIT ones).
pub fn start_spec(p: StartInstanceParams) -> StartSpec {
    let c = p.constraints;
    let (machine_id, nonce, series, tags, authorized_keys, api_addrs) = match p.instance_config {
        Some(cfg) => (
            cfg.machine_id,
            cfg.machine_nonce,
            cfg.series,
            cfg.tags,
            cfg.authorized_keys,
            cfg.api_info.map(|a| a.addrs).unwrap_or_default(),
        ),
        None => Default::default(),
    };
    StartSpec {
        controller_uuid: p.controller_uuid,
        machine_id,
        nonce,
        series,
        zone: p.availability_zone,
        constraints: strato_fleet::Constraints {
            arch: c.arch,
            mem: c.mem,
            cores: c.cores,
            root_disk: c.root_disk,
            instance_type: c.instance_type,
            zones: c.zones,
        },
        tags,
        tools: p
            .tools
            .into_iter()
            .map(|t| Tool {
                version: format!(
                    "{}.{}.{}",
                    t.version.major, t.version.minor, t.version.patch
                ),
                series: t.series,
                arch: t.arch,
                url: t.url,
                sha256: t.sha256,
            })
            .collect(),
        authorized_keys,
        api_addrs,
    }
}

/// Fleet hardware → runtime hardware.
pub fn hardware(m: &Machine) -> HardwareCharacteristics {
    let h = &m.hardware;
    HardwareCharacteristics {
        arch: Some(h.arch.clone()),
        mem: Some(h.mem),
        root_disk: Some(h.root_disk),
        root_disk_source: None,
        cpu_cores: Some(h.cores),
        cpu_power: None,
        tags: None,
        availability_zone: Some(h.zone.clone()),
    }
}

/// Fleet machine → runtime instance.
pub fn instance(m: Machine) -> Instance {
    let hardware = hardware(&m);
    Instance {
        id: m.id,
        status: InstanceStatus {
            state: match m.state {
                State::Pending => InstanceState::Pending,
                State::Running => InstanceState::Running,
                State::Stopped => InstanceState::Stopped,
            },
            message: String::new(),
        },
        addresses: m
            .addresses
            .into_iter()
            .map(|a| ProviderAddress {
                value: a.value,
                address_type: AddressType::Ipv4,
                scope: if a.public {
                    AddressScope::Public
                } else {
                    AddressScope::LocalCloud
                },
                space_name: String::new(),
                provider_space_id: String::new(),
            })
            .collect(),
        hardware: Some(hardware),
    }
}
