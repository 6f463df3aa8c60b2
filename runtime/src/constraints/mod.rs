//! Constraints on the host: Juju's `core/constraints` package — parsing and
//! printing `constraints.Value`, `Merge`, and the `constraints.Validator`
//! that Juju asks every provider for.
//!
//! A provider only *describes* its validator (`environ.constraints-validator`
//! returns [`ConstraintsRules`]); the host implements `Validate` and `Merge`
//! once, here, with Juju's semantics and messages, so every provider in
//! every language gets them right.
//!
//! ```
//! use strato_runtime::constraints::{self, ConstraintsValidator};
//!
//! let cons = constraints::parse("mem=1.5G cores=2 spaces=db,^dmz").unwrap();
//! assert_eq!(cons.mem, Some(1536));
//! assert_eq!(cons.to_string(), "cores=2 mem=1536M spaces=db,^dmz");
//! assert_eq!(cons.exclude_spaces(), ["dmz"]);
//!
//! let err = constraints::parse("mem=1G mem=2G").unwrap_err();
//! assert_eq!(err.to_string(), r#"bad "mem" constraint: already set"#);
//!
//! let rules = constraints::rules(&[(&["instance-type"], &["mem"])], &["cpu-power"], &[]);
//! let v = ConstraintsValidator::from_rules(&rules);
//! let merged = v.merge(&constraints::parse("mem=4G cores=2").unwrap(),
//!                      &constraints::parse("instance-type=m1.large").unwrap()).unwrap();
//! assert_eq!(merged.to_string(), "cores=2 instance-type=m1.large");
//! ```

mod parse;
mod validator;

use std::collections::BTreeMap;
use std::fmt;

use crate::types::{ConstraintConflict, ConstraintVocabulary, Constraints, ConstraintsRules};

pub use parse::{merge, parse, parse_args, parse_with_aliases};
pub use validator::ConstraintsValidator;

/// Every constraint attribute, in the order of Juju's constants.
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

/// The architectures Juju 2.8 recognises (`arch.AllSupportedArches`).
pub const SUPPORTED_ARCHES: [&str; 6] = ["amd64", "i386", "armhf", "arm64", "ppc64el", "s390x"];

/// The container types a `container` constraint may name besides `none`
/// (`instance.ContainerTypes`).
pub const CONTAINER_TYPES: [&str; 2] = ["lxd", "kvm"];

/// A constraint that is wrong: malformed, unknown attribute, bad value,
/// conflict, or a value outside the provider's vocabulary. The message is
/// Juju's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConstraintsError(pub String);

pub(crate) fn err(msg: impl Into<String>) -> ConstraintsError {
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

/// `constraints.IsEmpty`: no attribute is set. An attribute set to an
/// empty value (`tags=`, `mem=`) counts as set.
pub fn is_empty(c: &Constraints) -> bool {
    attribute_values(c).is_empty()
}

/// Juju's `Value.Has*` helpers and the space lists.
impl Constraints {
    /// `HasArch`: set and not empty.
    pub fn has_arch(&self) -> bool {
        self.arch.as_deref().is_some_and(|a| !a.is_empty())
    }
    /// `HasContainer`: set, not empty and not `none`.
    pub fn has_container(&self) -> bool {
        self.container
            .as_deref()
            .is_some_and(|c| !c.is_empty() && c != "none")
    }
    /// `HasCpuCores`: set and above zero.
    pub fn has_cpu_cores(&self) -> bool {
        self.cores.is_some_and(|v| v > 0)
    }
    /// `HasCpuPower`: set and above zero.
    pub fn has_cpu_power(&self) -> bool {
        self.cpu_power.is_some_and(|v| v > 0)
    }
    /// `HasMem`: set and above zero.
    pub fn has_mem(&self) -> bool {
        self.mem.is_some_and(|v| v > 0)
    }
    /// `HasRootDisk`: set and above zero.
    pub fn has_root_disk(&self) -> bool {
        self.root_disk.is_some_and(|v| v > 0)
    }
    /// `HasRootDiskSource`: set and not empty.
    pub fn has_root_disk_source(&self) -> bool {
        self.root_disk_source
            .as_deref()
            .is_some_and(|s| !s.is_empty())
    }
    /// `HasInstanceType`: set and not empty.
    pub fn has_instance_type(&self) -> bool {
        self.instance_type.as_deref().is_some_and(|s| !s.is_empty())
    }
    /// `HasVirtType`: set and not empty.
    pub fn has_virt_type(&self) -> bool {
        self.virt_type.as_deref().is_some_and(|s| !s.is_empty())
    }
    /// `HasSpaces`: set and not an empty list.
    pub fn has_spaces(&self) -> bool {
        self.spaces.as_ref().is_some_and(|s| !s.is_empty())
    }
    /// `HasZones`: set and not an empty list.
    pub fn has_zones(&self) -> bool {
        self.zones.as_ref().is_some_and(|z| !z.is_empty())
    }
    /// `IncludeSpaces`: the spaces without a `^` prefix, in order.
    pub fn include_spaces(&self) -> Vec<String> {
        self.spaces_where(false)
    }
    /// `ExcludeSpaces`: the spaces with a `^` prefix, prefix removed.
    pub fn exclude_spaces(&self) -> Vec<String> {
        self.spaces_where(true)
    }
    fn spaces_where(&self, excluded: bool) -> Vec<String> {
        let spaces = self.spaces.as_deref().unwrap_or_default();
        spaces
            .iter()
            .filter_map(|s| match s.strip_prefix('^') {
                Some(name) if excluded => Some(name.to_string()),
                None if !excluded => Some(s.clone()),
                _ => None,
            })
            .collect()
    }
}

/// A set attribute's value, as Juju compares it against a vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AttrValue {
    One(String),
    Many(Vec<String>),
}

