//! The provider logic the call-overhead benchmark runs three ways: inside the
//! sandbox (the `guest-fleet` component), natively in-process behind a trait
//! object, and in a separate process (`fleet-plugin`, JSON lines over stdio).
//!
//! It is plain Rust with no WIT and no I/O so that the three variants differ
//! only in how a call reaches it. The fleet is a cloud with a synthetic
//! population: ids `i-0` … `i-{POPULATION-1}` always exist (their details
//! derive from the number), and `start` adds machines with ids `i-fleet-N`.
//! Each variant converts its own parameter types to these and back, so the
//! conversion work is comparable.

use std::collections::BTreeMap;

#[cfg(feature = "serde")]
use serde::{Deserialize, Serialize};

/// How many synthetic machines the fleet has (`i-0` … `i-99999`).
pub const POPULATION: u64 = 100_000;

/// How many started machines a model remembers: the oldest is forgotten
/// beyond this, so a benchmark's millions of starts run in constant memory.
pub const MAX_STARTED: u64 = 1024;

/// The version `version()` reports.
pub const VERSION: u32 = 3;

/// The lifecycle state of a machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub enum State {
    /// Requested, not running yet.
    Pending,
    /// Running.
    Running,
    /// Stopped.
    Stopped,
}

/// One address of a machine.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Address {
    /// The address text.
    pub value: String,
    /// Reachable from outside the cloud.
    pub public: bool,
}

/// What a machine runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Hardware {
    /// CPU architecture.
    pub arch: String,
    /// Memory in MiB.
    pub mem: u64,
    /// CPU cores.
    pub cores: u64,
    /// Root disk in MiB.
    pub root_disk: u64,
    /// Availability zone.
    pub zone: String,
}

/// A machine as the cloud reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Machine {
    /// Instance id.
    pub id: String,
    /// Lifecycle state.
    pub state: State,
    /// Addresses, private first.
    pub addresses: Vec<Address>,
    /// Hardware.
    pub hardware: Hardware,
}

/// The constraints `start` honours.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Constraints {
    /// Architecture.
    pub arch: Option<String>,
    /// Minimum memory in MiB.
    pub mem: Option<u64>,
    /// Minimum cores.
    pub cores: Option<u64>,
    /// Minimum root disk in MiB.
    pub root_disk: Option<u64>,
    /// An exact instance type.
    pub instance_type: Option<String>,
    /// Allowed zones.
    pub zones: Option<Vec<String>>,
}

/// An agent binary the machine may run.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Tool {
    /// `major.minor.patch`.
    pub version: String,
    /// Series.
    pub series: String,
    /// Architecture.
    pub arch: String,
    /// Download URL.
    pub url: String,
    /// SHA-256 of the binary.
    pub sha256: String,
}

/// What `start` needs: the parts of Juju's `StartInstanceParams` a cloud uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct StartSpec {
    /// The controller the machine belongs to.
    pub controller_uuid: String,
    /// Juju's machine id.
    pub machine_id: String,
    /// The machine nonce.
    pub nonce: String,
    /// Series.
    pub series: String,
    /// Requested zone (empty: any).
    pub zone: String,
    /// Constraints.
    pub constraints: Constraints,
    /// Tags to put on the instance.
    pub tags: Vec<(String, String)>,
    /// Candidate agent binaries.
    pub tools: Vec<Tool>,
    /// SSH keys.
    pub authorized_keys: String,
    /// Controller API addresses.
    pub api_addrs: Vec<String>,
}

/// What `start` returns.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub struct Started {
    /// A name for humans.
    pub display_name: String,
    /// The new machine.
    pub machine: Machine,
    /// The agent binary chosen.
    pub tool_url: String,
}

/// Why `start` refused.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(Serialize, Deserialize))]
pub enum FleetError {
    /// The parameters are incomplete or contradictory.
    NotValid(String),
    /// No instance type satisfies the constraints.
    NoMatch(String),
}

