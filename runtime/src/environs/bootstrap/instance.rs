//! `provider/common.BootstrapInstance` on the host: the bootstrap machine
//! started with `start-instance`, tried zone by zone; and the pieces of
//! `instancecfg` the host fills in for it.

use crate::environ::Environ;
use crate::error::Error;
use crate::inspect::OptionalInterface;
use crate::types::{
    Attrs, BootstrapParams, Constraints, ControllerConfig, HardwareCharacteristics, ImageMetadata,
    InstanceConfig, StartInstanceParams, StartInstanceResult, Value,
};

use super::{BootstrapError, attr_bool, attr_text, hooks, match_tools};
use crate::environs::provisioner::zones_unsupported;

/// `agent.BootstrapMachineId`.
pub const BOOTSTRAP_MACHINE_ID: &str = "0";
/// `agent.BootstrapNonce`: the nonce of the bootstrap machine.
pub const BOOTSTRAP_NONCE: &str = "user-admin:bootstrap";
/// `agent.LxcBridge`: the agent environment key naming the container bridge.
pub const LXC_BRIDGE: &str = "LXC_BRIDGE";

/// What [`bootstrap_instance`] started.
#[derive(Debug, Clone)]
pub struct BootstrapInstance {
    /// What `start-instance` returned for the bootstrap machine.
    pub result: StartInstanceResult,
    /// The series chosen for it.
    pub series: String,
    /// The instance config it was started with (machine `0`, bootstrap
    /// nonce, controller and bootstrap sections, instance tags).
    pub instance_config: InstanceConfig,
    /// The zones tried, in order (the last one worked); `[""]` when the
    /// provider has no zones.
    pub zones_tried: Vec<String>,
}

impl BootstrapInstance {
    /// The machine's architecture: its hardware's, else the constraint's.
    pub fn arch(&self, cons: &Constraints) -> Option<String> {
        self.result
            .hardware
            .as_ref()
            .and_then(|h| h.arch.clone())
            .or_else(|| cons.arch.clone())
    }
}

