//! Provider components: the embedded dummy and `$STRATO_DATA/providers/*.wasm`.
//!
//! A cloud's `type` names its provider: `dummy` is built in; any other
//! type `T` is the component `providers/T.wasm` (or `strato_T.wasm`, the
//! name the build gives it).

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::Home;
use crate::commands::runtime::DUMMY_COMPONENT;
use crate::error::CliError;

/// The name of the provider built into `strato`.
pub const DUMMY: &str = "dummy";

/// A provider component to load.
#[derive(Debug, Clone)]
pub struct ProviderSource {
    /// The provider's name (= the cloud type it serves), as the policy
    /// file knows it.
    pub name: String,
    /// The component.
    pub bytes: Cow<'static, [u8]>,
    /// Where it came from, for messages: `built-in` or the file's path.
    pub shown: String,
    /// The file, when it is not the embedded dummy.
    pub path: Option<PathBuf>,
}

impl ProviderSource {
    /// The embedded dummy provider.
    pub fn dummy() -> ProviderSource {
        ProviderSource {
            name: DUMMY.into(),
            bytes: Cow::Borrowed(DUMMY_COMPONENT),
            shown: "built-in".into(),
            path: None,
        }
    }

    /// True for the component built into `strato`.
    pub fn embedded(&self) -> bool {
        self.path.is_none()
    }

    /// The component's sha256, lowercase hex (what the policy and the
    /// audit log know it by).
    pub fn sha256(&self) -> String {
        hex::encode(Sha256::digest(&self.bytes))
    }
}

/// The component serving clouds of type `cloud_type`: the embedded dummy
/// for `dummy`, else `providers/<type>.wasm` or `providers/strato_<type>.wasm`.
/// No such file is bad input (exit 2) with a hint where to put one.
pub fn resolve(home: &Home, cloud_type: &str) -> Result<ProviderSource, CliError> {
    if cloud_type == DUMMY {
        return Ok(ProviderSource::dummy());
    }
    let dir = home.providers_dir();
    let candidates = candidates(&dir, cloud_type);
    let Some(path) = candidates.iter().find(|p| p.is_file()) else {
        return Err(CliError::bad_input(format!(
            "no provider component for cloud type {cloud_type:?}"
        ))
        .hint(format!(
            "copy the component to {}",
            candidates
                .first()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| dir.display().to_string())
        )));
    };
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::bad_input(format!("{}: cannot read: {e}", path.display())))?;
    Ok(ProviderSource {
        name: cloud_type.to_string(),
        bytes: Cow::Owned(bytes),
        shown: path.display().to_string(),
        path: Some(path.clone()),
    })
}

/// Where a component for `cloud_type` may be, in order of preference.
fn candidates(dir: &Path, cloud_type: &str) -> Vec<PathBuf> {
    // A type is a plain name: anything else never names a file.
    let plain = !cloud_type.is_empty()
        && cloud_type
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !plain {
        return Vec::new();
    }
    vec![
        dir.join(format!("{cloud_type}.wasm")),
        dir.join(format!("strato_{cloud_type}.wasm")),
    ]
}

/// The provider name a file in the providers directory serves:
/// `ec2.wasm` and `strato_ec2.wasm` serve `ec2`.
pub fn name_of(path: &Path) -> Option<String> {
    if path.extension().is_none_or(|e| e != "wasm") {
        return None;
    }
    let stem = path.file_stem()?.to_str()?;
    let name = stem.strip_prefix("strato_").unwrap_or(stem);
    (!name.is_empty()).then(|| name.to_string())
}

/// Every provider: the embedded dummy first, then each `*.wasm` of the
/// providers directory by name (a `T.wasm` hides a `strato_T.wasm`, as in
/// [`resolve`]). Unreadable files are skipped with a warning in the log.
pub fn all(home: &Home) -> Result<Vec<ProviderSource>, CliError> {
    let mut found = vec![ProviderSource::dummy()];
    let dir = home.providers_dir();
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(found),
        Err(e) => {
            return Err(CliError::failure(format!(
                "cannot list {}: {e}",
                dir.display()
            )));
        }
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| name_of(&e.path()))
        .filter(|n| n != DUMMY)
        .collect();
    names.sort();
    names.dedup();
    for name in names {
        match resolve(home, &name) {
            Ok(source) => found.push(source),
            Err(e) => tracing::warn!("skipping provider {name}: {e}"),
        }
    }
    Ok(found)
}
