//! The outgoing request path of the `wasi:http` send hook, in its fixed
//! order: headers → destination → signing → concurrency → DNS → address
//! policy → TCP → TLS → HTTP/1. Each refusal is a `wasi:http` error for the
//! guest and an audit event; each request that gets through yields exactly
//! one `network` audit event, written when its response ends (see
//! [`super::body::Metered`]) or when it fails before that.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, HOST};
use http::{Request, Response, Uri, request::Parts};
use http_body_util::{BodyExt, Full};
use tokio::sync::OwnedSemaphorePermit;
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::{Error, RequestOptions, WasiBody};

use super::EgressPolicy;
use super::body::{self, BufferError, Counted, Exchange, Metered};
use super::hooks::{NetContext, is_forbidden};
use super::tls::open;
use crate::audit::{Capability, Decision};
use crate::capabilities::credentials::{AUTH_HEADER, AuthKind, authenticate};

/// What wasmtime runs after the response head: it drives the connection.
pub(super) type IoFuture = Box<dyn Future<Output = Result<(), Error>> + Send>;

/// Longest a refused request's body is read before giving up on it.
const DRAIN_WINDOW: Duration = Duration::from_secs(10);

/// Where a request goes, read once from its URI.
#[derive(Debug)]
pub(super) struct Target {
    pub scheme: &'static str,
    /// Without IPv6 brackets.
    pub host: String,
    pub port: u16,
    /// The host as an IP address, when it is a literal.
    pub ip: Option<IpAddr>,
}

impl Target {
    pub(super) fn of(uri: &Uri) -> Result<Target, String> {
        let scheme = match uri.scheme_str() {
            Some(s) if s.eq_ignore_ascii_case("http") => "http",
            Some(s) if s.eq_ignore_ascii_case("https") => "https",
            Some(s) => return Err(format!("scheme {s:?} is not http or https")),
            None => return Err("the URL has no scheme".into()),
        };
        let authority = uri.authority().ok_or("the URL has no host")?;
        if authority.as_str().contains('@') {
            return Err("user information in the URL is not allowed".into());
        }
        let raw_host = authority.host();
        let port = match authority.as_str().get(raw_host.len()..) {
            None | Some("") => {
                if scheme == "https" {
                    443
                } else {
                    80
                }
            }
            Some(rest) => match rest.strip_prefix(':').map(str::parse::<u16>) {
                Some(Ok(port)) if port != 0 => port,
                _ => return Err(format!("invalid port in {:?}", authority.as_str())),
            },
        };
        let host = raw_host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(raw_host);
        if host.is_empty() {
            return Err("the URL has no host".into());
        }
        Ok(Target {
            scheme,
            host: host.to_owned(),
            port,
            ip: host.parse().ok(),
        })
    }

    fn origin(&self) -> String {
        match self.ip {
            Some(IpAddr::V6(_)) => format!("{}://[{}]:{}", self.scheme, self.host, self.port),
            _ => format!("{}://{}:{}", self.scheme, self.host, self.port),
        }
    }
}

/// The guest's timeouts, each capped by the operator's request timeout.
#[derive(Debug, Clone, Copy)]
struct Timeouts {
    connect: Duration,
    first_byte: Duration,
    between_bytes: Duration,
}

impl Timeouts {
    fn new(options: Option<RequestOptions>, cap: Duration) -> Timeouts {
        let at_most = |guest: Option<Duration>| guest.map_or(cap, |g| g.min(cap));
        Timeouts {
            connect: at_most(options.and_then(|o| o.connect_timeout)),
            first_byte: at_most(options.and_then(|o| o.first_byte_timeout)),
            between_bytes: at_most(options.and_then(|o| o.between_bytes_timeout)),
        }
    }
}

