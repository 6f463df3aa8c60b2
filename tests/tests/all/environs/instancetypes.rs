//! `instances.MatchingInstanceTypes` over the dummy's instance types: the
//! host function on the table the dummy publishes, and the same function
//! reached by the guest through the `instance-types` host import.

use strato_runtime::constraints;
use strato_runtime::environs::instancetypes::{matching_instance_types, sort_by_name};
use strato_runtime::types::{Constraints, InstanceType};
use strato_runtime::{Environ, Error};
use strato_tests::conformance::Fixture;

use super::destroy::Dummy;

fn parse(s: &str) -> Constraints {
    constraints::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn names(types: &[InstanceType]) -> Vec<&str> {
    types.iter().map(|t| t.name.as_str()).collect()
}

/// The dummy's whole table (the types `instance-type` does not restrict).
async fn dummy_table(env: &Environ) -> Vec<InstanceType> {
    let mut all = Vec::new();
    for name in ["dummy.small", "dummy.medium", "dummy.large", "dummy.xlarge"] {
        let cons = parse(&format!("instance-type={name}"));
        let found = env.instance_types(cons).await.expect("instance types");
        all.extend(found.instance_types);
    }
    all
}

// Juju's rules over the dummy's four types (1, 4, 8 and 16 GiB; the
// largest amd64 only).
#[tokio::test]
async fn host_matcher_over_the_dummy_table() {
    let dummy = Dummy::new().await;
    let env = dummy.open(&Fixture::dummy()).await;
    let table = dummy_table(&env).await;
    assert_eq!(table.len(), 4);
    let cases: &[(&str, &[&str])] = &[
        (
            "",
            &["dummy.small", "dummy.medium", "dummy.large", "dummy.xlarge"],
        ),
        ("mem=4G arch=arm64", &["dummy.medium", "dummy.large"]),
        ("cores=4", &["dummy.large", "dummy.xlarge"]),
        ("arch=amd64 mem=10G", &["dummy.xlarge"]),
        ("instance-type=dummy.large", &["dummy.large"]),
        ("root-disk=20G", &["dummy.large", "dummy.xlarge"]),
        (
            "mem=0",
            &["dummy.small", "dummy.medium", "dummy.large", "dummy.xlarge"],
        ),
    ];
    for (cons, want) in cases {
        let parsed = parse(cons);
        let got = matching_instance_types(&table, "dummy-region", &parsed).expect(cons);
        assert_eq!(names(&got), *want, "{cons}");
        if let Some(arch) = &parsed.arch {
            assert!(
                got.iter().all(|t| t.arches == [arch.clone()]),
                "{cons}: arches filtered"
            );
        }
    }
    for (cons, want) in [
        (
            "cores=64",
            r#"no instance types in dummy-region matching constraints "cores=64""#,
        ),
        (
            "arch=arm64 mem=16G",
            r#"no instance types in dummy-region matching constraints "arch=arm64 mem=16384M""#,
        ),
    ] {
        let e = matching_instance_types(&table, "dummy-region", &parse(cons)).unwrap_err();
        assert_eq!(e.to_string(), want);
    }
    let mut by_name = table.clone();
    by_name.reverse();
    sort_by_name(&mut by_name);
    assert_eq!(
        names(&by_name),
        ["dummy.small", "dummy.medium", "dummy.large", "dummy.xlarge"]
    );
}

// The dummy's `InstanceTypes` answers through the `instance-types` import:
// Juju's order and arch filtering, and Juju's error, not-found and zone
// independent, coming back from the host through the guest.
#[tokio::test]
async fn dummy_matches_through_the_host_import() {
    let dummy = Dummy::new().await;
    let env = dummy.open(&Fixture::dummy()).await;
    let table = dummy_table(&env).await;
    for cons in ["", "mem=4G arch=arm64", "cores=4", "arch=amd64"] {
        let parsed = parse(cons);
        let from_guest = env.instance_types(parsed.clone()).await.expect(cons);
        let from_host = matching_instance_types(&table, "dummy-region", &parsed).expect(cons);
        assert_eq!(from_guest.instance_types, from_host, "{cons}");
    }
    match env.instance_types(parse("cores=64")).await {
        Err(e @ Error::Provider(_)) => {
            assert!(e.is_not_found(), "{e}");
            assert!(e.is_availability_zone_independent(), "{e}");
            assert_eq!(
                e.to_string(),
                r#"no instance types in dummy-region matching constraints "cores=64""#
            );
        }
        other => panic!("want a provider error, got {other:?}"),
    }
}
