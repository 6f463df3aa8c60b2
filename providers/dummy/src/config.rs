//! The dummy's configuration: Juju's dummy attributes (`controller`,
//! `broken`, `secret`) on top of the core keys it reads (`name`, `uuid`,
//! `firewall-mode`), and the fault-injection knobs of [`crate::faults`]
//! (`fail-zones`, `fail-start`, `late-addresses`, `host-bootstrap`).

use strato_guest::config::AttrsExt;
use strato_guest::types::Attrs;
use strato_guest::{Error, Result};

use crate::faults::{self, Fault};

/// How the environ manages ports (`firewall-mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FirewallMode {
    Instance,
    Global,
    None,
}

impl FirewallMode {
    pub fn as_str(self) -> &'static str {
        match self {
            FirewallMode::Instance => "instance",
            FirewallMode::Global => "global",
            FirewallMode::None => "none",
        }
    }
}

/// The attributes the dummy acts on.
#[derive(Debug, Clone)]
pub struct DummyConfig {
    pub name: String,
    pub uuid: String,
    pub firewall_mode: FirewallMode,
    pub controller: bool,
    /// Methods that fail with `dummy.<Method> is broken`.
    pub broken: Vec<String>,
    /// `fail-zones`: zones where start-instance fails (zone-specific).
    pub fail_zones: Vec<Fault>,
    /// `fail-start`: start-instance fails in every zone.
    pub fail_start: Option<Fault>,
    /// `late-addresses`: `instances` hides a new instance's addresses this
    /// many times.
    pub late_addresses: u64,
    /// Milliseconds `start-instance` takes before it answers (`slow-start`).
    pub slow_start: u64,
    /// `host-bootstrap`: `bootstrap` leaves the machine to the host.
    pub host_bootstrap: bool,
}

impl DummyConfig {
    /// Reads a validated configuration.
    pub fn from_attrs(attrs: &Attrs) -> Result<DummyConfig> {
        let firewall_mode = match attrs.get_text("firewall-mode")?.unwrap_or("instance") {
            "instance" => FirewallMode::Instance,
            "global" => FirewallMode::Global,
            "none" => FirewallMode::None,
            other => {
                return Err(Error::not_valid(format!(
                    "invalid firewall mode {other:?}: expected instance, global or none"
                )));
            }
        };
        Ok(DummyConfig {
            name: attrs.text_or("name", "")?,
            uuid: attrs.text_or("uuid", "")?,
            firewall_mode,
            controller: attrs.bool_or("controller", false)?,
            broken: attrs
                .text_or("broken", "")?
                .split_whitespace()
                .map(str::to_string)
                .collect(),
            fail_zones: faults::parse_fail_zones(&attrs.text_or("fail-zones", "")?)?,
            fail_start: faults::parse_fail_start(&attrs.text_or("fail-start", "")?)?,
            late_addresses: u64::try_from(attrs.int_or("late-addresses", 0)?)
                .map_err(|_| Error::not_valid("late-addresses: expected a count of 0 or more"))?,
            host_bootstrap: attrs.bool_or("host-bootstrap", false)?,
            slow_start: u64::try_from(attrs.int_or("slow-start", 0)?)
                .map_err(|_| Error::not_valid("slow-start: expected milliseconds, 0 or more"))?,
        })
    }

    /// `dummy.<method> is broken` when `broken` names `method`.
    pub fn check_broken(&self, method: &str) -> Result<()> {
        if self.broken.iter().any(|b| b == method) {
            return Err(Error::other(format!("dummy.{method} is broken")));
        }
        Ok(())
    }
}

/// `config.Validator.Validate` for the dummy: type-checks its attributes,
/// fills in Juju's defaults and returns the completed configuration.
pub fn validate(mut config: Attrs, _old: Option<Attrs>) -> Result<Attrs> {
    // Type checks (a wrong type is a `not-valid` error naming the key).
    config.get_bool("controller")?;
    config.get_text("broken")?;
    config.get_text("secret")?;
    DummyConfig::from_attrs(&config)?;
    if config.text_or("name", "")?.is_empty() {
        return Err(Error::not_valid("name: expected a non-empty model name"));
    }
    config.set_default("controller", false);
    config.set_default("broken", "");
    config.set_default("secret", "pork");
    config.set_default("firewall-mode", "instance");
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Attrs {
        let mut cfg = Attrs::new();
        cfg.set("name", "testmodel");
        cfg.set("uuid", "f00d");
        cfg
    }

    // It fills in Juju's defaults for the dummy attributes.
    #[test]
    fn defaults() {
        let cfg = validate(base(), None).unwrap();
        assert_eq!(cfg.get_bool("controller").unwrap(), Some(false));
        assert_eq!(cfg.get_text("secret").unwrap(), Some("pork"));
        assert_eq!(cfg.get_text("firewall-mode").unwrap(), Some("instance"));
    }

    // It rejects a wrong type and an unknown firewall mode.
    #[test]
    fn rejects_bad_values() {
        let mut cfg = base();
        cfg.set("controller", "maybe");
        assert!(validate(cfg, None).is_err());
        let mut cfg = base();
        cfg.set("firewall-mode", "sometimes");
        assert!(validate(cfg, None).is_err());
    }

    // The fault knobs are type-checked and parsed when the config is validated.
    #[test]
    fn fault_knobs() {
        let mut cfg = base();
        cfg.set("fail-zones", "zone1 zone3:2");
        cfg.set("fail-start", "zone-independent:1");
        cfg.set("late-addresses", 2i64);
        cfg.set("host-bootstrap", true);
        let parsed = DummyConfig::from_attrs(&validate(cfg, None).unwrap()).unwrap();
        assert_eq!(parsed.fail_zones.len(), 2);
        assert!(parsed.fail_start.is_some() && parsed.host_bootstrap);
        assert_eq!(parsed.late_addresses, 2);
        for (key, bad) in [
            ("fail-zones", "zone1:0"),
            ("fail-start", "sometimes"),
            ("late-addresses", "-1"),
            ("host-bootstrap", "maybe"),
        ] {
            let mut cfg = base();
            cfg.set(key, bad);
            assert!(validate(cfg, None).is_err(), "{key}={bad} accepted");
        }
    }

    // `broken` makes exactly the named methods fail.
    #[test]
    fn broken_methods() {
        let mut cfg = base();
        cfg.set("broken", "Bootstrap  Instances");
        let cfg = DummyConfig::from_attrs(&cfg).unwrap();
        assert_eq!(
            cfg.check_broken("Instances").unwrap_err().message,
            "dummy.Instances is broken"
        );
        assert!(cfg.check_broken("Destroy").is_ok());
    }
}
