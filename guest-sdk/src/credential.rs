//! The cloud credential of this provider instance, as the host lets the
//! provider see it.
//!
//! The host holds the whole credential of the cloud spec the instance
//! serves. A provider sees its auth type and its non-secret attributes; the
//! secret ones (`secret-key`, `password`, `token`, `private-key`, the
//! schema's hidden attributes, …) stay with the host. To use them, mark an
//! outgoing request with the [`AUTH_HEADER`] header and the host
//! authenticates it on the way out, toward the credential's cloud only:
//!
//! ```
//! use strato_guest::credential;
//!
//! let marker = credential::sigv4_marker("ec2", "us-east-1");
//! assert_eq!(marker, "aws-sigv4 service=ec2 region=us-east-1");
//! // send the request with the header `x-strato-authenticate: <marker>`
//! // (`strato_guest::http::Request::authenticate(marker)` does that).
//! ```
//!
//! | marker | credential auth type | the host adds |
//! |---|---|---|
//! | [`sigv4_marker`]`(service, region)` | `access-key` | AWS Signature Version 4 |
//! | [`BASIC`] | `userpass` | `Authorization: Basic …` |
//! | [`BEARER`] | any with a `token`, `access-token` or `bearer-token` attribute | `Authorization: Bearer …` |
//!
//! [`reveal`] reads a secret attribute itself, but only when the operator
//! granted it to this provider; every reveal is audited.
//!
//! Outside a wasm component (native unit tests) there is no credential:
//! [`auth_type`] is `None`, [`attributes`] is empty and [`reveal`] fails
//! with `not-supported`.

use crate::Result;
use crate::types::StringMap;

#[cfg(target_arch = "wasm32")]
use crate::bindings::juju::environs::credential as host;

/// The request header that asks the host to authenticate an outgoing
/// request; its value is a marker ([`sigv4_marker`], [`BASIC`],
/// [`BEARER`]). The host removes it before the request leaves.
pub const AUTH_HEADER: &str = "x-strato-authenticate";

/// Marker for HTTP Basic with a `userpass` credential.
pub const BASIC: &str = "basic";

/// Marker for HTTP Bearer with the credential's token.
pub const BEARER: &str = "bearer";

/// The marker for AWS Signature Version 4 with an `access-key` credential:
/// `aws-sigv4 service=<service> region=<region>`. `service` is the signing
/// name (`ec2`, `s3`, `iam`, `sts`, …).
pub fn sigv4_marker(service: &str, region: &str) -> String {
    format!("aws-sigv4 service={service} region={region}")
}

/// `cloud.Credential.AuthType` of the credential the host holds for this
/// instance; `None` when it holds none (yet).
pub fn auth_type() -> Option<String> {
    #[cfg(target_arch = "wasm32")]
    return host::auth_type();
    #[cfg(not(target_arch = "wasm32"))]
    None
}

/// The credential's attributes without the secret ones.
pub fn attributes() -> StringMap {
    #[cfg(target_arch = "wasm32")]
    return host::attributes();
    #[cfg(not(target_arch = "wasm32"))]
    StringMap::new()
}

/// One non-secret attribute of the credential, if it has it.
pub fn attribute(name: &str) -> Option<String> {
    attributes()
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// The value of attribute `name`, secret or not, when the operator granted
/// revealing it to this provider (and the provider declared it wants it).
/// Fails with `unauthorized` without a grant and `not-found` when the
/// credential has no such attribute. Prefer [`AUTH_HEADER`]: a provider
/// that never holds a secret cannot leak it.
pub fn reveal(name: &str) -> Result<String> {
    #[cfg(target_arch = "wasm32")]
    return host::reveal(name);
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = name;
        Err(crate::Error::not_supported(
            "there is no credential outside the Strato host",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natively_there_is_no_credential() {
        assert_eq!(auth_type(), None);
        assert!(attributes().is_empty());
        assert_eq!(attribute("access-key"), None);
        let err = reveal("secret-key").unwrap_err();
        assert_eq!(err.kind, crate::ErrorKind::NotSupported);
    }

    #[test]
    fn markers() {
        assert_eq!(
            sigv4_marker("s3", "eu-west-1"),
            "aws-sigv4 service=s3 region=eu-west-1"
        );
        assert_eq!(AUTH_HEADER, "x-strato-authenticate");
    }
}
