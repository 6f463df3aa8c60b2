//! What a component asks for, what the operator grants, and what it gets.
//!
//! A component declares the capabilities it needs in its manifest (a
//! `strato:capabilities` custom section): extra network destinations beyond
//! its cloud's endpoints, secret credential attributes it wants revealed, a
//! state directory, host environment variables and host directories to read
//! (see [`local`]). The operator grants through [`Grants`] (built by hand or
//! from a policy file). The instance gets the intersection, and the
//! [`GrantReport`] shows a person what was asked, granted and refused.
//! The cloud's own endpoints need no declaration: reaching them is what a
//! provider is for.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::capabilities::network::covers;
use crate::config::RuntimeConfig;
use crate::host::HostHooks;
use crate::types::CloudSpec;

pub mod local;

use local::{EnvSource, ReadDir};

/// Requests one instance may have in flight at once.
pub const DEFAULT_HTTP_CONCURRENCY: usize = 16;
/// Bytes of one response body a guest may receive.
pub const DEFAULT_RESPONSE_BYTES: u64 = 64 << 20;
/// Time one outgoing request may take (connect, headers, between bytes).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Bytes of a request body the host buffers to sign it.
pub const DEFAULT_REQUEST_BODY_BYTES: usize = 16 << 20;

/// What an instance is given beyond the closed sandbox, by the operator.
///
/// By default nothing: no filesystem, no network but the cloud spec's own
/// endpoints, no secret revealed, host hooks that only log, the runtime's
/// default limits. A capability takes effect only if the component also
/// declared it (see [`report`]).
#[derive(Default, Clone)]
pub struct Grants {
    /// The provider's name, for audit events and policy lookups; `None` =
    /// the component digest's first 12 hex digits.
    pub name: Option<String>,
    /// A private directory, preopened as `/state` for the guest; created if
    /// missing. Nothing else of the filesystem exists for the guest.
    pub state_dir: Option<PathBuf>,
    /// What the host does on `call-context` and `bootstrap-context` calls.
    pub hooks: Option<Arc<dyn HostHooks>>,
    /// Destinations beyond the cloud's endpoints, in Spin's pattern grammar
    /// (`https://*.example.com`, `http://10.0.0.0/8:8000-8999`). An IP
    /// literal here also grants that exact address past the post-DNS checks
    /// (loopback, link-local, metadata service).
    pub network: Vec<String>,
    /// Secret credential attributes the guest may read with
    /// `credential.reveal` (each reveal is audited).
    pub reveal: Vec<String>,
    /// More credential attribute names the host treats as secret, besides
    /// those the provider's schema hides and the well-known ones.
    pub secret_attributes: Vec<String>,
    /// Host environment variables (names) whose values the guest may see
    /// in its environment. Each one copied is audited by name, never value.
    pub env: Vec<String>,
    /// Where the values of `env` come from: these pairs, or `None` = the
    /// host process's environment. Lets an embedder or a test lend values
    /// without touching the process environment.
    pub env_values: Option<Vec<(String, String)>>,
    /// Host directories the guest may read (never write): absolute paths
    /// or `~/…` (the host user's home, seen by the guest as `/home/…` with
    /// `HOME=/home`). A directory that does not exist is skipped.
    pub read: Vec<String>,
    /// What `~` in `read` means on the host; `None` = `$HOME`.
    pub home: Option<PathBuf>,
    /// Limits, each `None` = the runtime's default.
    pub limits: Limits,
    /// The cloud (and credential) this instance serves, bound up front.
    /// Otherwise the first `open` / `prepare-config` binds it.
    pub cloud: Option<CloudSpec>,
}

impl fmt::Debug for Grants {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Grants")
            .field("name", &self.name)
            .field("state_dir", &self.state_dir)
            .field("hooks", &self.hooks.is_some())
            .field("network", &self.network)
            .field("reveal", &self.reveal)
            .field("secret_attributes", &self.secret_attributes)
            .field("env", &self.env)
            .field("env_values", &EnvSource::new(self.env_values.as_deref()))
            .field("read", &self.read)
            .field("home", &self.home)
            .field("limits", &self.limits)
            .field("cloud", &self.cloud.as_ref().map(|c| &c.name))
            .finish()
    }
}

