//! Per-instance limits and what a breach becomes.
//!
//! Memory: a `ResourceLimiter` that refuses to grow any memory past the
//! configured limit and traps (like `StoreLimits::trap_on_grow_failure`), and
//! remembers that it did so the error can say "memory limit" rather than a
//! generic trap. Time: an epoch callback that yields to the executor on every
//! tick (so a spinning guest never blocks a tokio worker for long) and
//! interrupts the guest once the call's deadline has passed. Output: a
//! per-call budget of lines and bytes shared by every way a guest can talk
//! to the host (log, bootstrap-context output, status callbacks, stdout and
//! stderr), so a chatty or hostile guest cannot flood the host's log or the
//! embedder's hooks.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use wasmtime::{ResourceLimiter, StoreContextMut, Trap, UpdateDeadline};

use crate::error::Error;
use crate::store::StoreState;

/// Table elements one instance may allocate (function tables of big guests
/// hold tens of thousands of entries).
const TABLE_ELEMENTS_LIMIT: usize = 1 << 20;
/// Core instances, tables and memories per store: generous for any component
/// produced by the usual toolchains, small enough to stop a resource bomb.
const INSTANCES_LIMIT: usize = 1_000;
const TABLES_LIMIT: usize = 1_000;
const MEMORIES_LIMIT: usize = 100;

/// Lines of output a guest may produce in one call; the rest is dropped.
pub const OUTPUT_LINES_PER_CALL: u32 = 1_000;
/// Bytes of output a guest may produce in one call; the rest is dropped.
pub const OUTPUT_BYTES_PER_CALL: usize = 1 << 20;

/// The output budget of the call in progress (shared with the stdout and
/// stderr streams, which live outside the store data).
#[derive(Debug)]
pub(crate) struct OutputBudget {
    lines: AtomicUsize,
    bytes: AtomicUsize,
    dropped: AtomicU64,
}

impl OutputBudget {
    pub fn new() -> Self {
        OutputBudget {
            lines: AtomicUsize::new(OUTPUT_LINES_PER_CALL as usize),
            bytes: AtomicUsize::new(OUTPUT_BYTES_PER_CALL),
            dropped: AtomicU64::new(0),
        }
    }

    /// A fresh budget for the next call.
    pub fn reset(&self) {
        self.lines
            .store(OUTPUT_LINES_PER_CALL as usize, Ordering::Relaxed);
        self.bytes.store(OUTPUT_BYTES_PER_CALL, Ordering::Relaxed);
        self.dropped.store(0, Ordering::Relaxed);
    }

    /// Takes one line of `len` bytes from the budget; false (and the line is
    /// to be dropped) once it is spent. The first drop of a call is logged.
    pub fn take(&self, len: usize, provider: &str) -> bool {
        let lines = self
            .lines
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |l| l.checked_sub(1));
        let bytes = lines.is_ok()
            && self
                .bytes
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| b.checked_sub(len))
                .is_ok();
        if bytes {
            return true;
        }
        self.lines.store(0, Ordering::Relaxed);
        if self.dropped.fetch_add(1, Ordering::Relaxed) == 0 {
            tracing::warn!(
                target: "strato::guest",
                provider,
                "provider exceeded its output budget for this call ({OUTPUT_LINES_PER_CALL} lines, {OUTPUT_BYTES_PER_CALL} bytes); the rest of its output is dropped"
            );
        }
        false
    }
}

/// Host bytes counted per table element (a function reference and its
/// type, as wasmtime stores them).
const TABLE_ELEMENT_BYTES: usize = 16;

/// Refuses growth past the limits and records that it did. The memory
/// limit covers every linear memory and table of the instance together,
/// so a component cannot multiply its share by declaring many memories.
pub(crate) struct Limiter {
    memory_limit: usize,
    /// Bytes of memories and tables in use now.
    used: usize,
    /// Set when a memory or table growth was refused.
    pub hit: bool,
}

impl Limiter {
    pub fn new(memory_limit: usize) -> Self {
        Limiter {
            memory_limit,
            used: 0,
            hit: false,
        }
    }

