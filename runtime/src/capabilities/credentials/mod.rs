//! Credential capability: the host keeps the cloud credential, the guest
//! gets only what it may see.
//!
//! A [`HostCredential`] holds every attribute of the `cloud.Credential` an
//! instance serves. The guest sees [`HostCredential::visible`]: the record
//! without its secret attributes. Which attributes are secret is decided by
//! the host, not by the provider alone: the provider schema's hidden
//! attributes, plus a built-in list of well-known secret names (see
//! [`is_well_known_secret`]), plus names the operator declares secret. So a
//! hostile provider cannot unmask `secret-key` by declaring it not hidden.
//!
//! A provider uses a secret without holding it: it marks an outgoing
//! `wasi:http` request with the [`AUTH_HEADER`] header and the host signs
//! the request on the way out ([`authenticate`]), toward the credential's
//! cloud only. Reading a secret attribute ([`HostCredential::reveal`])
//! needs an operator grant naming it, and every reveal is audited.

mod sign;

use std::collections::BTreeSet;
use std::fmt;

use crate::types::{Credential, CredentialSchema};

pub use sign::{AUTH_HEADER, AuthKind, SignError, authenticate};

/// Attribute names the host always treats as secret, whatever a provider's
/// schema says. Compared after [`normalize`] (case, `-` and `_` ignored), so
/// `secret-key`, `secret_key` and `SecretKey` are one name. They cover the
/// secret attributes of Juju's providers (ec2, openstack, gce, azure, maas,
/// lxd, vsphere, oci, equinix, kubernetes).
const WELL_KNOWN_SECRETS: &[&str] = &[
    "secret-key",
    "secret-access-key",
    "session-token",
    "password",
    "token",
    "access-token",
    "refresh-token",
    "bearer-token",
    "api-token",
    "client-secret",
    "private-key",
    "client-key",
    "client-key-data",
    "application-password",
    "trust-password",
    "secret",
    "key",
    "pass-phrase",
    "passphrase",
    "maas-oauth",
    "service-account-key",
];

/// Name endings that make an attribute secret (after [`normalize`]):
/// `*-password`, `*-secret`, `*-token`, `*-private-key`, `*-passphrase`.
const SECRET_SUFFIXES: &[&str] = &["password", "secret", "token", "privatekey", "passphrase"];

/// `name` lower-cased without `-` and `_`.
fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '-' && *c != '_')
        .flat_map(char::to_lowercase)
        .collect()
}

/// True for attribute names the host treats as secret whatever the
/// provider's schema says: the well-known secret names of Juju's providers
/// (`secret-key`, `password`, `token`, `private-key`, `client-key`,
/// `application-password`, …) and names ending in `password`, `secret`,
/// `token`, `private-key` or `passphrase`. Case, `-` and `_` are ignored.
pub fn is_well_known_secret(name: &str) -> bool {
    // Normalized once: this runs for every attribute of every credential a
    // new domain binds (it was 11 % of opening a domain).
    static NORMALIZED: std::sync::LazyLock<BTreeSet<String>> =
        std::sync::LazyLock::new(|| WELL_KNOWN_SECRETS.iter().map(|s| normalize(s)).collect());
    let n = normalize(name);
    NORMALIZED.contains(&n) || SECRET_SUFFIXES.iter().any(|s| n.ends_with(s))
}

/// Why [`HostCredential::reveal`] refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RevealError {
    /// The operator did not grant revealing this attribute.
    #[error("revealing credential attribute {0:?} is not granted to this provider")]
    NotGranted(String),
    /// The credential has no attribute of that name.
    #[error("the credential has no attribute {0:?}")]
    NotFound(String),
}

/// The credential an instance serves, as the host holds it: every
/// attribute, and which of them are secret. `Debug` prints attribute names,
/// never values.
#[derive(Clone)]
pub struct HostCredential {
    /// The record with every attribute, secrets included.
    full: Credential,
    /// Normalized names declared secret for this credential (schema-hidden
    /// ones and the operator's), besides the well-known ones.
    secret: BTreeSet<String>,
}

impl HostCredential {
    /// Holds `cred`. Its secret attributes are `hidden` (the attributes the
    /// provider's schema marks hidden for its auth type) ∪ the well-known
    /// secret names ([`is_well_known_secret`]) ∪ `extra_secret` (names the
    /// operator declares secret).
    pub fn new(cred: &Credential, hidden: &[String], extra_secret: &[String]) -> HostCredential {
        let secret = hidden
            .iter()
            .chain(extra_secret)
            .map(|n| normalize(n))
            .collect();
        HostCredential {
            full: cred.clone(),
            secret,
        }
    }

