//! Instance tags: `tag-instance` replaces tags of the same name and keeps
//! the others.

use strato_guest::types::StringMap;
use strato_guest::{Error, InstanceTagger, Result};

use crate::environ::DummyEnviron;

impl InstanceTagger for DummyEnviron {
    fn tag_instance(&self, instance_id: String, tags: StringMap) -> Result<()> {
        self.store()?.update(|state| {
            let inst = state
                .instances
                .get_mut(&instance_id)
                .ok_or_else(|| Error::not_found(format!("instance {instance_id:?} not found")))?;
            for (key, value) in tags {
                match inst.tags.iter_mut().find(|(k, _)| *k == key) {
                    Some(slot) => slot.1 = value,
                    None => inst.tags.push((key, value)),
                }
            }
            Ok(())
        })
    }
}
