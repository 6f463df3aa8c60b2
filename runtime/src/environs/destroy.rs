//! Destroying a controller on the host: Juju's `environs.Destroy` over a
//! controller store (`jujuclient.ControllerStore`), and a file-backed
//! store.
//!
//! ```no_run
//! use strato_runtime::environs::destroy::{
//!     ControllerDetails, ControllerStore, FileControllerStore, destroy,
//! };
//!
//! # async fn demo(env: strato_runtime::Environ) -> strato_runtime::Result<()> {
//! let store = FileControllerStore::new("/var/lib/strato/controllers.json");
//! store.add_controller("prod", ControllerDetails::new("1b2c…-uuid"))?;
//! // Calls `destroy-controller` with the stored uuid, then forgets "prod".
//! destroy("prod", &env, &store).await?;
//! assert!(store.controller_by_name("prod")?.is_none());
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::environ::Environ;
use crate::error::{Error, Result};

/// What the client knows about a controller (the part of Juju's
/// `jujuclient.ControllerDetails` the host uses).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct ControllerDetails {
    /// The controller's uuid: what `destroy-controller` is called with.
    pub uuid: String,
    /// `host:port` addresses of the controller's API server.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub api_endpoints: Vec<String>,
    /// The controller's CA certificate (PEM).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ca_cert: String,
    /// The cloud the controller runs on.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cloud: String,
    /// The cloud region the controller runs in.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub region: String,
    /// The cloud's type (the provider name).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub cloud_type: String,
}

impl ControllerDetails {
    /// Details with only the uuid set.
    pub fn new(uuid: impl Into<String>) -> Self {
        ControllerDetails {
            uuid: uuid.into(),
            ..Default::default()
        }
    }
}

/// The part of Juju's `jujuclient.ControllerStore` that [`destroy`] needs.
///
/// Both methods take `&self`: a store is a shared handle on storage (a
/// file, a database), synchronised internally.
pub trait ControllerStore {
    /// `ControllerByName`: the controller called `name`, `None` when the
    /// store has none by that name.
    fn controller_by_name(&self, name: &str) -> Result<Option<ControllerDetails>>;

    /// `RemoveController`: forgets `name`; removing a controller the store
    /// does not have is not an error.
    fn remove_controller(&self, name: &str) -> Result<()>;
}

/// `environs.Destroy`: destroys the controller `controller_name` with `env`
/// and, if that succeeds, removes it from `store`.
///
/// A controller the store does not know is not an error and nothing is
/// called: there is nothing to destroy. Otherwise `destroy-controller` is
/// called with the stored uuid; its error is returned and the store is left
/// unchanged, so the destroy can be retried.
pub async fn destroy<S>(controller_name: &str, env: &Environ, store: &S) -> Result<()>
where
    S: ControllerStore + ?Sized,
{
    let Some(details) = store.controller_by_name(controller_name)? else {
        tracing::debug!(target: "strato::environs", controller = controller_name, "no controller details: nothing to destroy");
        return Ok(());
    };
    tracing::info!(target: "strato::environs", controller = controller_name, uuid = %details.uuid, "destroying controller");
    env.destroy_controller(&details.uuid).await?;
    match store.remove_controller(controller_name) {
        Err(e) if !e.is_not_found() => Err(e),
        _ => Ok(()),
    }
}

/// The file's contents: Juju's `controllers.yaml` shape, as JSON.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct ControllersFile {
    #[serde(default)]
    controllers: BTreeMap<String, ControllerDetails>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    current_controller: Option<String>,
}

/// A [`ControllerStore`] kept in one JSON file, shaped like Juju's
/// `controllers.yaml`:
///
/// ```json
/// {
///   "controllers": { "prod": { "uuid": "…", "api-endpoints": ["10.0.0.1:17070"] } },
///   "current-controller": "prod"
/// }
/// ```
///
/// A missing file is an empty store; the file (and its directory) is
/// created on the first write. Every change reads the file, applies the
/// change and replaces the file atomically (a temporary file in the same
/// directory, flushed, then renamed over it), so a reader never sees a torn
/// file. Changes through one `FileControllerStore` are serialised; two
/// processes changing the same file at once may lose one change (there is
/// no file lock). Errors name the file.
#[derive(Debug)]
pub struct FileControllerStore {
    path: PathBuf,
    lock: Mutex<()>,
}

