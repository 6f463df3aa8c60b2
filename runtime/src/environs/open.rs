//! Opening environs on the host: Juju's `environs.New`, `environs.Open`,
//! `GetEnviron` / `GetEnvironAndCloud`, `NewEnvironFunc` and
//! `EnvironConfigGetter` (`environs/open.go`, `environs/config.go`).
//!
//! - [`open`] opens a model on one provider handle.
//! - [`new`] finds the provider in a [`ProviderRegistry`] by the cloud
//!   spec's type (a name or an alias) and opens the model there.
//! - [`get_environ`] and [`get_environ_and_cloud`] read the model
//!   configuration and the cloud spec from the host's model store (an
//!   [`EnvironConfigGetter`]) and open the model with any
//!   [`NewEnvironFunc`]: a registry, a handle, or an async closure.
//!
//! ```no_run
//! use strato_runtime::environs::open::{EnvironConfigGetter, get_environ};
//! use strato_runtime::types::{Attrs, CloudSpec};
//! use strato_runtime::{ProviderRegistry, Result};
//!
//! /// A model store that has one model.
//! struct OneModel {
//!     config: Attrs,
//!     cloud: CloudSpec,
//! }
//!
//! impl EnvironConfigGetter for OneModel {
//!     async fn model_config(&self) -> Result<Attrs> {
//!         Ok(self.config.clone())
//!     }
//!     async fn cloud_spec(&self) -> Result<CloudSpec> {
//!         Ok(self.cloud.clone())
//!     }
//! }
//!
//! # async fn demo(registry: ProviderRegistry, model: OneModel) -> Result<()> {
//! // Looks up `model.cloud.cloud_type` in the registry, then opens.
//! let env = get_environ(&model, &registry).await?;
//! let _instances = env.all_instances().await?;
//! # Ok(()) }
//! ```

use std::future::Future;

use crate::environ::Environ;
use crate::error::Result;
use crate::handle::ProviderHandle;
use crate::registry::ProviderRegistry;
use crate::types::{Attrs, CloudSpec, OpenParams, Value};

/// `environs.EnvironConfigGetter`: where the host keeps a model's
/// configuration and cloud spec (its model store).
///
/// Implement it with `async fn`; the futures must be `Send` so that
/// [`get_environ`] can run on a multi-threaded runtime.
pub trait EnvironConfigGetter {
    /// `ModelConfig`: the model's configuration attributes.
    fn model_config(&self) -> impl Future<Output = Result<Attrs>> + Send;

    /// `CloudSpec`: the cloud spec the model's environ is opened with
    /// (see [`crate::environs::cloudspec::make_cloud_spec`]).
    fn cloud_spec(&self) -> impl Future<Output = Result<CloudSpec>> + Send;
}

/// `environs.NewEnvironFunc`: something that turns [`OpenParams`] into an
/// [`Environ`]. Implemented by [`ProviderRegistry`] ([`new`]), by
/// [`ProviderHandle`] ([`open`]), and by any closure
/// `Fn(OpenParams) -> impl Future<Output = Result<Environ>> + Send`.
pub trait NewEnvironFunc {
    /// Opens the environ described by `params`.
    fn new_environ(&self, params: OpenParams) -> impl Future<Output = Result<Environ>> + Send;
}

impl NewEnvironFunc for ProviderRegistry {
    fn new_environ(&self, params: OpenParams) -> impl Future<Output = Result<Environ>> + Send {
        new(self, params)
    }
}

impl NewEnvironFunc for ProviderHandle {
    fn new_environ(&self, params: OpenParams) -> impl Future<Output = Result<Environ>> + Send {
        open(self, params)
    }
}

impl<F, Fut> NewEnvironFunc for F
where
    F: Fn(OpenParams) -> Fut,
    Fut: Future<Output = Result<Environ>> + Send,
{
    fn new_environ(&self, params: OpenParams) -> impl Future<Output = Result<Environ>> + Send {
        self(params)
    }
}

/// `environs.Open`: opens the model described by `params` on `provider`
/// ([`ProviderHandle::open`]). Juju's "not a cloud environ provider"
/// error cannot arise: every component is a cloud provider.
pub async fn open(provider: &ProviderHandle, params: OpenParams) -> Result<Environ> {
    tracing::debug!(
        target: "strato::environs",
        provider = %provider.name(),
        cloud = %params.cloud.name,
        region = %params.cloud.region,
        "opening environ"
    );
    provider.open(params).await
}

/// `environs.New`: looks up the provider registered under
/// `params.cloud.cloud_type` (a name or an alias) and opens the model
/// there. An unknown type is [`crate::Error::ProviderNotFound`] (which
/// [`crate::Error::is_not_found`]), before anything is called.
pub async fn new(registry: &ProviderRegistry, params: OpenParams) -> Result<Environ> {
    let provider = registry.provider(&params.cloud.cloud_type)?;
    open(&provider, params).await
}

/// `environs.GetEnviron`: the environ of the model `getter` describes,
/// opened with `new_environ` ([`get_environ_and_cloud`] without the spec).
pub async fn get_environ<G, N>(getter: &G, new_environ: &N) -> Result<Environ>
where
    G: EnvironConfigGetter,
    N: NewEnvironFunc,
{
    get_environ_and_cloud(getter, new_environ)
        .await
        .map(|(env, _)| env)
}

/// `environs.GetEnvironAndCloud`: reads the model configuration, then the
/// cloud spec, from `getter` and opens the environ with `new_environ`;
/// returns it with the cloud spec it was opened with.
///
/// The first failure is returned unchanged (Juju annotates it with
/// "retrieving model config", "retrieving cloud spec for model …" or
/// "creating environ for model …"; the same context is logged here at
/// debug level).
pub async fn get_environ_and_cloud<G, N>(
    getter: &G,
    new_environ: &N,
) -> Result<(Environ, CloudSpec)>
where
    G: EnvironConfigGetter,
    N: NewEnvironFunc,
{
    let config = getter.model_config().await.inspect_err(|e| {
        tracing::debug!(target: "strato::environs", error = %e, "retrieving model config");
    })?;
    let (name, uuid) = (text(&config, "name"), text(&config, "uuid"));
    let (name, uuid) = (name.to_string(), uuid.to_string());
    let cloud = getter.cloud_spec().await.inspect_err(|e| {
        tracing::debug!(
            target: "strato::environs", error = %e,
            "retrieving cloud spec for model {name:?} ({uuid})"
        );
    })?;
    let params = OpenParams {
        cloud: cloud.clone(),
        config,
    };
    let env = new_environ.new_environ(params).await.inspect_err(|e| {
        tracing::debug!(
            target: "strato::environs", error = %e,
            "creating environ for model {name:?} ({uuid})"
        );
    })?;
    Ok((env, cloud))
}

/// A text attribute, or `""`.
fn text<'a>(attrs: &'a Attrs, key: &str) -> &'a str {
    attrs
        .iter()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| match v {
            Value::Text(s) => Some(s.as_str()),
            _ => None,
        })
        .unwrap_or("")
}
