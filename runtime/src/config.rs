//! Runtime settings and the host-side part of `config.Validator`.
//!
//! Juju validates the core keys of a model configuration (`name`, `type`,
//! `uuid` and the immutable ones) in `config.New` / `config.Validate` before
//! any provider sees it. Strato does the same on the host, so a provider's
//! `validate` only checks its own keys and every provider rejects a changed
//! `firewall-mode` with the same message.

use std::path::PathBuf;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::types::{Attrs, Value};

/// How the runtime compiles, caches and limits provider components.
#[derive(Clone, Debug)]
pub struct RuntimeConfig {
    /// Directory for precompiled artifacts; `None` = no disk cache.
    pub cache_dir: Option<PathBuf>,
    /// Wall-clock deadline of every guest call, host calls and HTTP
    /// included (default 2 min: a cloud call such as start-instance may
    /// wait on several API round trips).
    pub call_timeout: Duration,
    /// Bytes of all linear memories and tables of one instance together
    /// (default 256 MiB).
    pub memory_limit: usize,
    /// Allocate instances from a pre-reserved pool (default, see
    /// [`Pooling`]); `None` = map and unmap every instance's memory on
    /// demand. When the machine cannot reserve the pool's address space
    /// the runtime falls back to on demand and logs it
    /// ([`Runtime::pooling`](crate::Runtime::pooling) tells which is used).
    pub pooling: Option<Pooling>,
    /// Hash every cached artifact (BLAKE3 of the whole file, against the
    /// digest recorded when it was written) before deserializing it.
    /// Default `false`: a cached load then costs the same for any size of
    /// artifact, and what the hash would add is detecting a same-length
    /// change by this same user or by silent disk corruption (see
    /// `runtime/src/cache.rs`).
    pub verify_cache: bool,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            cache_dir: None,
            call_timeout: Duration::from_secs(120),
            memory_limit: 256 << 20,
            pooling: Some(Pooling::default()),
            verify_cache: false,
        }
    }
}

/// Sizing of wasmtime's pooling instance allocator: slots reserved once
/// at start-up and reused, linear memories reset copy-on-write from the
/// component's memory image, so an instantiation maps nothing new.
///
/// A provider instance (one isolation domain) takes one component slot,
/// its core instances, one linear memory slot per memory (Rust guests
/// have one) and one table slot per table. Each memory slot reserves
/// address space plus a 32 MiB guard region; nothing is resident until the
/// guest touches it. Pools of up to about 4,000 instances reserve 4 GiB
/// per memory slot, wasmtime's default, which lets compiled guest code
/// skip bounds checks (the default 1,000 instances reserve 8 TiB of
/// address space and no memory); larger pools, or when that much cannot
/// be reserved, reserve only the largest memory a grant may allow (by
/// default [`RuntimeConfig::memory_limit`] rounded up to 64 KiB: 10,000
/// instances in about 6 TiB) and compile bounds checks in.
///
/// Linux also counts mappings (`vm.max_map_count`, 65,530 by default): a
/// live instance takes about 4 and each call slot 2 (its stack and guard
/// page), so with `max_concurrent_calls` = `max_instances` one process
/// holds about 10,900 live instances; lower `max_concurrent_calls` or
/// raise `vm.max_map_count` for more. (On demand, an instance takes about
/// 7 mappings: the same limit stops it near 9,300.)
///
/// ```
/// use strato_runtime::{RuntimeConfig, config::Pooling};
///
/// // A controller holding one instance per credential for 10,000 models.
/// let config = RuntimeConfig {
///     pooling: Some(Pooling { max_instances: 10_000, ..Pooling::default() }),
///     ..RuntimeConfig::default()
/// };
/// # let _ = config;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pooling {
    /// Provider instances alive at once, all handles together (each live
    /// [`ProviderHandle`](crate::ProviderHandle) holds one). One more
    /// fails to instantiate with an error naming the limit; default 1,000.
    pub max_instances: u32,
    /// Guest calls in progress at once (each needs an execution stack
    /// from the pool); default: `max_instances`.
    pub max_concurrent_calls: Option<u32>,
    /// The largest memory limit a grant may give an instance: the size of
    /// each memory slot. Default: [`RuntimeConfig::memory_limit`]. A grant
    /// above it is capped at it (the guest's allocation fails there).
    pub max_memory: Option<usize>,
}

impl Default for Pooling {
    fn default() -> Self {
        Pooling {
            max_instances: 1_000,
            max_concurrent_calls: None,
            max_memory: None,
        }
    }
}

/// `config.NameKey`.
pub const NAME_KEY: &str = "name";
/// `config.TypeKey`.
pub const TYPE_KEY: &str = "type";
/// `config.UUIDKey`.
pub const UUID_KEY: &str = "uuid";
/// `config.FirewallModeKey`.
pub const FIREWALL_MODE_KEY: &str = "firewall-mode";

/// Keys that may not change once a model exists (Juju's `immutableAttributes`
/// as far as the environs contract is concerned).
pub const IMMUTABLE_KEYS: [&str; 4] = [NAME_KEY, TYPE_KEY, UUID_KEY, FIREWALL_MODE_KEY];

/// Looks up `key` in `attrs` (the first occurrence wins, as when the list was
/// built from a map).
pub fn attr<'a>(attrs: &'a Attrs, key: &str) -> Option<&'a Value> {
    attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// Checks the core keys of `cfg` and, with `old`, that no immutable key
