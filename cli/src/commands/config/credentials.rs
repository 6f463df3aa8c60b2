//! `add-credential`, `credentials` and `remove-credential`.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Args;
use serde::Serialize;
use strato_runtime::capabilities::credentials::is_well_known_secret;
use strato_runtime::types::CredentialSchema;

use super::prompt::Prompt;
use super::{data_help, load, table};
use crate::commands::clouds::{CredentialsFile, parse};
use crate::context::Context;
use crate::error::CliError;
use crate::home::clouds::{self as home_clouds, NamedCloud};
use crate::home::credentials::{Credentials, NamedCredential, SETTINGS};
use crate::home::providers;
use crate::output::{Format, Output};

pub const ADD_HELP: &str = concat!(
    "\
From a file: -f takes a credentials.yaml in Juju's format and adds every credential it holds for
CLOUD (and its default-credential / default-region when CLOUD has none yet):

  credentials:
    mycloud:
      default-credential: mine
      mine:
        auth-type: access-key
        access-key: AKIA...
        secret-key: ...

Without -f, strato asks for the credential's name, its auth type and each attribute of the
provider's credential schema; secret attributes are read without echo on a terminal (answers
come from stdin lines when it is not one). Credentials are checked against the schema and
saved in credentials.yaml, mode 0600. A credential already there is replaced only with --replace.

Examples:
  strato add-credential mycloud -f credentials.yaml
  strato add-credential mycloud
  printf 'mine\\nuserpass\\nme\\ns3cret\\n' | strato add-credential dummy

",
    data_help!()
);

pub const LIST_HELP: &str = "\
Secret attributes (hidden in the provider's schema, or well-known secret names such as
secret-key or password) are never printed: they show as <hidden>. The default credential of a
cloud is marked with *.

Examples:
  strato credentials
  strato credentials mycloud --format yaml";

pub const REMOVE_HELP: &str = "\
Examples:
  strato remove-credential mycloud mine";

/// `add-credential` arguments.
#[derive(Args, Debug)]
pub struct AddArgs {
    /// The cloud the credential is for.
    pub cloud: String,
    /// A credentials.yaml (Juju's format) holding credentials for the cloud.
    #[arg(long, short = 'f', value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Replace credentials of the same names.
    #[arg(long)]
    pub replace: bool,
}

/// `credentials` arguments.
#[derive(Args, Debug)]
pub struct ListArgs {
    /// Only this cloud's credentials.
    pub cloud: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// `remove-credential` arguments.
#[derive(Args, Debug)]
pub struct RemoveArgs {
    /// The cloud.
    pub cloud: String,
    /// The credential's name.
    pub name: String,
}

/// The provider's credential schemas for `cloud`; `None` (with a warning
/// in the log) when its component cannot be found or loaded.
pub async fn schemas(ctx: &Context, cloud: &NamedCloud) -> Option<Vec<CredentialSchema>> {
    let source = match providers::resolve(&ctx.home, &cloud.def.cloud_type) {
        Ok(source) => source,
        Err(e) => {
            tracing::warn!("cloud {}: {e}", cloud.name);
            return None;
        }
    };
    let provider = match load::provider(ctx, &source, None).await {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!("cloud {}: {e}", cloud.name);
            return None;
        }
    };
    match provider.credential_schemas().await {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::warn!("cloud {}: credential-schemas: {e}", cloud.name);
            None
        }
    }
}

/// Checks `cred` for `cloud` against its auth types and, when known, the
/// provider's schema for its auth type: required attributes present,
/// no unknown ones, values among the allowed options.
pub fn check(
    cloud: &NamedCloud,
    schemas: Option<&[CredentialSchema]>,
    cred: &NamedCredential,
) -> Result<(), CliError> {
    let what = format!("credential {:?} for cloud {:?}", cred.name, cloud.name);
    if cred.name.is_empty() || SETTINGS.contains(&cred.name.as_str()) {
        return Err(CliError::bad_input(format!(
            "{what}: not a credential name"
        )));
    }
    if cred.auth_type.is_empty() {
        return Err(CliError::bad_input(format!("{what} has no auth-type")));
    }
    let auth = &cloud.def.auth_types;
    if !auth.is_empty() && !auth.contains(&cred.auth_type) {
        return Err(CliError::bad_input(format!(
            "{what}: auth type {:?} is not one of the cloud's ({})",
            cred.auth_type,
            auth.join(", ")
        )));
    }
    let Some(schemas) = schemas else {
        return Ok(());
    };
    let Some(schema) = schemas.iter().find(|s| s.auth_type == cred.auth_type) else {
        let known: Vec<&str> = schemas.iter().map(|s| s.auth_type.as_str()).collect();
        return Err(CliError::bad_input(format!(
            "{what}: the provider has no auth type {:?} (it knows: {})",
            cred.auth_type,
            known.join(", ")
        )));
    };
    for attr in &schema.attributes {
        let value = cred.attributes.get(&attr.name);
        let from_file = !attr.file_attr.is_empty() && cred.attributes.contains_key(&attr.file_attr);
        if value.is_none_or(|v| v.is_empty()) && !attr.optional && !from_file {
            return Err(CliError::bad_input(format!(
                "{what}: missing attribute {:?} ({})",
                attr.name, attr.description
            )));
        }
        if let Some(v) = value
            && !attr.options.is_empty()
            && !v.is_empty()
            && !attr.options.contains(v)
        {
            return Err(CliError::bad_input(format!(
                "{what}: {} must be one of {}",
                attr.name,
                attr.options.join(", ")
            )));
        }
    }
    for name in cred.attributes.keys() {
        let known = schema
            .attributes
            .iter()
            .any(|a| &a.name == name || &a.file_attr == name);
        if !known {
            return Err(CliError::bad_input(format!(
                "{what}: unknown attribute {name:?} for auth type {:?}",
                cred.auth_type
            )));
        }
    }
    Ok(())
}