/// `cpu-cores` is an alias of `cores` (`resolveAlias`).
pub(crate) fn resolve_alias(attr: &str) -> &str {
    if attr == "cpu-cores" { "cores" } else { attr }
}

/// The attributes that are set, with their values (`attributesWithValues`).
pub(crate) fn attribute_values(c: &Constraints) -> BTreeMap<&'static str, AttrValue> {
    let mut m = BTreeMap::new();
    let scalars = [
        ("arch", c.arch.clone()),
        ("container", c.container.clone()),
        ("cores", c.cores.map(|v| v.to_string())),
        ("cpu-power", c.cpu_power.map(|v| v.to_string())),
        ("mem", c.mem.map(|v| v.to_string())),
        ("root-disk", c.root_disk.map(|v| v.to_string())),
        ("root-disk-source", c.root_disk_source.clone()),
        ("instance-type", c.instance_type.clone()),
        ("virt-type", c.virt_type.clone()),
    ];
    for (k, v) in scalars {
        if let Some(v) = v {
            m.insert(k, AttrValue::One(v));
        }
    }
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

/// `constraints.HasAny`: those of `attrs` (aliases allowed) that are set
/// in `c`, in the order given.
pub fn has_any(c: &Constraints, attrs: &[impl AsRef<str>]) -> Vec<String> {
    let set = attribute_values(c);
    attrs
        .iter()
        .filter(|a| set.contains_key(resolve_alias(a.as_ref())))
        .map(|a| a.as_ref().to_string())
        .collect()
}

/// `constraints.Without`: a copy of `c` with `attrs` (aliases allowed)
/// unset. Unknown names are ignored.
pub fn without(c: &Constraints, attrs: &[impl AsRef<str>]) -> Constraints {
    let mut out = c.clone();
    for a in attrs {
        match resolve_alias(a.as_ref()) {
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

/// `withFallbacks`: every attribute set in `over` replaces the one in `base`.
pub(crate) fn override_with(base: &Constraints, over: &Constraints) -> Constraints {
    fn pick<T: Clone>(over: &Option<T>, base: &Option<T>) -> Option<T> {
        over.clone().or_else(|| base.clone())
    }
    Constraints {
        arch: pick(&over.arch, &base.arch),
        container: pick(&over.container, &base.container),
        cores: over.cores.or(base.cores),
        cpu_power: over.cpu_power.or(base.cpu_power),
        mem: over.mem.or(base.mem),
        root_disk: over.root_disk.or(base.root_disk),
        root_disk_source: pick(&over.root_disk_source, &base.root_disk_source),
        tags: pick(&over.tags, &base.tags),
        instance_type: pick(&over.instance_type, &base.instance_type),
        spaces: pick(&over.spaces, &base.spaces),
        virt_type: pick(&over.virt_type, &base.virt_type),
        zones: pick(&over.zones, &base.zones),
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

/// The rules as a provider would describe them (handy in tests and SDKs):
/// `(reds, blues)` conflicts, unsupported attributes, `(attribute, values)`
/// vocabularies.
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

// ----------------------------------------------------------------- printing

/// `Value.String()`: Juju's canonical form (`arch=amd64 cores=2 mem=2048M`),
/// the language constraints are written in. Sizes print in MiB with an `M`;
/// a zero count or size prints empty (`mem=`), as Juju does; spaces inside
/// values are escaped (`zones=zone\ 1`). [`parse`] reads it back unchanged.
impl fmt::Display for Constraints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = |v: u64| if v == 0 { String::new() } else { v.to_string() };
        let size = |v: u64| {
            if v == 0 {
                String::new()
            } else {
                format!("{v}M")
            }
        };
        let list = |v: &Vec<String>| v.join(",");
        let parts = [
            ("arch", self.arch.clone()),
            ("container", self.container.clone()),
            ("cores", self.cores.map(count)),
            ("cpu-power", self.cpu_power.map(count)),
            ("instance-type", self.instance_type.clone()),
            ("mem", self.mem.map(size)),
            ("root-disk", self.root_disk.map(size)),
            ("root-disk-source", self.root_disk_source.clone()),
            ("tags", self.tags.as_ref().map(list)),
            ("spaces", self.spaces.as_ref().map(list)),
            ("virt-type", self.virt_type.clone()),
            ("zones", self.zones.as_ref().map(list)),
        ];
        let mut first = true;
        for (k, v) in parts {
            let Some(v) = v else { continue };
            if !first {
                f.write_str(" ")?;
            }
            first = false;
            write!(f, "{k}={}", v.replace(' ', "\\ "))?;
        }
        Ok(())
    }
}

/// `Value.String()` as a wrapper, for `format!("{}", Display(&cons))`;
/// the same as `cons.to_string()`.
pub struct Display<'a>(pub &'a Constraints);

impl fmt::Display for Display<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.0, f)
    }
}

