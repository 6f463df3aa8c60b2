//! Constraints on the host: parsing and printing `constraints.Value`, and the
//! `constraints.Validator` that Juju asks every provider for.
//!
//! A provider only *describes* its validator (`environ.constraints-validator`
//! returns [`ConstraintsRules`]); the host implements `Validate` and `Merge`
//! once, here, with Juju's semantics, so every provider in every language gets
//! them right.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::types::{ConstraintConflict, ConstraintVocabulary, Constraints, ConstraintsRules};

/// Every constraint attribute, in Juju's printing order.
pub const ATTRIBUTES: [&str; 12] = [
    "arch",
    "container",
    "cores",
    "cpu-power",
    "mem",
    "root-disk",
    "root-disk-source",
    "tags",
    "instance-type",
    "spaces",
    "virt-type",
    "zones",
];

/// The architectures Juju knows (`arch.AllSupportedArches`).
pub const SUPPORTED_ARCHES: [&str; 5] = ["amd64", "arm64", "i386", "ppc64el", "s390x"];

/// A constraint that is wrong: unknown attribute, bad value, conflict.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConstraintsError(pub String);

fn err(msg: impl Into<String>) -> ConstraintsError {
    ConstraintsError(msg.into())
}

/// An empty `constraints.Value` (every attribute unset).
pub fn empty() -> Constraints {
    Constraints {
        arch: None,
        container: None,
        cores: None,
        cpu_power: None,
        mem: None,
        root_disk: None,
        root_disk_source: None,
        tags: None,
        instance_type: None,
        spaces: None,
        virt_type: None,
        zones: None,
    }
}

/// `constraints.IsEmpty`.
pub fn is_empty(c: &Constraints) -> bool {
    attribute_values(c).is_empty()
}

/// A set attribute's value, as Juju compares it against a vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
enum AttrValue {
    One(String),
    Many(Vec<String>),
}

/// The attributes that are set, with their values (`attributesWithValues`).
fn attribute_values(c: &Constraints) -> BTreeMap<&'static str, AttrValue> {
    let mut m = BTreeMap::new();
    let mut one = |k: &'static str, v: Option<String>| {
        if let Some(v) = v {
            m.insert(k, AttrValue::One(v));
        }
    };
    one("arch", c.arch.clone());
    one("container", c.container.clone());
    one("cores", c.cores.map(|v| v.to_string()));
    one("cpu-power", c.cpu_power.map(|v| v.to_string()));
    one("mem", c.mem.map(|v| v.to_string()));
    one("root-disk", c.root_disk.map(|v| v.to_string()));
    one("root-disk-source", c.root_disk_source.clone());
    one("instance-type", c.instance_type.clone());
    one("virt-type", c.virt_type.clone());
    for (k, v) in [
        ("tags", &c.tags),
        ("spaces", &c.spaces),
        ("zones", &c.zones),
    ] {
        if let Some(v) = v {
            m.insert(k, AttrValue::Many(v.clone()));
        }
    }
    m
}

/// `Value.without(attrs…)`: a copy with those attributes unset.
fn without(c: &Constraints, attrs: &BTreeSet<String>) -> Constraints {
    let mut out = c.clone();
    for a in attrs {
        match a.as_str() {
            "arch" => out.arch = None,
            "container" => out.container = None,
            "cores" => out.cores = None,
            "cpu-power" => out.cpu_power = None,
            "mem" => out.mem = None,
            "root-disk" => out.root_disk = None,
            "root-disk-source" => out.root_disk_source = None,
            "tags" => out.tags = None,
            "instance-type" => out.instance_type = None,
            "spaces" => out.spaces = None,
            "virt-type" => out.virt_type = None,
            "zones" => out.zones = None,
            _ => {}
        }
    }
    out
}

/// `Value.override`: every attribute set in `over` replaces the one in `base`.
fn override_with(base: &Constraints, over: &Constraints) -> Constraints {
    Constraints {
        arch: over.arch.clone().or_else(|| base.arch.clone()),
        container: over.container.clone().or_else(|| base.container.clone()),
        cores: over.cores.or(base.cores),
        cpu_power: over.cpu_power.or(base.cpu_power),
        mem: over.mem.or(base.mem),
        root_disk: over.root_disk.or(base.root_disk),
        root_disk_source: over
            .root_disk_source
            .clone()
            .or_else(|| base.root_disk_source.clone()),
        tags: over.tags.clone().or_else(|| base.tags.clone()),
        instance_type: over
            .instance_type
            .clone()
            .or_else(|| base.instance_type.clone()),
        spaces: over.spaces.clone().or_else(|| base.spaces.clone()),
        virt_type: over.virt_type.clone().or_else(|| base.virt_type.clone()),
        zones: over.zones.clone().or_else(|| base.zones.clone()),
    }
}

