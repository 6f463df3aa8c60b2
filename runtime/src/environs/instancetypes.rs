//! `environs/instances`: choosing instance types for constraints, once, on
//! the host. Guests reach the same function through the
//! `juju:environs/instance-types` host import.
//!
//! [`matching_instance_types`] is Juju's `instances.MatchingInstanceTypes`:
//!
//! - a type matches when it has one of the wanted architectures (the
//!   result keeps only those), is not deprecated (unless asked for by
//!   name), has the name given by `instance-type`, and at least the
//!   `cores`, `cpu-power` (when the type's is known), `mem` and
//!   `root-disk` (when the type's is known) asked for, every wanted tag,
//!   and the `virt-type` asked for;
//! - without `mem` and `instance-type` constraints, types with at least
//!   1024 MiB are tried first ([`MIN_MEMORY_HEURISTIC`]); when none
//!   matches, the single largest-memory match (the cheapest on a tie);
//! - results are ordered by cost, then memory, CPU power, cores, root disk;
//! - none: `no instance types in <region> matching constraints "<cons>"`.
//!
//! ```
//! use strato_runtime::constraints;
//! use strato_runtime::environs::instancetypes::matching_instance_types;
//! use strato_runtime::types::InstanceType;
//!
//! let t = |name: &str, mem, cost| InstanceType {
//!     id: name.into(), name: name.into(), arches: vec!["amd64".into()],
//!     cpu_cores: 1, mem, cost, root_disk: 0, virt_type: None, cpu_power: None,
//!     tags: vec![], deprecated: false,
//! };
//! let all = [t("big", 8192, 40), t("small", 2048, 10), t("tiny", 512, 5)];
//! let got = matching_instance_types(&all, "r1", &constraints::empty()).unwrap();
//! let names: Vec<_> = got.iter().map(|t| t.name.as_str()).collect();
//! assert_eq!(names, ["small", "big"]); // `tiny` has less than 1 GiB
//!
//! let e = matching_instance_types(&all, "r1", &constraints::parse("cores=8").unwrap());
//! assert_eq!(e.unwrap_err().to_string(), r#"no instance types in r1 matching constraints "cores=8""#);
//! ```

use std::cmp::Ordering;

use crate::constraints::go_quote;
use crate::types::{Constraints, InstanceType};

/// The memory (MiB) preferred when no `mem` constraint is given: enough to
/// run a server (`minMemoryHeuristic`).
pub const MIN_MEMORY_HEURISTIC: u64 = 1024;

/// No instance type matches the constraints. Its message is Juju's:
/// `no instance types in <region> matching constraints "<constraints>"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no instance types in {region} matching constraints {}", go_quote(.constraints))]
pub struct NoMatchingInstanceTypes {
    /// The region searched.
    pub region: String,
    /// The constraints as given (without the memory heuristic), in
    /// Juju's printed form (`cores=8 mem=2048M`).
    pub constraints: String,
}

/// `instances.MatchingInstanceTypes`: the types of `all` that satisfy
/// `cons` in `region`, cheapest first (see the [module docs](self)).
/// Each result lists only the architectures `cons` allows.
pub fn matching_instance_types(
    all: &[InstanceType],
    region: &str,
    cons: &Constraints,
) -> Result<Vec<InstanceType>, NoMatchingInstanceTypes> {
    let heuristic = !cons.has_instance_type() && cons.mem.is_none();
    let mut with_mem = cons.clone();
    if heuristic {
        with_mem.mem = Some(MIN_MEMORY_HEURISTIC);
    }
    let mut found = matching(all, &with_mem);
    if found.is_empty() && heuristic {
        // Nothing big enough: the largest-memory match, cheapest on a tie.
        found = stable_sort(matching(all, cons), &|a, b| {
            a.mem < b.mem || (a.mem == b.mem && a.cost > b.cost)
        });
        found = found.pop().into_iter().collect();
    }
    if found.is_empty() {
        return Err(NoMatchingInstanceTypes {
            region: region.to_string(),
            constraints: cons.to_string(),
        });
    }
    Ok(stable_sort(found, &by_cost))
}

