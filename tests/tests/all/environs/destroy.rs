//! `environs.Destroy` against the dummy: bootstrap, destroy with a file
//! controller store, bootstrap again; a controller the store does not know
//! is not destroyed; a failed destroy keeps the store. Also the helpers the
//! other environs tests of this file's author share (a dummy with a state
//! directory, opened and bootstrapped models).

use std::path::PathBuf;
use std::time::Duration;

use strato_runtime::environs::destroy::{
    ControllerDetails, ControllerStore, FileControllerStore, destroy,
};
use strato_runtime::types::{CreateParams, OpenParams, PrepareConfigParams};
use strato_runtime::{Environ, Error, Grants, ProviderHandle};
use strato_tests::conformance::params::bootstrap_params;
use strato_tests::conformance::{CONTROLLER_UUID, Fixture, MODEL_UUID};
use strato_tests::guests;

use crate::{load, runtime};

/// The dummy with a state directory the test can read.
pub(super) struct Dummy {
    pub state: tempfile::TempDir,
    pub provider: ProviderHandle,
}

impl Dummy {
    pub async fn new() -> Dummy {
        let state = tempfile::tempdir().expect("tempdir");
        let rt = runtime(Duration::from_secs(30));
        let provider = load(&rt, guests::STRATO_DUMMY_COMPONENT)
            .await
            .instantiate(Grants {
                state_dir: Some(state.path().to_path_buf()),
                ..Grants::default()
            })
            .await
            .expect("instantiate");
        Dummy { state, provider }
    }

    /// Opens the fixture's model (prepare-config, then open).
    pub async fn open(&self, fixture: &Fixture) -> Environ {
        let config = self
            .provider
            .prepare_config(PrepareConfigParams {
                cloud: fixture.cloud_spec(),
                config: fixture.config_attrs(),
            })
            .await
            .expect("prepare config");
        self.provider
            .open(OpenParams {
                cloud: fixture.cloud_spec(),
                config,
            })
            .await
            .expect("open")
    }

    /// Opens and bootstraps the fixture's model (controller `CONTROLLER_UUID`).
    pub async fn bootstrapped(&self, fixture: &Fixture) -> Environ {
        let env = self.open(fixture).await;
        env.prepare_for_bootstrap()
            .await
            .expect("prepare for bootstrap");
        env.bootstrap(bootstrap_params(fixture))
            .await
            .expect("bootstrap");
        env
    }

    /// The dummy's state file of model `uuid`.
    pub fn state_file(&self, uuid: &str) -> PathBuf {
        self.state.path().join(format!("{uuid}.json"))
    }

    /// The model uuids that have state.
    pub fn models(&self) -> Vec<String> {
        let mut uuids: Vec<String> = std::fs::read_dir(self.state.path())
            .expect("read state dir")
            .filter_map(|e| {
                let name = e.expect("entry").file_name().to_string_lossy().into_owned();
                name.strip_suffix(".json").map(str::to_string)
            })
            .collect();
        uuids.sort();
        uuids
    }
}

/// A hosted model of the same controller.
const HOSTED_UUID: &str = "deadbeef-2bad-600d-a000-4b1d0d06f00d";

fn store_with_controller(dir: &tempfile::TempDir) -> FileControllerStore {
    let store = FileControllerStore::new(dir.path().join("controllers.json"));
    store
        .add_controller("ctrl", ControllerDetails::new(CONTROLLER_UUID))
        .expect("add controller");
    store
}

