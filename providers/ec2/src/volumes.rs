//! EBS volumes (`storage.VolumeSource` of Juju's `ebs` provider):
//! `CreateVolume` in the instance's zone and tagged, `DescribeVolumes`,
//! `AttachVolume` with Juju's device names, `DetachVolume`, `DeleteVolume`;
//! and the volume clean-up of `Destroy` / `DestroyController`.

use std::time::Duration;

use strato_guest::config::AttrsExt;
use strato_guest::types::{
    Attrs, StoragePool, Volume, VolumeAttachment, VolumeAttachmentParams, VolumeParams,
};
use strato_guest::{AttachVolumeResult, CreateVolumeResult, Error, Result, VolumeSource};

use crate::client::{ApiError, Client, Params};
use crate::ebs;
use crate::environ::Ec2Environ;
use crate::groups;
use crate::instances::{self, TAG_CONTROLLER, TAG_MODEL};
use crate::xml::{CreateVolumeResponse, Ec2Volume, VolumesResponse};

/// How many times (and how often) to look at a volume that is still
/// `creating` or `in-use` (Juju waits minutes on real EC2).
const POLLS: u32 = 20;
const POLL_DELAY: Duration = Duration::from_millis(500);

/// `DescribeVolumes` with `ids` (all when empty) and `filters`, every page.
pub fn describe(
    client: &Client,
    ids: &[String],
    filters: &[(&str, &str)],
) -> std::result::Result<Vec<Ec2Volume>, ApiError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut p = Params::new();
        p.list("VolumeId", ids);
        for (name, value) in filters {
            p.filter(name, &[value]);
        }
        if let Some(t) = &token {
            p.set("NextToken", t.as_str());
        }
        let r: VolumesResponse = client.call("DescribeVolumes", &p)?;
        out.extend(r.volume_set.item);
        match r.next_token.filter(|t| !t.is_empty()) {
            Some(t) if token.as_ref() != Some(&t) => token = Some(t),
            _ => return Ok(out),
        }
    }
}

