//! `constraints.Parse`, `ParseWithAliases` and `Merge`, with Juju's rules
//! and messages.

use std::collections::BTreeMap;

use super::{CONTAINER_TYPES, ConstraintsError, SUPPORTED_ARCHES, empty, err, go_quote};
use crate::types::Constraints;

/// `constraints.Parse` of one string: space-separated `key=value` pairs.
///
/// - Sizes (`mem`, `root-disk`) are MiB, or a float with an `M`, `G`, `T`
///   or `P` suffix, rounded up to whole MiB (`1.5G` = 1536).
/// - Counts (`cores`, `cpu-power`) are non-negative integers.
/// - Lists (`tags`, `spaces`, `zones`) are comma-separated; `^name` in
///   `spaces` excludes a space; an empty value is an empty list, which
///   differs from an unset attribute.
/// - An empty value sets the attribute to empty (`mem=` is `Some(0)`).
/// - `cpu-cores` is an alias of `cores`; `\ ` is a space inside a value.
/// - A key given twice is `bad "<key>" constraint: already set`; an
///   unknown key is `unknown constraint "<key>"`; a word without `=` (or
///   with nothing before it) is `malformed constraint "<word>"`.
///
/// ```
/// let c = strato_runtime::constraints::parse(r"zones=Availability\ zone\ 1 cpu-cores=4").unwrap();
/// assert_eq!(c.zones, Some(vec!["Availability zone 1".to_string()]));
/// assert_eq!(c.cores, Some(4));
/// ```
pub fn parse(s: &str) -> Result<Constraints, ConstraintsError> {
    parse_args(&[s])
}

/// `constraints.Parse(args...)`: like [`parse`] over several strings, as
/// if they were one (a key in two of them is `already set`).
pub fn parse_args(args: &[impl AsRef<str>]) -> Result<Constraints, ConstraintsError> {
    parse_with_aliases(args).map(|(c, _)| c)
}

/// `constraints.ParseWithAliases`: [`parse_args`], plus the aliases that
/// were used, mapped to their canonical names (`cpu-cores` → `cores`).
pub fn parse_with_aliases(
    args: &[impl AsRef<str>],
) -> Result<(Constraints, BTreeMap<String, String>), ConstraintsError> {
    let mut cons = empty();
    let mut aliases = BTreeMap::new();
    for arg in args {
        // Escaped spaces survive the split on spaces as NULs.
        let arg = arg.as_ref().replace("\\ ", "\0");
        for raw in arg.trim().split(' ') {
            let raw = raw.replace('\0', " ");
            let raw = raw.trim();
            if raw.is_empty() {
                continue;
            }
            let (mut name, value) = match raw.find('=') {
                Some(eq) if eq > 0 => (&raw[..eq], &raw[eq + 1..]),
                _ => return Err(err(format!("malformed constraint {}", go_quote(raw)))),
            };
            if name == "cpu-cores" {
                aliases.insert(name.to_string(), "cores".to_string());
                name = "cores";
            }
            set_raw(&mut cons, name, value)?;
        }
    }
    Ok((cons, aliases))
}

/// `constraints.Merge(values...)`: the values printed and parsed as one, so
/// an attribute set in two of them is an error (`already set`). To let one
/// value override another, use [`ConstraintsValidator::merge`](super::ConstraintsValidator::merge).
pub fn merge(values: &[Constraints]) -> Result<Constraints, ConstraintsError> {
    let args: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    parse_args(&args)
}

