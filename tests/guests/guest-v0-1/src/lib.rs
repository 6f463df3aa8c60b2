//! A provider built against the frozen `juju:environs@0.1.0` contract
//! (`wit/since_v0.1.0`), with wit-bindgen directly: the runtime must keep
//! loading and running components built before 0.2.0
//! (`tests/tests/all/versions.rs`).
//!
//! World: `base-provider` + `firewaller`. State lives in the environ, in
//! memory: instances started, config, open ports. `version()` answers
//! [`VERSION`]; `instances(["trap"])` panics (a trap).

wit_bindgen::generate!({
    inline: "
        package strato:guest-v0-1;
        world provider {
            include juju:environs/base-provider@0.1.0;
            export juju:environs/firewaller@0.1.0;
        }
    ",
    path: "../../../wit/since_v0.1.0",
    world: "strato:guest-v0-1/provider",
    generate_all,
});

use std::cell::RefCell;

use exports::juju::environs::environ::{
    BootstrapResult, Environ, EnvironBorrow, GuestBootstrapFinalizer, GuestEnviron,
};
use exports::juju::environs::{firewaller, provider};
use juju::environs::types::{
    Attrs, BootstrapDialOpts, BootstrapParams, CloudCredential, Constraints, ConstraintsRules,
    CreateParams, Credential, CredentialSchema, Error, ErrorKind, FinalizeCredentialParams,
    IngressRule, Instance, InstanceConfig, InstanceState, InstanceStatus, InstanceTypesWithCost,
    OpenParams, PrecheckInstanceParams, PrepareConfigParams, StartInstanceParams,
    StartInstanceResult, StorageProviderInfo, VersionNumber,
};

/// What `version()` answers.
pub const VERSION: u32 = 7;

fn error(kind: ErrorKind, message: impl Into<String>) -> Error {
    Error {
        kind,
        message: message.into(),
        zone_independent: true,
    }
}

fn not_implemented(what: &str) -> Error {
    error(
        ErrorKind::NotImplemented,
        format!("{what} is not implemented by guest-v0-1"),
    )
}

/// The exported component.
pub struct V01;

impl provider::Guest for V01 {
    fn version() -> u32 {
        VERSION
    }
    fn cloud_schema() -> Option<String> {
        None
    }
    fn ping(_endpoint: String) -> Result<(), Error> {
        Ok(())
    }
    fn prepare_config(params: PrepareConfigParams) -> Result<Attrs, Error> {
        Ok(params.config)
    }
    fn validate(config: Attrs, _old: Option<Attrs>) -> Result<Attrs, Error> {
        Ok(config)
    }
    fn credential_schemas() -> Vec<CredentialSchema> {
        vec![CredentialSchema {
            auth_type: "empty".to_string(),
            attributes: Vec::new(),
        }]
    }
    fn detect_credentials() -> Result<CloudCredential, Error> {
        Err(error(ErrorKind::NotFound, "credentials not found"))
    }
    fn finalize_credential(params: FinalizeCredentialParams) -> Result<Credential, Error> {
        Ok(params.credential)
    }
    fn open(params: OpenParams) -> Result<Environ, Error> {
        Ok(Environ::new(Model {
            config: RefCell::new(params.config),
            instances: RefCell::new(Vec::new()),
            next: RefCell::new(0),
            rules: RefCell::new(Vec::new()),
        }))
    }
}

impl exports::juju::environs::environ::Guest for V01 {
    type Environ = Model;
    type BootstrapFinalizer = Finalizer;
}

/// An open model: everything in memory.
pub struct Model {
    config: RefCell<Attrs>,
    instances: RefCell<Vec<Instance>>,
    next: RefCell<u32>,
    rules: RefCell<Vec<IngressRule>>,
}

pub struct Finalizer;

impl GuestBootstrapFinalizer for Finalizer {
    fn finalize(&self, _config: InstanceConfig, _opts: BootstrapDialOpts) -> Result<(), Error> {
        Err(not_implemented("finalize"))
    }
}

