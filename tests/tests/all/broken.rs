//! The kit fails readably when a contract is broken: the dummy's `broken`
//! attribute makes `Instances` fail.

use std::time::Duration;

use strato_tests::conformance::{self, Fixture, Outcome};
use strato_tests::guests;

use crate::{load, runtime};

#[tokio::test]
async fn broken_instances_fail_with_the_providers_message() {
    let rt = runtime(Duration::from_secs(30));
    let component = load(&rt, guests::STRATO_DUMMY_COMPONENT).await;
    let fixture = Fixture::dummy().with_config("broken", serde_json::json!("Instances"));
    let report = conformance::run(&component, &fixture).await;
    print!("{report}");

    assert!(
        report.failed() > 0,
        "broken=Instances went unnoticed:\n{report}"
    );
    match &report
        .get("instances-partial")
        .expect("instances-partial ran")
        .outcome
    {
        Outcome::Fail(message) => assert!(
            message.contains("dummy.Instances is broken"),
            "the failure should carry the provider's error: {message}"
        ),
        other => panic!("instances-partial: expected a failure, got {other:?}"),
    }
    for failure in report.failures() {
        let Outcome::Fail(message) = &failure.outcome else {
            unreachable!()
        };
        assert!(
            message.contains("dummy.Instances is broken"),
            "{} failed for another reason than broken=Instances: {message}",
            failure.id
        );
    }
}