/// The send hook's future (see the module docs for the order).
/// `exchange` was made when the guest sent the request.
pub(super) async fn send(
    net: Arc<NetContext>,
    exchange: Arc<Exchange>,
    request: Request<WasiBody>,
    options: Option<RequestOptions>,
) -> Result<(Response<WasiBody>, IoFuture), Error> {
    let (mut parts, mut body) = request.into_parts();
    let request_timeout = net.limits.request_timeout;
    let deadline = body::after(request_timeout);
    let timeouts = Timeouts::new(options, request_timeout);
    let refuse = Refuse {
        exchange: &exchange,
        drain_bytes: net.limits.request_body_bytes as u64,
        drain_window: DRAIN_WINDOW.min(request_timeout),
    };
    let late = || format!("no response within {request_timeout:?}");

    // 1. Credentials on the wire come from the host's signer only.
    if let Some(name) = parts
        .headers
        .keys()
        .find(|n| **n != HOST && is_forbidden(n))
    {
        let reason = format!("header {name} may only be set by the host");
        let error = Error::HttpRequestDenied;
        return Err(refuse
            .deny(&mut body, Capability::Network, reason, error)
            .await);
    }

    // 2. The destination: the cloud's endpoints or an operator grant.
    let target = match Target::of(&parts.uri) {
        Ok(target) => target,
        Err(reason) => {
            let error = Error::HttpRequestUriInvalid;
            return Err(refuse
                .deny(&mut body, Capability::Network, reason, error)
                .await);
        }
    };
    let (scheme, host, port) = (target.scheme, target.host.as_str(), target.port);
    if !(net.domain.cloud_endpoints().allows(scheme, host, port)
        || net.granted.allows(scheme, host, port))
    {
        let cloud = net.domain.cloud();
        let cloud = if cloud.is_empty() {
            "(none bound)".to_owned()
        } else {
            cloud
        };
        let origin = target.origin();
        let reason = format!("{origin} is not an endpoint of cloud {cloud} and not granted");
        let error = Error::HttpRequestDenied;
        return Err(refuse
            .deny(&mut body, Capability::Network, reason, error)
            .await);
    }

    // 3. Signing, if the guest asked for it.
    if parts.headers.contains_key(AUTH_HEADER) {
        let bytes = sign(&net, &refuse, &target, &mut parts, &mut body, deadline).await?;
        body = Full::new(bytes)
            .map_err(|never| match never {})
            .boxed_unsync();
    }

    // 4. Concurrency.
    let Ok(permit) = net.inflight.clone().try_acquire_owned() else {
        let limit = net.limits.http_concurrency;
        let reason = format!("more than {limit} concurrent requests");
        let error = Error::ConnectionLimitReached;
        return Err(refuse
            .deny(&mut body, Capability::Network, reason, error)
            .await);
    };

    // 5. Resolve; every address must pass the address policy.
    let addrs = match tokio::time::timeout_at(deadline, resolve(&target, timeouts.connect)).await {
        Ok(Ok(addrs)) => addrs,
        Ok(Err((reason, error))) => return Err(refuse.fail(&mut body, reason, error).await),
        Err(_) => {
            let error = Error::HttpResponseTimeout;
            return Err(refuse.fail(&mut body, late(), error).await);
        }
    };
    let egress = EgressPolicy::with_exact(
        (net.egress.exact.iter().copied()).chain(net.domain.exact_addresses()),
    );
    for addr in &addrs {
        if let Err(denied) = egress.permits(addr.ip()) {
            let reason = match target.ip {
                Some(_) => denied.to_string(),
                None => format!("{} resolves to {}: {denied}", target.host, addr.ip()),
            };
            let error = Error::DestinationIpProhibited;
            return Err(refuse
                .deny(&mut body, Capability::Network, reason, error)
                .await);
        }
    }

    // 6.–8. Connect and exchange, up to the response head in time.
    let parts = Outgoing {
        parts,
        body,
        permit,
    };
    let run = transport(&net, &refuse, &target, &addrs, parts, timeouts);
    match tokio::time::timeout_at(deadline, run).await {
        Ok(result) => result,
        Err(_) => Err(exchange.failed(late(), Error::HttpResponseTimeout)),
    }
}

/// Refuses requests: records the decision, then drains the guest's body.
struct Refuse<'a> {
    exchange: &'a Arc<Exchange>,
    drain_bytes: u64,
    drain_window: Duration,
}

impl Refuse<'_> {
    /// A policy denial.
    async fn deny(
        &self,
        body: &mut WasiBody,
        capability: Capability,
        reason: String,
        error: Error,
    ) -> Error {
        (self.exchange).record(capability, Decision::Denied, reason, 0);
        body::drain(body, self.drain_bytes, self.drain_window).await;
        error
    }

    /// A failure of an allowed request before its body went out.
    async fn fail(&self, body: &mut WasiBody, reason: String, error: Error) -> Error {
        (self.exchange).record(Capability::Network, Decision::Allowed, reason, 0);
        body::drain(body, self.drain_bytes, self.drain_window).await;
        error
    }
}

