//! The environ: configuration, lifecycle and instances, and the
//! availability zones (`DescribeAvailabilityZones`, cached per environ).

use std::cell::RefCell;

use strato_guest::types::{
    Attrs, AvailabilityZone, BootstrapParams, CloudSpec, ConstraintVocabulary, Constraints,
    ConstraintsRules, Instance, InstanceTypesWithCost, PrecheckInstanceParams, StartInstanceParams,
    StartInstanceResult, StorageProviderInfo, VersionNumber,
};
use strato_guest::{AvailabilityZones, BootstrapResult, Environ, Error, NoopFinalizer, Result};

use crate::client::{Client, Params};
use crate::config::{self, Ec2Config};
use crate::instances::{self, TAG_CONTROLLER, TAG_MODEL};
use crate::xml::ZonesResponse;
use crate::{adopt, ebs, groups, itypes, start, volumes};

/// An EC2 model: a region's endpoint and the model's configuration.
pub struct Ec2Environ {
    pub(crate) client: Client,
    config: RefCell<Attrs>,
    pub(crate) cfg: RefCell<Ec2Config>,
    zones: RefCell<Option<Vec<AvailabilityZone>>>,
}

impl Ec2Environ {
    /// An environ for `cloud` with a validated `config`; no I/O.
    pub fn new(cloud: &CloudSpec, config: Attrs) -> Result<Ec2Environ> {
        Ok(Ec2Environ {
            client: Client::new(&cloud.endpoint, &cloud.region),
            cfg: RefCell::new(Ec2Config::from_attrs(&config)?),
            config: RefCell::new(config),
            zones: RefCell::new(None),
        })
    }

    /// The parsed configuration (a copy).
    pub(crate) fn cfg(&self) -> Ec2Config {
        self.cfg.borrow().clone()
    }

    fn zones(&self) -> Result<Vec<AvailabilityZone>> {
        if let Some(z) = self.zones.borrow().as_ref() {
            return Ok(z.clone());
        }
        let mut p = Params::new();
        p.filter("region-name", &[self.client.region()]);
        let r: ZonesResponse = self.client.call("DescribeAvailabilityZones", &p)?;
        let zones: Vec<AvailabilityZone> = r
            .availability_zone_info
            .item
            .into_iter()
            .map(|z| AvailabilityZone {
                available: z.zone_state == "available",
                name: z.zone_name,
            })
            .collect();
        *self.zones.borrow_mut() = Some(zones.clone());
        Ok(zones)
    }
}

impl Environ for Ec2Environ {
    type Finalizer = NoopFinalizer;

    fn config(&self) -> Result<Attrs> {
        Ok(self.config.borrow().clone())
    }

    fn set_config(&self, config: Attrs) -> Result<()> {
        let old = self.config.borrow().clone();
        let config = config::validate(config, Some(old))?;
        *self.cfg.borrow_mut() = Ec2Config::from_attrs(&config)?;
        *self.config.borrow_mut() = config;
        Ok(())
    }

    fn prepare_for_bootstrap(&self) -> Result<()> {
        Ok(())
    }

    fn bootstrap(&self, _params: BootstrapParams) -> Result<BootstrapResult<NoopFinalizer>> {
        // The host runs Juju's common.Bootstrap with start-instance.
        Err(Error::not_implemented("EC2 bootstrap is left to the host"))
    }

    fn destroy(&self) -> Result<()> {
        let cfg = self.cfg();
        let ids: Vec<String> = instances::all(&self.client, &cfg)?
            .into_iter()
            .map(|i| i.instance_id)
            .collect();
        instances::stop(&self.client, &cfg, &ids)?;
        // Juju's common.Destroy: the EBS volumes of the model (not root disks).
        let volumes = volumes::tagged(&self.client, TAG_MODEL, &cfg.uuid)?;
        volumes::destroy_all(&self.client, &volumes)?;
        let mut doomed = groups::tagged(&self.client, TAG_MODEL, &cfg.uuid)?;
        // The model group last: the others may name it as a source.
        let model = groups::model_group(&cfg);
        doomed.sort_by_key(|g| g.group_name == model);
        for g in doomed {
            groups::delete(&self.client, &g.group_id)
                .map_err(|e| e.context(format!("deleting security group {}", g.group_name)))?;
        }
        Ok(())
    }

    fn destroy_controller(&self, controller_uuid: String) -> Result<()> {
        // Every model's machines and groups tagged with the controller.
        let ids: Vec<String> = instances::describe(
            &self.client,
            &[
                ("instance-state-name", instances::LISTED.to_vec()),
                (
                    &format!("tag:{TAG_CONTROLLER}"),
                    vec![controller_uuid.as_str()],
                ),
            ],
        )?
        .into_iter()
        .map(|i| i.instance_id)
        .collect();
        instances::terminate(&self.client, &ids)?;
        let volumes = volumes::tagged(&self.client, TAG_CONTROLLER, &controller_uuid)?;
        volumes::destroy_all(&self.client, &volumes)?;
        let mut doomed = groups::tagged(&self.client, TAG_CONTROLLER, &controller_uuid)?;
        // Model groups (`juju-<uuid>`, sources of the others) last.
        doomed.sort_by_key(|g| g.group_name.matches('-').count() <= 5);
        for g in doomed {
            groups::delete(&self.client, &g.group_id)
                .map_err(|e| e.context(format!("deleting security group {}", g.group_name)))?;
        }
        self.destroy()
    }

