//! Strato's own host imports: `call-context`, `log` and `bootstrap-context`.
//!
//! They are implemented once, for the newest `juju:environs` version; the
//! imports of older versions delegate to them (`v0_1_0`).
//!
//! They act on the call in progress through the embedder's [`HostHooks`]
//! (granted per instance in [`crate::Grants`]). Without hooks, or for a
//! method a hook does not override, the host logs what the guest said and
//! refuses what needs a user (stdin).

pub(crate) mod credential;
pub(crate) mod instance_types;
mod v0_1_0;
pub(crate) mod wasi;

use std::time::Instant;

use wasmtime::component::{HasSelf, Linker};

use crate::bindings::latest::{
    FullProvider,
    juju::environs::{bootstrap_context, call_context, common as types, log},
};
use crate::store::StoreState;
use crate::types::{Attrs, ErrorKind, InstanceState};

/// Log level of a guest log line (`juju:environs/log.level`).
pub use crate::bindings::latest::juju::environs::log::Level as LogLevel;

/// Longest guest log message kept; longer ones are cut.
const MAX_MESSAGE: usize = 16 << 10;

/// What the host does when a guest calls the `call-context` and
/// `bootstrap-context` imports. Every method has a default: log it, refuse
/// stdin, do not verify credentials.
///
/// ```
/// use strato_runtime::{HostHooks, types::{Attrs, InstanceState}};
///
/// struct Progress;
/// impl HostHooks for Progress {
///     fn status(&self, state: InstanceState, info: &str, _data: &Attrs) {
///         eprintln!("{state:?}: {info}");
///     }
/// }
/// ```
pub trait HostHooks: Send + Sync {
    /// `StartInstanceParams.StatusCallback`.
    fn status(&self, state: InstanceState, info: &str, data: &Attrs) {
        tracing::info!(target: "strato::guest", ?state, info, attrs = data.len(), "status");
    }
    /// `StartInstanceParams.CleanupCallback`.
    fn cleanup(&self, info: &str) {
        tracing::info!(target: "strato::guest", info, "cleanup");
    }
    /// `ProviderCallContext.InvalidateCredential`.
    fn invalidate_credential(&self, reason: &str) {
        tracing::warn!(target: "strato::guest", reason, "provider invalidated its credential");
    }
    /// `BootstrapContext.ShouldVerifyCredentials`.
    fn should_verify_credentials(&self) -> bool {
        false
    }
    /// `BootstrapContext.Infof`.
    fn infof(&self, message: &str) {
        tracing::info!(target: "strato::guest", "{message}");
    }
    /// `BootstrapContext.Verbosef`.
    fn verbosef(&self, message: &str) {
        tracing::debug!(target: "strato::guest", "{message}");
    }
    /// `BootstrapContext.GetStdout`.
    fn write_stdout(&self, text: &str) {
        tracing::info!(target: "strato::guest", stream = "stdout", "{text}");
    }
    /// `BootstrapContext.GetStderr`.
    fn write_stderr(&self, text: &str) {
        tracing::info!(target: "strato::guest", stream = "stderr", "{text}");
    }
    /// `BootstrapContext.GetStdin`: up to `max_bytes` bytes, empty at end of
    /// input; `None` (the default) = no stdin, the guest gets `not-supported`.
    fn read_stdin(&self, max_bytes: u32) -> Option<Vec<u8>> {
        let _ = max_bytes;
        None
    }
    /// `InterruptNotify`: true once the user asked to interrupt.
    fn interrupted(&self) -> bool {
        false
    }
    /// `ProviderCallContext.Dying`: true when the host wants the call in
    /// progress to stop early. The call deadline is enforced regardless.
    fn dying(&self) -> bool {
        false
    }
}

/// Hooks used when none are granted.
struct NoHooks;
impl HostHooks for NoHooks {}