impl GuestEnviron for Model {
    fn config(&self) -> Attrs {
        self.config.borrow().clone()
    }
    fn set_config(&self, config: Attrs) -> Result<(), Error> {
        *self.config.borrow_mut() = config;
        Ok(())
    }
    fn prepare_for_bootstrap(&self) -> Result<(), Error> {
        Ok(())
    }
    fn bootstrap(&self, _params: BootstrapParams) -> Result<BootstrapResult, Error> {
        Err(not_implemented("bootstrap"))
    }
    fn create(&self, _params: CreateParams) -> Result<(), Error> {
        Ok(())
    }
    fn destroy(&self) -> Result<(), Error> {
        self.instances.borrow_mut().clear();
        Ok(())
    }
    fn destroy_controller(&self, _controller_uuid: String) -> Result<(), Error> {
        self.destroy()
    }
    fn adopt_resources(&self, _uuid: String, _from: VersionNumber) -> Result<(), Error> {
        Ok(())
    }
    fn constraints_validator(&self) -> Result<ConstraintsRules, Error> {
        Err(not_implemented("constraints-validator"))
    }
    fn start_instance(&self, _params: StartInstanceParams) -> Result<StartInstanceResult, Error> {
        let id = {
            let mut next = self.next.borrow_mut();
            *next += 1;
            format!("v01-{next}")
        };
        let instance = Instance {
            id: id.clone(),
            status: InstanceStatus {
                state: InstanceState::Running,
                message: String::new(),
            },
            addresses: Vec::new(),
            hardware: None,
        };
        self.instances.borrow_mut().push(instance.clone());
        Ok(StartInstanceResult {
            display_name: id,
            instance,
            config: None,
            hardware: None,
            network_info: Vec::new(),
            volumes: Vec::new(),
            volume_attachments: Vec::new(),
        })
    }
    fn stop_instances(&self, ids: Vec<String>) -> Result<(), Error> {
        self.instances.borrow_mut().retain(|i| !ids.contains(&i.id));
        Ok(())
    }
    fn all_instances(&self) -> Result<Vec<Instance>, Error> {
        Ok(self.instances.borrow().clone())
    }
    fn maintain_instance(&self, _params: StartInstanceParams) -> Result<(), Error> {
        Ok(())
    }
    fn instances(&self, ids: Vec<String>) -> Result<Vec<Option<Instance>>, Error> {
        if ids.iter().any(|id| id == "trap") {
            panic!("guest-v0-1: trap requested");
        }
        let all = self.instances.borrow();
        Ok(ids
            .iter()
            .map(|id| all.iter().find(|i| &i.id == id).cloned())
            .collect())
    }
    fn controller_instances(&self, _controller_uuid: String) -> Result<Vec<String>, Error> {
        Err(error(
            ErrorKind::NotBootstrapped,
            "model is not bootstrapped",
        ))
    }
    fn precheck_instance(&self, _params: PrecheckInstanceParams) -> Result<(), Error> {
        Ok(())
    }
    fn instance_types(&self, _constraints: Constraints) -> Result<InstanceTypesWithCost, Error> {
        Err(not_implemented("instance-types"))
    }
    fn storage_provider_types(&self) -> Result<Vec<String>, Error> {
        Ok(Vec::new())
    }
    fn storage_provider(&self, provider_type: String) -> Result<StorageProviderInfo, Error> {
        Err(error(
            ErrorKind::NotFound,
            format!("storage provider {provider_type:?} not found"),
        ))
    }
}

/// The same port range, protocol and sources.
fn same(a: &IngressRule, b: &IngressRule) -> bool {
    (a.from_port, a.to_port, &a.protocol, &a.source_cidrs)
        == (b.from_port, b.to_port, &b.protocol, &b.source_cidrs)
}

impl firewaller::Guest for V01 {
    fn open_ports(env: EnvironBorrow<'_>, rules: Vec<IngressRule>) -> Result<(), Error> {
        let model: &Model = env.get();
        let mut open = model.rules.borrow_mut();
        for rule in rules {
            if !open.iter().any(|r| same(r, &rule)) {
                open.push(rule);
            }
        }
        open.sort_by(|a, b| {
            (a.from_port, a.to_port, &a.protocol).cmp(&(b.from_port, b.to_port, &b.protocol))
        });
        Ok(())
    }
    fn close_ports(env: EnvironBorrow<'_>, rules: Vec<IngressRule>) -> Result<(), Error> {
        let model: &Model = env.get();
        model
            .rules
            .borrow_mut()
            .retain(|r| !rules.iter().any(|c| same(r, c)));
        Ok(())
    }
    fn ingress_rules(env: EnvironBorrow<'_>) -> Result<Vec<IngressRule>, Error> {
        let model: &Model = env.get();
        Ok(model.rules.borrow().clone())
    }
}

export!(V01);
