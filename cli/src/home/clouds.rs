//! The clouds `strato` knows: the built-in `dummy` cloud and the data
//! directory's `clouds.yaml` (Juju's layout), and choosing one to open a
//! provider on ([`target`]).

use super::credentials::Credentials;
use super::providers::DUMMY;
use super::{Home, Mode, write_atomic};
use crate::commands::clouds::{CloudDef, CloudsFile, RegionDef, Regions, parse, spec_for};
use crate::error::CliError;

pub use crate::commands::clouds::Chosen;

/// Where a cloud is defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// Built into `strato`.
    BuiltIn,
    /// The data directory's `clouds.yaml`.
    Local,
}

impl Source {
    /// `built-in` / `local`, as Juju's `clouds` shows it.
    pub fn name(self) -> &'static str {
        match self {
            Source::BuiltIn => "built-in",
            Source::Local => "local",
        }
    }
}

/// A cloud with its name and origin.
#[derive(Debug, Clone)]
pub struct NamedCloud {
    /// The cloud's name.
    pub name: String,
    /// Its definition.
    pub def: CloudDef,
    /// Built in or added.
    pub source: Source,
}

impl NamedCloud {
    /// The first region, Juju's default.
    pub fn default_region(&self) -> Option<&str> {
        self.def.regions.0.first().map(|(n, _)| n.as_str())
    }
}

/// The built-in cloud of the embedded dummy provider (Juju's
/// `dummy.SampleCloudSpec`).
pub fn dummy_cloud() -> CloudDef {
    CloudDef {
        cloud_type: DUMMY.into(),
        description: "Strato's reference provider, built in".into(),
        auth_types: vec!["empty".into(), "userpass".into()],
        endpoint: "dummy-endpoint".into(),
        identity_endpoint: "dummy-identity-endpoint".into(),
        storage_endpoint: "dummy-storage-endpoint".into(),
        regions: Regions(vec![(
            "dummy-region".into(),
            RegionDef {
                endpoint: "dummy-endpoint".into(),
                identity_endpoint: "dummy-identity-endpoint".into(),
                storage_endpoint: "dummy-storage-endpoint".into(),
            },
        )]),
        ..CloudDef::default()
    }
}

/// The data directory's `clouds.yaml` (none yet: no clouds). A malformed
/// file is bad input naming the file, line and column.
pub fn load_local(home: &Home) -> Result<CloudsFile, CliError> {
    let path = home.clouds_yaml();
    if !path.exists() {
        return Ok(CloudsFile::default());
    }
    parse(&path)
}

/// Writes the data directory's `clouds.yaml` atomically.
pub fn save_local(home: &Home, file: &CloudsFile) -> Result<(), CliError> {
    let text = serde_saphyr::to_string(file)
        .map_err(|e| CliError::failure(format!("cannot encode the clouds as YAML: {e}")))?;
    write_atomic(&home.clouds_yaml(), &text, Mode::Public)
}

/// Every cloud: built-in first, then the local ones by name.
pub fn all(home: &Home) -> Result<Vec<NamedCloud>, CliError> {
    let local = load_local(home)?;
    let mut clouds = vec![NamedCloud {
        name: DUMMY.into(),
        def: dummy_cloud(),
        source: Source::BuiltIn,
    }];
    clouds.extend(
        local
            .clouds
            .into_iter()
            .filter(|(name, _)| name != DUMMY)
            .map(|(name, def)| NamedCloud {
                name,
                def,
                source: Source::Local,
            }),
    );
    Ok(clouds)
}

/// The cloud `name`; unknown is bad input with the known names and a hint.
pub fn get(home: &Home, name: &str) -> Result<NamedCloud, CliError> {
    let clouds = all(home)?;
    let known: Vec<String> = clouds.iter().map(|c| c.name.clone()).collect();
    clouds.into_iter().find(|c| c.name == name).ok_or_else(|| {
        CliError::bad_input(format!(
            "cloud {name:?} not found (known: {})",
            known.join(", ")
        ))
        .hint(format!(
            "add it with `strato add-cloud {name} -f clouds.yaml`"
        ))
    })
}