    /// Like [`HostCredential::new`], but reads the provider's credential
    /// schemas and fails closed: an attribute is visible only when the
    /// schema for the credential's auth type declares it and does not mark
    /// it hidden (and it is not secret by the other rules). An auth type
    /// the provider has no schema for shows no attributes at all.
    pub fn with_schemas(
        cred: &Credential,
        schemas: &[CredentialSchema],
        extra_secret: &[String],
    ) -> HostCredential {
        let declared: Vec<&str> = schemas
            .iter()
            .filter(|s| s.auth_type == cred.auth_type)
            .flat_map(|s| s.attributes.iter())
            .filter(|a| !a.hidden)
            .map(|a| a.name.as_str())
            .collect();
        let undeclared: Vec<String> = cred
            .attributes
            .iter()
            .filter(|(name, _)| !declared.contains(&name.as_str()))
            .map(|(name, _)| name.clone())
            .collect();
        HostCredential::new(cred, &undeclared, extra_secret)
    }

    /// The credential's label (`cloud.Credential.Label`), for messages and
    /// audit events.
    pub fn label(&self) -> &str {
        &self.full.label
    }

    /// The credential's auth type (`access-key`, `userpass`, `oauth2`, …).
    pub fn auth_type(&self) -> &str {
        &self.full.auth_type
    }

    /// True when the host treats the attribute `name` as secret.
    pub fn is_secret(&self, name: &str) -> bool {
        is_well_known_secret(name) || self.secret.contains(&normalize(name))
    }

    /// The record the guest may see: every field, and every attribute that
    /// is not secret.
    pub fn visible(&self) -> Credential {
        let mut cred = self.full.clone();
        cred.attributes.retain(|(name, _)| !self.is_secret(name));
        cred
    }

    /// The names of the secret attributes this credential has.
    pub fn secret_names(&self) -> Vec<&str> {
        (self.full.attributes.iter())
            .filter(|(name, _)| self.is_secret(name))
            .map(|(name, _)| name.as_str())
            .collect()
    }

    /// The value of attribute `name`, when `granted` (the operator's reveal
    /// grants for this provider) names it exactly. Secret or not, an
    /// attribute is revealed only under a grant.
    pub fn reveal(&self, name: &str, granted: &[String]) -> Result<String, RevealError> {
        if !granted.iter().any(|g| g == name) {
            return Err(RevealError::NotGranted(name.to_string()));
        }
        self.attribute(name)
            .map(str::to_string)
            .ok_or_else(|| RevealError::NotFound(name.to_string()))
    }

    /// True when `other` is the same credential: same auth type, label and
    /// attributes (secret values included), in any order. `revoked` and
    /// `invalid` are state, not identity, and are not compared.
    pub fn same_as(&self, other: &Credential) -> bool {
        fn sorted(c: &Credential) -> Vec<(&str, &str)> {
            let mut attrs: Vec<(&str, &str)> = (c.attributes.iter())
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            attrs.sort_unstable();
            attrs
        }
        self.full.auth_type == other.auth_type
            && self.full.label == other.label
            && sorted(&self.full) == sorted(other)
    }

