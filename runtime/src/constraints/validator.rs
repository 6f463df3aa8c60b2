//! `constraints.Validator`: conflicts, unsupported attributes and
//! vocabularies, applied by the host with Juju's semantics.

use std::collections::{BTreeMap, BTreeSet};

use super::{
    AttrValue, ConstraintsError, attribute_values, err, has_any, override_with, resolve_alias,
    without,
};
use crate::types::{Constraints, ConstraintsRules};

/// Juju's `constraints.Validator`, built from the rules a provider describes
/// ([`ConstraintsValidator::from_rules`]) or registered one by one.
///
/// ```
/// use strato_runtime::constraints::{self, ConstraintsValidator};
///
/// let mut v = ConstraintsValidator::new();
/// v.register_conflicts(&["instance-type".into()], &["mem".into()]);
/// v.register_unsupported(&["cpu-power".into()]);
/// v.register_vocabulary("arch", &["amd64".into(), "arm64".into()]);
///
/// let unsupported = v.validate(&constraints::parse("cpu-power=100 mem=1G").unwrap()).unwrap();
/// assert_eq!(unsupported, ["cpu-power"]);
/// let e = v.validate(&constraints::parse("instance-type=big mem=1G").unwrap()).unwrap_err();
/// assert_eq!(e.to_string(), r#"ambiguous constraints: "instance-type" overlaps with "mem""#);
/// let e = v.validate(&constraints::parse("arch=s390x").unwrap()).unwrap_err();
/// assert_eq!(e.to_string(), "invalid constraint value: arch=s390x\nvalid values are: [amd64 arm64]");
/// ```
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

    /// The validator a provider's rules describe: each conflict registered
    /// in order (so, as with repeated `RegisterConflicts` calls in Juju, a
    /// later entry replaces the conflicts of an attribute it names again),
    /// the unsupported attributes, and each vocabulary added with
    /// `UpdateVocabulary` (two entries for one attribute are unioned).
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

    /// `RegisterConflicts`: any red conflicts with any blue. Setting both in
    /// one value is an error; when merging, a value that sets one clears
    /// the other from the fallback. Each red's conflicts become `blues` and
    /// each blue's become `reds`, replacing what was registered before.
    pub fn register_conflicts(&mut self, reds: &[String], blues: &[String]) {
        for r in reds {
            self.conflicts
                .insert(r.clone(), blues.iter().cloned().collect());
        }
        for b in blues {
            self.conflicts
                .insert(b.clone(), reds.iter().cloned().collect());
        }
    }

    /// `RegisterUnsupported`: the attributes the provider ignores (reported
    /// by [`validate`](Self::validate), not an error). Replaces the set.
    pub fn register_unsupported(&mut self, attrs: &[String]) {
        self.unsupported = attrs.iter().cloned().collect();
    }

    /// `RegisterVocabulary`: replaces the allowed values of `attr`
    /// (`cpu-cores` means `cores`).
    pub fn register_vocabulary(&mut self, attr: &str, values: &[String]) {
        self.vocab
            .insert(resolve_alias(attr).to_string(), values.to_vec());
    }

    /// `UpdateVocabulary`: the union with the allowed values of `attr`.
    pub fn update_vocabulary(&mut self, attr: &str, values: &[String]) {
        let entry = self
            .vocab
            .entry(resolve_alias(attr).to_string())
            .or_default();
        for v in values {
            if !entry.contains(v) {
                entry.push(v.clone());
            }
        }
    }

    /// `Validate`: the set attributes the provider does not support
    /// (sorted; not an error), or Juju's error for the first conflict
    /// (`ambiguous constraints: "a" overlaps with "b"`, attributes taken in
    /// alphabetical order) or else the first value outside a vocabulary
    /// (`invalid constraint value: arch=s390x` and the valid values). A
    /// conflict is reported before a bad value.
    pub fn validate(&self, cons: &Constraints) -> Result<Vec<String>, ConstraintsError> {
        let unsupported: Vec<String> = self.unsupported.iter().cloned().collect();
        let unsupported = has_any(cons, &unsupported);
        let values = attribute_values(cons);
        for attr in values.keys() {
            for c in self.conflicts.get(*attr).into_iter().flatten() {
                if values.contains_key(c.as_str()) {
                    return Err(err(format!(
                        "ambiguous constraints: {} overlaps with {}",
                        super::go_quote(attr),
                        super::go_quote(c)
                    )));
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

    /// `Merge`: both values must validate (unsupported attributes are
    /// fine); then every attribute set in `cons` wins, attributes of
    /// `fallback` that conflict with one set in `cons` are dropped, and the
    /// rest of `fallback` fills in.
    pub fn merge(
        &self,
        fallback: &Constraints,
        cons: &Constraints,
    ) -> Result<Constraints, ConstraintsError> {
        self.validate(fallback)?;
        self.validate(cons)?;
        let dropped: Vec<String> = attribute_values(cons)
            .keys()
            .filter_map(|attr| self.conflicts.get(*attr))
            .flatten()
            .cloned()
            .collect();
        Ok(override_with(&without(fallback, &dropped), cons))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::constraints::parse;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn validator(unsupported: &[&str], reds: &[&str], blues: &[&str]) -> ConstraintsValidator {
        let mut v = ConstraintsValidator::new();
        v.register_unsupported(&strings(unsupported));
        v.register_conflicts(&strings(reds), &strings(blues));
        v
    }

    // Juju's validationTests (2.8: no conflict resolvers).
    #[test]
    fn validation_table() {
        type Case<'a> = (
            &'a str,
            &'a [&'a str],
            &'a [(&'a str, &'a [&'a str])],
            &'a [&'a str],
            &'a [&'a str],
            &'a str,
        );
        let cases: &[Case] = &[
            (
                "root-disk=8G mem=4G arch=amd64 cpu-power=1000 cores=4",
                &[],
                &[],
                &[],
                &[],
                "",
            ),
            (
                "root-disk=8G mem=4G arch=amd64 cpu-power=1000 cores=4 tags=foo",
                &["tags"],
                &[],
                &[],
                &[],
                "",
            ),
            (
                "root-disk=8G mem=4G arch=amd64 cpu-power=1000 cores=4 instance-type=foo",
                &["cpu-power", "instance-type"],
                &[],
                &[],
                &[],
                "",
            ),
            (
                "root-disk=8G mem=4G cores=4 instance-type=foo",
                &["cores"],
                &[],
                &["mem", "arch"],
                &["instance-type"],
                r#"ambiguous constraints: "instance-type" overlaps with "mem""#,
            ),
            (
                "root-disk=8G mem=4G arch=amd64 cores=4 instance-type=foo",
                &[],
                &[],
                &["mem", "arch"],
                &[],
                "",
            ),
            (
                "root-disk=8G mem=4G arch=amd64 cores=4 instance-type=foo",
                &[],
                &[],
                &[],
                &["mem", "arch"],
                "",
            ),
            (
                "root-disk=8G mem=4G arch=amd64 cores=4 instance-type=foo",
                &[],
                &[],
                &["mem", "arch"],
                &["instance-type"],
                r#"ambiguous constraints: "arch" overlaps with "instance-type""#,
            ),
            (
                "root-disk=8G mem=4G arch=amd64 cores=4 instance-type=foo",
                &[],
                &[],
                &["instance-type"],
                &["mem", "arch"],
                r#"ambiguous constraints: "arch" overlaps with "instance-type""#,
            ),
            (
                "arch=amd64 mem=4G cores=4",
                &[],
                &[("arch", &["amd64", "arm64"])],
                &[],
                &[],
                "",
            ),
            (
                "mem=4G cores=4",
                &[],
                &[("cores", &["2", "4", "8"])],
                &[],
                &[],
                "",
            ),
            (
                "mem=4G instance-type=foo",
                &[],
                &[("instance-type", &["foo", "bar"])],
                &[],
                &[],
                "",
            ),
            (
                "mem=4G tags=foo,bar",
                &[],
                &[("tags", &["foo", "bar", "another"])],
                &[],
                &[],
                "",
            ),
            (
                "arch=arm64 mem=4G cores=4",
                &[],
                &[("arch", &["amd64"])],
                &[],
                &[],
                "invalid constraint value: arch=arm64\nvalid values are: [amd64]",
            ),
            (
                "mem=4G cores=5",
                &[],
                &[("cpu-cores", &["2", "4", "8"])],
                &[],
                &[],
                "invalid constraint value: cores=5\nvalid values are: [2 4 8]",
            ),
            (
                "mem=4G instance-type=foo",
                &[],
                &[("instance-type", &["bar"])],
                &[],
                &[],
                "invalid constraint value: instance-type=foo\nvalid values are: [bar]",
            ),
            (
                "mem=4G tags=foo,other",
                &[],
                &[("tags", &["foo", "bar", "another"])],
                &[],
                &[],
                "invalid constraint value: tags=other\nvalid values are: [foo bar another]",
            ),
            (
                "arch=arm64 mem=4G instance-type=foo",
                &[],
                &[
                    ("instance-type", &["foo", "bar"]),
                    ("arch", &["amd64", "arm64"]),
                ],
                &[],
                &[],
                "",
            ),
            (
                "virt-type=bar",
                &[],
                &[("virt-type", &["bar"])],
                &[],
                &[],
                "",
            ),
        ];
        for (cons, unsupported, vocab, reds, blues, want) in cases {
            let mut v = validator(unsupported, reds, blues);
            for (attr, values) in *vocab {
                v.register_vocabulary(attr, &strings(values));
            }
            match v.validate(&parse(cons).unwrap()) {
                Ok(got) => {
                    assert_eq!(*want, "", "{cons}: no error");
                    let mut want = strings(unsupported);
                    want.sort();
                    assert_eq!(got, want, "{cons}");
                }
                Err(e) => assert_eq!(e.to_string(), *want, "{cons}"),
            }
        }
    }

    // Juju's mergeTests: (fallback, cons, reds, blues, expected).
    #[test]
    fn merge_table() {
        let im: (&[&str], &[&str]) = (&["mem", "arch"], &["instance-type"]);
        let none: (&[&str], &[&str]) = (&[], &[]);
        let cases = [
            ("", "", none, ""),
            ("", "container=lxd", none, "container=lxd"),
            ("container=lxd", "", none, "container=lxd"),
            ("arch=arm64", "arch=amd64", none, "arch=amd64"),
            ("arch=arm64", "", none, "arch=arm64"),
            (
                "instance-type=bar",
                "instance-type=foo",
                none,
                "instance-type=foo",
            ),
            ("cores=8", "cores=4", none, "cores=4"),
            ("cpu-power=200", "cpu-power=100", none, "cpu-power=100"),
            ("tags=baz", "tags=foo,bar", none, "tags=foo,bar"),
            ("tags=foo,bar", "tags=", none, "tags="),
            ("mem=8G", "mem=4G", none, "mem=4G"),
            ("root-disk=8G", "", none, "root-disk=8G"),
            (
                "cpu-power=1000 cores=4",
                "root-disk=8G mem=4G arch=amd64",
                none,
                "root-disk=8G mem=4G arch=amd64 cpu-power=1000 cores=4",
            ),
            (
                "cpu-power=1000 cores=4 mem=8G",
                "root-disk=8G mem=4G arch=amd64",
                none,
                "root-disk=8G mem=4G arch=amd64 cpu-power=1000 cores=4",
            ),
            (
                "root-disk=8G cores=4 instance-type=foo",
                "",
                im,
                "root-disk=8G cores=4 instance-type=foo",
            ),
            (
                "",
                "root-disk=8G cores=4 instance-type=foo",
                im,
                "root-disk=8G cores=4 instance-type=foo",
            ),
            (
                "root-disk=8G instance-type=foo",
                "root-disk=8G cores=4 instance-type=bar",
                im,
                "root-disk=8G cores=4 instance-type=bar",
            ),
            (
                "root-disk=8G mem=4G",
                "root-disk=8G cores=4 instance-type=bar",
                im,
                "root-disk=8G cores=4 instance-type=bar",
            ),
            (
                "root-disk=8G arch=amd64",
                "root-disk=8G cores=4 instance-type=bar",
                im,
                "root-disk=8G cores=4 instance-type=bar",
            ),
            (
                "root-disk=8G cores=4 instance-type=bar",
                "root-disk=8G mem=4G",
                im,
                "root-disk=8G cores=4 mem=4G",
            ),
            (
                "root-disk=8G cores=4 instance-type=bar",
                "root-disk=8G arch=amd64 mem=4G",
                im,
                "root-disk=8G cores=4 arch=amd64 mem=4G",
            ),
        ];
        for (fallback, cons, (reds, blues), want) in cases {
            let v = validator(&[], reds, blues);
            let merged = v.merge(&parse(fallback).unwrap(), &parse(cons).unwrap());
            assert_eq!(merged, parse(want), "{fallback} + {cons}");
        }
        // Unsupported attributes do not stop a merge.
        let v = validator(&["instance-type"], im.0, im.1);
        let merged = v.merge(
            &parse("root-disk=8G instance-type=foo").unwrap(),
            &parse("cores=4").unwrap(),
        );
        assert_eq!(merged, parse("root-disk=8G cores=4 instance-type=foo"));
    }

    // Juju's TestMergeError and TestUpdateVocabulary.
    #[test]
    fn merge_error_and_vocabulary_update() {
        let v = validator(&[], &["instance-type"], &["mem"]);
        let bad = parse("instance-type=foo mem=4G").unwrap();
        let ok = parse("cores=2").unwrap();
        let want = r#"ambiguous constraints: "instance-type" overlaps with "mem""#;
        assert_eq!(v.merge(&bad, &ok).unwrap_err().to_string(), want);
        assert_eq!(v.merge(&ok, &bad).unwrap_err().to_string(), want);

        let mut v = ConstraintsValidator::new();
        v.register_vocabulary("arch", &strings(&["amd64"]));
        let amd = parse("arch=amd64").unwrap();
        let ppc = parse("arch=ppc64el").unwrap();
        assert!(v.validate(&amd).is_ok());
        assert_eq!(
            v.validate(&ppc).unwrap_err().to_string(),
            "invalid constraint value: arch=ppc64el\nvalid values are: [amd64]"
        );
        v.update_vocabulary("arch", &strings(&["ppc64el", "amd64"]));
        assert!(v.validate(&amd).is_ok() && v.validate(&ppc).is_ok());
    }

    // Registering conflicts again replaces an attribute's set, as in Juju.
    #[test]
    fn conflicts_are_replaced_per_attribute() {
        let mut v = validator(&[], &["instance-type"], &["mem"]);
        v.register_conflicts(&strings(&["instance-type"]), &strings(&["cores"]));
        let both = parse("instance-type=a mem=1G").unwrap();
        // `mem` still names `instance-type`; `instance-type` now names only `cores`.
        assert_eq!(
            v.validate(&both).unwrap_err().to_string(),
            r#"ambiguous constraints: "mem" overlaps with "instance-type""#
        );
        let merged = v.merge(
            &parse("mem=1G cores=2").unwrap(),
            &parse("instance-type=a").unwrap(),
        );
        assert_eq!(merged, parse("mem=1G instance-type=a"));
    }
}
