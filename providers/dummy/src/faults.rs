//! Fault injection for tests of the host's zone-aware logic (Juju's dummy
//! has `PatchTransientErrorInjectionChannel`; ours is driven by model
//! configuration, so a test in another process can set it up).
//!
//! - `fail-zones`: entries `zone` or `zone:N`, separated by spaces or
//!   commas. Starting an instance in that zone fails with an error that is
//!   *not* zone-independent (`zone "zone3" is out of capacity`): always, or
//!   only the first `N` times.
//! - `fail-start`: `zone-independent[:N]` or `zone-specific[:N]`. Every
//!   start-instance fails (always, or the first `N` times), with the
//!   zone-independent `instance quota exceeded` or with the zone-specific
//!   error above for whatever zone was asked.
//! - `late-addresses`: an integer `N`; `instances` reports a newly started
//!   instance without addresses the first `N` times it is asked about it.
//! - `slow-start`: milliseconds `start-instance` waits before answering
//!   (for tests that cancel a call in progress).
//! - `host-bootstrap`: a boolean; `bootstrap` answers `not-implemented`, so
//!   the host starts the bootstrap machine itself through start-instance,
//!   zone by zone (`provider/common.Bootstrap` on the host).
//!
//! Counts are kept in the model's state, so they hold across calls, sandbox
//! instances and processes. `fail-start` is checked before `fail-zones`.

use std::collections::BTreeMap;

use strato_guest::{Error, Result};

/// How an injected start-instance failure looks to the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailKind {
    /// `instance quota exceeded`, zone-independent.
    ZoneIndependent,
    /// `zone "<zone>" is out of capacity`, retryable in another zone.
    ZoneSpecific,
}

/// One injected failure: what fails, and how many times (`None` = always).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The counter key in the model state (`start` or `zone:<name>`).
    pub key: String,
    /// What the failure looks like.
    pub kind: FailKind,
    /// How many times it fires; `None` = every time.
    pub times: Option<u64>,
}

/// Splits `name[:N]`.
fn name_and_count(entry: &str, attr: &str) -> Result<(String, Option<u64>)> {
    match entry.split_once(':') {
        None => Ok((entry.to_string(), None)),
        Some((name, count)) => match count.parse::<u64>() {
            Ok(n) if n > 0 && !name.is_empty() => Ok((name.to_string(), Some(n))),
            _ => Err(Error::not_valid(format!(
                "{attr}: {entry:?} is not valid: expected NAME or NAME:COUNT with COUNT > 0"
            ))),
        },
    }
}

/// Parses `fail-zones`.
pub fn parse_fail_zones(text: &str) -> Result<Vec<Fault>> {
    text.split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(|entry| {
            let (zone, times) = name_and_count(entry, "fail-zones")?;
            Ok(Fault {
                key: format!("zone:{zone}"),
                kind: FailKind::ZoneSpecific,
                times,
            })
        })
        .collect()
}

/// Parses `fail-start`; empty means no fault.
pub fn parse_fail_start(text: &str) -> Result<Option<Fault>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let (kind, times) = name_and_count(text, "fail-start")?;
    let kind = match kind.as_str() {
        "zone-independent" => FailKind::ZoneIndependent,
        "zone-specific" => FailKind::ZoneSpecific,
        other => {
            return Err(Error::not_valid(format!(
                "fail-start: {other:?} is not valid: expected zone-independent or zone-specific"
            )));
        }
    };
    Ok(Some(Fault {
        key: "start".to_string(),
        kind,
        times,
    }))
}

/// The error an injected fault produces when starting in `zone`.
pub fn fault_error(kind: FailKind, zone: &str) -> Error {
    match kind {
        FailKind::ZoneIndependent => Error::other("instance quota exceeded").zone_independent(),
        FailKind::ZoneSpecific => Error::other(format!("zone {zone:?} is out of capacity")),
    }
}

/// The fault that applies to a start in `zone`, if any, counting it in
/// `injected` (the model state's counters).
pub fn take_fault(
    fail_start: Option<&Fault>,
    fail_zones: &[Fault],
    zone: &str,
    injected: &mut BTreeMap<String, u64>,
) -> Option<Error> {
    let zone_key = format!("zone:{zone}");
    let candidates = fail_start.into_iter().chain(
        fail_zones
            .iter()
            .filter(|f| !zone.is_empty() && f.key == zone_key),
    );
    for fault in candidates {
        let used = injected.entry(fault.key.clone()).or_insert(0);
        if fault.times.is_none_or(|n| *used < n) {
            *used += 1;
            return Some(fault_error(fault.kind, zone));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    // The two knobs parse Juju-style lists and reject what they cannot use.
    #[test]
    fn parsing() {
        let zones = parse_fail_zones("zone1, zone3:2\tzone4").unwrap();
        let keys: Vec<_> = zones.iter().map(|f| (f.key.as_str(), f.times)).collect();
        assert_eq!(
            keys,
            [
                ("zone:zone1", None),
                ("zone:zone3", Some(2)),
                ("zone:zone4", None)
            ]
        );
        assert!(parse_fail_zones("").unwrap().is_empty());
        assert!(parse_fail_zones("zone1:0").is_err());
        assert!(parse_fail_zones("zone1:x").is_err());
        assert!(parse_fail_zones(":2").is_err());

        let start = parse_fail_start("zone-independent:2").unwrap().unwrap();
        assert_eq!(
            (start.kind, start.times),
            (FailKind::ZoneIndependent, Some(2))
        );
        assert_eq!(parse_fail_start(" ").unwrap(), None);
        assert!(parse_fail_start("sometimes").is_err());
    }

    // Faults fire as many times as asked, fail-start first, per zone.
    #[test]
    fn counting() {
        let start = parse_fail_start("zone-independent:1").unwrap();
        let zones = parse_fail_zones("zone1:1 zone3").unwrap();
        let mut used = BTreeMap::new();
        let mut take = |zone: &str| take_fault(start.as_ref(), &zones, zone, &mut used);

        let first = take("zone1").unwrap();
        assert_eq!(first.message, "instance quota exceeded");
        assert!(first.zone_independent);
        let second = take("zone1").unwrap();
        assert_eq!(second.message, r#"zone "zone1" is out of capacity"#);
        assert!(!second.zone_independent);
        assert!(take("zone1").is_none());
        assert!(take("zone3").is_some() && take("zone3").is_some());
        assert!(take("zone4").is_none() && take("").is_none());
    }
}
