//! Connections of outgoing requests: TCP to an address already checked,
//! then TLS trusting the system's roots plus the cloud spec's CA
//! certificates, with one cached client configuration per CA set.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, OnceLock};

use rustls::ClientConfig;
use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use wasmtime_wasi_http::Error;

use super::hooks::NetContext;
use super::send::Target;

/// Client configurations kept before the cache starts over. A handle binds
/// one cloud, so a process sees about as many CA sets as clouds.
const CACHE_ENTRIES: usize = 64;

pub(super) trait Stream: AsyncRead + AsyncWrite + Send + Unpin + 'static {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin + 'static> Stream for T {}

/// Step 6: TCP to a checked address (never resolved again), then TLS for
/// https with the system roots and the cloud's CA certificates.
pub(super) async fn open(
    net: &NetContext,
    target: &Target,
    addrs: &[SocketAddr],
) -> Result<Box<dyn Stream>, (String, Error)> {
    let tcp = tcp_connect(addrs).await.map_err(|e| {
        let error = match e.kind() {
            std::io::ErrorKind::ConnectionRefused => Error::ConnectionRefused,
            std::io::ErrorKind::TimedOut => Error::ConnectionTimeout,
            _ => Error::DestinationUnavailable,
        };
        (format!("connection failed: {e}"), error)
    })?;
    if target.scheme != "https" {
        return Ok(Box::new(tcp));
    }
    let Some(name) = server_name(&target.host) else {
        let reason = format!("{:?} is not a valid TLS server name", target.host);
        return Err((reason, Error::HttpRequestUriInvalid));
    };
    let config = client_config(&net.domain.ca_certificates()).map_err(|e| {
        let reason = format!("TLS configuration failed: {e}");
        (reason, Error::ConfigurationError)
    })?;
    match connect(config, name, tcp).await {
        Ok(stream) => Ok(Box::new(stream)),
        Err(e) => Err((describe(&e), e)),
    }
}

/// Connects to the first address that answers, in order.
async fn tcp_connect(addrs: &[SocketAddr]) -> std::io::Result<TcpStream> {
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(tcp) => {
                let _ = tcp.set_nodelay(true);
                return Ok(tcp);
            }
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no address")))
}

/// The system's trusted roots, loaded once. Unreadable certificates are
/// logged and skipped: the cloud's own CA certificates may be all a
/// deployment needs.
fn native_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        for e in &found.errors {
            tracing::warn!(target: "strato::network", error = %e, "loading the system's CA certificates");
        }
        found.certs
    })
}

/// The client configuration trusting the system roots and `ca_pems`
/// (PEM text, each may hold several certificates), cached by the CA set.
pub(crate) fn client_config(ca_pems: &[String]) -> Result<Arc<ClientConfig>, rustls::Error> {
    static CACHE: OnceLock<Mutex<HashMap<[u8; 32], Arc<ClientConfig>>>> = OnceLock::new();
    let key = ca_set_key(ca_pems);
    let cache = CACHE.get_or_init(Default::default);
    if let Some(config) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok(config.clone());
    }
    let config = Arc::new(build_config(ca_pems)?);
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    if cache.len() >= CACHE_ENTRIES {
        cache.clear();
    }
    cache.insert(key, config.clone());
    Ok(config)
}

fn ca_set_key(ca_pems: &[String]) -> [u8; 32] {
    let mut hash = Sha256::new();
    for pem in ca_pems {
        hash.update((pem.len() as u64).to_le_bytes());
        hash.update(pem.as_bytes());
    }
    hash.finalize().into()
}

