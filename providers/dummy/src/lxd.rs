//! LXD profiles: written profiles are kept by name; each instance keeps the
//! names of the profiles applied to it.

use strato_guest::types::LxdProfile;
use strato_guest::{Error, LxdProfiler, Result};

use crate::environ::DummyEnviron;

impl LxdProfiler for DummyEnviron {
    fn maybe_write_lxd_profile(&self, name: String, profile: Option<LxdProfile>) -> Result<()> {
        let Some(profile) = profile else {
            return Ok(());
        };
        self.store()?.update(|state| {
            state.lxd_profiles.entry(name).or_insert(profile);
            Ok(())
        })
    }

    fn lxd_profile_names(&self, container_name: String) -> Result<Vec<String>> {
        let state = self.store()?.get()?;
        Ok(self.instance(&state, &container_name)?.lxd_profiles)
    }

    fn replace_or_add_instance_profile(
        &self,
        instance_id: String,
        old_profile: String,
        new_profile: String,
        profile: Option<LxdProfile>,
    ) -> Result<Vec<String>> {
        self.store()?.update(|state| {
            if let Some(profile) = &profile {
                state
                    .lxd_profiles
                    .entry(new_profile.clone())
                    .or_insert_with(|| profile.clone());
            }
            let inst = state
                .instances
                .get_mut(&instance_id)
                .ok_or_else(|| Error::not_found(format!("instance {instance_id:?} not found")))?;
            inst.lxd_profiles.retain(|p| *p != old_profile);
            if profile.is_some()
                && !new_profile.is_empty()
                && !inst.lxd_profiles.contains(&new_profile)
            {
                inst.lxd_profiles.push(new_profile);
            }
            Ok(inst.lxd_profiles.clone())
        })
    }
}
