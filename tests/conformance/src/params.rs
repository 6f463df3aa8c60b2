//! Parameter records the contracts send, filled the way Juju's test suites
//! fill them (`testing.AssertStartInstance`, `bootstrap.Bootstrap`).

use strato_runtime::types::{
    ApiInfo, BootstrapDialOpts, BootstrapParams, Constraints, IngressRule, InstanceConfig,
    PrecheckInstanceParams, StartInstanceParams, Tools, VersionNumber,
};

use super::fixture::Fixture;

/// The nonce Juju's test helpers give every machine.
pub const FAKE_NONCE: &str = "fake_nonce";
/// The agent version the kit pretends to run.
pub const AGENT_VERSION: &str = "2.8.0";

/// Every constraint unset.
pub fn no_constraints() -> Constraints {
    strato_runtime::constraints::empty()
}

/// Juju 2.8.0.
pub fn agent_version() -> VersionNumber {
    VersionNumber {
        major: 2,
        minor: 8,
        tag: String::new(),
        patch: 0,
        build: 0,
    }
}

/// One fake agent binary for `series`/amd64.
pub fn fake_tools(series: &str) -> Vec<Tools> {
    vec![Tools {
        version: agent_version(),
        series: series.to_string(),
        arch: "amd64".into(),
        url: format!("file:///tools/juju-{AGENT_VERSION}-{series}-amd64.tgz"),
        sha256: "0".repeat(64),
        size: 1024,
    }]
}

/// The instance config of machine `machine_id` (`instancecfg.NewInstanceConfig`
/// as `AssertStartInstance` fills it).
pub fn instance_config(fixture: &Fixture, machine_id: &str, nonce: &str) -> InstanceConfig {
    let tag = format!("machine-{machine_id}");
    let model_uuid = fixture
        .config
        .get("uuid")
        .and_then(|v| v.as_str())
        .unwrap_or_default()
        .to_string();
    InstanceConfig {
        controller_tag: format!("controller-{}", fixture.controller_uuid),
        machine_id: machine_id.to_string(),
        machine_nonce: nonce.to_string(),
        machine_container_type: String::new(),
        series: fixture.series.clone(),
        jobs: vec!["JobHostUnits".into()],
        tags: vec![
            ("juju-model-uuid".into(), model_uuid.clone()),
            (
                "juju-controller-uuid".into(),
                fixture.controller_uuid.clone(),
            ),
            (
                "juju-machine-id".into(),
                format!("testmodel-machine-{machine_id}"),
            ),
        ],
        authorized_keys: String::new(),
        agent_environment: Vec::new(),
        api_info: Some(ApiInfo {
            addrs: vec!["localhost:17070".into()],
            ca_cert: String::new(),
            tag,
            password: String::new(),
            nonce: nonce.to_string(),
            model_tag: format!("model-{model_uuid}"),
        }),
        controller: None,
        bootstrap: None,
        tools: fake_tools(&fixture.series),
        image_stream: "released".into(),
        enable_os_refresh_update: false,
        enable_os_upgrade: false,
        profiles: Vec::new(),
        cloud_init_user_data: None,
        extra: Vec::new(),
    }
}

/// `StartInstanceParams` for machine `machine_id` with `nonce`.
pub fn start_params(fixture: &Fixture, machine_id: &str, nonce: &str) -> StartInstanceParams {
    StartInstanceParams {
        controller_uuid: fixture.controller_uuid.clone(),
        constraints: no_constraints(),
        tools: fake_tools(&fixture.series),
        instance_config: Some(instance_config(fixture, machine_id, nonce)),
        placement: String::new(),
        availability_zone: String::new(),
        volumes: Vec::new(),
        volume_attachments: Vec::new(),
        network_info: Vec::new(),
        subnets_to_zones: Vec::new(),
        endpoint_bindings: Vec::new(),
        image_metadata: Vec::new(),
        charm_lxd_profiles: Vec::new(),
    }
}

/// `BootstrapParams` as `bootstrap.Bootstrap` builds them in the tests.
pub fn bootstrap_params(fixture: &Fixture) -> BootstrapParams {
    use strato_runtime::types::Value;
    BootstrapParams {
        cloud_name: fixture.cloud.name.clone(),
        cloud_region: fixture.cloud.region.clone(),
        controller_config: vec![
            (
                "controller-uuid".into(),
                Value::Text(fixture.controller_uuid.clone()),
            ),
            ("ca-cert".into(), Value::Text(TEST_CA_CERT.into())),
            ("api-port".into(), Value::Int(17070)),
            ("state-port".into(), Value::Int(37017)),
        ],
        model_constraints: no_constraints(),
        bootstrap_constraints: no_constraints(),
        bootstrap_series: fixture.series.clone(),
        placement: String::new(),
        available_tools: fake_tools(&fixture.series),
        container_bridge_name: String::new(),
        image_metadata: Vec::new(),
    }
}

/// Dial options for the bootstrap finalizer.
pub fn dial_opts() -> BootstrapDialOpts {
    BootstrapDialOpts {
        timeout_ms: 10_000,
        retry_delay_ms: 100,
        addresses_delay_ms: 100,
    }
}

/// `PrecheckInstanceParams{Series: "precise"}` with empty constraints (LiveTests).
pub fn precheck_params() -> PrecheckInstanceParams {
    PrecheckInstanceParams {
        series: "precise".into(),
        constraints: no_constraints(),
        placement: String::new(),
        volume_attachments: Vec::new(),
    }
}

/// `network.MustNewIngressRule(protocol, from, to, cidrs…)`.
pub fn rule(protocol: &str, from: i32, to: i32, cidrs: &[&str]) -> IngressRule {
    IngressRule {
        protocol: protocol.to_string(),
        from_port: from,
        to_port: to,
        source_cidrs: cidrs.iter().map(|c| c.to_string()).collect(),
    }
}

/// A rule as Juju prints it (`80-100/tcp from 0.0.0.0/0`), for messages
/// and comparisons.
pub fn rule_string(r: &IngressRule) -> String {
    let ports = if r.from_port == r.to_port {
        format!("{}/{}", r.from_port, r.protocol)
    } else {
        format!("{}-{}/{}", r.from_port, r.to_port, r.protocol)
    };
    let mut cidrs = r.source_cidrs.clone();
    cidrs.sort();
    format!("{ports} from {}", cidrs.join(","))
}

/// Juju's `PortRange.LessThan` (protocol, from, to), then source CIDRs.
pub fn rule_order(a: &IngressRule, b: &IngressRule) -> std::cmp::Ordering {
    (&a.protocol, a.from_port, a.to_port, &a.source_cidrs).cmp(&(
        &b.protocol,
        b.from_port,
        b.to_port,
        &b.source_cidrs,
    ))
}

/// A self-signed CA certificate as a controller config carries it (its
/// content is never checked by a provider; dummy only needs one present).
pub const TEST_CA_CERT: &str = "-----BEGIN CERTIFICATE-----\n\
MIIBnTCCAUOgAwIBAgIUStratoConformanceKitTestCAxMAoGCCqGSM49BAMCMBQx\n\
EjAQBgNVBAMMCXN0cmF0by1jYTAeFw0yMDA2MDEwMDAwMDBaFw0zMDA2MDEwMDAw\n\
-----END CERTIFICATE-----\n";
