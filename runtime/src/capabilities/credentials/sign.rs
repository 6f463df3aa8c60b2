//! Host-side request authentication: the guest marks a request, the host
//! adds the credential's proof on the way out.
//!
//! The marker is the request header [`AUTH_HEADER`]; its value names the
//! scheme:
//!
//! | marker | credential | the host adds |
//! |---|---|---|
//! | `aws-sigv4 service=ec2 region=us-east-1` | auth-type `access-key` (`access-key`, `secret-key`, optional `session-token`) | AWS Signature Version 4: `authorization`, `x-amz-date`, `x-amz-security-token` with a session token, and `x-amz-content-sha256` for S3 |
//! | `basic` | auth-type `userpass` (`username` or `user`, `password`) | `authorization: Basic base64(user:password)` |
//! | `bearer` | any credential with a `token`, `access-token` or `bearer-token` attribute | `authorization: Bearer <token>` |
//!
//! Parameters may be separated by spaces, `;` or `,`. Whether the request
//! may be signed at all (its destination must be an endpoint of the
//! credential's cloud) is the send hook's decision, made before it calls
//! [`authenticate`].

use std::fmt;
use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, PercentEncodingMode, SignableBody, SignableRequest, SigningSettings,
    UriPathNormalizationMode, sign,
};
use aws_sigv4::sign::v4;
use base64::Engine as _;
use http::header::{AUTHORIZATION, HOST};
use http::request::Parts;
use http::{HeaderName, HeaderValue};

use super::HostCredential;

/// The request header by which a guest asks the host to authenticate an
/// outgoing request with the credential it holds (see the module docs for
/// its values). The host removes it before the request leaves.
pub const AUTH_HEADER: &str = "x-strato-authenticate";

/// Longest part of a marker quoted back in an error.
const MAX_QUOTED: usize = 80;

/// Headers the SigV4 signer owns: a guest's own values are dropped.
const SIGV4_HEADERS: &[&str] = &[
    "authorization",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
];

/// How a request was authenticated; its `Display` is what audit events
/// show (`aws-sigv4 ec2/us-east-1`, `basic`, `bearer`), never a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthKind {
    /// AWS Signature Version 4 for `service` in `region`.
    AwsSigV4 {
        /// The signing name of the service (`ec2`, `s3`, `iam`, …).
        service: String,
        /// The signing region.
        region: String,
    },
    /// HTTP Basic with the credential's user name and password.
    Basic,
    /// HTTP Bearer with the credential's token.
    Bearer,
}

impl fmt::Display for AuthKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthKind::AwsSigV4 { service, region } => write!(f, "aws-sigv4 {service}/{region}"),
            AuthKind::Basic => f.write_str("basic"),
            AuthKind::Bearer => f.write_str("bearer"),
        }
    }
}

/// Why [`authenticate`] refused a request. Messages never contain a
/// credential value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// The marker header's value is not one the host understands.
    #[error("{AUTH_HEADER}: {reason} (in {marker:?})")]
    Marker {
        /// The marker as the guest sent it (cut to 80 characters).
        marker: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The marker asks for a scheme the credential cannot provide.
    #[error("{AUTH_HEADER}: {scheme} needs {needs}; the credential's auth-type is {auth_type:?}")]
    Mismatch {
        /// The scheme asked for (`aws-sigv4`, `basic`, `bearer`).
        scheme: &'static str,
        /// The credential's auth type.
        auth_type: String,
        /// What the scheme needs.
        needs: &'static str,
    },
    /// The credential lacks an attribute the scheme needs.
    #[error(
        "{AUTH_HEADER}: {scheme} needs the credential attribute {attribute:?} (auth-type {auth_type:?})"
    )]
    MissingAttribute {
        /// The scheme asked for.
        scheme: &'static str,
        /// The credential's auth type.
        auth_type: String,
        /// The missing attribute.
        attribute: &'static str,
    },
    /// The request itself cannot be authenticated (no host in its URI, a
    /// header that is not text, …).
    #[error("{AUTH_HEADER}: cannot authenticate the request: {0}")]
    Request(String),
}

/// What the marker asks for.
#[derive(Debug, PartialEq, Eq)]
enum Marker {
    SigV4 { service: String, region: String },
    Basic,
    Bearer,
}

