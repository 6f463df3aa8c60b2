//! The `credential` host import: the credential of the instance's domain as
//! the guest may see it, and audited reveals of granted attributes.

use crate::audit::{Capability, Decision};
use crate::bindings::latest::juju::environs::{common as types, credential};
use crate::capabilities::credentials::RevealError;
use crate::store::StoreState;
use crate::types::{ErrorKind, StringMap};

/// Longest attribute name accepted by `reveal` (longer ones are not
/// attribute names; they are refused and audited cut to this length).
const MAX_NAME: usize = 256;

fn error(kind: ErrorKind, message: String) -> types::Error {
    types::Error {
        kind,
        message,
        zone_independent: false,
    }
}

impl credential::Host for StoreState {
    async fn auth_type(&mut self) -> Option<String> {
        self.domain.credential().map(|c| c.auth_type().to_string())
    }

    async fn attributes(&mut self) -> StringMap {
        self.domain
            .credential()
            .map(|c| c.visible().attributes)
            .unwrap_or_default()
    }

    async fn reveal(&mut self, name: String) -> Result<String, types::Error> {
        let mut name = name;
        if name.len() > MAX_NAME {
            let mut end = MAX_NAME;
            while !name.is_char_boundary(end) {
                end -= 1;
            }
            name.truncate(end);
            name.push('…');
        }
        let outcome = match self.domain.credential() {
            None => Err(RevealError::NotFound(name.clone())),
            Some(cred) => cred.reveal(&name, &self.reveal),
        };
        match outcome {
            Ok(value) => {
                self.scope.record(
                    Capability::Reveal,
                    &name,
                    Decision::Allowed,
                    "granted by the operator",
                );
                Ok(value)
            }
            Err(e) => {
                let reason = match (&e, self.domain.credential().is_some()) {
                    (RevealError::NotFound(_), false) => {
                        "this instance holds no credential".to_string()
                    }
                    _ => e.to_string(),
                };
                tracing::warn!(
                    target: "strato::credentials",
                    provider = %self.label,
                    attribute = %name,
                    "reveal refused: {reason}"
                );
                self.scope
                    .record(Capability::Reveal, &name, Decision::Denied, &reason);
                let kind = match e {
                    RevealError::NotGranted(_) => ErrorKind::Unauthorized,
                    _ => ErrorKind::NotFound,
                };
                Err(error(kind, reason))
            }
        }
    }
}
