//! The provider: Juju's dummy `EnvironProvider` and the provider-level
//! optional interfaces (clouds, regions, credentials, schema).

use strato_guest::config::AttrsExt;
use strato_guest::types::{
    Attrs, Cloud, CloudCredential, Credential, CredentialAttr, CredentialSchema, FieldType,
    OpenParams, PrepareConfigParams, Region, SchemaField, Value,
};
use strato_guest::{
    CloudDetector, CloudFinalizer, CloudRegionDetector, CredentialsRegister, EnvironProvider,
    Error, ModelConfigUpgrader, ProviderSchema, RequestFinalizeCredential, Result,
};

use crate::config::{self, DummyConfig};
use crate::environ::DummyEnviron;

/// Juju's `provider/dummy`, with persistent state.
pub struct DummyProvider;

impl EnvironProvider for DummyProvider {
    type Environ = DummyEnviron;

    /// Juju's dummy is at 0; ours is at 1 so that its upgrade operation
    /// (target version 1) is one a host actually runs for older models.
    fn version() -> Result<u32> {
        Ok(1)
    }

    fn cloud_schema() -> Result<Option<String>> {
        Ok(None)
    }

    fn ping(_endpoint: String) -> Result<()> {
        Err(Error::not_implemented("Ping not implemented"))
    }

    fn prepare_config(params: PrepareConfigParams) -> Result<Attrs> {
        // Juju's dummy validates and returns its input.
        config::validate(params.config.clone(), None)?;
        Ok(params.config)
    }

    fn validate(config: Attrs, old: Option<Attrs>) -> Result<Attrs> {
        config::validate(config, old)
    }

    fn credential_schemas() -> Result<Vec<CredentialSchema>> {
        let attr = |name: &str, description: &str, hidden: bool| CredentialAttr {
            name: name.to_string(),
            description: description.to_string(),
            hidden,
            ..Default::default()
        };
        Ok(vec![
            CredentialSchema {
                auth_type: "empty".to_string(),
                attributes: Vec::new(),
            },
            CredentialSchema {
                auth_type: "userpass".to_string(),
                attributes: vec![
                    attr("username", "The username to authenticate with.", false),
                    attr("password", "The password for the specified username.", true),
                ],
            },
        ])
    }

    fn detect_credentials() -> Result<CloudCredential> {
        // Juju's dummy detects an empty cloud credential.
        Ok(CloudCredential::default())
    }

    fn open(params: OpenParams) -> Result<DummyEnviron> {
        let config = config::validate(params.config, None)?;
        DummyConfig::from_attrs(&config)?.check_broken("Open")?;
        // No I/O here: the model's state is read by the calls that need it.
        DummyEnviron::new(params.cloud, config)
    }
}

fn dummy_cloud() -> Cloud {
    Cloud {
        name: "dummy".to_string(),
        cloud_type: "dummy".to_string(),
        description: "Strato's reference provider".to_string(),
        auth_types: vec!["empty".to_string(), "userpass".to_string()],
        endpoint: "dummy-endpoint".to_string(),
        identity_endpoint: "dummy-identity-endpoint".to_string(),
        storage_endpoint: "dummy-storage-endpoint".to_string(),
        regions: vec![Region {
            name: "dummy-region".to_string(),
            endpoint: "dummy-endpoint".to_string(),
            identity_endpoint: "dummy-identity-endpoint".to_string(),
            storage_endpoint: "dummy-storage-endpoint".to_string(),
        }],
        ..Default::default()
    }
}

impl CloudDetector for DummyProvider {
    fn detect_cloud(name: String) -> Result<Cloud> {
        if name == "dummy" {
            Ok(dummy_cloud())
        } else {
            Err(Error::not_found(format!("cloud {name} not found")))
        }
    }

    fn detect_clouds() -> Result<Vec<Cloud>> {
        Ok(vec![dummy_cloud()])
    }
}

impl CloudRegionDetector for DummyProvider {
    fn detect_regions() -> Result<Vec<Region>> {
        Ok(vec![Region {
            name: "dummy".to_string(),
            ..Default::default()
        }])
    }
}

impl CloudFinalizer for DummyProvider {
    fn finalize_cloud(mut cloud: Cloud) -> Result<Cloud> {
        // A cloud without an endpoint gets the dummy one, as a local cloud
        // would get its detected address.
        if cloud.endpoint.is_empty() {
            strato_guest::bootstrap::verbosef("using the dummy endpoint");
            cloud.endpoint = "dummy-endpoint".to_string();
        }
        Ok(cloud)
    }
}

impl CredentialsRegister for DummyProvider {
    fn register_credentials(cloud: Cloud) -> Result<Vec<(String, CloudCredential)>> {
        let credential = Credential {
            auth_type: "userpass".to_string(),
            attributes: vec![("username".to_string(), "dummy".to_string())],
            label: "dummy credential".to_string(),
            ..Default::default()
        };
        let found = CloudCredential {
            default_credential: "dummy".to_string(),
            default_region: String::new(),
            auth_credentials: vec![("dummy".to_string(), credential)],
        };
        Ok(vec![(cloud.name, found)])
    }
}

impl RequestFinalizeCredential for DummyProvider {
    fn should_finalize_credential(credential: Credential) -> Result<bool> {
        // A userpass credential without its password must be completed.
        Ok(credential.auth_type == "userpass"
            && !credential.attributes.iter().any(|(k, _)| k == "password"))
    }
}

impl ModelConfigUpgrader for DummyProvider {
    fn upgrade_config(mut config: Attrs) -> Result<Attrs> {
        // Old configs stored `controller` as text; it is a boolean now.
        if let Some(Value::Text(text)) = config.get("controller") {
            let flag = text == "true";
            config.set("controller", flag);
        }
        Ok(config)
    }
}

impl ProviderSchema for DummyProvider {
    fn schema() -> Result<Vec<SchemaField>> {
        let field =
            |name: &str, description: &str, field_type: FieldType, secret: bool| SchemaField {
                name: name.to_string(),
                description: description.to_string(),
                field_type,
                secret,
                ..Default::default()
            };
        Ok(vec![
            field(
                "controller",
                "Whether the model is a controller model",
                FieldType::Boolean,
                false,
            ),
            field(
                "broken",
                "Whitespace-separated methods that fail",
                FieldType::Text,
                false,
            ),
            field("secret", "A secret attribute", FieldType::Text, true),
            field(
                "fail-zones",
                "Zones (zone or zone:N) where start-instance fails, zone-specific",
                FieldType::Text,
                false,
            ),
            field(
                "fail-start",
                "zone-independent[:N] or zone-specific[:N]: start-instance fails everywhere",
                FieldType::Text,
                false,
            ),
            field(
                "late-addresses",
                "Times instances hides a new instance's addresses",
                FieldType::Integer,
                false,
            ),
            field(
                "slow-start",
                "Milliseconds start-instance waits before answering",
                FieldType::Integer,
                false,
            ),
            field(
                "host-bootstrap",
                "Leave the bootstrap machine to the host (bootstrap answers not-implemented)",
                FieldType::Boolean,
                false,
            ),
        ])
    }
}
