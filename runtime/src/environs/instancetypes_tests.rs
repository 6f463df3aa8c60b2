//! Juju's `environs/instances/instancetype_test.go` tables.

use super::*;
use crate::constraints::parse;

fn it(
    name: &str,
    arches: &[&str],
    cores: u64,
    power: Option<u64>,
    mem: u64,
    cost: u64,
) -> InstanceType {
    InstanceType {
        id: String::new(),
        name: name.into(),
        arches: arches.iter().map(|a| a.to_string()).collect(),
        cpu_cores: cores,
        mem,
        cost,
        root_disk: 0,
        virt_type: None,
        cpu_power: power,
        tags: Vec::new(),
        deprecated: false,
    }
}

fn disk(mut t: InstanceType, root_disk: u64) -> InstanceType {
    t.root_disk = root_disk;
    t
}

/// Juju's `instanceTypes`.
fn juju_types() -> Vec<InstanceType> {
    let hvm = |mut t: InstanceType| {
        t.virt_type = Some("hvm".into());
        t
    };
    let deprecated = |mut t: InstanceType| {
        t.deprecated = true;
        t
    };
    vec![
        disk(
            it("m1.small", &["amd64", "armhf"], 1, Some(100), 1740, 60),
            8192,
        ),
        disk(
            it("m1.medium", &["amd64", "armhf"], 1, Some(200), 3840, 120),
            16384,
        ),
        disk(it("m1.large", &["amd64"], 2, Some(400), 7680, 240), 32768),
        it("m1.xlarge", &["amd64"], 4, Some(800), 15360, 480),
        disk(
            it("t1.micro", &["amd64", "armhf"], 1, Some(20), 613, 20),
            4096,
        ),
        disk(
            it("c1.medium", &["amd64", "armhf"], 2, Some(500), 1740, 145),
            8192,
        ),
        it("c1.xlarge", &["amd64"], 8, Some(2000), 7168, 580),
        hvm(it("cc1.4xlarge", &["amd64"], 8, Some(3350), 23552, 1300)),
        hvm(it("cc2.8xlarge", &["amd64"], 16, Some(8800), 61952, 2400)),
        deprecated(it("dep.small", &["amd64"], 1, Some(100), 1740, 60)),
        deprecated(it("dep.medium", &["amd64"], 2, Some(200), 4096, 80)),
    ]
}

fn names(types: &[InstanceType]) -> Vec<&str> {
    types.iter().map(|t| t.name.as_str()).collect()
}

fn simple(name: &str, mem: u64, cores: u64, cost: u64) -> InstanceType {
    it(name, &["amd64"], cores, None, mem, cost)
}

