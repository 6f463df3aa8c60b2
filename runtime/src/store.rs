//! The data of one instance's `Store`: WASI context, resource table,
//! limits, the call clock and the grants the host hooks act on.
//!
//! The WASI context starts empty (no arguments, no environment, stdin
//! closed). It gets the granted state directory as `/state`, and, only
//! when declared and granted, host environment variables (by name) and
//! host directories preopened read-only (see [`crate::grants::local`]).
//! Guest stdout and stderr go to `tracing` (target `strato::guest`), never to the host's own streams. Outgoing HTTP goes
//! through the network capability's send hook, which knows the handle's
//! domain (cloud and credential), grants, limits and audit scope.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::AsyncWrite;
use wasmtime::component::ResourceTable;
use wasmtime::{Engine, Store};
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::audit::{Capability, Decision, Scope};
use crate::capabilities::network::{AllowedHosts, EgressPolicy, HttpHooks, NetContext};
use crate::domain::{Domain, endpoint_ip};
use crate::error::{Error, Result};
use crate::grants::local::GUEST_HOME;
use crate::grants::{Effective, EffectiveLimits};
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
    http: WasiHttpCtx,
    http_hooks: HttpHooks,
    /// The cloud and credential this instance serves.
    pub(crate) domain: Arc<Domain>,
    /// Secret attributes the guest may have revealed (declared ∩ granted).
    pub(crate) reveal: Arc<[String]>,
    /// Who is acting, for audit events.
    pub(crate) scope: Scope,
}

impl WasiHttpView for StoreState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.http_hooks,
        }
    }
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
    pub effective: &'a Effective,
    pub hooks: Option<Arc<dyn HostHooks>>,
    pub limits: &'a EffectiveLimits,
    pub label: Arc<str>,
    pub domain: Arc<Domain>,
    pub scope: Scope,
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
    if let Some(dir) = &spec.effective.state_dir {
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
    lend_local(&mut wasi, spec.effective, &spec.scope);
    // Patterns were checked when the grants were made; a bad one here is
    // a bug, and denying everything is the safe reading of it.
    let granted = AllowedHosts::parse(&spec.effective.network).unwrap_or_else(|e| {
        tracing::error!(target: "strato::runtime", error = %e, "granted network patterns do not parse; granting none");
        AllowedHosts::default()
    });
    // An IP literal (not a CIDR block) in a granted pattern names that
    // exact address: it passes the post-DNS checks.
    let exact = spec
        .effective
        .network
        .iter()
        .filter(|p| {
            !p.split_once("://")
                .is_some_and(|(_, rest)| rest.contains('/'))
        })
        .filter_map(|p| endpoint_ip(p));
    let net = Arc::new(NetContext {
        granted,
        egress: EgressPolicy::with_exact(exact),
        domain: spec.domain.clone(),
        limits: spec.limits.clone(),
        scope: spec.scope.clone(),
        inflight: Arc::new(tokio::sync::Semaphore::new(spec.limits.http_concurrency)),
    });
    let state = StoreState {
        wasi: wasi.build(),
        table: ResourceTable::new(),
        limiter: Limiter::new(spec.limits.memory),
        clock: CallClock::default(),
        hooks: spec.hooks,
        output,
        label: spec.label,
        http: WasiHttpCtx::new(),
        http_hooks: HttpHooks::new(net),
        domain: spec.domain,
        reveal: spec.effective.reveal.clone().into(),
        scope: spec.scope,
    };
    let mut store = Store::new(engine, state);
    store.limiter(|s| &mut s.limiter);
    store.epoch_deadline_callback(on_epoch);
    store.set_epoch_deadline(1);
    Ok(store)
}

/// The call went past its deadline while awaiting the host.
#[derive(Debug)]
pub(crate) struct TimedOut;

/// Runs a guest call under its deadline, like `tokio::time::timeout_at`,
/// but sets the timer only when the call has to wait: most calls finish
/// in their first poll (the guest's own work is bounded by the epoch
/// callback, see [`on_epoch`]), and a timer costs a clock read and a
/// timer-wheel entry per call. `deadline` = the store's call deadline
/// (see `ProviderHandle::arm`); `None` = `timeout` from now.
pub(crate) async fn within<F: Future>(
    deadline: Option<Instant>,
    timeout: Duration,
    call: F,
) -> std::result::Result<F::Output, TimedOut> {
    let mut call = std::pin::pin!(call);
    let first = std::future::poll_fn(|cx| Poll::Ready(call.as_mut().poll(cx))).await;
    if let Poll::Ready(out) = first {
        return Ok(out);
    }
    let deadline = deadline.unwrap_or_else(|| Instant::now() + timeout);
    tokio::time::timeout_at(deadline.into(), call)
        .await
        .map_err(|_| TimedOut)
}

/// Copies the granted environment variables that are set and preopens the
/// granted directories that exist, read-only; each audited once per
/// instance, by name or path, never by value.
fn lend_local(wasi: &mut WasiCtxBuilder, effective: &Effective, scope: &Scope) {
    // The guest's `~` is where its home directories are lent: a lent host
    // `HOME` would point elsewhere, so it gives way.
    let home = effective.read.iter().any(|d| d.under_home);
    if home {
        wasi.env("HOME", GUEST_HOME);
    }
    for dir in &effective.read {
        if !dir.host.is_dir() {
            tracing::debug!(target: "strato::runtime", path = %dir.host.display(), "granted read directory does not exist; skipped");
            continue;
        }
        let shown = dir.host.display().to_string();
        match wasi.preopened_dir(&dir.host, &dir.guest, FsPerms::ReadOnly) {
            Ok(_) => scope.record(
                Capability::Read,
                shown,
                Decision::Allowed,
                format!("read-only as {} (declared {})", dir.guest, dir.declared),
            ),
            Err(e) => {
                tracing::warn!(target: "strato::runtime", path = %shown, error = %e, "granted read directory cannot be opened; skipped");
                scope.record(
                    Capability::Read,
                    shown,
                    Decision::Denied,
                    format!("cannot be opened: {e}"),
                );
            }
        }
    }
    for name in effective.env.iter().filter(|n| !(home && *n == "HOME")) {
        let Some(value) = effective.env_source.get(name) else {
            tracing::debug!(target: "strato::runtime", name = %name, "granted environment variable is not set");
            continue;
        };
        wasi.env(name, value);
        scope.record(
            Capability::Env,
            name.as_str(),
            Decision::Allowed,
            "copied into the guest's environment",
        );
    }
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