/// `provider/common.BootstrapInstance`: starts the bootstrap machine with
/// `start-instance`, trying zones in turn.
///
/// The zones are the ones `derive-availability-zones` implies (placement,
/// volumes), else every available zone, narrowed by the `zones` bootstrap
/// constraint. A provider without zones (the interface not exported, or
/// `not-implemented` / `not-supported`) gets one attempt with no zone. It
/// stops at the first success; at a failure without a zone or a
/// zone-independent one; when the user interrupts
/// ([`crate::HostHooks::interrupted`]); or after the last zone, with an
/// error listing every zone tried.
///
/// Output goes to the provider's [`crate::HostHooks`] as Juju's does:
/// `Launching controller instance(s) on <cloud>/<region>...` before, the
/// machine (` - <id> (arch=… mem=… cores=…)`) after; the provider's own
/// status callbacks arrive at [`crate::HostHooks::status`] meanwhile.
pub async fn bootstrap_instance(
    env: &Environ,
    args: &BootstrapParams,
) -> Result<BootstrapInstance, BootstrapError> {
    let ctx = hooks(env.provider());
    let config = env.config().await?;
    let series = select_series(args, &config)?;
    let tools = match_tools(&args.available_tools, None, Some(&series))?;
    let image_metadata = image_metadata_for(&args.image_metadata, &series);

    let mut icfg = new_bootstrap_instance_config(
        &args.controller_config,
        &args.bootstrap_constraints,
        &args.model_constraints,
        &series,
        &config,
    );
    let controller_uuid = attr_text(&args.controller_config, "controller-uuid").unwrap_or("");
    icfg.tags = instance_tags(
        attr_text(&config, "uuid").unwrap_or(""),
        controller_uuid,
        true,
    );
    if !args.container_bridge_name.is_empty() {
        icfg.agent_environment
            .push((LXC_BRIDGE.to_string(), args.container_bridge_name.clone()));
    }

    ctx.infof(&format!(
        "Launching controller instance(s) on {}...",
        cloud_region(args)
    ));
    let mut start = StartInstanceParams {
        controller_uuid: controller_uuid.to_string(),
        constraints: args.bootstrap_constraints.clone(),
        tools,
        instance_config: Some(icfg.clone()),
        placement: args.placement.clone(),
        availability_zone: String::new(),
        volumes: Vec::new(),
        volume_attachments: Vec::new(),
        network_info: Vec::new(),
        subnets_to_zones: Vec::new(),
        endpoint_bindings: Vec::new(),
        image_metadata,
        charm_lxd_profiles: Vec::new(),
    };
    let zones = match start_instance_zones(env, &start).await? {
        None => {
            if args.bootstrap_constraints.zones.is_some() {
                tracing::debug!(target: "strato::environs", "environ doesn't support zones: ignoring bootstrap zone constraints");
            }
            vec![String::new()]
        }
        Some(zones) => match &args.bootstrap_constraints.zones {
            None => zones,
            Some(wanted) => {
                let filtered: Vec<String> = zones
                    .iter()
                    .filter(|z| wanted.contains(z))
                    .cloned()
                    .collect();
                if filtered.is_empty() {
                    return Err(BootstrapError::NoMatchingZones {
                        available: zones,
                        wanted: wanted.clone(),
                    });
                }
                filtered
            }
        },
    };

    let mut failures: Vec<(String, Error)> = Vec::new();
    let last = zones.len() - 1;
    for (i, zone) in zones.iter().enumerate() {
        start.availability_zone = zone.clone();
        let err = match env.start_instance(start.clone()).await {
            Ok(result) => {
                ctx.infof(&machine_line(&result));
                let mut zones_tried: Vec<String> = failures.into_iter().map(|(z, _)| z).collect();
                zones_tried.push(zone.clone());
                return Ok(BootstrapInstance {
                    result,
                    series,
                    instance_config: icfg,
                    zones_tried,
                });
            }
            Err(e) => e,
        };
        if ctx.interrupted() {
            return Err(BootstrapError::Interrupted(err));
        }
        if zone.is_empty() || err.is_availability_zone_independent() {
            return Err(BootstrapError::StartInstance(err));
        }
        tracing::debug!(target: "strato::environs", zone = %zone, error = %err, "failed to start instance in availability zone");
        failures.push((zone.clone(), err));
        if i < last {
            continue;
        }
    }
    // Every zone failed (there is at least one).
    if failures.len() > 1 {
        return Err(BootstrapError::AllZonesFailed { tried: failures });
    }
    match failures.pop() {
        Some((zone, source)) => Err(BootstrapError::ZoneFailed { zone, source }),
        None => Err(BootstrapError::NoUsableZones),
    }
}

/// `startInstanceZones`: the derived zones, else the available ones;
/// `None` when the provider has no zones.
async fn start_instance_zones(
    env: &Environ,
    params: &StartInstanceParams,
) -> Result<Option<Vec<String>>, BootstrapError> {
    if !env.supports(OptionalInterface::AvailabilityZones) {
        return Ok(None);
    }
    let derived = match env.derive_availability_zones(params).await {
        Ok(zones) => zones,
        Err(e) if zones_unsupported(&e) => return Ok(None),
        Err(e) => return Err(BootstrapError::StartInstance(e)),
    };
    if !derived.is_empty() {
        return Ok(Some(derived));
    }
    let all = match env.availability_zones().await {
        Ok(zones) => zones,
        Err(e) if zones_unsupported(&e) => return Ok(None),
        Err(e) => return Err(BootstrapError::StartInstance(e)),
    };
    let usable: Vec<String> = all
        .into_iter()
        .filter(|z| z.available)
        .map(|z| z.name)
        .collect();
    if usable.is_empty() {
        return Err(BootstrapError::NoUsableZones);
    }
    Ok(Some(usable))
}

/// The bootstrap series: the requested one, else the model's
/// `default-series` (Juju's `config.PreferredSeries`).
fn select_series(args: &BootstrapParams, config: &Attrs) -> Result<String, BootstrapError> {
    let series = match args.bootstrap_series.as_str() {
        "" => attr_text(config, "default-series").unwrap_or(""),
        s => s,
    };
    if series.is_empty() {
        return Err(Error::NotValid("bootstrap instance series not valid".into()).into());
    }
    Ok(series.to_string())
}

/// Image metadata for `series` (by its Ubuntu version), or all of it when
/// the series is not a known Ubuntu one.
fn image_metadata_for(all: &[ImageMetadata], series: &str) -> Vec<ImageMetadata> {
    match ubuntu_version(series) {
        Some(v) => all.iter().filter(|m| m.version == v).cloned().collect(),
        None => all.to_vec(),
    }
}

