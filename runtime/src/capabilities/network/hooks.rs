//! The `wasi:http` hooks of a store: which headers a guest may set, and
//! the send hook that enforces the network capability (see `send.rs` for
//! the order of the checks).

use std::sync::Arc;

use http::HeaderName;
use http::header::{AUTHORIZATION, PROXY_AUTHORIZATION};
use tokio::sync::Semaphore;
use wasmtime_wasi_http::{
    DEFAULT_FORBIDDEN_HEADERS, Error, ForbiddenHeaderFilter, RequestOptions, WasiBody,
    WasiHttpHooks,
};

use super::body::Exchange;
use super::{AllowedHosts, EgressPolicy, send};
use crate::audit::Scope;
use crate::domain::Domain;
use crate::grants::EffectiveLimits;

/// What the send hook of one store decides with. Built once per store;
/// shared with the request tasks it spawns.
pub(crate) struct NetContext {
    /// The operator's granted patterns (beyond the cloud's endpoints).
    pub granted: AllowedHosts,
    /// Exact addresses exempt from the post-DNS checks: IP-literal hosts
    /// of the granted patterns. IP-literal endpoint hosts of the bound
    /// cloud are added per request from [`Domain::exact_addresses`], since
    /// the cloud may be bound after the store is made.
    pub egress: EgressPolicy,
    /// The bound cloud and credential.
    pub domain: Arc<Domain>,
    /// Concurrency, sizes and timeouts.
    pub limits: EffectiveLimits,
    /// Who is acting, for audit events.
    pub scope: Scope,
    /// One permit per request in flight (`limits.http_concurrency`).
    pub inflight: Arc<Semaphore>,
}

/// Whether a guest may not set header `name`: wasmtime's defaults
/// (`host`, `connection`, `transfer-encoding`, …) plus `authorization`
/// and `proxy-authorization`, so that only the host's signer puts
/// credentials on the wire. The signing marker `x-strato-authenticate` is
/// allowed.
pub(crate) fn is_forbidden(name: &HeaderName) -> bool {
    *name == AUTHORIZATION
        || *name == PROXY_AUTHORIZATION
        || DEFAULT_FORBIDDEN_HEADERS.contains(name)
}

/// The store's [`WasiHttpHooks`]: forbidden headers and the send hook.
pub(crate) struct HttpHooks {
    net: Arc<NetContext>,
}

impl HttpHooks {
    /// Hooks that enforce `net`.
    pub(crate) fn new(net: Arc<NetContext>) -> HttpHooks {
        HttpHooks { net }
    }
}

type SendResult = wasmtime_wasi_http::Result<(
    http::Response<WasiBody>,
    Box<dyn Future<Output = Result<(), Error>> + Send>,
)>;

impl WasiHttpHooks for HttpHooks {
    fn is_forbidden_header(&mut self, name: &HeaderName) -> bool {
        is_forbidden(name)
    }

    fn forbidden_header_filter(&mut self) -> ForbiddenHeaderFilter {
        Arc::new(is_forbidden)
    }

    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        _fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> Box<dyn Future<Output = SendResult> + Send> {
        // Who and when are taken now, while the guest's call is in progress.
        let exchange = Arc::new(Exchange::new(&self.net.scope, request.uri()));
        Box::new(send::send(self.net.clone(), exchange, request, options))
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::pin::Pin;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use bytes::Bytes;
    use http::header::{CONTENT_LENGTH, HOST};
    use http::{StatusCode, Uri};
    use http_body_util::{BodyExt, Full};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};
    use tokio::sync::broadcast;

    use super::*;
    use crate::audit::{Actor, Audit, AuditEvent, Capability, Decision};
    use crate::types::{CloudSpec, Credential};

