//! `strato providers`: the embedded dummy and the data directory's
//! components, with what each one is.

use serde::Serialize;
use strato_runtime::Manifest;

use super::{data_help, load, table};
use crate::context::Context;
use crate::error::CliError;
use crate::home::providers::{self, ProviderSource};
use crate::output::{Format, Output};

pub const PROVIDERS_HELP: &str = concat!(
    "\
A provider serves the clouds whose type is its name: `dummy` is built in; providers/<type>.wasm
(or providers/strato_<type>.wasm) serves clouds of type <type>. Each component is loaded (through
the compile cache) to read its version; one that does not load is listed with the error.

Columns: name, aliases, environ version, WIT package version, sha256 (first 12 digits), optional
interfaces. --format json|yaml gives every field: name, aliases, source, sha256, size,
wit-version, version, interfaces, capabilities (what it declares), error.

Examples:
  strato providers
  strato providers --format json
  cp strato_ec2.wasm \"$STRATO_DATA/providers/ec2.wasm\"

",
    data_help!()
);

/// One provider, as `providers --format json|yaml` prints it (stable field
/// names).
#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct ProviderOut {
    name: String,
    aliases: Vec<String>,
    /// `built-in` or the component's path.
    source: String,
    sha256: String,
    size: usize,
    wit_version: Option<String>,
    /// `EnvironProvider.Version`.
    version: Option<u32>,
    interfaces: Vec<String>,
    capabilities: Option<Manifest>,
    error: Option<String>,
}

/// `strato providers`.
pub async fn list(format: Format, out: &Output, ctx: &Context) -> Result<(), CliError> {
    let mut rows = Vec::new();
    for source in providers::all(&ctx.home)? {
        rows.push(describe(ctx, source).await);
    }
    if format != Format::Text {
        return out.data(format, &rows);
    }
    let table_rows = rows.iter().map(|p| {
        let interfaces = if p.interfaces.is_empty() {
            "-".to_string()
        } else {
            p.interfaces.join(", ")
        };
        vec![
            p.name.clone(),
            if p.aliases.is_empty() {
                "-".into()
            } else {
                p.aliases.join(", ")
            },
            p.version
                .map(|v| v.to_string())
                .unwrap_or_else(|| "-".into()),
            p.wit_version.clone().unwrap_or_else(|| "-".into()),
            p.sha256.chars().take(12).collect(),
            match &p.error {
                Some(e) => format!("error: {e}"),
                None => interfaces,
            },
        ]
    });
    out.result(table(
        &["NAME", "ALIASES", "VERSION", "WIT", "SHA256", "INTERFACES"],
        table_rows,
    ));
    Ok(())
}

/// What `source` is: read from its binary, then its version from an
/// instance with no grants.
async fn describe(ctx: &Context, source: ProviderSource) -> ProviderOut {
    let mut p = ProviderOut {
        name: source.name.clone(),
        aliases: Vec::new(),
        source: source.shown.clone(),
        sha256: source.sha256(),
        size: source.bytes.len(),
        wit_version: None,
        version: None,
        interfaces: Vec::new(),
        capabilities: None,
        error: None,
    };
    match strato_runtime::inspect(&source.bytes) {
        Ok(info) => {
            p.wit_version = Some(info.wit_version.clone());
            p.interfaces = info.optional.iter().map(|i| i.to_string()).collect();
            p.capabilities = Some(info.declared.clone());
        }
        Err(e) => {
            p.error = Some(e.to_string());
            return p;
        }
    }
    match load::provider(ctx, &source, None).await {
        Ok(provider) => match provider.version().await {
            Ok(v) => p.version = Some(v),
            Err(e) => p.error = Some(format!("version: {e}")),
        },
        Err(e) => p.error = Some(e.to_string()),
    }
    p
}
