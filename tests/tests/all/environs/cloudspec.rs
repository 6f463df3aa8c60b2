//! Cloud specs and opening against the dummy: the cloud the dummy
//! describes becomes a spec (`MakeCloudSpec`), and the model opens through
//! the registry by cloud type or alias (`New`), through a model store
//! (`GetEnviron`, `GetEnvironAndCloud`), or with an open function.

use std::sync::atomic::{AtomicUsize, Ordering};

use strato_runtime::environs::cloudspec::{make_cloud_spec, validate_cloud_spec};
use strato_runtime::environs::open::{
    EnvironConfigGetter, get_environ, get_environ_and_cloud, new, open,
};
use strato_runtime::types::{Attrs, CloudSpec, OpenParams, PrepareConfigParams, Value};
use strato_runtime::{Error, ProviderRegistry, Result};
use strato_tests::conformance::Fixture;

use super::destroy::Dummy;

/// A model store holding one model, or failing as told.
struct Model {
    config: Result<Attrs, String>,
    cloud: Result<CloudSpec, String>,
}

impl EnvironConfigGetter for Model {
    async fn model_config(&self) -> Result<Attrs> {
        self.config.clone().map_err(Error::NotFound)
    }

    async fn cloud_spec(&self) -> Result<CloudSpec> {
        self.cloud.clone().map_err(Error::NotFound)
    }
}

/// The dummy's own cloud definition, its region spelled in upper case, and
/// the fixture's credential, made into a spec by the host.
async fn dummy_spec(dummy: &Dummy, fixture: &Fixture) -> CloudSpec {
    let cloud = dummy
        .provider
        .detect_cloud("dummy")
        .await
        .expect("detect cloud");
    let credential = fixture.cloud_spec().credential;
    let spec = make_cloud_spec(&cloud, "DUMMY-REGION", credential.as_ref()).expect("spec");
    validate_cloud_spec(&spec).expect("valid spec");
    spec
}

async fn prepared_config(dummy: &Dummy, fixture: &Fixture, spec: &CloudSpec) -> Attrs {
    dummy
        .provider
        .prepare_config(PrepareConfigParams {
            cloud: spec.clone(),
            config: fixture.config_attrs(),
        })
        .await
        .expect("prepare config")
}

fn text(attrs: &Attrs, key: &str) -> Option<String> {
    attrs
        .iter()
        .find(|(k, _)| k == key)
        .and_then(|(_, v)| match v {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        })
}

// The spec made from the dummy's cloud definition is the fixture's, and
// the model opens through the registry from a model store.
#[tokio::test]
async fn spec_from_the_dummy_cloud_opens_through_the_registry() {
    let dummy = Dummy::new().await;
    let fixture = Fixture::dummy();
    let spec = dummy_spec(&dummy, &fixture).await;
    let expected = CloudSpec {
        region: "DUMMY-REGION".into(),
        ..fixture.cloud_spec()
    };
    assert_eq!(spec, expected);

    let mut registry = ProviderRegistry::new();
    registry
        .register("dummy", dummy.provider.clone(), &["dummy-alias"])
        .expect("register");
    let config = prepared_config(&dummy, &fixture, &spec).await;
    let model = Model {
        config: Ok(config),
        cloud: Ok(spec.clone()),
    };
    let (env, cloud) = get_environ_and_cloud(&model, &registry)
        .await
        .expect("get environ");
    assert_eq!(cloud, spec);
    let env_config = env.config().await.expect("config");
    assert_eq!(text(&env_config, "name").as_deref(), Some("testmodel"));
    env.prepare_for_bootstrap().await.expect("prepare");
    assert!(env.all_instances().await.expect("instances").is_empty());

    // The same through GetEnviron, and through `New` by alias.
    get_environ(&model, &registry).await.expect("get environ");
    let by_alias = OpenParams {
        cloud: CloudSpec {
            cloud_type: "dummy-alias".into(),
            ..spec.clone()
        },
        config: model.config.clone().expect("config"),
    };
    let env = new(&registry, by_alias).await.expect("new by alias");
    assert!(env.all_instances().await.expect("instances").is_empty());
}

// An unknown cloud type is not found before any provider is called; so is
// an unknown region of the dummy's cloud.
#[tokio::test]
async fn unknown_type_and_region_are_not_found() {
    let dummy = Dummy::new().await;
    let fixture = Fixture::dummy();
    let spec = dummy_spec(&dummy, &fixture).await;
    let registry = ProviderRegistry::new();
    let params = OpenParams {
        cloud: spec,
        config: fixture.config_attrs(),
    };
    let err = new(&registry, params).await.unwrap_err();
    assert!(
        matches!(err, Error::ProviderNotFound(ref t) if t == "dummy"),
        "{err:?}"
    );
    assert!(err.is_not_found());

    let cloud = dummy.provider.detect_cloud("dummy").await.expect("cloud");
    let err = make_cloud_spec(&cloud, "elsewhere", None).unwrap_err();
    assert!(err.is_not_found());
    assert_eq!(
        err.to_string(),
        "getting cloud region definition: region \"elsewhere\" not found \
         (expected one of [\"dummy-region\"])"
    );
}

// GetEnviron reads the config, then the spec, then opens; the first
// failure is returned and nothing after it runs.
#[tokio::test]
async fn get_environ_stops_at_the_first_failure() {
    let dummy = Dummy::new().await;
    let fixture = Fixture::dummy();
    let spec = dummy_spec(&dummy, &fixture).await;
    let config = prepared_config(&dummy, &fixture, &spec).await;
    let opened = AtomicUsize::new(0);
    let provider = dummy.provider.clone();
    let open_fn = |params: OpenParams| {
        opened.fetch_add(1, Ordering::SeqCst);
        let provider = provider.clone();
        async move { open(&provider, params).await }
    };

    let no_config = Model {
        config: Err("model config gone".into()),
        cloud: Ok(spec.clone()),
    };
    let err = get_environ(&no_config, &open_fn).await.unwrap_err();
    assert_eq!(err.to_string(), "model config gone");
    let no_cloud = Model {
        config: Ok(config.clone()),
        cloud: Err("cloud spec gone".into()),
    };
    let err = get_environ(&no_cloud, &open_fn).await.unwrap_err();
    assert_eq!(err.to_string(), "cloud spec gone");
    assert_eq!(opened.load(Ordering::SeqCst), 0);

    // The provider's own refusal comes back as it is.
    let broken = Model {
        config: Ok(prepared_config(
            &dummy,
            &fixture.clone().with_config("broken", "Open".into()),
            &spec,
        )
        .await),
        cloud: Ok(spec.clone()),
    };
    let err = get_environ(&broken, &open_fn).await.unwrap_err();
    assert_eq!(err.to_string(), "dummy.Open is broken");

    let good = Model {
        config: Ok(config),
        cloud: Ok(spec),
    };
    get_environ(&good, &open_fn).await.expect("open");
    // And a handle is an open function too.
    get_environ(&good, &dummy.provider).await.expect("open");
    assert_eq!(opened.load(Ordering::SeqCst), 2);
}
