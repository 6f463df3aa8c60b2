//! `simplestreams.DataSource`: a base URL with a description and a
//! priority, fetched by the host under a network policy.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use bytes::Bytes;
use http::{Request, StatusCode, Uri};
use http_body_util::{BodyExt, Empty, Limited};
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use wasmtime_wasi_http::io::TokioIo;

use crate::capabilities::network::{AllowedHosts, EgressPolicy, client_config};
use crate::constraints::go_quote;
use crate::domain::endpoint_ip;
use crate::types::CloudSpec;

/// Largest body [`DataSource::fetch`] reads by default (simplestreams
/// product files of a big cloud run to tens of MiB).
pub const MAX_FETCH_BYTES: usize = 128 << 20;
/// How long [`DataSource::fetch`] may take by default, DNS to last byte.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a fetch failed. The messages are Juju's where Juju has one.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// 404, or no such file (`errors.NotFoundf("invalid URL %q")`).
    #[error("invalid URL {} not found", go_quote(.url))]
    NotFound {
        /// The URL fetched.
        url: String,
    },
    /// 401.
    #[error("unauthorised access to URL {}", go_quote(.url))]
    Unauthorized {
        /// The URL fetched.
        url: String,
    },
    /// Another status than 200 (redirects are not followed).
    #[error("cannot access URL {}, {}", go_quote(.url), go_quote(.status))]
    Status {
        /// The URL fetched.
        url: String,
        /// The status line, `403 Forbidden`.
        status: String,
    },
    /// The network policy refused the destination.
    #[error("access to URL {} denied: {reason}", go_quote(.url))]
    Denied {
        /// The URL fetched.
        url: String,
        /// What the policy said.
        reason: String,
    },
    /// The fetch failed on the way (DNS, connection, TLS, timeout, a body
    /// over the limit).
    #[error("cannot access URL {}: {reason}", go_quote(.url))]
    Failed {
        /// The URL fetched.
        url: String,
        /// What went wrong.
        reason: String,
    },
}

impl FetchError {
    /// `errors.IsNotFound`.
    pub fn is_not_found(&self) -> bool {
        matches!(self, FetchError::NotFound { .. })
    }
}

/// `simplestreams.DataSource` (Juju's URL data source): where to look for
/// simplestreams metadata, how much to trust it, and how to fetch it.
///
/// Fetching follows the policy the environ's instances have for outgoing
/// HTTP: the destination must be the source's own host or an endpoint of
/// the environ's cloud; every address its name resolves to must pass the
/// post-DNS checks (no loopback, link-local, metadata service, …) unless
/// the operator wrote that IP address in the URL; TLS trusts the system's
/// roots plus the cloud's CA certificates; redirects are not followed.
#[derive(Debug, Clone)]
pub struct DataSource {
    description: String,
    base_url: String,
    priority: i32,
    require_signed: bool,
    public_signing_key: String,
    endpoints: Vec<String>,
    ca_certificates: Vec<String>,
    max_bytes: usize,
    timeout: Duration,
    /// Whether `file://` URLs may be read (host-registered sources only).
    files: bool,
}

impl DataSource {
    /// `simplestreams.NewURLDataSource`: unsigned metadata at `base_url`.
    pub fn new(description: impl Into<String>, base_url: impl Into<String>, priority: i32) -> Self {
        DataSource {
            description: description.into(),
            base_url: base_url.into(),
            priority,
            require_signed: false,
            public_signing_key: String::new(),
            endpoints: Vec::new(),
            ca_certificates: Vec::new(),
            max_bytes: MAX_FETCH_BYTES,
            timeout: FETCH_TIMEOUT,
            files: true,
        }
    }

    /// `simplestreams.NewURLSignedDataSource`: the metadata must be signed,
    /// with `public_signing_key` (armoured PGP; may be empty when the
    /// reader supplies the key).
    #[must_use]
    pub fn signed(mut self, public_signing_key: impl Into<String>) -> Self {
        self.require_signed = true;
        self.public_signing_key = public_signing_key.into();
        self
    }

    /// Lets fetches also reach the endpoints of `cloud` and trust its CA
    /// certificates: the environ's network policy.
    #[must_use]
    pub fn with_cloud(mut self, cloud: &CloudSpec) -> Self {
        let endpoints = [
            &cloud.endpoint,
            &cloud.identity_endpoint,
            &cloud.storage_endpoint,
        ];
        self.endpoints
            .extend(endpoints.into_iter().filter(|e| !e.is_empty()).cloned());
        self.ca_certificates
            .extend(cloud.ca_certificates.iter().cloned());
        self
    }