impl FileControllerStore {
    /// A store kept at `path`; nothing is read until it is used.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileControllerStore {
            path: path.into(),
            lock: Mutex::new(()),
        }
    }

    /// The file the store is kept in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `AddController`: records a new controller. A name already in the
    /// store is an error (use [`FileControllerStore::update_controller`]);
    /// so is an empty name or uuid.
    pub fn add_controller(&self, name: &str, details: ControllerDetails) -> Result<()> {
        check_details(name, &details)?;
        self.change(|file| {
            if file.controllers.contains_key(name) {
                return Err(Error::NotValid(format!(
                    "controller with name {name} already exists"
                )));
            }
            file.controllers.insert(name.to_string(), details);
            Ok(())
        })
    }

    /// `UpdateController`: records `details` under `name`, replacing what
    /// was there.
    pub fn update_controller(&self, name: &str, details: ControllerDetails) -> Result<()> {
        check_details(name, &details)?;
        self.change(|file| {
            file.controllers.insert(name.to_string(), details);
            Ok(())
        })
    }

    /// `AllControllers`: every controller, by name.
    pub fn all_controllers(&self) -> Result<BTreeMap<String, ControllerDetails>> {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        Ok(self.read()?.controllers)
    }

    /// `CurrentController`: the name of the current controller, if any.
    pub fn current_controller(&self) -> Result<Option<String>> {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        Ok(self.read()?.current_controller)
    }

    /// `SetCurrentController`: `name` must be in the store
    /// ([`Error::NotFound`] otherwise).
    pub fn set_current_controller(&self, name: &str) -> Result<()> {
        self.change(|file| {
            if !file.controllers.contains_key(name) {
                return Err(Error::NotFound(format!("controller {name} not found")));
            }
            file.current_controller = Some(name.to_string());
            Ok(())
        })
    }

    /// Reads the file, applies `f` and writes the result if `f` succeeds.
    fn change(&self, f: impl FnOnce(&mut ControllersFile) -> Result<()>) -> Result<()> {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut file = self.read()?;
        f(&mut file)?;
        self.write(&file)
    }

    fn read(&self) -> Result<ControllersFile> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(ControllersFile::default());
            }
            Err(e) => {
                let context = format!("reading controller store {}", self.path.display());
                return Err(Error::io(context, e));
            }
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(ControllersFile::default());
        }
        serde_json::from_slice(&bytes).map_err(|e| {
            let context = format!("parsing controller store {}", self.path.display());
            Error::io(
                context,
                std::io::Error::new(std::io::ErrorKind::InvalidData, e),
            )
        })
    }

    fn write(&self, file: &ControllersFile) -> Result<()> {
        let context = || format!("writing controller store {}", self.path.display());
        let text = serde_json::to_vec_pretty(file).map_err(|e| {
            Error::io(
                context(),
                std::io::Error::new(std::io::ErrorKind::InvalidData, e),
            )
        })?;
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(context(), e))?;
        let tmp = dir.join(temp_name(&self.path));
        let written = (|| -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&text)?;
            f.write_all(b"\n")?;
            f.sync_all()?;
            std::fs::rename(&tmp, &self.path)
        })();
        if let Err(e) = written {
            // Best effort: do not leave the temporary file behind.
            let _ = std::fs::remove_file(&tmp);
            return Err(Error::io(context(), e));
        }
        Ok(())
    }
}

impl ControllerStore for FileControllerStore {
    fn controller_by_name(&self, name: &str) -> Result<Option<ControllerDetails>> {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        Ok(self.read()?.controllers.remove(name))
    }

    /// Also clears the current controller when it was `name`, as Juju's does.
    fn remove_controller(&self, name: &str) -> Result<()> {
        let _guard = self.lock.lock().unwrap_or_else(|e| e.into_inner());
        let mut file = self.read()?;
        if file.controllers.remove(name).is_none() {
            return Ok(());
        }
        if file.current_controller.as_deref() == Some(name) {
            file.current_controller = None;
        }
        self.write(&file)
    }
}