/// `series.SeriesVersion` for the Ubuntu series Juju 2.8 knows.
fn ubuntu_version(series: &str) -> Option<&'static str> {
    Some(match series {
        "precise" => "12.04",
        "trusty" => "14.04",
        "xenial" => "16.04",
        "bionic" => "18.04",
        "cosmic" => "18.10",
        "disco" => "19.04",
        "eoan" => "19.10",
        "focal" => "20.04",
        "groovy" => "20.10",
        _ => return None,
    })
}

/// `instancecfg.NewBootstrapInstanceConfig`: machine `0` with the bootstrap
/// nonce, the `JobManageModel` and `JobHostUnits` jobs, the controller
/// configuration (its `MongoInfo` tag `machine-0`) and a bootstrap section
/// with both constraints; OS update settings and the image stream come from
/// the model `config`. Tools, API info and the controller model config are
/// filled in later.
pub fn new_bootstrap_instance_config(
    controller_config: &Attrs,
    cons: &Constraints,
    model_cons: &Constraints,
    series: &str,
    config: &Attrs,
) -> InstanceConfig {
    let controller_uuid = attr_text(controller_config, "controller-uuid").unwrap_or("");
    InstanceConfig {
        controller_tag: format!("controller-{controller_uuid}"),
        machine_id: BOOTSTRAP_MACHINE_ID.to_string(),
        machine_nonce: BOOTSTRAP_NONCE.to_string(),
        machine_container_type: String::new(),
        series: series.to_string(),
        jobs: vec!["JobManageModel".to_string(), "JobHostUnits".to_string()],
        tags: Vec::new(),
        authorized_keys: attr_text(config, "authorized-keys")
            .unwrap_or("")
            .to_string(),
        agent_environment: Vec::new(),
        api_info: None,
        controller: Some(ControllerConfig {
            config: controller_config.clone(),
            mongo_tag: format!("machine-{BOOTSTRAP_MACHINE_ID}"),
        }),
        bootstrap: Some(crate::types::BootstrapConfig {
            controller_model_config: Vec::new(),
            bootstrap_machine_instance_id: String::new(),
            bootstrap_machine_constraints: cons.clone(),
            bootstrap_machine_hardware: None,
            model_constraints: model_cons.clone(),
            timeout_ms: 0,
        }),
        tools: Vec::new(),
        image_stream: attr_text(config, "image-stream")
            .unwrap_or("released")
            .to_string(),
        enable_os_refresh_update: attr_bool(config, "enable-os-refresh-update").unwrap_or(true),
        enable_os_upgrade: attr_bool(config, "enable-os-upgrade").unwrap_or(true),
        profiles: Vec::new(),
        cloud_init_user_data: None,
        extra: Vec::new(),
    }
}

/// `instancecfg.InstanceTags`: the model and controller a machine belongs
/// to, and whether it is a controller.
pub fn instance_tags(
    model_uuid: &str,
    controller_uuid: &str,
    is_controller: bool,
) -> Vec<(String, String)> {
    let mut tags = vec![
        ("juju-model-uuid".to_string(), model_uuid.to_string()),
        (
            "juju-controller-uuid".to_string(),
            controller_uuid.to_string(),
        ),
    ];
    if is_controller {
        tags.push(("juju-is-controller".to_string(), "true".to_string()));
    }
    tags
}

/// `<cloud>/<region>`, or the cloud alone without a region.
pub(super) fn cloud_region(args: &BootstrapParams) -> String {
    if args.cloud_region.is_empty() {
        args.cloud_name.clone()
    } else {
        format!("{}/{}", args.cloud_name, args.cloud_region)
    }
}

/// The line Juju prints for the started machine: ` - <id> (<hardware>)`,
/// padded to overwrite the status line before it.
pub fn machine_line(result: &StartInstanceResult) -> String {
    let mut msg = format!(
        " - {} ({})",
        result.instance.id,
        format_hardware(result.hardware.as_ref())
    );
    // Go pads with strings.Join of (40 - len) empty strings: one space less.
    if msg.len() < 40 {
        msg.push_str(&" ".repeat(40 - msg.len() - 1));
    }
    msg
}

