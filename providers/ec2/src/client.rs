//! The EC2 Query API: form-encoded `POST`s signed by the host (SigV4,
//! service `ec2`), XML answers parsed with quick-xml, and EC2 error codes
//! mapped to Juju's error kinds. A credential the cloud rejects is reported
//! to the host (`invalidate-credential`) here, once per failed call.

use serde::de::DeserializeOwned;
use strato_guest::http::Request;
use strato_guest::{Error, context, credential};

/// The EC2 API version every request names.
pub const API_VERSION: &str = "2016-11-15";

/// EC2 error codes that mean the credential is no good (Juju's
/// `provider/ec2` list).
const CREDENTIAL_CODES: &[&str] = &[
    "AuthFailure",
    "InvalidClientTokenId",
    "MissingAuthenticationToken",
    "Blocked",
    "CustomerKeyHasBeenRevoked",
    "PendingVerification",
    "SignatureDoesNotMatch",
];

/// A failed call: an EC2 error code and message, or a transport failure.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The cloud answered with an error.
    Ec2 {
        status: u16,
        code: String,
        message: String,
    },
    /// The request did not get an answer (denied, timeout, bad XML, …).
    Transport(Error),
}

impl ApiError {
    /// The EC2 error code, empty for transport failures.
    pub fn code(&self) -> &str {
        match self {
            ApiError::Ec2 { code, .. } => code,
            ApiError::Transport(_) => "",
        }
    }

    /// The EC2 message, empty for transport failures.
    pub fn message(&self) -> &str {
        match self {
            ApiError::Ec2 { message, .. } => message,
            ApiError::Transport(_) => "",
        }
    }

    /// True for the codes that mean the credential was rejected.
    pub fn is_credential(&self) -> bool {
        CREDENTIAL_CODES.contains(&self.code())
    }

    /// True for `*.NotFound` codes.
    pub fn is_not_found(&self) -> bool {
        self.code().ends_with(".NotFound")
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ApiError::Ec2 {
                status,
                code,
                message,
            } => write!(f, "{message} ({code}, HTTP {status})"),
            ApiError::Transport(e) => write!(f, "{}", e.message),
        }
    }
}

impl From<ApiError> for Error {
    fn from(e: ApiError) -> Error {
        match &e {
            _ if e.is_credential() => {
                Error::credential_not_valid(format!("the EC2 cloud rejected the credential: {e}"))
            }
            ApiError::Transport(inner) => inner.clone(),
            ApiError::Ec2 { .. } if e.is_not_found() => Error::not_found(e.to_string()),
            ApiError::Ec2 { .. } => Error::other(e.to_string()),
        }
    }
}

/// The parameters of one request, in the Query API's flattened form
/// (`Filter.1.Name`, `InstanceId.2`, …).
#[derive(Debug, Clone, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// No parameters.
    pub fn new() -> Params {
        Params::default()
    }

    /// Adds `name=value`.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<String>) -> &mut Params {
        self.0.push((name.into(), value.into()));
        self
    }

    /// Adds `prefix.1=v1`, `prefix.2=v2`, ….
    pub fn list(&mut self, prefix: &str, values: &[String]) -> &mut Params {
        for (i, v) in values.iter().enumerate() {
            self.set(format!("{prefix}.{}", i + 1), v.clone());
        }
        self
    }

    /// Adds `Filter.N.Name=name` and its `Filter.N.Value.M` values.
    pub fn filter(&mut self, name: &str, values: &[&str]) -> &mut Params {
        let n = 1 + self
            .0
            .iter()
            .filter(|(k, _)| k.ends_with(".Name") && k.starts_with("Filter."))
            .count();
        self.set(format!("Filter.{n}.Name"), name);
        for (i, v) in values.iter().enumerate() {
            self.set(format!("Filter.{n}.Value.{}", i + 1), *v);
        }
        self
    }

    /// The form body for `action`.
    fn body(&self, action: &str) -> String {
        let mut out = format!("Action={}&Version={API_VERSION}", encode(action));
        for (k, v) in &self.0 {
            out.push('&');
            out.push_str(&encode(k));
            out.push('=');
            out.push_str(&encode(v));
        }
        out
    }
}

