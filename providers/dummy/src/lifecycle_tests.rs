//! A model's life natively, through the SDK traits, on in-memory state
//! (outside a component there is no `/state`).

use strato_guest::config::AttrsExt;
use strato_guest::types::{
    ApiInfo, Attrs, BootstrapParams, CloudSpec, ErrorKind, IngressRule, InstanceConfig, OpenParams,
    StartInstanceParams,
};
use strato_guest::{Environ, EnvironProvider, Firewaller, InstanceFirewaller};

use crate::DummyProvider;
use crate::environ::DummyEnviron;

fn open(uuid: &str, mode: &str, broken: &str) -> DummyEnviron {
    let mut config = Attrs::new();
    config.set("name", "testmodel");
    config.set("type", "dummy");
    config.set("uuid", uuid);
    config.set("firewall-mode", mode);
    config.set("broken", broken);
    DummyProvider::open(OpenParams {
        cloud: CloudSpec::default(),
        config,
    })
    .unwrap()
}

fn start_params(machine: &str, nonce: &str, placement: &str) -> StartInstanceParams {
    StartInstanceParams {
        placement: placement.into(),
        instance_config: Some(InstanceConfig {
            machine_id: machine.into(),
            machine_nonce: nonce.into(),
            api_info: Some(ApiInfo {
                tag: format!("machine-{machine}"),
                ..Default::default()
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

// It bootstraps once, starts, lists, stops and destroys, with Juju's errors.
#[test]
fn lifecycle() {
    let env = open("life", "instance", "");
    assert_eq!(env.instances(vec![]).unwrap(), vec![]);
    assert_eq!(
        env.all_instances().unwrap_err().message,
        "model is not prepared"
    );
    env.prepare_for_bootstrap().unwrap();
    assert_eq!(
        env.controller_instances(String::new()).unwrap_err().kind,
        ErrorKind::NotBootstrapped
    );

    let mut params = BootstrapParams::default();
    assert!(
        env.bootstrap(params.clone())
            .unwrap_err()
            .message
            .contains("ca-cert")
    );
    params.controller_config.set("ca-cert", "CERT");
    env.bootstrap(params.clone()).unwrap();
    assert_eq!(
        env.bootstrap(params).unwrap_err().message,
        "model is already bootstrapped"
    );
    assert_eq!(
        env.controller_instances(String::new()).unwrap(),
        ["localhost"]
    );

    let a = env
        .start_instance(start_params("1", "nonce", "zone=zone3"))
        .unwrap();
    assert_eq!(a.instance.id, "testmodel-0");
    assert_eq!(
        a.hardware.and_then(|h| h.availability_zone).as_deref(),
        Some("zone3")
    );
    let err = env.start_instance(start_params("2", "", "")).unwrap_err();
    assert!(err.message.ends_with("missing machine nonce") && err.zone_independent);
    let err = env
        .start_instance(start_params("2", "nonce", "zone=zone2"))
        .unwrap_err();
    assert!(!err.zone_independent);
    let mut wrong_tag = start_params("2", "nonce", "");
    if let Some(api) = wrong_tag
        .instance_config
        .as_mut()
        .and_then(|c| c.api_info.as_mut())
    {
        api.tag = "machine-9".into();
    }
    assert_eq!(
        env.start_instance(wrong_tag).unwrap_err().message,
        "entity tag must match started machine"
    );
    let b = env.start_instance(start_params("2", "nonce", "")).unwrap();
    assert_eq!(b.instance.id, "testmodel-1");

    let ids = vec![a.instance.id.clone(), String::new(), b.instance.id.clone()];
    let found = env.instances(ids).unwrap();
    assert!(found[0].is_some() && found[1].is_none() && found[2].is_some());
    env.stop_instances(vec![a.instance.id.clone(), "unknown".into()])
        .unwrap();
    assert_eq!(env.all_instances().unwrap().len(), 2);

    env.destroy().unwrap();
    env.destroy().unwrap();
    assert_eq!(
        env.all_instances().unwrap_err().message,
        "model is not prepared"
    );
}

// Ports follow the firewall mode, with Juju's exact errors for the wrong one.
#[test]
fn firewall_modes() {
    let rule = IngressRule {
        protocol: "tcp".into(),
        from_port: 22,
        to_port: 22,
        source_cidrs: vec![],
    };
    let env = open("ports", "instance", "");
    env.prepare_for_bootstrap().unwrap();
    let inst = env
        .start_instance(start_params("1", "nonce", ""))
        .unwrap()
        .instance
        .id;
    InstanceFirewaller::open_ports(&env, inst.clone(), "1".into(), vec![rule.clone()]).unwrap();
    assert_eq!(
        InstanceFirewaller::ingress_rules(&env, inst.clone(), "1".into())
            .unwrap()
            .len(),
        1
    );
    assert!(InstanceFirewaller::ingress_rules(&env, inst, "2".into()).is_err());
    let err = Firewaller::close_ports(&env, vec![rule.clone()]).unwrap_err();
    assert_eq!(
        err.message,
        r#"invalid firewall mode "instance" for closing ports on model"#
    );

    let mut config = env.config().unwrap();
    config.set("firewall-mode", "global");
    env.set_config(config).unwrap();
    Firewaller::open_ports(&env, vec![rule.clone()]).unwrap();
    assert_eq!(
        Firewaller::ingress_rules(&env).unwrap()[0].source_cidrs,
        ["0.0.0.0/0"]
    );
    env.destroy().unwrap();
}

// `broken` makes the named methods fail and leaves the others alone.
#[test]
fn broken_methods() {
    let env = open("broken", "instance", "Instances StopInstance");
    env.prepare_for_bootstrap().unwrap();
    assert_eq!(
        env.instances(vec!["x".into()]).unwrap_err().message,
        "dummy.Instances is broken"
    );
    assert_eq!(
        env.stop_instances(vec![]).unwrap_err().message,
        "dummy.StopInstance is broken"
    );
    assert!(env.all_instances().is_ok());
    let mut config = Attrs::new();
    config.set("name", "m");
    config.set("uuid", "x");
    config.set("broken", "Open");
    let open = DummyProvider::open(OpenParams {
        cloud: CloudSpec::default(),
        config,
    });
    assert!(open.is_err());
}

// `host-bootstrap` leaves the machine to start-instance, which then marks
// the model bootstrapped; `late-addresses` hides addresses for a while.
#[test]
fn host_bootstrap_and_late_addresses() {
    let env = open("hostboot", "instance", "");
    let mut config = env.config().unwrap();
    config.set("host-bootstrap", true);
    config.set("late-addresses", 1i64);
    env.set_config(config).unwrap();
    env.prepare_for_bootstrap().unwrap();

    let mut params = BootstrapParams::default();
    params.controller_config.set("ca-cert", "CERT");
    let err = env.bootstrap(params).unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotImplemented);

    let mut machine = start_params("0", "user-admin:bootstrap", "zone=zone1");
    if let Some(icfg) = machine.instance_config.as_mut() {
        icfg.bootstrap = Some(Default::default());
    }
    machine.controller_uuid = "ctl".into();
    let started = env.start_instance(machine.clone()).unwrap();
    let id = started.instance.id;
    assert_eq!(
        env.controller_instances("ctl".into()).unwrap(),
        std::slice::from_ref(&id)
    );
    assert_eq!(
        env.start_instance(machine).unwrap_err().message,
        "model is already bootstrapped"
    );

    let first = env.instances(vec![id.clone()]).unwrap();
    assert!(first[0].as_ref().unwrap().addresses.is_empty());
    let second = env.instances(vec![id]).unwrap();
    assert_eq!(second[0].as_ref().unwrap().addresses.len(), 3);
    env.destroy().unwrap();
}
