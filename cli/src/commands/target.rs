//! What `strato demo` runs: the embedded dummy provider on its own cloud,
//! or a provider component given with `--provider` on a cloud of a
//! Juju-style `clouds.yaml` (with `credentials.yaml`).

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use strato_runtime::types::{Attrs, CloudSpec};

use super::clouds::{self, Selection};
use super::fixture;
use super::runtime::DUMMY_COMPONENT;
use crate::error::CliError;

/// The provider and the cloud the demo drives.
pub struct Target {
    /// The name the policy knows the provider by: `dummy`, or the cloud's
    /// type (`ec2`).
    pub name: String,
    /// How the demo's first line names it.
    pub label: String,
    /// The component.
    pub bytes: Cow<'static, [u8]>,
    /// Whether it is the embedded dummy.
    pub embedded: bool,
    /// The cloud spec to open it with.
    pub cloud: CloudSpec,
    /// Model attributes besides name, type, uuid and firewall-mode.
    pub extra: Attrs,
    /// The credential's name, when one was chosen.
    pub credential_name: Option<String>,
}

/// The `--provider`/`--clouds` options of `strato demo`.
#[derive(Debug, Clone, Copy)]
pub struct Options<'a> {
    pub provider: Option<&'a Path>,
    pub clouds: Option<&'a Path>,
    pub credentials: Option<&'a Path>,
    pub cloud: Option<&'a str>,
    pub region: Option<&'a str>,
    pub credential: Option<&'a str>,
    pub broken: &'a str,
}

impl Target {
    /// Reads the component and the cloud files (bad input, exit 2, when
    /// they cannot be used).
    pub fn resolve(opts: Options<'_>) -> Result<Target, CliError> {
        let (Some(provider), Some(clouds)) = (opts.provider, opts.clouds) else {
            return Ok(Target {
                name: "dummy".into(),
                label: "the dummy provider".into(),
                bytes: Cow::Borrowed(DUMMY_COMPONENT),
                embedded: true,
                cloud: fixture::cloud_spec(),
                extra: fixture::Model::dummy_extra(opts.broken),
                credential_name: None,
            });
        };
        let shown = provider.display().to_string();
        let bytes = std::fs::read(provider)
            .map_err(|e| CliError::bad_input(format!("{shown}: cannot read: {e}")))?;
        let chosen = clouds::choose(Selection {
            clouds,
            credentials: opts.credentials,
            cloud: opts.cloud,
            region: opts.region,
            credential: opts.credential,
        })?;
        Ok(Target {
            name: chosen.spec.cloud_type.clone(),
            label: format!("the provider {}", file_name(provider)),
            bytes: Cow::Owned(bytes),
            embedded: false,
            cloud: chosen.spec,
            extra: chosen.config,
            credential_name: chosen.credential_name,
        })
    }

    /// `cloud <name>/<region>` (and the credential).
    pub fn cloud_line(&self) -> String {
        let mut line = format!("cloud {}", self.cloud.name);
        if !self.cloud.region.is_empty() {
            line.push('/');
            line.push_str(&self.cloud.region);
        }
        if !self.cloud.endpoint.is_empty() && !self.embedded {
            line.push_str(&format!(" at {}", self.cloud.endpoint));
        }
        if let Some(c) = &self.credential_name {
            line.push_str(&format!(", credential {c}"));
        }
        line
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(PathBuf::from)
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}
