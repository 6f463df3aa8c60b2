//! The conformance kit: the behaviour contracts of Juju's `environs`
//! (fact sheet §3: `jujutest.Tests`, `jujutest.LiveTests` and the contract
//! checklist), written once against `strato-runtime`'s handles and runnable
//! against any provider component given a [`Fixture`].
//!
//! Every contract is one async function with a stable id. [`run`] gives each
//! one a fresh provider instance over a fresh state directory, skips those
//! that need an optional interface the component does not export, and
//! collects a [`Report`]. The bootstrap contracts call the provider's
//! `bootstrap`; when it answers `not-implemented` (Juju's providers that
//! use `common.Bootstrap`), the host starts the bootstrap machine with
//! `strato_runtime::environs::bootstrap::bootstrap_instance` instead, and
//! `FinishBootstrap` is skipped as Juju's suites skip it.
//!
//! ```no_run
//! # async fn example(component: strato_runtime::Component) {
//! use strato_conformance::{self as conformance, Fixture};
//! let report = conformance::run(&component, &Fixture::dummy()).await;
//! print!("{report}");
//! assert_eq!(report.failed(), 0);
//! # }
//! ```

mod contracts;
mod fixture;
pub mod params;
mod report;

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::time::Duration;

use strato_runtime::types::{Attrs, OpenParams, PrepareConfigParams, StartInstanceResult, Value};
use strato_runtime::{Component, Environ, Grants, OptionalInterface, ProviderHandle};

pub use contracts::all as contracts;
pub use fixture::{
    CONTROLLER_UUID, CloudFixture, CredentialFixture, Expectations, Fixture, FixtureError,
    MODEL_UUID, json_to_value,
};
pub use report::{ContractResult, Outcome, Report};

/// How long one contract may take in all before it is reported as failed.
/// Each guest call has its own, shorter deadline in the runtime.
pub const CONTRACT_TIMEOUT: Duration = Duration::from_secs(120);

/// The result of one step of a contract: `Err` carries the failure (or the
/// reason to skip) and ends the contract.
pub type Check<T = ()> = Result<T, Outcome>;

/// A future returned by a contract function.
pub type ContractFuture<'a> = Pin<Box<dyn Future<Output = Check> + Send + 'a>>;

/// One behaviour contract.
#[derive(Clone, Copy)]
pub struct Contract {
    /// Stable id, e.g. `instances-partial`.
    pub id: &'static str,
    /// What it checks, in the words of the Go suites.
    pub name: &'static str,
    /// Optional interfaces the component must export for this contract to apply.
    pub needs: &'static [OptionalInterface],
    /// The check itself.
    pub run: for<'a> fn(&'a Ctx) -> ContractFuture<'a>,
}

impl std::fmt::Debug for Contract {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Contract")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("needs", &self.needs)
            .finish()
    }
}

/// Runs every contract against `component` with `fixture`.
pub async fn run(component: &Component, fixture: &Fixture) -> Report {
    run_matching(component, fixture, |_| true).await
}

/// Runs the contracts for which `select` returns true.
pub async fn run_matching(
    component: &Component,
    fixture: &Fixture,
    select: impl Fn(&Contract) -> bool,
) -> Report {
    let mut results = Vec::new();
    for contract in contracts().iter().filter(|c| select(c)) {
        let outcome = run_one(component, fixture, contract).await;
        results.push(ContractResult {
            id: contract.id,
            name: contract.name,
            outcome,
        });
    }
    Report::new(component.info().sha256.clone(), results)
}

/// Runs one contract in a fresh instance over a fresh state directory.
pub async fn run_one(component: &Component, fixture: &Fixture, contract: &Contract) -> Outcome {
    let missing: Vec<&str> = contract
        .needs
        .iter()
        .filter(|i| !component.info().optional.contains(i))
        .map(|i| i.wit_name())
        .collect();
    if !missing.is_empty() {
        return Outcome::Skip(format!(
            "the component does not export juju:environs/{}",
            missing.join(", juju:environs/")
        ));
    }
    let cx = match Ctx::new(component, fixture).await {
        Ok(cx) => cx,
        Err(outcome) => return outcome,
    };
    let outcome = match tokio::time::timeout(CONTRACT_TIMEOUT, (contract.run)(&cx)).await {
        Ok(Ok(())) => Outcome::Pass,
        Ok(Err(outcome)) => outcome,
        Err(_) => Outcome::Fail(format!(
            "did not finish within {}s",
            CONTRACT_TIMEOUT.as_secs()
        )),
    };
    tracing::debug!(
        contract = contract.id,
        ?outcome,
        "conformance contract done"
    );
    outcome
}

/// What a contract works with: the fixture and a provider instance of its
/// own, with a state directory nobody else uses.
pub struct Ctx {
    component: Component,
    fixture: Fixture,
    state: tempfile::TempDir,
    provider: ProviderHandle,
}

impl Ctx {
    async fn new(component: &Component, fixture: &Fixture) -> Check<Self> {
        let state = tempfile::Builder::new()
            .prefix("strato-conformance-")
            .tempdir()
            .map_err(|e| Outcome::Fail(format!("creating a state directory: {e}")))?;
        let provider = instantiate(component, state.path()).await?;
        Ok(Ctx {
            component: component.clone(),
            fixture: fixture.clone(),
            state,
            provider,
        })
    }