/// One volume, `None` when EC2 does not know it.
fn one(client: &Client, id: &str) -> Result<Option<Ec2Volume>> {
    match describe(client, &[id.to_string()], &[]) {
        Ok(v) => Ok(v.into_iter().find(|v| v.volume_id == id)),
        Err(e) if e.is_not_found() || e.code() == "InvalidVolumeID.Malformed" => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Juju's `listVolumes`: the ids of the volumes tagged `key=value`, root
/// disks (attached as `/dev/sda1`) left out.
pub fn tagged(client: &Client, key: &str, value: &str) -> Result<Vec<String>> {
    let tag = format!("tag:{key}");
    Ok(describe(client, &[], &[(&tag, value)])?
        .into_iter()
        .filter(|v| {
            !v.attachment_set
                .item
                .iter()
                .any(|a| a.device == ebs::ROOT_DEVICE)
        })
        .map(|v| v.volume_id)
        .collect())
}

fn detach(client: &Client, volume_id: &str, instance_id: &str) -> Result<()> {
    let mut p = Params::new();
    p.set("VolumeId", volume_id);
    if !instance_id.is_empty() {
        p.set("InstanceId", instance_id);
    }
    match client.call_raw("DetachVolume", &p) {
        Ok(_) => Ok(()),
        // Not attached (any more): nothing to do.
        Err(e) if e.code() == "InvalidAttachment.NotFound" => Ok(()),
        Err(e) => Err(Error::from(e).context(format!("detaching {volume_id} from {instance_id}"))),
    }
}

/// Juju's `destroyVolume`: detaches the volume where it is attached, waits
/// until it is no longer in use, deletes it. A volume that is gone, or
/// that goes with the instance it is attached to, is fine.
pub fn destroy(client: &Client, id: &str) -> Result<()> {
    for _ in 0..POLLS {
        let Some(volume) = one(client, id)? else {
            return Ok(());
        };
        if volume.status != "in-use" {
            let mut p = Params::new();
            p.set("VolumeId", id);
            return match client.call_raw("DeleteVolume", &p) {
                Ok(_) => Ok(()),
                Err(e) if e.is_not_found() => Ok(()),
                Err(e) => Err(Error::from(e).context(format!("destroying {id:?}"))),
            };
        }
        let active: Vec<_> = volume
            .attachment_set
            .item
            .iter()
            .filter(|a| a.status == "attaching" || a.status == "attached")
            .collect();
        let dying: Vec<&str> = active
            .iter()
            .filter(|a| a.delete_on_termination)
            .map(|a| a.instance_id.as_str())
            .collect();
        if !dying.is_empty() {
            let gone = instances::describe(client, &[("instance-id", dying)])?
                .iter()
                .any(|i| {
                    matches!(
                        i.instance_state.name.as_str(),
                        "terminated" | "shutting-down"
                    )
                });
            if gone {
                // Deleted on termination.
                return Ok(());
            }
        }
        for a in active {
            detach(client, id, &a.instance_id)?;
        }
        std::thread::sleep(POLL_DELAY);
    }
    Err(Error::other(format!(
        "timed out waiting for volume {id} to not be in-use"
    )))
}

/// Destroys every volume of `ids`, logging failures; the first one is
/// returned after all were tried.
pub fn destroy_all(client: &Client, ids: &[String]) -> Result<()> {
    let mut first = None;
    for id in ids {
        if let Err(e) = destroy(client, id) {
            strato_guest::warn!("cannot destroy volume {id}: {}", e.message);
            first.get_or_insert(e);
        }
    }
    first.map_or(Ok(()), Err)
}

/// Juju's `volumeAttachmentsZone`: the zone of the EBS volumes to attach,
/// which must all be in one zone; `None` without EBS attachments.
pub fn attachments_zone(
    client: &Client,
    attachments: &[VolumeAttachmentParams],
) -> Result<Option<String>> {
    let ids: Vec<String> = attachments
        .iter()
        .filter(|a| a.provider_type == ebs::EBS && !a.volume_id.is_empty())
        .map(|a| a.volume_id.clone())
        .collect();
    if ids.is_empty() {
        return Ok(None);
    }
    let found = describe(client, &ids, &[]).map_err(|e| {
        Error::from(e).context(format!("getting volume details ({})", ids.join(", ")))
    })?;
    for pair in found.windows(2) {
        if let [a, b] = pair
            && a.availability_zone != b.availability_zone
        {
            return Err(Error::other(format!(
                "cannot attach volumes from multiple availability zones: {} is in {}, {} is in {}",
                a.volume_id, a.availability_zone, b.volume_id, b.availability_zone
            )));
        }
    }
    Ok(found.into_iter().next().map(|v| v.availability_zone))
}

/// Waits until a new volume is out of `creating`.
fn created(client: &Client, id: &str) -> Result<Ec2Volume> {
    for _ in 0..POLLS {
        match one(client, id)? {
            Some(v) if v.status == "creating" => std::thread::sleep(POLL_DELAY),
            Some(v) => return Ok(v),
            None => return Err(Error::not_found(format!("volume {id:?} not found"))),
        }
    }
    Err(Error::other(format!("volume {id} is still being created")))
}

/// The pool's attributes with the volume's on top.
fn merged(pool: &StoragePool, attrs: &Attrs) -> Attrs {
    let mut out = pool.attrs.clone();
    for (k, v) in attrs {
        out.set(k.as_str(), v.clone());
    }
    out
}

impl Ec2Environ {
    /// Juju's `createVolume`: in the zone of the instance it will be
    /// attached to, tagged with the params' resource tags and
    /// `Name=juju-<model>-<volume tag>`; deleted again if tagging fails.
    fn create_volume(&self, pool: &StoragePool, p: &VolumeParams) -> Result<Volume> {
        let spec = ebs::spec(p.size, &merged(pool, &p.attributes))?;
        let Some(instance_id) = p.attachment.as_ref().map(|a| a.instance_id.as_str()) else {
            return Err(Error::not_valid(format!(
                "volume {:?}: EBS volumes are created for an instance (no attachment given)",
                p.tag
            )));
        };
        let zone = instances::by_ids(&self.client, &self.cfg(), &[instance_id.to_string()])?
            .into_iter()
            .flatten()
            .find_map(|i| i.hardware.and_then(|h| h.availability_zone))
            .ok_or_else(|| Error::not_found(format!("instance {instance_id:?} not found")))?;
        let mut c = Params::new();
        c.set("AvailabilityZone", zone.as_str())
            .set("Size", spec.size_gib.to_string())
            .set("VolumeType", spec.volume_type.as_str());
        if spec.iops > 0 {
            c.set("Iops", spec.iops.to_string());
        }
        if spec.encrypted {
            c.set("Encrypted", "true");
        }
        let created: CreateVolumeResponse = self.client.call("CreateVolume", &c)?;
        let id = created.volume_id;
        let mut tags = p.resource_tags.clone();
        tags.retain(|(k, _)| k != "Name");
        tags.push(("Name".into(), format!("juju-{}-{}", self.cfg().name, p.tag)));
        if let Err(e) = groups::create_tags(&self.client, &id, &tags) {
            let mut d = Params::new();
            d.set("VolumeId", id.as_str());
            if let Err(de) = self.client.call_raw("DeleteVolume", &d) {
                strato_guest::warn!("cannot clean up volume {id}: {de}");
            }
            return Err(e.context("tagging volume"));
        }
        let size_gib = if created.size > 0 {
            created.size
        } else {
            spec.size_gib
        };
        Ok(Volume {
            tag: p.tag.clone(),
            volume_id: id,
            size: size_gib * 1024,
            persistent: true,
            ..Default::default()
        })
    }

    /// Juju's `attachOneVolume`: an attachment to the same instance is
    /// reported as it is; otherwise the first free device name is used.
    fn attach_volume(&self, p: &VolumeAttachmentParams) -> Result<VolumeAttachment> {
        let volume = created(&self.client, &p.volume_id)?;
        let device = match volume.status.as_str() {
            "in-use" => {
                let [a] = volume.attachment_set.item.as_slice() else {
                    return Err(Error::other(format!(
                        "volume {} has unexpected attachment count: {}",
                        p.volume_id,
                        volume.attachment_set.item.len()
                    )));
                };
                if a.instance_id != p.instance_id {
                    return Err(Error::other(format!(
                        "volume {} is attached to {}",
                        p.volume_id, a.instance_id
                    )));
                }
                ebs::renamed(&a.device)
            }
            "available" => self.attach_free(p)?,
            other => {
                return Err(Error::other(format!(
                    "cannot attach to volume with status {other:?}"
                )));
            }
        };
        Ok(VolumeAttachment {
            volume: p.volume.clone(),
            machine: p.machine.clone(),
            device_name: device,
            device_link: ebs::nvme_link(&p.volume_id),
            read_only: p.read_only,
            ..Default::default()
        })
    }

    /// `AttachVolume` on the first device name free on the instance; a
    /// name EC2 says is in use moves on to the next one.
    fn attach_free(&self, p: &VolumeAttachmentParams) -> Result<String> {
        let used: Vec<String> = describe(
            &self.client,
            &[],
            &[("attachment.instance-id", p.instance_id.as_str())],
        )?
        .iter()
        .flat_map(|v| v.attachment_set.item.iter())
        .filter(|a| a.instance_id == p.instance_id)
        .map(|a| a.device.clone())
        .collect();
        for (request, actual) in ebs::device_names(&used) {
            let mut a = Params::new();
            a.set("VolumeId", p.volume_id.as_str())
                .set("InstanceId", p.instance_id.as_str())
                .set("Device", request.as_str());
            match self.client.call_raw("AttachVolume", &a) {
                Ok(_) => return Ok(actual),
                Err(e)
                    if e.code() == "InvalidDevice.InUse"
                        || (e.code() == "InvalidParameterValue"
                            && e.message().contains("is already in use")) => {}
                Err(e) => return Err(Error::from(e).context("attaching volume")),
            }
        }
        Err(Error::other("too many EBS volumes to attach"))
    }

    /// Juju's `releaseVolume`: once detached, the volume no longer carries
    /// the model's and controller's tags.
    fn release_volume(&self, id: &str) -> Result<()> {
        let Some(volume) = one(&self.client, id)? else {
            return Err(Error::not_found(format!("volume {id:?} not found")));
        };
        if volume.status != "available" {
            let why = if volume
                .attachment_set
                .item
                .iter()
                .any(|a| a.delete_on_termination)
            {
                "delete-on-termination flag is set"
            } else {
                "attachment still active"
            };
            return Err(Error::other(format!("cannot release volume {id}: {why}")));
        }
        let cleared = [
            (TAG_MODEL.to_string(), String::new()),
            (TAG_CONTROLLER.to_string(), String::new()),
        ];
        groups::create_tags(&self.client, id, &cleared).map_err(|e| e.context("tagging volume"))
    }
}

impl VolumeSource for Ec2Environ {
    fn validate_config(&self, pool: StoragePool) -> Result<()> {
        ebs::pool_config(&pool).map(|_| ())
    }

    fn validate_volume_params(&self, pool: StoragePool, params: VolumeParams) -> Result<()> {
        ebs::pool_config(&pool)?;
        ebs::spec(params.size, &merged(&pool, &params.attributes)).map(|_| ())
    }

    fn create_volumes(
        &self,
        pool: StoragePool,
        params: Vec<VolumeParams>,
    ) -> Result<Vec<CreateVolumeResult>> {
        ebs::pool_config(&pool)?;
        Ok(params
            .iter()
            .map(|p| match self.create_volume(&pool, p) {
                Ok(volume) => CreateVolumeResult {
                    volume: Some(volume),
                    ..Default::default()
                },
                Err(e) => CreateVolumeResult {
                    error: Some(e),
                    ..Default::default()
                },
            })
            .collect())
    }

    fn list_volumes(&self, pool: StoragePool) -> Result<Vec<String>> {
        ebs::pool_config(&pool)?;
        tagged(&self.client, TAG_MODEL, &self.cfg().uuid)
    }

    fn describe_volumes(
        &self,
        pool: StoragePool,
        volume_ids: Vec<String>,
    ) -> Result<Vec<Result<Volume>>> {
        ebs::pool_config(&pool)?;
        let found = match describe(&self.client, &volume_ids, &[]) {
            Ok(v) => v,
            // One unknown id fails the whole call: ask one by one.
            Err(e) if e.is_not_found() || e.code() == "InvalidVolumeID.Malformed" => {
                let mut v = Vec::new();
                for id in &volume_ids {
                    v.extend(one(&self.client, id)?);
                }
                v
            }
            Err(e) => return Err(e.into()),
        };
        Ok(volume_ids
            .iter()
            .map(|id| match found.iter().find(|v| v.volume_id == *id) {
                Some(v) => Ok(Volume {
                    volume_id: v.volume_id.clone(),
                    size: v.size * 1024,
                    persistent: !v
                        .attachment_set
                        .item
                        .iter()
                        .any(|a| a.delete_on_termination),
                    ..Default::default()
                }),
                None => Err(Error::not_found(format!("{id} not found"))),
            })
            .collect())
    }

    fn destroy_volumes(
        &self,
        pool: StoragePool,
        volume_ids: Vec<String>,
    ) -> Result<Vec<Option<Error>>> {
        ebs::pool_config(&pool)?;
        Ok(volume_ids
            .iter()
            .map(|id| destroy(&self.client, id).err())
            .collect())
    }

    fn release_volumes(
        &self,
        pool: StoragePool,
        volume_ids: Vec<String>,
    ) -> Result<Vec<Option<Error>>> {
        ebs::pool_config(&pool)?;
        Ok(volume_ids
            .iter()
            .map(|id| self.release_volume(id).err())
            .collect())
    }

    fn attach_volumes(
        &self,
        pool: StoragePool,
        params: Vec<VolumeAttachmentParams>,
    ) -> Result<Vec<AttachVolumeResult>> {
        ebs::pool_config(&pool)?;
        Ok(params
            .iter()
            .map(|p| match self.attach_volume(p) {
                Ok(a) => AttachVolumeResult {
                    attachment: Some(a),
                    error: None,
                },
                Err(e) => AttachVolumeResult {
                    attachment: None,
                    error: Some(e),
                },
            })
            .collect())
    }

    fn detach_volumes(
        &self,
        pool: StoragePool,
        params: Vec<VolumeAttachmentParams>,
    ) -> Result<Vec<Option<Error>>> {
        ebs::pool_config(&pool)?;
        Ok(params
            .iter()
            .map(|p| detach(&self.client, &p.volume_id, &p.instance_id).err())
            .collect())
    }
}
