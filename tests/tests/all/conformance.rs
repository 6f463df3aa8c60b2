//! The conformance kit passes on the dummy provider (its Python and
//! JavaScript ports: `languages`).

use std::time::Duration;

use strato_tests::conformance::{self, Fixture};
use strato_tests::guests;

use crate::{load, runtime};

#[tokio::test]
async fn dummy_passes_the_kit() {
    let rt = runtime(Duration::from_secs(30));
    let component = load(&rt, guests::STRATO_DUMMY_COMPONENT).await;
    let report = conformance::run(&component, &Fixture::dummy()).await;
    print!("{report}");
    assert_eq!(
        report.failed(),
        0,
        "the dummy provider fails the conformance kit:\n{report}"
    );
    assert!(report.passed() >= 25, "too few contracts ran:\n{report}");
    assert_eq!(report.results.len(), conformance::contracts().len());
}

#[test]
fn contract_ids_are_unique_and_named() {
    let contracts = conformance::contracts();
    let mut ids: Vec<&str> = contracts.iter().map(|c| c.id).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), contracts.len(), "duplicate contract id");
    for c in contracts {
        assert!(!c.name.is_empty(), "{} has no name", c.id);
        assert!(
            c.id.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'),
            "{} is not a kebab-case id",
            c.id
        );
    }
}
