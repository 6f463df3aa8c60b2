//! EC2 instance types per region with their cost, as Juju's
//! `ec2instancetypes` table: the data is `itypes/aws-on-demand.txt`
//! (embedded, parsed once), one row per type with its specs and one
//! on-demand price per region. Costs are Juju's: US dollars per 1000 hours,
//! rounded down (`$0.0116/h` → 11), reported with unit `$USD/hour` and
//! divisor 1000. Choosing among them is the host's `matching-instance-types`
//! (Juju's `MatchingInstanceTypes`), so every provider matches alike.

use std::sync::OnceLock;

use strato_guest::instance_types::matching_instance_types;
use strato_guest::types::{Constraints, InstanceType};
use strato_guest::{Error, Result};

/// The table: AWS's published on-demand Linux prices (a snapshot; see the
/// file's header for where the figures come from).
const DATA: &str = include_str!("itypes/aws-on-demand.txt");

/// The region whose table stands in for a region the data does not know
/// (Juju's `RegionInstanceTypes` does the same).
pub const FALLBACK_REGION: &str = "us-east-1";

/// One row: a type's specs and its cost per region (`None`: not offered).
struct Row {
    spec: InstanceType,
    costs: Vec<Option<u64>>,
}

struct Table {
    regions: Vec<String>,
    rows: Vec<Row>,
}

