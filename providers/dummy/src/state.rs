//! The dummy's persistent state: one JSON file per model uuid in the state
//! directory the host grants (preopened as `/state`), re-read on every call
//! so a second process sees the same instances. Without a state directory
//! (or outside a component) the state lives in memory for the process.
//!
//! Writes go to `<uuid>.json.tmp` first and are then renamed over
//! `<uuid>.json`: a process killed mid-write leaves the old file intact.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use strato_guest::types::{IngressRule, Instance, LxdProfile, Volume};
use strato_guest::{Error, Result};

/// Where the host preopens the granted state directory.
const STATE_DIR: &str = "/state";

/// Everything the dummy knows about one model.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct ModelState {
    /// The model's name (instance ids are `<name>-<n>`).
    pub name: String,
    /// The controller the model belongs to (from `create` or `bootstrap`).
    pub controller_uuid: String,
    pub bootstrapped: bool,
    pub bootstrap_finalized: bool,
    /// The next machine number for instance ids.
    pub next_instance: u64,
    pub instances: BTreeMap<String, DummyInstance>,
    /// Model-wide rules (`firewall-mode=global`).
    pub global_rules: Vec<IngressRule>,
    pub next_volume: u64,
    /// Volumes of the `modelscoped` storage provider, by volume id.
    pub volumes: BTreeMap<String, Volume>,
    /// LXD profiles written by `maybe-write-lxd-profile`, by name.
    pub lxd_profiles: BTreeMap<String, LxdProfile>,
    /// The environ version the upgrade steps have brought the model to.
    pub environ_version: u32,
    /// Injected failures used so far, per fault (`start`, `zone:<name>`;
    /// see [`crate::faults`]).
    #[serde(default)]
    pub injected: BTreeMap<String, u64>,
}

/// One started instance.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct DummyInstance {
    /// The snapshot `instances` returns.
    pub instance: Instance,
    /// The Juju machine id it was started for.
    pub machine_id: String,
    pub controller: bool,
    pub zone: String,
    /// Per-instance rules (`firewall-mode=instance`).
    pub rules: Vec<IngressRule>,
    pub tags: Vec<(String, String)>,
    pub lxd_profiles: Vec<String>,
    /// How many more `instances` answers show it without addresses
    /// (`late-addresses`).
    #[serde(default)]
    pub hidden_address_polls: u64,
}

thread_local! {
    /// State kept in memory when no state directory was granted.
    static MEMORY: RefCell<HashMap<String, ModelState>> = RefCell::new(HashMap::new());
}

/// The error methods on a model without state return (Juju's wording).
pub fn not_prepared() -> Error {
    Error::other("model is not prepared")
}

/// Access to the state of one model.
#[derive(Debug, Clone)]
pub struct Store {
    uuid: String,
}

impl Store {
    /// The store of model `uuid`; the uuid becomes a file name, so only
    /// letters, digits and `-` are accepted.
    pub fn new(uuid: &str) -> Result<Store> {
        let valid = !uuid.is_empty() && uuid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !valid {
            return Err(Error::not_valid(format!(
                "model uuid {uuid:?} is not valid"
            )));
        }
        Ok(Store {
            uuid: uuid.to_string(),
        })
    }

    /// The state, or `None` when the model was never prepared (or destroyed).
    pub fn load(&self) -> Result<Option<ModelState>> {
        let Some(dir) = state_dir() else {
            return Ok(MEMORY.with(|m| m.borrow().get(&self.uuid).cloned()));
        };
        load_file(&dir.join(format!("{}.json", self.uuid)))
    }

    /// The state; `model is not prepared` when there is none.
    pub fn get(&self) -> Result<ModelState> {
        self.load()?.ok_or_else(not_prepared)
    }

    /// Replaces the state (atomically on disk).
    pub fn save(&self, state: &ModelState) -> Result<()> {
        let Some(dir) = state_dir() else {
            MEMORY.with(|m| m.borrow_mut().insert(self.uuid.clone(), state.clone()));
            return Ok(());
        };
        let text = serde_json::to_vec_pretty(state)
            .map_err(|e| Error::other(format!("encoding model state: {e}")))?;
        let file = dir.join(format!("{}.json", self.uuid));
        let tmp = dir.join(format!("{}.json.tmp", self.uuid));
        // Write and flush the new state beside the old one, then rename over
        // it: a reader (or a process killed mid-write) sees old or new,
        // never a torn file.
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            std::io::Write::write_all(&mut f, &text)?;
            f.sync_all()
        };
        write().map_err(|e| Error::from(e).context("writing model state"))?;
        std::fs::rename(&tmp, &file).map_err(|e| Error::from(e).context("saving model state"))
    }

    /// Loads the state, applies `f` and saves the result when `f` succeeds.
    pub fn update<T>(&self, f: impl FnOnce(&mut ModelState) -> Result<T>) -> Result<T> {
        let mut state = self.get()?;
        let out = f(&mut state)?;
        self.save(&state)?;
        Ok(out)
    }

    /// Removes the model's state; a missing state is not an error.
    pub fn remove(&self) -> Result<()> {
        let Some(dir) = state_dir() else {
            MEMORY.with(|m| m.borrow_mut().remove(&self.uuid));
            return Ok(());
        };
        match std::fs::remove_file(dir.join(format!("{}.json", self.uuid))) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::from(e).context("removing model state")),
        }
    }
}

/// Every model's store and state (for `destroy-controller`).
pub fn all_models() -> Result<Vec<(Store, ModelState)>> {
    let Some(dir) = state_dir() else {
        return Ok(MEMORY.with(|m| {
            m.borrow()
                .iter()
                .map(|(uuid, st)| (Store { uuid: uuid.clone() }, st.clone()))
                .collect()
        }));
    };
    let mut models = Vec::new();
    let entries =
        std::fs::read_dir(&dir).map_err(|e| Error::from(e).context("listing model state"))?;
    for entry in entries {
        let entry = entry.map_err(|e| Error::from(e).context("listing model state"))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(uuid) = name.strip_suffix(".json") else {
            continue;
        };
        let Ok(store) = Store::new(uuid) else {
            continue;
        };
        if let Some(state) = load_file(&entry.path())? {
            models.push((store, state));
        }
    }
    Ok(models)
}

fn load_file(path: &Path) -> Result<Option<ModelState>> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| Error::other(format!("model state {} is corrupt: {e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::from(e).context("reading model state")),
    }
}

/// The granted state directory, when there is one.
fn state_dir() -> Option<PathBuf> {
    // Natively (unit tests) never touch a real `/state`.
    if !cfg!(target_arch = "wasm32") {
        return None;
    }
    let dir = PathBuf::from(STATE_DIR);
    dir.is_dir().then_some(dir)
}
