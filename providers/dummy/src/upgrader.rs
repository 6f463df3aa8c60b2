//! Upgrade steps: one operation to environ version 1 that records the
//! version in the model's state (idempotent).

use strato_guest::types::{UpgradeOperation, UpgradeOperationsParams, UpgradeStep};
use strato_guest::{Error, Result, Upgrader};

use crate::environ::DummyEnviron;

impl Upgrader for DummyEnviron {
    fn upgrade_operations(
        &self,
        _params: UpgradeOperationsParams,
    ) -> Result<Vec<UpgradeOperation>> {
        Ok(vec![UpgradeOperation {
            target_version: 1,
            steps: vec![UpgradeStep {
                description: "record the environ version in state".to_string(),
            }],
        }])
    }

    fn run_step(
        &self,
        _params: UpgradeOperationsParams,
        target_version: u32,
        step: u32,
    ) -> Result<()> {
        match (target_version, step) {
            (1, 0) => self.store()?.update(|state| {
                state.environ_version = state.environ_version.max(1);
                Ok(())
            }),
            _ => Err(Error::not_found(format!(
                "no upgrade step {step} for environ version {target_version}"
            ))),
        }
    }
}