/// Juju's `constraints.Validator`, built from the rules a provider describes.
#[derive(Debug, Clone, Default)]
pub struct ConstraintsValidator {
    conflicts: BTreeMap<String, BTreeSet<String>>,
    unsupported: BTreeSet<String>,
    vocab: BTreeMap<String, Vec<String>>,
}

impl ConstraintsValidator {
    /// A validator with no rules (`constraints.NewValidator()`).
    pub fn new() -> Self {
        Self::default()
    }

    /// The validator a provider's rules describe.
    pub fn from_rules(rules: &ConstraintsRules) -> Self {
        let mut v = Self::new();
        for c in &rules.conflicts {
            v.register_conflicts(&c.reds, &c.blues);
        }
        v.register_unsupported(&rules.unsupported);
        for voc in &rules.vocabularies {
            v.update_vocabulary(&voc.attribute, &voc.values);
        }
        v
    }

    /// `RegisterConflicts`: any red conflicts with any blue.
    pub fn register_conflicts(&mut self, reds: &[String], blues: &[String]) {
        for r in reds {
            self.conflicts
                .entry(r.clone())
                .or_default()
                .extend(blues.iter().cloned());
        }
        for b in blues {
            self.conflicts
                .entry(b.clone())
                .or_default()
                .extend(reds.iter().cloned());
        }
    }

    /// `RegisterUnsupported`.
    pub fn register_unsupported(&mut self, attrs: &[String]) {
        self.unsupported.extend(attrs.iter().cloned());
    }

    /// `RegisterVocabulary`: replaces the allowed values of `attr`.
    pub fn register_vocabulary(&mut self, attr: &str, values: &[String]) {
        self.vocab.insert(attr.to_string(), values.to_vec());
    }

    /// `UpdateVocabulary`: union with the existing allowed values.
    pub fn update_vocabulary(&mut self, attr: &str, values: &[String]) {
        let entry = self.vocab.entry(attr.to_string()).or_default();
        for v in values {
            if !entry.contains(v) {
                entry.push(v.clone());
            }
        }
    }

    /// `Validate`: the set attributes the provider does not support (not an
    /// error, sorted), or an error for a conflict or an out-of-vocabulary value.
    pub fn validate(&self, cons: &Constraints) -> Result<Vec<String>, ConstraintsError> {
        let values = attribute_values(cons);
        let unsupported = values
            .keys()
            .filter(|k| self.unsupported.contains(**k))
            .map(|k| k.to_string())
            .collect();
        for attr in values.keys() {
            if let Some(conflicts) = self.conflicts.get(*attr) {
                for c in conflicts {
                    if values.contains_key(c.as_str()) {
                        return Err(err(format!(
                            "ambiguous constraints: {attr:?} overlaps with {c:?}"
                        )));
                    }
                }
            }
        }
        for (attr, value) in &values {
            let Some(vocab) = self.vocab.get(*attr) else {
                continue;
            };
            let bad = match value {
                AttrValue::One(v) => (!vocab.contains(v)).then(|| v.clone()),
                AttrValue::Many(vs) => vs.iter().find(|v| !vocab.contains(v)).cloned(),
            };
            if let Some(bad) = bad {
                return Err(err(format!(
                    "invalid constraint value: {attr}={bad}\nvalid values are: [{}]",
                    vocab.join(" ")
                )));
            }
        }
        Ok(unsupported)
    }

    /// `Merge`: `cons` overrides `fallback`; attributes of `fallback` that
    /// conflict with an attribute set in `cons` are dropped.
    pub fn merge(
        &self,
        fallback: &Constraints,
        cons: &Constraints,
    ) -> Result<Constraints, ConstraintsError> {
        self.validate(fallback)?;
        self.validate(cons)?;
        let mut dropped = BTreeSet::new();
        for attr in attribute_values(cons).keys() {
            if let Some(c) = self.conflicts.get(*attr) {
                dropped.extend(c.iter().cloned());
            }
        }
        Ok(override_with(&without(fallback, &dropped), cons))
    }
}

