//! What every command gets from the global options: the data directory,
//! the operator's policy (`--policy`, else the data directory's
//! `policy.yaml`), and the audit recorder: every capability decision of
//! every runtime the command creates goes to the store's audit log (and,
//! with `--audit`, to stderr as it happens).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use strato_runtime::{AuditEvent, Grants, Policy, Runtime, RuntimeConfig};
use tokio::sync::{broadcast, oneshot};
use tokio::task::JoinHandle;

use crate::error::CliError;
use crate::home::{Home, audit};

/// The global options, resolved once before the command runs.
pub struct Context {
    /// The parsed `--policy` file (else `policy.yaml` of the data
    /// directory), if there is one.
    pub policy: Option<Policy>,
    /// The data directory.
    pub home: Home,
    audit: bool,
    recorders: Mutex<Vec<Recorder>>,
}

/// A task collecting one runtime's audit events (and printing them with
/// `--audit`) until the command finishes.
struct Recorder {
    stop: oneshot::Sender<()>,
    task: JoinHandle<Vec<AuditEvent>>,
}

impl Context {
    /// Reads the policy file (bad input, exit 2, when it cannot be used).
    pub fn new(policy: Option<&Path>, audit: bool) -> Result<Context, CliError> {
        let home = Home::from_env();
        let default = home.policy_yaml();
        let path = match policy {
            Some(path) => Some(("--policy", path.to_path_buf())),
            None if default.is_file() => Some(("policy", default)),
            None => None,
        };
        let policy = match path {
            Some((what, path)) => Some(Policy::load(&path).map_err(|e| {
                CliError::bad_input(format!("{what} {e}"))
                    .hint("see `strato --help` for the policy file's format")
            })?),
            None => None,
        };
        Ok(Context {
            policy,
            home,
            audit,
            recorders: Mutex::new(Vec::new()),
        })
    }

    /// Creates a runtime whose audit events are recorded from now until
    /// [`Context::finish`] (and printed to stderr with `--audit`).
    pub fn runtime(&self, config: RuntimeConfig) -> Result<Runtime, CliError> {
        let runtime = Runtime::new(config)
            .map_err(|e| CliError::failure(format!("cannot start the runtime: {e}")))?;
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(collect(runtime.audit().subscribe(), stopped, self.audit));
        self.recorders
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Recorder { stop, task });
        Ok(runtime)
    }

    /// What the operator grants the provider `name` whose component has
    /// digest `sha256`: its policy entry, or nothing without a policy or
    /// an entry.
    pub fn grants_for(&self, name: &str, sha256: &str) -> Grants {
        match &self.policy {
            Some(policy) => policy.grants_for(name, sha256, self.home.root()),
            None => Grants {
                name: Some(name.to_string()),
                ..Grants::default()
            },
        }
    }

    /// Prints the audit events still queued, stops the recorders and
    /// appends what they collected to the store's audit log.
    pub async fn finish(&self) {
        let recorders =
            std::mem::take(&mut *self.recorders.lock().unwrap_or_else(|e| e.into_inner()));
        let mut events = Vec::new();
        for recorder in recorders {
            let _ = recorder.stop.send(());
            if let Ok(mut got) = recorder.task.await {
                events.append(&mut got);
            }
        }
        if events.is_empty() {
            return;
        }
        events.sort_by_key(|e| e.time);
        name_loads(&mut events);
        if let Err(e) = audit::record(&self.home, &audit::run_id(), &command_name(), &events) {
            eprintln!("warning: the audit events of this run were not recorded: {e}");
        }
    }
}

/// A component is loaded before it has a name, so its load events carry
/// the digest's first 12 digits: give them the name later events of the
/// same digest carry, so `strato audit --provider NAME` finds them.
fn name_loads(events: &mut [AuditEvent]) {
    let named: std::collections::HashMap<String, String> = events
        .iter()
        .filter(|e| !e.sha256.starts_with(&e.provider))
        .map(|e| (e.sha256.clone(), e.provider.clone()))
        .collect();
    for e in events.iter_mut() {
        if e.sha256.starts_with(&e.provider)
            && let Some(name) = named.get(&e.sha256)
        {
            e.provider = name.clone();
        }
    }
}

/// The subcommand of this process (`demo`, `bootstrap`): the first
/// argument that is not an option (option values are never secrets we
/// want in the log, so nothing else is kept).
fn command_name() -> String {
    let mut args = std::env::args().skip(1);
    loop {
        match args.next() {
            // Global options taking a value as a separate argument.
            Some(a) if a == "--policy" => {
                args.next();
            }
            Some(a) if a.starts_with('-') => {}
            Some(a) => return a,
            None => return String::new(),
        }
    }
}

/// Collects each event (printing it as `audit: <event>` with `print`)
/// until told to stop, then drains what is queued.
async fn collect(
    mut events: broadcast::Receiver<AuditEvent>,
    mut stop: oneshot::Receiver<()>,
    print: bool,
) -> Vec<AuditEvent> {
    use broadcast::error::{RecvError, TryRecvError};
    let mut got = Vec::new();
    let mut keep = |event: AuditEvent| {
        if print {
            eprintln!("audit: {event}");
        }
        got.push(event);
    };
    loop {
        tokio::select! {
            biased;
            event = events.recv() => match event {
                Ok(event) => keep(event),
                Err(RecvError::Lagged(n)) => missed(n),
                Err(RecvError::Closed) => return got,
            },
            _ = &mut stop => break,
        }
    }
    loop {
        match events.try_recv() {
            Ok(event) => keep(event),
            Err(TryRecvError::Lagged(n)) => missed(n),
            Err(_) => return got,
        }
    }
}

fn missed(n: u64) {
    eprintln!("audit: {n} events not recorded (the recorder fell behind)");
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