impl Grants {
    /// Grants exactly the host environment variables and directories that
    /// `declared` asks for, nothing else: for a client-side run such as
    /// `detect-credentials` after the operator agreed (values from the
    /// process environment, `~` = `$HOME`; set `env_values` / `home` to
    /// lend others).
    ///
    /// ```
    /// let declared = strato_runtime::Manifest::from_json(
    ///     r#"{"env": ["AWS_PROFILE"], "read": ["~/.aws"], "network": ["https://x.example"]}"#,
    /// )
    /// .unwrap();
    /// let grants = strato_runtime::Grants::local_from(&declared);
    /// assert_eq!(grants.env, ["AWS_PROFILE"]);
    /// assert_eq!(grants.read, ["~/.aws"]);
    /// assert!(grants.network.is_empty());
    /// ```
    pub fn local_from(declared: &Manifest) -> Grants {
        Grants {
            env: declared.env.clone(),
            read: declared.read.clone(),
            ..Grants::default()
        }
    }
}

/// Per-provider limit overrides; `None` keeps the default.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of all linear memories and tables of one instance together.
    pub memory: Option<usize>,
    /// Wall-clock time of one call, host calls and HTTP included.
    pub call_timeout: Option<Duration>,
    /// Outgoing requests in flight at once.
    pub http_concurrency: Option<usize>,
    /// Bytes of one response body.
    pub response_bytes: Option<u64>,
    /// Time of one outgoing request.
    pub request_timeout: Option<Duration>,
}

/// The limits an instance runs under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveLimits {
    /// Bytes of all linear memories and tables of one instance together.
    pub memory: usize,
    /// Wall-clock time of one call.
    pub call_timeout: Duration,
    /// Outgoing requests in flight at once.
    pub http_concurrency: usize,
    /// Bytes of one response body.
    pub response_bytes: u64,
    /// Time of one outgoing request.
    pub request_timeout: Duration,
    /// Bytes of a request body the host buffers to sign it.
    pub request_body_bytes: usize,
}

impl EffectiveLimits {
    /// `limits` over the runtime's defaults.
    pub fn resolve(limits: &Limits, config: &RuntimeConfig) -> EffectiveLimits {
        EffectiveLimits {
            memory: limits.memory.unwrap_or(config.memory_limit),
            call_timeout: limits.call_timeout.unwrap_or(config.call_timeout),
            http_concurrency: limits
                .http_concurrency
                .unwrap_or(DEFAULT_HTTP_CONCURRENCY)
                .max(1),
            response_bytes: limits.response_bytes.unwrap_or(DEFAULT_RESPONSE_BYTES),
            request_timeout: limits.request_timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT),
            request_body_bytes: DEFAULT_REQUEST_BODY_BYTES,
        }
    }
}

/// What a component declares it needs (its `strato:capabilities` section).
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Manifest {
    /// Destinations beyond the cloud's endpoints (Spin's grammar).
    #[serde(default)]
    pub network: Vec<String>,
    /// Secret credential attributes it wants to read.
    #[serde(default)]
    pub reveal: Vec<String>,
    /// Whether it keeps state in `/state`.
    #[serde(default)]
    pub state_dir: bool,
    /// Host environment variables (names) it wants to read.
    #[serde(default)]
    pub env: Vec<String>,
    /// Host directories it wants to read: absolute or `~/…`.
    #[serde(default)]
    pub read: Vec<String>,
}

impl Manifest {
    /// Parses the JSON of a `strato:capabilities` section:
    /// `{"network": [...], "reveal": [...], "state-dir": true, "env": [...],
    /// "read": [...]}`, every key optional, unknown keys refused.
    pub fn from_json(text: &str) -> Result<Manifest, String> {
        serde_json::from_str(text).map_err(|e| format!("capabilities manifest: {e}"))
    }
}

/// One line of a [`GrantReport`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GrantLine {
    /// The kind of capability.
    pub capability: crate::audit::Capability,
    /// What exactly: a pattern, an attribute name, a path.
    pub what: String,
    /// The component declared it.
    pub asked: bool,
    /// The operator granted it.
    pub granted: bool,
    /// Why it is not in effect, when it is not.
    pub note: String,
}

impl GrantLine {
    /// Asked and granted: the instance has it.
    pub fn effective(&self) -> bool {
        self.asked && self.granted
    }
}

