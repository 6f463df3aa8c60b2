//! [`super`] over the `wasi:http` bindings of the `wasip2` crate: blocking
//! on pollables, since a provider call is synchronous.

use wasip2::http::outgoing_handler;
use wasip2::http::types::{
    ErrorCode, Fields, FutureIncomingResponse, HeaderError, IncomingBody, IncomingResponse, Method,
    OutgoingBody, OutgoingRequest, RequestOptions, Scheme,
};
use wasip2::io::streams::{InputStream, StreamError};

use super::{BodyReader, Request, ResponseHead, Target, code_error};
use crate::{Error, Result};

/// Bytes asked for per read of a response body.
const READ_CHUNK: u64 = 64 << 10;
/// Bytes per `blocking-write-and-flush` (its maximum).
const WRITE_CHUNK: usize = 4096;

/// An incoming body being read. Field order matters: the stream is a child
/// of the body, the body of the response; children drop first.
pub struct Body {
    stream: Option<InputStream>,
    body: Option<IncomingBody>,
    _response: IncomingResponse,
}

impl Body {
    pub fn read_chunk(&mut self) -> Result<Vec<u8>> {
        let Some(stream) = &self.stream else {
            return Ok(Vec::new());
        };
        match stream.blocking_read(READ_CHUNK) {
            Ok(bytes) => Ok(bytes),
            Err(StreamError::Closed) => {
                self.stream = None;
                if let Some(body) = self.body.take() {
                    // Trailers are not used; finishing releases the body.
                    drop(IncomingBody::finish(body));
                }
                Ok(Vec::new())
            }
            Err(StreamError::LastOperationFailed(e)) => {
                self.stream = None;
                Err(match wasip2::http::types::http_error_code(&e) {
                    Some(code) => error_of(&code),
                    None => Error::other(format!(
                        "reading the response body: {}",
                        e.to_debug_string()
                    )),
                })
            }
        }
    }
}

/// A request handed to the host, its response not yet read.
pub struct Pending {
    future: FutureIncomingResponse,
    written: Result<()>,
}

pub fn start(request: &Request, target: &Target) -> Result<Pending> {
    let fields = Fields::new();
    for (name, value) in &request.headers {
        fields
            .append(name, value.as_bytes())
            .map_err(|e| header_error(name, e))?;
    }
    if !request.body.is_empty() || !matches!(request.method.as_str(), "GET" | "HEAD") {
        let len = request.body.len().to_string();
        fields
            .set("content-length", &[len.into_bytes()])
            .map_err(|e| header_error("content-length", e))?;
    }
    let outgoing = OutgoingRequest::new(fields);
    let method = method_of(&request.method);
    outgoing
        .set_method(&method)
        .map_err(|()| Error::not_valid(format!("invalid method {:?}", request.method)))?;
    let scheme = match target.scheme.as_str() {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        other => Scheme::Other(other.to_string()),
    };
    outgoing
        .set_scheme(Some(&scheme))
        .map_err(|()| Error::not_valid(format!("invalid scheme {:?}", target.scheme)))?;
    outgoing
        .set_authority(Some(&target.authority))
        .map_err(|()| Error::not_valid(format!("invalid authority {:?}", target.authority)))?;
    outgoing
        .set_path_with_query(Some(&target.path_with_query))
        .map_err(|()| Error::not_valid(format!("invalid path {:?}", target.path_with_query)))?;
    let body = outgoing
        .body()
        .map_err(|()| Error::other("the request body was already taken"))?;
    let options = request.timeout.map(|t| {
        let options = RequestOptions::new();
        let ns = u64::try_from(t.as_nanos()).unwrap_or(u64::MAX);
        // A host that does not support one of them keeps its own.
        let _ = options.set_connect_timeout(Some(ns));
        let _ = options.set_first_byte_timeout(Some(ns));
        let _ = options.set_between_bytes_timeout(Some(ns));
        options
    });
    let future = outgoing_handler::handle(outgoing, options).map_err(|c| error_of(&c))?;

    // Write the body after handing the request over (the host consumes it
    // as it goes). If writing fails, the response future says why.
    let written = write_body(body, &request.body);
    Ok(Pending { future, written })
}

impl Pending {
    pub fn finish(self) -> Result<(ResponseHead, BodyReader)> {
        let response = wait(&self.future)?;
        self.written?;
        read_head(response)
    }
}