/// `strato add-credential`.
pub async fn add(args: AddArgs, out: &Output, ctx: &Context) -> Result<(), CliError> {
    let cloud = home_clouds::get(&ctx.home, &args.cloud)?;
    let schemas = schemas(ctx, &cloud).await;
    let mut creds = Credentials::load(&ctx.home)?;
    let mut settings: Vec<(String, String)> = Vec::new();
    let found: Vec<NamedCredential> = match &args.file {
        Some(path) => {
            let mut file: CredentialsFile = parse(path)?;
            let Some(entry) = file.credentials.remove(&cloud.name) else {
                return Err(CliError::bad_input(format!(
                    "{}: no credentials for cloud {:?}",
                    path.display(),
                    cloud.name
                )));
            };
            for key in SETTINGS {
                if let Some(v) = entry.get(key).and_then(|v| v.as_str()) {
                    settings.push((key.to_string(), v.to_string()));
                }
            }
            entry
                .iter()
                .filter(|(k, _)| !SETTINGS.contains(&k.as_str()))
                .map(|(k, v)| {
                    NamedCredential::from_value(k, v).ok_or_else(|| {
                        CliError::bad_input(format!(
                            "{}: credential {k:?} is not a map of attributes",
                            path.display()
                        ))
                    })
                })
                .collect::<Result<_, _>>()?
        }
        None => vec![ask(&cloud, schemas.as_deref())?],
    };
    if found.is_empty() {
        return Err(CliError::bad_input(format!(
            "no credentials for cloud {:?} to add",
            cloud.name
        )));
    }
    let existing: Vec<String> = creds.of(&cloud.name).into_iter().map(|c| c.name).collect();
    for cred in &found {
        check(&cloud, schemas.as_deref(), cred)?;
        if existing.contains(&cred.name) && !args.replace {
            return Err(CliError::bad_input(format!(
                "credential {:?} for cloud {:?} already exists",
                cred.name, cloud.name
            ))
            .hint("pass --replace to replace it"));
        }
    }
    for (key, value) in settings {
        if creds.setting(&cloud.name, &key).is_none() {
            creds.set_setting(&cloud.name, &key, &value);
        }
    }
    let mut lines = Vec::new();
    for cred in &found {
        let replaced = creds.put(&cloud.name, cred);
        lines.push(format!(
            "credential {} {} for cloud {}",
            cred.name,
            if replaced { "replaced" } else { "added" },
            cloud.name
        ));
    }
    creds.save(&ctx.home)?;
    for line in lines {
        out.result(line);
    }
    Ok(())
}

/// Asks for one credential per the provider's schema.
fn ask(
    cloud: &NamedCloud,
    schemas: Option<&[CredentialSchema]>,
) -> Result<NamedCredential, CliError> {
    let Some(schemas) = schemas else {
        return Err(CliError::bad_input(format!(
            "cannot ask for a credential for cloud {:?}: its provider ({}) is not available",
            cloud.name, cloud.def.cloud_type
        ))
        .hint("pass -f credentials.yaml"));
    };
    let offered: Vec<&CredentialSchema> = schemas
        .iter()
        .filter(|s| cloud.def.auth_types.is_empty() || cloud.def.auth_types.contains(&s.auth_type))
        .collect();
    let mut prompt = Prompt::new();
    prompt.note(&format!("Adding a credential for cloud {}.", cloud.name));
    let name = prompt.ask("Credential name", None)?;
    let auth_types: Vec<&str> = offered.iter().map(|s| s.auth_type.as_str()).collect();
    let default = match auth_types.as_slice() {
        [only] => Some(*only),
        _ => None,
    };
    let auth_type = prompt.ask(&format!("Auth type ({})", auth_types.join(", ")), default)?;
    let Some(schema) = offered.iter().find(|s| s.auth_type == auth_type) else {
        return Err(CliError::bad_input(format!(
            "auth type {auth_type:?} is not one of {}",
            auth_types.join(", ")
        )));
    };
    let mut attributes = BTreeMap::new();
    for attr in &schema.attributes {
        let mut question = if attr.description.is_empty() {
            attr.name.clone()
        } else {
            format!("{} ({})", attr.name, attr.description)
        };
        if !attr.options.is_empty() {
            question.push_str(&format!(" [{}]", attr.options.join("/")));
        }
        if attr.optional {
            question.push_str(" (optional)");
        }
        let value = if attr.hidden || is_well_known_secret(&attr.name) {
            prompt.secret(&question, attr.optional)?
        } else if attr.optional {
            prompt.ask(&question, Some(""))?
        } else {
            prompt.ask(&question, attr.options.first().map(String::as_str))?
        };
        if !value.is_empty() {
            attributes.insert(attr.name.clone(), value);
        }
    }
    Ok(NamedCredential {
        name,
        auth_type,
        attributes,
    })
}

