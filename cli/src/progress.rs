//! Progress of the long commands (bootstrap, add-machine, destroy-*): a
//! spinner when stdout is a terminal, plain lines when it is not (a log,
//! a test), nothing with `--quiet`. The provider's own messages (bootstrap
//! context, status callbacks) arrive through [`ProgressHooks`].

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use strato_runtime::HostHooks;
use strato_runtime::types::{Attrs, InstanceState};

use crate::output::Output;

/// Where progress goes.
enum Sink {
    Spinner(ProgressBar),
    Lines,
    Quiet,
}

/// One command's progress. Cloning shares it.
#[derive(Clone)]
pub struct Progress {
    inner: Arc<Inner>,
}

struct Inner {
    sink: Sink,
}

impl Progress {
    /// Starts showing progress of `what`: nothing with `--quiet`, plain
    /// lines when stdout is not a terminal or a log may interleave.
    pub fn start(out: &Output, what: &str) -> Progress {
        let sink = if out.is_quiet() {
            Sink::Quiet
        } else if std::io::stdout().is_terminal() && !out.is_verbose() {
            // On stdout, like the plain lines it replaces; stderr keeps
            // the log and errors.
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stdout());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(Duration::from_millis(100));
            bar.set_message(what.to_string());
            Sink::Spinner(bar)
        } else {
            Sink::Lines
        };
        let progress = Progress {
            inner: Arc::new(Inner { sink }),
        };
        if matches!(progress.inner.sink, Sink::Lines) {
            progress.line(what);
        }
        progress
    }

    /// A line that stays (printed above the spinner).
    pub fn line(&self, text: &str) {
        match &self.inner.sink {
            Sink::Spinner(bar) => bar.println(text),
            Sink::Lines => {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{text}");
                let _ = out.flush();
            }
            Sink::Quiet => {}
        }
    }

    /// What is going on now: the spinner's message, or a line.
    pub fn status(&self, text: &str) {
        match &self.inner.sink {
            Sink::Spinner(bar) => bar.set_message(text.to_string()),
            _ => self.line(text),
        }
    }

    /// Removes the spinner (the command prints its result itself).
    pub fn finish(&self) {
        if let Sink::Spinner(bar) = &self.inner.sink {
            bar.finish_and_clear();
        }
    }

    /// Hooks that show what the provider says as progress.
    pub fn hooks(&self) -> Arc<dyn HostHooks> {
        Arc::new(ProgressHooks {
            progress: self.clone(),
        })
    }
}

/// Removes a spinner left behind by an error, once the last handle goes.
impl Drop for Inner {
    fn drop(&mut self) {
        if let Sink::Spinner(bar) = &self.sink {
            bar.finish_and_clear();
        }
    }
}

/// The provider's messages as progress lines.
struct ProgressHooks {
    progress: Progress,
}

impl HostHooks for ProgressHooks {
    fn status(&self, state: InstanceState, info: &str, _data: &Attrs) {
        let state = crate::output::instance_state(state);
        if info.is_empty() {
            self.progress.status(state);
        } else {
            self.progress.status(&format!("{state}: {info}"));
        }
    }
    fn cleanup(&self, info: &str) {
        self.progress.line(&format!("cleanup: {info}"));
    }
    fn invalidate_credential(&self, reason: &str) {
        self.progress
            .line(&format!("the cloud rejected the credential: {reason}"));
    }
    fn infof(&self, message: &str) {
        self.progress.line(message.trim_end());
    }
    fn verbosef(&self, message: &str) {
        tracing::debug!(target: "strato::provider", "{message}");
    }
    fn write_stdout(&self, text: &str) {
        self.progress.line(text.trim_end());
    }
    fn write_stderr(&self, text: &str) {
        self.progress.line(text.trim_end());
    }
}
