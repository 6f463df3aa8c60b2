//! A small HTTP/1.1 server on 127.0.0.1 for the sandbox tests: it records
//! what reached it (connections, requests with their headers, the most
//! connections open at once) and has routes that misbehave on request.
//!
//! | route | answer |
//! |---|---|
//! | `/echo…` | 200, the request as text: `METHOD /path`, one `name: value` line per header, a blank line, the body |
//! | `/status/<code>` | that status, empty body |
//! | `/slow/<ms>` | waits `ms` milliseconds (less if the client hangs up), then 200 `slow` |
//! | `/bytes/<n>` | 200 with an `n`-byte body (generated as it is sent, not held) |
//! | `/endless` | 200 with a body that never ends (bounded: it stops by itself after 120 s or 8 GiB) |
//! | anything else | 404 |
//!
//! One request per connection (`connection: close`). The server runs on a
//! thread of its own with its own tokio runtime, so it serves while the test
//! blocks, and it stops (every connection with it) when dropped.
//!
//! ```no_run
//! let server = strato_tests::server::TestServer::start();
//! let url = server.url("/echo");
//! // ... let a guest fetch `url` ...
//! assert_eq!(server.connections(), 1);
//! ```

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Bytes of a request head the server reads before giving up.
const MAX_HEAD: usize = 64 << 10;
/// Bytes of a request body the server keeps.
const MAX_BODY: usize = 16 << 20;
/// Bytes per write of a generated body.
const CHUNK: usize = 64 << 10;
/// `/endless` stops after this long or this many bytes.
const ENDLESS_TIME: Duration = Duration::from_secs(120);
const ENDLESS_BYTES: u64 = 8 << 30;

/// A request as the server received it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Recorded {
    /// `GET`, `POST`, …
    pub method: String,
    /// The request target (`/echo?x=1`).
    pub path: String,
    /// Header fields in order, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body (at most 16 MiB kept).
    pub body: Vec<u8>,
}

impl Recorded {
    /// The first value of header `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Default)]
struct Stats {
    connections: AtomicUsize,
    active: AtomicUsize,
    max_active: AtomicUsize,
    body_bytes_sent: AtomicU64,
    requests: Mutex<Vec<Recorded>>,
}

/// The running server; dropping it stops it.
pub struct TestServer {
    addr: SocketAddr,
    stats: Arc<Stats>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for TestServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestServer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl TestServer {
    /// Starts a server on a free port of 127.0.0.1.
    ///
    /// # Panics
    /// When no port can be bound or no thread started (a broken test
    /// machine, not a test failure worth a `Result`).
    pub fn start() -> TestServer {
        let std_listener =
            std::net::TcpListener::bind("127.0.0.1:0").expect("test server: bind 127.0.0.1:0");
        std_listener
            .set_nonblocking(true)
            .expect("test server: non-blocking listener");
        let addr = std_listener
            .local_addr()
            .expect("test server: local address");
        let stats = Arc::new(Stats::default());
        let (tx, rx) = tokio::sync::oneshot::channel();
        let thread_stats = stats.clone();
        let thread = std::thread::Builder::new()
            .name(format!("test-server-{}", addr.port()))
            .spawn(move || serve(std_listener, thread_stats, rx))
            .expect("test server: thread");
        TestServer {
            addr,
            stats,
            shutdown: Some(tx),
            thread: Some(thread),
        }
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Its port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.stats.connections.load(Ordering::SeqCst)
    }

    /// Connections open now (a connection ends when the server has
    /// answered, or when the client hangs up on a `/slow` request).
    pub fn active(&self) -> usize {
        self.stats.active.load(Ordering::SeqCst)
    }

    /// The most connections that were open at the same time.
    pub fn max_concurrent(&self) -> usize {
        self.stats.max_active.load(Ordering::SeqCst)
    }

    /// Response body bytes written so far (all routes).
    pub fn body_bytes_sent(&self) -> u64 {
        self.stats.body_bytes_sent.load(Ordering::SeqCst)
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.stats
            .requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(
    listener: std::net::TcpListener,
    stats: Arc<Stats>,
    shutdown: tokio::sync::oneshot::Receiver<()>,
) {
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return;
    };
    rt.block_on(async move {
        let Ok(listener) = TcpListener::from_std(listener) else {
            return;
        };
        let accept = async {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let stats = stats.clone();
                stats.connections.fetch_add(1, Ordering::SeqCst);
                let now = stats.active.fetch_add(1, Ordering::SeqCst) + 1;
                stats.max_active.fetch_max(now, Ordering::SeqCst);
                tokio::spawn(async move {
                    let _ = connection(stream, &stats).await;
                    stats.active.fetch_sub(1, Ordering::SeqCst);
                });
            }
        };
        tokio::select! {
            () = accept => {}
            _ = shutdown => {}
        }
    });
    // Dropping the runtime cancels every connection task.
}

async fn connection(mut stream: TcpStream, stats: &Stats) -> std::io::Result<()> {
    let Some(request) = read_request(&mut stream).await? else {
        return Ok(());
    };
    stats
        .requests
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(request.clone());
    let path = request.path.split('?').next().unwrap_or_default();
    let arg = |prefix: &str| {
        path.strip_prefix(prefix)
            .and_then(|n| n.parse::<u64>().ok())
    };
    if path.starts_with("/echo") {
        let mut text = format!("{} {}\n", request.method, request.path);
        for (k, v) in &request.headers {
            text.push_str(&format!("{k}: {v}\n"));
        }
        text.push('\n');
        let mut body = text.into_bytes();
        body.extend_from_slice(&request.body);
        respond(&mut stream, stats, 200, &body).await
    } else if let Some(code) = arg("/status/") {
        respond(&mut stream, stats, u16::try_from(code).unwrap_or(500), b"").await
    } else if let Some(ms) = arg("/slow/") {
        // Waits, unless the client hangs up first.
        let mut probe = [0u8; 1];
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(ms)) => {
                respond(&mut stream, stats, 200, b"slow").await
            }
            _ = stream.read(&mut probe) => Ok(()),
        }
    } else if let Some(n) = arg("/bytes/") {
        stream_body(&mut stream, stats, Some(n)).await
    } else if path == "/endless" {
        stream_body(&mut stream, stats, None).await
    } else {
        respond(&mut stream, stats, 404, b"not found").await
    }
}

