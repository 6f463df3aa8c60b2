//! The outcome of a conformance run, one line per contract.

use std::fmt;

/// How one contract went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Every check held.
    Pass,
    /// A check did not hold: what was expected and what came back.
    Fail(String),
    /// The contract does not apply to this component, and why.
    Skip(String),
}

impl Outcome {
    /// True for [`Outcome::Pass`].
    pub fn is_pass(&self) -> bool {
        matches!(self, Outcome::Pass)
    }
    /// True for [`Outcome::Fail`].
    pub fn is_fail(&self) -> bool {
        matches!(self, Outcome::Fail(_))
    }
    /// True for [`Outcome::Skip`].
    pub fn is_skip(&self) -> bool {
        matches!(self, Outcome::Skip(_))
    }
}

/// One contract's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContractResult {
    /// The contract's stable id.
    pub id: &'static str,
    /// What it checks.
    pub name: &'static str,
    /// How it went.
    pub outcome: Outcome,
}

/// The results of a run, in contract order.
#[derive(Debug, Clone)]
pub struct Report {
    /// sha256 of the component that was checked.
    pub component_sha256: String,
    /// One entry per contract that was run.
    pub results: Vec<ContractResult>,
}

impl Report {
    pub(crate) fn new(component_sha256: String, results: Vec<ContractResult>) -> Self {
        Report {
            component_sha256,
            results,
        }
    }

    /// Number of contracts that passed.
    pub fn passed(&self) -> usize {
        self.results.iter().filter(|r| r.outcome.is_pass()).count()
    }

    /// Number of contracts that failed.
    pub fn failed(&self) -> usize {
        self.results.iter().filter(|r| r.outcome.is_fail()).count()
    }

    /// Number of contracts skipped.
    pub fn skipped(&self) -> usize {
        self.results.iter().filter(|r| r.outcome.is_skip()).count()
    }

    /// True when nothing failed.
    pub fn is_success(&self) -> bool {
        self.failed() == 0
    }

    /// The failed contracts.
    pub fn failures(&self) -> impl Iterator<Item = &ContractResult> {
        self.results.iter().filter(|r| r.outcome.is_fail())
    }

    /// The result of the contract with `id`.
    pub fn get(&self, id: &str) -> Option<&ContractResult> {
        self.results.iter().find(|r| r.id == id)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self.results.iter().map(|r| r.id.len()).max().unwrap_or(0);
        for r in &self.results {
            match &r.outcome {
                Outcome::Pass => writeln!(f, "pass  {:width$}  {}", r.id, r.name)?,
                Outcome::Fail(why) => {
                    writeln!(f, "FAIL  {:width$}  {}", r.id, r.name)?;
                    for line in why.lines() {
                        writeln!(f, "      {:width$}    {line}", "")?;
                    }
                }
                Outcome::Skip(why) => writeln!(f, "skip  {:width$}  {} ({why})", r.id, r.name)?,
            }
        }
        let short = self
            .component_sha256
            .get(..12)
            .unwrap_or(&self.component_sha256);
        writeln!(
            f,
            "conformance of {short}: {} passed, {} failed, {} skipped",
            self.passed(),
            self.failed(),
            self.skipped()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // One line per contract; failures show their reason indented below.
    #[test]
    fn display_lists_every_contract() {
        let report = Report::new(
            "0123456789abcdef".into(),
            vec![
                ContractResult {
                    id: "a",
                    name: "first",
                    outcome: Outcome::Pass,
                },
                ContractResult {
                    id: "bb",
                    name: "second",
                    outcome: Outcome::Fail("expected 1, got 2".into()),
                },
                ContractResult {
                    id: "c",
                    name: "third",
                    outcome: Outcome::Skip("no firewaller".into()),
                },
            ],
        );
        let text = report.to_string();
        assert!(text.contains("pass  a   first"), "{text}");
        assert!(text.contains("FAIL  bb  second"), "{text}");
        assert!(text.contains("expected 1, got 2"), "{text}");
        assert!(text.contains("skip  c   third (no firewaller)"), "{text}");
        assert!(
            text.ends_with("conformance of 0123456789ab: 1 passed, 1 failed, 1 skipped\n"),
            "{text}"
        );
        assert_eq!(
            (report.passed(), report.failed(), report.skipped()),
            (1, 1, 1)
        );
    }
}
