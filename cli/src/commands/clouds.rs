//! Juju's `clouds.yaml` and `credentials.yaml`, as `strato demo --clouds`
//! reads them: one cloud, one region and one credential become the cloud
//! spec a provider is opened with (`environs.MakeCloudSpec`), plus the
//! cloud's model defaults (`config`, `region-config`).
//!
//! ```yaml
//! # clouds.yaml
//! clouds:
//!   moto:
//!     type: ec2
//!     auth-types: [access-key]
//!     endpoint: http://127.0.0.1:5000
//!     regions:
//!       us-east-1: {}
//!     config:
//!       image-id: ami-785db401
//! # credentials.yaml
//! credentials:
//!   moto:
//!     default-region: us-east-1
//!     default-credential: mine
//!     mine:
//!       auth-type: access-key
//!       access-key: AKIA…
//!       secret-key: …
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};
use strato_conformance::json_to_value;
use strato_runtime::environs::cloudspec::{make_cloud_spec, validate_cloud_spec};
use strato_runtime::types::{Attrs, Cloud, CloudSpec, Credential, Region};

use crate::error::CliError;

/// What the demo needs of the chosen cloud.
#[derive(Debug, Clone)]
pub struct Chosen {
    /// The cloud spec: region endpoints and the credential.
    pub spec: CloudSpec,
    /// The cloud's `config`, then the region's `region-config` over it.
    pub config: Attrs,
    /// The credential's name (messages only).
    pub credential_name: Option<String>,
}

/// What `--clouds`, `--credentials`, `--cloud`, `--region` and
/// `--credential` asked for.
#[derive(Debug, Clone, Copy)]
pub struct Selection<'a> {
    pub clouds: &'a Path,
    pub credentials: Option<&'a Path>,
    pub cloud: Option<&'a str>,
    pub region: Option<&'a str>,
    pub credential: Option<&'a str>,
}

/// A Juju `clouds.yaml`.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CloudsFile {
    #[serde(default)]
    pub clouds: BTreeMap<String, CloudDef>,
}

/// One cloud of a `clouds.yaml`, in Juju's layout.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct CloudDef {
    #[serde(rename = "type")]
    pub cloud_type: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub host_cloud_region: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub auth_types: Vec<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub endpoint: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub identity_endpoint: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub storage_endpoint: String,
    /// In file order: the first is the default region.
    #[serde(default, skip_serializing_if = "Regions::is_empty")]
    pub regions: Regions,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub config: BTreeMap<String, serde_json::Value>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub region_config: BTreeMap<String, BTreeMap<String, serde_json::Value>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ca_certificates: Vec<String>,
}

/// `regions:` in file order: a map of names (`us-east-1: {endpoint: …}`,
/// or no value) or a list of names. Written back as a map.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Regions(pub Vec<(String, RegionDef)>);

/// A region's endpoints; empty ones are the cloud's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct RegionDef {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub endpoint: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub identity_endpoint: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub storage_endpoint: String,
}

impl Regions {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The names, in file order.
    pub fn names(&self) -> Vec<String> {
        self.0.iter().map(|(n, _)| n.clone()).collect()
    }
}

