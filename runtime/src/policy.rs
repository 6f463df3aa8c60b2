//! The operator's policy file: what each provider is granted.
//!
//! ```yaml
//! # strato policy: what the operator grants each provider
//! providers:
//!   dummy:                 # provider name, or "sha256:<hex>" of the component
//!     state-dir: /var/lib/strato/dummy     # or `true` = <data dir>/<name>
//!     network: ["https://*.example.com", "http://127.0.0.1:8080"]
//!     reveal: [secret-key]
//!     secret-attributes: [api-secret]   # more attribute names the host treats as secret
//!     env: [AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY]  # host variables lent by name
//!     read: ["~/.aws"]     # host directories lent read-only (absolute or ~/…)
//!     limits: { memory: 512MiB, call-timeout: 2m, http-concurrency: 8,
//!               response-bytes: 32MiB, request-timeout: 30s }
//! ```
//!
//! Every key is optional; unknown keys are errors. A provider gets what its
//! entry grants *and* its component declares (see [`crate::grants`]); a
//! provider without an entry gets nothing beyond its cloud's endpoints.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::capabilities::network::AllowedHosts;
use crate::grants::{Grants, Limits, local};

/// A parsed policy: one entry of grants per provider name or component
/// digest.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    source: String,
    /// Relative `state-dir` paths are taken from here (the policy file's
    /// directory), else from the working directory.
    base_dir: Option<PathBuf>,
    providers: BTreeMap<String, Entry>,
}

/// One provider's grants, validated.
#[derive(Debug, Clone, Default)]
struct Entry {
    state_dir: Option<StateDir>,
    network: Vec<String>,
    reveal: Vec<String>,
    secret_attributes: Vec<String>,
    env: Vec<String>,
    read: Vec<String>,
    limits: Limits,
}

#[derive(Debug, Clone)]
enum StateDir {
    /// `true`: `<data dir>/<name>`.
    Default,
    Path(PathBuf),
}

/// A policy that cannot be used: the file, the line when known, the key,
/// and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    file: String,
    line: Option<u64>,
    key: Option<String>,
    message: String,
}

impl PolicyError {
    fn new(file: &str, line: Option<u64>, key: Option<String>, message: impl Into<String>) -> Self {
        PolicyError {
            file: file.to_string(),
            line: line.filter(|l| *l > 0),
            key,
            message: message.into(),
        }
    }

    /// The policy file (or the source name given to [`Policy::from_yaml`]).
    pub fn file(&self) -> &str {
        &self.file
    }

    /// The 1-based line of the offending text, when known.
    pub fn line(&self) -> Option<u64> {
        self.line
    }