/// Juju's `ByName` order: by the part of the name before the first `,`,
/// `-` or `.` (`m5` of `m5.large`), then by cost. Stable.
pub fn sort_by_name(types: &mut Vec<InstanceType>) {
    fn base(name: &str) -> &str {
        name.split([',', '-', '.'])
            .find(|f| !f.is_empty())
            .unwrap_or("")
    }
    let sorted = stable_sort(
        std::mem::take(types),
        &|a, b| match base(&a.name).cmp(base(&b.name)) {
            Ordering::Equal => a.cost < b.cost,
            o => o == Ordering::Less,
        },
    );
    *types = sorted;
}

fn matching(all: &[InstanceType], cons: &Constraints) -> Vec<InstanceType> {
    all.iter().filter_map(|t| match_type(t, cons)).collect()
}

/// `InstanceType.match`: a copy of `itype` with only the wanted arches,
/// when it satisfies `cons`.
fn match_type(itype: &InstanceType, cons: &Constraints) -> Option<InstanceType> {
    let mut t = itype.clone();
    if let Some(arch) = &cons.arch {
        t.arches.retain(|a| a == arch);
    }
    let at_least = |want: Option<u64>, have: u64| want.is_none_or(|w| have >= w);
    let ok = (!t.deprecated || cons.has_instance_type())
        && (!cons.has_instance_type() || cons.instance_type.as_deref() == Some(t.name.as_str()))
        && !t.arches.is_empty()
        && at_least(cons.cores, t.cpu_cores)
        && match (cons.cpu_power, t.cpu_power) {
            (Some(want), Some(have)) => have >= want,
            _ => true,
        }
        && at_least(cons.mem, t.mem)
        && (t.root_disk == 0 || at_least(cons.root_disk, t.root_disk))
        && cons
            .tags
            .as_ref()
            .is_none_or(|wanted| wanted.iter().all(|w| t.tags.contains(w)))
        && (!cons.has_virt_type() || t.virt_type.is_some() && t.virt_type == cons.virt_type);
    ok.then_some(t)
}

/// Juju's `byCost` order: cost, memory, CPU power (only when both are
/// known), cores, root disk.
fn by_cost(a: &InstanceType, b: &InstanceType) -> bool {
    if a.cost != b.cost {
        return a.cost < b.cost;
    }
    if a.mem != b.mem {
        return a.mem < b.mem;
    }
    if let (Some(pa), Some(pb)) = (a.cpu_power, b.cpu_power)
        && pa != pb
    {
        return pa < pb;
    }
    if a.cpu_cores != b.cpu_cores {
        return a.cpu_cores < b.cpu_cores;
    }
    a.root_disk < b.root_disk
}

/// A stable merge sort by `less`. Juju's orders are not always total (CPU
/// power compares only when both types know it), which `slice::sort_by`
/// may reject with a panic; this never panics and is O(n log n).
fn stable_sort<T>(v: Vec<T>, less: &dyn Fn(&T, &T) -> bool) -> Vec<T> {
    if v.len() < 2 {
        return v;
    }
    let mut left = v;
    let right = left.split_off(left.len() / 2);
    let (left, right) = (stable_sort(left, less), stable_sort(right, less));
    let mut out = Vec::with_capacity(left.len() + right.len());
    let (mut l, mut r) = (left.into_iter().peekable(), right.into_iter().peekable());
    while let (Some(a), Some(b)) = (l.peek(), r.peek()) {
        // Take from the right only when strictly less: stability.
        let next = if less(b, a) { r.next() } else { l.next() };
        out.extend(next);
    }
    out.extend(l);
    out.extend(r);
    out
}

#[cfg(test)]
#[path = "instancetypes_tests.rs"]
mod tests;
