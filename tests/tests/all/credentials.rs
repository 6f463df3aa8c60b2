//! A provider uses a credential through the host; it is never handed the
//! secret attributes. The misbehave guest fishes for them: its
//! `controller-instances` answers with every credential attribute it was
//! given, and its schema marks `password` hidden.

use std::time::Duration;

use strato_runtime::Error;
use strato_runtime::types::{CloudSpec, Credential, OpenParams, PrepareConfigParams, Value};
use strato_tests::guests;

use crate::{load, runtime};

fn cloud(auth_type: &str) -> CloudSpec {
    CloudSpec {
        cloud_type: "misbehave".into(),
        name: "misbehave".into(),
        region: String::new(),
        endpoint: String::new(),
        identity_endpoint: String::new(),
        storage_endpoint: String::new(),
        credential: Some(Credential {
            auth_type: auth_type.into(),
            attributes: vec![
                ("username".into(), "alice".into()),
                ("password".into(), "hunter2".into()),
                ("undeclared".into(), "also-secret".into()),
            ],
            revoked: false,
            label: String::new(),
            invalid: false,
            invalid_reason: String::new(),
        }),
        ca_certificates: Vec::new(),
    }
}

fn config() -> Vec<(String, Value)> {
    let text = |s: &str| Value::Text(s.into());
    vec![
        ("name".into(), text("fishing")),
        ("type".into(), text("misbehave")),
        ("uuid".into(), text("0f1e2d3c-4b5a-4687-9a0b-1c2d3e4f5a6b")),
    ]
}

/// What the guest saw of the credential, as `name=value` strings.
async fn seen_by_guest(auth_type: &str) -> Vec<String> {
    let rt = runtime(Duration::from_secs(10));
    let component = load(&rt, guests::GUEST_MISBEHAVE_COMPONENT).await;
    let provider = component
        .instantiate(Default::default())
        .await
        .expect("instantiate");
    provider
        .prepare_config(PrepareConfigParams {
            cloud: cloud(auth_type),
            config: config(),
        })
        .await
        .expect("prepare-config");
    let env = provider
        .open(OpenParams {
            cloud: cloud(auth_type),
            config: config(),
        })
        .await
        .expect("open");
    // The host turns an empty answer into ErrNoInstances.
    match env.controller_instances("c").await {
        Ok(seen) => seen,
        Err(Error::NoInstances) => Vec::new(),
        Err(e) => panic!("the fishing guest failed: {e}"),
    }
}

#[tokio::test]
async fn hidden_and_undeclared_attributes_never_reach_the_guest() {
    let seen = seen_by_guest("userpass").await;
    assert_eq!(seen, vec!["username=alice".to_string()]);
}

#[tokio::test]
async fn an_auth_type_without_a_schema_keeps_no_attributes() {
    let seen = seen_by_guest("access-key").await;
    assert!(
        seen.is_empty(),
        "no schema for access-key, yet the guest saw {seen:?}"
    );
}
