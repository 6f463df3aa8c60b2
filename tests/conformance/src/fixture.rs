//! What the conformance kit needs to know about a provider to drive it: the
//! model configuration, the cloud it talks to, the credential, and a few
//! expectations only the provider's author can state (its auth types, which
//! credential attributes are secret, its immutable keys).
//!
//! A fixture is a YAML or JSON file:
//!
//! ```yaml
//! config:
//!   name: testmodel
//!   type: dummy
//!   uuid: deadbeef-0bad-400d-8000-4b1d0d06f00d
//!   firewall-mode: instance
//!   controller: true
//! cloud:
//!   type: dummy
//!   name: dummy
//!   region: dummy-region
//!   endpoint: dummy-endpoint
//! credential:
//!   auth-type: userpass
//!   attributes: { username: dummy, password: secret }
//! controller-uuid: deadbeef-1bad-500d-9000-4b1d0d06f00d
//! expect:
//!   auth-types: [empty, userpass]
//!   hidden-attributes: { userpass: [password] }
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use strato_runtime::types::{Attrs, CloudSpec, Credential, Value};

/// Juju's `testing.ModelTag` uuid, used by [`Fixture::dummy`].
pub const MODEL_UUID: &str = "deadbeef-0bad-400d-8000-4b1d0d06f00d";
/// Juju's `testing.ControllerTag` uuid, used by [`Fixture::dummy`].
pub const CONTROLLER_UUID: &str = "deadbeef-1bad-500d-9000-4b1d0d06f00d";

/// A conformance fixture. See the module docs for the file format.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Fixture {
    /// Model configuration attributes (`name`, `type`, `uuid`, … and the
    /// provider's own). Strings, booleans, numbers, lists of strings and maps
    /// of strings map to the WIT `value` cases; anything else travels as JSON.
    pub config: BTreeMap<String, serde_json::Value>,
    /// The cloud the model lives on.
    pub cloud: CloudFixture,
    /// The credential to use, if the cloud needs one.
    #[serde(default)]
    pub credential: Option<CredentialFixture>,
    /// The controller the model belongs to.
    pub controller_uuid: String,
    /// The series to start machines with.
    #[serde(default = "default_series")]
    pub series: String,
    /// What the provider's author says must hold.
    #[serde(default)]
    pub expect: Expectations,
}

/// The cloud part of a fixture (`environs.CloudSpec` without the credential).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct CloudFixture {
    /// Cloud type (the provider name, e.g. `dummy`, `ec2`).
    #[serde(rename = "type")]
    pub cloud_type: String,
    /// Cloud name.
    pub name: String,
    /// Region.
    #[serde(default)]
    pub region: String,
    /// API endpoint.
    #[serde(default)]
    pub endpoint: String,
    /// Identity endpoint.
    #[serde(default)]
    pub identity_endpoint: String,
    /// Storage endpoint.
    #[serde(default)]
    pub storage_endpoint: String,
    /// PEM CA certificates the cloud's endpoints are signed with.
    #[serde(default)]
    pub ca_certificates: Vec<String>,
}

/// A credential (`cloud.Credential`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct CredentialFixture {
    /// Auth type (`userpass`, `access-key`, …).
    pub auth_type: String,
    /// Attributes, secrets included: the host keeps the secret ones.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

/// Expectations a fixture may state; a contract whose expectation is unset
/// checks what it can without it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct Expectations {
    /// `CredentialSchemas` keys, exactly.
    #[serde(default)]
    pub auth_types: Option<Vec<String>>,
    /// Per auth type, exactly the attributes marked hidden.
    #[serde(default)]
    pub hidden_attributes: Option<BTreeMap<String, Vec<String>>>,
    /// Provider-specific immutable config keys (besides name, type, uuid and
    /// firewall-mode), each with a value different from the fixture's.
    #[serde(default)]
    pub immutable: BTreeMap<String, serde_json::Value>,
    /// Config attributes each of which, set on its own, must make `open`
    /// fail (for example a boolean attribute given a string).
    #[serde(default)]
    pub invalid_config: BTreeMap<String, serde_json::Value>,
    /// Pairs of constraint attributes the validator must declare conflicting.
    #[serde(default)]
    pub constraint_conflicts: Vec<(String, String)>,
    /// Constraint attributes the validator must declare unsupported.
    #[serde(default)]
    pub unsupported_constraints: Vec<String>,
    /// A credential the cloud rejects (a wrong secret, a revoked key): a
    /// call that reaches the cloud with it must fail with
    /// `credential-not-valid` after the provider called
    /// `invalidate-credential` (§3.4 item 31).
    #[serde(default)]
    pub rejected_credential: Option<CredentialFixture>,
}

fn default_series() -> String {
    "focal".to_string()
}

/// Why a fixture file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FixtureError {
    /// The file could not be read.
    #[error("reading fixture {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a valid fixture.
    #[error("fixture {path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