    /// Accounts a growth of `delta` bytes, or refuses it.
    fn grow(&mut self, delta: usize) -> bool {
        match self.used.checked_add(delta) {
            Some(total) if total <= self.memory_limit => {
                self.used = total;
                true
            }
            _ => false,
        }
    }
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if !self.grow(desired.saturating_sub(current)) {
            self.hit = true;
            return Err(wasmtime::format_err!(
                "memory limit of {} bytes reached (growing a memory from {current} to {desired} bytes with {} bytes in use)",
                self.memory_limit,
                self.used
            ));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let delta = desired
            .saturating_sub(current)
            .saturating_mul(TABLE_ELEMENT_BYTES);
        if desired > TABLE_ELEMENTS_LIMIT || !self.grow(delta) {
            self.hit = true;
            return Err(wasmtime::format_err!(
                "table or memory limit reached (growing a table from {current} to {desired} elements; at most {TABLE_ELEMENTS_LIMIT} elements and {} bytes in all)",
                self.memory_limit
            ));
        }
        Ok(true)
    }

    fn instances(&self) -> usize {
        INSTANCES_LIMIT
    }

    fn tables(&self) -> usize {
        TABLES_LIMIT
    }

    fn memories(&self) -> usize {
        MEMORIES_LIMIT
    }
}

/// The deadline of the call in progress.
#[derive(Default)]
pub(crate) struct CallClock {
    pub deadline: Option<Instant>,
    /// Set when the epoch callback interrupted the guest.
    pub expired: bool,
}

/// The epoch callback installed on every store: yield on each tick, stop
/// the guest once the deadline is past.
pub(crate) fn on_epoch(
    mut ctx: StoreContextMut<'_, StoreState>,
) -> wasmtime::Result<UpdateDeadline> {
    let clock = &mut ctx.data_mut().clock;
    match clock.deadline {
        Some(deadline) if Instant::now() >= deadline => {
            clock.expired = true;
            Ok(UpdateDeadline::Interrupt)
        }
        _ => Ok(UpdateDeadline::Yield(1)),
    }
}

/// Turns a failed guest call into the error the caller sees. The instance
/// is dropped by the caller whatever the cause.
pub(crate) fn classify(
    err: wasmtime::Error,
    function: &str,
    state: Option<&StoreState>,
    timeout: Duration,
) -> Error {
    let memory_hit = state.is_some_and(|s| s.limiter.hit);
    let expired = state.is_some_and(|s| s.clock.expired);
    tracing::warn!(target: "strato::runtime", function, error = ?err, "guest call failed; dropping the instance");
    if memory_hit {
        return Error::MemoryLimit {
            function: function.to_string(),
        };
    }
    if expired || err.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
        return Error::Timeout {
            function: function.to_string(),
            after: timeout,
        };
    }
    let message = if let Some(exit) = err.downcast_ref::<wasmtime_wasi::I32Exit>() {
        format!("the guest called exit({})", exit.0)
    } else if let Some(trap) = err.downcast_ref::<Trap>() {
        trap.to_string()
    } else {
        err.root_cause().to_string()
    };
    Error::Trap {
        function: function.to_string(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_growth_stops_at_the_limit() {
        let mut l = Limiter::new(1 << 20);
        assert!(l.memory_growing(0, 1 << 20, None).unwrap());
        assert!(!l.hit);
        let err = l.memory_growing(1 << 20, 2 << 20, None).unwrap_err();
        assert!(err.to_string().contains("memory limit of 1048576 bytes"));
        assert!(l.hit);
    }

    #[test]
    fn memories_and_tables_share_one_limit() {
        let mut l = Limiter::new(1 << 20);
        assert!(l.memory_growing(0, 512 << 10, None).unwrap());
        // A second memory of the same size fills the limit; a table on top
        // of it does not fit.
        assert!(l.memory_growing(0, 512 << 10, None).unwrap());
        assert!(l.table_growing(0, 10, None).is_err());
        assert!(l.hit);
    }

    #[test]
    fn traps_name_the_function() {
        let e = classify(
            wasmtime::Error::from(Trap::UnreachableCodeReached),
            "instances",
            None,
            Duration::from_secs(1),
        );
        match e {
            Error::Trap { function, message } => {
                assert_eq!(function, "instances");
                assert!(message.contains("unreachable"), "{message}");
            }
            other => panic!("unexpected {other:?}"),
        }
        let e = classify(
            wasmtime::Error::from(Trap::Interrupt),
            "all-instances",
            None,
            Duration::from_secs(2),
        );
        assert!(matches!(e, Error::Timeout { after, .. } if after == Duration::from_secs(2)));
    }
}