fn check_details(name: &str, details: &ControllerDetails) -> Result<()> {
    if name.is_empty() {
        return Err(Error::NotValid("empty controller name not valid".into()));
    }
    if details.uuid.is_empty() {
        return Err(Error::NotValid(format!(
            "controller {name}: empty uuid not valid"
        )));
    }
    Ok(())
}

/// `.<file name>.<pid>.<n>.tmp`: unique per process and write.
fn temp_name(path: &Path) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let base = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "controllers".into());
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    format!(".{base}.{}.{n}.tmp", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, FileControllerStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = FileControllerStore::new(dir.path().join("sub").join("controllers.json"));
        (dir, store)
    }

    // A missing file is an empty store; writes create it and its directory.
    #[test]
    fn missing_file_is_empty_then_created() {
        let (_dir, store) = store();
        assert_eq!(store.controller_by_name("c").unwrap(), None);
        assert!(store.all_controllers().unwrap().is_empty());
        store.remove_controller("c").unwrap();
        assert!(!store.path().exists(), "removing nothing writes nothing");
        store
            .add_controller("c", ControllerDetails::new("u-1"))
            .unwrap();
        assert!(store.path().exists());
        assert_eq!(
            store.controller_by_name("c").unwrap(),
            Some(ControllerDetails::new("u-1"))
        );
    }

    // The file has Juju's shape and a second store on it sees the same.
    #[test]
    fn file_shape_and_sharing() {
        let (_dir, store) = store();
        let details = ControllerDetails {
            api_endpoints: vec!["10.0.0.1:17070".into()],
            cloud: "dummy".into(),
            ..ControllerDetails::new("u-1")
        };
        store.add_controller("prod", details.clone()).unwrap();
        store.set_current_controller("prod").unwrap();
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(store.path()).unwrap()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "controllers": {"prod": {
                    "uuid": "u-1", "api-endpoints": ["10.0.0.1:17070"], "cloud": "dummy"
                }},
                "current-controller": "prod",
            })
        );
        let other = FileControllerStore::new(store.path());
        assert_eq!(other.controller_by_name("prod").unwrap(), Some(details));
        assert_eq!(other.current_controller().unwrap().as_deref(), Some("prod"));
        // Removing the current controller clears it; no temp files are left.
        other.remove_controller("prod").unwrap();
        assert_eq!(store.current_controller().unwrap(), None);
        assert!(store.all_controllers().unwrap().is_empty());
        let entries: Vec<_> = std::fs::read_dir(store.path().parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(entries, ["controllers.json"]);
    }

    // Adding twice, empty names or uuids, and an unknown current are errors.
    #[test]
    fn invalid_changes_are_refused() {
        let (_dir, store) = store();
        store
            .add_controller("c", ControllerDetails::new("u"))
            .unwrap();
        let e = store
            .add_controller("c", ControllerDetails::new("v"))
            .unwrap_err();
        assert_eq!(e.to_string(), "controller with name c already exists");
        store
            .update_controller("c", ControllerDetails::new("v"))
            .unwrap();
        assert_eq!(store.controller_by_name("c").unwrap().unwrap().uuid, "v");
        assert!(
            store
                .add_controller("", ControllerDetails::new("u"))
                .unwrap_err()
                .is_not_valid()
        );
        assert!(
            store
                .add_controller("d", ControllerDetails::default())
                .unwrap_err()
                .is_not_valid()
        );
        assert!(
            store
                .set_current_controller("nope")
                .unwrap_err()
                .is_not_found()
        );
    }

    // A corrupt file is an error that names it; nothing is overwritten.
    #[test]
    fn corrupt_file_errors_name_the_file() {
        let (_dir, store) = store();
        std::fs::create_dir_all(store.path().parent().unwrap()).unwrap();
        std::fs::write(store.path(), "{not json").unwrap();
        let e = store.controller_by_name("c").unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.starts_with(&format!(
                "parsing controller store {}:",
                store.path().display()
            )),
            "{msg}"
        );
        assert!(
            store
                .add_controller("c", ControllerDetails::new("u"))
                .is_err()
        );
        assert_eq!(std::fs::read_to_string(store.path()).unwrap(), "{not json");
    }
}
