//! A hostile provider for the sandbox suite (`tests/tests/all/sandbox`).
//!
//! `instances(ids)` performs the attack each id names and answers one
//! instance per id whose status message is what the guest saw: `ok …` or
//! `err <kind>: <message>`, so a test can read the guest's side of every
//! denial. Ids with arguments use `:` after the name and `|` between
//! arguments.
//!
//! | id | what the guest does |
//! |---|---|
//! | `get:<url>` | `GET url`; `ok status=<n> body=<text>` |
//! | `get-signed:<marker>\|<url>` | `GET url`, asking the host to authenticate it |
//! | `post-signed:<marker>\|<url>\|<body>` | form `POST` (e.g. an EC2 query) to be authenticated |
//! | `header:<name>=<value>\|<url>` | `GET url` with a header of its own (`authorization`) |
//! | `flood:<n>\|<url>` | `n` requests in flight at once; `ok=<a> failed=<b> error=<first>` |
//! | `big:<url>` | reads a response body to its end, keeping nothing; `bytes=<n>` |
//! | `slow:<ms>\|<url>` | `GET url` with its own timeouts of `ms` |
//! | `reveal:<name>` | asks the host for a secret credential attribute |
//! | `credential` | the credential as the guest sees it: auth type and attributes |
//! | `cloud-credential` | the credential attributes the cloud spec carried into `open` |
//! | `read:<path>` / `write:<path>` / `list:<path>` | file access, in and out of `/state` |
//! | `env` | the environment variables the guest sees |
//! | `loop` / `oom` / `recurse` / `trap` | spin, exhaust memory, overflow the stack, panic |
//! | `big-result:<bytes>` | answers a status message of that many bytes |
//! | `forge-result` | answers a string whose length claims 2 GiB (beyond its memory) |
//! | anything else | `ok` |
//!
//! `start-instance` with placement `trap-half` writes `/state/half-started`,
//! reports `allocating`, then traps; any other placement starts an instance
//! recorded as a file in `/state`. `version()` is [`VERSION`].
//!
//! The component declares (custom section `strato:capabilities`) the
//! network patterns the suite grants, the reveal of `secret-key` and
//! `password`, and a state directory: the operator decides which it gets.

mod attacks;

use std::cell::RefCell;

use strato_guest::types::{
    Attrs, CloudSpec, CredentialAttr, CredentialSchema, Instance, InstanceState, InstanceStatus,
    OpenParams, PrepareConfigParams, StartInstanceParams, StartInstanceResult,
};
use strato_guest::{EnvironProvider, Error, NoopFinalizer, Result};

/// What `version()` answers.
pub const VERSION: u32 = 9;

strato_guest::capabilities! {
    network: ["http://127.0.0.1:*", "http://localhost:*", "http://*"],
    reveal: ["secret-key", "password"],
    state_dir: true,
    env: ["STRATO_ATTACK_TOKEN", "HOME"],
    read: ["~/lent"],
}

/// The hostile provider.
pub struct AttackProvider;

impl EnvironProvider for AttackProvider {
    type Environ = AttackEnviron;

    fn version() -> Result<u32> {
        Ok(VERSION)
    }

    fn prepare_config(params: PrepareConfigParams) -> Result<Attrs> {
        Ok(params.config)
    }

    fn validate(config: Attrs, _old: Option<Attrs>) -> Result<Attrs> {
        Ok(config)
    }

    /// Declares every attribute visible: a hostile provider trying to have
    /// the host hand it the secrets.
    fn credential_schemas() -> Result<Vec<CredentialSchema>> {
        let attr = |name: &str| CredentialAttr {
            name: name.to_string(),
            hidden: false,
            ..Default::default()
        };
        Ok(vec![
            CredentialSchema {
                auth_type: "access-key".to_string(),
                attributes: vec![attr("access-key"), attr("secret-key")],
            },
            CredentialSchema {
                auth_type: "userpass".to_string(),
                attributes: vec![attr("username"), attr("password")],
            },
        ])
    }

    fn open(params: OpenParams) -> Result<AttackEnviron> {
        Ok(AttackEnviron {
            config: RefCell::new(params.config),
            cloud: params.cloud,
        })
    }
}

/// The environ: every attack runs in [`strato_guest::Environ::instances`].
pub struct AttackEnviron {
    config: RefCell<Attrs>,
    cloud: CloudSpec,
}

fn instance(id: String, message: String) -> Instance {
    Instance {
        id,
        status: InstanceStatus {
            state: InstanceState::Running,
            message,
        },
        ..Default::default()
    }
}

impl strato_guest::Environ for AttackEnviron {
    type Finalizer = NoopFinalizer;

    fn config(&self) -> Result<Attrs> {
        Ok(self.config.borrow().clone())
    }

    fn set_config(&self, config: Attrs) -> Result<()> {
        *self.config.borrow_mut() = config;
        Ok(())
    }

    fn prepare_for_bootstrap(&self) -> Result<()> {
        Ok(())
    }

    fn bootstrap(
        &self,
        _params: strato_guest::types::BootstrapParams,
    ) -> Result<strato_guest::BootstrapResult<NoopFinalizer>> {
        Err(Error::not_implemented("bootstrap"))
    }

    fn destroy(&self) -> Result<()> {
        Ok(())
    }

    fn start_instance(&self, params: StartInstanceParams) -> Result<StartInstanceResult> {
        attacks::start_instance(&params.placement)
    }

    fn stop_instances(&self, _ids: Vec<String>) -> Result<()> {
        Ok(())
    }

    fn all_instances(&self) -> Result<Vec<Instance>> {
        attacks::started()
    }

    fn instances(&self, ids: Vec<String>) -> Result<Vec<Option<Instance>>> {
        Ok(ids
            .into_iter()
            .map(|id| {
                let outcome = attacks::run(&id, &self.cloud);
                Some(instance(id, outcome))
            })
            .collect())
    }

    fn controller_instances(&self, _controller_uuid: String) -> Result<Vec<String>> {
        Err(Error::not_bootstrapped())
    }
}

strato_guest::export_provider!(AttackProvider);
