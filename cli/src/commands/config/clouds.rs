//! `clouds`, `regions` and `add-cloud`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use super::prompt::Prompt;
use super::{data_help, load, table};
use crate::commands::clouds::{CloudDef, CloudsFile, RegionDef, Regions, parse};
use crate::context::Context;
use crate::error::CliError;
use crate::home::clouds::{self as home_clouds, Source};
use crate::home::credentials::Credentials;
use crate::home::providers::{self, DUMMY};
use crate::output::{Format, Output};

pub const CLOUDS_HELP: &str = concat!(
    "\
Columns: cloud, number of regions, default region, type, credentials, where it is defined, description.

Examples:
  strato clouds
  strato clouds --format yaml

",
    data_help!()
);

pub const REGIONS_HELP: &str = "\
Examples:
  strato regions dummy
  strato regions aws --format json      each region with its endpoints";

pub const ADD_CLOUD_HELP: &str = concat!(
    "\
From a file: -f takes a clouds.yaml in Juju's format and adds the cloud NAME from it (NAME may be
left out when the file holds one cloud):

  clouds:
    mycloud:
      type: ec2
      auth-types: [access-key]
      endpoint: https://ec2.us-east-1.amazonaws.com
      regions:
        us-east-1: {}
        us-west-2: { endpoint: https://ec2.us-west-2.amazonaws.com }
      config: { image-id: ami-0123 }

Without -f, strato asks for the type, endpoint, auth types and regions (answers are read from
stdin when it is not a terminal, one per line). The cloud is checked before it is saved: its type
must have a provider (built in, or providers/<type>.wasm), endpoints must be URLs, and its
auth types must be among the provider's credential schemas. A cloud already added is replaced
only with --replace.

Examples:
  strato add-cloud mycloud -f clouds.yaml
  strato add-cloud mycloud
  strato add-cloud mycloud -f clouds.yaml --replace

",
    data_help!()
);

/// `regions` arguments.
#[derive(Args, Debug)]
pub struct RegionsArgs {
    /// The cloud.
    pub cloud: String,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// `add-cloud` arguments.
#[derive(Args, Debug)]
pub struct AddCloudArgs {
    /// The cloud's name [default with -f: the file's only cloud].
    pub name: Option<String>,
    /// A clouds.yaml (Juju's format) holding the cloud.
    #[arg(long, short = 'f', value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Replace a cloud of that name already added.
    #[arg(long)]
    pub replace: bool,
}

/// A cloud as `clouds --format json|yaml` prints it (field names are stable).
#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct CloudOut {
    #[serde(rename = "type")]
    cloud_type: String,
    description: String,
    defined: Source,
    auth_types: Vec<String>,
    endpoint: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    identity_endpoint: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    storage_endpoint: String,
    default_region: Option<String>,
    regions: Regions,
    credentials: usize,
}

/// `strato clouds`.
pub fn list(format: Format, out: &Output, ctx: &Context) -> Result<(), CliError> {
    let clouds = home_clouds::all(&ctx.home)?;
    let creds = Credentials::load(&ctx.home)?;
    if format != Format::Text {
        let map: BTreeMap<String, CloudOut> = clouds
            .iter()
            .map(|c| {
                (
                    c.name.clone(),
                    CloudOut {
                        cloud_type: c.def.cloud_type.clone(),
                        description: c.def.description.clone(),
                        defined: c.source,
                        auth_types: c.def.auth_types.clone(),
                        endpoint: c.def.endpoint.clone(),
                        identity_endpoint: c.def.identity_endpoint.clone(),
                        storage_endpoint: c.def.storage_endpoint.clone(),
                        default_region: c.default_region().map(str::to_string),
                        regions: c.def.regions.clone(),
                        credentials: creds.of(&c.name).len(),
                    },
                )
            })
            .collect();
        return out.data(format, &map);
    }
    let rows = clouds.iter().map(|c| {
        vec![
            c.name.clone(),
            c.def.regions.0.len().to_string(),
            c.default_region().unwrap_or("-").to_string(),
            c.def.cloud_type.clone(),
            creds.of(&c.name).len().to_string(),
            c.source.name().to_string(),
            c.def.description.clone(),
        ]
    });
    out.result(table(
        &[
            "CLOUD",
            "REGIONS",
            "DEFAULT",
            "TYPE",
            "CREDENTIALS",
            "SOURCE",
            "DESCRIPTION",
        ],
        rows,
    ));
    Ok(())
}

/// `strato regions <cloud>`.
pub fn regions(args: RegionsArgs, out: &Output, ctx: &Context) -> Result<(), CliError> {
    let cloud = home_clouds::get(&ctx.home, &args.cloud)?;
    if args.format != Format::Text {
        return out.data(args.format, &cloud.def.regions);
    }
    if cloud.def.regions.is_empty() {
        out.say(format!("cloud {} has no regions", cloud.name));
    }
    for name in cloud.def.regions.names() {
        out.result(name);
    }
    Ok(())
}

