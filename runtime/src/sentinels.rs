//! The Go sentinels, derived on the host so that every provider gets them
//! right: `ErrNoInstances`, `ErrPartialInstances` (with `None` slots) and
//! `ErrNotBootstrapped`.

use crate::error::{Error, ProviderError, Result};
use crate::types::{ErrorKind, Instance};

/// `Instances`: the provider returned one slot per requested id.
pub(crate) fn instances_result(
    requested: usize,
    slots: Vec<Option<Instance>>,
) -> Result<Vec<Instance>> {
    if slots.len() != requested {
        return Err(Error::Provider(ProviderError {
            kind: ErrorKind::Other,
            message: format!(
                "provider broke the instances contract: {} slots for {requested} ids",
                slots.len()
            ),
            zone_independent: false,
        }));
    }
    let found = slots.iter().filter(|s| s.is_some()).count();
    if found == 0 {
        Err(Error::NoInstances)
    } else if found < slots.len() {
        Err(Error::PartialInstances(slots))
    } else {
        Ok(slots.into_iter().flatten().collect())
    }
}

/// `ControllerInstances`: an empty list is `ErrNoInstances`, the provider's
/// `not-bootstrapped` is `ErrNotBootstrapped`.
pub(crate) fn controller_instances_result(
    r: Result<std::result::Result<Vec<String>, ProviderError>>,
) -> Result<Vec<String>> {
    match r? {
        Ok(ids) if ids.is_empty() => Err(Error::NoInstances),
        Ok(ids) => Ok(ids),
        Err(e) if e.kind == ErrorKind::NotBootstrapped => Err(Error::NotBootstrapped),
        Err(e) => Err(Error::Provider(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{InstanceState, InstanceStatus};

    fn inst(id: &str) -> Instance {
        Instance {
            id: id.into(),
            status: InstanceStatus {
                state: InstanceState::Running,
                message: String::new(),
            },
            addresses: vec![],
            hardware: None,
        }
    }

    fn perr(kind: ErrorKind) -> ProviderError {
        ProviderError {
            kind,
            message: "boom".into(),
            zone_independent: false,
        }
    }

    #[test]
    fn all_found_keeps_request_order() {
        let got = instances_result(2, vec![Some(inst("b")), Some(inst("a"))]).unwrap();
        let ids: Vec<_> = got.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["b", "a"]);
    }

    #[test]
    fn none_found_is_no_instances() {
        let err = instances_result(2, vec![None, None]).unwrap_err();
        assert!(matches!(err, Error::NoInstances));
        assert!(err.is_not_found());
    }

    #[test]
    fn some_found_is_partial_with_none_slots() {
        match instances_result(3, vec![Some(inst("a")), None, Some(inst("c"))]) {
            Err(Error::PartialInstances(slots)) => {
                assert_eq!(slots.len(), 3);
                assert!(slots[1].is_none());
                assert_eq!(slots[2].as_ref().map(|i| i.id.as_str()), Some("c"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn wrong_slot_count_is_an_error() {
        let err = instances_result(2, vec![Some(inst("a"))]).unwrap_err();
        assert!(err.to_string().contains("1 slots for 2 ids"), "{err}");
    }

    #[test]
    fn controller_instances_sentinels() {
        assert!(matches!(
            controller_instances_result(Ok(Ok(vec![]))),
            Err(Error::NoInstances)
        ));
        assert!(matches!(
            controller_instances_result(Ok(Err(perr(ErrorKind::NotBootstrapped)))),
            Err(Error::NotBootstrapped)
        ));
        assert!(matches!(
            controller_instances_result(Ok(Err(perr(ErrorKind::Other)))),
            Err(Error::Provider(_))
        ));
        assert_eq!(
            controller_instances_result(Ok(Ok(vec!["i-0".into()]))).unwrap(),
            ["i-0"]
        );
    }
}
