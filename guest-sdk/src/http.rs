//! A small blocking HTTP client over `wasi:http/outgoing-handler`.
//!
//! The host decides where a provider may connect: the endpoints of its
//! cloud spec plus what the operator granted. A denied request fails with
//! an [`Error`] whose message names the `wasi:http` error code
//! (`http-request-denied`, `destination-ip-prohibited`, …) and a kind of
//! `unauthorized`; timeouts have the kind `timeout`. An HTTP error status
//! is not an [`Error`]: check [`Response::status`].
//!
//! Credentials stay with the host. To have a request signed, ask for it with
//! [`Request::authenticate`] and a marker such as
//! `aws-sigv4 service=ec2 region=us-east-1`, `basic` or `bearer`; the host
//! signs at egress, and only toward the endpoints of the credential's cloud.
//! A guest cannot set `Authorization` itself.
//!
//! ```no_run
//! use strato_guest::http::Request;
//!
//! # fn demo(endpoint: &str) -> strato_guest::Result<()> {
//! let response = Request::post(endpoint, "Action=DescribeRegions&Version=2016-11-15")
//!     .header("content-type", "application/x-www-form-urlencoded")
//!     .authenticate("aws-sigv4 service=ec2 region=us-east-1")
//!     .send()?;
//! if response.status != 200 {
//!     return Err(strato_guest::Error::other(response.text()));
//! }
//! # Ok(()) }
//! ```
//!
//! Outside a wasm component (native unit tests) [`Request::send`] fails
//! with `not-supported`.

use std::time::Duration;

use crate::credential::AUTH_HEADER;
use crate::{Error, ErrorKind, Result};

/// What [`Response`] keeps of a body unless told otherwise
/// ([`Request::max_response_bytes`]): 16 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 16 << 20;

/// An outgoing request, built with the methods below and sent with
/// [`Request::send`] (or [`send`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`, … (any token; the host refuses invalid ones).
    pub method: String,
    /// `scheme://authority/path?query`; a fragment is dropped.
    pub url: String,
    /// Header fields in order. `host`, `authorization`, `connection` and
    /// the other hop-by-hop fields are refused by the host.
    pub headers: Vec<(String, String)>,
    /// The body; sent with a `content-length`.
    pub body: Vec<u8>,
    /// Time to connect, to the first response byte, and between bytes
    /// (the host applies its own maximum too).
    pub timeout: Option<Duration>,
    /// The most body bytes [`Request::send`] reads before failing.
    pub max_response_bytes: u64,
}

impl Request {
    /// A request with `method` to `url`, no headers and no body.
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> Request {
        Request {
            method: method.into(),
            url: url.into(),
            headers: Vec::new(),
            body: Vec::new(),
            timeout: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }

    /// `GET url`.
    pub fn get(url: impl Into<String>) -> Request {
        Request::new("GET", url)
    }

    /// `POST url` with `body`.
    pub fn post(url: impl Into<String>, body: impl Into<Vec<u8>>) -> Request {
        Request::new("POST", url).body(body)
    }

    /// Adds a header field.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Request {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    #[must_use]
    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Request {
        self.body = body.into();
        self
    }

    /// Asks the host to authenticate the request with the credential it
    /// holds, through the [`AUTH_HEADER`] header: `marker` is
    /// `aws-sigv4 service=<service> region=<region>`
    /// ([`sigv4_marker`](crate::credential::sigv4_marker)), `basic` or
    /// `bearer` (see [`credential`](crate::credential)).
    #[must_use]
    pub fn authenticate(self, marker: impl Into<String>) -> Request {
        self.header(AUTH_HEADER, marker)
    }

    /// Sets the timeouts (connect, first byte, between bytes).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Request {
        self.timeout = Some(timeout);
        self
    }

    /// Sets how many body bytes [`Request::send`] accepts.
    #[must_use]
    pub fn max_response_bytes(mut self, limit: u64) -> Request {
        self.max_response_bytes = limit;
        self
    }

