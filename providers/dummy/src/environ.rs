//! The environ: Juju's dummy `Environ` on top of the persistent
//! [`state`](crate::state). Every call re-reads the model's state, so two
//! processes sharing a state directory see the same model.

use std::cell::RefCell;

use strato_guest::config::AttrsExt;
use strato_guest::types::{
    Attrs, BootstrapDialOpts, BootstrapParams, CloudSpec, Constraints, ConstraintsRules,
    CreateParams, Instance, InstanceConfig, InstanceState, InstanceStatus, InstanceTypesWithCost,
    PrecheckInstanceParams, StartInstanceParams, StartInstanceResult, StorageProviderInfo,
    VersionNumber,
};
use strato_guest::{BootstrapFinalizer, BootstrapResult, Environ, Error, Result};

use crate::config::{self, DummyConfig};
use crate::instances;
use crate::state::{self, DummyInstance, ModelState, Store};
use crate::{storage, zones};

/// The id of the bootstrap (controller) instance, as in Juju's dummy.
pub const BOOTSTRAP_INSTANCE: &str = "localhost";

/// An opened dummy model.
#[derive(Debug)]
pub struct DummyEnviron {
    cloud: CloudSpec,
    config: RefCell<Attrs>,
}

impl DummyEnviron {
    /// An environ over a validated configuration; does no I/O.
    pub fn new(cloud: CloudSpec, config: Attrs) -> Result<DummyEnviron> {
        let cfg = DummyConfig::from_attrs(&config)?;
        Store::new(&cfg.uuid)?;
        Ok(DummyEnviron {
            cloud,
            config: RefCell::new(config),
        })
    }

    /// The current configuration, parsed.
    pub fn cfg(&self) -> Result<DummyConfig> {
        DummyConfig::from_attrs(&self.config.borrow())
    }

    /// The store of this model.
    pub fn store(&self) -> Result<Store> {
        Store::new(&self.cfg()?.uuid)
    }

    /// The cloud spec the environ was opened with.
    pub fn cloud(&self) -> &CloudSpec {
        &self.cloud
    }

    /// Fails when `broken` names `method`; else the model's state.
    pub fn checked_state(&self, method: &str) -> Result<ModelState> {
        self.cfg()?.check_broken(method)?;
        self.store()?.get()
    }

    /// The instance `id`, or a not-found error.
    pub fn instance(&self, state: &ModelState, id: &str) -> Result<DummyInstance> {
        state
            .instances
            .get(id)
            .cloned()
            .ok_or_else(|| Error::not_found(format!("instance {id:?} not found")))
    }
}

/// Records the bootstrap as finalized (Juju's dummy starts its API server here).
#[derive(Debug)]
pub struct DummyFinalizer {
    store: Store,
}

impl BootstrapFinalizer for DummyFinalizer {
    fn finalize(&self, config: InstanceConfig, _opts: BootstrapDialOpts) -> Result<()> {
        strato_guest::info!("finalizing bootstrap of machine {:?}", config.machine_id);
        self.store.update(|state| {
            if !state.bootstrapped {
                return Err(Error::not_bootstrapped());
            }
            state.bootstrap_finalized = true;
            Ok(())
        })
    }
}

impl Environ for DummyEnviron {
    type Finalizer = DummyFinalizer;

    fn config(&self) -> Result<Attrs> {
        // `Config` in `broken` is ours, not Juju's: since contract 0.2.0
        // `config` can fail with an error instead of trapping, and this
        // lets the tests see that error reach the host.
        self.cfg()?.check_broken("Config")?;
        Ok(self.config.borrow().clone())
    }

    fn set_config(&self, config: Attrs) -> Result<()> {
        self.cfg()?.check_broken("SetConfig")?;
        let old = self.config.borrow().clone();
        let config = config::validate(config, Some(old))?;
        DummyEnviron::new(self.cloud.clone(), config.clone())?;
        *self.config.borrow_mut() = config;
        Ok(())
    }

    fn prepare_for_bootstrap(&self) -> Result<()> {
        let cfg = self.cfg()?;
        let store = Store::new(&cfg.uuid)?;
        if store.load()?.is_none() {
            store.save(&ModelState {
                name: cfg.name,
                ..Default::default()
            })?;
        }
        Ok(())
    }

    fn bootstrap(&self, params: BootstrapParams) -> Result<BootstrapResult<DummyFinalizer>> {
        let cfg = self.cfg()?;
        cfg.check_broken("Bootstrap")?;
        if cfg.host_bootstrap {
            // The host then starts the machine with start-instance, zone by
            // zone (provider/common.Bootstrap on the host).
            return Err(Error::not_implemented(
                "dummy bootstrap is left to the host (host-bootstrap)",
            ));
        }
        let ca_cert = params.controller_config.get_text("ca-cert")?.unwrap_or("");
        if ca_cert.is_empty() {
            return Err(Error::not_valid(
                "no CA certificate in controller configuration (set the \"ca-cert\" attribute)",
            ));
        }
        let series = match params.bootstrap_series.as_str() {
            "" => self.config.borrow().text_or("default-series", "focal")?,
            series => series.to_string(),
        };
        let arch = params
            .available_tools
            .first()
            .map(|t| t.arch.clone())
            .or_else(|| params.bootstrap_constraints.arch.clone())
            .unwrap_or_else(|| "amd64".to_string());
        let controller_uuid = params.controller_config.text_or("controller-uuid", "")?;
        let store = self.store()?;
        store.update(|state| {
            if state.bootstrapped {
                return Err(Error::already_exists("model is already bootstrapped"));
            }
            let hardware = instances::hardware(&params.bootstrap_constraints, Some(&arch), "");
            let instance = Instance {
                id: BOOTSTRAP_INSTANCE.to_string(),
                status: InstanceStatus {
                    state: InstanceState::Running,
                    message: String::new(),
                },
                addresses: vec![instances::address_hostname("localhost")],
                hardware: Some(hardware),
            };
            state.instances.insert(
                BOOTSTRAP_INSTANCE.to_string(),
                DummyInstance {
                    instance,
                    machine_id: "0".to_string(),
                    controller: true,
                    hidden_address_polls: cfg.late_addresses,
                    ..Default::default()
                },
            );
            state.bootstrapped = true;
            state.controller_uuid = controller_uuid;
            Ok(())
        })?;
        strato_guest::bootstrap::infof(&format!("bootstrapped dummy controller ({series}/{arch})"));
        Ok(BootstrapResult {
            arch,
            series,
            finalizer: DummyFinalizer { store },
        })
    }

