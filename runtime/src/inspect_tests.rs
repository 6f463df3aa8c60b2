//! Tests of `inspect`: exports, versions, imports.

use super::*;

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn random_bytes_are_not_wasm() {
    let err = inspect(&[0x13, 0x37, 0, 1, 2, 3, 4, 5, 6]).unwrap_err();
    assert!(
        err.to_string().contains("not a WebAssembly binary"),
        "{err}"
    );
    assert!(inspect(b"").is_err());
}

#[test]
fn core_module_is_not_a_component() {
    let module = wat::parse_str("(module)").unwrap();
    let err = inspect(&module).unwrap_err();
    assert!(
        err.to_string()
            .contains("is a core WebAssembly module, not a component"),
        "{err}"
    );
}

#[test]
fn empty_component_is_not_a_provider() {
    let component = wat::parse_str("(component)").unwrap();
    let err = inspect(&component).unwrap_err().to_string();
    assert!(
        err.contains("does not export juju:environs/provider (juju:environs 0.1.0 and 0.2.0)"),
        "{err}"
    );
    assert!(err.contains("it exports nothing"), "{err}");
}

#[test]
fn command_world_is_named() {
    let err = check_exports(&names(&["wasi:cli/run@0.2.6"]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("it exports wasi:cli/run@0.2.6"), "{err}");
}

#[test]
fn provider_needs_its_model_interface_and_a_known_version() {
    let err = check_exports(&names(&["juju:environs/provider@0.1.0"]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("not juju:environs/environ@0.1.0"), "{err}");
    let err = check_exports(&names(&[
        "juju:environs/provider@0.2.0",
        "juju:environs/environ@0.2.0",
    ]))
    .unwrap_err()
    .to_string();
    assert!(err.contains("not juju:environs/model@0.2.0"), "{err}");
    for v in ["0.3.0", "0.0.9", "9.0.0"] {
        let err = check_exports(&names(&[
            &format!("juju:environs/provider@{v}"),
            &format!("juju:environs/model@{v}"),
        ]))
        .unwrap_err()
        .to_string();
        assert!(
            err.contains(&format!(
                "exports juju:environs/provider@{v}, but this runtime supports \
                 juju:environs 0.1.0 and 0.2.0 only"
            )),
            "{err}"
        );
    }
    let version = check_exports(&names(&[
        "juju:environs/provider@0.1.0",
        "juju:environs/environ@0.1.0",
    ]))
    .unwrap();
    assert_eq!(version, "0.1.0");
    let version = check_exports(&names(&[
        "juju:environs/provider@0.2.0",
        "juju:environs/model@0.2.0",
        "juju:environs/firewaller@0.2.0",
    ]))
    .unwrap();
    assert_eq!(version, "0.2.0");
}

#[test]
fn one_version_per_component() {
    let err = check_exports(&names(&[
        "juju:environs/provider@0.2.0",
        "juju:environs/model@0.2.0",
        "juju:environs/firewaller@0.1.0",
    ]))
    .unwrap_err()
    .to_string();
    assert!(
        err.contains(
            "exports two versions of the contract, juju:environs/provider@0.2.0 and \
             juju:environs/firewaller@0.1.0"
        ),
        "{err}"
    );
    check_imports(&names(&["juju:environs/types@0.1.0"]), "0.1.0").unwrap();
    check_imports(&names(&["juju:environs/common@0.2.0"]), "0.2.0").unwrap();
    for (import, contract) in [
        ("juju:environs/log@0.1.0", "0.2.0"),
        ("juju:environs/types@0.2.0", "0.2.0"),
        ("juju:environs/common@0.1.0", "0.1.0"),
    ] {
        let err = check_imports(&names(&[import]), contract).unwrap_err();
        assert!(err.to_string().contains(import), "{err}");
    }
}

#[test]
fn imports_outside_the_sandbox_are_named() {
    check_imports(
        &names(&[
            "wasi:cli/environment@0.2.6",
            "wasi:io/streams@0.2.9",
            "wasi:filesystem/preopens@0.2.0",
            "juju:environs/log@0.2.0",
            // Linked to trapping functions, not refused (see `is_stubbed`).
            "wasi:sockets/tcp@0.2.6",
        ]),
        "0.2.0",
    )
    .unwrap();
    let err = check_imports(
        &names(&[
            "wasi:cli/environment@0.2.6",
            "wasi:sockets/tcp@0.3.0",
            "wasi:http/incoming-handler@0.2.6",
            "wasi:http/outgoing-handler@0.2.6",
        ]),
        "0.2.0",
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("imports wasi:sockets/tcp@0.3.0, wasi:http/incoming-handler@0.2.6,"),
        "{err}"
    );
    assert!(err.contains("no sockets in the sandbox"), "{err}");
    assert!(!err.contains("environment"), "{err}");
    assert!(!err.contains("outgoing-handler@"), "{err}");
    let err = check_imports(&names(&["wasi:cli/environment@0.3.0"]), "0.2.0").unwrap_err();
    assert!(err.to_string().contains("wasi:cli/environment@0.3.0"));
    assert!(check_imports(&names(&["env"]), "0.2.0").is_err());
}

/// A component with `imports` and the contract's exports `exports`
/// (0.2.0), as names only (enough for `inspect`, which does not validate).
fn component(imports: &[&str], exports: &[&str]) -> Vec<u8> {
    component_of("0.2.0", imports, exports)
}

fn component_of(version: &str, imports: &[&str], exports: &[&str]) -> Vec<u8> {
    let mut wat = String::from("(component\n");
    for (n, name) in imports.iter().enumerate() {
        wat.push_str(&format!("  (import \"{name}\" (instance $i{n}))\n"));
    }
    for (n, name) in exports.iter().enumerate() {
        wat.push_str(&format!(
            "  (instance $e{n})\n  (export \"juju:environs/{name}@{version}\" (instance $e{n}))\n"
        ));
    }
    wat.push(')');
    wat::parse_str(&wat).unwrap()
}

#[test]
fn world_is_named_from_the_exports() {
    let base = ["provider", "model"];
    let info = inspect(&component(&[], &base)).unwrap();
    assert_eq!(info.wit_version, "0.2.0");
    assert_eq!(info.world(), "juju:environs/base-provider@0.2.0");

    let some = [
        &base[..],
        &["firewaller", "availability-zones", "instance-firewaller"],
    ];
    let info = inspect(&component(&[], &some.concat())).unwrap();
    // In the contract's order, not the component's.
    assert_eq!(
        info.world(),
        "juju:environs/base-provider@0.2.0 + firewaller, instance-firewaller, \
         availability-zones"
    );

    let all: Vec<&str> = OptionalInterface::ALL
        .iter()
        .map(|i| i.wit_name())
        .collect();
    let info = inspect(&component(&[], &[&base[..], &all].concat())).unwrap();
    assert_eq!(info.world(), "juju:environs/full-provider@0.2.0");

    // A 0.1.0 provider: its own version throughout.
    let old = ["provider", "environ", "firewaller"];
    let info = inspect(&component_of("0.1.0", &["juju:environs/types@0.1.0"], &old)).unwrap();
    assert_eq!(info.wit_version, "0.1.0");
    assert_eq!(info.optional, [OptionalInterface::Firewaller]);
    assert_eq!(
        info.world(),
        "juju:environs/base-provider@0.1.0 + firewaller"
    );
    let err = inspect(&component_of("0.3.0", &[], &["provider", "model"])).unwrap_err();
    assert!(
        err.to_string()
            .contains("supports juju:environs 0.1.0 and 0.2.0 only"),
        "{err}"
    );
}

#[test]
fn sockets_imports_are_reported_as_stubbed() {
    let imports = [
        "wasi:sockets/tcp@0.2.9",
        "wasi:filesystem/preopens@0.2.9",
        "wasi:sockets/ip-name-lookup@0.2.9",
    ];
    let info = inspect(&component(&imports, &["provider", "model"])).unwrap();
    let stubbed: Vec<&str> = info.stubbed_imports().collect();
    assert_eq!(
        stubbed,
        [
            "wasi:sockets/tcp@0.2.9",
            "wasi:sockets/ip-name-lookup@0.2.9"
        ]
    );
    let info = inspect(&component(&imports[1..2], &["provider", "model"])).unwrap();
    assert_eq!(info.stubbed_imports().count(), 0);
}

#[test]
fn wit_names_round_trip() {
    for i in OptionalInterface::ALL {
        assert_eq!(OptionalInterface::from_wit_name(i.wit_name()), Some(i));
    }
    assert_eq!(OptionalInterface::VolumeSource.to_string(), "volume-source");
}
