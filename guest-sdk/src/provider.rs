//! The required part of a provider: [`EnvironProvider`] (Juju's
//! `EnvironProvider` + `CloudEnvironProvider` + `ProviderCredentials` +
//! `config.Validator`), [`Environ`] and the [`BootstrapFinalizer`] that
//! `bootstrap` returns.
//!
//! Methods with a default say what it does; the defaults are what Juju's
//! providers do when a cloud has nothing to offer there. Every method returns
//! a [`Result`]: report a failure as an [`Error`] rather than panicking (a
//! panic traps the instance).

use crate::types::{
    Attrs, BootstrapDialOpts, BootstrapParams, CloudCredential, Constraints, ConstraintsRules,
    CreateParams, Credential, CredentialSchema, FinalizeCredentialParams, Instance, InstanceConfig,
    InstanceTypesWithCost, OpenParams, PrecheckInstanceParams, PrepareConfigParams,
    StartInstanceParams, StartInstanceResult, StorageProviderInfo, VersionNumber,
};
use crate::{Error, Result};

/// What every provider exports (WIT interface `provider`). Implemented on a
/// unit type with associated functions: the host may run several instances
/// of a component, so keep state in the environ or the state directory.
pub trait EnvironProvider: 'static {
    /// The environ `open` returns.
    type Environ: Environ;

    /// `Version`: the environ version recorded per model; it selects the
    /// upgrade operations to run. Default: 0.
    fn version() -> Result<u32> {
        Ok(0)
    }

    /// `CloudSchema`: a JSON schema (as text) for add-cloud input. Default:
    /// `None` (user-defined clouds are not supported).
    fn cloud_schema() -> Result<Option<String>> {
        Ok(None)
    }

    /// `Ping`: check that `endpoint` is a valid endpoint for this cloud.
    /// Default: `not-implemented`.
    fn ping(endpoint: String) -> Result<()> {
        Err(Error::not_implemented(format!("ping {endpoint}")))
    }

    /// `PrepareConfig`: deterministic; unique values derive from `uuid`.
    fn prepare_config(params: PrepareConfigParams) -> Result<Attrs>;

    /// `config.Validator.Validate`: check the provider's own attributes and
    /// fill in their defaults. The host has already checked the core keys.
    fn validate(config: Attrs, old: Option<Attrs>) -> Result<Attrs>;

    /// `CredentialSchemas`: one per supported auth type.
    fn credential_schemas() -> Result<Vec<CredentialSchema>>;

    /// `DetectCredentials`. Default: `not-found`.
    fn detect_credentials() -> Result<CloudCredential> {
        Err(Error::not_found("credentials not found"))
    }

    /// `FinalizeCredential`. Default: the credential unchanged.
    fn finalize_credential(params: FinalizeCredentialParams) -> Result<Credential> {
        Ok(params.credential)
    }

    /// `Open`: must not do I/O (it is called once per sandbox instance).
    fn open(params: OpenParams) -> Result<Self::Environ>;
}

/// `environs.BootstrapResult`, with the provider's own finalizer.
#[derive(Debug)]
pub struct BootstrapResult<F> {
    /// The architecture of the bootstrap machine.
    pub arch: String,
    /// The series of the bootstrap machine.
    pub series: String,
    /// Finishes the bootstrap once the host has the instance config.
    pub finalizer: F,
}

/// `CloudBootstrapFinalizer`: the closure `bootstrap` returns.
pub trait BootstrapFinalizer: 'static {
    /// Transfer the agent and start the controller.
    fn finalize(&self, config: InstanceConfig, opts: BootstrapDialOpts) -> Result<()>;
}

/// A finalizer with nothing left to do.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoopFinalizer;

impl BootstrapFinalizer for NoopFinalizer {
    fn finalize(&self, _config: InstanceConfig, _opts: BootstrapDialOpts) -> Result<()> {
        Ok(())
    }
}

/// `environs.Environ` and what it embeds (WIT resource `environ` of interface
/// `model`). Methods take `&self`: keep mutable state behind a `RefCell` (a
/// component is single threaded) or in the state directory.
pub trait Environ: Sized + 'static {
    /// What `bootstrap` returns to finish the bootstrap.
    type Finalizer: BootstrapFinalizer;

    /// `Config`: the configuration the environ was opened or last set with.
    fn config(&self) -> Result<Attrs>;
    /// `SetConfig`.
    fn set_config(&self, config: Attrs) -> Result<()>;
    /// `PrepareForBootstrap`.
    fn prepare_for_bootstrap(&self) -> Result<()>;
    /// `Bootstrap`: start the controller machine.
    fn bootstrap(&self, params: BootstrapParams) -> Result<BootstrapResult<Self::Finalizer>>;
    /// `Create`: a new hosted model. Default: nothing to create.
    fn create(&self, params: CreateParams) -> Result<()> {
        let _ = params;
        Ok(())
    }
    /// `Destroy`: idempotent.
    fn destroy(&self) -> Result<()>;
    /// `DestroyController`: also the hosted models' resources. Default:
    /// [`Environ::destroy`].
    fn destroy_controller(&self, controller_uuid: String) -> Result<()> {
        let _ = controller_uuid;
        self.destroy()
    }
    /// `AdoptResources`. Default: nothing to re-tag.
    fn adopt_resources(&self, controller_uuid: String, from_version: VersionNumber) -> Result<()> {
        let _ = (controller_uuid, from_version);
        Ok(())
    }
    /// `ConstraintsValidator`, as rules the host applies. Default: no rules.
    fn constraints_validator(&self) -> Result<ConstraintsRules> {
        Ok(ConstraintsRules::default())
    }
    /// `StartInstance`. Mark failures that no other zone would fix
    /// [`Error::zone_independent`].
    fn start_instance(&self, params: StartInstanceParams) -> Result<StartInstanceResult>;
    /// `StopInstances`: unknown ids are ignored.
    fn stop_instances(&self, ids: Vec<String>) -> Result<()>;
    /// `AllInstances`.
    fn all_instances(&self) -> Result<Vec<Instance>>;
    /// `MaintainInstance`. Default: nothing to do.
    fn maintain_instance(&self, params: StartInstanceParams) -> Result<()> {
        let _ = params;
        Ok(())
    }
    /// `Instances`: one slot per id in request order, `None` where not
    /// found (the host derives `ErrNoInstances` / `ErrPartialInstances`).
    fn instances(&self, ids: Vec<String>) -> Result<Vec<Option<Instance>>>;
    /// `ControllerInstances`: [`Error::not_bootstrapped`] when known not
    /// bootstrapped.
    fn controller_instances(&self, controller_uuid: String) -> Result<Vec<String>>;
    /// `PrecheckInstance`: best effort. Default: accept.
    fn precheck_instance(&self, params: PrecheckInstanceParams) -> Result<()> {
        let _ = params;
        Ok(())
    }
    /// `InstanceTypes`. Default: `not-supported`.
    fn instance_types(&self, constraints: Constraints) -> Result<InstanceTypesWithCost> {
        let _ = constraints;
        Err(Error::not_supported("instance types"))
    }
    /// `StorageProviderTypes`. Default: none.
    fn storage_provider_types(&self) -> Result<Vec<String>> {
        Ok(Vec::new())
    }
    /// `StorageProvider`. Default: `not-found`.
    fn storage_provider(&self, provider_type: String) -> Result<StorageProviderInfo> {
        Err(Error::not_found(format!(
            "storage provider {provider_type:?}"
        )))
    }
}
