//! Loading a provider component to ask it something (its credential
//! schemas, its version, what it detects).

use strato_runtime::{Component, Grants, ProviderHandle, RuntimeConfig};

use crate::commands::runtime::{cache_dir, classify};
use crate::context::Context;
use crate::error::CliError;
use crate::home::providers::ProviderSource;

/// Loads `source` through the compile cache (recording its audit events).
pub async fn component(ctx: &Context, source: &ProviderSource) -> Result<Component, CliError> {
    let runtime = ctx.runtime(RuntimeConfig {
        cache_dir: cache_dir(),
        ..RuntimeConfig::default()
    })?;
    runtime
        .load_bytes(&source.bytes)
        .await
        .map_err(|e| classify(&format!("provider {} ({})", source.name, source.shown), &e))
}

/// Loads `source` and instantiates it with `grants` (nothing by default:
/// asking for schemas needs no capability).
pub async fn provider(
    ctx: &Context,
    source: &ProviderSource,
    grants: Option<Grants>,
) -> Result<ProviderHandle, CliError> {
    let component = component(ctx, source).await?;
    let grants = grants.unwrap_or_else(|| Grants {
        name: Some(source.name.clone()),
        ..Grants::default()
    });
    component
        .instantiate(grants)
        .await
        .map_err(|e| classify(&format!("provider {}", source.name), &e))
}