/// `strato add-cloud`.
pub async fn add(args: AddCloudArgs, out: &Output, ctx: &Context) -> Result<(), CliError> {
    let (name, def) = match &args.file {
        Some(path) => {
            let file: CloudsFile = parse(path)?;
            let shown = path.display();
            let known = file.clouds.keys().cloned().collect::<Vec<_>>().join(", ");
            let name = match (&args.name, file.clouds.len()) {
                (Some(name), _) => name.clone(),
                (None, 1) => file.clouds.keys().next().cloned().unwrap_or_default(),
                (None, _) => {
                    return Err(CliError::bad_input(format!(
                        "{shown} holds several clouds ({known}): name one"
                    ))
                    .hint("strato add-cloud NAME -f FILE"));
                }
            };
            let def = file.clouds.get(&name).cloned().ok_or_else(|| {
                CliError::bad_input(format!("{shown}: no cloud {name:?} (clouds: {known})"))
            })?;
            (name, def)
        }
        None => {
            let Some(name) = args.name.clone() else {
                return Err(CliError::bad_input("add-cloud needs the cloud's name")
                    .hint("strato add-cloud NAME [-f clouds.yaml]"));
            };
            let def = ask(&name, ctx).await?;
            (name, def)
        }
    };
    check_name(&name)?;
    let mut local = home_clouds::load_local(&ctx.home)?;
    if local.clouds.contains_key(&name) && !args.replace {
        return Err(
            CliError::bad_input(format!("cloud {name:?} already exists"))
                .hint("pass --replace to replace it (see `strato clouds`)"),
        );
    }
    validate(&name, &def, ctx).await?;
    let replaced = local.clouds.insert(name.clone(), def).is_some();
    home_clouds::save_local(&ctx.home, &local)?;
    out.result(format!(
        "cloud {name} {} in {}",
        if replaced { "replaced" } else { "added" },
        ctx.home.clouds_yaml().display()
    ));
    out.say(format!(
        "next: strato add-credential {name}  (or strato autoload-credentials)"
    ));
    Ok(())
}

/// A cloud name is a plain word, and not the built-in one.
fn check_name(name: &str) -> Result<(), CliError> {
    if name == DUMMY {
        return Err(
            CliError::bad_input("cloud \"dummy\" is built in and cannot be replaced")
                .hint("choose another name"),
        );
    }
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
    if !ok {
        return Err(CliError::bad_input(format!(
            "cloud name {name:?} is not valid (letters, digits, '-', '_' and '.')"
        )));
    }
    Ok(())
}

/// Checks a cloud before it is saved: a provider for its type, endpoints
/// that are URLs, auth types the provider knows, and the provider's cloud
/// schema when it has one.
async fn validate(name: &str, def: &CloudDef, ctx: &Context) -> Result<(), CliError> {
    if def.cloud_type.is_empty() {
        return Err(CliError::bad_input(format!("cloud {name:?} has no type")));
    }
    let source = providers::resolve(&ctx.home, &def.cloud_type)
        .map_err(|e| CliError::bad_input(format!("cloud {name:?}: unknown cloud type: {e}")))?;
    let mut endpoints = vec![
        ("endpoint", def.endpoint.as_str()),
        ("identity-endpoint", def.identity_endpoint.as_str()),
        ("storage-endpoint", def.storage_endpoint.as_str()),
    ];
    for (_, r) in &def.regions.0 {
        endpoints.push(("region endpoint", r.endpoint.as_str()));
        endpoints.push(("region identity-endpoint", r.identity_endpoint.as_str()));
        endpoints.push(("region storage-endpoint", r.storage_endpoint.as_str()));
    }
    // The built-in cloud's placeholder endpoints are not URLs; only the
    // dummy accepts anything.
    if source.embedded() {
        endpoints.clear();
    }
    for (what, value) in endpoints {
        if !value.is_empty() && !is_url(value) {
            return Err(CliError::bad_input(format!(
                "cloud {name:?}: {what} {value:?} is not a URL"
            ))
            .hint(
                "write it as scheme://host[:port][/path], e.g. https://ec2.us-east-1.amazonaws.com",
            ));
        }
    }
    let provider = load::provider(ctx, &source, None).await?;
    let schemas = provider.credential_schemas().await.map_err(|e| {
        CliError::failure(format!("provider {}: credential-schemas: {e}", source.name))
    })?;
    let known: Vec<&str> = schemas.iter().map(|s| s.auth_type.as_str()).collect();
    for auth in &def.auth_types {
        if !known.contains(&auth.as_str()) {
            return Err(CliError::bad_input(format!(
                "cloud {name:?}: auth type {auth:?} is not supported by the {} provider (it \
                 knows: {})",
                source.name,
                known.join(", ")
            )));
        }
    }
    if let Ok(Some(schema)) = provider.cloud_schema().await {
        check_schema(name, def, &schema)?;
    }
    Ok(())
}

