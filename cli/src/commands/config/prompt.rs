//! Questions on the terminal, or answers from stdin lines when it is not
//! one (so scripts and tests can answer; no prompts are printed then).
//! Prompts go to stderr: stdout keeps only results.

use std::io::{BufRead, IsTerminal, Write};

use crate::error::CliError;

/// Asks questions and reads the answers.
pub struct Prompt {
    terminal: bool,
}

impl Prompt {
    /// Reads from the terminal when stdin is one, else from stdin's lines.
    pub fn new() -> Prompt {
        Prompt {
            terminal: std::io::stdin().is_terminal(),
        }
    }

    /// True when a person answers (stdin is a terminal).
    pub fn interactive(&self) -> bool {
        self.terminal
    }

    /// A line of explanation before the questions (on a terminal).
    pub fn note(&self, text: &str) {
        if self.terminal {
            eprintln!("{text}");
        }
    }

    /// `question [default]: ` and the answer, trimmed; empty = `default`.
    /// No default and an empty answer asks again (on a terminal) or is an
    /// error (from stdin).
    pub fn ask(&mut self, question: &str, default: Option<&str>) -> Result<String, CliError> {
        loop {
            if self.terminal {
                match default {
                    Some(d) if !d.is_empty() => eprint!("{question} [{d}]: "),
                    _ => eprint!("{question}: "),
                }
                let _ = std::io::stderr().flush();
            }
            let answer = self.line(question)?;
            let answer = answer.trim();
            if !answer.is_empty() {
                return Ok(answer.to_string());
            }
            if let Some(d) = default {
                return Ok(d.to_string());
            }
            if !self.terminal {
                return Err(CliError::bad_input(format!("no answer to {question:?}")));
            }
        }
    }

    /// Like [`Prompt::ask`] but not echoed on a terminal; the answer is
    /// kept as typed (a secret may have spaces at its ends).
    pub fn secret(&mut self, question: &str, optional: bool) -> Result<String, CliError> {
        loop {
            let answer = if self.terminal {
                eprint!("{question}: ");
                let _ = std::io::stderr().flush();
                let read = console::Term::stderr().read_secure_line();
                read.map_err(|e| CliError::failure(format!("cannot read {question}: {e}")))?
            } else {
                let line = self.line(question)?;
                line.trim_end_matches(['\r', '\n']).to_string()
            };
            if !answer.is_empty() || optional {
                return Ok(answer);
            }
            if !self.terminal {
                return Err(CliError::bad_input(format!("no answer to {question:?}")));
            }
        }
    }

    /// `question [y/N]: `; only `y` or `yes` is yes.
    pub fn confirm(&mut self, question: &str) -> Result<bool, CliError> {
        let answer = self.ask(&format!("{question} [y/N]"), Some(""))?;
        Ok(matches!(answer.to_ascii_lowercase().as_str(), "y" | "yes"))
    }

    /// One line of stdin; its end is an error naming the question.
    fn line(&mut self, question: &str) -> Result<String, CliError> {
        let mut line = String::new();
        let n = std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| CliError::failure(format!("cannot read stdin: {e}")))?;
        if n == 0 {
            if self.terminal {
                eprintln!();
            }
            return Err(CliError::bad_input(format!(
                "stdin ended before {question:?} was answered"
            ))
            .hint("answer every question, or pass -f FILE"));
        }
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}