/// Authenticates the request in `parts` (whose body is `body`) as `marker`
/// (the value of [`AUTH_HEADER`]) asks, with `cred`, at time `now`. Removes
/// the marker header, then sets `authorization` (and for SigV4 its other
/// headers). The caller has already checked that the request goes to an
/// endpoint of the credential's cloud.
pub fn authenticate(
    cred: &HostCredential,
    marker: &str,
    parts: &mut Parts,
    body: &[u8],
    now: SystemTime,
) -> Result<AuthKind, SignError> {
    parts.headers.remove(AUTH_HEADER);
    match parse_marker(marker)? {
        Marker::SigV4 { service, region } => {
            sigv4(cred, &service, &region, parts, body, now)?;
            Ok(AuthKind::AwsSigV4 { service, region })
        }
        Marker::Basic => {
            basic(cred, parts)?;
            Ok(AuthKind::Basic)
        }
        Marker::Bearer => {
            bearer(cred, parts)?;
            Ok(AuthKind::Bearer)
        }
    }
}

fn quoted(marker: &str) -> String {
    marker.chars().take(MAX_QUOTED).collect()
}

fn parse_marker(marker: &str) -> Result<Marker, SignError> {
    let bad = |reason: String| SignError::Marker {
        marker: quoted(marker),
        reason,
    };
    let mut tokens = marker
        .split(|c: char| c.is_ascii_whitespace() || c == ';' || c == ',')
        .filter(|t| !t.is_empty());
    let scheme = tokens
        .next()
        .ok_or_else(|| bad("empty; expected aws-sigv4, basic or bearer".into()))?
        .to_ascii_lowercase();
    let (mut service, mut region) = (None, None);
    for token in tokens {
        let Some((key, value)) = token.split_once('=') else {
            return Err(bad(format!("{:?} is not key=value", quoted(token))));
        };
        let slot = match (scheme.as_str(), key.to_ascii_lowercase().as_str()) {
            ("aws-sigv4", "service") => &mut service,
            ("aws-sigv4", "region") => &mut region,
            _ => {
                return Err(bad(format!(
                    "unknown parameter {:?} for {:?}",
                    quoted(key),
                    quoted(&scheme)
                )));
            }
        };
        let valid = !value.is_empty()
            && value.len() <= 64
            && (value.chars()).all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !valid {
            return Err(bad(format!(
                "{key} must be 1 to 64 letters, digits, '-', '_' or '.'"
            )));
        }
        if slot.replace(value.to_string()).is_some() {
            return Err(bad(format!("{key} given twice")));
        }
    }
    match scheme.as_str() {
        "aws-sigv4" => match (service, region) {
            (Some(service), Some(region)) => Ok(Marker::SigV4 { service, region }),
            _ => Err(bad("aws-sigv4 needs service=… and region=…".into())),
        },
        "basic" => Ok(Marker::Basic),
        "bearer" => Ok(Marker::Bearer),
        other => Err(bad(format!(
            "unknown scheme {:?}; expected aws-sigv4, basic or bearer",
            quoted(other)
        ))),
    }
}

fn missing(scheme: &'static str, cred: &HostCredential, attribute: &'static str) -> SignError {
    SignError::MissingAttribute {
        scheme,
        auth_type: cred.auth_type().to_string(),
        attribute,
    }
}

/// Sets `authorization` (marked sensitive, so it is not logged by hyper).
fn set_authorization(parts: &mut Parts, value: String) -> Result<(), SignError> {
    let mut value = HeaderValue::try_from(value).map_err(|_| {
        SignError::Request("the credential value is not valid in an HTTP header".into())
    })?;
    value.set_sensitive(true);
    parts.headers.insert(AUTHORIZATION, value);
    Ok(())
}

fn basic(cred: &HostCredential, parts: &mut Parts) -> Result<(), SignError> {
    const SCHEME: &str = "basic";
    if cred.auth_type() != "userpass" {
        return Err(SignError::Mismatch {
            scheme: SCHEME,
            auth_type: cred.auth_type().to_string(),
            needs: "auth-type \"userpass\"",
        });
    }
    let user = (cred.attribute("username"))
        .or_else(|| cred.attribute("user"))
        .ok_or_else(|| missing(SCHEME, cred, "username"))?;
    let password = cred
        .attribute("password")
        .ok_or_else(|| missing(SCHEME, cred, "password"))?;
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    set_authorization(parts, format!("Basic {token}"))
}