/// `formatHardware`: `arch=amd64 mem=3.5G cores=1`, leaving out what is
/// unknown.
pub fn format_hardware(hw: Option<&HardwareCharacteristics>) -> String {
    let Some(hw) = hw else {
        return String::new();
    };
    let mut out = Vec::new();
    if let Some(arch) = hw.arch.as_deref().filter(|a| !a.is_empty()) {
        out.push(format!("arch={arch}"));
    }
    if let Some(mem) = hw.mem.filter(|m| *m > 0) {
        out.push(format!("mem={}", format_memory(mem)));
    }
    if let Some(cores) = hw.cpu_cores.filter(|c| *c > 0) {
        out.push(format!("cores={cores}"));
    }
    out.join(" ")
}

/// `formatMemory`: MiB below 1 GiB (`512M`), else GiB with one decimal and
/// no `.0` (`3.5G`, `4G`).
pub fn format_memory(mib: u64) -> String {
    if mib < 1024 {
        return format!("{mib}M");
    }
    let gib = format!("{:.1}", mib as f32 / 1024.0);
    format!("{}G", gib.strip_suffix(".0").unwrap_or(&gib))
}

/// `Value::Text` of `s`.
pub(super) fn text(s: impl Into<String>) -> Value {
    Value::Text(s.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{Instance, InstanceState, InstanceStatus};

    fn hw(arch: Option<&str>, mem: Option<u64>, cores: Option<u64>) -> HardwareCharacteristics {
        HardwareCharacteristics {
            arch: arch.map(str::to_string),
            mem,
            root_disk: None,
            root_disk_source: None,
            cpu_cores: cores,
            cpu_power: None,
            tags: None,
            availability_zone: None,
        }
    }

    // Juju's formatHardware / formatMemory cases.
    #[test]
    fn hardware_lines() {
        let cases = [
            (
                hw(Some("amd64"), Some(3584), Some(1)),
                "arch=amd64 mem=3.5G cores=1",
            ),
            (hw(Some("arm64"), Some(4096), None), "arch=arm64 mem=4G"),
            (hw(None, Some(512), Some(2)), "mem=512M cores=2"),
            (hw(Some(""), Some(0), Some(0)), ""),
        ];
        for (h, want) in cases {
            assert_eq!(format_hardware(Some(&h)), want);
        }
        assert_eq!(format_hardware(None), "");
        assert_eq!(format_memory(1024 + 102), "1.1G");

        let result = StartInstanceResult {
            display_name: String::new(),
            instance: Instance {
                id: "i-0".into(),
                status: InstanceStatus {
                    state: InstanceState::Pending,
                    message: String::new(),
                },
                addresses: Vec::new(),
                hardware: None,
            },
            config: None,
            hardware: Some(hw(Some("amd64"), Some(1024), Some(1))),
            network_info: Vec::new(),
            volumes: Vec::new(),
            volume_attachments: Vec::new(),
        };
        let line = machine_line(&result);
        assert_eq!(line.trim_end(), " - i-0 (arch=amd64 mem=1G cores=1)");
        assert_eq!(line.len(), 39, "padded as Go pads it");
    }

    // The bootstrap machine's config, as instancecfg builds it.
    #[test]
    fn bootstrap_instance_config() {
        let controller = vec![("controller-uuid".to_string(), text("c-1"))];
        let config = vec![("enable-os-upgrade".to_string(), Value::Boolean(false))];
        let cons = crate::constraints::empty();
        let icfg = new_bootstrap_instance_config(&controller, &cons, &cons, "focal", &config);
        assert_eq!(icfg.controller_tag, "controller-c-1");
        assert_eq!(
            (icfg.machine_id.as_str(), icfg.machine_nonce.as_str()),
            ("0", BOOTSTRAP_NONCE)
        );
        assert_eq!(icfg.jobs, ["JobManageModel", "JobHostUnits"]);
        assert_eq!(
            icfg.controller.map(|c| c.mongo_tag).as_deref(),
            Some("machine-0")
        );
        assert!(
            icfg.bootstrap.is_some() && icfg.enable_os_refresh_update && !icfg.enable_os_upgrade
        );
        assert_eq!(icfg.image_stream, "released");
        let tags = instance_tags("m", "c", true);
        assert_eq!(
            tags.last().map(|t| t.0.as_str()),
            Some("juju-is-controller")
        );
        assert_eq!(instance_tags("m", "c", false).len(), 2);
        assert_eq!(ubuntu_version("focal"), Some("20.04"));
    }
}