// getInstanceTypesTest.
#[test]
fn matching_table() {
    let own = |v: Vec<InstanceType>| Some(v);
    // (constraints, the types to choose from (Juju's table if none), the names chosen)
    type Case<'a> = (&'a str, Option<Vec<InstanceType>>, Vec<&'a str>);
    let cases: Vec<Case> = vec![
        (
            "cores=2",
            None,
            vec![
                "c1.medium",
                "m1.large",
                "m1.xlarge",
                "c1.xlarge",
                "cc1.4xlarge",
                "cc2.8xlarge",
            ],
        ),
        (
            "cpu-power=2000",
            None,
            vec!["c1.xlarge", "cc1.4xlarge", "cc2.8xlarge"],
        ),
        (
            "mem=4G",
            None,
            vec![
                "m1.large",
                "m1.xlarge",
                "c1.xlarge",
                "cc1.4xlarge",
                "cc2.8xlarge",
            ],
        ),
        (
            "root-disk=16G",
            None,
            vec![
                "m1.medium",
                "m1.large",
                "m1.xlarge",
                "c1.xlarge",
                "cc1.4xlarge",
                "cc2.8xlarge",
            ],
        ),
        (
            "cpu-power=100 arch=armhf",
            None,
            vec!["m1.small", "m1.medium", "c1.medium"],
        ),
        // Enough memory for a server when mem is not specified.
        (
            "cores=4",
            own(vec![
                simple("it-5", 1024, 2, 0),
                simple("it-4", 2048, 4, 0),
                simple("it-3", 1024, 4, 0),
                simple("it-2", 256, 4, 0),
                simple("it-1", 512, 4, 0),
            ]),
            vec!["it-3", "it-4"],
        ),
        // A small mem constraint is honoured.
        (
            "mem=300M",
            own(vec![
                simple("it-3", 2048, 0, 0),
                simple("it-2", 256, 0, 0),
                simple("it-1", 512, 0, 0),
            ]),
            vec!["it-1", "it-3"],
        ),
        (
            "mem=4G arch=amd64",
            own(vec![
                it("it-4", &["armhf"], 0, None, 8096, 0),
                simple("it-3", 4096, 0, 0),
                simple("it-2", 2048, 0, 0),
                simple("it-1", 512, 0, 0),
            ]),
            vec!["it-3"],
        ),
        (
            "instance-type=it-3",
            own(vec![
                simple("it-4", 8096, 0, 0),
                simple("it-3", 4096, 0, 0),
                simple("it-2", 2048, 0, 0),
                simple("it-1", 512, 0, 0),
            ]),
            vec!["it-3"],
        ),
        // The largest memory when none is big enough.
        (
            "cores=4",
            own(vec![
                simple("it-3", 1024, 2, 0),
                simple("it-2", 256, 4, 0),
                simple("it-1", 512, 4, 0),
            ]),
            vec!["it-1"],
        ),
        // ... the cheapest of those.
        (
            "cores=4",
            own(vec![
                simple("it-4", 1024, 2, 0),
                simple("it-3", 256, 4, 0),
                simple("it-2", 512, 4, 50),
                simple("it-1", 512, 4, 100),
            ]),
            vec!["it-2"],
        ),
        ("virt-type=hvm", None, vec!["cc1.4xlarge", "cc2.8xlarge"]),
        ("instance-type=dep.small", None, vec!["dep.small"]),
        (
            "instance-type=dep.small cpu-power=100",
            None,
            vec!["dep.small"],
        ),
    ];
    for (cons, types, want) in cases {
        let types = types.unwrap_or_else(juju_types);
        let parsed = parse(cons).unwrap();
        let got = matching_instance_types(&types, "test", &parsed)
            .unwrap_or_else(|e| panic!("{cons}: {e}"));
        assert_eq!(names(&got), want, "{cons}");
        for t in &got {
            assert!(!t.arches.is_empty(), "{cons}: {} has no arches", t.name);
            if let Some(arch) = &parsed.arch {
                assert_eq!(&t.arches, std::slice::from_ref(arch), "{cons}");
            }
        }
    }
}

// TestGetMatchingInstanceTypesErrors.
#[test]
fn errors() {
    let types = juju_types();
    for (all, cons, want) in [
        (
            &[][..],
            "cpu-power=9001",
            r#"no instance types in test matching constraints "cpu-power=9001""#,
        ),
        (
            &types[..],
            "arch=i386 mem=8G",
            r#"no instance types in test matching constraints "arch=i386 mem=8192M""#,
        ),
        (
            &types[..],
            "cores=9000",
            r#"no instance types in test matching constraints "cores=9000""#,
        ),
        (
            &types[..],
            "mem=90000M",
            r#"no instance types in test matching constraints "mem=90000M""#,
        ),
        (
            &types[..],
            "instance-type=dep.medium mem=8G",
            r#"no instance types in test matching constraints "instance-type=dep.medium mem=8192M""#,
        ),
    ] {
        let e = matching_instance_types(all, "test", &parse(cons).unwrap()).unwrap_err();
        assert_eq!(e.to_string(), want);
    }
}

