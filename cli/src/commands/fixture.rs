//! The values `strato demo` hands the dummy provider: cloud spec, model
//! config, bootstrap parameters and instance configs, built the way a Juju
//! controller would build them.

use std::sync::Mutex;

use sha2::{Digest, Sha256};
use strato_runtime::HostHooks;
use strato_runtime::types::{
    ApiInfo, Attrs, BootstrapConfig, BootstrapDialOpts, BootstrapParams, CloudSpec, Constraints,
    ControllerConfig, IngressRule, InstanceConfig, InstanceState, StartInstanceParams, Tools,
    Value, VersionNumber,
};

use crate::output;

/// The series every demo machine runs.
pub const SERIES: &str = "focal";

/// A fresh model: its name, the uuids of the model and its controller, the
/// cloud it lives on and its configuration.
pub struct Model {
    pub name: String,
    pub uuid: String,
    pub controller_uuid: String,
    /// The cloud spec the provider is opened with.
    pub cloud: CloudSpec,
    /// `instance` or `global`.
    pub firewall_mode: String,
    /// Provider-specific attributes: the dummy's, or the cloud's `config`.
    pub extra: Attrs,
}

impl Model {
    pub fn new(name: &str, cloud: CloudSpec, firewall_mode: &str, extra: Attrs) -> Self {
        Self {
            name: name.into(),
            uuid: uuid("model"),
            controller_uuid: uuid("controller"),
            cloud,
            firewall_mode: firewall_mode.into(),
            extra,
        }
    }

    /// The dummy fixture's own attributes; `broken` names methods that fail
    /// on purpose.
    pub fn dummy_extra(broken: &str) -> Attrs {
        vec![
            ("broken".into(), Value::Text(broken.into())),
            ("secret".into(), Value::Text("pork".into())),
        ]
    }

    /// name, type, uuid, firewall-mode and `controller`, then the extra
    /// attributes (which cannot change name, type or uuid).
    pub fn config(&self) -> Attrs {
        let mut config: Attrs = vec![
            ("name".into(), Value::Text(self.name.clone())),
            ("type".into(), Value::Text(self.cloud.cloud_type.clone())),
            ("uuid".into(), Value::Text(self.uuid.clone())),
            (
                "firewall-mode".into(),
                Value::Text(self.firewall_mode.clone()),
            ),
            ("controller".into(), Value::Boolean(true)),
        ];
        for (k, v) in &self.extra {
            if ["name", "type", "uuid"].contains(&k.as_str()) {
                continue;
            }
            match config.iter_mut().find(|(key, _)| key == k) {
                Some(slot) => slot.1 = v.clone(),
                None => config.push((k.clone(), v.clone())),
            }
        }
        config
    }

    pub fn bootstrap_params(&self) -> BootstrapParams {
        BootstrapParams {
            cloud_name: self.cloud.name.clone(),
            cloud_region: self.cloud.region.clone(),
            controller_config: self.controller_config(),
            model_constraints: no_constraints(),
            bootstrap_constraints: no_constraints(),
            bootstrap_series: SERIES.into(),
            placement: String::new(),
            available_tools: vec![tools()],
            container_bridge_name: String::new(),
            image_metadata: Vec::new(),
        }
    }

    fn controller_config(&self) -> Attrs {
        vec![
            (
                "controller-uuid".into(),
                Value::Text(self.controller_uuid.clone()),
            ),
            ("ca-cert".into(), Value::Text(CA_CERT.into())),
            ("api-port".into(), Value::Int(17070)),
            ("state-port".into(), Value::Int(37017)),
        ]
    }

    /// The config the bootstrap finalizer gets: machine 0 as a controller.
    pub fn controller_instance_config(&self, instance_id: &str) -> InstanceConfig {
        let mut cfg = self.instance_config("0");
        cfg.jobs = vec!["JobManageModel".into(), "JobHostUnits".into()];
        cfg.controller = Some(ControllerConfig {
            config: self.controller_config(),
            mongo_tag: "machine-0".into(),
        });
        cfg.bootstrap = Some(BootstrapConfig {
            controller_model_config: self.config(),
            bootstrap_machine_instance_id: instance_id.into(),
            bootstrap_machine_constraints: no_constraints(),
            bootstrap_machine_hardware: None,
            model_constraints: no_constraints(),
            timeout_ms: 600_000,
        });
        cfg
    }

