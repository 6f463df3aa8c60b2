//! The `strato-fleet` provider logic as a component, for the call-overhead
//! benchmark (`bench/benches/calls.rs`). Only what the benchmark calls does
//! work: `version`, `instances`, `start-instance`, `stop-instances`; the rest
//! answers trivially. The conversions WIT types ↔ fleet types here mirror the
//! native variant's (`strato_bench::native`), so both do the same work.

use std::cell::RefCell;

use strato_fleet::{Fleet, FleetError, Machine, StartSpec, State, Tool};
use strato_guest::types::{
    AddressScope, AddressType, Attrs, BootstrapParams, CredentialSchema, HardwareCharacteristics,
    Instance, InstanceState, InstanceStatus, OpenParams, PrepareConfigParams, ProviderAddress,
    StartInstanceParams, StartInstanceResult,
};
use strato_guest::{BootstrapResult, Environ, EnvironProvider, Error, NoopFinalizer, Result};

/// The provider type.
pub struct FleetProvider;

/// An open model on the fleet.
pub struct FleetEnviron {
    config: RefCell<Attrs>,
    fleet: RefCell<Fleet>,
}

impl EnvironProvider for FleetProvider {
    type Environ = FleetEnviron;

    fn version() -> Result<u32> {
        Ok(Fleet::version())
    }

    fn prepare_config(params: PrepareConfigParams) -> Result<Attrs> {
        Ok(params.config)
    }

    fn validate(config: Attrs, _old: Option<Attrs>) -> Result<Attrs> {
        Ok(config)
    }

    fn credential_schemas() -> Result<Vec<CredentialSchema>> {
        Ok(vec![CredentialSchema {
            auth_type: "empty".to_string(),
            attributes: Vec::new(),
        }])
    }

    fn open(params: OpenParams) -> Result<FleetEnviron> {
        Ok(FleetEnviron {
            config: RefCell::new(params.config),
            fleet: RefCell::new(Fleet::new()),
        })
    }
}

impl Environ for FleetEnviron {
    type Finalizer = NoopFinalizer;

    fn config(&self) -> Result<Attrs> {
        Ok(self.config.borrow().clone())
    }

    fn set_config(&self, config: Attrs) -> Result<()> {
        *self.config.borrow_mut() = config;
        Ok(())
    }

    fn prepare_for_bootstrap(&self) -> Result<()> {
        Ok(())
    }

    fn bootstrap(&self, _params: BootstrapParams) -> Result<BootstrapResult<NoopFinalizer>> {
        Err(Error::not_supported(
            "the fleet provider does not bootstrap",
        ))
    }

    fn destroy(&self) -> Result<()> {
        Ok(())
    }

    fn start_instance(&self, params: StartInstanceParams) -> Result<StartInstanceResult> {
        let spec = start_spec(params);
        let started = self.fleet.borrow_mut().start(&spec).map_err(fleet_error)?;
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

    fn stop_instances(&self, _ids: Vec<String>) -> Result<()> {
        Ok(())
    }

    fn all_instances(&self) -> Result<Vec<Instance>> {
        Ok(Vec::new())
    }

    fn instances(&self, ids: Vec<String>) -> Result<Vec<Option<Instance>>> {
        Ok(self
            .fleet
            .borrow()
            .instances(&ids)
            .into_iter()
            .map(|m| m.map(instance))
            .collect())
    }

    fn controller_instances(&self, _controller_uuid: String) -> Result<Vec<String>> {
        Err(Error::not_bootstrapped())
    }
}

fn fleet_error(e: FleetError) -> Error {
    match e {
        FleetError::NotValid(m) => Error::not_valid(m).zone_independent(),
        FleetError::NoMatch(m) => Error::not_found(m).zone_independent(),
    }
}

fn start_spec(p: StartInstanceParams) -> StartSpec {
    let c = p.constraints;
    let cfg = p.instance_config.unwrap_or_default();
    StartSpec {
        controller_uuid: p.controller_uuid,
        machine_id: cfg.machine_id,
        nonce: cfg.machine_nonce,
        series: cfg.series,
        zone: p.availability_zone,
        constraints: strato_fleet::Constraints {
            arch: c.arch,
            mem: c.mem,
            cores: c.cores,
            root_disk: c.root_disk,
            instance_type: c.instance_type,
            zones: c.zones,
        },
        tags: cfg.tags,
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
        authorized_keys: cfg.authorized_keys,
        api_addrs: cfg.api_info.map(|a| a.addrs).unwrap_or_default(),
    }
}

fn hardware(m: &Machine) -> HardwareCharacteristics {
    let h = &m.hardware;
    HardwareCharacteristics {
        arch: Some(h.arch.clone()),
        mem: Some(h.mem),
        root_disk: Some(h.root_disk),
        cpu_cores: Some(h.cores),
        availability_zone: Some(h.zone.clone()),
        ..Default::default()
    }
}

fn instance(m: Machine) -> Instance {
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

strato_guest::export_provider!(FleetProvider);