/// changed. Messages follow Juju's `config` package.
pub fn validate_core(cfg: &Attrs, old: Option<&Attrs>) -> Result<()> {
    for key in [NAME_KEY, TYPE_KEY] {
        match attr(cfg, key) {
            Some(Value::Text(s)) if !s.is_empty() => {}
            Some(Value::Text(_)) | None => {
                return Err(Error::Config(format!("empty {key} in model configuration")));
            }
            Some(other) => {
                return Err(Error::Config(format!(
                    "{key}: expected string, got {}",
                    go_value(Some(other))
                )));
            }
        }
    }
    match attr(cfg, UUID_KEY) {
        Some(Value::Text(s)) if is_valid_uuid(s) => {}
        Some(v) => {
            return Err(Error::Config(format!(
                "uuid: expected UUID, got {}",
                go_value(Some(v))
            )));
        }
        None => return Err(Error::Config("empty uuid in model configuration".into())),
    }
    if let Some(old) = old {
        for key in IMMUTABLE_KEYS {
            let (before, after) = (attr(old, key), attr(cfg, key));
            if !same_value(before, after) {
                return Err(Error::Config(format!(
                    "cannot change {key} from {} to {}",
                    go_value(before),
                    go_value(after)
                )));
            }
        }
    }
    Ok(())
}

/// `utils.IsValidUUIDString`: the 8-4-4-4-12 hexadecimal form.
pub fn is_valid_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn same_value(a: Option<&Value>, b: Option<&Value>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => go_value(Some(a)) == go_value(Some(b)),
        _ => false,
    }
}

/// Formats a value the way Go's `%#v` shows it in Juju's messages.
fn go_value(v: Option<&Value>) -> String {
    match v {
        None => "<nil>".into(),
        Some(Value::Boolean(b)) => b.to_string(),
        Some(Value::Int(i)) => i.to_string(),
        Some(Value::Float(f)) => f.to_string(),
        Some(Value::Text(s)) | Some(Value::Json(s)) => format!("{s:?}"),
        Some(Value::TextList(l)) => format!("{l:?}"),
        Some(Value::TextMap(m)) => format!("{m:?}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UUID: &str = "deadbeef-0bad-400d-8000-4b1d0d06f00d";

    fn text(k: &str, v: &str) -> (String, Value) {
        (k.into(), Value::Text(v.into()))
    }

    fn base() -> Attrs {
        vec![
            text("name", "testmodel"),
            text("type", "dummy"),
            text("uuid", UUID),
            text("firewall-mode", "instance"),
            ("controller".into(), Value::Boolean(true)),
        ]
    }

    fn err(cfg: &Attrs, old: Option<&Attrs>) -> String {
        match validate_core(cfg, old) {
            Err(Error::Config(m)) => m,
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn accepts_a_complete_config() {
        validate_core(&base(), None).unwrap();
        validate_core(&base(), Some(&base())).unwrap();
    }

    #[test]
    fn name_and_type_are_required() {
        let mut cfg = base();
        cfg.retain(|(k, _)| k != "name");
        assert_eq!(err(&cfg, None), "empty name in model configuration");
        let mut cfg = base();
        cfg[1] = text("type", "");
        assert_eq!(err(&cfg, None), "empty type in model configuration");
        let mut cfg = base();
        cfg[0] = ("name".into(), Value::Int(3));
        assert_eq!(err(&cfg, None), "name: expected string, got 3");
    }

    #[test]
    fn uuid_must_be_a_uuid() {
        let mut cfg = base();
        cfg[2] = text("uuid", "not-a-uuid");
        assert_eq!(err(&cfg, None), "uuid: expected UUID, got \"not-a-uuid\"");
        cfg.retain(|(k, _)| k != "uuid");
        assert_eq!(err(&cfg, None), "empty uuid in model configuration");
        assert!(is_valid_uuid(UUID));
        assert!(is_valid_uuid("DEADBEEF-0BAD-400D-8000-4B1D0D06F00D"));
        assert!(!is_valid_uuid("deadbeef-0bad-400d-8000-4b1d0d06f00"));
        assert!(!is_valid_uuid("deadbeef0bad-400d-8000-4b1d0d06f00d0"));
        assert!(!is_valid_uuid("deadbeeg-0bad-400d-8000-4b1d0d06f00d"));
    }

    #[test]
    fn immutable_keys_cannot_change() {
        let old = base();
        let mut cfg = base();
        cfg[3] = text("firewall-mode", "global");
        assert_eq!(
            err(&cfg, Some(&old)),
            "cannot change firewall-mode from \"instance\" to \"global\""
        );
        let mut cfg = base();
        cfg[0] = text("name", "other");
        assert_eq!(
            err(&cfg, Some(&old)),
            "cannot change name from \"testmodel\" to \"other\""
        );
        let mut cfg = base();
        cfg.retain(|(k, _)| k != "firewall-mode");
        assert_eq!(
            err(&cfg, Some(&old)),
            "cannot change firewall-mode from \"instance\" to <nil>"
        );
        // Mutable keys may change.
        let mut cfg = base();
        cfg[4] = ("controller".into(), Value::Boolean(false));
        validate_core(&cfg, Some(&old)).unwrap();
    }
}