impl Serialize for Regions {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (name, def) in &self.0 {
            map.serialize_entry(name, def)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Regions {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = Regions;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of region names to endpoints, or a list of region names")
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Regions, E> {
                Ok(Regions::default())
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Regions, E> {
                Ok(Regions::default())
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Regions, A::Error> {
                let mut out = Vec::new();
                while let Some((name, def)) = a.next_entry::<String, Option<RegionDef>>()? {
                    out.push((name, def.unwrap_or_default()));
                }
                Ok(Regions(out))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Regions, A::Error> {
                let mut out = Vec::new();
                while let Some(name) = a.next_element::<String>()? {
                    out.push((name, RegionDef::default()));
                }
                Ok(Regions(out))
            }
        }
        d.deserialize_any(Visit)
    }
}

/// A Juju `credentials.yaml`: per cloud, `default-credential`,
/// `default-region` and the named credentials (`auth-type` + attributes).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialsFile {
    #[serde(default)]
    pub credentials: BTreeMap<String, BTreeMap<String, serde_json::Value>>,
}

fn read(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path)
        .map_err(|e| CliError::bad_input(format!("{}: cannot read: {e}", path.display())))
}

/// Parses a YAML file; an error names the file (and the parser gives the
/// line and column).
pub fn parse<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, CliError> {
    parse_text(&read(path)?, &path.display().to_string())
}

/// Parses YAML `text` read from `shown`.
pub fn parse_text<T: serde::de::DeserializeOwned>(text: &str, shown: &str) -> Result<T, CliError> {
    serde_saphyr::from_str(text).map_err(|e| {
        let e = e.to_string();
        let e = e.strip_prefix("error: ").unwrap_or(&e);
        CliError::bad_input(format!("{shown}: {e}"))
    })
}

/// Reads the files and picks the cloud, region and credential.
pub fn choose(sel: Selection<'_>) -> Result<Chosen, CliError> {
    let file: CloudsFile = parse(sel.clouds)?;
    let shown = sel.clouds.display().to_string();
    let (name, def) = match sel.cloud {
        Some(name) => file.clouds.get_key_value(name).ok_or_else(|| {
            CliError::bad_input(format!("{shown}: no cloud {name:?}"))
                .hint(format!("clouds: {}", names(file.clouds.keys())))
        })?,
        None => match file.clouds.iter().next() {
            Some(only) if file.clouds.len() == 1 => only,
            _ => {
                return Err(CliError::bad_input(format!(
                    "{shown}: several clouds, pass --cloud NAME"
                ))
                .hint(format!("clouds: {}", names(file.clouds.keys()))));
            }
        },
    };
    let creds = match sel.credentials {
        Some(path) => credentials_for(path, name)?,
        None => BTreeMap::new(),
    };
    spec_for(name, def, &creds, sel.region, sel.credential, &shown)
}

/// The cloud spec and model defaults for `region` (else the credentials'
/// `default-region`, else the first region) of the cloud `name`, with the
/// credential `wanted` (else `default-credential`, else the only one) of
/// `creds` (the cloud's entry of a `credentials.yaml`). `shown` names the
/// clouds file in errors.
pub fn spec_for(
    name: &str,
    def: &CloudDef,
    creds: &BTreeMap<String, serde_json::Value>,
    region: Option<&str>,
    wanted: Option<&str>,
    shown: &str,
) -> Result<Chosen, CliError> {
    let regions = regions(def);
    let default_region = creds.get("default-region").and_then(|v| v.as_str());
    let region = region
        .or(default_region)
        .or(regions.first().map(|r| r.name.as_str()))
        .unwrap_or("")
        .to_string();
    let (credential_name, credential) = credential(creds, wanted, name)?;

    let cloud = cloud_of(name, def);
    let spec = make_cloud_spec(&cloud, &region, credential.as_ref())
        .and_then(|spec| validate_cloud_spec(&spec).map(|()| spec))
        .map_err(|e| CliError::bad_input(format!("{shown}: cloud {name:?}: {e}")))?;
    let mut config: BTreeMap<String, serde_json::Value> = def.config.clone();
    if let Some((_, over)) = def
        .region_config
        .iter()
        .find(|(r, _)| r.eq_ignore_ascii_case(&region))
    {
        config.extend(over.clone());
    }
    Ok(Chosen {
        spec,
        config: attrs(&config),
        credential_name,
    })
}

/// The runtime's `Cloud` for a definition (region config left to the caller).
pub fn cloud_of(name: &str, def: &CloudDef) -> Cloud {
    Cloud {
        name: name.to_string(),
        cloud_type: def.cloud_type.clone(),
        host_cloud_region: def.host_cloud_region.clone(),
        description: def.description.clone(),
        auth_types: def.auth_types.clone(),
        endpoint: def.endpoint.clone(),
        identity_endpoint: def.identity_endpoint.clone(),
        storage_endpoint: def.storage_endpoint.clone(),
        regions: regions(def),
        config: attrs(&def.config),
        region_config: Vec::new(),
        ca_certificates: def.ca_certificates.clone(),
    }
}

fn names<'a>(keys: impl Iterator<Item = &'a String>) -> String {
    keys.map(String::as_str).collect::<Vec<_>>().join(", ")
}

fn attrs(map: &BTreeMap<String, serde_json::Value>) -> Attrs {
    map.iter()
        .map(|(k, v)| (k.clone(), json_to_value(v)))
        .collect()
}