    /// Replaces the body size limit and the timeout of [`fetch`](Self::fetch).
    #[must_use]
    pub fn with_fetch_limits(mut self, max_bytes: usize, timeout: Duration) -> Self {
        self.max_bytes = max_bytes;
        self.timeout = timeout;
        self
    }

    /// `Description()`.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The base URL as given.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `URL(path)`: `path` under the base URL, joined with one `/`
    /// (`URL("")` is the base URL with a trailing `/`).
    pub fn url(&self, path: &str) -> String {
        if self.base_url.ends_with('/') {
            format!("{}{path}", self.base_url)
        } else {
            format!("{}/{path}", self.base_url)
        }
    }

    /// `Priority()`: higher wins when sources disagree.
    pub fn priority(&self) -> i32 {
        self.priority
    }

    /// `RequireSigned()`.
    pub fn require_signed(&self) -> bool {
        self.require_signed
    }

    /// The same source, refusing `file://` URLs: for URLs a provider could
    /// have influenced, such as the model config's `image-metadata-url`.
    pub fn without_files(mut self) -> Self {
        self.files = false;
        self
    }

    /// `PublicSigningKey()`; empty when none was given.
    pub fn public_signing_key(&self) -> &str {
        &self.public_signing_key
    }

    /// `Fetch(path)`: the body at [`url`](Self::url)`(path)` and that URL.
    /// `http`, `https` and `file` URLs; a 404 (or a missing file) is
    /// [`FetchError::NotFound`].
    pub async fn fetch(&self, path: &str) -> Result<(Vec<u8>, String), FetchError> {
        let url = self.url(path);
        let failed = |reason: String| FetchError::Failed {
            url: url.clone(),
            reason,
        };
        if let Some(file) = url.strip_prefix("file://") {
            if !self.files {
                return Err(FetchError::Denied {
                    url: url.clone(),
                    reason: "file URLs that come through the model config are not read \
                             (the config passes through the provider); register a data \
                             source for local image metadata"
                        .into(),
                });
            }
            return self.read_file(file, &url).await;
        }
        match tokio::time::timeout(self.timeout, self.get(&url)).await {
            Ok(result) => result.map(|body| (body, url.clone())),
            Err(_) => Err(failed(format!("no answer within {:?}", self.timeout))),
        }
    }

