//! `StartInstance` (Juju's `environ.StartInstance`, without volumes and
//! spaces): zone check, instance type from the region's table and the
//! constraints, image from the params' metadata or `image-id`, cloud-init
//! user data, security groups, `RunInstances` with the instance's tags,
//! and Juju's zone-specific/zone-independent classification of failures.

use strato_guest::types::{
    AvailabilityZone, HardwareCharacteristics, ImageMetadata, InstanceConfig, InstanceState,
    InstanceType, StartInstanceParams, StartInstanceResult,
};
use strato_guest::{Error, ErrorKind, Result, context};

use crate::client::{ApiError, Client, Params};
use crate::config::{Ec2Config, FirewallMode};
use crate::groups;
use crate::instances::{self, TAG_CONTROLLER, TAG_IS_CONTROLLER, TAG_MODEL};
use crate::xml::{RunResponse, SubnetsResponse};
use crate::{itypes, userdata};

/// Root disk sizes in GiB: any machine, and controllers.
const ROOT_GIB: u64 = 8;
const CONTROLLER_ROOT_GIB: u64 = 32;
/// The API port when the instance config names none.
const DEFAULT_API_PORT: i32 = 17070;

/// Marks a failure no other zone would fix, except a rejected credential
/// (Juju returns those as they are).
fn independent(e: Error) -> Error {
    if e.kind == ErrorKind::CredentialNotValid {
        e
    } else {
        e.zone_independent()
    }
}

/// Juju's classification of a `RunInstances` failure.
pub fn classify(e: ApiError) -> Error {
    let zone_specific = match e.code() {
        "InsufficientInstanceCapacity"
        | "VolumeTypeNotAvailableInZone"
        | "InsufficientFreeAddressesInSubnet"
        | "InvalidSubnetID.NotFound" => true,
        "Unsupported" => e.message().contains("Availability Zone"),
        "InvalidInput" => e
            .message()
            .contains("No default subnet for availability zone"),
        _ => false,
    };
    let err = Error::from(e).context("cannot run instances");
    if zone_specific { err } else { independent(err) }
}

fn is_controller(icfg: &InstanceConfig) -> bool {
    icfg.controller.is_some() || icfg.jobs.iter().any(|j| j == "JobManageModel")
}

/// The API port: the controller's `api-port`, else the port of the first
/// API address.
fn api_port(icfg: &InstanceConfig) -> i32 {
    use strato_guest::config::AttrsExt;
    if let Some(c) = &icfg.controller
        && let Ok(Some(port)) = c.config.get_int("api-port")
        && let Ok(port) = i32::try_from(port)
    {
        return port;
    }
    icfg.api_info
        .as_ref()
        .and_then(|a| a.addrs.first())
        .and_then(|a| a.rsplit_once(':'))
        .and_then(|(_, p)| p.parse().ok())
        .unwrap_or(DEFAULT_API_PORT)
}

/// The image for `itype`: from the metadata (SSD before EBS storage), else
/// the configured `image-id`.
fn image(
    images: &[ImageMetadata],
    itype: &InstanceType,
    cfg: &Ec2Config,
) -> Result<(String, String)> {
    let fits = |m: &&ImageMetadata| itype.arches.contains(&m.arch);
    for storage in ["ssd", "ebs", ""] {
        if let Some(m) = images
            .iter()
            .filter(fits)
            .find(|m| storage.is_empty() || m.storage == storage)
        {
            return Ok((m.id.clone(), m.arch.clone()));
        }
    }
    if !cfg.image_id.is_empty() {
        let arch = itype
            .arches
            .first()
            .cloned()
            .unwrap_or_else(|| "amd64".into());
        return Ok((cfg.image_id.clone(), arch));
    }
    Err(Error::not_found(format!(
        "no image for instance type {} (arches {}) in the image metadata, and no image-id configured",
        itype.name,
        itype.arches.join(",")
    )))
}