/// The regions in file order.
fn regions(def: &CloudDef) -> Vec<Region> {
    def.regions
        .0
        .iter()
        .map(|(name, r)| Region {
            name: name.clone(),
            endpoint: r.endpoint.clone(),
            identity_endpoint: r.identity_endpoint.clone(),
            storage_endpoint: r.storage_endpoint.clone(),
        })
        .collect()
}

fn credentials_for(
    path: &Path,
    cloud: &str,
) -> Result<BTreeMap<String, serde_json::Value>, CliError> {
    let mut file: CredentialsFile = parse(path)?;
    file.credentials.remove(cloud).ok_or_else(|| {
        CliError::bad_input(format!(
            "{}: no credentials for cloud {cloud:?}",
            path.display()
        ))
    })
}

/// The named credential, else `default-credential`, else the only one.
pub fn credential(
    creds: &BTreeMap<String, serde_json::Value>,
    wanted: Option<&str>,
    cloud: &str,
) -> Result<(Option<String>, Option<Credential>), CliError> {
    let named: Vec<&String> = creds
        .iter()
        .filter(|(_, v)| v.is_object())
        .map(|(k, _)| k)
        .collect();
    let default = creds.get("default-credential").and_then(|v| v.as_str());
    let name = match wanted.or(default) {
        Some(n) => n.to_string(),
        None if named.len() == 1 => named[0].clone(),
        None if named.is_empty() => return Ok((None, None)),
        None => {
            return Err(CliError::bad_input(format!(
                "several credentials for cloud {cloud:?}, pass --credential NAME"
            ))
            .hint(format!("credentials: {}", names(named.into_iter()))));
        }
    };
    let Some(serde_json::Value::Object(body)) = creds.get(&name) else {
        return Err(CliError::bad_input(format!(
            "no credential {name:?} for cloud {cloud:?}"
        )));
    };
    let mut auth_type = String::new();
    let mut attributes = Vec::new();
    for (k, v) in body {
        let text = match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if k == "auth-type" {
            auth_type = text;
        } else {
            attributes.push((k.clone(), text));
        }
    }
    if auth_type.is_empty() {
        return Err(CliError::bad_input(format!(
            "credential {name:?} for cloud {cloud:?} has no auth-type"
        )));
    }
    let credential = Credential {
        auth_type,
        attributes,
        revoked: false,
        label: name.clone(),
        invalid: false,
        invalid_reason: String::new(),
    };
    Ok((Some(name), Some(credential)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        path
    }

    // A Juju-style pair of files gives the region's endpoint, the default
    // credential and the cloud's config.
    #[test]
    fn clouds_and_credentials() {
        let dir = tempfile::tempdir().expect("tempdir");
        let clouds = write(
            dir.path(),
            "clouds.yaml",
            "clouds:\n  moto:\n    type: ec2\n    auth-types: [access-key]\n    endpoint: http://127.0.0.1:9\n    regions:\n      us-west-2:\n        endpoint: http://127.0.0.1:8\n      us-east-1:\n    config:\n      image-id: ami-1\n    region-config:\n      us-east-1: { image-id: ami-2 }\n",
        );
        let creds = write(
            dir.path(),
            "credentials.yaml",
            "credentials:\n  moto:\n    default-region: us-east-1\n    default-credential: b\n    a: { auth-type: access-key, access-key: A, secret-key: SA }\n    b: { auth-type: access-key, access-key: B, secret-key: SB }\n",
        );
        let sel = Selection {
            clouds: &clouds,
            credentials: Some(&creds),
            cloud: None,
            region: None,
            credential: None,
        };
        let chosen = choose(sel).expect("choose");
        assert_eq!(chosen.spec.region, "us-east-1");
        assert_eq!(chosen.spec.endpoint, "http://127.0.0.1:9");
        assert_eq!(chosen.credential_name.as_deref(), Some("b"));
        let cred = chosen.spec.credential.expect("credential");
        assert!(cred.attributes.contains(&("access-key".into(), "B".into())));
        assert!(
            chosen
                .config
                .contains(&("image-id".into(), json_to_value(&"ami-2".into())))
        );
        let west = choose(Selection {
            region: Some("us-west-2"),
            credential: Some("a"),
            ..sel
        })
        .expect("west");
        assert_eq!(west.spec.endpoint, "http://127.0.0.1:8");
        let err = choose(Selection {
            cloud: Some("aws"),
            ..sel
        })
        .expect_err("unknown cloud");
        assert!(err.to_string().contains("no cloud \"aws\""), "{err}");
    }
}