/// Parses `0.0116` (USD/hour) into USD per 1000 hours, rounded down, as
/// Juju's generator stores it; exact (no floating point).
fn cost(price: &str) -> Option<u64> {
    let (whole, frac) = price.split_once('.').unwrap_or((price, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let milli: String = frac.chars().chain("000".chars()).take(3).collect();
    Some(whole.parse::<u64>().ok()? * 1000 + milli.parse::<u64>().ok()?)
}

fn parse_row(line: &str, regions: usize) -> std::result::Result<Row, String> {
    let f: Vec<&str> = line.split_whitespace().collect();
    if f.len() != 6 + regions {
        return Err(format!("{} fields, want {}", f.len(), 6 + regions));
    }
    let num = |i: usize| f[i].parse::<u64>().map_err(|e| format!("{:?}: {e}", f[i]));
    let deprecated = match f[5] {
        "cur" => false,
        "prev" => true,
        other => return Err(format!("generation {other:?}, want cur or prev")),
    };
    let costs = f[6..]
        .iter()
        .map(|p| match *p {
            "-" => Ok(None),
            p => cost(p).map(Some).ok_or_else(|| format!("price {p:?}")),
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(Row {
        spec: InstanceType {
            id: f[0].to_string(),
            name: f[0].to_string(),
            arches: f[1].split(',').map(str::to_string).collect(),
            cpu_cores: num(2)?,
            mem: num(4)?,
            cost: 0,
            root_disk: 0,
            virt_type: Some("hvm".to_string()),
            cpu_power: Some(num(3)?),
            tags: Vec::new(),
            deprecated,
        },
        costs,
    })
}

fn parse(data: &str) -> std::result::Result<Table, String> {
    let mut regions: Option<Vec<String>> = None;
    let mut rows = Vec::new();
    for (n, line) in data.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(rest) = line.strip_prefix("regions ") {
            regions = Some(rest.split_whitespace().map(str::to_string).collect());
            continue;
        }
        let Some(r) = &regions else {
            return Err(format!("line {}: a type before the regions line", n + 1));
        };
        rows.push(parse_row(line, r.len()).map_err(|e| format!("line {}: {e}", n + 1))?);
    }
    let regions = regions.ok_or("no regions line")?;
    Ok(Table { regions, rows })
}

fn table() -> Result<&'static Table> {
    static TABLE: OnceLock<std::result::Result<Table, String>> = OnceLock::new();
    TABLE
        .get_or_init(|| parse(DATA))
        .as_ref()
        .map_err(|e| Error::other(format!("the built-in instance type table is broken: {e}")))
}

/// The instance types offered in `region`, each with that region's cost.
/// A region the table does not know gets [`FALLBACK_REGION`]'s types, as
/// Juju does (new regions usually cost about the same), with a warning.
pub fn for_region(region: &str) -> Result<Vec<InstanceType>> {
    let t = table()?;
    let col = match t.regions.iter().position(|r| r == region) {
        Some(col) => col,
        None => {
            strato_guest::warn!(
                "no instance type costs for region {region:?} (known: {}); using {FALLBACK_REGION}'s",
                t.regions.join(", ")
            );
            t.regions
                .iter()
                .position(|r| r == FALLBACK_REGION)
                .ok_or_else(|| Error::other(format!("no {FALLBACK_REGION} in the type table")))?
        }
    };
    Ok(t.rows
        .iter()
        .filter_map(|row| {
            let cost = row.costs.get(col).copied().flatten()?;
            Some(InstanceType {
                cost,
                ..row.spec.clone()
            })
        })
        .collect())
}

/// The type named `name` in `region`, if offered there.
pub fn find(region: &str, name: &str) -> Result<Option<InstanceType>> {
    Ok(for_region(region)?.into_iter().find(|t| t.name == name))
}

/// Juju's `InstanceTypes`: the region's types matching `cons`, cheapest
/// first (matched by the host).
pub fn matching(region: &str, cons: &Constraints) -> Result<Vec<InstanceType>> {
    matching_instance_types(&for_region(region)?, region, cons)
}

/// The candidates to start a machine with, cheapest first (Juju's
/// `findInstanceSpec` before images): non-controller machines default to
/// `cpu-power=100`, and only types with one of `arches` (the agent
/// binaries' architectures; all when empty) are kept, each listing only
/// those.
pub fn candidates(
    region: &str,
    cons: &Constraints,
    controller: bool,
    arches: &[String],
) -> Result<Vec<InstanceType>> {
    let mut cons = cons.clone();
    if !controller && cons.instance_type.is_none() && cons.cpu_power.is_none() {
        cons.cpu_power = Some(100);
    }
    let mut found = matching(region, &cons)?;
    if !arches.is_empty() {
        for t in &mut found {
            t.arches.retain(|a| arches.contains(a));
        }
        found.retain(|t| !t.arches.is_empty());
    }
    if found.is_empty() {
        return Err(Error::not_found(format!(
            "no instance types in {region} matching the constraints have the agent binaries' \
             architectures ({})",
            arches.join(",")
        )));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_parses_and_covers_the_regions() {
        let t = parse(DATA).expect("table");
        for r in [
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
            "eu-west-1",
            "eu-central-1",
            "ap-southeast-1",
            "ap-northeast-1",
        ] {
            assert!(t.regions.iter().any(|k| k == r), "{r}");
        }
        assert!(t.rows.len() > 80, "{}", t.rows.len());
    }

    #[test]
    fn costs_are_juju_s_per_1000_hours_rounded_down() {
        assert_eq!(cost("0.0116"), Some(11));
        assert_eq!(cost("0.096"), Some(96));
        assert_eq!(cost("1.0"), Some(1000));
        assert_eq!(cost("1"), Some(1000));
        assert_eq!(cost("x"), None);
        assert_eq!(cost(".5"), None);
        let t = find("us-east-1", "t2.micro")
            .ok()
            .flatten()
            .expect("t2.micro");
        assert_eq!(
            (t.cpu_cores, t.cpu_power, t.mem, t.cost),
            (1, Some(10), 1024, 11)
        );
        assert_eq!(t.arches, ["amd64", "i386"]);
        let m5 = |r| find(r, "m5.large").ok().flatten().map(|t| t.cost);
        assert_eq!(m5("us-east-1"), Some(96));
        assert_eq!(m5("eu-west-1"), Some(107));
        assert_eq!(m5("ap-northeast-1"), Some(124));
    }

    #[test]
    fn regions_differ_and_unknown_ones_fall_back() {
        assert!(find("us-east-1", "m3.medium").ok().flatten().is_some());
        assert!(find("us-east-2", "m3.medium").ok().flatten().is_none());
        assert!(find("ap-southeast-1", "a1.medium").ok().flatten().is_none());
        let names = |r| {
            for_region(r)
                .expect("types")
                .into_iter()
                .map(|t| (t.name, t.cost))
                .collect::<Vec<_>>()
        };
        assert_eq!(names("xx-nowhere-1"), names("us-east-1"));
        let prev = for_region("us-east-1").expect("types");
        assert!(prev.iter().any(|t| t.name == "m4.large" && t.deprecated));
        assert!(
            prev.iter()
                .any(|t| t.name == "m6g.large" && t.arches == ["arm64"])
        );
    }

    #[test]
    fn broken_data_is_an_error_naming_the_line() {
        let e = parse("regions a b\nt1.x amd64 1 1 512 cur 0.1\n").err();
        assert_eq!(e.as_deref(), Some("line 2: 7 fields, want 8"));
        let e = parse("t1.x amd64 1 1 512 cur 0.1\n").err();
        assert!(e.is_some_and(|e| e.contains("before the regions line")));
        let e = parse("regions a\nt1.x amd64 1 1 512 old 0.1\n").err();
        assert!(e.is_some_and(|e| e.contains("generation")));
    }
}