/// `Value.setRaw`: one `name=value`, `name` canonical.
fn set_raw(c: &mut Constraints, name: &str, value: &str) -> Result<(), ConstraintsError> {
    let bad = |why: String| err(format!("bad {} constraint: {why}", go_quote(name)));
    let once = |set: bool| {
        if set {
            Err(bad("already set".to_string()))
        } else {
            Ok(())
        }
    };
    let text = || Some(value.to_string());
    match name {
        "arch" => {
            once(c.arch.is_some())?;
            if !value.is_empty() && !SUPPORTED_ARCHES.contains(&value) {
                return Err(bad(format!("{} not recognized", go_quote(value))));
            }
            c.arch = text();
        }
        "container" => {
            once(c.container.is_some())?;
            if !value.is_empty() && value != "none" && !CONTAINER_TYPES.contains(&value) {
                return Err(bad(format!("invalid container type {}", go_quote(value))));
            }
            c.container = text();
        }
        "cores" => {
            once(c.cores.is_some())?;
            c.cores = Some(parse_count(value).map_err(bad)?);
        }
        "cpu-power" => {
            once(c.cpu_power.is_some())?;
            c.cpu_power = Some(parse_count(value).map_err(bad)?);
        }
        "mem" => {
            once(c.mem.is_some())?;
            c.mem = Some(parse_size(value).map_err(bad)?);
        }
        "root-disk" => {
            once(c.root_disk.is_some())?;
            c.root_disk = Some(parse_size(value).map_err(bad)?);
        }
        "root-disk-source" => {
            once(c.root_disk_source.is_some())?;
            c.root_disk_source = text();
        }
        "tags" => {
            once(c.tags.is_some())?;
            c.tags = Some(parse_list(value));
        }
        "instance-type" => {
            once(c.instance_type.is_some())?;
            c.instance_type = text();
        }
        "spaces" => {
            once(c.spaces.is_some())?;
            let spaces = parse_list(value);
            for s in &spaces {
                let name = s.strip_prefix('^').unwrap_or(s);
                if !is_valid_space(name) {
                    return Err(bad(format!("{} is not a valid space name", go_quote(name))));
                }
            }
            c.spaces = Some(spaces);
        }
        "virt-type" => {
            once(c.virt_type.is_some())?;
            c.virt_type = text();
        }
        "zones" => {
            once(c.zones.is_some())?;
            c.zones = Some(parse_list(value));
        }
        _ => return Err(err(format!("unknown constraint {}", go_quote(name)))),
    }
    Ok(())
}

/// `parseUint64`: empty is 0; otherwise decimal digits only.
fn parse_count(v: &str) -> Result<u64, String> {
    if v.is_empty() {
        return Ok(0);
    }
    let invalid = || "must be a non-negative integer".to_string();
    if !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid());
    }
    v.parse::<u64>().map_err(|_| invalid())
}

/// `parseSize`: empty is 0; otherwise a non-negative float with an optional
/// `M`/`G`/`T`/`P` suffix, in MiB, rounded up. Infinite, NaN and values
/// beyond `u64` are refused (Go would convert them to an arbitrary number).
fn parse_size(v: &str) -> Result<u64, String> {
    if v.is_empty() {
        return Ok(0);
    }
    let invalid = || "must be a non-negative float with optional M/G/T/P suffix".to_string();
    let (num, mult) = match v.as_bytes().last() {
        Some(b'M') => (&v[..v.len() - 1], 1.0),
        Some(b'G') => (&v[..v.len() - 1], 1024.0),
        Some(b'T') => (&v[..v.len() - 1], 1024.0 * 1024.0),
        Some(b'P') => (&v[..v.len() - 1], 1024.0 * 1024.0 * 1024.0),
        _ => (v, 1.0),
    };
    let n: f64 = num.parse().map_err(|_| invalid())?;
    let mib = (n * mult).ceil();
    if !mib.is_finite() || n < 0.0 || mib >= u64::MAX as f64 {
        return Err(invalid());
    }
    Ok(mib as u64)
}

/// `parseCommaDelimited`: empty is an empty list; items are kept as they
/// are, empty ones included.
fn parse_list(v: &str) -> Vec<String> {
    if v.is_empty() {
        return Vec::new();
    }
    v.split(',').map(str::to_string).collect()
}