/// What was asked, granted and refused, for a person to read.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct GrantReport {
    /// One line per capability asked for or granted.
    pub lines: Vec<GrantLine>,
}

impl GrantReport {
    /// The lines asked for but not granted.
    pub fn refused(&self) -> impl Iterator<Item = &GrantLine> {
        self.lines.iter().filter(|l| l.asked && !l.granted)
    }
}

impl fmt::Display for GrantReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.lines.is_empty() {
            return f.write_str("nothing asked, nothing granted");
        }
        for (i, l) in self.lines.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            let state = match (l.asked, l.granted) {
                (true, true) => "granted",
                (true, false) => "refused",
                (false, true) => "not asked",
                (false, false) => "none",
            };
            write!(f, "{} {} {state}", l.capability, l.what)?;
        }
        Ok(())
    }
}

/// What the instance gets: the intersection of a manifest and grants.
#[derive(Debug, Clone, Default)]
pub(crate) struct Effective {
    pub network: Vec<String>,
    pub reveal: Vec<String>,
    pub state_dir: Option<PathBuf>,
    /// Environment variable names lent, and where their values come from.
    pub env: Vec<String>,
    pub env_source: EnvSource,
    /// Directories lent read-only.
    pub read: Vec<ReadDir>,
}

/// Compares what `declared` asks with what `grants` give. A declared
/// pattern is granted when some granted pattern covers it; a granted
/// pattern nobody asked for is shown but has no effect.
pub fn report(declared: &Manifest, grants: &Grants) -> GrantReport {
    intersect(declared, grants).1
}

pub(crate) fn intersect(declared: &Manifest, grants: &Grants) -> (Effective, GrantReport) {
    use crate::audit::Capability;
    let mut eff = Effective::default();
    let mut lines = Vec::new();
    for d in &declared.network {
        let granted = grants.network.iter().any(|g| covers(g, d).unwrap_or(false));
        if granted {
            eff.network.push(d.clone());
        }
        lines.push(GrantLine {
            capability: Capability::Network,
            what: d.clone(),
            asked: true,
            granted,
            note: if granted {
                String::new()
            } else {
                "no granted pattern covers it".into()
            },
        });
    }
    for g in &grants.network {
        if !declared
            .network
            .iter()
            .any(|d| covers(g, d).unwrap_or(false))
        {
            lines.push(GrantLine {
                capability: Capability::Network,
                what: g.clone(),
                asked: false,
                granted: true,
                note: "granted but not declared: no effect".into(),
            });
        }
    }
    for name in &declared.reveal {
        let granted = grants.reveal.contains(name);
        if granted {
            eff.reveal.push(name.clone());
        }
        lines.push(GrantLine {
            capability: Capability::Reveal,
            what: name.clone(),
            asked: true,
            granted,
            note: if granted {
                String::new()
            } else {
                "not granted by the operator".into()
            },
        });
    }
    for name in grants
        .reveal
        .iter()
        .filter(|n| !declared.reveal.contains(n))
    {
        lines.push(GrantLine {
            capability: Capability::Reveal,
            what: name.clone(),
            asked: false,
            granted: true,
            note: "granted but not declared: no effect".into(),
        });
    }
    if declared.state_dir || grants.state_dir.is_some() {
        let what = grants
            .state_dir
            .as_ref()
            .map_or_else(|| "/state".to_string(), |p| p.display().to_string());
        let note = match (declared.state_dir, grants.state_dir.is_some()) {
            (true, true) => String::new(),
            (true, false) => "no state directory granted".into(),
            _ => "granted but not declared: no effect".into(),
        };
        if declared.state_dir {
            eff.state_dir = grants.state_dir.clone();
        }
        lines.push(GrantLine {
            capability: Capability::StateDir,
            what,
            asked: declared.state_dir,
            granted: grants.state_dir.is_some(),
            note,
        });
    }
    intersect_local(declared, grants, &mut eff, &mut lines);
    (eff, GrantReport { lines })
}