impl std::fmt::Display for FleetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FleetError::NotValid(m) => write!(f, "not valid: {m}"),
            FleetError::NoMatch(m) => write!(f, "no matching instance type: {m}"),
        }
    }
}

impl std::error::Error for FleetError {}

/// An instance type: name, arch, cores, MiB of memory, MiB of disk, cost.
struct InstanceType {
    name: &'static str,
    arch: &'static str,
    cores: u64,
    mem: u64,
    disk: u64,
    cost: u64,
}

const TYPES: &[InstanceType] = &[
    it("f1.small", "amd64", 1, 2048, 8192, 20),
    it("f1.medium", "amd64", 2, 4096, 16384, 40),
    it("f1.large", "amd64", 2, 8192, 32768, 80),
    it("f1.xlarge", "amd64", 4, 16384, 65536, 160),
    it("f1.2xlarge", "amd64", 8, 32768, 131072, 320),
    it("g1.medium", "arm64", 2, 4096, 16384, 32),
    it("g1.large", "arm64", 2, 8192, 32768, 64),
    it("g1.xlarge", "arm64", 4, 16384, 65536, 128),
];

const fn it(
    name: &'static str,
    arch: &'static str,
    cores: u64,
    mem: u64,
    disk: u64,
    cost: u64,
) -> InstanceType {
    InstanceType {
        name,
        arch,
        cores,
        mem,
        disk,
        cost,
    }
}

const ZONES: [&str; 3] = ["fleet-a", "fleet-b", "fleet-c"];

/// A model's view of the fleet: the synthetic population plus what it started.
#[derive(Debug, Default)]
pub struct Fleet {
    started: BTreeMap<String, Machine>,
    next: u64,
}

impl Fleet {
    /// An empty model on the fleet.
    pub fn new() -> Self {
        Fleet::default()
    }

    /// The provider's version.
    pub fn version() -> u32 {
        VERSION
    }

    /// One slot per id in request order, `None` where unknown.
    pub fn instances(&self, ids: &[String]) -> Vec<Option<Machine>> {
        ids.iter().map(|id| self.find(id)).collect()
    }

    fn find(&self, id: &str) -> Option<Machine> {
        if let Some(m) = self.started.get(id) {
            return Some(m.clone());
        }
        let n: u64 = id.strip_prefix("i-")?.parse().ok()?;
        (n < POPULATION).then(|| synthetic(n))
    }

    /// Start a machine: validate, pick the cheapest matching type and a
    /// zone, record it.
    pub fn start(&mut self, spec: &StartSpec) -> Result<Started, FleetError> {
        if spec.nonce.is_empty() {
            return Err(FleetError::NotValid("missing machine nonce".into()));
        }
        if spec.api_addrs.is_empty() {
            return Err(FleetError::NotValid("missing API addresses".into()));
        }
        let c = &spec.constraints;
        let arch = c.arch.as_deref();
        let ty = TYPES
            .iter()
            .filter(|t| c.instance_type.as_deref().is_none_or(|n| n == t.name))
            .filter(|t| arch.is_none_or(|a| a == t.arch))
            .filter(|t| c.mem.is_none_or(|m| t.mem >= m))
            .filter(|t| c.cores.is_none_or(|n| t.cores >= n))
            .filter(|t| c.root_disk.is_none_or(|d| t.disk >= d))
            .filter(|t| spec.tools.iter().any(|tool| tool.arch == t.arch))
            .min_by_key(|t| t.cost)
            .ok_or_else(|| FleetError::NoMatch(format!("{c:?}")))?;
        let tool = spec
            .tools
            .iter()
            .find(|t| t.arch == ty.arch && t.series == spec.series)
            .or_else(|| spec.tools.iter().find(|t| t.arch == ty.arch))
            .ok_or_else(|| FleetError::NotValid(format!("no agent binary for {}", ty.arch)))?;
        let zone = self.pick_zone(spec)?;
        let n = self.next;
        self.next += 1;
        let id = format!("i-fleet-{n}");
        let machine = Machine {
            id: id.clone(),
            state: State::Pending,
            addresses: addresses(POPULATION + n),
            hardware: Hardware {
                arch: ty.arch.to_string(),
                mem: ty.mem,
                cores: ty.cores,
                root_disk: ty.disk,
                zone,
            },
        };
        let display_name = spec
            .tags
            .iter()
            .find(|(k, _)| k == "juju-machine-id")
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| format!("machine-{}", spec.machine_id));
        self.started.insert(id, machine.clone());
        if n >= MAX_STARTED {
            self.started.remove(&format!("i-fleet-{}", n - MAX_STARTED));
        }
        Ok(Started {
            display_name,
            machine,
            tool_url: tool.url.clone(),
        })
    }

    fn pick_zone(&self, spec: &StartSpec) -> Result<String, FleetError> {
        let allowed = |z: &str| {
            spec.constraints
                .zones
                .as_ref()
                .is_none_or(|zs| zs.iter().any(|a| a == z))
        };
        if !spec.zone.is_empty() {
            if !ZONES.contains(&spec.zone.as_str()) || !allowed(&spec.zone) {
                return Err(FleetError::NotValid(format!("zone {:?}", spec.zone)));
            }
            return Ok(spec.zone.clone());
        }
        // Spread machines over the allowed zones.
        let candidates: Vec<&str> = ZONES.iter().copied().filter(|z| allowed(z)).collect();
        if candidates.is_empty() {
            return Err(FleetError::NotValid("no allowed zone".into()));
        }
        let i = (self.next as usize) % candidates.len();
        Ok(candidates[i].to_string())
    }
}