    /// A one-request-per-connection HTTP/1 server on 127.0.0.1. Routes:
    /// `/echo` (the request head and body back), `/big` (100 bytes with a
    /// content-length), `/chunked` (4 × 40 bytes, chunked), `/slow` (2 s).
    struct Server {
        addr: SocketAddr,
        connections: Arc<AtomicUsize>,
        task: tokio::task::JoinHandle<()>,
    }

    impl Drop for Server {
        fn drop(&mut self) {
            self.task.abort();
        }
    }

    impl Server {
        async fn start() -> Server {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let connections = Arc::new(AtomicUsize::new(0));
            let count = connections.clone();
            let task = tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    count.fetch_add(1, Ordering::SeqCst);
                    tokio::spawn(serve(stream));
                }
            });
            Server {
                addr,
                connections,
                task,
            }
        }

        fn url(&self, path: &str) -> String {
            format!("http://{}{path}", self.addr)
        }

        fn connections(&self) -> usize {
            self.connections.load(Ordering::SeqCst)
        }
    }

    async fn serve(mut stream: TcpStream) {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let length = (head.lines())
            .find_map(|l| {
                let l = l.to_ascii_lowercase();
                Some(
                    l.strip_prefix("content-length:")?
                        .trim()
                        .parse()
                        .unwrap_or(0),
                )
            })
            .unwrap_or(0usize);
        while buf.len() < head_end + length {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body = String::from_utf8_lossy(&buf[head_end..]).into_owned();
        let target = head.split_whitespace().nth(1).unwrap_or("/");
        let path = target.split('?').next().unwrap_or("/").to_owned();
        let ok = |text: &str| {
            format!(
                "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                text.len()
            )
        };
        let response = match path.as_str() {
            "/echo" => ok(&format!("{head}{body}")),
            "/big" => ok(&"x".repeat(100)),
            "/chunked" => {
                let piece = format!("28\r\n{}\r\n", "a".repeat(40));
                let pieces = piece.repeat(4);
                format!(
                    "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n{pieces}0\r\n\r\n"
                )
            }
            "/slow" => {
                tokio::time::sleep(Duration::from_secs(2)).await;
                ok("")
            }
            _ => "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n".to_owned(),
        };
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.shutdown().await;
    }

    fn limits() -> EffectiveLimits {
        EffectiveLimits {
            memory: 64 << 20,
            call_timeout: Duration::from_secs(30),
            http_concurrency: 4,
            response_bytes: 1 << 20,
            request_timeout: Duration::from_secs(5),
            request_body_bytes: 1024,
        }
    }

    struct Net {
        net: Arc<NetContext>,
        events: broadcast::Receiver<AuditEvent>,
    }

    impl Net {
        fn new(granted: &[&str], exact: &[&str], domain: Domain, limits: EffectiveLimits) -> Net {
            let audit = Audit::new();
            let events = audit.subscribe();
            let actor = Actor {
                provider: "test".into(),
                ..Actor::default()
            };
            let net = Arc::new(NetContext {
                granted: AllowedHosts::parse(granted).unwrap(),
                egress: EgressPolicy::with_exact(exact.iter().map(|a| a.parse().unwrap())),
                domain: Arc::new(domain),
                inflight: Arc::new(Semaphore::new(limits.http_concurrency)),
                limits,
                scope: Scope::new(audit, actor),
            });
            Net { net, events }
        }

        async fn send(
            &self,
            url: &str,
            headers: &[(&str, &str)],
            body: &'static [u8],
        ) -> SendOutcome {
            let uri: Uri = url.parse().unwrap();
            let mut builder = http::Request::builder()
                .method(if body.is_empty() { "GET" } else { "POST" })
                .uri(&uri)
                .header(HOST, uri.authority().unwrap().as_str());
            if !body.is_empty() {
                builder = builder.header(CONTENT_LENGTH, body.len());
            }
            for (name, value) in headers {
                builder = builder.header(*name, *value);
            }
            let body = Full::new(Bytes::from_static(body))
                .map_err(|never| match never {})
                .boxed_unsync();
            let request = builder.body(body).unwrap();
            let mut hooks = HttpHooks::new(self.net.clone());
            let sent = hooks.send_request(request, None, Box::new(async { Ok(()) }));
            let (response, io) = Pin::from(sent).await?;
            tokio::spawn(Pin::from(io));
            Ok(response)
        }

        fn event(&mut self) -> AuditEvent {
            self.events.try_recv().expect("an audit event")
        }

        fn no_more_events(&mut self) {
            if let Ok(e) = self.events.try_recv() {
                panic!("unexpected event: {e}");
            }
        }
    }

    impl Net {
        /// Any port of 127.0.0.1, granted by pattern and exact address.
        fn local(limits: EffectiveLimits) -> Net {
            let granted = ["http://127.0.0.1:*"];
            Net::new(&granted, &["127.0.0.1"], Domain::default(), limits)
        }
    }

    type SendOutcome = Result<http::Response<WasiBody>, Error>;

    async fn read(response: http::Response<WasiBody>) -> Result<String, Error> {
        let body = response.into_body().collect().await?.to_bytes();
        Ok(String::from_utf8_lossy(&body).into_owned())
    }

    fn denied(outcome: SendOutcome) -> Error {
        match outcome {
            Ok(r) => panic!("allowed: {}", r.status()),
            Err(e) => e,
        }
    }

    #[test]
    fn forbidden_headers() {
        for name in [
            "authorization",
            "proxy-authorization",
            "host",
            "transfer-encoding",
        ] {
            assert!(is_forbidden(&HeaderName::from_static(name)), "{name}");
        }
        for name in ["x-strato-authenticate", "content-type", "x-amz-date"] {
            assert!(!is_forbidden(&HeaderName::from_static(name)), "{name}");
        }
    }

    #[tokio::test]
    async fn granted_request_goes_through_and_is_audited_once() {
        let server = Server::start().await;
        let pattern = format!("http://127.0.0.1:{}", server.addr.port());
        let mut net = Net::new(&[&pattern], &["127.0.0.1"], Domain::default(), limits());
        let response = net.send(&server.url("/echo?q=1"), &[], b"").await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let text = read(response).await.unwrap();
        assert!(text.starts_with("GET /echo?q=1 HTTP/1.1\r\n"), "{text}");
        assert!(text.contains(&format!("host: {}", server.addr)), "{text}");
        let e = net.event();
        assert_eq!(
            (e.capability, e.decision),
            (Capability::Network, Decision::Allowed)
        );
        assert_eq!(e.destination, format!("http://{}/echo", server.addr));
        assert_eq!(e.reason, "status 200");
        assert_eq!(e.bytes_received, text.len() as u64);
        assert!(e.latency.is_some());
        net.no_more_events();
    }

    #[tokio::test]
    async fn ungranted_destinations_are_denied_before_any_connection() {
        let server = Server::start().await;
        let mut net = Net::new(
            &["https://*.example.com"],
            &["127.0.0.1"],
            Domain::default(),
            limits(),
        );
        let err = denied(net.send(&server.url("/echo"), &[], b"posted").await);
        assert!(matches!(err, Error::HttpRequestDenied), "{err}");
        let e = net.event();
        assert_eq!(
            (e.capability, e.decision),
            (Capability::Network, Decision::Denied)
        );
        assert_eq!(
            e.reason,
            format!(
                "http://{}:{} is not an endpoint of cloud (none bound) and not granted",
                "127.0.0.1",
                server.addr.port()
            )
        );
        // A guest's own authorization header is refused, even when granted.
        let net2 = Net::new(&["*://*:*"], &["127.0.0.1"], Domain::default(), limits());
        let err = denied(
            net2.send(&server.url("/echo"), &[("authorization", "Bearer x")], b"")
                .await,
        );
        assert!(matches!(err, Error::HttpRequestDenied), "{err}");
        assert_eq!(server.connections(), 0);
    }

    #[tokio::test]
    async fn addresses_are_checked_after_dns() {
        let server = Server::start().await;
        let port = server.addr.port();
        // Granted by name, but the name is loopback: denied.
        let mut net = Net::new(&["*://*:*"], &[], Domain::default(), limits());
        let err = denied(
            net.send(&format!("http://localhost:{port}/echo"), &[], b"")
                .await,
        );
        assert!(matches!(err, Error::DestinationIpProhibited), "{err}");
        let e = net.event();
        assert!(
            e.reason.starts_with("localhost resolves to "),
            "{}",
            e.reason
        );
        assert!(e.reason.contains("loopback"), "{}", e.reason);
        // Decimal and hex spellings getaddrinfo reads as IPv4, and an
        // IPv4-mapped literal: all the metadata service.
        for host in ["2852039166", "0xa9fea9fe", "[::ffff:169.254.169.254]"] {
            let err = denied(net.send(&format!("http://{host}/latest"), &[], b"").await);
            assert!(
                matches!(err, Error::DestinationIpProhibited),
                "{host}: {err}"
            );
            let e = net.event();
            assert_eq!(e.decision, Decision::Denied);
            assert!(
                e.reason.contains("cloud metadata service"),
                "{host}: {}",
                e.reason
            );
        }
        let err = denied(
            net.send(&format!("http://2130706433:{port}/echo"), &[], b"")
                .await,
        );
        assert!(matches!(err, Error::DestinationIpProhibited), "{err}");
        assert_eq!(server.connections(), 0);
        net.event();
        net.no_more_events();
    }

    #[tokio::test]
    async fn response_size_is_capped() {
        let server = Server::start().await;
        let limits = EffectiveLimits {
            response_bytes: 64,
            ..limits()
        };
        let mut net = Net::local(limits);
        // Declared too large: refused at the head.
        let err = denied(net.send(&server.url("/big"), &[], b"").await);
        assert!(
            matches!(err, Error::HttpResponseBodySize(Some(64))),
            "{err}"
        );
        let e = net.event();
        assert_eq!(
            (e.decision, e.reason.as_str()),
            (Decision::Denied, "response larger than 64 bytes")
        );
        // Streamed too large: the body fails past the cap.
        let response = net.send(&server.url("/chunked"), &[], b"").await.unwrap();
        let err = read(response).await.unwrap_err();
        assert!(
            matches!(err, Error::HttpResponseBodySize(Some(64))),
            "{err}"
        );
        let e = net.event();
        assert_eq!(
            (e.decision, e.reason.as_str()),
            (Decision::Denied, "response larger than 64 bytes")
        );
        assert_eq!(e.bytes_received, 80);
        net.no_more_events();
    }

    #[tokio::test]
    async fn concurrency_is_capped_until_the_body_is_gone() {
        let server = Server::start().await;
        let limits = EffectiveLimits {
            http_concurrency: 1,
            ..limits()
        };
        let mut net = Net::local(limits);
        let held = net.send(&server.url("/echo"), &[], b"").await.unwrap();
        let err = denied(net.send(&server.url("/echo"), &[], b"x").await);
        assert!(matches!(err, Error::ConnectionLimitReached), "{err}");
        let e = net.event();
        assert_eq!(e.reason, "more than 1 concurrent requests");
        drop(held);
        let e = net.event();
        assert_eq!(e.decision, Decision::Allowed);
        assert!(e.reason.contains("dropped"), "{}", e.reason);
        let again = net.send(&server.url("/echo"), &[], b"").await.unwrap();
        read(again).await.unwrap();
        assert_eq!(net.event().reason, "status 200");
    }

    #[tokio::test]
    async fn slow_servers_time_out() {
        let server = Server::start().await;
        let limits = EffectiveLimits {
            request_timeout: Duration::from_millis(200),
            ..limits()
        };
        let mut net = Net::local(limits);
        let err = denied(net.send(&server.url("/slow"), &[], b"").await);
        assert!(
            matches!(
                err,
                Error::ConnectionReadTimeout | Error::HttpResponseTimeout
            ),
            "{err}"
        );
        let e = net.event();
        assert_eq!(e.decision, Decision::Allowed);
        assert!(e.reason.contains("within"), "{}", e.reason);
        // A request the guest gives up on is still recorded, once.
        let short = Duration::from_millis(50);
        let gone = tokio::time::timeout(short, net.send(&server.url("/slow"), &[], b"")).await;
        assert!(gone.is_err());
        assert!(
            net.event()
                .reason
                .starts_with("abandoned before the response")
        );
        net.no_more_events();
    }

    fn bound_domain(endpoint: &str) -> Domain {
        let domain = Domain::default();
        let spec = CloudSpec {
            cloud_type: "test".into(),
            name: "testcloud".into(),
            region: "r1".into(),
            endpoint: endpoint.into(),
            identity_endpoint: String::new(),
            storage_endpoint: String::new(),
            credential: Some(Credential {
                auth_type: "oauth2".into(),
                attributes: vec![("token".into(), "s3cret".into())],
                revoked: false,
                label: "ops".into(),
                invalid: false,
                invalid_reason: String::new(),
            }),
            ca_certificates: Vec::new(),
        };
        domain.bind(&spec, &[]).unwrap();
        domain
    }

    #[tokio::test]
    async fn marked_requests_are_signed_toward_the_cloud_only() {
        let server = Server::start().await;
        let endpoint = format!("http://{}", server.addr);
        // The cloud's endpoint: allowed without a grant, its IP exempt.
        let mut net = Net::new(&["http://*.test"], &[], bound_domain(&endpoint), limits());
        let marker = [("x-strato-authenticate", "bearer")];
        let response = net
            .send(&server.url("/echo"), &marker, b"payload")
            .await
            .unwrap();
        let text = read(response).await.unwrap();
        assert!(text.contains("authorization: Bearer s3cret\r\n"), "{text}");
        assert!(!text.contains("x-strato-authenticate"), "{text}");
        assert!(text.ends_with("\r\n\r\npayload"), "{text}");
        let e = net.event();
        assert_eq!(
            (e.capability, e.decision),
            (Capability::Sign, Decision::Allowed)
        );
        assert_eq!(e.reason, "bearer");
        let e = net.event();
        assert_eq!(
            (e.capability, e.decision),
            (Capability::Network, Decision::Allowed)
        );
        assert_eq!(e.bytes_sent, 7);
        // Granted, but not the credential's cloud: no signature.
        let err = denied(net.send("http://api.test/x", &marker, b"payload").await);
        assert!(matches!(err, Error::HttpRequestDenied), "{err}");
        let e = net.event();
        assert_eq!(
            (e.capability, e.decision),
            (Capability::Sign, Decision::Denied)
        );
        assert_eq!(
            e.reason,
            "http://api.test:80 is not an endpoint of the credential's cloud"
        );
        // A marker the credential cannot serve.
        let sigv4 = [(
            "x-strato-authenticate",
            "aws-sigv4 service=ec2 region=us-east-1",
        )];
        let err = denied(net.send(&server.url("/echo"), &sigv4, b"").await);
        assert!(matches!(err, Error::HttpRequestDenied), "{err}");
        assert_eq!(net.event().capability, Capability::Sign);
        // A body too large to buffer for signing.
        let big: &'static [u8] = Box::leak(vec![b'x'; 2000].into_boxed_slice());
        let err = denied(net.send(&server.url("/echo"), &marker, big).await);
        assert!(
            matches!(err, Error::HttpRequestBodySize(Some(1024))),
            "{err}"
        );
        assert_eq!(net.event().capability, Capability::Sign);
        assert_eq!(server.connections(), 1);
        net.no_more_events();
    }
}
