//! A compiled, linked provider component and the grants an instance gets.

use std::sync::Arc;

use wasmtime::Engine;
use wasmtime::component::InstancePre;

use crate::audit::{Audit, Capability, Decision};
use crate::bindings::Indices;
use crate::config::RuntimeConfig;
use crate::error::Result;
use crate::grants::{GrantReport, Grants, report};
use crate::handle::ProviderHandle;
use crate::inspect::{ComponentInfo, OptionalInterface};
use crate::store::StoreState;

pub(crate) struct ComponentInner {
    pub engine: Engine,
    pub pre: InstancePre<StoreState>,
    pub indices: Indices,
    pub info: ComponentInfo,
    pub config: RuntimeConfig,
    pub audit: Audit,
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

    /// What the component asks for, what `grants` give and what it would
    /// get (see [`crate::grants::report`]).
    pub fn grant_report(&self, grants: &Grants) -> GrantReport {
        report(&self.inner.info.declared, grants)
    }

    /// Creates a sandboxed instance slot with `grants`. The instance gets
    /// what the component declared and `grants` give; the difference is
    /// logged and recorded as audit events. The component is instantiated
    /// once right away, so a component that cannot start fails here.
    pub async fn instantiate(&self, grants: Grants) -> Result<ProviderHandle> {
        let handle = ProviderHandle::new(self.clone(), grants).await?;
        let report = self.grant_report(handle.grants());
        for line in &report.lines {
            let decision = if line.effective() {
                Decision::Allowed
            } else {
                Decision::Denied
            };
            if line.asked {
                handle.scope().record(
                    Capability::Grant,
                    format!("{} {}", line.capability, line.what),
                    decision,
                    if line.effective() {
                        "declared and granted"
                    } else {
                        line.note.as_str()
                    },
                );
            }
        }
        tracing::info!(target: "strato::runtime", provider = %handle.name(), capabilities = %report, "provider instantiated");
        Ok(handle)
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
                config: c.config.clone(),
                audit: c.audit.clone(),
                label: c.label.clone(),
            }),
        }
    }
}