    /// Any attribute's value, secrets included: for the host's signer only.
    pub(crate) fn attribute(&self, name: &str) -> Option<&str> {
        (self.full.attributes.iter())
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for HostCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (secret, visible): (Vec<&str>, Vec<&str>) = (self.full.attributes.iter())
            .map(|(name, _)| name.as_str())
            .partition(|name| self.is_secret(name));
        f.debug_struct("HostCredential")
            .field("label", &self.full.label)
            .field("auth_type", &self.full.auth_type)
            .field("visible", &visible)
            .field("secret", &secret)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::CredentialAttr;

    fn strings(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn credential(auth_type: &str, attrs: &[(&str, &str)]) -> Credential {
        Credential {
            auth_type: auth_type.into(),
            attributes: (attrs.iter())
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            revoked: false,
            label: "ops".into(),
            invalid: false,
            invalid_reason: String::new(),
        }
    }

    fn aws() -> Credential {
        credential(
            "access-key",
            &[
                ("access-key", "AKIDEXAMPLE"),
                ("secret-key", "s3cr3t-value"),
            ],
        )
    }

    fn names(c: &Credential) -> Vec<&str> {
        c.attributes.iter().map(|(k, _)| k.as_str()).collect()
    }

    #[test]
    fn well_known_secrets_stay_hidden_even_if_the_schema_shows_them() {
        // A hostile provider declares nothing hidden.
        let cred = HostCredential::new(&aws(), &[], &[]);
        assert_eq!(names(&cred.visible()), ["access-key"]);
        assert!(cred.is_secret("secret-key"));
        assert!(cred.is_secret("Secret_Key"));
        assert!(!cred.is_secret("access-key"));
        for name in [
            "password",
            "application-password",
            "trust-password",
            "client-secret",
            "service-principal-secret",
            "private-key",
            "client-key",
            "ClientKeyData",
            "Token",
            "api-token",
            "maas-oauth",
            "pass-phrase",
            "key",
        ] {
            assert!(is_well_known_secret(name), "{name}");
        }
        for name in ["access-key", "username", "user", "client-id", "project-id"] {
            assert!(!is_well_known_secret(name), "{name}");
        }
    }

    #[test]
    fn hidden_and_operator_names_are_secret_too() {
        let cred = credential(
            "oauth1",
            &[("consumer", "c"), ("api-secretish", "x"), ("region", "r")],
        );
        let held =
            HostCredential::new(&cred, &strings(&["consumer"]), &strings(&["api-secretish"]));
        assert_eq!(names(&held.visible()), ["region"]);
        let mut secret = held.secret_names();
        secret.sort_unstable();
        assert_eq!(secret, ["api-secretish", "consumer"]);
        // The rest of the record is kept.
        let visible = held.visible();
        assert_eq!(visible.label, "ops");
        assert_eq!(visible.auth_type, "oauth1");
    }

    #[test]
    fn with_schemas_fails_closed() {
        let attr = |name: &str, hidden: bool| CredentialAttr {
            name: name.into(),
            description: String::new(),
            hidden,
            file_attr: String::new(),
            file_path: false,
            expand_file_path: false,
            optional: false,
            options: Vec::new(),
        };
        let schema = CredentialSchema {
            auth_type: "access-key".into(),
            attributes: vec![attr("access-key", false), attr("secret-key", false)],
        };
        let mut cred = aws();
        cred.attributes.push(("undeclared".into(), "v".into()));
        let held = HostCredential::with_schemas(&cred, std::slice::from_ref(&schema), &[]);
        assert_eq!(names(&held.visible()), ["access-key"]);
        // No schema for the auth type: nothing visible.
        let held = HostCredential::with_schemas(&cred, &[], &[]);
        assert!(held.visible().attributes.is_empty());
    }

    #[test]
    fn reveal_needs_a_grant_and_an_attribute() {
        let held = HostCredential::new(&aws(), &[], &[]);
        assert_eq!(
            held.reveal("secret-key", &[]),
            Err(RevealError::NotGranted("secret-key".into()))
        );
        assert_eq!(
            held.reveal("secret-key", &strings(&["secret-key"]))
                .as_deref(),
            Ok("s3cr3t-value")
        );
        assert_eq!(
            held.reveal("token", &strings(&["token"])),
            Err(RevealError::NotFound("token".into()))
        );
        // Exact names only: no normalization for grants.
        assert!(
            held.reveal("Secret-Key", &strings(&["secret-key"]))
                .is_err()
        );
    }

    #[test]
    fn same_as_compares_every_attribute_in_any_order() {
        let held = HostCredential::new(&aws(), &[], &[]);
        let mut reordered = aws();
        reordered.attributes.reverse();
        reordered.invalid = true;
        assert!(held.same_as(&reordered));
        let mut other_secret = aws();
        other_secret.attributes[1].1 = "another".into();
        assert!(!held.same_as(&other_secret));
        let mut other_label = aws();
        other_label.label = "dev".into();
        assert!(!held.same_as(&other_label));
    }

    #[test]
    fn debug_never_prints_values() {
        let held = HostCredential::new(&aws(), &[], &[]);
        let text = format!("{held:?}");
        assert!(!text.contains("s3cr3t-value"), "{text}");
        assert!(!text.contains("AKIDEXAMPLE"), "{text}");
        assert!(text.contains("secret-key"), "{text}");
    }
}