/// A credential as `credentials --format json|yaml` prints it.
#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct CredentialOut {
    auth_type: String,
    default: bool,
    /// Visible attributes with their values; secret ones as `<hidden>`.
    attributes: BTreeMap<String, String>,
}

/// A cloud's credentials as `credentials --format json|yaml` prints them.
#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct CloudCredentialsOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    default_credential: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    default_region: Option<String>,
    credentials: BTreeMap<String, CredentialOut>,
}

/// What may be shown of `cred`: values of attributes the provider's
/// schema shows and that are not well-known secrets; `<hidden>` for the
/// rest (all of them when the schema is not known).
fn shown(cred: &NamedCredential, schemas: Option<&[CredentialSchema]>) -> BTreeMap<String, String> {
    let schema = schemas.and_then(|s| s.iter().find(|s| s.auth_type == cred.auth_type));
    cred.attributes
        .iter()
        .map(|(k, v)| {
            let visible = !is_well_known_secret(k)
                && schema.is_some_and(|s| s.attributes.iter().any(|a| &a.name == k && !a.hidden));
            let value = if visible {
                v.clone()
            } else {
                "<hidden>".into()
            };
            (k.clone(), value)
        })
        .collect()
}

/// `strato credentials`.
pub async fn list(args: ListArgs, out: &Output, ctx: &Context) -> Result<(), CliError> {
    let creds = Credentials::load(&ctx.home)?;
    let clouds: Vec<NamedCloud> = match &args.cloud {
        Some(name) => vec![home_clouds::get(&ctx.home, name)?],
        None => {
            let known = home_clouds::all(&ctx.home)?;
            // Credentials of a cloud no longer defined are listed too.
            let mut clouds = known.clone();
            for name in creds.clouds() {
                if !known.iter().any(|c| c.name == name) {
                    clouds.push(NamedCloud {
                        name,
                        def: Default::default(),
                        source: home_clouds::Source::Local,
                    });
                }
            }
            clouds
        }
    };
    let mut all: BTreeMap<String, CloudCredentialsOut> = BTreeMap::new();
    for cloud in &clouds {
        let named = creds.of(&cloud.name);
        if named.is_empty() {
            continue;
        }
        let schemas = if cloud.def.cloud_type.is_empty() {
            None
        } else {
            schemas(ctx, cloud).await
        };
        let default = creds.setting(&cloud.name, "default-credential");
        let out_creds = named
            .iter()
            .map(|c| {
                (
                    c.name.clone(),
                    CredentialOut {
                        auth_type: c.auth_type.clone(),
                        default: default.as_deref() == Some(c.name.as_str()),
                        attributes: shown(c, schemas.as_deref()),
                    },
                )
            })
            .collect();
        all.insert(
            cloud.name.clone(),
            CloudCredentialsOut {
                default_credential: default,
                default_region: creds.setting(&cloud.name, "default-region"),
                credentials: out_creds,
            },
        );
    }
    if args.format != Format::Text {
        return out.data(args.format, &all);
    }
    if all.is_empty() {
        out.say("no credentials: add one with `strato add-credential <cloud>`");
        return Ok(());
    }
    let mut rows = Vec::new();
    for (cloud, entry) in &all {
        for (name, c) in &entry.credentials {
            let attrs = c
                .attributes
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ");
            rows.push(vec![
                cloud.clone(),
                if c.default {
                    format!("{name}*")
                } else {
                    name.clone()
                },
                c.auth_type.clone(),
                attrs,
            ]);
        }
    }
    out.result(table(
        &["CLOUD", "CREDENTIAL", "AUTH-TYPE", "ATTRIBUTES"],
        rows,
    ));
    Ok(())
}

/// `strato remove-credential`.
pub fn remove(args: RemoveArgs, out: &Output, ctx: &Context) -> Result<(), CliError> {
    let mut creds = Credentials::load(&ctx.home)?;
    if !creds.remove(&args.cloud, &args.name) {
        let known: Vec<String> = creds.of(&args.cloud).into_iter().map(|c| c.name).collect();
        let known = if known.is_empty() {
            "it has none".to_string()
        } else {
            format!("it has {}", known.join(", "))
        };
        return Err(CliError::bad_input(format!(
            "no credential {:?} for cloud {:?} ({known})",
            args.name, args.cloud
        ))
        .hint("see `strato credentials`"));
    }
    creds.save(&ctx.home)?;
    out.result(format!(
        "credential {} removed from cloud {}",
        args.name, args.cloud
    ));
    Ok(())
}
