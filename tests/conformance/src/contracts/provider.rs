//! Contracts on the provider itself: registry, open, config, credentials.

use strato_runtime::types::{PrepareConfigParams, Value};
use strato_runtime::{Error, ProviderRegistry};

use crate::ensure;
use crate::{
    CallExt, Check, Ctx, Outcome, expect_err, get_attr, json_to_value, set_attr, short_debug,
};

/// §3.4.1: the registry's rules, with this component registered in it.
pub async fn registry(cx: &Ctx) -> Check {
    let p = cx.provider().clone();
    let mut reg = ProviderRegistry::new();
    reg.register("conformance", p.clone(), &["conformance-alias"])
        .call("register(conformance, alias conformance-alias)")?;

    let e = expect_err(
        reg.register("conformance", p.clone(), &[]),
        "register(conformance) again",
        "AlreadyRegistered",
    )?;
    ensure!(
        matches!(e, Error::AlreadyRegistered(_)),
        "register(conformance) again: expected AlreadyRegistered, got {e}"
    );
    ensure!(
        reg.registered_providers() == vec!["conformance".to_string()],
        "registered_providers: expected [conformance], got {:?}",
        reg.registered_providers()
    );
    let e = expect_err(
        reg.register("other", p, &["conformance-alias"]),
        "register(other, alias conformance-alias)",
        "AlreadyRegistered for the alias",
    )?;
    ensure!(
        matches!(e, Error::AlreadyRegistered(_)),
        "register with a taken alias: expected AlreadyRegistered, got {e}"
    );

    reg.provider("conformance").call("provider(conformance)")?;
    reg.provider("conformance-alias")
        .call("provider(conformance-alias)")?;

    reg.unregister("conformance");
    reg.unregister("never-registered");
    for name in ["conformance", "conformance-alias"] {
        let e = expect_err(
            reg.provider(name).map(|_| ()),
            &format!("provider({name}) after unregister"),
            "not found",
        )?;
        ensure!(
            e.is_not_found(),
            "provider({name}) after unregister: expected not found, got {e}"
        );
    }
    let e = expect_err(
        reg.provider("no-such-provider").map(|_| ()),
        "provider(no-such-provider)",
        "not found",
    )?;
    ensure!(
        e.is_not_found(),
        "provider(no-such-provider): expected not found, got {e}"
    );
    Ok(())
}

/// §3.4.2: the fixture opens (twice: open is cheap and has no side
/// effects); each attribute the fixture lists as invalid makes it fail.
pub async fn open_validates(cx: &Ctx) -> Check {
    cx.open().await?;
    cx.open().await?;
    for (key, bad) in &cx.fixture().expect.invalid_config {
        let fixture = cx.fixture().clone().with_config(key, bad.clone());
        let prepared = cx
            .provider()
            .prepare_config(PrepareConfigParams {
                cloud: fixture.cloud_spec(),
                config: fixture.config_attrs(),
            })
            .await;
        let config = match prepared {
            Err(_) => continue,
            Ok(config) => config,
        };
        let opened = cx.provider().open(cx.open_params(config)).await;
        ensure!(
            opened.is_err(),
            "Open with {key}={bad}: expected an error (invalid config), got an environ"
        );
    }
    Ok(())
}

/// §3.4.3: `PrepareConfig` twice on the same input gives the same output.
pub async fn prepare_config_deterministic(cx: &Ctx) -> Check {
    let params = || PrepareConfigParams {
        cloud: cx.fixture().cloud_spec(),
        config: cx.fixture().config_attrs(),
    };
    let a = cx
        .provider()
        .prepare_config(params())
        .await
        .call("PrepareConfig")?;
    let b = cx
        .provider()
        .prepare_config(params())
        .await
        .call("PrepareConfig (again)")?;
    ensure!(
        format!("{a:?}") == format!("{b:?}"),
        "PrepareConfig: expected the same config twice, got\n{}\nthen\n{}",
        short_debug(&a),
        short_debug(&b)
    );
    Ok(())
}

/// A value different from `v`, of the same kind.
fn changed(key: &str, v: &Value) -> Value {
    match v {
        Value::Boolean(b) => Value::Boolean(!b),
        Value::Int(i) => Value::Int(i.wrapping_add(1)),
        Value::Float(f) => Value::Float(f + 1.0),
        Value::Text(s) if key == "firewall-mode" => {
            Value::Text(if s == "global" { "instance" } else { "global" }.to_string())
        }
        Value::Text(s) if key == "uuid" => Value::Text(if s.starts_with('0') {
            "11111111-1111-4111-8111-111111111111".into()
        } else {
            "00000000-0000-4000-8000-000000000000".into()
        }),
        Value::Text(s) => Value::Text(format!("{s}-changed")),
        Value::TextList(l) => Value::TextList(l.iter().map(|s| format!("{s}-changed")).collect()),
        Value::TextMap(m) => Value::TextMap(vec![("changed".into(), format!("{}", m.len()))]),
        Value::Json(j) => Value::Json(format!("[{j}]")),
    }
}

