//! `credentials.yaml` in the data directory: Juju's layout, mode 0600.
//!
//! ```yaml
//! credentials:
//!   aws:
//!     default-credential: mine
//!     default-region: us-east-1
//!     mine:
//!       auth-type: access-key
//!       access-key: AKIA…
//!       secret-key: …
//! ```

use std::collections::BTreeMap;

use serde_json::Value;

use super::{Home, Mode, write_atomic};
use crate::commands::clouds::{CredentialsFile, parse};
use crate::error::CliError;

/// Keys of a cloud's entry that are settings, not credentials.
pub const SETTINGS: [&str; 2] = ["default-credential", "default-region"];

/// A named credential: its auth type and attributes (secrets included:
/// never print `attributes` values without checking the schema).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedCredential {
    /// The credential's name under its cloud.
    pub name: String,
    /// `auth-type`.
    pub auth_type: String,
    /// Every other attribute, by name.
    pub attributes: BTreeMap<String, String>,
}

impl NamedCredential {
    /// The YAML body: `auth-type` and the attributes.
    fn to_value(&self) -> Value {
        let mut body = serde_json::Map::new();
        body.insert("auth-type".into(), Value::String(self.auth_type.clone()));
        for (k, v) in &self.attributes {
            body.insert(k.clone(), Value::String(v.clone()));
        }
        Value::Object(body)
    }

    /// Reads a credential body (`auth-type` plus attributes).
    pub fn from_value(name: &str, body: &Value) -> Option<NamedCredential> {
        let Value::Object(map) = body else {
            return None;
        };
        let mut auth_type = String::new();
        let mut attributes = BTreeMap::new();
        for (k, v) in map {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            if k == "auth-type" {
                auth_type = text;
            } else {
                attributes.insert(k.clone(), text);
            }
        }
        Some(NamedCredential {
            name: name.to_string(),
            auth_type,
            attributes,
        })
    }
}

/// The data directory's credentials.
#[derive(Debug, Default)]
pub struct Credentials {
    file: CredentialsFile,
}

impl Credentials {
    /// Reads `credentials.yaml` (none yet: no credentials).
    pub fn load(home: &Home) -> Result<Credentials, CliError> {
        let path = home.credentials_yaml();
        if !path.exists() {
            return Ok(Credentials::default());
        }
        Ok(Credentials {
            file: parse(&path)?,
        })
    }

    /// Writes `credentials.yaml` atomically, mode 0600.
    pub fn save(&self, home: &Home) -> Result<(), CliError> {
        let text = serde_saphyr::to_string(&self.file).map_err(|e| {
            CliError::failure(format!("cannot encode the credentials as YAML: {e}"))
        })?;
        write_atomic(&home.credentials_yaml(), &text, Mode::Private)
    }

    /// The cloud's entry (settings and credentials), empty when it has none.
    pub fn entry(&self, cloud: &str) -> BTreeMap<String, Value> {
        self.file
            .credentials
            .get(cloud)
            .cloned()
            .unwrap_or_default()
    }

    /// The clouds that have an entry.
    pub fn clouds(&self) -> Vec<String> {
        self.file.credentials.keys().cloned().collect()
    }

    /// The named credentials of `cloud`, by name.
    pub fn of(&self, cloud: &str) -> Vec<NamedCredential> {
        self.file
            .credentials
            .get(cloud)
            .into_iter()
            .flatten()
            .filter(|(k, _)| !SETTINGS.contains(&k.as_str()))
            .filter_map(|(k, v)| NamedCredential::from_value(k, v))
            .collect()
    }

    /// A setting of `cloud`'s entry (`default-credential`, `default-region`).
    pub fn setting(&self, cloud: &str, key: &str) -> Option<String> {
        self.file
            .credentials
            .get(cloud)?
            .get(key)?
            .as_str()
            .map(str::to_string)
    }

    /// Sets a setting of `cloud`'s entry.
    pub fn set_setting(&mut self, cloud: &str, key: &str, value: &str) {
        self.file
            .credentials
            .entry(cloud.to_string())
            .or_default()
            .insert(key.to_string(), Value::String(value.to_string()));
    }

    /// Adds or replaces `cred` under `cloud`; true when it replaced one.
    pub fn put(&mut self, cloud: &str, cred: &NamedCredential) -> bool {
        self.file
            .credentials
            .entry(cloud.to_string())
            .or_default()
            .insert(cred.name.clone(), cred.to_value())
            .is_some()
    }

    /// Removes `name` from `cloud` (and the default that named it); false
    /// when there was no such credential.
    pub fn remove(&mut self, cloud: &str, name: &str) -> bool {
        if SETTINGS.contains(&name) {
            return false;
        }
        let Some(entry) = self.file.credentials.get_mut(cloud) else {
            return false;
        };
        if entry.remove(name).is_none() {
            return false;
        }
        if entry.get("default-credential").and_then(Value::as_str) == Some(name) {
            entry.remove("default-credential");
        }
        if entry.is_empty() {
            self.file.credentials.remove(cloud);
        }
        true
    }
}