/// Step 3: buffers the body, checks the target and signs. Returns the body.
async fn sign(
    net: &NetContext,
    refuse: &Refuse<'_>,
    target: &Target,
    parts: &mut Parts,
    body: &mut WasiBody,
    deadline: tokio::time::Instant,
) -> Result<Bytes, Error> {
    let mut markers = parts.headers.get_all(AUTH_HEADER).iter();
    let marker = match (markers.next(), markers.next()) {
        (Some(one), None) => one.to_str().map(str::to_owned).ok(),
        _ => None,
    };
    parts.headers.remove(AUTH_HEADER);
    let denied = match marker {
        None => Err((
            format!("{AUTH_HEADER} must appear once, as text"),
            Error::HttpRequestDenied,
        )),
        Some(marker) => signed(net, target, parts, body, &marker, deadline).await,
    };
    match denied {
        Ok((bytes, kind)) => {
            (refuse.exchange).record(Capability::Sign, Decision::Allowed, kind.to_string(), 0);
            Ok(bytes)
        }
        Err((reason, error)) => Err(refuse.deny(body, Capability::Sign, reason, error).await),
    }
}

/// The checks and the signature of [`sign`]; `Err` is a denial.
async fn signed(
    net: &NetContext,
    target: &Target,
    parts: &mut Parts,
    body: &mut WasiBody,
    marker: &str,
    deadline: tokio::time::Instant,
) -> Result<(Bytes, AuthKind), (String, Error)> {
    let limit = net.limits.request_body_bytes;
    let bytes = match tokio::time::timeout_at(deadline, body::buffer(body, limit)).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(BufferError::TooLarge)) => {
            let reason = format!("request body larger than {limit} bytes cannot be signed");
            return Err((reason, Error::HttpRequestBodySize(Some(limit as u64))));
        }
        Ok(Err(BufferError::Failed(e))) => {
            let reason = format!("request body failed before it could be signed: {e}");
            return Err((reason, e));
        }
        Err(_) => {
            let reason = "request body not finished in time to be signed".to_owned();
            return Err((reason, Error::HttpResponseTimeout));
        }
    };
    let Some(credential) = net.domain.credential() else {
        let reason = "no credential is bound to this provider instance".to_owned();
        return Err((reason, Error::HttpRequestDenied));
    };
    let (scheme, host, port) = (target.scheme, target.host.as_str(), target.port);
    if !net.domain.sign_targets().allows(scheme, host, port) {
        let origin = target.origin();
        let reason = format!("{origin} is not an endpoint of the credential's cloud");
        return Err((reason, Error::HttpRequestDenied));
    }
    match authenticate(&credential, marker, parts, &bytes, SystemTime::now()) {
        Ok(kind) => Ok((bytes, kind)),
        Err(e) => Err((e.to_string(), Error::HttpRequestDenied)),
    }
}

/// Step 5's lookup: an IP literal as is, a name through the system
/// resolver (which also reads forms like `2852039166` as IPv4).
async fn resolve(target: &Target, timeout: Duration) -> Result<Vec<SocketAddr>, (String, Error)> {
    if let Some(ip) = target.ip {
        return Ok(vec![SocketAddr::new(ip, target.port)]);
    }
    let host = target.host.as_str();
    let lookup = tokio::net::lookup_host((host, target.port));
    let addrs: Vec<SocketAddr> = match tokio::time::timeout(timeout, lookup).await {
        Ok(Ok(found)) => found.collect(),
        Ok(Err(e)) => {
            let reason = format!("DNS lookup of {host} failed: {e}");
            let error = Error::DnsError {
                rcode: Some(e.to_string()),
                info_code: None,
            };
            return Err((reason, error));
        }
        Err(_) => {
            return Err((format!("DNS lookup of {host} timed out"), Error::DnsTimeout));
        }
    };
    if addrs.is_empty() {
        return Err((format!("{host} has no address"), Error::DestinationNotFound));
    }
    Ok(addrs)
}

/// A checked request, ready to go.
struct Outgoing {
    parts: Parts,
    body: WasiBody,
    permit: OwnedSemaphorePermit,
}