    /// Sends the request and reads the whole response body (at most
    /// [`Request::max_response_bytes`]).
    pub fn send(self) -> Result<Response> {
        let what = self.describe();
        let limit = self.max_response_bytes;
        let (head, body) = self.open()?;
        read_all(&what, limit, head, body)
    }

    /// Sends the request and returns the response head with a reader for
    /// the body, for bodies too large to hold at once.
    pub fn open(self) -> Result<(ResponseHead, BodyReader)> {
        let what = self.describe();
        self.start()
            .and_then(imp::Pending::finish)
            .map_err(|e| e.context(&what))
    }

    /// Hands the request to the host without waiting for the response.
    fn start(&self) -> Result<imp::Pending> {
        let target = Target::parse(&self.url).map_err(Error::not_valid)?;
        imp::start(self, &target)
    }

    fn describe(&self) -> String {
        format!("{} {}", self.method, self.url)
    }
}

/// Sends `request` ([`Request::send`]).
pub fn send(request: Request) -> Result<Response> {
    request.send()
}

/// Sends every request at once (the host runs them concurrently, up to its
/// per-instance limit; the requests past it fail) and waits for all of
/// them. One result per request, in order.
pub fn send_all(requests: Vec<Request>) -> Vec<Result<Response>> {
    let started: Vec<_> = requests
        .into_iter()
        .map(|r| (r.describe(), r.max_response_bytes, r.start()))
        .collect();
    started
        .into_iter()
        .map(|(what, limit, pending)| {
            let (head, body) = pending
                .and_then(imp::Pending::finish)
                .map_err(|e| e.context(&what))?;
            read_all(&what, limit, head, body)
        })
        .collect()
}

fn read_all(what: &str, limit: u64, head: ResponseHead, mut body: BodyReader) -> Result<Response> {
    let mut bytes = Vec::new();
    loop {
        let chunk = body.read_chunk().map_err(|e| e.context(what))?;
        if chunk.is_empty() {
            break;
        }
        if (bytes.len() + chunk.len()) as u64 > limit {
            return Err(Error::other(format!(
                "{what}: response body larger than {limit} bytes"
            )));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Response {
        status: head.status,
        headers: head.headers,
        body: bytes,
    })
}

/// A response with its whole body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Header fields in order, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// True for a 2xx status.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// The status and headers of a response whose body is read with a
/// [`BodyReader`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResponseHead {
    /// The status code.
    pub status: u16,
    /// Header fields in order, names in lower case.
    pub headers: Vec<(String, String)>,
}

impl ResponseHead {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        find_header(&self.headers, name)
    }
}

fn find_header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Reads a response body in chunks as the host delivers them.
pub struct BodyReader {
    inner: imp::Body,
    /// Bytes read so far.
    read: u64,
}

impl std::fmt::Debug for BodyReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BodyReader")
            .field("read", &self.read)
            .finish()
    }
}

impl BodyReader {
    /// The next chunk; empty at the end of the body. A body the host cut
    /// off (too large, timed out) is an error.
    pub fn read_chunk(&mut self) -> Result<Vec<u8>> {
        let chunk = self.inner.read_chunk()?;
        self.read += chunk.len() as u64;
        Ok(chunk)
    }

    /// Bytes read so far.
    pub fn bytes_read(&self) -> u64 {
        self.read
    }

    /// Reads to the end, keeping nothing; returns the body's length.
    pub fn discard(&mut self) -> Result<u64> {
        while !self.read_chunk()?.is_empty() {}
        Ok(self.read)
    }
}

/// The parts of a URL `wasi:http` wants.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Target {
    scheme: String,
    authority: String,
    path_with_query: String,
}