fn read_head(response: IncomingResponse) -> Result<(ResponseHead, BodyReader)> {
    let status = response.status();
    let headers = response
        .headers()
        .entries()
        .into_iter()
        .map(|(k, v)| {
            (
                k.to_ascii_lowercase(),
                String::from_utf8_lossy(&v).into_owned(),
            )
        })
        .collect();
    let incoming = response
        .consume()
        .map_err(|()| Error::other("the response body was already taken"))?;
    let stream = incoming
        .stream()
        .map_err(|()| Error::other("the response body stream was already taken"))?;
    let body = Body {
        stream: Some(stream),
        body: Some(incoming),
        _response: response,
    };
    Ok((
        ResponseHead { status, headers },
        BodyReader {
            inner: body,
            read: 0,
        },
    ))
}

fn write_body(body: OutgoingBody, bytes: &[u8]) -> Result<()> {
    {
        let stream = body
            .write()
            .map_err(|()| Error::other("the request body stream was already taken"))?;
        for chunk in bytes.chunks(WRITE_CHUNK) {
            stream
                .blocking_write_and_flush(chunk)
                .map_err(|e| match e {
                    StreamError::Closed => Error::other("the host closed the request body"),
                    StreamError::LastOperationFailed(e) => {
                        match wasip2::http::types::http_error_code(&e) {
                            Some(code) => error_of(&code),
                            None => Error::other(format!(
                                "writing the request body: {}",
                                e.to_debug_string()
                            )),
                        }
                    }
                })?;
        }
    }
    OutgoingBody::finish(body, None).map_err(|c| error_of(&c))
}

fn wait(future: &FutureIncomingResponse) -> Result<IncomingResponse> {
    loop {
        match future.get() {
            Some(Ok(Ok(response))) => return Ok(response),
            Some(Ok(Err(code))) => return Err(error_of(&code)),
            Some(Err(())) => return Err(Error::other("the response was already taken")),
            None => future.subscribe().block(),
        }
    }
}

fn method_of(method: &str) -> Method {
    match method {
        "GET" => Method::Get,
        "HEAD" => Method::Head,
        "POST" => Method::Post,
        "PUT" => Method::Put,
        "DELETE" => Method::Delete,
        "CONNECT" => Method::Connect,
        "OPTIONS" => Method::Options,
        "TRACE" => Method::Trace,
        "PATCH" => Method::Patch,
        other => Method::Other(other.to_string()),
    }
}

fn header_error(name: &str, e: HeaderError) -> Error {
    let why = match e {
        HeaderError::InvalidSyntax => "invalid syntax",
        HeaderError::Forbidden => "forbidden by the host",
        HeaderError::Immutable => "headers are immutable",
    };
    Error::not_valid(format!("header {name:?}: {why}"))
}

/// The SDK error for a `wasi:http` error code: its WIT name plus detail.
fn error_of(code: &ErrorCode) -> Error {
    let (name, detail) = describe(code);
    code_error(&name, &detail)
}

fn describe(code: &ErrorCode) -> (String, String) {
    let size = |s: &Option<u64>| s.map(|n| format!("limit {n} bytes")).unwrap_or_default();
    match code {
        ErrorCode::DnsError(p) => (
            "dns-error".into(),
            format!(
                "{} {}",
                p.rcode.clone().unwrap_or_default(),
                p.info_code.map(|c| c.to_string()).unwrap_or_default()
            )
            .trim()
            .to_string(),
        ),
        ErrorCode::TlsAlertReceived(p) => (
            "tls-alert-received".into(),
            p.alert_message.clone().unwrap_or_default(),
        ),
        ErrorCode::HttpRequestBodySize(s) => ("http-request-body-size".into(), size(s)),
        ErrorCode::HttpResponseBodySize(s) => ("http-response-body-size".into(), size(s)),
        ErrorCode::InternalError(s) => ("internal-error".into(), s.clone().unwrap_or_default()),
        ErrorCode::HttpResponseTransferCoding(s) | ErrorCode::HttpResponseContentCoding(s) => {
            (kebab(code), s.clone().unwrap_or_default())
        }
        _ => (kebab(code), String::new()),
    }
}

/// `ErrorCode::HttpRequestDenied` → `http-request-denied` (from its Debug
/// form, which names the case).
fn kebab(code: &ErrorCode) -> String {
    let debug = format!("{code:?}");
    let case = debug
        .strip_prefix("ErrorCode::")
        .unwrap_or(&debug)
        .split('(')
        .next()
        .unwrap_or_default();
    let mut out = String::with_capacity(case.len() + 4);
    for (i, c) in case.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('-');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}