/// What a command opens a provider with: the cloud `cloud`, its `region`
/// (else the credentials' `default-region`, else the first region) and
/// the credential `credential` (else `default-credential`, else the only
/// one) from the data directory. Errors (bad input, exit 2) name an
/// unknown cloud, region or credential with a hint; a cloud that needs a
/// credential (its auth types lack `empty`) and has none asks for
/// `strato add-credential <cloud>`.
pub fn target(
    home: &Home,
    cloud: &str,
    region: Option<&str>,
    credential: Option<&str>,
) -> Result<Chosen, CliError> {
    let named = get(home, cloud)?;
    if let Some(region) = region {
        let names = named.def.regions.names();
        if !names.iter().any(|r| r.eq_ignore_ascii_case(region)) {
            let known = if names.is_empty() {
                "it has none".to_string()
            } else {
                format!("known: {}", names.join(", "))
            };
            return Err(CliError::bad_input(format!(
                "cloud {cloud:?} has no region {region:?} ({known})"
            ))
            .hint(format!("see `strato regions {cloud}`")));
        }
    }
    let creds = Credentials::load(home)?;
    let entry = creds.entry(cloud);
    if let Some(wanted) = credential
        && !creds.of(cloud).iter().any(|c| c.name == wanted)
    {
        return Err(CliError::bad_input(format!(
            "credential {wanted:?} not found for cloud {cloud:?}"
        ))
        .hint(format!(
            "see `strato credentials`, or add it with `strato add-credential {cloud}`"
        )));
    }
    let shown = match named.source {
        Source::BuiltIn => "built-in clouds".to_string(),
        Source::Local => home.clouds_yaml().display().to_string(),
    };
    let chosen = spec_for(cloud, &named.def, &entry, region, credential, &shown).map_err(|e| {
        e.hint(format!(
            "see `strato credentials` and `strato regions {cloud}`"
        ))
    })?;
    let needs_credential =
        !named.def.auth_types.is_empty() && !named.def.auth_types.iter().any(|a| a == "empty");
    if chosen.spec.credential.is_none() && needs_credential {
        return Err(
            CliError::bad_input(format!("no credential for cloud {cloud:?}")).hint(format!(
                "add one with `strato add-credential {cloud}` or `strato autoload-credentials`"
            )),
        );
    }
    Ok(chosen)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn home() -> (tempfile::TempDir, Home) {
        let dir = tempfile::tempdir().expect("tempdir");
        let home = Home::at(dir.path().to_path_buf());
        std::fs::write(
            home.clouds_yaml(),
            "clouds:\n  aws:\n    type: ec2\n    auth-types: [access-key]\n    \
             endpoint: https://ec2.example.com\n    regions:\n      us-east-1: {}\n      \
             eu-west-1: { endpoint: https://eu.example.com }\n    config: { image-id: ami-1 }\n",
        )
        .expect("clouds.yaml");
        (dir, home)
    }

    #[test]
    fn target_picks_the_cloud_region_and_credential() {
        let (_dir, home) = home();
        // The built-in dummy needs no credential.
        let dummy = target(&home, "dummy", None, None).expect("dummy");
        assert_eq!(dummy.spec.region, "dummy-region");
        assert!(dummy.spec.credential.is_none());

        let err = target(&home, "aws", None, None).expect_err("no credential");
        let text = err.to_string();
        assert!(text.contains("no credential for cloud \"aws\""), "{text}");
        assert!(text.contains("strato add-credential aws"), "{text}");

        std::fs::write(
            home.credentials_yaml(),
            "credentials:\n  aws:\n    default-region: eu-west-1\n    \
             me: { auth-type: access-key, access-key: A, secret-key: S }\n",
        )
        .expect("credentials.yaml");
        let chosen = target(&home, "aws", None, None).expect("aws");
        assert_eq!(chosen.spec.region, "eu-west-1");
        assert_eq!(chosen.spec.endpoint, "https://eu.example.com");
        assert_eq!(chosen.credential_name.as_deref(), Some("me"));
        assert_eq!(chosen.config.len(), 1);
        let east = target(&home, "aws", Some("us-east-1"), Some("me")).expect("east");
        assert_eq!(east.spec.endpoint, "https://ec2.example.com");

        let err = target(&home, "aws", Some("mars-1"), None).expect_err("region");
        assert!(err.to_string().contains("no region \"mars-1\""), "{err}");
        assert!(err.to_string().contains("us-east-1, eu-west-1"), "{err}");
        let err = target(&home, "aws", None, Some("you")).expect_err("credential");
        assert!(
            err.to_string().contains("credential \"you\" not found"),
            "{err}"
        );
        let err = target(&home, "gce", None, None).expect_err("cloud");
        assert!(err.to_string().contains("cloud \"gce\" not found"), "{err}");
    }
}
