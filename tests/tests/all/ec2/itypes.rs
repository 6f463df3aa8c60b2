//! EC2 instance types: each region's table with its costs (`InstanceTypes`),
//! and the type `StartInstance` picks for constraints, read back from moto.

use strato_runtime::Error;
use strato_runtime::types::{Constraints, ErrorKind, InstanceTypesWithCost, Tools};
use strato_tests::conformance::Fixture;
use strato_tests::conformance::params::{fake_tools, start_params};

use super::{Ec2, fixture, start_moto};

fn cons(text: &str) -> Constraints {
    strato_runtime::constraints::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn in_region(f: &Fixture, region: &str) -> Fixture {
    let mut f = f.clone();
    f.cloud.region = region.into();
    f
}

async fn types(ec2: &Ec2, text: &str) -> InstanceTypesWithCost {
    ec2.env
        .instance_types(cons(text))
        .await
        .unwrap_or_else(|e| panic!("instance-types {text:?}: {e}"))
}

fn cost_of(t: &InstanceTypesWithCost, name: &str) -> Option<u64> {
    t.instance_types
        .iter()
        .find(|t| t.name == name)
        .map(|t| t.cost)
}

/// The instance type moto says `id` runs as.
fn moto_type(moto: &strato_tests::moto::Moto, id: &str) -> String {
    moto.boto3(&format!(
        "r = ec2.describe_instances(InstanceIds=['{id}'])\n\
         print(r['Reservations'][0]['Instances'][0]['InstanceType'])"
    ))
    .unwrap_or_else(|e| panic!("{e}"))
    .trim()
    .to_string()
}

#[tokio::test]
async fn instance_types_come_with_each_region_s_costs() {
    // No EC2 call is needed: the tables are the provider's own.
    let moto = start_moto();
    let f = fixture(&moto, None);
    let east = Ec2::open(&f).await;

    let all = types(&east, "").await;
    assert_eq!(all.cost_unit, "$USD/hour");
    assert_eq!(all.cost_currency, "USD");
    assert_eq!(all.cost_divisor, 1000);
    let costs: Vec<u64> = all.instance_types.iter().map(|t| t.cost).collect();
    assert!(costs.windows(2).all(|w| w[0] <= w[1]), "{costs:?}");
    let names: Vec<&str> = all.instance_types.iter().map(|t| t.name.as_str()).collect();
    for name in [
        "t3.micro",
        "t3a.micro",
        "m5.large",
        "m6i.large",
        "c6i.large",
        "r6i.large",
    ] {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    // Previous generation types are deprecated: listed only when named.
    assert!(!names.iter().any(|n| n.starts_with("m4.")), "{names:?}");
    let m4 = types(&east, "instance-type=m4.large").await;
    assert_eq!(cost_of(&m4, "m4.large"), Some(100));
    assert!(m4.instance_types[0].deprecated);
    // Graviton types are arm64.
    let arm = types(&east, "arch=arm64").await;
    assert!(
        arm.instance_types.iter().all(|t| t.arches == ["arm64"]
            && ["t4g", "a1", "m6g", "c6g"].contains(&t.name.split('.').next().unwrap_or(""))),
        "{:?}",
        arm.instance_types
    );
    assert_eq!(cost_of(&arm, "m6g.large"), Some(77));

    // m5.large: $0.096/h in us-east-1, $0.12/h in Singapore, $0.107/h in Ireland.
    assert_eq!(
        cost_of(&types(&east, "instance-type=m5.large").await, "m5.large"),
        Some(96)
    );
    let singapore = Ec2::open(&in_region(&f, "ap-southeast-1")).await;
    assert_eq!(
        cost_of(
            &types(&singapore, "instance-type=m5.large").await,
            "m5.large"
        ),
        Some(120)
    );
    let ireland = Ec2::open(&in_region(&f, "eu-west-1")).await;
    assert_eq!(
        cost_of(&types(&ireland, "mem=8G cores=2").await, "m5.large"),
        Some(107)
    );
    // Not every type is offered everywhere: no A1 in Singapore, no M3 in Ohio.
    let e = singapore
        .env
        .instance_types(cons("instance-type=a1.medium"))
        .await
        .expect_err("no a1 in ap-southeast-1");
    assert!(
        e.to_string()
            .contains("no instance types in ap-southeast-1"),
        "{e}"
    );
    let ohio = Ec2::open(&in_region(&f, "us-east-2")).await;
    assert!(
        ohio.env
            .instance_types(cons("instance-type=m3.medium"))
            .await
            .is_err()
    );
    assert!(
        east.env
            .instance_types(cons("instance-type=m3.medium"))
            .await
            .is_ok()
    );

    // A region the table does not know: us-east-1's types, as Juju does.
    let elsewhere = Ec2::open(&in_region(&f, "ca-central-1")).await;
    let theirs = types(&elsewhere, "").await;
    let ours: Vec<(String, u64)> = all
        .instance_types
        .iter()
        .map(|t| (t.name.clone(), t.cost))
        .collect();
    let fallback: Vec<(String, u64)> = theirs
        .instance_types
        .iter()
        .map(|t| (t.name.clone(), t.cost))
        .collect();
    assert_eq!(fallback, ours);
}

#[tokio::test]
async fn start_instance_picks_the_cheapest_matching_type() {
    let moto = start_moto();
    let f = fixture(&moto, None);
    let ec2 = Ec2::open(&f).await;

    // No constraints: cpu-power 100 and 1 GiB by default, amd64 binaries.
    let started = ec2
        .env
        .start_instance(start_params(&f, "0", "nonce-0"))
        .await
        .expect("start default");
    assert_eq!(moto_type(&moto, &started.instance.id), "t3a.micro");
    let hw = started.hardware.expect("hardware");
    assert_eq!((hw.arch.as_deref(), hw.mem), (Some("amd64"), Some(1024)));

    // mem=8G: the cheapest type with at least 8 GiB.
    let mut params = start_params(&f, "1", "nonce-1");
    params.constraints = cons("mem=8G");
    let started = ec2.env.start_instance(params).await.expect("start mem=8G");
    assert_eq!(moto_type(&moto, &started.instance.id), "t3a.large");
    assert_eq!(started.hardware.and_then(|h| h.mem), Some(8192));

    // cores=4 mem=16G cpu-power=1500: t3 types are too slow, m5.xlarge wins.
    let mut params = start_params(&f, "2", "nonce-2");
    params.constraints = cons("cores=4 mem=16G cpu-power=1500");
    let started = ec2.env.start_instance(params).await.expect("start cores=4");
    assert_eq!(moto_type(&moto, &started.instance.id), "m5.xlarge");

    // arch=arm64 with arm64 agent binaries: a Graviton type.
    let mut params = start_params(&f, "3", "nonce-3");
    params.constraints = cons("arch=arm64");
    let arm: Vec<Tools> = fake_tools(&f.series)
        .into_iter()
        .map(|mut t| {
            t.arch = "arm64".into();
            t.url = t.url.replace("amd64", "arm64");
            t
        })
        .collect();
    params.tools = arm.clone();
    if let Some(icfg) = params.instance_config.as_mut() {
        icfg.tools = arm;
    }
    let started = ec2.env.start_instance(params).await.expect("start arm64");
    assert_eq!(moto_type(&moto, &started.instance.id), "t4g.micro");
    assert_eq!(
        started.hardware.and_then(|h| h.arch).as_deref(),
        Some("arm64")
    );

    // arch=arm64 with only amd64 binaries: nothing to run, in any zone.
    let mut params = start_params(&f, "4", "nonce-4");
    params.constraints = cons("arch=arm64");
    match ec2.env.start_instance(params).await {
        Err(Error::Provider(e)) => {
            assert!(e.zone_independent, "{e:?}");
            assert_eq!(e.kind, ErrorKind::NotFound, "{e:?}");
        }
        other => panic!("expected no matching type, got {other:?}"),
    }
    // A previous generation type by name still starts.
    let mut params = start_params(&f, "5", "nonce-5");
    params.constraints = cons("instance-type=m4.large");
    let started = ec2.env.start_instance(params).await.expect("start m4");
    assert_eq!(moto_type(&moto, &started.instance.id), "m4.large");
}
