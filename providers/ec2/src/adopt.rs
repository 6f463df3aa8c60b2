//! Juju's `AdoptResources`: after a model migrates to another controller,
//! every resource of the model (instances, EBS volumes including root
//! disks, security groups; found by the `juju-model-uuid` tag) is re-tagged
//! `juju-controller-uuid=<new controller>` with `CreateTags`, in batches
//! (Juju sends one request for all of them). As Juju's `tagResources`, a
//! batch is retried for a short while on `*.NotFound` (eventual
//! consistency).

use std::time::Duration;

use strato_guest::{Error, Result};

use crate::client::{Client, Params};
use crate::config::Ec2Config;
use crate::instances::{self, TAG_CONTROLLER, TAG_MODEL};
use crate::{groups, volumes};

/// Resource ids per `CreateTags` request.
pub const BATCH: usize = 100;
/// Juju's `shortAttempt`: 5 s, every 200 ms.
const ATTEMPTS: u32 = 25;
const DELAY: Duration = Duration::from_millis(200);

/// The ids of every resource tagged with the model: instances (any listed
/// state), volumes (root disks too: they carry the controller tag as well)
/// and security groups.
pub fn model_resources(client: &Client, cfg: &Ec2Config) -> Result<Vec<String>> {
    let tag = format!("tag:{TAG_MODEL}");
    let mut ids: Vec<String> = instances::describe(
        client,
        &[
            ("instance-state-name", instances::LISTED.to_vec()),
            (&tag, vec![cfg.uuid.as_str()]),
        ],
    )?
    .into_iter()
    .map(|i| i.instance_id)
    .collect();
    ids.extend(
        volumes::describe(client, &[], &[(&tag, &cfg.uuid)])?
            .into_iter()
            .map(|v| v.volume_id),
    );
    ids.extend(
        groups::tagged(client, TAG_MODEL, &cfg.uuid)?
            .into_iter()
            .map(|g| g.group_id),
    );
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// `AdoptResources`: tags the model's resources with `controller_uuid`.
pub fn adopt(client: &Client, cfg: &Ec2Config, controller_uuid: &str) -> Result<()> {
    let ids = model_resources(client, cfg)?;
    for batch in ids.chunks(BATCH) {
        let mut p = Params::new();
        p.list("ResourceId", batch);
        p.set("Tag.1.Key", TAG_CONTROLLER);
        p.set("Tag.1.Value", controller_uuid);
        let mut attempt = 1;
        loop {
            match client.call_raw("CreateTags", &p) {
                Ok(_) => break,
                Err(e) if e.code().ends_with(".NotFound") && attempt < ATTEMPTS => {
                    attempt += 1;
                    std::thread::sleep(DELAY);
                }
                Err(e) => return Err(Error::from(e).context("updating tags")),
            }
        }
    }
    Ok(())
}
