//! The call in progress (Juju's `ProviderCallContext` plus the callbacks and
//! abort channel of `StartInstanceParams`). Every function acts on the call
//! the host is making into the provider right now.
//!
//! Outside a wasm component (native unit tests) these do nothing: `dying`
//! is false and the callbacks succeed.

use crate::Result;
use crate::types::{Attrs, InstanceState};

#[cfg(target_arch = "wasm32")]
use crate::bindings::juju::environs::call_context as host;

/// `StartInstanceParams.StatusCallback`: reports progress of the machine
/// being started (`allocating`, `provisioning-error`, …).
pub fn status(state: InstanceState, info: &str, data: &Attrs) -> Result<()> {
    #[cfg(target_arch = "wasm32")]
    return host::status(state, info, data);
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = (state, info, data);
        Ok(())
    }
}

/// `StartInstanceParams.CleanupCallback`.
pub fn cleanup(info: &str) -> Result<()> {
    #[cfg(target_arch = "wasm32")]
    return host::cleanup(info);
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = info;
        Ok(())
    }
}

/// `ProviderCallContext.Dying` / `StartInstanceParams.Abort`: true once the
/// host wants the call to stop. Long loops should poll it; the host also
/// cancels calls that overrun their deadline.
pub fn dying() -> bool {
    #[cfg(target_arch = "wasm32")]
    return host::dying();
    #[cfg(not(target_arch = "wasm32"))]
    false
}

/// `ProviderCallContext.InvalidateCredential`: the cloud rejected the
/// credential; the host marks it invalid and stops using it. Return an
/// [`Error::credential_not_valid`](crate::Error::credential_not_valid) too.
pub fn invalidate_credential(reason: &str) -> Result<()> {
    #[cfg(target_arch = "wasm32")]
    return host::invalidate_credential(reason);
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = reason;
        Ok(())
    }
}