impl Fixture {
    /// The fixture of Strato's dummy provider: Juju's `dummy.SampleConfig()`
    /// and `SampleCloudSpec()`.
    pub fn dummy() -> Self {
        let config = [
            ("name", serde_json::json!("testmodel")),
            ("type", serde_json::json!("dummy")),
            ("uuid", serde_json::json!(MODEL_UUID)),
            ("firewall-mode", serde_json::json!("instance")),
            ("controller", serde_json::json!(true)),
            ("broken", serde_json::json!("")),
            ("secret", serde_json::json!("pork")),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        Fixture {
            config,
            cloud: CloudFixture {
                cloud_type: "dummy".into(),
                name: "dummy".into(),
                region: "dummy-region".into(),
                endpoint: "dummy-endpoint".into(),
                identity_endpoint: "dummy-identity-endpoint".into(),
                storage_endpoint: "dummy-storage-endpoint".into(),
                ca_certificates: Vec::new(),
            },
            credential: Some(CredentialFixture {
                auth_type: "userpass".into(),
                attributes: [("username", "dummy"), ("password", "secret")]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            }),
            controller_uuid: CONTROLLER_UUID.into(),
            series: default_series(),
            expect: Expectations {
                auth_types: Some(vec!["empty".into(), "userpass".into()]),
                hidden_attributes: Some(
                    [("userpass".to_string(), vec!["password".to_string()])]
                        .into_iter()
                        .collect(),
                ),
                immutable: BTreeMap::new(),
                invalid_config: [("controller".to_string(), serde_json::json!("not-a-bool"))]
                    .into_iter()
                    .collect(),
                constraint_conflicts: vec![("instance-type".into(), "mem".into())],
                unsupported_constraints: vec!["cpu-power".into(), "virt-type".into()],
                // The dummy has no cloud behind it to refuse a credential.
                rejected_credential: None,
            },
        }
    }

    /// Reads a fixture from a `.json` file, or from YAML otherwise.
    pub fn load(path: &Path) -> Result<Self, FixtureError> {
        let text = std::fs::read_to_string(path).map_err(|source| FixtureError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let is_json = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        let parsed = if is_json {
            Self::from_json(&text)
        } else {
            Self::from_yaml(&text)
        };
        parsed.map_err(|message| FixtureError::Parse {
            path: path.display().to_string(),
            message,
        })
    }

    /// Parses a fixture from JSON text.
    pub fn from_json(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    /// Parses a fixture from YAML text.
    pub fn from_yaml(text: &str) -> Result<Self, String> {
        serde_saphyr::from_str(text).map_err(|e| e.to_string())
    }

    /// Returns a copy with one config attribute set (or replaced).
    pub fn with_config(mut self, key: &str, value: serde_json::Value) -> Self {
        self.config.insert(key.to_string(), value);
        self
    }

    /// The model configuration as WIT attributes, sorted by key.
    pub fn config_attrs(&self) -> Attrs {
        self.config
            .iter()
            .map(|(k, v)| (k.clone(), json_to_value(v)))
            .collect()
    }

    /// The cloud spec handed to the provider (with the credential; the host
    /// withholds the attributes the provider's schema marks hidden).
    pub fn cloud_spec(&self) -> CloudSpec {
        CloudSpec {
            cloud_type: self.cloud.cloud_type.clone(),
            name: self.cloud.name.clone(),
            region: self.cloud.region.clone(),
            endpoint: self.cloud.endpoint.clone(),
            identity_endpoint: self.cloud.identity_endpoint.clone(),
            storage_endpoint: self.cloud.storage_endpoint.clone(),
            credential: self
                .credential
                .as_ref()
                .map(CredentialFixture::to_credential),
            ca_certificates: self.cloud.ca_certificates.clone(),
        }
    }
}

impl CredentialFixture {
    /// As a WIT credential record.
    pub fn to_credential(&self) -> Credential {
        Credential {
            auth_type: self.auth_type.clone(),
            attributes: self
                .attributes
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            revoked: false,
            label: String::new(),
            invalid: false,
            invalid_reason: String::new(),
        }
    }
}

/// Maps a JSON (or YAML) value to the closest WIT `value` case.
pub fn json_to_value(v: &serde_json::Value) -> Value {
    use serde_json::Value as J;
    match v {
        J::Bool(b) => Value::Boolean(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => Value::Text(s.clone()),
        J::Array(items) if items.iter().all(|i| i.is_string()) => Value::TextList(
            items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect(),
        ),
        J::Object(map) if map.values().all(|i| i.is_string()) => Value::TextMap(
            map.iter()
                .filter_map(|(k, i)| i.as_str().map(|s| (k.clone(), s.to_string())))
                .collect(),
        ),
        other => Value::Json(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The documented YAML form parses, and JSON round-trips the dummy fixture.
    #[test]
    fn yaml_and_json_forms() {
        let yaml = r#"
config:
  name: testmodel
  type: dummy
  uuid: deadbeef-0bad-400d-8000-4b1d0d06f00d
  controller: true
cloud:
  type: dummy
  name: dummy
  region: dummy-region
credential:
  auth-type: userpass
  attributes: { username: dummy, password: secret }
controller-uuid: deadbeef-1bad-500d-9000-4b1d0d06f00d
expect:
  auth-types: [empty, userpass]
  hidden-attributes: { userpass: [password] }
"#;
        let f = Fixture::from_yaml(yaml).expect("yaml fixture");
        assert_eq!(f.cloud.region, "dummy-region");
        assert_eq!(f.series, "focal");
        assert!(
            f.config_attrs()
                .contains(&("controller".to_string(), Value::Boolean(true)))
        );
        let json = serde_json::to_string(&Fixture::dummy()).expect("serialize");
        assert_eq!(Fixture::from_json(&json).expect("json"), Fixture::dummy());
    }

    // The fixture file shipped for the dummy is `Fixture::dummy()`.
    #[test]
    fn dummy_fixture_file_matches() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/dummy.yaml");
        assert_eq!(Fixture::load(&path).expect("load"), Fixture::dummy());
    }

    // A misspelt key is an error, not silently ignored.
    #[test]
    fn unknown_keys_are_rejected() {
        let err = Fixture::from_json(
            r#"{"config":{},"cloud":{"type":"x","name":"x"},"controller-uuid":"u","colour":1}"#,
        )
        .expect_err("unknown key");
        assert!(err.contains("colour"), "{err}");
    }
}