/// The `env` and `read` lines: exact names; paths equal after `~`
/// expansion.
fn intersect_local(
    declared: &Manifest,
    grants: &Grants,
    eff: &mut Effective,
    lines: &mut Vec<GrantLine>,
) {
    use crate::audit::Capability;
    let line = |capability, what: &str, asked, granted, note: &str| GrantLine {
        capability,
        what: what.to_string(),
        asked,
        granted,
        note: note.to_string(),
    };
    eff.env_source = EnvSource::new(grants.env_values.as_deref());
    for name in &declared.env {
        let granted = grants.env.contains(name);
        if granted {
            eff.env.push(name.clone());
        }
        let note = if granted {
            ""
        } else {
            "not granted by the operator"
        };
        lines.push(line(Capability::Env, name, true, granted, note));
    }
    for name in grants.env.iter().filter(|n| !declared.env.contains(n)) {
        let note = "granted but not declared: no effect";
        lines.push(line(Capability::Env, name, false, true, note));
    }
    let home = local::home_dir(grants.home.as_deref());
    let host = |p: &str| local::host_path(p, home.as_deref());
    for d in &declared.read {
        let target = host(d);
        let granted = target.is_some() && grants.read.iter().any(|g| host(g) == target);
        let note = match (&target, granted) {
            (None, _) => "no home directory known for `~`",
            (Some(_), false) => "not granted by the operator",
            (Some(_), true) => "",
        };
        if let (Some(dir), true) = (target, granted) {
            eff.read.push(ReadDir::new(d, dir));
        }
        lines.push(line(Capability::Read, d, true, granted, note));
    }
    for g in &grants.read {
        let target = host(g);
        if target.is_none() || !declared.read.iter().any(|d| host(d) == target) {
            let note = "granted but not declared: no effect";
            lines.push(line(Capability::Read, g, false, true, note));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn effective_is_the_intersection() {
        let declared = Manifest::from_json(
            r#"{"network": ["https://api.example.com", "https://evil.example.org"],
                "reveal": ["secret-key"], "state-dir": true}"#,
        )
        .unwrap();
        let grants = Grants {
            network: vec!["https://*.example.com".into(), "http://10.0.0.1".into()],
            state_dir: Some("/tmp/x".into()),
            ..Grants::default()
        };
        let (eff, report) = intersect(&declared, &grants);
        assert_eq!(eff.network, ["https://api.example.com"]);
        assert!(eff.reveal.is_empty());
        assert_eq!(eff.state_dir, Some(PathBuf::from("/tmp/x")));
        let refused: Vec<_> = report.refused().map(|l| l.what.as_str()).collect();
        assert_eq!(refused, ["https://evil.example.org", "secret-key"]);
        assert!(
            report
                .to_string()
                .contains("network http://10.0.0.1 not asked")
        );
    }

    #[test]
    fn env_and_read_match_by_name_and_by_expanded_path() {
        let declared = Manifest::from_json(
            r#"{"env": ["AWS_PROFILE", "AWS_ACCESS_KEY_ID"], "read": ["~/.aws", "/etc/x"]}"#,
        )
        .unwrap();
        let grants = Grants {
            env: vec!["AWS_PROFILE".into(), "PATH".into()],
            env_values: Some(vec![("AWS_PROFILE".into(), "ops".into())]),
            read: vec!["/users/me/.aws/".into()],
            home: Some("/users/me".into()),
            ..Grants::default()
        };
        let (eff, report) = intersect(&declared, &grants);
        assert_eq!(eff.env, ["AWS_PROFILE"]);
        assert_eq!(eff.env_source.get("AWS_PROFILE").as_deref(), Some("ops"));
        let dirs: Vec<_> = eff
            .read
            .iter()
            .map(|d| (&d.host, d.guest.as_str()))
            .collect();
        assert_eq!(dirs, [(&PathBuf::from("/users/me/.aws"), "/home/.aws")]);
        let refused: Vec<_> = report.refused().map(|l| l.what.as_str()).collect();
        assert_eq!(refused, ["AWS_ACCESS_KEY_ID", "/etc/x"]);
        let text = report.to_string();
        assert!(text.contains("env PATH not asked"), "{text}");
        assert!(text.contains("read ~/.aws granted"), "{text}");
        assert!(!format!("{grants:?}").contains("ops"), "{grants:?}");
    }

    #[test]
    fn manifests_refuse_unknown_keys() {
        assert!(Manifest::from_json(r#"{"netwrok": []}"#).is_err());
        assert_eq!(Manifest::from_json("{}").unwrap(), Manifest::default());
    }
}