impl StoreState {
    /// The hooks, if the guest may still say `text` in this call (the
    /// output budget); `None` drops it.
    fn speak(&self, text: &str) -> Option<&dyn HostHooks> {
        self.output
            .take(text.len(), &self.label)
            .then(|| self.hooks())
    }

    fn hooks(&self) -> &dyn HostHooks {
        match &self.hooks {
            Some(h) => h.as_ref(),
            None => &NoHooks,
        }
    }
}

/// Adds the `juju:environs` host imports of every supported version to
/// `linker`.
pub(crate) fn add_to_linker(linker: &mut Linker<StoreState>) -> wasmtime::Result<()> {
    FullProvider::add_to_linker::<StoreState, HasSelf<StoreState>>(linker, |s| s)?;
    v0_1_0::add_to_linker(linker)
}

fn cut(mut s: String) -> String {
    if s.len() > MAX_MESSAGE {
        let mut end = MAX_MESSAGE;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
    }
    s
}

impl types::Host for StoreState {}

impl call_context::Host for StoreState {
    async fn invalidate_credential(&mut self, reason: String) -> Result<(), types::Error> {
        let reason = cut(reason);
        if let Some(h) = self.speak(&reason) {
            h.invalidate_credential(&reason);
        }
        Ok(())
    }

    async fn dying(&mut self) -> bool {
        let late = self
            .clock
            .deadline
            .is_some_and(|deadline| Instant::now() >= deadline);
        late || self.hooks().dying()
    }

    async fn status(
        &mut self,
        status: InstanceState,
        info: String,
        data: Attrs,
    ) -> Result<(), types::Error> {
        let info = cut(info);
        if let Some(h) = self.speak(&info) {
            h.status(status, &info, &data);
        }
        Ok(())
    }

    async fn cleanup(&mut self, info: String) -> Result<(), types::Error> {
        let info = cut(info);
        if let Some(h) = self.speak(&info) {
            h.cleanup(&info);
        }
        Ok(())
    }
}

impl log::Host for StoreState {
    async fn log(&mut self, level: LogLevel, message: String) {
        let message = cut(message);
        if self.speak(&message).is_none() {
            return;
        }
        let provider = &*self.label;
        match level {
            LogLevel::Trace => tracing::trace!(target: "strato::guest", provider, "{message}"),
            LogLevel::Debug => tracing::debug!(target: "strato::guest", provider, "{message}"),
            LogLevel::Info => tracing::info!(target: "strato::guest", provider, "{message}"),
            LogLevel::Warn => tracing::warn!(target: "strato::guest", provider, "{message}"),
            LogLevel::Error => tracing::error!(target: "strato::guest", provider, "{message}"),
        }
    }
}

impl bootstrap_context::Host for StoreState {
    async fn should_verify_credentials(&mut self) -> bool {
        self.hooks().should_verify_credentials()
    }

    async fn infof(&mut self, message: String) {
        let message = cut(message);
        if let Some(h) = self.speak(&message) {
            h.infof(&message);
        }
    }

    async fn verbosef(&mut self, message: String) {
        let message = cut(message);
        if let Some(h) = self.speak(&message) {
            h.verbosef(&message);
        }
    }

    async fn write_stdout(&mut self, text: String) {
        let text = cut(text);
        if let Some(h) = self.speak(&text) {
            h.write_stdout(&text);
        }
    }

    async fn write_stderr(&mut self, text: String) {
        let text = cut(text);
        if let Some(h) = self.speak(&text) {
            h.write_stderr(&text);
        }
    }

    async fn read_stdin(&mut self, max_bytes: u32) -> Result<Vec<u8>, types::Error> {
        match self.hooks().read_stdin(max_bytes.min(1 << 20)) {
            Some(mut bytes) => {
                bytes.truncate(max_bytes as usize);
                Ok(bytes)
            }
            None => Err(types::Error {
                kind: ErrorKind::NotSupported,
                message: "stdin is not available to providers".into(),
                zone_independent: false,
            }),
        }
    }

    async fn interrupted(&mut self) -> bool {
        self.hooks().interrupted()
    }
}
