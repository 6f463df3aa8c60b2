//! A compiled, linked provider component and the grants an instance gets.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use wasmtime::Engine;
use wasmtime::component::InstancePre;

use crate::bindings::Indices;
use crate::error::Result;
use crate::handle::ProviderHandle;
use crate::host::HostHooks;
use crate::inspect::{ComponentInfo, OptionalInterface};
use crate::store::StoreState;

/// What an instance is given beyond the closed sandbox.
///
/// By default nothing: no filesystem, and host hooks that only log.
#[derive(Default, Clone)]
pub struct Grants {
    /// A private directory, preopened as `/state` for the guest; created if
    /// missing. Nothing else of the filesystem exists for the guest.
    pub state_dir: Option<PathBuf>,
    /// What the host does on `call-context` and `bootstrap-context` calls.
    pub hooks: Option<Arc<dyn HostHooks>>,
}

impl std::fmt::Debug for Grants {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Grants")
            .field("state_dir", &self.state_dir)
            .field("hooks", &self.hooks.is_some())
            .finish()
    }
}

pub(crate) struct ComponentInner {
    pub engine: Engine,
    pub pre: InstancePre<StoreState>,
    pub indices: Indices,
    pub info: ComponentInfo,
    pub call_timeout: Duration,
    pub memory_limit: usize,
    /// Short name for log lines: the first 12 hex digits of the sha256.
    pub label: Arc<str>,
}

/// A compiled and linked provider component, ready to instantiate.
///
/// Cloning is cheap; every [`ProviderHandle`] made from it shares the
/// compiled code.
#[derive(Clone)]
pub struct Component {
    pub(crate) inner: Arc<ComponentInner>,
}

impl std::fmt::Debug for Component {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Component")
            .field("info", &self.inner.info)
            .finish_non_exhaustive()
    }
}

impl Component {
    /// What the component is, exports and imports, and how it was compiled.
    pub fn info(&self) -> &ComponentInfo {
        &self.inner.info
    }

    /// True when the component exports the optional interface `i`.
    pub fn supports(&self, i: OptionalInterface) -> bool {
        self.inner.indices.supports(i)
    }

    /// Creates a sandboxed instance slot with `grants`. The component is
    /// instantiated once right away, so a component that cannot start fails
    /// here.
    pub async fn instantiate(&self, grants: Grants) -> Result<ProviderHandle> {
        ProviderHandle::new(self.clone(), grants).await
    }

    /// The same component, described as served from the cache.
    pub(crate) fn as_cached(&self) -> Component {
        let c = &self.inner;
        let mut info = c.info.clone();
        info.compile_time = None;
        info.from_cache = true;
        Component {
            inner: Arc::new(ComponentInner {
                engine: c.engine.clone(),
                pre: c.pre.clone(),
                indices: c.indices.clone(),
                info,
                call_timeout: c.call_timeout,
                memory_limit: c.memory_limit,
                label: c.label.clone(),
            }),
        }
    }
}