/// Steps 6 to 8: TCP, TLS, HTTP/1 up to the response head; the response
/// body under the size cap.
async fn transport(
    net: &NetContext,
    refuse: &Refuse<'_>,
    target: &Target,
    addrs: &[SocketAddr],
    outgoing: Outgoing,
    timeouts: Timeouts,
) -> Result<(Response<WasiBody>, IoFuture), Error> {
    let Outgoing {
        mut parts,
        mut body,
        permit,
    } = outgoing;
    let exchange = refuse.exchange;
    let connect_deadline = body::after(timeouts.connect);
    let stream = match tokio::time::timeout_at(connect_deadline, open(net, target, addrs)).await {
        Ok(Ok(stream)) => stream,
        Ok(Err((reason, error))) => return Err(refuse.fail(&mut body, reason, error).await),
        Err(_) => {
            let reason = format!("connecting timed out after {:?}", timeouts.connect);
            return Err(refuse
                .fail(&mut body, reason, Error::ConnectionTimeout)
                .await);
        }
    };

    // HTTP/1: origin-form URI, `host` kept, the guest's timeouts capped.
    let handshake = hyper::client::conn::http1::Builder::new().handshake(TokioIo::new(stream));
    let (mut sender, conn) = match tokio::time::timeout_at(connect_deadline, handshake).await {
        Ok(Ok(pair)) => pair,
        Ok(Err(e)) => {
            let reason = format!("HTTP handshake failed: {e}");
            return Err(refuse.fail(&mut body, reason, Error::from(e)).await);
        }
        Err(_) => {
            let reason = format!("HTTP handshake timed out after {:?}", timeouts.connect);
            return Err(refuse
                .fail(&mut body, reason, Error::ConnectionTimeout)
                .await);
        }
    };
    if !parts.headers.contains_key(HOST)
        && let Some(value) = (parts.uri.authority()).and_then(|a| a.as_str().parse().ok())
    {
        parts.headers.insert(HOST, value);
    }
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    parts.uri = match Uri::builder().path_and_query(path).build() {
        Ok(uri) => uri,
        Err(e) => {
            let reason = format!("invalid path: {e}");
            return Err(refuse
                .fail(&mut body, reason, Error::HttpRequestUriInvalid)
                .await);
        }
    };
    let body = Counted::new(body, exchange).boxed_unsync();
    let request = Request::from_parts(parts, body);

    let first_byte = timeouts.first_byte;
    let mut send = pin!(tokio::time::timeout(
        first_byte,
        sender.send_request(request)
    ));
    let mut conn = Some(conn);
    // Wait for the head while driving the connection, as wasmtime's
    // default sender does.
    let head = std::future::poll_fn(|cx| match send.as_mut().poll(cx) {
        Poll::Ready(result) => Poll::Ready(Some(result)),
        Poll::Pending => {
            let Some(driver) = conn.as_mut() else {
                return Poll::Pending;
            };
            let Poll::Ready(done) = Pin::new(driver).poll(cx) else {
                return Poll::Pending;
            };
            conn = None;
            match done {
                Ok(()) => send.as_mut().poll(cx).map(Some),
                Err(e) => {
                    tracing::debug!(target: "strato::network", error = %e, "connection ended");
                    Poll::Ready(None)
                }
            }
        }
    })
    .await;
    let response = match head {
        Some(Ok(Ok(response))) => response,
        Some(Ok(Err(e))) => {
            let reason = format!("request failed: {e}");
            return Err(exchange.failed(reason, hyper_error(e)));
        }
        Some(Err(_)) => {
            let reason = format!("no response head within {first_byte:?}");
            return Err(exchange.failed(reason, Error::ConnectionReadTimeout));
        }
        None => {
            let reason = "connection closed before the response".to_owned();
            return Err(exchange.failed(reason, Error::HttpResponseIncomplete));
        }
    };

    // The body under the size cap; the head can already say too much.
    let limit = net.limits.response_bytes;
    let declared = (response.headers().get(CONTENT_LENGTH))
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        let reason = format!("response larger than {limit} bytes");
        exchange.record(Capability::Network, Decision::Denied, reason, 0);
        return Err(Error::HttpResponseBodySize(Some(limit)));
    }
    let status = response.status();
    let response = response.map(|incoming| {
        let incoming = incoming.map_err(hyper_error);
        let between = timeouts.between_bytes;
        let metered = Metered::new(incoming, status, limit, between, exchange.clone(), permit);
        body::boxed(metered)
    });
    let io: IoFuture = Box::new(async move {
        match conn {
            Some(conn) => conn.await.map_err(hyper_error),
            None => Ok(()),
        }
    });
    Ok((response, io))
}

fn hyper_error(e: hyper::Error) -> Error {
    if e.is_timeout() {
        Error::HttpResponseTimeout
    } else {
        Error::from(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let t = |s: &str| Target::of(&s.parse::<Uri>().unwrap());
        let a = t("https://Example.com/x").unwrap();
        assert_eq!(
            (a.scheme, a.host.as_str(), a.port, a.ip),
            ("https", "Example.com", 443, None)
        );
        let b = t("http://[::ffff:169.254.169.254]:8080/").unwrap();
        assert_eq!(b.host, "::ffff:169.254.169.254");
        assert_eq!(b.port, 8080);
        assert!(b.ip.is_some());
        assert_eq!(b.origin(), "http://[::ffff:169.254.169.254]:8080");
        assert_eq!(
            t("http://2852039166/").unwrap().ip,
            None,
            "a name to getaddrinfo"
        );
        assert!(t("ftp://x/").is_err());
        assert!(t("http://u:p@x/").is_err());
        assert!(t("/relative").is_err());
    }
}