/// Form-encodes: RFC 3986's unreserved characters as they are, a space as
/// `+`, everything else percent-encoded (what botocore sends, byte for
/// byte: servers that re-encode the form to check the signature agree).
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else if b == b' ' {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An EC2 endpoint in one region.
#[derive(Debug, Clone, PartialEq)]
pub struct Client {
    endpoint: String,
    region: String,
}

impl Client {
    /// A client for `endpoint` (the region's public endpoint when empty).
    pub fn new(endpoint: &str, region: &str) -> Client {
        let endpoint = if endpoint.is_empty() {
            format!("https://ec2.{region}.amazonaws.com")
        } else {
            endpoint.trim_end_matches('/').to_string()
        };
        Client {
            endpoint,
            region: region.to_string(),
        }
    }

    /// The region requests are signed for.
    pub fn region(&self) -> &str {
        &self.region
    }

    /// Calls `action` and returns the response body. An error answer whose
    /// code rejects the credential invalidates it with the host first.
    pub fn call_raw(&self, action: &str, params: &Params) -> Result<String, ApiError> {
        let response = Request::post(format!("{}/", self.endpoint), params.body(action))
            .header(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            )
            .authenticate(credential::sigv4_marker("ec2", &self.region))
            .send()
            .map_err(|e| ApiError::Transport(e.context(format!("EC2 {action}"))))?;
        let text = response.text();
        if (200..300).contains(&response.status) {
            return Ok(text);
        }
        let (code, message) = parse_error(&text);
        let err = ApiError::Ec2 {
            status: response.status,
            code,
            message,
        };
        if err.is_credential() {
            strato_guest::warn!("EC2 {action}: credential rejected: {err}");
            if let Err(e) = context::invalidate_credential(&err.to_string()) {
                strato_guest::warn!("invalidating the credential: {}", e.message);
            }
        }
        Err(err)
    }

    /// Calls `action` and parses the response as `T`.
    pub fn call<T: DeserializeOwned>(&self, action: &str, params: &Params) -> Result<T, ApiError> {
        let text = self.call_raw(action, params)?;
        quick_xml::de::from_str(&text).map_err(|e| {
            ApiError::Transport(Error::other(format!(
                "EC2 {action}: cannot parse the response: {e}"
            )))
        })
    }
}

/// An EC2 error document: `<Response><Errors><Error>…` (EC2) or
/// `<ErrorResponse><Error>…` (other AWS query services).
#[derive(Debug, Default, serde::Deserialize)]
struct ErrorDocument {
    #[serde(rename = "Errors", default)]
    errors: Option<ErrorList>,
    #[serde(rename = "Error", default)]
    error: Option<ErrorItem>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct ErrorList {
    #[serde(rename = "Error", default)]
    error: Vec<ErrorItem>,
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
struct ErrorItem {
    #[serde(rename = "Code", default)]
    code: String,
    #[serde(rename = "Message", default)]
    message: String,
}

/// The first `Code` and `Message` of an EC2 error document; `UnknownError`
/// and the start of the body when it is not one.
pub fn parse_error(text: &str) -> (String, String) {
    let doc: ErrorDocument = quick_xml::de::from_str(text).unwrap_or_default();
    let item = doc
        .errors
        .and_then(|l| l.error.into_iter().next())
        .or(doc.error)
        .filter(|i| !i.code.is_empty());
    match item {
        Some(i) => (i.code, i.message),
        None => ("UnknownError".into(), text.chars().take(200).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_form_encoded() {
        let mut p = Params::new();
        p.filter("tag:juju-model-uuid", &["a b"])
            .filter("instance-state-name", &["pending", "running"]);
        p.list("InstanceId", &["i-1".into()]);
        assert_eq!(
            p.body("DescribeInstances"),
            "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=tag%3Ajuju-model-uuid\
             &Filter.1.Value.1=a+b&Filter.2.Name=instance-state-name&Filter.2.Value.1=pending\
             &Filter.2.Value.2=running&InstanceId.1=i-1"
        );
    }

    #[test]
    fn error_documents_give_code_and_message() {
        let xml = "<?xml version=\"1.0\"?><Response><Errors><Error><Code>AuthFailure</Code>\
                   <Message>AWS was not able to validate &amp; so on</Message></Error></Errors>\
                   <RequestID>x</RequestID></Response>";
        let (code, message) = parse_error(xml);
        assert_eq!(code, "AuthFailure");
        assert_eq!(message, "AWS was not able to validate & so on");
        let err = ApiError::Ec2 {
            status: 401,
            code,
            message,
        };
        assert!(err.is_credential());
        let e = Error::from(err);
        assert_eq!(e.kind, strato_guest::ErrorKind::CredentialNotValid);
        assert_eq!(parse_error("<html>oops</html>").0, "UnknownError");
    }

    #[test]
    fn not_found_codes() {
        let err = ApiError::Ec2 {
            status: 400,
            code: "InvalidInstanceID.NotFound".into(),
            message: "gone".into(),
        };
        assert!(err.is_not_found());
        assert_eq!(Error::from(err).kind, strato_guest::ErrorKind::NotFound);
    }
}
