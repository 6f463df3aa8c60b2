//! The dummy's configuration: Juju's dummy attributes (`controller`,
//! `broken`, `secret`) on top of the core keys it reads (`name`, `uuid`,
//! `firewall-mode`).

use strato_guest::config::AttrsExt;
use strato_guest::types::Attrs;
use strato_guest::{Error, Result};

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