// instanceTypeMatchTests: (constraints, type, arches left or none).
#[test]
fn match_table() {
    let types = juju_types();
    let cases: &[(&str, &str, &[&str])] = &[
        ("", "m1.small", &["amd64", "armhf"]),
        ("", "m1.large", &["amd64"]),
        ("cpu-power=100", "m1.small", &["amd64", "armhf"]),
        ("arch=amd64", "m1.small", &["amd64"]),
        ("cores=3", "m1.xlarge", &["amd64"]),
        ("cpu-power=", "t1.micro", &["amd64", "armhf"]),
        ("cpu-power=500", "c1.medium", &["amd64", "armhf"]),
        ("cpu-power=2000", "c1.xlarge", &["amd64"]),
        ("cpu-power=2001", "cc1.4xlarge", &["amd64"]),
        ("mem=2G", "m1.medium", &["amd64", "armhf"]),
        ("arch=i386", "m1.small", &[]),
        ("cpu-power=100", "t1.micro", &[]),
        ("cpu-power=9001", "cc2.8xlarge", &[]),
        ("mem=1G", "t1.micro", &[]),
        ("arch=armhf", "c1.xlarge", &[]),
    ];
    for (cons, name, arches) in cases {
        let t = types.iter().find(|t| t.name == *name).unwrap();
        let got = match_type(t, &parse(cons).unwrap());
        match got {
            Some(m) => assert_eq!(&m.arches, arches, "{cons} {name}"),
            None => assert!(arches.is_empty(), "{cons} {name}: no match"),
        }
    }
    // Tags: every wanted tag; an empty list wants nothing.
    let mut tagged = simple("tagged", 2048, 1, 0);
    tagged.tags = vec!["a".into(), "b".into()];
    assert!(match_type(&tagged, &parse("tags=b,a").unwrap()).is_some());
    assert!(match_type(&tagged, &parse("tags=").unwrap()).is_some());
    assert!(match_type(&tagged, &parse("tags=a,c").unwrap()).is_none());
}

// byCostTests.
#[test]
fn cost_order() {
    let p = |name: &str, cores, power| it(name, &[], cores, power, 0, 0);
    let cases: Vec<(Vec<InstanceType>, [&str; 2])> = vec![
        (
            vec![simple("it-2", 4096, 2, 240), simple("it-1", 2048, 1, 241)],
            ["it-2", "it-1"],
        ),
        (
            vec![simple("it-2", 4096, 2, 0), simple("it-1", 2048, 1, 0)],
            ["it-1", "it-2"],
        ),
        (
            vec![simple("it-2", 4096, 2, 240), simple("it-1", 2048, 1, 240)],
            ["it-1", "it-2"],
        ),
        (
            vec![p("it-2", 2, Some(200)), p("it-1", 1, Some(100))],
            ["it-1", "it-2"],
        ),
        (
            vec![p("it-2", 2, Some(200)), p("it-1", 1, Some(200))],
            ["it-1", "it-2"],
        ),
        (
            vec![p("it-2", 2, Some(200)), p("it-1", 1, None)],
            ["it-1", "it-2"],
        ),
        (
            vec![p("it-2", 2, None), p("it-1", 1, Some(200))],
            ["it-1", "it-2"],
        ),
        (
            vec![
                disk(p("it-2", 1, None), 8192),
                disk(p("it-1", 1, None), 4096),
            ],
            ["it-1", "it-2"],
        ),
    ];
    for (types, want) in cases {
        assert_eq!(names(&stable_sort(types, &by_cost)), want);
    }
    // A cycle (power known for some types only) neither panics nor loses types.
    let cyclic = vec![p("a", 2, Some(100)), p("b", 1, None), p("c", 0, Some(200))];
    assert_eq!(stable_sort(cyclic, &by_cost).len(), 3);
}

#[test]
fn name_order() {
    let mut types = vec![
        simple("m5.large", 0, 0, 20),
        simple("c5-xlarge", 0, 0, 5),
        simple("m5.small", 0, 0, 10),
        simple("a1,medium", 0, 0, 1),
    ];
    sort_by_name(&mut types);
    assert_eq!(
        names(&types),
        ["a1,medium", "c5-xlarge", "m5.small", "m5.large"]
    );
}