impl crate::Environ {
    /// `ConstraintsChecker.ConstraintsValidator`: the provider's rules,
    /// as a validator the host runs.
    pub async fn validator(&self) -> crate::Result<ConstraintsValidator> {
        Ok(ConstraintsValidator::from_rules(
            &self.constraints_validator().await?,
        ))
    }
}

/// The rules as a provider would describe them (handy in tests and SDKs).
pub fn rules(
    conflicts: &[(&[&str], &[&str])],
    unsupported: &[&str],
    vocabularies: &[(&str, &[&str])],
) -> ConstraintsRules {
    let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    ConstraintsRules {
        conflicts: conflicts
            .iter()
            .map(|(r, b)| ConstraintConflict {
                reds: s(r),
                blues: s(b),
            })
            .collect(),
        unsupported: s(unsupported),
        vocabularies: vocabularies
            .iter()
            .map(|(a, v)| ConstraintVocabulary {
                attribute: a.to_string(),
                values: s(v),
            })
            .collect(),
    }
}

// ------------------------------------------------------------------ parsing

/// `constraints.Parse`: space-separated `key=value` pairs. Sizes take an
/// `M`/`G`/`T`/`P` suffix (MiB by default, rounded up); lists are
/// comma-separated; `cpu-cores` is an alias of `cores`.
pub fn parse(s: &str) -> Result<Constraints, ConstraintsError> {
    let mut c = empty();
    let mut seen = BTreeSet::new();
    for word in s.split_whitespace() {
        let Some((key, value)) = word.split_once('=') else {
            return Err(err(format!("malformed constraint {word:?}")));
        };
        let key = if key == "cpu-cores" { "cores" } else { key };
        if !seen.insert(key.to_string()) {
            return Err(err(format!("bad {key:?} constraint: already set")));
        }
        let bad = |why: String| err(format!("bad {key:?} constraint: {why}"));
        let list = |v: &str| -> Vec<String> {
            v.split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        match key {
            "arch" => {
                if !value.is_empty() && !SUPPORTED_ARCHES.contains(&value) {
                    return Err(bad(format!("{value:?} not recognized")));
                }
                c.arch = Some(value.to_string());
            }
            "container" => {
                if !["", "none", "lxd", "kvm"].contains(&value) {
                    return Err(bad(format!("invalid container type {value:?}")));
                }
                c.container = Some(value.to_string());
            }
            "cores" => c.cores = Some(parse_count(value).map_err(bad)?),
            "cpu-power" => c.cpu_power = Some(parse_count(value).map_err(bad)?),
            "mem" => c.mem = Some(parse_size(value).map_err(bad)?),
            "root-disk" => c.root_disk = Some(parse_size(value).map_err(bad)?),
            "root-disk-source" => c.root_disk_source = Some(value.to_string()),
            "tags" => c.tags = Some(list(value)),
            "instance-type" => c.instance_type = Some(value.to_string()),
            "spaces" => {
                let spaces = list(value);
                for sp in &spaces {
                    let name = sp.strip_prefix('^').unwrap_or(sp);
                    if name.is_empty()
                        || !name
                            .chars()
                            .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-')
                    {
                        return Err(bad(format!("{sp:?} is not a valid space name")));
                    }
                }
                c.spaces = Some(spaces);
            }
            "virt-type" => c.virt_type = Some(value.to_string()),
            "zones" => c.zones = Some(list(value)),
            _ => return Err(err(format!("unknown constraint {key:?}"))),
        }
    }
    Ok(c)
}

fn parse_count(v: &str) -> Result<u64, String> {
    v.parse::<u64>()
        .map_err(|_| format!("must be a non-negative integer, got {v:?}"))
}

/// A size in MiB: `512`, `512M`, `2G`, `1.5T`, `1P` (rounded up).
fn parse_size(v: &str) -> Result<u64, String> {
    let (num, mult) = match v.chars().last() {
        Some('M') => (&v[..v.len() - 1], 1.0),
        Some('G') => (&v[..v.len() - 1], 1024.0),
        Some('T') => (&v[..v.len() - 1], 1024.0 * 1024.0),
        Some('P') => (&v[..v.len() - 1], 1024.0 * 1024.0 * 1024.0),
        _ => (v, 1.0),
    };
    let n: f64 = num.parse().map_err(|_| {
        format!("must be a non-negative float with optional M/G/T/P suffix, got {v:?}")
    })?;
    if !n.is_finite() || n < 0.0 {
        return Err(format!(
            "must be a non-negative float with optional M/G/T/P suffix, got {v:?}"
        ));
    }
    Ok((n * mult).ceil() as u64)
}

/// `Value.String()`: Juju's canonical form (`arch=amd64 mem=2048M …`).
pub struct Display<'a>(pub &'a Constraints);

