//! `environs.EnvironProvider`, `ProviderCredentials`, `config.Validator`
//! and the optional provider-level interfaces, as async methods of
//! [`ProviderHandle`].

use crate::config::validate_core;
use crate::environ::Environ;
use crate::error::Result;
use crate::handle::{ProviderHandle, call_guest, call_optional, flat, run_on};
use crate::types::{
    Attrs, Cloud, CloudCredential, CloudSpec, Credential, CredentialSchema,
    FinalizeCredentialParams, OpenParams, PrepareConfigParams, Region, SchemaField,
};

impl ProviderHandle {
    /// `Version`: the environ version recorded per model.
    pub async fn version(&self) -> Result<u32> {
        flat(call_guest!(self, "version", |store, g| g.version(store)))
    }

    /// `CloudSchema`: JSON schema text, or `None` when user-defined clouds
    /// are not supported.
    pub async fn cloud_schema(&self) -> Result<Option<String>> {
        flat(call_guest!(self, "cloud-schema", |store, g| g.cloud_schema(store)))
    }

    /// `Ping`: checks that `endpoint` is a valid endpoint for this cloud.
    pub async fn ping(&self, endpoint: &str) -> Result<()> {
        flat(call_guest!(self, "ping", |store, g| g.ping(store, endpoint)))
    }

    /// `PrepareConfig`.
    ///
    /// The cloud spec's credential reaches the provider without its secret
    /// attributes (see [`ProviderHandle::bind`]).
    pub async fn prepare_config(&self, mut p: PrepareConfigParams) -> Result<Attrs> {
        p.cloud = self.bind(&p.cloud).await?;
        flat(call_guest!(self, "prepare-config", |store, g| g
            .prepare_config(store, &p)))
    }

    /// `config.Validator.Validate`. The host checks the core keys first
    /// (`name`, `type` present, `uuid` a UUID, and with `old` the immutable
    /// keys unchanged) and returns [`crate::Error::Config`] without calling
    /// the provider when they are wrong.
    pub async fn validate(&self, cfg: Attrs, old: Option<Attrs>) -> Result<Attrs> {
        validate_core(&cfg, old.as_ref())?;
        flat(call_guest!(self, "validate", |store, g| g.validate(
            store,
            &cfg,
            old.as_ref()
        )))
    }

    /// `CredentialSchemas`, one per supported auth type.
    pub async fn credential_schemas(&self) -> Result<Vec<CredentialSchema>> {
        flat(call_guest!(self, "credential-schemas", |store, g| g
            .credential_schemas(store)))
    }

    /// `DetectCredentials`: a `not-found` provider error when there is
    /// nothing to detect.
    pub async fn detect_credentials(&self) -> Result<CloudCredential> {
        flat(call_guest!(self, "detect-credentials", |store, g| g
            .detect_credentials(store)))
    }

    /// `FinalizeCredential`.
    pub async fn finalize_credential(&self, p: FinalizeCredentialParams) -> Result<Credential> {
        flat(call_guest!(self, "finalize-credential", |store, g| g
            .finalize_credential(store, &p)))
    }

    /// `Open`: an environ for the model described by `p`. The returned
    /// [`Environ`] keeps `p` (and later its latest config) so that it can
    /// re-open itself if this instance is ever replaced.
    ///
    /// The cloud spec's credential reaches the provider without its secret
    /// attributes (see [`ProviderHandle::bind`]).
    pub async fn open(&self, mut p: OpenParams) -> Result<Environ> {
        p.cloud = self.bind(&p.cloud).await?;
        let mut guard = self.acquire().await?;
        let resource = flat(run_on!(self, guard, "open", |store, g| g.open(store, &p)))?;
        let id = self.next_environ_id();
        match guard.as_mut() {
            Some(live) => {
                live.environs.insert(id, resource);
            }
            None => return Err(crate::handle::lost("open")),
        }
        Ok(Environ::new(self.clone(), id, p))
    }

    /// Binds this handle to `spec`'s cloud and credential (see
    /// [`crate::Grants::cloud`]) and returns the spec the guest may see:
    /// the credential keeps only the attributes that are not secret. Secret
    /// = hidden in, or missing from, the provider's own schema for that auth
    /// type, a
    /// well-known secret name (`secret-key`, `password`, `token`, …), or
    /// named in [`crate::Grants::secret_attributes`]; so a provider cannot
    /// unmask a secret by declaring it visible. The host keeps the whole
    /// credential and signs requests with it.
    ///
    /// A different credential or cloud than the one already bound is
    /// refused with [`crate::Error::Domain`]: one instance never serves two
    /// credentials.
    pub async fn bind(&self, spec: &CloudSpec) -> Result<CloudSpec> {
        let schemas = match &spec.credential {
            Some(_) => self.credential_schemas().await?,
            None => Vec::new(),
        };
        let visible = self.inner.domain.bind(spec, &schemas)?;
        let label = self
            .inner
            .domain
            .credential()
            .map(|c| c.label().to_string())
            .unwrap_or_default();
        let cloud = self.inner.domain.cloud();
        self.scope().update(|a| {
            a.cloud = cloud;
            a.credential = label;
        });
        Ok(visible)
    }

    // ----------------------------------------- optional provider interfaces

    /// `CloudDetector.DetectCloud`.
    pub async fn detect_cloud(&self, name: &str) -> Result<Cloud> {
        flat(call_optional!(
            self,
            CloudDetector,
            "detect-cloud",
            |store, g| g.detect_cloud(store, name)
        ))
    }

    /// `CloudDetector.DetectClouds`.
    pub async fn detect_clouds(&self) -> Result<Vec<Cloud>> {
        flat(call_optional!(
            self,
            CloudDetector,
            "detect-clouds",
            |store, g| g.detect_clouds(store)
        ))
    }

    /// `CloudRegionDetector.DetectRegions`: the first region is the default.
    pub async fn detect_regions(&self) -> Result<Vec<Region>> {
        flat(call_optional!(
            self,
            CloudRegionDetector,
            "detect-regions",
            |store, g| g.detect_regions(store)
        ))
    }

    /// `CloudFinalizer.FinalizeCloud`.
    pub async fn finalize_cloud(&self, c: Cloud) -> Result<Cloud> {
        flat(call_optional!(
            self,
            CloudFinalizer,
            "finalize-cloud",
            |store, g| g.finalize_cloud(store, &c)
        ))
    }

    /// `ProviderCredentialsRegister.RegisterCredentials`.
    pub async fn register_credentials(&self, c: Cloud) -> Result<Vec<(String, CloudCredential)>> {
        flat(call_optional!(
            self,
            CredentialsRegister,
            "register-credentials",
            |store, g| g.register_credentials(store, &c)
        ))
    }

    /// `RequestFinalizeCredential.ShouldFinalizeCredential`.
    pub async fn should_finalize_credential(&self, c: Credential) -> Result<bool> {
        flat(call_optional!(
            self,
            RequestFinalizeCredential,
            "should-finalize-credential",
            |store, g| g.should_finalize_credential(store, &c)
        ))
    }

    /// `ModelConfigUpgrader.UpgradeConfig`.
    pub async fn upgrade_config(&self, cfg: Attrs) -> Result<Attrs> {
        flat(call_optional!(
            self,
            ModelConfigUpgrader,
            "upgrade-config",
            |store, g| g.upgrade_config(store, &cfg)
        ))
    }

    /// `ProviderSchema.Schema`.
    pub async fn schema(&self) -> Result<Vec<SchemaField>> {
        flat(call_optional!(
            self,
            ProviderSchema,
            "schema",
            |store, g| g.schema(store)
        ))
    }
}