/// `names.IsValidSpace`: `^[a-z0-9]+(-[a-z0-9]+)*$`.
pub(crate) fn is_valid_space(name: &str) -> bool {
    !name.is_empty()
        && name.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    // Juju's parseConstraintsTests (2.8 attributes): each input either
    // parses, and reads back unchanged from its printed form, or fails
    // with exactly Juju's message.
    #[test]
    fn parse_table() {
        let cases: &[(&[&str], Option<&str>)] = &[
            (&[], None),
            (&["     "], None),
            (&["cheese"], Some(r#"malformed constraint "cheese""#)),
            (&["=cheese"], Some(r#"malformed constraint "=cheese""#)),
            (&["cheese=edam"], Some(r#"unknown constraint "cheese""#)),
            (&["container="], None),
            (&["container=none"], None),
            (&["container=lxd"], None),
            (
                &["container=foo"],
                Some(r#"bad "container" constraint: invalid container type "foo""#),
            ),
            (
                &["container=lxd container=lxd"],
                Some(r#"bad "container" constraint: already set"#),
            ),
            (
                &["container=lxd", "container="],
                Some(r#"bad "container" constraint: already set"#),
            ),
            (&["arch="], None),
            (&["arch=amd64"], None),
            (&["arch=arm64"], None),
            (
                &["arch=cheese"],
                Some(r#"bad "arch" constraint: "cheese" not recognized"#),
            ),
            (
                &["arch=123.45"],
                Some(r#"bad "arch" constraint: "123.45" not recognized"#),
            ),
            (
                &["arch=amd64 arch=amd64"],
                Some(r#"bad "arch" constraint: already set"#),
            ),
            (
                &["arch=arm64", "arch="],
                Some(r#"bad "arch" constraint: already set"#),
            ),
            (&["cores="], None),
            (&["cores=0"], None),
            (&["cores=4"], None),
            (
                &["cores=cheese"],
                Some(r#"bad "cores" constraint: must be a non-negative integer"#),
            ),
            (
                &["cores=-1"],
                Some(r#"bad "cores" constraint: must be a non-negative integer"#),
            ),
            (
                &["cores=123.45"],
                Some(r#"bad "cores" constraint: must be a non-negative integer"#),
            ),
            (
                &["cores=+4"],
                Some(r#"bad "cores" constraint: must be a non-negative integer"#),
            ),
            (
                &["cores=128 cores=1"],
                Some(r#"bad "cores" constraint: already set"#),
            ),
            (
                &["cores=128", "cores=1"],
                Some(r#"bad "cores" constraint: already set"#),
            ),
            (&["cpu-cores=4"], None),
            (
                &["cpu-cores=4 cores=2"],
                Some(r#"bad "cores" constraint: already set"#),
            ),
            (&["cpu-power="], None),
            (&["cpu-power=0"], None),
            (&["cpu-power=44"], None),
            (
                &["cpu-power=cheese"],
                Some(r#"bad "cpu-power" constraint: must be a non-negative integer"#),
            ),
            (
                &["cpu-power=-1"],
                Some(r#"bad "cpu-power" constraint: must be a non-negative integer"#),
            ),
            (
                &["  cpu-power=300 cpu-power=1700 "],
                Some(r#"bad "cpu-power" constraint: already set"#),
            ),
            (
                &["cpu-power=300  ", "  cpu-power=1700"],
                Some(r#"bad "cpu-power" constraint: already set"#),
            ),
            (&["mem="], None),
            (&["mem=0"], None),
            (&["mem=512"], None),
            (&["mem=512M"], None),
            (&["mem=1.5G"], None),
            (&["mem=36.2T"], None),
            (&["mem=18.9P"], None),
            (
                &["mem=cheese"],
                Some(
                    r#"bad "mem" constraint: must be a non-negative float with optional M/G/T/P suffix"#,
                ),
            ),
            (
                &["mem=-1"],
                Some(
                    r#"bad "mem" constraint: must be a non-negative float with optional M/G/T/P suffix"#,
                ),
            ),
            (
                &["mem=32Y"],
                Some(
                    r#"bad "mem" constraint: must be a non-negative float with optional M/G/T/P suffix"#,
                ),
            ),
            (
                &["mem=inf"],
                Some(
                    r#"bad "mem" constraint: must be a non-negative float with optional M/G/T/P suffix"#,
                ),
            ),
            (
                &["mem=1G  mem=2G"],
                Some(r#"bad "mem" constraint: already set"#),
            ),
            (
                &["mem=1G", "mem=2G"],
                Some(r#"bad "mem" constraint: already set"#),
            ),
            (&["root-disk="], None),
            (&["root-disk=0"], None),
            (&["root-disk=512"], None),
            (&["root-disk=1.5G"], None),
            (&["root-disk=36.2T"], None),
            (&["root-disk=18.9P"], None),
            (
                &["root-disk=cheese"],
                Some(
                    r#"bad "root-disk" constraint: must be a non-negative float with optional M/G/T/P suffix"#,
                ),
            ),
            (
                &["root-disk=-1"],
                Some(
                    r#"bad "root-disk" constraint: must be a non-negative float with optional M/G/T/P suffix"#,
                ),
            ),
            (
                &["root-disk=1G  root-disk=2G"],
                Some(r#"bad "root-disk" constraint: already set"#),
            ),
            (&["root-disk-source="], None),
            (&["root-disk-source=sourcename"], None),
            (
                &["root-disk-source=a root-disk-source=b"],
                Some(r#"bad "root-disk-source" constraint: already set"#),
            ),
            (&["tags=foo"], None),
            (&["tags=foo,bar"], None),
            (&["tags="], None),
            (&["spaces=space1"], None),
            (&["spaces=space1,space2"], None),
            (&["spaces=^dmz,^public"], None),
            (&["spaces=admin,^area52,dmz,^public"], None),
            (&["spaces="], None),
            (&["instance-type=foo"], None),
            (&["instance-type="], None),
            (&[r"instance-type=something\ with\ spaces"], None),
            (&["virt-type="], None),
            (&["virt-type=kvm"], None),
            (
                &["virt-type=kvm virt-type=kvm"],
                Some(r#"bad "virt-type" constraint: already set"#),
            ),
            (
                &["virt-type=kvm", "virt-type="],
                Some(r#"bad "virt-type" constraint: already set"#),
            ),
            (&["zones=az1"], None),
            (&["zones=az1,az2"], None),
            (&[r"zones=Availability\ zone\ 1"], None),
            (
                &[r"zones=Availability\ zone\ 1,Availability\ zone\ 2,az2"],
                None,
            ),
            (&["zones="], None),
            (
                &["allocate-public-ip=true"],
                Some(r#"unknown constraint "allocate-public-ip""#),
            ),
        ];
        for (args, want) in cases {
            match (parse_args(args), want) {
                (Ok(c), None) => {
                    let printed = c.to_string();
                    assert_eq!(parse(&printed), Ok(c), "{args:?} printed as {printed:?}");
                }
                (Err(e), Some(w)) => assert_eq!(e.to_string(), *w, "{args:?}"),
                (got, want) => panic!("{args:?}: got {got:?}, want {want:?}"),
            }
        }
    }

    // Juju's kitchen-sink cases, values checked field by field.
    #[test]
    fn kitchen_sink() {
        let together = parse_args(&[
            "root-disk=8G mem=2T  arch=arm64  cores=4096 cpu-power=9001 container=lxd \
             tags=foo,bar spaces=space1,^space2 instance-type=foo",
            "virt-type=kvm zones=az1,az2 root-disk-source=sourcename",
        ])
        .unwrap();
        let s = |v: &[&str]| Some(v.iter().map(|x| x.to_string()).collect::<Vec<_>>());
        let want = Constraints {
            arch: Some("arm64".into()),
            container: Some("lxd".into()),
            cores: Some(4096),
            cpu_power: Some(9001),
            mem: Some(2 * 1024 * 1024),
            root_disk: Some(8192),
            root_disk_source: Some("sourcename".into()),
            tags: s(&["foo", "bar"]),
            instance_type: Some("foo".into()),
            spaces: s(&["space1", "^space2"]),
            virt_type: Some("kvm".into()),
            zones: s(&["az1", "az2"]),
        };
        assert_eq!(together, want);
        let spaced = parse(r"arch=amd64 instance-type=with\ spaces cores=1").unwrap();
        assert_eq!(spaced.instance_type.as_deref(), Some("with spaces"));
        assert_eq!(
            spaced.to_string(),
            r"arch=amd64 cores=1 instance-type=with\ spaces"
        );
        let (c, aliases) = parse_with_aliases(&["cpu-cores=5 arch=amd64"]).unwrap();
        assert_eq!(c.cores, Some(5));
        assert_eq!(aliases.get("cpu-cores").map(String::as_str), Some("cores"));
        // Empty values: set, but empty; absent lists stay unset.
        let c = parse("arch=amd64 mem=4G cores=1 root-disk=8G tags= spaces=").unwrap();
        assert_eq!(c.tags, Some(vec![]));
        assert_eq!(c.spaces, Some(vec![]));
        assert_eq!(parse("mem=4G").unwrap().tags, None);
        assert_eq!(parse("tags=a,,b").unwrap().tags, s(&["a", "", "b"]));
        assert_eq!(parse("mem=1.0001M").unwrap().mem, Some(2));
    }

    // Juju's TestInvalidSpaces: the name is quoted without one leading `^`.
    #[test]
    fn invalid_spaces() {
        for name in [
            "%$pace",
            "^foo#2",
            "+",
            "tcp:ip",
            "^^myspace",
            "^^^^^^^^",
            "space^x",
            "&-foo",
            "space/3",
            "^bar=4",
            "&#!",
            "-a",
            "a--b",
            "Upper",
            "a,",
        ] {
            let want = name.strip_prefix('^').unwrap_or(name);
            let got = parse(&format!("spaces={name}")).unwrap_err().to_string();
            let want_name = if name == "a," { "" } else { want };
            assert_eq!(
                got,
                format!(r#"bad "spaces" constraint: "{want_name}" is not a valid space name"#),
                "{name}"
            );
        }
        assert!(is_valid_space("space-foo") && is_valid_space("a1-b2-c3"));
    }

    // Juju's constraintsRoundtripTests: printing then parsing is identity.
    #[test]
    fn round_trip() {
        let mut all = parse(
            "arch=arm64 container=lxd cores=4096 cpu-power=9001 root-disk-source=cave \
             tags=foo,bar spaces=space1,^space2 instance-type=foo zones=az1,az2",
        )
        .unwrap();
        all.mem = Some(18_000_000_000);
        all.root_disk = Some(24_000_000_000);
        let mut values = vec![empty(), all];
        for text in [
            "arch=",
            "arch=amd64",
            "container=",
            "container=lxd",
            "cores=0",
            "cores=128",
            "cpu-power=0",
            "cpu-power=250",
            "mem=0",
            "mem=98765",
            "root-disk=0",
            "root-disk=109876",
            "root-disk-source=identikit",
            "tags=",
            "tags=foo,bar",
            "spaces=",
            "spaces=space1,^space2",
            "instance-type=",
            "instance-type=foo",
            "zones=",
            "zones=az1,az2",
        ] {
            values.push(parse(text).unwrap());
        }
        for v in values {
            assert_eq!(parse(&v.to_string()), Ok(v.clone()), "{v:?}");
        }
        assert_eq!(parse("mem=0").unwrap().to_string(), "mem=");
    }

    // Juju's TestMerge (package-level Merge).
    #[test]
    fn package_merge() {
        let con1 = parse("arch=amd64 mem=4G").unwrap();
        let con2 = parse("cores=42").unwrap();
        let con3 = parse("root-disk=8G container=lxd spaces=space1,^space2").unwrap();
        assert_eq!(
            merge(&[con1.clone(), con2.clone()]),
            parse("arch=amd64 mem=4G cores=42")
        );
        assert_eq!(merge(std::slice::from_ref(&con1)), Ok(con1.clone()));
        assert_eq!(
            merge(&[con1.clone(), con2.clone(), con3]),
            parse("arch=amd64 mem=4G cores=42 root-disk=8G container=lxd spaces=space1,^space2")
        );
        assert_eq!(merge(&[]), Ok(empty()));
        let mut foo = empty();
        foo.arch = Some("foo".into());
        assert_eq!(
            merge(&[foo, con2]).unwrap_err().to_string(),
            r#"bad "arch" constraint: "foo" not recognized"#
        );
        assert_eq!(
            merge(&[con1.clone(), con1]).unwrap_err().to_string(),
            r#"bad "arch" constraint: already set"#
        );
    }
}
