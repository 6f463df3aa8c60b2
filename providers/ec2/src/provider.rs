//! The provider: credential schema, configuration, `open` (no I/O).

use strato_guest::config::AttrsExt;
use strato_guest::types::{
    Attrs, CloudCredential, CloudSpec, CredentialAttr, CredentialSchema, OpenParams,
    PrepareConfigParams,
};
use strato_guest::{EnvironProvider, Error, Result};

use crate::config;
use crate::detect;
use crate::environ::Ec2Environ;

/// Juju's `provider/ec2`.
pub struct Ec2Provider;

/// The only auth type EC2 takes.
pub const ACCESS_KEY: &str = "access-key";

/// Juju's `validateCloudSpec`: a credential of type `access-key`.
pub fn check_cloud(spec: &CloudSpec) -> Result<()> {
    let Some(credential) = &spec.credential else {
        return Err(Error::not_valid(
            "validating cloud spec: missing credential",
        ));
    };
    if credential.auth_type != ACCESS_KEY {
        return Err(Error::not_supported(format!(
            "validating cloud spec: {:?} auth-type not supported",
            credential.auth_type
        )));
    }
    if spec.region.is_empty() {
        return Err(Error::not_valid("validating cloud spec: missing region"));
    }
    Ok(())
}

impl EnvironProvider for Ec2Provider {
    type Environ = Ec2Environ;

    fn cloud_schema() -> Result<Option<String>> {
        Ok(None)
    }

    fn ping(_endpoint: String) -> Result<()> {
        Err(Error::not_implemented("Ping not implemented"))
    }

    fn prepare_config(params: PrepareConfigParams) -> Result<Attrs> {
        check_cloud(&params.cloud)?;
        let mut cfg = params.config;
        cfg.set_default("storage-default-block-source", "ebs");
        config::validate(cfg, None)
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
        Ok(vec![CredentialSchema {
            auth_type: ACCESS_KEY.to_string(),
            attributes: vec![
                attr("access-key", "The EC2 access key", false),
                attr("secret-key", "The EC2 secret key", true),
            ],
        }])
    }

    /// Juju's: `~/.aws/credentials`, else the AWS variables; only what the
    /// operator lent (see `detect`).
    fn detect_credentials() -> Result<CloudCredential> {
        detect::detect(&detect::Sandbox)
    }

    fn open(params: OpenParams) -> Result<Ec2Environ> {
        check_cloud(&params.cloud)?;
        let config = config::validate(params.config, None)?;
        Ec2Environ::new(&params.cloud, config)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strato_guest::types::Credential;

    fn spec(auth: Option<&str>) -> CloudSpec {
        CloudSpec {
            cloud_type: "ec2".into(),
            name: "aws".into(),
            region: "us-east-1".into(),
            credential: auth.map(|a| Credential {
                auth_type: a.into(),
                ..Default::default()
            }),
            ..Default::default()
        }
    }

    #[test]
    fn the_schema_hides_only_the_secret_key() {
        let schemas = Ec2Provider::credential_schemas().unwrap();
        assert_eq!(schemas.len(), 1);
        let hidden: Vec<_> = schemas[0]
            .attributes
            .iter()
            .map(|a| (a.name.as_str(), a.hidden))
            .collect();
        assert_eq!(hidden, [("access-key", false), ("secret-key", true)]);
    }

    #[test]
    fn cloud_specs_need_an_access_key() {
        assert!(check_cloud(&spec(Some("access-key"))).is_ok());
        let e = check_cloud(&spec(Some("userpass"))).expect_err("userpass");
        assert_eq!(e.kind, strato_guest::ErrorKind::NotSupported);
        assert!(check_cloud(&spec(None)).is_err());
    }

    #[test]
    fn open_does_no_io_and_prepare_sets_ebs() {
        let mut cfg = Attrs::new();
        cfg.set("name", "m");
        cfg.set("uuid", "u");
        // Natively there is no network: an open that called out would fail.
        let env = Ec2Provider::open(OpenParams {
            cloud: spec(Some("access-key")),
            config: cfg.clone(),
        });
        assert!(env.is_ok());
        let prepared = Ec2Provider::prepare_config(PrepareConfigParams {
            cloud: spec(Some("access-key")),
            config: cfg,
        })
        .expect("prepare");
        assert_eq!(
            prepared
                .get_text("storage-default-block-source")
                .ok()
                .flatten(),
            Some("ebs")
        );
    }
}
