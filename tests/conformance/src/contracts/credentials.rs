//! Credential contracts that need the cloud itself: a credential the
//! cloud rejects.

use std::sync::{Arc, Mutex};

use strato_runtime::types::{ErrorKind, OpenParams, PrepareConfigParams};
use strato_runtime::{Error, HostHooks};

use crate::{CallExt, Check, Ctx, Outcome, expect_err};

/// §3.4.31: a credential the cloud rejects makes the provider call
/// `invalidate-credential` and fail with `credential-not-valid`.
pub async fn invalidate_credential(cx: &Ctx) -> Check {
    let Some(rejected) = cx.fixture().expect.rejected_credential.clone() else {
        return Err(Outcome::Skip(
            "the fixture names no `rejected-credential` (a credential its cloud refuses)".into(),
        ));
    };
    let hooks = Arc::new(Invalidations::default());
    let provider = cx.provider_with_hooks(hooks.clone()).await?;
    let mut spec = cx.fixture().cloud_spec();
    spec.credential = Some(rejected.to_credential());
    let config = provider
        .prepare_config(PrepareConfigParams {
            cloud: spec.clone(),
            config: cx.fixture().config_attrs(),
        })
        .await
        .call("PrepareConfig(rejected credential)")?;
    // Open does no I/O: it must work whatever the secret.
    let env = provider
        .open(OpenParams {
            cloud: spec,
            config,
        })
        .await
        .call("Open(rejected credential)")?;
    let err = expect_err(
        env.all_instances().await,
        "AllInstances with the rejected credential",
        "credential-not-valid",
    )?;
    match &err {
        Error::Provider(e) if e.kind == ErrorKind::CredentialNotValid => {}
        other => {
            return Err(Outcome::Fail(format!(
                "AllInstances with the rejected credential: expected credential-not-valid, got {other}"
            )));
        }
    }
    let reasons = hooks.reasons();
    if reasons.is_empty() {
        return Err(Outcome::Fail(
            "the cloud rejected the credential but the provider did not call invalidate-credential"
                .into(),
        ));
    }
    if reasons.iter().any(|r| r.trim().is_empty()) {
        return Err(Outcome::Fail(
            "invalidate-credential was called with an empty reason".into(),
        ));
    }
    Ok(())
}

/// Records the reasons given to `invalidate-credential`.
#[derive(Default)]
struct Invalidations(Mutex<Vec<String>>);

impl Invalidations {
    fn reasons(&self) -> Vec<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl HostHooks for Invalidations {
    fn invalidate_credential(&self, reason: &str) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(reason.to_string());
    }
}
