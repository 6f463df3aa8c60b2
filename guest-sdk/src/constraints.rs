//! Small helpers for [`Constraints`] (Juju's `constraints.Value`) and for
//! describing a provider's validator as [`ConstraintsRules`].
//!
//! ```
//! use strato_guest::types::{Constraints, ConstraintsRules};
//!
//! let cons = Constraints::parse("arch=arm64 mem=2G cores=2 zones=zone1,zone3").unwrap();
//! assert_eq!(cons.mem, Some(2048));
//! assert_eq!(cons.set_attributes(), ["arch", "cores", "mem", "zones"]);
//!
//! let rules = ConstraintsRules::default()
//!     .unsupported(["cpu-power", "virt-type"])
//!     .conflict(["instance-type"], ["mem"])
//!     .vocabulary("arch", ["amd64", "arm64"]);
//! assert_eq!(rules.unsupported.len(), 2);
//! ```

use crate::types::{
    ConstraintConflict, ConstraintVocabulary, Constraints, ConstraintsRules, InstanceType,
};
use crate::{Error, Result};

impl Constraints {
    /// Parses Juju's constraint syntax: space-separated `key=value` pairs;
    /// sizes take an optional `M`, `G`, `T` or `P` suffix (MiB by default);
    /// lists are comma-separated. An empty value leaves the attribute unset.
    pub fn parse(text: &str) -> Result<Constraints> {
        let mut cons = Constraints::default();
        for item in text.split_whitespace() {
            let (key, value) = item
                .split_once('=')
                .ok_or_else(|| Error::not_valid(format!("malformed constraint {item:?}")))?;
            if value.is_empty() {
                continue;
            }
            let list = || Some(value.split(',').map(str::to_string).collect::<Vec<_>>());
            match key {
                "arch" => cons.arch = Some(value.to_string()),
                "container" => cons.container = Some(value.to_string()),
                "cores" | "cpu-cores" => cons.cores = Some(count(key, value)?),
                "cpu-power" => cons.cpu_power = Some(count(key, value)?),
                "mem" => cons.mem = Some(size(key, value)?),
                "root-disk" => cons.root_disk = Some(size(key, value)?),
                "root-disk-source" => cons.root_disk_source = Some(value.to_string()),
                "tags" => cons.tags = list(),
                "instance-type" => cons.instance_type = Some(value.to_string()),
                "spaces" => cons.spaces = list(),
                "virt-type" => cons.virt_type = Some(value.to_string()),
                "zones" => cons.zones = list(),
                _ => return Err(Error::not_valid(format!("unknown constraint {key:?}"))),
            }
        }
        Ok(cons)
    }

    /// True when no attribute is set.
    pub fn is_empty(&self) -> bool {
        self.set_attributes().is_empty()
    }

    /// The names of the attributes that are set, in alphabetical order (the
    /// names `ConstraintsRules` uses).
    pub fn set_attributes(&self) -> Vec<&'static str> {
        let flags = [
            ("arch", self.arch.is_some()),
            ("container", self.container.is_some()),
            ("cores", self.cores.is_some()),
            ("cpu-power", self.cpu_power.is_some()),
            ("instance-type", self.instance_type.is_some()),
            ("mem", self.mem.is_some()),
            ("root-disk", self.root_disk.is_some()),
            ("root-disk-source", self.root_disk_source.is_some()),
            ("spaces", self.spaces.is_some()),
            ("tags", self.tags.is_some()),
            ("virt-type", self.virt_type.is_some()),
            ("zones", self.zones.is_some()),
        ];
        flags
            .into_iter()
            .filter(|(_, set)| *set)
            .map(|(name, _)| name)
            .collect()
    }

    /// True when `itype` satisfies the constraints: matching name and
    /// architecture, and at least the requested cores, power, memory and
    /// root disk.
    pub fn matches(&self, itype: &InstanceType) -> bool {
        let at_least = |want: Option<u64>, have: u64| want.is_none_or(|w| have >= w);
        self.instance_type.as_ref().is_none_or(|n| *n == itype.name)
            && self.arch.as_ref().is_none_or(|a| itype.arches.contains(a))
            && at_least(self.cores, itype.cpu_cores)
            && at_least(self.mem, itype.mem)
            && (itype.root_disk == 0 || at_least(self.root_disk, itype.root_disk))
            && self
                .cpu_power
                .is_none_or(|w| itype.cpu_power.is_some_and(|h| h >= w))
            && self
                .virt_type
                .as_ref()
                .is_none_or(|v| itype.virt_type.as_ref() == Some(v))
    }
}

fn count(key: &str, value: &str) -> Result<u64> {
    value
        .parse()
        .map_err(|_| Error::not_valid(format!("bad {key} constraint {value:?}")))
}

fn size(key: &str, value: &str) -> Result<u64> {
    let (digits, factor) = match value.char_indices().last() {
        Some((at, 'M')) => (&value[..at], 1),
        Some((at, 'G')) => (&value[..at], 1024),
        Some((at, 'T')) => (&value[..at], 1024 * 1024),
        Some((at, 'P')) => (&value[..at], 1024 * 1024 * 1024),
        _ => (value, 1),
    };
    let number: f64 = digits
        .parse()
        .map_err(|_| Error::not_valid(format!("bad {key} constraint {value:?}")))?;
    if !number.is_finite() || number < 0.0 {
        return Err(Error::not_valid(format!("bad {key} constraint {value:?}")));
    }
    Ok((number * factor as f64).ceil() as u64)
}

impl ConstraintsRules {
    /// Adds attributes the cloud does not support (the host warns and drops them).
    #[must_use]
    pub fn unsupported<const N: usize>(mut self, attributes: [&str; N]) -> Self {
        self.unsupported
            .extend(attributes.iter().map(|a| a.to_string()));
        self
    }

    /// Adds a conflict: no attribute of `reds` may be combined with one of `blues`.
    #[must_use]
    pub fn conflict<const R: usize, const B: usize>(
        mut self,
        reds: [&str; R],
        blues: [&str; B],
    ) -> Self {
        self.conflicts.push(ConstraintConflict {
            reds: reds.iter().map(|a| a.to_string()).collect(),
            blues: blues.iter().map(|a| a.to_string()).collect(),
        });
        self
    }

    /// Restricts `attribute` to `values`.
    #[must_use]
    pub fn vocabulary<const N: usize>(mut self, attribute: &str, values: [&str; N]) -> Self {
        self.vocabularies.push(ConstraintVocabulary {
            attribute: attribute.to_string(),
            values: values.iter().map(|v| v.to_string()).collect(),
        });
        self
    }
}
