//! A provider and environ that do next to nothing, shared by the test
//! guests through `#[path]` (each guest generates its own bindings at its
//! crate root and exports `Stub` with `export!(Stub)`).
//!
//! The including crate defines what the test is about:
//! `crate::VERSION`, `crate::ping(endpoint)` and `crate::instances(ids)`.
//! Everything else is a fixed answer or `not-implemented`.

use crate::exports::juju::environs::model::{
    BootstrapResult, Environ, GuestBootstrapFinalizer, GuestEnviron,
};
use crate::exports::juju::environs::provider;
use crate::juju::environs::common::{
    Attrs, BootstrapDialOpts, BootstrapParams, CloudCredential, CloudSpec, Constraints,
    ConstraintsRules, CreateParams, Credential, CredentialAttr, CredentialSchema, Error, ErrorKind,
    FinalizeCredentialParams, Instance, InstanceConfig, InstanceTypesWithCost, OpenParams,
    PrecheckInstanceParams, PrepareConfigParams, StartInstanceParams, StartInstanceResult,
    StorageProviderInfo, VersionNumber,
};

/// The exported component.
pub struct Stub;

impl provider::Guest for Stub {
    fn version() -> Result<u32, Error> {
        Ok(crate::VERSION)
    }
    fn cloud_schema() -> Result<Option<String>, Error> {
        Ok(None)
    }
    fn ping(endpoint: String) -> Result<(), Error> {
        crate::ping(endpoint)
    }
    fn prepare_config(params: PrepareConfigParams) -> Result<Attrs, Error> {
        Ok(params.config)
    }
    fn validate(config: Attrs, _old: Option<Attrs>) -> Result<Attrs, Error> {
        Ok(config)
    }
    /// `userpass` with a hidden `password`, so a test can check that the
    /// host withholds it.
    fn credential_schemas() -> Result<Vec<CredentialSchema>, Error> {
        let attr = |name: &str, hidden: bool| CredentialAttr {
            name: name.to_string(),
            description: String::new(),
            hidden,
            file_attr: String::new(),
            file_path: false,
            expand_file_path: false,
            optional: false,
            options: Vec::new(),
        };
        Ok(vec![CredentialSchema {
            auth_type: "userpass".to_string(),
            attributes: vec![attr("username", false), attr("password", true)],
        }])
    }
    fn detect_credentials() -> Result<CloudCredential, Error> {
        Err(Error {
            kind: ErrorKind::NotFound,
            message: "credentials not found".to_string(),
            zone_independent: true,
        })
    }
    fn finalize_credential(params: FinalizeCredentialParams) -> Result<Credential, Error> {
        Ok(params.credential)
    }
    fn open(params: OpenParams) -> Result<Environ, Error> {
        Ok(Environ::new(StubEnviron {
            config: std::cell::RefCell::new(params.config),
            cloud: params.cloud,
        }))
    }
}

impl crate::exports::juju::environs::model::Guest for Stub {
    type Environ = StubEnviron;
    type BootstrapFinalizer = StubFinalizer;
}

/// The `not-implemented` error every stubbed function returns.
pub fn not_implemented(what: &str) -> Error {
    Error {
        kind: ErrorKind::NotImplemented,
        message: format!("{what} is not implemented by this test guest"),
        zone_independent: true,
    }
}

pub struct StubEnviron {
    pub config: std::cell::RefCell<Attrs>,
    /// The cloud spec as the guest received it (credential fishing).
    pub cloud: CloudSpec,
}

pub struct StubFinalizer;

impl GuestBootstrapFinalizer for StubFinalizer {
    fn finalize(&self, _config: InstanceConfig, _opts: BootstrapDialOpts) -> Result<(), Error> {
        Err(not_implemented("finalize"))
    }
}

impl GuestEnviron for StubEnviron {
    fn config(&self) -> Result<Attrs, Error> {
        Ok(self.config.borrow().clone())
    }
    fn set_config(&self, config: Attrs) -> Result<(), Error> {
        *self.config.borrow_mut() = config;
        Ok(())
    }
    fn prepare_for_bootstrap(&self) -> Result<(), Error> {
        Err(not_implemented("prepare-for-bootstrap"))
    }
    fn bootstrap(&self, _params: BootstrapParams) -> Result<BootstrapResult, Error> {
        Err(not_implemented("bootstrap"))
    }
    fn create(&self, _params: CreateParams) -> Result<(), Error> {
        Err(not_implemented("create"))
    }
    fn destroy(&self) -> Result<(), Error> {
        Ok(())
    }
    fn destroy_controller(&self, _controller_uuid: String) -> Result<(), Error> {
        Ok(())
    }
    fn adopt_resources(
        &self,
        _controller_uuid: String,
        _from_version: VersionNumber,
    ) -> Result<(), Error> {
        Ok(())
    }
    fn constraints_validator(&self) -> Result<ConstraintsRules, Error> {
        Err(not_implemented("constraints-validator"))
    }
    fn start_instance(&self, _params: StartInstanceParams) -> Result<StartInstanceResult, Error> {
        Err(not_implemented("start-instance"))
    }
    fn stop_instances(&self, _ids: Vec<String>) -> Result<(), Error> {
        Ok(())
    }
    fn all_instances(&self) -> Result<Vec<Instance>, Error> {
        Ok(Vec::new())
    }
    fn maintain_instance(&self, _params: StartInstanceParams) -> Result<(), Error> {
        Ok(())
    }
    fn instances(&self, ids: Vec<String>) -> Result<Vec<Option<Instance>>, Error> {
        crate::instances(ids)
    }
    /// Credential fishing: with a credential in its cloud spec, answers
    /// with every credential attribute it was given, as `name=value` ids.
    fn controller_instances(&self, _controller_uuid: String) -> Result<Vec<String>, Error> {
        if let Some(cred) = &self.cloud.credential {
            return Ok(cred
                .attributes
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect());
        }
        Err(Error {
            kind: ErrorKind::NotBootstrapped,
            message: "model is not bootstrapped".to_string(),
            zone_independent: true,
        })
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
        Err(Error {
            kind: ErrorKind::NotFound,
            message: format!("storage provider {provider_type:?} not found"),
            zone_independent: true,
        })
    }
}