/// Machine `i-n` of the synthetic population.
fn synthetic(n: u64) -> Machine {
    let ty = &TYPES[(n % TYPES.len() as u64) as usize];
    Machine {
        id: format!("i-{n}"),
        state: if n.is_multiple_of(7) {
            State::Stopped
        } else {
            State::Running
        },
        addresses: addresses(n),
        hardware: Hardware {
            arch: ty.arch.to_string(),
            mem: ty.mem,
            cores: ty.cores,
            root_disk: ty.disk,
            zone: ZONES[(n % 3) as usize].to_string(),
        },
    }
}

/// A private 10/8 address and a public 203.0.113/24-style address for `n`.
fn addresses(n: u64) -> Vec<Address> {
    vec![
        Address {
            value: format!("10.{}.{}.{}", (n >> 16) & 255, (n >> 8) & 255, n & 255),
            public: false,
        },
        Address {
            value: format!("198.51.{}.{}", (n >> 8) & 255, n & 255),
            public: true,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> StartSpec {
        StartSpec {
            machine_id: "1".into(),
            nonce: "n".into(),
            series: "focal".into(),
            api_addrs: vec!["localhost:17070".into()],
            tools: vec![Tool {
                version: "2.8.0".into(),
                series: "focal".into(),
                arch: "amd64".into(),
                url: "file:///t".into(),
                sha256: String::new(),
            }],
            ..StartSpec::default()
        }
    }

    #[test]
    fn instances_keep_request_order_and_miss_unknown_ids() {
        let f = Fleet::new();
        let got = f.instances(&["i-5".into(), "nope".into(), "i-100000".into()]);
        assert_eq!(got[0].as_ref().map(|m| m.id.as_str()), Some("i-5"));
        assert!(got[1].is_none() && got[2].is_none());
    }

    #[test]
    fn start_picks_the_cheapest_match_and_is_found_after() {
        let mut f = Fleet::new();
        let mut s = spec();
        s.constraints.mem = Some(8000);
        let started = f.start(&s).expect("start");
        assert_eq!(started.machine.hardware.mem, 8192);
        assert_eq!(started.display_name, "machine-1");
        let found = f.instances(std::slice::from_ref(&started.machine.id));
        assert_eq!(found[0].as_ref(), Some(&started.machine));
    }

    #[test]
    fn start_refuses_without_nonce() {
        let mut s = spec();
        s.nonce.clear();
        assert!(matches!(
            Fleet::new().start(&s),
            Err(FleetError::NotValid(_))
        ));
    }
}