    fn adopt_resources(&self, controller_uuid: String, _from: VersionNumber) -> Result<()> {
        adopt::adopt(&self.client, &self.cfg(), &controller_uuid)
    }

    fn constraints_validator(&self) -> Result<ConstraintsRules> {
        let mut rules = ConstraintsRules::default()
            .conflict(["instance-type"], ["mem", "cores", "cpu-power"])
            .unsupported(["tags", "virt-type"]);
        rules.vocabularies.push(ConstraintVocabulary {
            attribute: "instance-type".into(),
            values: itypes::for_region(self.client.region())?
                .into_iter()
                .map(|t| t.name)
                .collect(),
        });
        Ok(rules)
    }

    fn precheck_instance(&self, params: PrecheckInstanceParams) -> Result<()> {
        if let Some(name) = &params.constraints.instance_type {
            let known = itypes::find(self.client.region(), name)?;
            match (known, &params.constraints.arch) {
                (None, _) => {
                    return Err(Error::not_valid(format!(
                        "invalid AWS instance type {name:?} specified"
                    )));
                }
                (Some(t), Some(arch)) if !t.arches.contains(arch) => {
                    return Err(Error::not_valid(format!(
                        "invalid AWS instance type {name:?} and arch {arch:?} specified"
                    )));
                }
                _ => {}
            }
        }
        if !params.placement.is_empty() && !params.placement.starts_with("zone=") {
            return Err(Error::not_valid(format!(
                "unknown placement directive: {}",
                params.placement
            )));
        }
        Ok(())
    }

    /// Juju's `InstanceTypes`: the region's types matching `constraints`,
    /// with their cost in US dollars per hour, divided by 1000.
    fn instance_types(&self, constraints: Constraints) -> Result<InstanceTypesWithCost> {
        Ok(InstanceTypesWithCost {
            instance_types: itypes::matching(self.client.region(), &constraints)?,
            cost_unit: "$USD/hour".into(),
            cost_currency: "USD".into(),
            cost_divisor: 1000,
        })
    }

    fn start_instance(&self, params: StartInstanceParams) -> Result<StartInstanceResult> {
        start::start(&self.client, &self.cfg(), || self.zones(), params)
    }

    fn stop_instances(&self, ids: Vec<String>) -> Result<()> {
        instances::stop(&self.client, &self.cfg(), &ids)
    }

    fn all_instances(&self) -> Result<Vec<Instance>> {
        Ok(instances::all(&self.client, &self.cfg())?
            .iter()
            .map(instances::to_instance)
            .collect())
    }

    fn instances(&self, ids: Vec<String>) -> Result<Vec<Option<Instance>>> {
        instances::by_ids(&self.client, &self.cfg(), &ids)
    }

    fn controller_instances(&self, controller_uuid: String) -> Result<Vec<String>> {
        instances::controllers(&self.client, &controller_uuid)
    }

    fn storage_provider_types(&self) -> Result<Vec<String>> {
        Ok(ebs::provider_types())
    }

    fn storage_provider(&self, provider_type: String) -> Result<StorageProviderInfo> {
        ebs::provider(&provider_type)
    }
}

impl AvailabilityZones for Ec2Environ {
    fn availability_zones(&self) -> Result<Vec<AvailabilityZone>> {
        self.zones()
    }

    fn instance_availability_zone_names(&self, ids: Vec<String>) -> Result<Vec<Option<String>>> {
        Ok(self
            .instances(ids)?
            .into_iter()
            .map(|i| i.and_then(|i| i.hardware).and_then(|h| h.availability_zone))
            .collect())
    }

    /// Juju's `DeriveAvailabilityZones`: the placement's zone (which must
    /// agree with the volumes'), else the zone of the EBS volumes to attach.
    fn derive_availability_zones(&self, params: StartInstanceParams) -> Result<Vec<String>> {
        let volume_zone = volumes::attachments_zone(&self.client, &params.volume_attachments)?;
        let placement = params.placement.as_str();
        let placement_zone = match placement.strip_prefix("zone=") {
            Some(zone) => {
                start::check_zone(&self.zones()?, zone)?;
                Some(zone.to_string())
            }
            None if placement.is_empty() => None,
            None => {
                return Err(Error::not_valid(format!(
                    "unknown placement directive: {placement}"
                )));
            }
        };
        if let (Some(p), Some(v)) = (&placement_zone, &volume_zone)
            && p != v
        {
            return Err(Error::other(format!(
                "cannot create instance with placement {placement:?}, as this will prevent \
                 attaching the requested EBS volumes in zone {v:?}"
            )));
        }
        Ok(placement_zone.or(volume_zone).into_iter().collect())
    }
}

/// Tags every resource of a model carries.
pub fn model_tags(cfg: &Ec2Config, controller_uuid: &str) -> Vec<(String, String)> {
    let mut tags = vec![
        (TAG_MODEL.to_string(), cfg.uuid.clone()),
        (TAG_CONTROLLER.to_string(), controller_uuid.to_string()),
    ];
    tags.extend(cfg.resource_tags.iter().cloned());
    tags
}