fn build_config(ca_pems: &[String]) -> Result<ClientConfig, rustls::Error> {
    let mut roots = RootCertStore::empty();
    let (_, bad) = roots.add_parsable_certificates(native_roots().iter().cloned());
    if bad > 0 {
        tracing::debug!(target: "strato::network", skipped = bad, "unusable system CA certificates");
    }
    for (index, pem) in ca_pems.iter().enumerate() {
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let added = match cert {
                Ok(cert) => roots.add(cert).map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            if let Err(error) = added {
                tracing::warn!(
                    target: "strato::network",
                    certificate = index, %error,
                    "skipping a CA certificate of the cloud spec"
                );
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// The name the server's certificate must carry: an IP address for an IP
/// literal host (no SNI is sent then), else the DNS name.
pub(super) fn server_name(host: &str) -> Option<ServerName<'static>> {
    ServerName::try_from(host.to_owned()).ok()
}

/// Runs the TLS handshake over `tcp`. A certificate the roots do not
/// vouch for is [`Error::TlsCertificateError`]; an alert from the server
/// is [`Error::TlsAlertReceived`]; anything else is [`Error::Tls`].
pub(super) async fn connect(
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
    tcp: TcpStream,
) -> Result<TlsStream<TcpStream>, Error> {
    TlsConnector::from(config)
        .connect(name, tcp)
        .await
        .map_err(classify)
}

fn classify(err: io::Error) -> Error {
    match err
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(rustls::Error::InvalidCertificate(_)) => Error::TlsCertificateError,
        Some(rustls::Error::AlertReceived(alert)) => Error::TlsAlertReceived {
            alert_id: Some(u8::from(*alert)),
            alert_message: Some(format!("{alert:?}")),
        },
        _ => Error::Tls(err),
    }
}

/// A short description of a TLS failure for the audit record.
pub(super) fn describe(err: &Error) -> String {
    match err {
        Error::Tls(e) => format!("TLS handshake failed: {e}"),
        Error::TlsCertificateError => "TLS handshake failed: certificate not trusted".into(),
        other => format!("TLS handshake failed: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use rustls::pki_types::PrivateKeyDer;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    // A test CA and a server certificate for 127.0.0.1 and localhost it
    // signed (P-256, valid 2000 to 2100), made with openssl.
    const CA: &str = "\
-----BEGIN CERTIFICATE-----
MIIBZTCCAQygAwIBAgICEAAwCgYIKoZIzj0EAwIwGTEXMBUGA1UEAwwOc3RyYXRv
IHRlc3QgQ0EwIBcNMDAwMTAxMDAwMDAwWhgPMjEwMDAxMDEwMDAwMDBaMBkxFzAV
BgNVBAMMDnN0cmF0byB0ZXN0IENBMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE
r0BJeQcMJPbyuJx6B0NNJQxZMIfGksfDyrSPWtUBe/cR9YvinFx1OMAafBs+Vy64
MFMqQYD7hd9lMyhtK8QyrKNCMEAwDwYDVR0TAQH/BAUwAwEB/zAOBgNVHQ8BAf8E
BAMCAQYwHQYDVR0OBBYEFI9OBV9G62IlMxc/zGUL5dUhOqTsMAoGCCqGSM49BAMC
A0cAMEQCIGgWubDN7x5hL7YSn6TubsGTFM4s3Ad+Q9sy2FPyvs68AiAWK9cgR0R7
4S3WFTAjc/TmOJDaHOdX6kjKIKTZbqW0Zw==
-----END CERTIFICATE-----
";
    const LEAF: &str = "\
-----BEGIN CERTIFICATE-----
MIIBsDCCAVWgAwIBAgICEAEwCgYIKoZIzj0EAwIwGTEXMBUGA1UEAwwOc3RyYXRv
IHRlc3QgQ0EwIBcNMDAwMTAxMDAwMDAwWhgPMjEwMDAxMDEwMDAwMDBaMBQxEjAQ
BgNVBAMMCWxvY2FsaG9zdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABLW3Enr4
H+/5iw3IMLA7k+Ah6CQAx/+yaVqccwdO+lLglxCVIpgYWEhRd3XpNMrgrlqrIEVo
yhOuhv/XdlcVvxejgY8wgYwwCQYDVR0TBAIwADAOBgNVHQ8BAf8EBAMCB4AwEwYD
VR0lBAwwCgYIKwYBBQUHAwEwGgYDVR0RBBMwEYcEfwAAAYIJbG9jYWxob3N0MB8G
A1UdIwQYMBaAFI9OBV9G62IlMxc/zGUL5dUhOqTsMB0GA1UdDgQWBBSc/IW090SI
bcwlARXoK/GRZzoDaDAKBggqhkjOPQQDAgNJADBGAiEA4lMdYP5D39O97S7A6irz
jyEVgHQz/KpR3peR2pvvVDECIQCI0gO6Hx3omxohxdc7gExFiJj8ETlCkfflLoBO
TfKIIw==
-----END CERTIFICATE-----
";
    const LEAF_KEY: &str = "\
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQggpIf1DXiY80G6YWX
fPbTuUMHc/a3pbpNi+KHdhR7fayhRANCAAS1txJ6+B/v+YsNyDCwO5PgIegkAMf/
smlanHMHTvpS4JcQlSKYGFhIUXd16TTK4K5aqyBFaMoTrob/13ZXFb8X
-----END PRIVATE KEY-----
";

    #[test]
    fn configs_are_cached_per_ca_set() {
        let a = client_config(&[]).unwrap();
        let b = client_config(&[]).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        // Garbage is skipped with a warning, not fatal, and makes a new set.
        let c = client_config(&["-----BEGIN CERTIFICATE-----\nnot base64\n".into()]).unwrap();
        assert!(!Arc::ptr_eq(&a, &c));
    }

    #[test]
    fn server_names() {
        assert!(matches!(
            server_name("10.0.0.1"),
            Some(ServerName::IpAddress(_))
        ));
        assert!(matches!(server_name("::1"), Some(ServerName::IpAddress(_))));
        assert!(matches!(
            server_name("ec2.example.com"),
            Some(ServerName::DnsName(_))
        ));
        assert!(server_name("bad name").is_none());
    }

    #[tokio::test]
    async fn cloud_ca_certificates_are_trusted_besides_the_system_roots() {
        let cert = CertificateDer::from_pem_slice(LEAF.as_bytes()).unwrap();
        let key = PrivateKeyDer::from_pem_slice(LEAF_KEY.as_bytes()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let server = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)
            .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                if let Ok(mut tls) = acceptor.accept(tcp).await {
                    let _ = tls.write_all(b"hi").await;
                    let _ = tls.shutdown().await;
                }
            }
        });
        // The cloud's CA makes the server trusted, by IP and by name.
        for host in ["127.0.0.1", "localhost"] {
            let tcp = TcpStream::connect(addr).await.unwrap();
            let config = client_config(&[CA.to_owned()]).unwrap();
            let mut tls = connect(config, server_name(host).unwrap(), tcp)
                .await
                .unwrap_or_else(|e| panic!("{host}: {e}"));
            let mut text = String::new();
            tls.read_to_string(&mut text).await.unwrap();
            assert_eq!(text, "hi");
        }
        // Without it, the certificate is not trusted; a wrong name neither.
        for (host, cas) in [("127.0.0.1", vec![]), ("example.com", vec![CA.to_owned()])] {
            let tcp = TcpStream::connect(addr).await.unwrap();
            let config = client_config(&cas).unwrap();
            let err = connect(config, server_name(host).unwrap(), tcp)
                .await
                .unwrap_err();
            assert!(matches!(err, Error::TlsCertificateError), "{host}: {err}");
            assert!(describe(&err).contains("not trusted"));
        }
        server.abort();
    }
}
