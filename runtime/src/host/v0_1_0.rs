//! The host imports of `juju:environs@0.1.0`: the same functions as the
//! newest version's (records shared, see `bindings::v0_1_0`), so each one
//! delegates to the newest implementation.

use wasmtime::component::{HasSelf, Linker};

use crate::bindings::latest::juju::environs as now;
use crate::bindings::v0_1_0::{
    FullProvider,
    juju::environs::{bootstrap_context, call_context, credential, instance_types, log},
};
use crate::store::StoreState;
use crate::types::{Attrs, Constraints, InstanceState, InstanceType, ProviderError, StringMap};

/// Adds the 0.1.0 host imports to `linker`.
pub(super) fn add_to_linker(linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
    FullProvider::add_to_linker::<StoreState, HasSelf<StoreState>>(linker, |s| s)?;
    // 0.1.0's record interface (`types`, now `common`): only types, but
    // components import it by its old name.
    linker.instance(&crate::bindings::interface_name(
        "types",
        crate::bindings::v0_1_0::WIT_VERSION,
    ))?;
    Ok(())
}

impl call_context::Host for StoreState {
    async fn invalidate_credential(&mut self, reason: String) -> Result<(), ProviderError> {
        now::call_context::Host::invalidate_credential(self, reason).await
    }

    async fn dying(&mut self) -> bool {
        now::call_context::Host::dying(self).await
    }

    async fn status(
        &mut self,
        status: InstanceState,
        info: String,
        data: Attrs,
    ) -> Result<(), ProviderError> {
        now::call_context::Host::status(self, status, info, data).await
    }

    async fn cleanup(&mut self, info: String) -> Result<(), ProviderError> {
        now::call_context::Host::cleanup(self, info).await
    }
}

impl log::Host for StoreState {
    async fn log(&mut self, level: log::Level, message: String) {
        let level = match level {
            log::Level::Trace => now::log::Level::Trace,
            log::Level::Debug => now::log::Level::Debug,
            log::Level::Info => now::log::Level::Info,
            log::Level::Warn => now::log::Level::Warn,
            log::Level::Error => now::log::Level::Error,
        };
        now::log::Host::log(self, level, message).await
    }
}

impl bootstrap_context::Host for StoreState {
    async fn should_verify_credentials(&mut self) -> bool {
        now::bootstrap_context::Host::should_verify_credentials(self).await
    }

    async fn infof(&mut self, message: String) {
        now::bootstrap_context::Host::infof(self, message).await
    }

    async fn verbosef(&mut self, message: String) {
        now::bootstrap_context::Host::verbosef(self, message).await
    }

    async fn write_stdout(&mut self, text: String) {
        now::bootstrap_context::Host::write_stdout(self, text).await
    }

    async fn write_stderr(&mut self, text: String) {
        now::bootstrap_context::Host::write_stderr(self, text).await
    }

    async fn read_stdin(&mut self, max_bytes: u32) -> Result<Vec<u8>, ProviderError> {
        now::bootstrap_context::Host::read_stdin(self, max_bytes).await
    }

    async fn interrupted(&mut self) -> bool {
        now::bootstrap_context::Host::interrupted(self).await
    }
}

impl credential::Host for StoreState {
    async fn auth_type(&mut self) -> Option<String> {
        now::credential::Host::auth_type(self).await
    }

    async fn attributes(&mut self) -> StringMap {
        now::credential::Host::attributes(self).await
    }

    async fn reveal(&mut self, name: String) -> Result<String, ProviderError> {
        now::credential::Host::reveal(self, name).await
    }
}

impl instance_types::Host for StoreState {
    async fn matching_instance_types(
        &mut self,
        types: Vec<InstanceType>,
        region: String,
        constraints: Constraints,
    ) -> Result<Vec<InstanceType>, ProviderError> {
        now::instance_types::Host::matching_instance_types(self, types, region, constraints).await
    }
}