impl fmt::Display for Display<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.0;
        let mut parts: Vec<String> = Vec::new();
        let mut push = |k: &str, v: Option<String>| {
            if let Some(v) = v {
                parts.push(format!("{k}={v}"));
            }
        };
        push("arch", c.arch.clone());
        push("container", c.container.clone());
        push("cores", c.cores.map(|v| v.to_string()));
        push("cpu-power", c.cpu_power.map(|v| v.to_string()));
        push("instance-type", c.instance_type.clone());
        push("mem", c.mem.map(|v| format!("{v}M")));
        push("root-disk", c.root_disk.map(|v| format!("{v}M")));
        push("root-disk-source", c.root_disk_source.clone());
        push("spaces", c.spaces.as_ref().map(|v| v.join(",")));
        push("tags", c.tags.as_ref().map(|v| v.join(",")));
        push("virt-type", c.virt_type.clone());
        push("zones", c.zones.as_ref().map(|v| v.join(",")));
        write!(f, "{}", parts.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dummy_rules() -> ConstraintsRules {
        rules(
            &[(&["instance-type"], &["mem"])],
            &["cpu-power", "virt-type"],
            &[("arch", &["amd64", "arm64", "i386", "ppc64el"])],
        )
    }

    #[test]
    fn parse_and_print_round_trip() {
        let c = parse("mem=2G cores=2 arch=amd64 zones=z1,z2 root-disk=1.5G").unwrap();
        assert_eq!(c.mem, Some(2048));
        assert_eq!(c.root_disk, Some(1536));
        assert_eq!(c.zones, Some(vec!["z1".into(), "z2".into()]));
        let printed = Display(&c).to_string();
        assert_eq!(
            printed,
            "arch=amd64 cores=2 mem=2048M root-disk=1536M zones=z1,z2"
        );
        assert_eq!(parse(&printed).unwrap(), c);
    }

    #[test]
    fn parse_rejects_bad_input() {
        // Each case: input, a fragment of the expected error.
        for (input, want) in [
            ("mem=2G mem=3G", "already set"),
            ("cores=-1", "non-negative integer"),
            ("arch=sparc", "not recognized"),
            ("colour=blue", "unknown constraint"),
            ("mem", "malformed"),
            ("mem=lots", "non-negative float"),
        ] {
            let e = parse(input).unwrap_err().to_string();
            assert!(e.contains(want), "{input}: {e}");
        }
        assert!(is_empty(&parse("").unwrap()));
    }

    #[test]
    fn validate_reports_unsupported_and_rejects_conflicts_and_vocabulary() {
        let v = ConstraintsValidator::from_rules(&dummy_rules());
        let unsupported = v.validate(&parse("cpu-power=100 mem=1G").unwrap()).unwrap();
        assert_eq!(unsupported, vec!["cpu-power".to_string()]);
        let e = v
            .validate(&parse("instance-type=big mem=1G").unwrap())
            .unwrap_err();
        assert!(e.0.starts_with("ambiguous constraints:"), "{e}");
        let e = v.validate(&parse("arch=s390x").unwrap()).unwrap_err();
        assert!(e.0.contains("invalid constraint value: arch=s390x"), "{e}");
    }

    #[test]
    fn merge_overrides_and_drops_conflicting_fallbacks() {
        let v = ConstraintsValidator::from_rules(&dummy_rules());
        let fallback = parse("mem=4G cores=2 arch=amd64").unwrap();
        let merged = v
            .merge(&fallback, &parse("instance-type=big arch=arm64").unwrap())
            .unwrap();
        assert_eq!(merged.mem, None, "mem conflicts with instance-type");
        assert_eq!(merged.cores, Some(2));
        assert_eq!(merged.arch.as_deref(), Some("arm64"));
        assert_eq!(merged.instance_type.as_deref(), Some("big"));
    }
}
