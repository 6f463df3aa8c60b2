//! What every command gets from the global options: the operator's policy
//! (`--policy`) and the audit printer (`--audit`).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use strato_runtime::{AuditEvent, Grants, Policy, Runtime, RuntimeConfig};
use tokio::sync::{broadcast, oneshot};
use tokio::task::JoinHandle;

use crate::error::CliError;

/// The global options, resolved once before the command runs.
pub struct Context {
    /// The parsed `--policy` file, if one was given.
    pub policy: Option<Policy>,
    audit: bool,
    printers: Mutex<Vec<Printer>>,
}

/// A task printing one runtime's audit events to stderr as they happen.
struct Printer {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

impl Context {
    /// Reads the policy file (bad input, exit 2, when it cannot be used).
    pub fn new(policy: Option<&Path>, audit: bool) -> Result<Context, CliError> {
        let policy = match policy {
            Some(path) => Some(Policy::load(path).map_err(|e| {
                CliError::bad_input(format!("--policy {e}"))
                    .hint("see `strato --help` for the policy file's format")
            })?),
            None => None,
        };
        Ok(Context {
            policy,
            audit,
            printers: Mutex::new(Vec::new()),
        })
    }

    /// Creates a runtime; with `--audit`, its audit events are printed to
    /// stderr from now until [`Context::finish`].
    pub fn runtime(&self, config: RuntimeConfig) -> Result<Runtime, CliError> {
        let runtime = Runtime::new(config)
            .map_err(|e| CliError::failure(format!("cannot start the runtime: {e}")))?;
        if self.audit {
            let (stop, stopped) = oneshot::channel();
            let task = tokio::spawn(print_events(runtime.audit().subscribe(), stopped));
            self.printers
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(Printer { stop, task });
        }
        Ok(runtime)
    }

    /// What the operator grants the provider `name` whose component has
    /// digest `sha256`: its policy entry, or nothing without `--policy` or
    /// an entry.
    pub fn grants_for(&self, name: &str, sha256: &str) -> Grants {
        match &self.policy {
            Some(policy) => policy.grants_for(name, sha256, &data_dir()),
            None => Grants {
                name: Some(name.to_string()),
                ..Grants::default()
            },
        }
    }

    /// Prints the audit events still queued, then stops the printers.
    pub async fn finish(&self) {
        let printers =
            std::mem::take(&mut *self.printers.lock().unwrap_or_else(|e| e.into_inner()));
        for printer in printers {
            let _ = printer.stop.send(());
            let _ = printer.task.await;
        }
    }
}

/// Prints each event as `audit: <event>` until told to stop, then drains
/// what is queued.
async fn print_events(
    mut events: broadcast::Receiver<AuditEvent>,
    mut stop: oneshot::Receiver<()>,
) {
    use broadcast::error::{RecvError, TryRecvError};
    loop {
        tokio::select! {
            biased;
            event = events.recv() => match event {
                Ok(event) => print(&event),
                Err(RecvError::Lagged(n)) => missed(n),
                Err(RecvError::Closed) => return,
            },
            _ = &mut stop => break,
        }
    }
    loop {
        match events.try_recv() {
            Ok(event) => print(&event),
            Err(TryRecvError::Lagged(n)) => missed(n),
            Err(_) => return,
        }
    }
}

fn print(event: &AuditEvent) {
    eprintln!("audit: {event}");
}

fn missed(n: u64) {
    eprintln!("audit: {n} events not shown (the printer fell behind)");
}

/// `$XDG_DATA_HOME/strato`, else `~/.local/share/strato`, else
/// `./strato-data`: where `state-dir: true` puts state directories.
pub fn data_dir() -> PathBuf {
    match std::env::var_os("XDG_DATA_HOME") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir).join("strato"),
        _ => match std::env::var_os("HOME").filter(|h| !h.is_empty()) {
            Some(home) => PathBuf::from(home).join(".local/share/strato"),
            None => PathBuf::from("strato-data"),
        },
    }
}