// Bootstrap → destroy (the store names the controller) → the store is
// empty, every model of the controller is gone → bootstrap again works.
#[tokio::test]
async fn destroy_removes_controller_then_bootstrap_again() {
    let dummy = Dummy::new().await;
    let fixture = Fixture::dummy();
    let env = dummy.bootstrapped(&fixture).await;
    let hosted_fixture = Fixture::dummy()
        .with_config("uuid", HOSTED_UUID.into())
        .with_config("name", "hosted".into());
    let hosted = dummy.open(&hosted_fixture).await;
    hosted
        .create(CreateParams {
            controller_uuid: CONTROLLER_UUID.into(),
        })
        .await
        .expect("create hosted model");
    assert_eq!(
        env.controller_instances(CONTROLLER_UUID).await.unwrap(),
        ["localhost"]
    );
    let mut both = vec![HOSTED_UUID.to_string(), MODEL_UUID.to_string()];
    both.sort();
    assert_eq!(dummy.models(), both);

    let dir = tempfile::tempdir().unwrap();
    let store = store_with_controller(&dir);
    destroy("ctrl", &env, &store).await.expect("destroy");

    assert_eq!(store.controller_by_name("ctrl").unwrap(), None);
    assert!(store.all_controllers().unwrap().is_empty());
    assert!(
        dummy.models().is_empty(),
        "models left: {:?}",
        dummy.models()
    );
    let err = env.all_instances().await.unwrap_err();
    assert_eq!(err.to_string(), "model is not prepared");

    // Destroying again: nothing in the store, nothing to do.
    destroy("ctrl", &env, &store).await.expect("destroy again");

    // The same environ bootstraps a fresh controller.
    env.prepare_for_bootstrap().await.expect("prepare again");
    env.bootstrap(bootstrap_params(&fixture))
        .await
        .expect("bootstrap again");
    assert_eq!(
        env.controller_instances(CONTROLLER_UUID).await.unwrap(),
        ["localhost"]
    );
}

// A controller the store does not know: Ok, and destroy-controller is not
// called (with `broken: Destroy` it would fail; the model stays).
#[tokio::test]
async fn unknown_controller_calls_nothing() {
    let dummy = Dummy::new().await;
    let fixture = Fixture::dummy().with_config("broken", "Destroy".into());
    let env = dummy.bootstrapped(&fixture).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_controller(&dir);

    destroy("other", &env, &store)
        .await
        .expect("nothing to destroy");
    let empty = FileControllerStore::new(dir.path().join("missing.json"));
    destroy("ctrl", &env, &empty)
        .await
        .expect("nothing to destroy");
    assert!(!empty.path().exists());

    assert_eq!(dummy.models(), [MODEL_UUID]);
    assert_eq!(env.all_instances().await.unwrap().len(), 1);
    assert!(store.controller_by_name("ctrl").unwrap().is_some());
}

// destroy-controller fails: its error is returned and the store keeps the
// controller, so the destroy can be retried.
#[tokio::test]
async fn failed_destroy_keeps_the_store() {
    let dummy = Dummy::new().await;
    let fixture = Fixture::dummy().with_config("broken", "Destroy".into());
    let env = dummy.bootstrapped(&fixture).await;
    let dir = tempfile::tempdir().unwrap();
    let store = store_with_controller(&dir);

    let err = destroy("ctrl", &env, &store).await.unwrap_err();
    assert!(matches!(err, Error::Provider(_)), "{err:?}");
    assert_eq!(err.to_string(), "dummy.Destroy is broken");
    assert_eq!(
        store.controller_by_name("ctrl").unwrap(),
        Some(ControllerDetails::new(CONTROLLER_UUID))
    );
    assert_eq!(dummy.models(), [MODEL_UUID]);

    // Fixed, the retry destroys and forgets the controller.
    let fixed = dummy.open(&Fixture::dummy()).await;
    destroy("ctrl", &fixed, &store).await.expect("retry");
    assert_eq!(store.controller_by_name("ctrl").unwrap(), None);
    assert!(dummy.models().is_empty());
}

// A store whose file is not JSON: the error names the file and nothing is
// destroyed.
#[tokio::test]
async fn corrupt_store_destroys_nothing() {
    let dummy = Dummy::new().await;
    let env = dummy.bootstrapped(&Fixture::dummy()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("controllers.json");
    std::fs::write(&path, "controllers: [").unwrap();
    let store = FileControllerStore::new(&path);

    let err = destroy("ctrl", &env, &store).await.unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("controller store {}", path.display())),
        "{err}"
    );
    assert_eq!(dummy.models(), [MODEL_UUID]);
}