impl Target {
    fn parse(url: &str) -> std::result::Result<Target, String> {
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| format!("URL {url:?} has no scheme"))?;
        if scheme.is_empty() {
            return Err(format!("URL {url:?} has an empty scheme"));
        }
        let rest = rest.split('#').next().unwrap_or_default();
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(end);
        if authority.is_empty() {
            return Err(format!("URL {url:?} has no host"));
        }
        if authority.contains('@') {
            return Err(format!(
                "URL {url:?} carries user information; credentials are the host's"
            ));
        }
        let path_with_query = match path {
            "" => "/".to_string(),
            p if p.starts_with('?') => format!("/{p}"),
            p => p.to_string(),
        };
        Ok(Target {
            scheme: scheme.to_ascii_lowercase(),
            authority: authority.to_string(),
            path_with_query,
        })
    }
}

/// Builds the SDK error for a `wasi:http` error code given as its WIT name
/// (`http-request-denied`) plus detail.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
fn code_error(code: &str, detail: &str) -> Error {
    let kind = match code {
        "http-request-denied" | "destination-ip-prohibited" => ErrorKind::Unauthorized,
        "dns-timeout"
        | "connection-timeout"
        | "connection-read-timeout"
        | "connection-write-timeout"
        | "http-response-timeout" => ErrorKind::Timeout,
        _ => ErrorKind::Other,
    };
    let message = if detail.is_empty() {
        code.to_string()
    } else {
        format!("{code}: {detail}")
    };
    Error::new(kind, message)
}

#[cfg(target_arch = "wasm32")]
#[path = "http_wasi.rs"]
mod imp;

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    //! Native builds (unit tests of providers): no `wasi:http`.
    use super::{Request, ResponseHead, Target};
    use crate::{Error, Result};

    pub struct Body;

    impl Body {
        pub fn read_chunk(&mut self) -> Result<Vec<u8>> {
            Ok(Vec::new())
        }
    }

    pub struct Pending;

    impl Pending {
        pub fn finish(self) -> Result<(ResponseHead, super::BodyReader)> {
            Err(Error::other("unreachable: no request starts natively"))
        }
    }

    pub fn start(_request: &Request, _target: &Target) -> Result<Pending> {
        Err(Error::not_supported(
            "wasi:http is only available inside a WebAssembly component",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_wasi_parts() {
        let t = Target::parse("HTTPS://ec2.us-east-1.amazonaws.com:443/a/b?x=1#frag").unwrap();
        assert_eq!(t.scheme, "https");
        assert_eq!(t.authority, "ec2.us-east-1.amazonaws.com:443");
        assert_eq!(t.path_with_query, "/a/b?x=1");
        let t = Target::parse("http://[::ffff:169.254.169.254]").unwrap();
        assert_eq!(t.authority, "[::ffff:169.254.169.254]");
        assert_eq!(t.path_with_query, "/");
        let t = Target::parse("http://h?q").unwrap();
        assert_eq!(t.path_with_query, "/?q");
        assert!(Target::parse("example.com/x").is_err());
        assert!(Target::parse("http:///x").is_err());
        assert!(Target::parse("http://user:pw@host/").is_err());
    }

    #[test]
    fn error_codes_get_kinds() {
        assert_eq!(
            code_error("http-request-denied", "").kind,
            ErrorKind::Unauthorized
        );
        assert_eq!(
            code_error("connection-timeout", "").kind,
            ErrorKind::Timeout
        );
        let e = code_error("http-response-body-size", "limit 10");
        assert_eq!(e.kind, ErrorKind::Other);
        assert_eq!(e.message, "http-response-body-size: limit 10");
    }

    #[test]
    fn sending_natively_is_not_supported() {
        let err = Request::get("http://example.com/").send().unwrap_err();
        assert_eq!(err.kind, ErrorKind::NotSupported);
        assert!(err.message.starts_with("GET http://example.com/: "));
        let req = Request::post("http://h/", "x").authenticate("basic");
        assert_eq!(req.headers, [(AUTH_HEADER.into(), "basic".into())]);
    }
}
