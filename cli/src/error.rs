//! The CLI's error: a one-line message, an optional hint and an exit status.

use std::fmt;
use std::process::ExitCode;

/// Why a command failed, as far as the exit status is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Exit 1: the runtime or the provider failed.
    Failure,
    /// Exit 2: the input (a file, an argument) is not usable.
    BadInput,
}

/// A failed command: printed as `error: <what> (<hint>)` on one line.
#[derive(Debug)]
pub struct CliError {
    class: ErrorClass,
    what: String,
    hint: Option<String>,
}

impl CliError {
    /// A runtime or provider failure (exit 1).
    pub fn failure(what: impl Into<String>) -> Self {
        Self {
            class: ErrorClass::Failure,
            what: one_line(&what.into()),
            hint: None,
        }
    }

    /// Bad input (exit 2).
    pub fn bad_input(what: impl Into<String>) -> Self {
        Self {
            class: ErrorClass::BadInput,
            what: one_line(&what.into()),
            hint: None,
        }
    }

    /// Adds a hint, shown in parentheses after the message.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(one_line(&hint.into()));
        self
    }

    pub fn exit_code(&self) -> ExitCode {
        match self.class {
            ErrorClass::Failure => ExitCode::from(1),
            ErrorClass::BadInput => ExitCode::from(2),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.what)?;
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

/// Folds a multi-line message (wasmtime errors carry backtraces) into one line:
/// the first line of each paragraph, joined with "; ".
pub fn one_line(text: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let mut in_paragraph = false;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            in_paragraph = false;
        } else if !in_paragraph {
            parts.push(line);
            in_paragraph = true;
        }
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn folds_to_one_line() {
        assert_eq!(one_line("a\n  b\n\nc"), "a; c");
        assert_eq!(one_line("plain"), "plain");
    }
}
