//! The Python (`providers/dummy-py`, componentize-py) and JavaScript
//! (`providers/dummy-js`, componentize-qjs) ports of the dummy provider run
//! the same tests: the conformance kit, exactly their world's optional
//! interfaces, state as a JSON file in the granted directory that a second
//! instance sees, `broken`, zone2 unavailable. The JavaScript port also
//! carries the fault knobs.

mod checks;

use std::time::Duration;

use strato_runtime::Component;
use strato_tests::guests;

use crate::load_cached;

/// A provider written in another language than Rust.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Python,
    JavaScript,
}

impl Lang {
    /// The component, through the disk cache: a cold compile takes
    /// seconds (JavaScript) to tens of seconds (Python) in a debug host.
    pub async fn component(self) -> Component {
        let path = match self {
            Lang::Python => guests::STRATO_DUMMY_PY_COMPONENT,
            Lang::JavaScript => guests::STRATO_DUMMY_JS_COMPONENT,
        };
        load_cached(Duration::from_secs(60), path).await
    }
}

/// One `#[tokio::test]` per language for each check.
macro_rules! in_both {
    ($($check:ident),* $(,)?) => {$(
        mod $check {
            use super::{Lang, checks};
            #[tokio::test]
            async fn python() {
                checks::$check(Lang::Python).await
            }
            #[tokio::test]
            async fn javascript() {
                checks::$check(Lang::JavaScript).await
            }
        }
    )*};
}

in_both!(
    passes_the_kit,
    state_lives_in_the_granted_directory,
    broken_methods_and_zones,
    without_a_grant_state_stays_in_the_instance,
);

#[tokio::test]
async fn javascript_injects_zone_failures() {
    checks::injects_zone_failures(Lang::JavaScript).await
}