/// §3.4.4: `Validate(cfg, old)` accepts an unchanged config and rejects a
/// change to each immutable key.
pub async fn validate_immutables(cx: &Ctx) -> Check {
    let p = cx.provider();
    let cfg = p
        .prepare_config(PrepareConfigParams {
            cloud: cx.fixture().cloud_spec(),
            config: cx.fixture().config_attrs(),
        })
        .await
        .call("PrepareConfig")?;
    p.validate(cfg.clone(), None)
        .await
        .call("Validate(cfg, nil)")?;
    p.validate(cfg.clone(), Some(cfg.clone()))
        .await
        .call("Validate(cfg, cfg)")?;

    let mut keys: Vec<(String, Option<Value>)> = ["name", "type", "uuid", "firewall-mode"]
        .iter()
        .map(|k| (k.to_string(), None))
        .collect();
    for (k, v) in &cx.fixture().expect.immutable {
        keys.push((k.clone(), Some(json_to_value(v))));
    }
    let mut checked = 0;
    for (key, new_value) in keys {
        let Some(old_value) = get_attr(&cfg, &key) else {
            continue;
        };
        let new_value = new_value.unwrap_or_else(|| changed(&key, old_value));
        let mut new_cfg = cfg.clone();
        set_attr(&mut new_cfg, &key, new_value.clone());
        let result = p.validate(new_cfg, Some(cfg.clone())).await;
        expect_err(
            result,
            &format!("Validate with {key} changed from {old_value:?} to {new_value:?}"),
            "an error (immutable key)",
        )?;
        checked += 1;
    }
    ensure!(
        checked > 0,
        "the prepared config has none of name, type, uuid, firewall-mode: nothing to check"
    );
    Ok(())
}

/// §3.3 `AssertProviderAuthTypes`.
pub async fn credential_auth_types(cx: &Ctx) -> Check {
    let schemas = cx
        .provider()
        .credential_schemas()
        .await
        .call("CredentialSchemas")?;
    let mut types: Vec<String> = schemas.iter().map(|s| s.auth_type.clone()).collect();
    let count = types.len();
    types.sort();
    types.dedup();
    ensure!(
        types.len() == count,
        "CredentialSchemas: expected one schema per auth type, got duplicates in {:?}",
        schemas.iter().map(|s| &s.auth_type).collect::<Vec<_>>()
    );
    if let Some(expected) = &cx.fixture().expect.auth_types {
        let mut expected = expected.clone();
        expected.sort();
        ensure!(
            types == expected,
            "CredentialSchemas: expected auth types {expected:?}, got {types:?}"
        );
    }
    if let Some(cred) = &cx.fixture().credential {
        ensure!(
            types.contains(&cred.auth_type),
            "CredentialSchemas: the fixture's credential uses auth type {:?}, the provider offers {types:?}",
            cred.auth_type
        );
    }
    Ok(())
}

/// Attribute names that hold secrets in every cloud Juju knows.
const SECRET_NAMES: &[&str] = &[
    "password",
    "secret-key",
    "private-key",
    "token",
    "client-secret",
];

/// §3.3 `AssertProviderCredentialsAttributesHidden`.
pub async fn credential_hidden_attrs(cx: &Ctx) -> Check {
    let schemas = cx
        .provider()
        .credential_schemas()
        .await
        .call("CredentialSchemas")?;
    match &cx.fixture().expect.hidden_attributes {
        Some(expected) => {
            for (auth_type, want) in expected {
                let Some(schema) = schemas.iter().find(|s| &s.auth_type == auth_type) else {
                    return Err(Outcome::Fail(format!(
                        "CredentialSchemas: expected auth type {auth_type:?}, not offered"
                    )));
                };
                let mut got: Vec<&str> = schema
                    .attributes
                    .iter()
                    .filter(|a| a.hidden)
                    .map(|a| a.name.as_str())
                    .collect();
                got.sort();
                let mut want: Vec<&str> = want.iter().map(String::as_str).collect();
                want.sort();
                ensure!(
                    got == want,
                    "CredentialSchemas[{auth_type}]: expected hidden attributes {want:?}, got {got:?}"
                );
            }
        }
        None => {
            for schema in &schemas {
                for a in &schema.attributes {
                    ensure!(
                        a.hidden || !SECRET_NAMES.contains(&a.name.as_str()),
                        "CredentialSchemas[{}]: attribute {:?} holds a secret but is not hidden",
                        schema.auth_type,
                        a.name
                    );
                }
            }
        }
    }
    Ok(())
}

/// §3.4.6: `DetectCredentials` finds something or says not-found.
pub async fn detect_credentials(cx: &Ctx) -> Check {
    match cx.provider().detect_credentials().await {
        Ok(_) => Ok(()),
        Err(e) if e.is_not_found() => Ok(()),
        Err(e) => Err(Outcome::Fail(format!(
            "DetectCredentials: expected credentials or a not-found error, got {e}"
        ))),
    }
}