    async fn read_file(&self, path: &str, url: &str) -> Result<(Vec<u8>, String), FetchError> {
        let failed = |reason: String| FetchError::Failed {
            url: url.to_string(),
            reason,
        };
        let meta = match tokio::fs::metadata(path).await {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(FetchError::NotFound {
                    url: url.to_string(),
                });
            }
            Err(e) => return Err(failed(e.to_string())),
        };
        if meta.len() > self.max_bytes as u64 {
            return Err(failed(format!("larger than {} bytes", self.max_bytes)));
        }
        let body = tokio::fs::read(path)
            .await
            .map_err(|e| failed(e.to_string()))?;
        Ok((body, url.to_string()))
    }

    /// The policy check, then one HTTP/1.1 GET.
    async fn get(&self, url: &str) -> Result<Vec<u8>, FetchError> {
        let denied = |reason: String| FetchError::Denied {
            url: url.to_string(),
            reason,
        };
        let failed = |reason: String| FetchError::Failed {
            url: url.to_string(),
            reason,
        };
        let uri: Uri = url.parse().map_err(|e| denied(format!("not a URL: {e}")))?;
        let https = match uri.scheme_str() {
            Some("https") => true,
            Some("http") => false,
            _ => return Err(denied("only http, https and file URLs are fetched".into())),
        };
        let authority = uri
            .authority()
            .ok_or_else(|| denied("the URL has no host".into()))?;
        if authority.as_str().contains('@') {
            return Err(denied("user information in the URL is not allowed".into()));
        }
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let port = authority.port_u16().unwrap_or(if https { 443 } else { 80 });
        let scheme = if https { "https" } else { "http" };
        if !self.allowed_hosts().allows(scheme, &host, port) {
            return Err(denied(format!(
                "{host}:{port} is neither this source's host nor an endpoint of the cloud"
            )));
        }
        let addrs = self.resolve(&host, port).await.map_err(&failed)?;
        let egress = EgressPolicy::with_exact(self.exact_addresses());
        for addr in &addrs {
            egress
                .permits(addr.ip())
                .map_err(|e| denied(format!("{host} resolves to {}: {e}", addr.ip())))?;
        }
        let tcp = connect(&addrs)
            .await
            .map_err(|e| failed(format!("connection failed: {e}")))?;
        // Origin form (`GET /path`): the host goes in the `host` header.
        let target = uri.path_and_query().map_or("/", |p| p.as_str());
        let request = Request::get(target)
            .header(http::header::HOST, authority.as_str())
            .header(http::header::USER_AGENT, "strato")
            .body(Empty::<Bytes>::new())
            .map_err(|e| failed(e.to_string()))?;
        let response = if https {
            let name = ServerName::try_from(host.clone())
                .map_err(|_| denied(format!("{host:?} is not a valid TLS server name")))?;
            let tls = TlsConnector::from(
                client_config(&self.ca_certificates)
                    .map_err(|e| failed(format!("TLS configuration: {e}")))?,
            )
            .connect(name, tcp)
            .await
            .map_err(|e| failed(format!("TLS: {e}")))?;
            send(TokioIo::new(tls), request).await
        } else {
            send(TokioIo::new(tcp), request).await
        }
        .map_err(&failed)?;
        match response.status() {
            StatusCode::OK => {}
            StatusCode::NOT_FOUND => {
                return Err(FetchError::NotFound {
                    url: url.to_string(),
                });
            }
            StatusCode::UNAUTHORIZED => {
                return Err(FetchError::Unauthorized {
                    url: url.to_string(),
                });
            }
            status => {
                return Err(FetchError::Status {
                    url: url.to_string(),
                    status: status.to_string(),
                });
            }
        }
        let body = Limited::new(response.into_body(), self.max_bytes)
            .collect()
            .await
            .map_err(|e| failed(format!("reading the body: {e}")))?;
        Ok(body.to_bytes().to_vec())
    }

    /// This source's own host, and the cloud's endpoints.
    fn allowed_hosts(&self) -> AllowedHosts {
        let mut allowed = AllowedHosts::default();
        for url in std::iter::once(&self.base_url).chain(&self.endpoints) {
            match AllowedHosts::from_endpoint(url) {
                Ok(hosts) => allowed.extend(hosts),
                Err(e) => {
                    tracing::debug!(target: "strato::environs", url, "not a destination: {e}")
                }
            }
        }
        allowed
    }

    /// IP-literal hosts written by the operator (the source's URL, the
    /// cloud's endpoints): exempt from the post-DNS checks.
    fn exact_addresses(&self) -> Vec<IpAddr> {
        std::iter::once(&self.base_url)
            .chain(&self.endpoints)
            .filter_map(|u| endpoint_ip(u))
            .collect()
    }

    async fn resolve(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, port)]);
        }
        let found: Vec<SocketAddr> = tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| format!("DNS lookup of {host} failed: {e}"))?
            .collect();
        if found.is_empty() {
            return Err(format!("DNS lookup of {host} found no address"));
        }
        Ok(found)
    }
}

async fn connect(addrs: &[SocketAddr]) -> std::io::Result<TcpStream> {
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(tcp) => return Ok(tcp),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no address")))
}

async fn send<T>(
    io: T,
    request: Request<Empty<Bytes>>,
) -> Result<http::Response<hyper::body::Incoming>, String>
where
    T: hyper::rt::Read + hyper::rt::Write + Send + Unpin + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| format!("HTTP handshake: {e}"))?;
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::debug!(target: "strato::environs", "image metadata connection: {e}");
        }
    });
    sender
        .send_request(request)
        .await
        .map_err(|e| format!("HTTP request: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_join_with_one_slash() {
        let s = DataSource::new("d", "config-image-metadata-url", 20);
        assert_eq!(s.url(""), "config-image-metadata-url/");
        assert_eq!(
            DataSource::new("d", "http://h/x/", 0).url("streams/v1/index.json"),
            "http://h/x/streams/v1/index.json"
        );
    }

    #[tokio::test]
    async fn policy_refuses_other_hosts_and_loopback_names() {
        let s = DataSource::new("d", "http://localhost:9/images", 0);
        let e = s.fetch("index.json").await.unwrap_err();
        assert!(matches!(e, FetchError::Denied { .. }), "{e}");
        assert!(e.to_string().contains("resolves to"), "{e}");
        let e = DataSource::new("d", "ftp://example.com/x", 0)
            .fetch("y")
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::Denied { .. }), "{e}");
        let e = DataSource::new("d", "file:///nonexistent/strato", 0)
            .fetch("y")
            .await
            .unwrap_err();
        assert!(e.is_not_found(), "{e}");
        assert_eq!(
            e.to_string(),
            r#"invalid URL "file:///nonexistent/strato/y" not found"#
        );
    }

    #[tokio::test]
    async fn a_source_from_the_model_config_reads_no_files() {
        let dir = std::env::temp_dir();
        let base = format!("file://{}", dir.display());
        let e = DataSource::new("image-metadata-url", base, 0)
            .without_files()
            .fetch("anything")
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::Denied { .. }), "{e}");
        assert!(e.to_string().contains("file URLs"), "{e}");
    }
}
