//! Model configuration of the EC2 provider: Juju's `vpc-id` and
//! `vpc-id-force` (both immutable) on top of the core keys it reads.

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

/// The attributes the provider acts on.
#[derive(Debug, Clone, PartialEq)]
pub struct Ec2Config {
    pub name: String,
    pub uuid: String,
    pub firewall_mode: FirewallMode,
    /// `vpc-id`: empty = the default VPC, `none` = no VPC.
    pub vpc_id: String,
    pub vpc_id_force: bool,
    /// `image-id`: the image when the start params carry no image metadata.
    pub image_id: String,
    /// `resource-tags`: user tags copied to every resource.
    pub resource_tags: Vec<(String, String)>,
    /// `cloudinit-userdata`: YAML merged into every machine's user data.
    pub cloudinit_userdata: String,
}

impl Ec2Config {
    /// Reads a configuration (validated or not: wrong types are errors).
    pub fn from_attrs(attrs: &Attrs) -> Result<Ec2Config> {
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
        Ok(Ec2Config {
            name: attrs.text_or("name", "")?,
            uuid: attrs.text_or("uuid", "")?,
            firewall_mode,
            vpc_id: attrs.text_or("vpc-id", "")?,
            vpc_id_force: attrs.bool_or("vpc-id-force", false)?,
            image_id: attrs.text_or("image-id", "")?,
            resource_tags: resource_tags(attrs)?,
            cloudinit_userdata: attrs.text_or("cloudinit-userdata", "")?,
        })
    }

    /// The VPC to create groups in and place instances into, if any.
    pub fn vpc(&self) -> Option<&str> {
        match self.vpc_id.as_str() {
            "" | "none" => None,
            id => Some(id),
        }
    }
}

/// `resource-tags`: a text `k=v k2=v2` or a text map.
fn resource_tags(attrs: &Attrs) -> Result<Vec<(String, String)>> {
    use strato_guest::types::Value;
    match attrs.get("resource-tags") {
        None => Ok(Vec::new()),
        Some(Value::TextMap(m)) => Ok(m.clone()),
        Some(Value::Text(t)) => t
            .split_whitespace()
            .map(|kv| match kv.split_once('=') {
                Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
                _ => Err(Error::not_valid(format!(
                    "resource-tags: expected \"key=value\", got {kv:?}"
                ))),
            })
            .collect(),
        Some(other) => Err(Error::not_valid(format!(
            "resource-tags: expected key=value pairs, got {}",
            other.type_name()
        ))),
    }
}

/// `config.Validator.Validate` for EC2 (Juju's `environProvider.Validate`):
/// checks the provider's attributes, the immutable ones against `old`, and
/// fills in the defaults.
pub fn validate(mut config: Attrs, old: Option<Attrs>) -> Result<Attrs> {
    let cfg = Ec2Config::from_attrs(&config)?;
    config.get_text("image-id")?;
    if cfg.vpc_id != "none" && !cfg.vpc_id.is_empty() && !cfg.vpc_id.starts_with("vpc-") {
        return Err(Error::not_valid(format!(
            "vpc-id: {:?} is not a valid AWS VPC ID",
            cfg.vpc_id
        )));
    }
    if cfg.vpc_id_force && cfg.vpc_id.is_empty() {
        return Err(Error::not_valid(
            "cannot use vpc-id-force without specifying vpc-id as well",
        ));
    }
    if config.get_bool("ssl-hostname-verification")? == Some(false) {
        return Err(Error::not_valid(
            "disabling ssh-hostname-verification is not supported",
        ));
    }
    if let Some(old) = old {
        let was = Ec2Config::from_attrs(&old)?;
        if was.vpc_id != cfg.vpc_id {
            return Err(Error::not_valid(format!(
                "cannot change vpc-id from {:?} to {:?}",
                was.vpc_id, cfg.vpc_id
            )));
        }
        if was.vpc_id_force != cfg.vpc_id_force {
            return Err(Error::not_valid(format!(
                "cannot change vpc-id-force from {} to {}",
                was.vpc_id_force, cfg.vpc_id_force
            )));
        }
    }
    config.set_default("vpc-id", "");
    config.set_default("vpc-id-force", false);
    config.set_default("firewall-mode", cfg.firewall_mode.as_str());
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Attrs {
        let mut cfg = Attrs::new();
        cfg.set("name", "m");
        cfg.set("uuid", "u");
        cfg
    }

    #[test]
    fn defaults_are_filled_in() {
        let cfg = validate(base(), None).expect("valid");
        assert_eq!(cfg.get_text("vpc-id").ok().flatten(), Some(""));
        assert_eq!(cfg.get_bool("vpc-id-force").ok().flatten(), Some(false));
        assert_eq!(
            cfg.get_text("firewall-mode").ok().flatten(),
            Some("instance")
        );
    }

    #[test]
    fn vpc_ids_are_checked() {
        let mut cfg = base();
        cfg.set("vpc-id", "subnet-1");
        assert!(validate(cfg, None).is_err());
        let mut cfg = base();
        cfg.set("vpc-id-force", true);
        let err = validate(cfg, None).expect_err("force without id");
        assert!(err.message.contains("vpc-id-force"), "{}", err.message);
        let mut cfg = base();
        cfg.set("vpc-id", "none");
        assert!(validate(cfg, None).is_ok());
    }

    #[test]
    fn vpc_keys_are_immutable() {
        let mut old = base();
        old.set("vpc-id", "vpc-1");
        let old = validate(old, None).expect("valid");
        let mut new = old.clone();
        new.set("vpc-id", "vpc-2");
        let err = validate(new, Some(old.clone())).expect_err("immutable");
        assert_eq!(
            err.message,
            "cannot change vpc-id from \"vpc-1\" to \"vpc-2\""
        );
        let mut new = old.clone();
        new.set("vpc-id-force", true);
        assert!(validate(new, Some(old.clone())).is_err());
        assert!(validate(old.clone(), Some(old)).is_ok());
    }

    #[test]
    fn resource_tags_parse() {
        let mut cfg = base();
        cfg.set("resource-tags", "a=1 b=2");
        let c = Ec2Config::from_attrs(&cfg).expect("valid");
        assert_eq!(
            c.resource_tags,
            vec![("a".into(), "1".into()), ("b".into(), "2".into())]
        );
        cfg.set("resource-tags", "oops");
        assert!(Ec2Config::from_attrs(&cfg).is_err());
    }
}