fn bearer(cred: &HostCredential, parts: &mut Parts) -> Result<(), SignError> {
    let token = ["token", "access-token", "bearer-token"]
        .into_iter()
        .find_map(|name| cred.attribute(name))
        .ok_or_else(|| SignError::Mismatch {
            scheme: "bearer",
            auth_type: cred.auth_type().to_string(),
            needs: "a token, access-token or bearer-token attribute",
        })?;
    set_authorization(parts, format!("Bearer {token}"))
}

/// The `host` header value for `parts.uri`: the authority without a
/// default port.
fn host_of(parts: &Parts) -> Result<String, SignError> {
    let authority = (parts.uri.authority())
        .ok_or_else(|| SignError::Request("the request URI has no host".into()))?;
    if authority.as_str().contains('@') {
        return Err(SignError::Request(
            "the request URI carries user information".into(),
        ));
    }
    let default_port = match parts.uri.scheme_str() {
        Some("http") => Some(80),
        Some("https") => Some(443),
        _ => None,
    };
    Ok(match authority.port_u16() {
        Some(port) if Some(port) != default_port => format!("{}:{port}", authority.host()),
        _ => authority.host().to_string(),
    })
}

fn sigv4(
    cred: &HostCredential,
    service: &str,
    region: &str,
    parts: &mut Parts,
    body: &[u8],
    now: SystemTime,
) -> Result<(), SignError> {
    const SCHEME: &str = "aws-sigv4";
    if cred.auth_type() != "access-key" {
        return Err(SignError::Mismatch {
            scheme: SCHEME,
            auth_type: cred.auth_type().to_string(),
            needs: "auth-type \"access-key\"",
        });
    }
    let access =
        (cred.attribute("access-key")).ok_or_else(|| missing(SCHEME, cred, "access-key"))?;
    let secret =
        (cred.attribute("secret-key")).ok_or_else(|| missing(SCHEME, cred, "secret-key"))?;
    let session = cred.attribute("session-token").map(str::to_string);

    if parts.uri.scheme().is_none() {
        return Err(SignError::Request("the request URI has no scheme".into()));
    }
    for name in SIGV4_HEADERS {
        parts.headers.remove(*name);
    }
    if !parts.headers.contains_key(HOST) {
        let host = host_of(parts)?;
        let value = HeaderValue::try_from(host)
            .map_err(|_| SignError::Request("the request host is not a valid header".into()))?;
        parts.headers.insert(HOST, value);
    } else {
        // Still reject URIs the signer cannot read.
        host_of(parts)?;
    }

    let mut settings = SigningSettings::default();
    if service == "s3" || service.starts_with("s3-") {
        // S3 signs the payload hash in a header and the path as sent.
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    }
    let identity = Credentials::new(access, secret, session, None, "strato").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(now)
        .settings(settings)
        .build()
        .map_err(|e| SignError::Request(e.to_string()))?
        .into();

    let uri = parts.uri.to_string();
    let mut headers = Vec::with_capacity(parts.headers.len());
    for (name, value) in &parts.headers {
        let value = value.to_str().map_err(|_| {
            SignError::Request(format!("header {:?} is not printable ASCII", name.as_str()))
        })?;
        headers.push((name.as_str(), value));
    }
    let request = SignableRequest::new(
        parts.method.as_str(),
        uri,
        headers.into_iter(),
        SignableBody::Bytes(body),
    )
    .map_err(|e| SignError::Request(e.to_string()))?;
    let (instructions, _signature) = sign(request, &params)
        .map_err(|e| SignError::Request(e.to_string()))?
        .into_parts();
    let (new_headers, _query) = instructions.into_parts();
    for header in new_headers {
        let name = HeaderName::from_bytes(header.name().as_bytes())
            .map_err(|_| SignError::Request("the signer made an invalid header name".into()))?;
        let mut value = HeaderValue::from_str(header.value()).map_err(|_| {
            SignError::Request(format!(
                "the signer's {} header is not valid",
                header.name()
            ))
        })?;
        value.set_sensitive(header.sensitive() || name == AUTHORIZATION);
        parts.headers.insert(name, value);
    }
    Ok(())
}

#[cfg(test)]
#[path = "sign_tests.rs"]
mod tests;