/// Go's `%q` (`strconv.Quote`): double quotes, `\"` and `\\`, the C
/// escapes, `\xNN` for other control bytes, printable Unicode as is. Juju's
/// error messages quote with it.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => {
                let n = c as u32;
                if n <= 0xffff {
                    out.push_str(&format!("\\u{n:04x}"));
                } else {
                    out.push_str(&format!("\\U{n:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    // Juju's TestIncludeExcludeAndHasSpaces and the Has* helpers.
    #[test]
    fn helpers() {
        let c = parse("spaces=space1,^space2,space3,^space4").unwrap();
        assert_eq!(c.include_spaces(), ["space1", "space3"]);
        assert_eq!(c.exclude_spaces(), ["space2", "space4"]);
        assert!(c.has_spaces());
        assert!(!parse("mem=4G").unwrap().has_spaces());
        assert!(!parse("zones=").unwrap().has_zones());
        assert!(parse("zones=az1,az2,az3").unwrap().has_zones());
        for (text, has) in [
            ("", false),
            ("container=lxd", true),
            ("container=none", false),
        ] {
            assert_eq!(parse(text).unwrap().has_container(), has, "{text}");
        }
        assert!(
            parse("root-disk-source=pilgrim")
                .unwrap()
                .has_root_disk_source()
        );
        assert!(!parse("root-disk-source=").unwrap().has_root_disk_source());
        assert!(parse("root-disk=32G").unwrap().has_root_disk());
        assert!(!parse("root-disk=").unwrap().has_root_disk());
        assert!(!parse("arch=amd64").unwrap().has_instance_type());
        assert!(
            parse("arch=amd64 instance-type=foo")
                .unwrap()
                .has_instance_type()
        );
    }

    // Juju's TestIsEmpty: an attribute set to an empty value is not empty.
    #[test]
    fn emptiness() {
        assert!(is_empty(&empty()));
        assert!(is_empty(&parse("").unwrap()));
        assert!(!is_empty(&parse("arch=amd64").unwrap()));
        for text in [
            "tags=",
            "spaces=",
            "mem=",
            "arch=",
            "root-disk=",
            "cpu-power=",
            "cores=",
            "container=",
            "instance-type=",
            "zones=",
        ] {
            assert!(!is_empty(&parse(text).unwrap()), "{text}");
        }
    }

    // Juju's hasAnyTests and withoutTests.
    #[test]
    fn has_any_and_without() {
        let c =
            parse("root-disk=8G mem=4G arch=amd64 cpu-power=1000 spaces=space1,^space2 cores=4")
                .unwrap();
        assert_eq!(
            has_any(&c, &["root-disk", "tags", "mem", "spaces"]),
            ["root-disk", "mem", "spaces"]
        );
        assert!(has_any(&c, &["tags"]).is_empty());
        assert_eq!(has_any(&c, &["cpu-cores"]), ["cpu-cores"]);
        let initial = parse(
            "root-disk=8G mem=4G arch=amd64 cpu-power=1000 cores=4 spaces=space1,^space2 \
             tags=foo container=lxd instance-type=bar zones=az1,az2",
        )
        .unwrap();
        for (drop, left) in [
            (
                &["root-disk"][..],
                "mem=4G arch=amd64 cpu-power=1000 cores=4 tags=foo spaces=space1,^space2 container=lxd instance-type=bar zones=az1,az2",
            ),
            (
                &["mem"],
                "root-disk=8G arch=amd64 cpu-power=1000 cores=4 tags=foo spaces=space1,^space2 container=lxd instance-type=bar zones=az1,az2",
            ),
            (
                &["root-disk", "mem", "arch"],
                "cpu-power=1000 cores=4 tags=foo spaces=space1,^space2 container=lxd instance-type=bar zones=az1,az2",
            ),
            (
                &["zones"],
                "root-disk=8G mem=4G arch=amd64 cpu-power=1000 cores=4 spaces=space1,^space2 tags=foo container=lxd instance-type=bar",
            ),
        ] {
            assert_eq!(without(&initial, drop), parse(left).unwrap(), "{drop:?}");
        }
    }

    #[test]
    fn quoting_follows_go() {
        assert_eq!(go_quote("cheese"), r#""cheese""#);
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote("\t\u{0}é"), r#""\t\x00é""#);
    }
}