/// Juju's `findInstanceSpec`: the cheapest type matching the constraints
/// (non-controllers default to `cpu-power=100`) with an architecture of
/// the agent binaries and an image for it. Every failure is
/// zone-independent.
fn instance_spec(
    region: &str,
    cfg: &Ec2Config,
    params: &StartInstanceParams,
    controller: bool,
) -> Result<(InstanceType, String, String)> {
    let mut arches: Vec<String> = Vec::new();
    let icfg_tools = params.instance_config.iter().flat_map(|i| &i.tools);
    for t in params.tools.iter().chain(icfg_tools) {
        if !arches.contains(&t.arch) {
            arches.push(t.arch.clone());
        }
    }
    if arches.is_empty() && params.constraints.arch.is_none() {
        // No agent binaries to go by: amd64, not whatever is cheapest.
        arches.push("amd64".into());
    }
    let types = itypes::candidates(region, &params.constraints, controller, &arches)
        .map_err(independent)?;
    let mut first_err = None;
    for itype in types {
        match image(&params.image_metadata, &itype, cfg) {
            Ok((id, arch)) => return Ok((itype, id, arch)),
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    Err(independent(first_err.unwrap_or_else(|| {
        Error::not_found(format!("no instance types in {region}"))
    })))
}

/// Checks the requested zone: unknown → not valid, not available → error;
/// both zone-specific.
pub fn check_zone(zones: &[AvailabilityZone], zone: &str) -> Result<()> {
    match zones.iter().find(|z| z.name == zone) {
        None => Err(Error::not_valid(format!(
            "availability zone {zone:?} not valid"
        ))),
        Some(z) if !z.available => Err(Error::other(format!(
            "availability zone {zone:?} is unavailable"
        ))),
        Some(_) => Ok(()),
    }
}

/// A subnet of the configured VPC in `zone` (the first one EC2 lists).
fn subnet(client: &Client, vpc: &str, zone: &str) -> Result<String> {
    let mut p = Params::new();
    p.filter("vpc-id", &[vpc]);
    if !zone.is_empty() {
        p.filter("availability-zone", &[zone]);
    }
    let r: SubnetsResponse = client.call("DescribeSubnets", &p)?;
    r.subnet_set
        .item
        .into_iter()
        .map(|s| s.subnet_id)
        .next()
        .ok_or_else(|| Error::not_found(format!("no subnet of {vpc} in zone {zone:?}")))
}

/// `StartInstance`.
pub fn start(
    client: &Client,
    cfg: &Ec2Config,
    zones: impl FnOnce() -> Result<Vec<AvailabilityZone>>,
    params: StartInstanceParams,
) -> Result<StartInstanceResult> {
    let Some(icfg) = params.instance_config.as_ref() else {
        return Err(independent(Error::not_valid("missing instance config")));
    };
    if icfg.machine_nonce.is_empty() {
        return Err(independent(Error::not_valid("missing machine nonce")));
    }
    let _ = context::status(
        InstanceState::Allocating,
        "Verifying availability zone",
        &Vec::new(),
    );
    let mut zone = params.availability_zone.clone();
    if let Some(z) = params.placement.strip_prefix("zone=") {
        zone = z.to_string();
    } else if !params.placement.is_empty() {
        return Err(independent(Error::not_valid(format!(
            "unknown placement directive: {}",
            params.placement
        ))));
    }
    if !zone.is_empty() {
        check_zone(&zones().map_err(independent)?, &zone)?;
    }
    let controller = is_controller(icfg);
    let (itype, image_id, arch) = instance_spec(client.region(), cfg, &params, controller)?;

    let _ = context::status(InstanceState::Allocating, "Making user data", &Vec::new());
    let user_data = userdata::render(icfg, &params.tools, &arch, &cfg.cloudinit_userdata)
        .map_err(independent)?;

    let _ = context::status(InstanceState::Allocating, "Setting up groups", &Vec::new());
    let group_tags = crate::environ::model_tags(cfg, &params.controller_uuid);
    let port = api_port(icfg);
    let model_group = groups::ensure(client, cfg, &groups::model_group(cfg), &group_tags, |id| {
        groups::model_perms(id, Some(port))
    })
    .map_err(independent)?;
    let mut group_ids = vec![model_group];
    let second = match cfg.firewall_mode {
        FirewallMode::Global => Some(groups::global_group(cfg)),
        FirewallMode::Instance => Some(groups::machine_group(cfg, &icfg.machine_id)),
        FirewallMode::None => None,
    };
    if let Some(name) = second {
        let id =
            groups::ensure(client, cfg, &name, &group_tags, |_| Vec::new()).map_err(independent)?;
        group_ids.push(id);
    }
    let subnet_id = match cfg.vpc() {
        Some(vpc) => Some(
            subnet(client, vpc, &zone)
                .map_err(|e| if zone.is_empty() { independent(e) } else { e })?,
        ),
        None => None,
    };

    let mut root_gib = if controller {
        CONTROLLER_ROOT_GIB
    } else {
        ROOT_GIB
    };
    if let Some(mib) = params.constraints.root_disk {
        root_gib = root_gib.max(mib.div_ceil(1024));
    }
    let mut tags: Vec<(String, String)> = cfg.resource_tags.clone();
    tags.extend(icfg.tags.iter().cloned());
    let mut set_tag = |k: &str, v: String| {
        tags.retain(|(key, _)| key != k);
        tags.push((k.to_string(), v));
    };
    set_tag(TAG_MODEL, cfg.uuid.clone());
    set_tag(TAG_CONTROLLER, params.controller_uuid.clone());
    if controller {
        set_tag(TAG_IS_CONTROLLER, "true".into());
    }
    set_tag(
        "Name",
        format!("juju-{}-machine-{}", cfg.name, icfg.machine_id),
    );

    let mut p = Params::new();
    p.set("ImageId", image_id.as_str())
        .set("InstanceType", itype.name.as_str())
        .set("MinCount", "1")
        .set("MaxCount", "1")
        .set("UserData", user_data.as_str())
        .set("BlockDeviceMapping.1.DeviceName", "/dev/sda1")
        .set("BlockDeviceMapping.1.Ebs.VolumeSize", root_gib.to_string())
        .list("SecurityGroupId", &group_ids)
        .set("TagSpecification.1.ResourceType", "instance");
    for (i, (k, v)) in tags.iter().enumerate() {
        p.set(format!("TagSpecification.1.Tag.{}.Key", i + 1), k.as_str());
        p.set(
            format!("TagSpecification.1.Tag.{}.Value", i + 1),
            v.as_str(),
        );
    }
    // The root volume: the model's tags and `Name=<instance name>-root`.
    let mut volume_tags = crate::environ::model_tags(cfg, &params.controller_uuid);
    volume_tags.push((
        "Name".into(),
        format!("juju-{}-machine-{}-root", cfg.name, icfg.machine_id),
    ));
    p.set("TagSpecification.2.ResourceType", "volume");
    for (i, (k, v)) in volume_tags.iter().enumerate() {
        p.set(format!("TagSpecification.2.Tag.{}.Key", i + 1), k.as_str());
        p.set(
            format!("TagSpecification.2.Tag.{}.Value", i + 1),
            v.as_str(),
        );
    }
    if !zone.is_empty() {
        p.set("Placement.AvailabilityZone", zone.as_str());
    }
    if let Some(s) = &subnet_id {
        p.set("SubnetId", s.as_str());
    }
    let _ = context::status(InstanceState::Allocating, "Starting instance", &Vec::new());
    let run: RunResponse = client.call("RunInstances", &p).map_err(classify)?;
    let Some(inst) = run.instances_set.item.into_iter().next() else {
        return Err(independent(Error::other(
            "RunInstances started no instance",
        )));
    };
    strato_guest::info!(
        "started instance {} ({}, {image_id}) for machine {}",
        inst.instance_id,
        itype.name,
        icfg.machine_id
    );
    let instance = instances::to_instance(&inst);
    let zone_started = inst.placement.availability_zone.clone();
    Ok(StartInstanceResult {
        display_name: String::new(),
        instance,
        config: None,
        hardware: Some(HardwareCharacteristics {
            arch: Some(arch),
            mem: Some(itype.mem),
            root_disk: Some(root_gib * 1024),
            root_disk_source: None,
            cpu_cores: Some(itype.cpu_cores),
            cpu_power: itype.cpu_power,
            tags: None,
            availability_zone: (!zone_started.is_empty()).then_some(zone_started),
        }),
        network_info: Vec::new(),
        volumes: Vec::new(),
        volume_attachments: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(code: &str, message: &str) -> ApiError {
        ApiError::Ec2 {
            status: 400,
            code: code.into(),
            message: message.into(),
        }
    }

    #[test]
    fn run_failures_are_classified_as_juju_does() {
        assert!(!classify(api("InsufficientInstanceCapacity", "no room")).zone_independent);
        assert!(!classify(api("InvalidSubnetID.NotFound", "x")).zone_independent);
        assert!(!classify(api("Unsupported", "not in this Availability Zone")).zone_independent);
        assert!(classify(api("Unsupported", "nope")).zone_independent);
        assert!(classify(api("InvalidAMIID.NotFound", "x")).zone_independent);
        let cred = classify(api("AuthFailure", "x"));
        assert_eq!(cred.kind, ErrorKind::CredentialNotValid);
        assert!(!cred.zone_independent);
    }

    #[test]
    fn zones_are_checked() {
        let zones = vec![
            AvailabilityZone {
                name: "a".into(),
                available: true,
            },
            AvailabilityZone {
                name: "b".into(),
                available: false,
            },
        ];
        assert!(check_zone(&zones, "a").is_ok());
        assert!(check_zone(&zones, "b").is_err());
        let e = check_zone(&zones, "c").expect_err("unknown");
        assert_eq!(e.kind, ErrorKind::NotValid);
        assert!(!e.zone_independent);
    }

    #[test]
    fn images_prefer_ssd_and_fall_back_to_image_id() {
        let itype = itypes::find("us-east-1", "m3.medium")
            .ok()
            .flatten()
            .unwrap_or_default();
        let img = |id: &str, storage: &str, arch: &str| ImageMetadata {
            id: id.into(),
            storage: storage.into(),
            arch: arch.into(),
            ..Default::default()
        };
        let cfg = Ec2Config::from_attrs(&Vec::new()).expect("config");
        let images = [
            img("ami-arm", "ssd", "arm64"),
            img("ami-ebs", "ebs", "amd64"),
            img("ami-ssd", "ssd", "amd64"),
        ];
        assert_eq!(
            image(&images, &itype, &cfg).ok(),
            Some(("ami-ssd".into(), "amd64".into()))
        );
        assert!(image(&[], &itype, &cfg).is_err());
        let mut attrs = Vec::new();
        strato_guest::config::AttrsExt::set(&mut attrs, "image-id", "ami-1");
        let cfg = Ec2Config::from_attrs(&attrs).expect("config");
        assert_eq!(
            image(&[], &itype, &cfg).ok().map(|i| i.0),
            Some("ami-1".into())
        );
    }
}