    /// The fixture.
    pub fn fixture(&self) -> &Fixture {
        &self.fixture
    }

    /// The provider instance of this contract.
    pub fn provider(&self) -> &ProviderHandle {
        &self.provider
    }

    /// Another instance of the same component over the same state
    /// directory: what a second process would see.
    pub async fn second_provider(&self) -> Check<ProviderHandle> {
        instantiate(&self.component, self.state.path()).await
    }

    /// A fresh instance of the component, over this contract's state
    /// directory, whose call-context calls reach `hooks`.
    pub async fn provider_with_hooks(
        &self,
        hooks: std::sync::Arc<dyn strato_runtime::HostHooks>,
    ) -> Check<ProviderHandle> {
        self.component
            .instantiate(Grants {
                state_dir: Some(self.state.path().to_path_buf()),
                hooks: Some(hooks),
                ..Grants::default()
            })
            .await
            .map_err(|e| Outcome::Fail(format!("instantiating the component: {e}")))
    }

    /// `OpenParams` for the fixture's cloud with `config`.
    pub fn open_params(&self, config: Attrs) -> OpenParams {
        OpenParams {
            cloud: self.fixture.cloud_spec(),
            config,
        }
    }

    /// `PrepareConfig` on the fixture's config, then `Open` with the result.
    pub async fn open(&self) -> Check<Environ> {
        self.open_with(&self.fixture).await
    }

    /// [`Ctx::open`] with another fixture (a changed config).
    pub async fn open_with(&self, fixture: &Fixture) -> Check<Environ> {
        let prepared = self
            .provider
            .prepare_config(PrepareConfigParams {
                cloud: fixture.cloud_spec(),
                config: fixture.config_attrs(),
            })
            .await
            .call("PrepareConfig")?;
        self.provider
            .open(OpenParams {
                cloud: fixture.cloud_spec(),
                config: prepared,
            })
            .await
            .call("Open")
    }

    /// Juju's "prepare" step: open, `PrepareForBootstrap`, then set
    /// `agent-version` through `SetConfig` (TestStartStop step 1).
    pub async fn prepared(&self) -> Check<Environ> {
        self.prepared_with(&self.fixture).await
    }

    /// [`Ctx::prepared`] with another fixture.
    pub async fn prepared_with(&self, fixture: &Fixture) -> Check<Environ> {
        let env = self.open_with(fixture).await?;
        env.prepare_for_bootstrap()
            .await
            .call("PrepareForBootstrap")?;
        let mut config = env.config().await.call("Config")?;
        set_attr(
            &mut config,
            "agent-version",
            Value::Text(params::AGENT_VERSION.into()),
        );
        env.set_config(config)
            .await
            .call("SetConfig(agent-version)")?;
        Ok(env)
    }

    /// `StartInstance` for machine `machine_id` with the fake nonce.
    pub async fn start(&self, env: &Environ, machine_id: &str) -> Check<StartInstanceResult> {
        env.start_instance(params::start_params(
            &self.fixture,
            machine_id,
            params::FAKE_NONCE,
        ))
        .await
        .call(&format!("StartInstance(machine {machine_id})"))
    }
}

async fn instantiate(component: &Component, state_dir: &Path) -> Check<ProviderHandle> {
    component
        .instantiate(Grants {
            state_dir: Some(state_dir.to_path_buf()),
            ..Grants::default()
        })
        .await
        .map_err(|e| Outcome::Fail(format!("instantiating the component: {e}")))
}

/// Sets `key` in `attrs`, replacing an existing value.
pub fn set_attr(attrs: &mut Attrs, key: &str, value: Value) {
    match attrs.iter_mut().find(|(k, _)| k == key) {
        Some(slot) => slot.1 = value,
        None => attrs.push((key.to_string(), value)),
    }
}

/// The value of `key` in `attrs`.
pub fn get_attr<'a>(attrs: &'a Attrs, key: &str) -> Option<&'a Value> {
    attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// Turns a runtime result into a contract step: an error fails the contract
/// with a message naming the call.
pub trait CallExt<T> {
    /// `what` names the call (`StartInstance(machine 0)`).
    fn call(self, what: &str) -> Check<T>;
}

impl<T> CallExt<T> for strato_runtime::Result<T> {
    fn call(self, what: &str) -> Check<T> {
        self.map_err(|e| Outcome::Fail(format!("{what}: expected success, got error: {e}")))
    }
}

/// The error of a call that must fail.
pub fn expect_err<T: std::fmt::Debug>(
    result: strato_runtime::Result<T>,
    what: &str,
    expected: &str,
) -> Check<strato_runtime::Error> {
    match result {
        Ok(v) => Err(Outcome::Fail(format!(
            "{what}: expected {expected}, got success: {}",
            short_debug(&v)
        ))),
        Err(e) => Ok(e),
    }
}

/// `{:?}` cut to a readable length.
pub fn short_debug<T: std::fmt::Debug>(v: &T) -> String {
    let s = format!("{v:?}");
    if s.chars().count() > 300 {
        let cut: String = s.chars().take(300).collect();
        format!("{cut}…")
    } else {
        s
    }
}

/// Fails the contract with a formatted message unless `cond` holds.
#[macro_export]
#[doc(hidden)]
macro_rules! ensure {
    ($cond:expr, $($arg:tt)+) => {
        if !$cond {
            return Err($crate::Outcome::Fail(format!($($arg)+)));
        }
    };
}