/// The parts of a provider's cloud JSON schema a CLI can check without a
/// schema engine: required keys, and no unknown keys when the schema
/// forbids them.
fn check_schema(name: &str, def: &CloudDef, schema: &str) -> Result<(), CliError> {
    let Ok(schema) = serde_json::from_str::<serde_json::Value>(schema) else {
        tracing::warn!("the provider's cloud schema is not JSON; not checked");
        return Ok(());
    };
    let value = serde_json::to_value(def).unwrap_or_default();
    let keys: Vec<&String> = value
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    for required in schema
        .get("required")
        .and_then(|r| r.as_array())
        .into_iter()
        .flatten()
        .filter_map(|r| r.as_str())
    {
        if !keys.iter().any(|k| k.as_str() == required) {
            return Err(CliError::bad_input(format!(
                "cloud {name:?}: {required} is required by the provider's cloud schema"
            )));
        }
    }
    let closed = schema.get("additionalProperties") == Some(&serde_json::Value::Bool(false));
    if let (true, Some(props)) = (closed, schema.get("properties").and_then(|p| p.as_object())) {
        for key in keys {
            if key != "type" && !props.contains_key(key.as_str()) {
                return Err(CliError::bad_input(format!(
                    "cloud {name:?}: {key} is not allowed by the provider's cloud schema"
                )));
            }
        }
    }
    Ok(())
}

/// `scheme://host[:port][/…]` with a plain scheme and a host.
pub fn is_url(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once("://") else {
        return false;
    };
    let scheme_ok = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.');
    if !scheme_ok || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit('@').next().unwrap_or("");
    let port_ok = |port: &str| port.is_empty() || port.parse::<u16>().is_ok();
    if let Some(v6) = host_port.strip_prefix('[') {
        // An IPv6 literal: `[addr]` then an optional `:port`.
        return match v6.split_once(']') {
            Some((addr, tail)) => {
                !addr.is_empty() && (tail.is_empty() || tail.strip_prefix(':').is_some_and(port_ok))
            }
            None => false,
        };
    }
    match host_port.split_once(':') {
        Some((host, port)) => !host.is_empty() && port_ok(port),
        None => !host_port.is_empty(),
    }
}

/// Asks for a cloud's definition, one question per line.
async fn ask(name: &str, ctx: &Context) -> Result<CloudDef, CliError> {
    let mut prompt = Prompt::new();
    let types: Vec<String> = providers::all(&ctx.home)?
        .into_iter()
        .map(|p| p.name)
        .collect();
    prompt.note(&format!(
        "Adding cloud {name}. Provider types: {}",
        types.join(", ")
    ));
    let cloud_type = prompt.ask("Cloud type", None)?;
    let source = providers::resolve(&ctx.home, &cloud_type)?;
    let provider = load::provider(ctx, &source, None).await?;
    let schemas = provider.credential_schemas().await.map_err(|e| {
        CliError::failure(format!("provider {}: credential-schemas: {e}", source.name))
    })?;
    let all_auth = schemas
        .iter()
        .map(|s| s.auth_type.clone())
        .collect::<Vec<_>>()
        .join(",");
    let endpoint = prompt.ask("API endpoint URL (empty for none)", Some(""))?;
    let auth = prompt.ask("Auth types (comma-separated)", Some(&all_auth))?;
    let regions = prompt.ask(
        "Regions (comma-separated; the first is the default; empty for none)",
        Some(""),
    )?;
    let list = |text: &str| -> Vec<String> {
        text.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    };
    let mut region_defs = Vec::new();
    for region in list(&regions) {
        let endpoint = prompt.ask(
            &format!("Endpoint of region {region} (empty: the cloud's)"),
            Some(""),
        )?;
        region_defs.push((
            region,
            RegionDef {
                endpoint,
                ..RegionDef::default()
            },
        ));
    }
    Ok(CloudDef {
        cloud_type,
        auth_types: list(&auth),
        endpoint,
        regions: Regions(region_defs),
        ..CloudDef::default()
    })
}

#[cfg(test)]
mod tests {
    use super::is_url;

    #[test]
    fn urls() {
        for ok in [
            "https://ec2.us-east-1.amazonaws.com",
            "http://127.0.0.1:5000",
            "http://[::1]:8080/x",
            "https://[fd00::1]",
        ] {
            assert!(is_url(ok), "{ok}");
        }
        for bad in [
            "ec2.amazonaws.com",
            "http://",
            "http://a b",
            "://x",
            "http://h:port",
        ] {
            assert!(!is_url(bad), "{bad}");
        }
    }
}
