//! The conformance kit against the EC2 provider on moto.

use std::time::Duration;

use strato_tests::conformance;
use strato_tests::guests;

use super::{fixture, start_moto};
use crate::{load, runtime};

/// The contracts the EC2 provider passes on moto.
const PASSING: &[&str] = &[
    "registry",
    "open-validates",
    "prepare-config-deterministic",
    "validate-immutables",
    "credential-auth-types",
    "credential-hidden-attrs",
    "detect-credentials",
    "start-stop",
    "instances-empty",
    "instances-order-duplicates",
    "instances-none",
    "instances-partial",
    "stop-unknown",
    "stop-removes",
    "all-instances-once",
    "start-hardware",
    "start-empty-nonce",
    "start-zone-independent",
    "precheck-empty",
    "bootstrap",
    "controller-instances-not-bootstrapped",
    "bootstrap-twice",
    "destroy-idempotent",
    "destroy-controller",
    "adopt-resources",
    "constraints-validator",
    "instance-types",
    "instance-ports",
    "instance-mode-model-ports",
    "global-ports",
    "global-mode-instance-ports",
    "supports-helpers",
    "network-interfaces",
    "subnets-unknown",
    "invalidate-credential",
];

/// Contracts allowed to fail. EC2 leaves bootstrap to the host (Juju's
/// `common.Bootstrap`: `not-implemented`) and the kit bootstraps through
/// the host then, so none.
const BOOTSTRAP: &[&str] = &[];

#[tokio::test]
async fn ec2_on_moto_passes_its_contracts() {
    let moto = start_moto();
    let f = fixture(&moto, None);
    let rt = runtime(Duration::from_secs(60));
    let component = load(&rt, guests::STRATO_EC2_COMPONENT).await;
    let report = conformance::run(&component, &f).await;
    print!("{report}");
    for r in &report.results {
        if PASSING.contains(&r.id) {
            assert!(r.outcome.is_pass(), "{} does not pass:\n{report}", r.id);
        } else if r.outcome.is_fail() {
            assert!(BOOTSTRAP.contains(&r.id), "{} fails:\n{report}", r.id);
        }
    }
    assert_eq!(report.passed(), PASSING.len(), "{report}");
}
