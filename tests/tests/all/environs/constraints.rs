//! Constraints against the dummy: the host applies the validator the
//! dummy describes (`instance-type` conflicts with `mem`; `cpu-power` and
//! `virt-type` unsupported; an `arch` vocabulary) with Juju's semantics and
//! messages, and merges model and bootstrap constraints as bootstrap does.

use strato_runtime::constraints::{self, ConstraintsValidator};
use strato_tests::conformance::Fixture;

use super::destroy::Dummy;

async fn dummy_validator() -> ConstraintsValidator {
    let dummy = Dummy::new().await;
    let env = dummy.open(&Fixture::dummy()).await;
    env.validator().await.expect("constraints validator")
}

fn parse(s: &str) -> strato_runtime::types::Constraints {
    constraints::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

// Validate: unsupported attributes are reported, not refused; a conflict
// and an out-of-vocabulary value are refused with Juju's messages.
#[tokio::test]
async fn validate_with_the_dummys_rules() {
    let v = dummy_validator().await;
    let cases: &[(&str, Result<&[&str], &str>)] = &[
        ("", Ok(&[])),
        ("mem=4G cores=2 arch=arm64", Ok(&[])),
        (
            "virt-type=kvm cpu-power=100 mem=1G",
            Ok(&["cpu-power", "virt-type"]),
        ),
        ("instance-type=dummy.small arch=amd64", Ok(&[])),
        (
            "instance-type=dummy.small mem=1G",
            Err(r#"ambiguous constraints: "instance-type" overlaps with "mem""#),
        ),
        // The conflict is found before the value outside the vocabulary.
        (
            "arch=s390x instance-type=dummy.small mem=1G",
            Err(r#"ambiguous constraints: "instance-type" overlaps with "mem""#),
        ),
        (
            "arch=s390x",
            Err(
                "invalid constraint value: arch=s390x\nvalid values are: [amd64 arm64 i386 ppc64el]",
            ),
        ),
        (
            "arch=",
            Err("invalid constraint value: arch=\nvalid values are: [amd64 arm64 i386 ppc64el]"),
        ),
    ];
    for (cons, want) in cases {
        let got = v.validate(&parse(cons));
        match (got, want) {
            (Ok(unsupported), Ok(want)) => assert_eq!(unsupported, *want, "{cons}"),
            (Err(e), Err(want)) => assert_eq!(e.to_string(), *want, "{cons}"),
            (got, want) => panic!("{cons}: got {got:?}, want {want:?}"),
        }
    }
}

// Merge as bootstrap does (model constraints are the fallback of the
// bootstrap constraints): the bootstrap value wins, and a model attribute
// that conflicts with one it sets is dropped.
#[tokio::test]
async fn merge_model_and_bootstrap_constraints() {
    let v = dummy_validator().await;
    for (model, bootstrap, want) in [
        (
            "mem=4G arch=amd64",
            "instance-type=dummy.large",
            "arch=amd64 instance-type=dummy.large",
        ),
        (
            "instance-type=dummy.large cores=2",
            "mem=8G",
            "cores=2 mem=8G",
        ),
        ("mem=4G cores=2", "mem=8G", "cores=2 mem=8G"),
        ("tags=a,b", "tags=", "tags="),
        ("", "virt-type=kvm", "virt-type=kvm"),
    ] {
        let merged = v.merge(&parse(model), &parse(bootstrap)).expect("merge");
        assert_eq!(merged, parse(want), "{model} + {bootstrap}");
        assert_eq!(merged.to_string(), parse(want).to_string());
    }
    let e = v
        .merge(
            &parse("instance-type=dummy.small mem=1G"),
            &parse("cores=1"),
        )
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        r#"ambiguous constraints: "instance-type" overlaps with "mem""#
    );
    // `constraints.Merge` (no validator) refuses an attribute set twice.
    let e = constraints::merge(&[parse("mem=4G"), parse("mem=8G")]).unwrap_err();
    assert_eq!(e.to_string(), r#"bad "mem" constraint: already set"#);
}

// What a user types reaches the provider as Juju would parse it: sizes in
// MiB rounded up, the `cpu-cores` alias, escaped spaces, empty lists.
#[tokio::test]
async fn parsed_constraints_reach_the_dummy() {
    let dummy = Dummy::new().await;
    let env = dummy.open(&Fixture::dummy()).await;
    let cons = parse(r"mem=3.5G cpu-cores=2 arch=arm64 zones=zone\ 1 tags=");
    assert_eq!(cons.mem, Some(3584));
    assert_eq!(cons.cores, Some(2));
    assert_eq!(
        cons.to_string(),
        r"arch=arm64 cores=2 mem=3584M tags= zones=zone\ 1"
    );
    let types = env.instance_types(cons).await.expect("instance types");
    let names: Vec<_> = types
        .instance_types
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(names, ["dummy.medium", "dummy.large"]);
}