/// Reads one request; `None` when the peer closed before sending one.
async fn read_request(stream: &mut TcpStream) -> std::io::Result<Option<Recorded>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i;
        }
        if buf.len() > MAX_HEAD {
            return Ok(None);
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let method = first.next().unwrap_or_default().to_string();
    let path = first.next().unwrap_or_default().to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut request = Recorded {
        method,
        path,
        headers,
        body: buf[head_end + 4..].to_vec(),
    };
    let want = request
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0)
        .min(MAX_BODY);
    while request.body.len() < want {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        request.body.extend_from_slice(&chunk[..n]);
    }
    request.body.truncate(want);
    Ok(Some(request))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

async fn respond(
    stream: &mut TcpStream,
    stats: &Stats,
    status: u16,
    body: &[u8],
) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status} {}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        reason(status),
        body.len()
    );
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    stats
        .body_bytes_sent
        .fetch_add(body.len() as u64, Ordering::SeqCst);
    stream.shutdown().await
}

/// A generated body of `len` bytes, or an endless one (`None`).
async fn stream_body(
    stream: &mut TcpStream,
    stats: &Stats,
    len: Option<u64>,
) -> std::io::Result<()> {
    let head = match len {
        Some(n) => format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: {n}\r\nconnection: close\r\n\r\n"
        ),
        None => {
            "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\nconnection: close\r\n\r\n"
                .to_string()
        }
    };
    stream.write_all(head.as_bytes()).await?;
    let chunk = vec![b'a'; CHUNK];
    let started = Instant::now();
    let mut sent: u64 = 0;
    loop {
        let want = match len {
            Some(n) if sent >= n => break,
            Some(n) => (n - sent).min(CHUNK as u64) as usize,
            None if sent >= ENDLESS_BYTES || started.elapsed() > ENDLESS_TIME => break,
            None => CHUNK,
        };
        stream.write_all(&chunk[..want]).await?;
        sent += want as u64;
        stats
            .body_bytes_sent
            .fetch_add(want as u64, Ordering::SeqCst);
    }
    stream.shutdown().await
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Status",
    }
}