    /// A workload machine's config: machine id, nonce, series and the tags
    /// Juju puts on every instance.
    pub fn instance_config(&self, machine_id: &str) -> InstanceConfig {
        InstanceConfig {
            controller_tag: format!("controller-{}", self.controller_uuid),
            machine_id: machine_id.into(),
            machine_nonce: format!("machine-{machine_id}:{}", &self.uuid[..8]),
            machine_container_type: String::new(),
            series: SERIES.into(),
            jobs: vec!["JobHostUnits".into()],
            tags: vec![
                ("juju-model-uuid".into(), self.uuid.clone()),
                ("juju-controller-uuid".into(), self.controller_uuid.clone()),
                (
                    "juju-machine-id".into(),
                    format!("{}-machine-{machine_id}", self.name),
                ),
            ],
            authorized_keys: String::new(),
            agent_environment: Vec::new(),
            api_info: Some(ApiInfo {
                addrs: vec!["localhost:17070".into()],
                ca_cert: CA_CERT.into(),
                tag: format!("machine-{machine_id}"),
                password: String::new(),
                nonce: String::new(),
                model_tag: format!("model-{}", self.uuid),
            }),
            controller: None,
            bootstrap: None,
            tools: vec![tools()],
            image_stream: "released".into(),
            enable_os_refresh_update: false,
            enable_os_upgrade: false,
            profiles: Vec::new(),
            cloud_init_user_data: None,
            extra: Vec::new(),
        }
    }

    pub fn start_params(&self, machine_id: &str, zone: &str) -> StartInstanceParams {
        StartInstanceParams {
            controller_uuid: self.controller_uuid.clone(),
            constraints: no_constraints(),
            tools: vec![tools()],
            instance_config: Some(self.instance_config(machine_id)),
            placement: String::new(),
            availability_zone: zone.into(),
            volumes: Vec::new(),
            volume_attachments: Vec::new(),
            network_info: Vec::new(),
            subnets_to_zones: Vec::new(),
            endpoint_bindings: Vec::new(),
            image_metadata: Vec::new(),
            charm_lxd_profiles: Vec::new(),
        }
    }
}

/// The dummy fixture's cloud (the conformance kit's): endpoints and a
/// userpass credential. The host withholds the password from the provider,
/// which sees the user name only.
pub fn cloud_spec() -> CloudSpec {
    strato_conformance::Fixture::dummy().cloud_spec()
}

pub fn dial_opts() -> BootstrapDialOpts {
    BootstrapDialOpts {
        timeout_ms: 600_000,
        retry_delay_ms: 5_000,
        addresses_delay_ms: 10_000,
    }
}

pub fn no_constraints() -> Constraints {
    strato_runtime::constraints::empty()
}

pub fn tcp(from: i32, to: i32) -> IngressRule {
    IngressRule {
        protocol: "tcp".into(),
        from_port: from,
        to_port: to,
        source_cidrs: vec!["0.0.0.0/0".into()],
    }
}

fn tools() -> Tools {
    Tools {
        version: VersionNumber {
            major: 2,
            minor: 8,
            tag: String::new(),
            patch: 13,
            build: 0,
        },
        series: SERIES.into(),
        arch: "amd64".into(),
        url: "https://streams.canonical.com/juju/tools/agent/2.8.13/juju-2.8.13-focal-amd64.tgz"
            .into(),
        sha256: "0".repeat(64),
        size: 0,
    }
}

/// A random-enough v4-style uuid: the demo's model must not collide with a
/// model left in a kept state directory.
fn uuid(salt: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let digest = Sha256::digest(format!("{salt}:{now}:{}", std::process::id()));
    let mut b: [u8; 16] = [0; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// A placeholder CA certificate: the dummy only checks that one is there.
const CA_CERT: &str =
    "-----BEGIN CERTIFICATE-----\nc3RyYXRvIGRlbW8gQ0E=\n-----END CERTIFICATE-----\n";

/// Collects what the provider tells the user during a call (bootstrap
/// messages, status callbacks) so the step printer shows it under the step.
#[derive(Default)]
pub struct DemoHooks {
    messages: Mutex<Vec<String>>,
}

impl DemoHooks {
    /// The messages since the last call, oldest first.
    pub fn take(&self) -> Vec<String> {
        match self.messages.lock() {
            Ok(mut messages) => std::mem::take(&mut *messages),
            Err(_) => Vec::new(),
        }
    }

    fn push(&self, message: String) {
        let message = message.trim_end();
        if message.is_empty() {
            return;
        }
        if let Ok(mut messages) = self.messages.lock() {
            messages.push(format!("provider: {message}"));
        }
    }
}

impl HostHooks for DemoHooks {
    fn status(&self, state: InstanceState, info: &str, _data: &Attrs) {
        self.push(format!("status {}: {info}", output::instance_state(state)));
    }
    fn cleanup(&self, info: &str) {
        self.push(format!("cleanup: {info}"));
    }
    fn invalidate_credential(&self, reason: &str) {
        self.push(format!("credential invalidated: {reason}"));
    }
    fn infof(&self, message: &str) {
        self.push(message.to_string());
    }
    fn verbosef(&self, message: &str) {
        tracing::debug!(target: "strato::guest", "{message}");
    }
    fn write_stdout(&self, text: &str) {
        self.push(text.to_string());
    }
    fn write_stderr(&self, text: &str) {
        self.push(text.to_string());
    }
}