    /// The key path, e.g. `providers.dummy.limits.memory`, when known.
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }

    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        f.write_str(": ")?;
        if let Some(key) = &self.key {
            write!(f, "{key}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for PolicyError {}

/// The file as written.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(default)]
    providers: Option<BTreeMap<String, Option<RawEntry>>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawEntry {
    state_dir: Option<Spanned<Scalar>>,
    #[serde(default)]
    network: Vec<Spanned<String>>,
    #[serde(default)]
    reveal: Vec<Spanned<String>>,
    #[serde(default)]
    secret_attributes: Vec<Spanned<String>>,
    #[serde(default)]
    env: Vec<Spanned<String>>,
    #[serde(default)]
    read: Vec<Spanned<String>>,
    limits: Option<RawLimits>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawLimits {
    memory: Option<Spanned<Scalar>>,
    call_timeout: Option<Spanned<Scalar>>,
    http_concurrency: Option<Spanned<Scalar>>,
    response_bytes: Option<Spanned<Scalar>>,
    request_timeout: Option<Spanned<Scalar>>,
}

/// A YAML scalar, interpreted once the key is known.
#[derive(Debug, Clone)]
enum Scalar {
    Bool(bool),
    Int(u64),
    Text(String),
    Other(String),
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::Int(n) => write!(f, "{n}"),
            Scalar::Text(s) => write!(f, "{s:?}"),
            Scalar::Other(s) => f.write_str(s),
        }
    }
}

impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a boolean, a number or a string")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Scalar, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Scalar, E> {
                Ok(Scalar::Int(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Scalar, E> {
                Ok(u64::try_from(v).map_or_else(|_| Scalar::Other(v.to_string()), Scalar::Int))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Scalar, E> {
                Ok(Scalar::Other(v.to_string()))
            }
            fn visit_str<E>(self, v: &str) -> Result<Scalar, E> {
                Ok(Scalar::Text(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

impl Policy {
    /// Parses a policy from YAML `text`; `source_name` (usually the file
    /// path) names it in errors.
    pub fn from_yaml(text: &str, source_name: &str) -> Result<Policy, PolicyError> {
        let raw: RawPolicy = if is_blank(text) {
            RawPolicy::default()
        } else {
            serde_saphyr::from_str(text).map_err(|e| yaml_error(source_name, &e))?
        };
        let mut providers = BTreeMap::new();
        for (key, entry) in raw.providers.unwrap_or_default() {
            let path = format!("providers.{key}");
            let key = provider_key(&key)
                .map_err(|m| PolicyError::new(source_name, None, Some(path.clone()), m))?;
            let at = At {
                file: source_name,
                path: &path,
            };
            let entry = Entry::check(entry.unwrap_or_default(), &at)?;
            providers.insert(key, entry);
        }
        Ok(Policy {
            source: source_name.to_string(),
            base_dir: None,
            providers,
        })
    }

    /// Reads and parses the policy file at `path`. Relative `state-dir`
    /// paths in it are taken from the file's directory.
    pub fn load(path: &Path) -> Result<Policy, PolicyError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|e| PolicyError::new(&shown, None, None, format!("cannot read: {e}")))?;
        let mut policy = Policy::from_yaml(&text, &shown)?;
        policy.base_dir = path.parent().map(Path::to_path_buf);
        Ok(policy)
    }

    /// Where the policy came from (the file path or source name).
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The keys of its entries: provider names and `sha256:<hex>` digests.
    pub fn providers(&self) -> impl Iterator<Item = &str> {
        self.providers.keys().map(String::as_str)
    }

    /// The grants for a provider called `name` whose component has the
    /// digest `sha256` (lowercase hex): the `sha256:<hex>` entry if there is
    /// one, else the entry for `name`, else nothing at all. `state-dir: true`
    /// becomes `<data_dir>/<name>` (`<data_dir>/<first 12 hex digits>` when
    /// `name` is not a plain file name). The grants carry `name` (if not
    /// empty) for audit events; hooks and cloud are left unset.
    pub fn grants_for(&self, name: &str, sha256: &str, data_dir: &Path) -> Grants {
        let name_opt = (!name.is_empty()).then(|| name.to_string());
        let by_digest = format!("sha256:{}", sha256.to_ascii_lowercase());
        let Some(entry) = self
            .providers
            .get(&by_digest)
            .or_else(|| self.providers.get(name))
        else {
            return Grants {
                name: name_opt,
                ..Grants::default()
            };
        };
        let state_dir = entry.state_dir.as_ref().map(|dir| match dir {
            StateDir::Default => {
                let leaf = if is_plain_name(name) {
                    name.to_string()
                } else {
                    sha256.get(..12).unwrap_or(sha256).to_string()
                };
                data_dir.join(leaf)
            }
            StateDir::Path(p) => match &self.base_dir {
                Some(base) if p.is_relative() => base.join(p),
                _ => p.clone(),
            },
        });
        Grants {
            name: name_opt,
            state_dir,
            network: entry.network.clone(),
            reveal: entry.reveal.clone(),
            secret_attributes: entry.secret_attributes.clone(),
            env: entry.env.clone(),
            read: entry.read.clone(),
            limits: entry.limits.clone(),
            ..Grants::default()
        }
    }
}

/// Where in the file an entry is, for its errors.
struct At<'a> {
    file: &'a str,
    /// `providers.<key>`.
    path: &'a str,
}

impl At<'_> {
    fn err(&self, line: u64, key: &str, message: impl Into<String>) -> PolicyError {
        let key = format!("{}.{key}", self.path);
        PolicyError::new(self.file, Some(line), Some(key), message)
    }

    /// The limit `key` (under `limits.`), if given, in bytes, milliseconds
    /// or units as `kind` says.
    fn limit(
        &self,
        key: &str,
        value: &Option<Spanned<Scalar>>,
        kind: Kind,
    ) -> Result<Option<u64>, PolicyError> {
        value
            .as_ref()
            .map(|s| {
                kind.parse(&s.value)
                    .map_err(|m| self.err(s.referenced.line(), &format!("limits.{key}"), m))
            })
            .transpose()
    }
}

impl Entry {
    fn check(raw: RawEntry, at: &At<'_>) -> Result<Entry, PolicyError> {
        let state_dir = match raw.state_dir {
            None => None,
            Some(s) => match &s.value {
                Scalar::Bool(true) => Some(StateDir::Default),
                Scalar::Bool(false) => None,
                Scalar::Text(p) if !p.trim().is_empty() => Some(StateDir::Path(PathBuf::from(p))),
                other => {
                    return Err(at.err(
                        s.referenced.line(),
                        "state-dir",
                        format!(
                            "{other} is not a directory (write a path, or `true` for the data \
                             directory)"
                        ),
                    ));
                }
            },
        };
        for p in &raw.network {
            AllowedHosts::parse(&[&p.value])
                .map_err(|e| at.err(p.referenced.line(), "network", e.to_string()))?;
        }
        let names = [
            ("reveal", &raw.reveal),
            ("secret-attributes", &raw.secret_attributes),
        ];
        for (key, list) in names {
            if let Some(bad) = list.iter().find(|n| !is_attribute_name(&n.value)) {
                return Err(at.err(
                    bad.referenced.line(),
                    key,
                    format!("{:?} is not a credential attribute name", bad.value),
                ));
            }
        }
        if let Some(bad) = raw.env.iter().find(|n| !local::is_env_name(&n.value)) {
            return Err(at.err(
                bad.referenced.line(),
                "env",
                format!(
                    "{:?} is not an environment variable name (letters, digits and `_`)",
                    bad.value
                ),
            ));
        }
        for p in &raw.read {
            local::check_read_path(&p.value).map_err(|m| at.err(p.referenced.line(), "read", m))?;
        }
        let l = raw.limits.unwrap_or_default();
        let size = |n: u64| usize::try_from(n).unwrap_or(usize::MAX);
        let limits = Limits {
            memory: at.limit("memory", &l.memory, Kind::Size)?.map(size),
            call_timeout: at
                .limit("call-timeout", &l.call_timeout, Kind::Duration)?
                .map(Duration::from_millis),
            http_concurrency: at
                .limit("http-concurrency", &l.http_concurrency, Kind::Count)?
                .map(size),
            response_bytes: at.limit("response-bytes", &l.response_bytes, Kind::Size)?,
            request_timeout: at
                .limit("request-timeout", &l.request_timeout, Kind::Duration)?
                .map(Duration::from_millis),
        };
        let strings = |v: Vec<Spanned<String>>| v.into_iter().map(|s| s.value).collect();
        Ok(Entry {
            state_dir,
            network: strings(raw.network),
            reveal: strings(raw.reveal),
            secret_attributes: strings(raw.secret_attributes),
            env: strings(raw.env),
            read: strings(raw.read),
            limits,
        })
    }
}

/// How a limit's value is written.
#[derive(Clone, Copy)]
enum Kind {
    /// Bytes: a number, or a number with `B`, `KiB`, `MiB` or `GiB`.
    Size,
    /// Milliseconds: a number with `ms`, `s`, `m` or `h`.
    Duration,
    /// A plain positive number.
    Count,
}

impl Kind {
    fn parse(self, value: &Scalar) -> Result<u64, String> {
        let (number, unit) = match value {
            Scalar::Int(n) => (*n, ""),
            Scalar::Text(t) => {
                let t = t.trim();
                let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
                let (digits, unit) = t.split_at(split);
                let n = digits.parse::<u64>().map_err(|_| self.invalid(value))?;
                (n, unit.trim())
            }
            _ => return Err(self.invalid(value)),
        };
        let scale: u64 = match (self, unit) {
            (Kind::Size, "" | "B") => 1,
            (Kind::Size, "KiB") => 1 << 10,
            (Kind::Size, "MiB") => 1 << 20,
            (Kind::Size, "GiB") => 1 << 30,
            (Kind::Duration, "ms") => 1,
            (Kind::Duration, "s") => 1_000,
            (Kind::Duration, "m") => 60_000,
            (Kind::Duration, "h") => 3_600_000,
            (Kind::Count, "") => 1,
            _ => return Err(self.invalid(value)),
        };
        let total = number
            .checked_mul(scale)
            .ok_or_else(|| format!("{value} is too large"))?;
        if total == 0 {
            return Err(format!("must be more than zero, not {value}"));
        }
        Ok(total)
    }

    fn invalid(self, value: &Scalar) -> String {
        let how = match self {
            Kind::Size => "a size (a number of bytes, or with KiB, MiB or GiB: `512MiB`)",
            Kind::Duration => "a duration (a number with ms, s, m or h: `30s`, `2m`)",
            Kind::Count => "a positive whole number",
        };
        format!("{value} is not {how}")
    }
}

/// `sha256:<hex>` (normalised to lowercase) or a provider name.
fn provider_key(key: &str) -> Result<String, String> {
    if let Some(hex) = key.strip_prefix("sha256:") {
        if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(format!("sha256:{}", hex.to_ascii_lowercase()));
        }
        return Err("a digest key is `sha256:` and 64 hex digits".into());
    }
    if is_plain_name(key) {
        Ok(key.to_string())
    } else {
        Err(
            "a provider name is letters, digits, `-`, `_` and `.`, not starting with `.` \
             (or `sha256:<hex>` for a component digest)"
                .into(),
        )
    }
}

/// A name usable as one path component: letters, digits, `-`, `_`, `.`,
/// not starting with `.`, at most 128 bytes.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn is_attribute_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Only comments and blank lines.
fn is_blank(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .all(|l| l.is_empty() || l.starts_with('#') || l == "---")
}

/// The parser's message on one line, without its `at line …, column …`
/// tail (the line is in the error's prefix).
fn yaml_error(file: &str, e: &serde_saphyr::Error) -> PolicyError {
    let line = e.location().map(|l| l.line());
    let text = e.without_snippet().to_string();
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("invalid YAML");
    let message = match first.rfind(" at line ") {
        Some(cut) if line.is_some() && first[cut..].contains(", column ") => &first[..cut],
        _ => first,
    };
    // A hint for programmers, not for whoever writes the policy.
    let message = message
        .split_once(", set DuplicateKeyPolicy")
        .map_or(message, |(head, _)| head);
    PolicyError::new(file, line, None, message)
}

#[cfg(test)]
mod tests;
