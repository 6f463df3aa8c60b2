//! The data of one instance's `Store`: WASI context, resource table,
//! limits, the call clock and the grants the host hooks act on.
//!
//! The WASI context starts empty (no arguments, no environment, stdin
//! closed) and gets exactly one preopen, the granted state directory, as
//! `/state`. Guest stdout and stderr go to `tracing` (target
//! `strato::guest`), never to the host's own streams.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::AsyncWrite;
use wasmtime::component::ResourceTable;
use wasmtime::{Engine, Store};
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

use crate::error::{Error, Result};
use crate::host::HostHooks;
use crate::limits::{CallClock, Limiter, OutputBudget, on_epoch};

/// The guest path of the granted state directory.
pub const STATE_DIR_GUEST_PATH: &str = "/state";

/// `T` of every `Store<T>` the runtime creates.
pub struct StoreState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub(crate) limiter: Limiter,
    pub(crate) clock: CallClock,
    pub(crate) hooks: Option<Arc<dyn HostHooks>>,
    /// What the guest may still say in the call in progress.
    pub(crate) output: Arc<OutputBudget>,
    /// Short name of the component, for log lines.
    pub(crate) label: Arc<str>,
}

impl WasiView for StoreState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// What a new store needs besides the engine.
pub(crate) struct StoreSpec<'a> {
    pub grants: &'a crate::Grants,
    pub memory_limit: usize,
    pub label: Arc<str>,
}

/// Creates a store with the sandbox's WASI context, limits and epoch
/// callback installed. The state directory is created if missing.
pub(crate) fn new_store(engine: &Engine, spec: StoreSpec<'_>) -> Result<Store<StoreState>> {
    let output = Arc::new(OutputBudget::new());
    let mut wasi = WasiCtxBuilder::new();
    wasi.stdout(LogOutput {
        stream: "stdout",
        label: spec.label.clone(),
        budget: output.clone(),
    })
    .stderr(LogOutput {
        stream: "stderr",
        label: spec.label.clone(),
        budget: output.clone(),
    });
    if let Some(dir) = &spec.grants.state_dir {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("creating state directory {}", dir.display()), e))?;
        wasi.preopened_dir(dir, STATE_DIR_GUEST_PATH, FsPerms::ReadWrite)
            .map_err(|e| {
                Error::io(
                    format!("opening state directory {}", dir.display()),
                    io::Error::other(e.to_string()),
                )
            })?;
    }
    let state = StoreState {
        wasi: wasi.build(),
        table: ResourceTable::new(),
        limiter: Limiter::new(spec.memory_limit),
        clock: CallClock::default(),
        hooks: spec.grants.hooks.clone(),
        output,
        label: spec.label,
    };
    let mut store = Store::new(engine, state);
    store.limiter(|s| &mut s.limiter);
    store.epoch_deadline_callback(on_epoch);
    store.set_epoch_deadline(1);
    Ok(store)
}

/// Guest stdout/stderr: each write becomes one `tracing` event.
#[derive(Clone)]
struct LogOutput {
    stream: &'static str,
    label: Arc<str>,
    budget: Arc<OutputBudget>,
}

impl IsTerminal for LogOutput {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for LogOutput {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

/// Longest piece of guest output logged from one write.
const MAX_OUTPUT_LOGGED: usize = 8 << 10;

impl AsyncWrite for LogOutput {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let shown = &buf[..buf.len().min(MAX_OUTPUT_LOGGED)];
        let text = String::from_utf8_lossy(shown);
        let text = text.trim_end();
        if !text.is_empty() && self.budget.take(text.len(), &self.label) {
            tracing::debug!(target: "strato::guest", provider = %self.label, stream = self.stream, "{text}");
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
