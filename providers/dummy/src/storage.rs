//! Storage: a machine-scoped `static` provider and a model-scoped, dynamic
//! `modelscoped` provider whose volumes (the `volume-source` interface) are
//! kept in the model's state.

use strato_guest::config::AttrsExt;
use strato_guest::types::{
    StorageKind, StoragePool, StorageProviderInfo, StorageScope, Volume, VolumeAttachment,
    VolumeAttachmentParams, VolumeParams,
};
use strato_guest::{AttachVolumeResult, CreateVolumeResult, Error, Result, VolumeSource};

use crate::environ::DummyEnviron;
use crate::instances::device_name;

const STATIC: &str = "static";
const MODEL_SCOPED: &str = "modelscoped";

/// `StorageProviderTypes`.
pub fn provider_types() -> Vec<String> {
    vec![STATIC.to_string(), MODEL_SCOPED.to_string()]
}

/// `StorageProvider`: `not-found` for an unknown type.
pub fn provider(provider_type: &str) -> Result<StorageProviderInfo> {
    let (scope, dynamic, releasable) = match provider_type {
        STATIC => (StorageScope::Machine, false, false),
        MODEL_SCOPED => (StorageScope::Environ, true, true),
        other => {
            return Err(Error::not_found(format!(
                "storage provider {other:?} not found"
            )));
        }
    };
    Ok(StorageProviderInfo {
        provider_type: provider_type.to_string(),
        scope,
        dynamic,
        releasable,
        supports: vec![StorageKind::Block, StorageKind::Filesystem],
        default_pools: Vec::new(),
    })
}

fn check_pool(pool: &StoragePool) -> Result<()> {
    if pool.provider_type != MODEL_SCOPED {
        return Err(Error::not_supported(format!(
            "storage provider {:?} has no volume source",
            pool.provider_type
        )));
    }
    Ok(())
}

fn attachment(volume: &str, params: &VolumeAttachmentParams, index: usize) -> VolumeAttachment {
    VolumeAttachment {
        volume: volume.to_string(),
        machine: params.machine.clone(),
        device_name: device_name(index),
        read_only: params.read_only,
        ..Default::default()
    }
}

impl VolumeSource for DummyEnviron {
    fn validate_config(&self, pool: StoragePool) -> Result<()> {
        check_pool(&pool)
    }

    fn validate_volume_params(&self, pool: StoragePool, params: VolumeParams) -> Result<()> {
        check_pool(&pool)?;
        if params.size == 0 {
            return Err(Error::not_valid(format!(
                "volume {:?} has size 0",
                params.tag
            )));
        }
        Ok(())
    }

    fn create_volumes(
        &self,
        pool: StoragePool,
        params: Vec<VolumeParams>,
    ) -> Result<Vec<CreateVolumeResult>> {
        check_pool(&pool)?;
        self.store()?.update(|state| {
            let mut results = Vec::new();
            for (i, p) in params.iter().enumerate() {
                let volume_id = format!("vol-{}", state.next_volume);
                state.next_volume += 1;
                let volume = Volume {
                    tag: p.tag.clone(),
                    volume_id: volume_id.clone(),
                    size: p.size,
                    persistent: p.attributes.bool_or("persistent", true).unwrap_or(true),
                    ..Default::default()
                };
                state.volumes.insert(volume_id, volume.clone());
                results.push(CreateVolumeResult {
                    attachment: p.attachment.as_ref().map(|a| attachment(&p.tag, a, i)),
                    volume: Some(volume),
                    error: None,
                });
            }
            Ok(results)
        })
    }

    fn list_volumes(&self, pool: StoragePool) -> Result<Vec<String>> {
        check_pool(&pool)?;
        Ok(self.store()?.get()?.volumes.into_keys().collect())
    }

    fn describe_volumes(
        &self,
        pool: StoragePool,
        volume_ids: Vec<String>,
    ) -> Result<Vec<Result<Volume>>> {
        check_pool(&pool)?;
        let state = self.store()?.get()?;
        Ok(volume_ids
            .iter()
            .map(|id| {
                state
                    .volumes
                    .get(id)
                    .cloned()
                    .ok_or_else(|| Error::not_found(format!("volume {id:?} not found")))
            })
            .collect())
    }

    fn destroy_volumes(
        &self,
        pool: StoragePool,
        volume_ids: Vec<String>,
    ) -> Result<Vec<Option<Error>>> {
        check_pool(&pool)?;
        // Destroying an absent volume is fine: it is already gone.
        self.store()?.update(|state| {
            Ok(volume_ids
                .iter()
                .map(|id| {
                    state.volumes.remove(id);
                    None
                })
                .collect())
        })
    }

    fn release_volumes(
        &self,
        pool: StoragePool,
        volume_ids: Vec<String>,
    ) -> Result<Vec<Option<Error>>> {
        check_pool(&pool)?;
        self.store()?.update(|state| {
            Ok(volume_ids
                .iter()
                .map(|id| {
                    state.volumes.remove(id).map_or_else(
                        || Some(Error::not_found(format!("volume {id:?} not found"))),
                        |_| None,
                    )
                })
                .collect())
        })
    }

    fn attach_volumes(
        &self,
        pool: StoragePool,
        params: Vec<VolumeAttachmentParams>,
    ) -> Result<Vec<AttachVolumeResult>> {
        check_pool(&pool)?;
        let state = self.store()?.get()?;
        Ok(params
            .iter()
            .enumerate()
            .map(|(i, p)| match state.volumes.get(&p.volume_id) {
                Some(_) if !state.instances.contains_key(&p.instance_id) => AttachVolumeResult {
                    attachment: None,
                    error: Some(Error::not_found(format!(
                        "instance {:?} not found",
                        p.instance_id
                    ))),
                },
                Some(_) => AttachVolumeResult {
                    attachment: Some(attachment(&p.volume, p, i)),
                    error: None,
                },
                None => AttachVolumeResult {
                    attachment: None,
                    error: Some(Error::not_found(format!(
                        "volume {:?} not found",
                        p.volume_id
                    ))),
                },
            })
            .collect())
    }

    fn detach_volumes(
        &self,
        pool: StoragePool,
        params: Vec<VolumeAttachmentParams>,
    ) -> Result<Vec<Option<Error>>> {
        check_pool(&pool)?;
        Ok(params.iter().map(|_| None).collect())
    }
}