    fn create(&self, params: CreateParams) -> Result<()> {
        let cfg = self.cfg()?;
        let store = Store::new(&cfg.uuid)?;
        if store.load()?.is_none() {
            store.save(&ModelState {
                name: cfg.name,
                controller_uuid: params.controller_uuid,
                ..Default::default()
            })?;
        }
        Ok(())
    }

    fn destroy(&self) -> Result<()> {
        self.cfg()?.check_broken("Destroy")?;
        // A model that was never prepared is already gone.
        self.store()?.remove()
    }

    fn destroy_controller(&self, controller_uuid: String) -> Result<()> {
        self.destroy()?;
        if controller_uuid.is_empty() {
            return Ok(());
        }
        for (store, model) in state::all_models()? {
            if model.controller_uuid == controller_uuid {
                store.remove()?;
            }
        }
        Ok(())
    }

    fn adopt_resources(&self, _controller_uuid: String, _from: VersionNumber) -> Result<()> {
        Ok(())
    }

    fn constraints_validator(&self) -> Result<ConstraintsRules> {
        Ok(ConstraintsRules::default()
            .unsupported(["cpu-power", "virt-type"])
            .conflict(["instance-type"], ["mem"])
            .vocabulary("arch", ["amd64", "arm64", "i386", "ppc64el"]))
    }

    fn start_instance(&self, params: StartInstanceParams) -> Result<StartInstanceResult> {
        self.cfg()?.check_broken("StartInstance")?;
        instances::start(self, params)
    }

    fn stop_instances(&self, ids: Vec<String>) -> Result<()> {
        self.cfg()?.check_broken("StopInstance")?;
        self.store()?.update(|state| {
            for id in &ids {
                state.instances.remove(id);
            }
            Ok(())
        })
    }

    fn all_instances(&self) -> Result<Vec<Instance>> {
        let state = self.checked_state("AllInstances")?;
        Ok(state.instances.into_values().map(|i| i.instance).collect())
    }

    fn maintain_instance(&self, _params: StartInstanceParams) -> Result<()> {
        Ok(())
    }

    fn instances(&self, ids: Vec<String>) -> Result<Vec<Option<Instance>>> {
        // As in Juju: the broken check first, then nothing asked = nothing found.
        self.cfg()?.check_broken("Instances")?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let store = self.store()?;
        let state = store.get()?;
        let hiding = ids.iter().any(|id| {
            state
                .instances
                .get(id)
                .is_some_and(|i| i.hidden_address_polls > 0)
        });
        if !hiding {
            return Ok(ids
                .iter()
                .map(|id| state.instances.get(id).map(|i| i.instance.clone()))
                .collect());
        }
        // `late-addresses`: answer without addresses, and count the answer.
        store.update(|state| {
            Ok(ids
                .iter()
                .map(|id| {
                    let found = state.instances.get_mut(id)?;
                    let mut instance = found.instance.clone();
                    if found.hidden_address_polls > 0 {
                        found.hidden_address_polls -= 1;
                        instance.addresses.clear();
                    }
                    Some(instance)
                })
                .collect())
        })
    }

    fn controller_instances(&self, _controller_uuid: String) -> Result<Vec<String>> {
        let state = self.checked_state("ControllerInstances")?;
        if !state.bootstrapped {
            return Err(Error::not_bootstrapped());
        }
        Ok(state
            .instances
            .values()
            .filter(|i| i.controller)
            .map(|i| i.instance.id.clone())
            .collect())
    }

    fn precheck_instance(&self, params: PrecheckInstanceParams) -> Result<()> {
        match params.placement.as_str() {
            "" | "valid" => Ok(()),
            placement => match placement.strip_prefix("zone=") {
                Some(zone) => zones::check_zone(zone),
                None => Err(Error::not_valid(format!(
                    "{placement} placement is invalid"
                ))),
            },
        }
    }

    fn instance_types(&self, constraints: Constraints) -> Result<InstanceTypesWithCost> {
        instances::instance_types(&constraints)
    }

    fn storage_provider_types(&self) -> Result<Vec<String>> {
        Ok(storage::provider_types())
    }

    fn storage_provider(&self, provider_type: String) -> Result<StorageProviderInfo> {
        storage::provider(&provider_type)
    }
}

impl strato_guest::DefaultConstraintsChecker for DummyEnviron {
    fn should_apply_controller_constraints(&self) -> Result<bool> {
        Ok(true)
    }
}
