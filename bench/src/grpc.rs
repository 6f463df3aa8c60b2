//! A second process-plugin variant with the transport of real Terraform and
//! Pulumi plugins: go-plugin runs gRPC, i.e. HTTP/2 over a Unix socket, one
//! stream per call with length-prefixed messages. Here the same `fleet`
//! logic (`fleet-plugin-h2`) speaks HTTP/2 (the `h2` crate) over a Unix
//! socket, one stream per call, each message one gRPC frame (1-byte flag,
//! 4-byte big-endian length) of JSON instead of protobuf (no protobuf
//! crate in the workspace; the payloads are the same as [`crate::plugin`]'s).
//! The client is async, its connection driven by a task on the caller's
//! tokio runtime, as a gRPC client's is.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use anyhow::{Context as _, Result, bail};
use bytes::{BufMut as _, Bytes, BytesMut};
use strato_runtime::types::{Instance, StartInstanceParams, StartInstanceResult};

use crate::native;
use crate::plugin::{Request, Response, instances_of, started_of, version_of};

/// The gRPC frame around `message`: not compressed, 4-byte length.
pub fn frame(message: &[u8]) -> Result<Bytes> {
    let mut b = BytesMut::with_capacity(5 + message.len());
    b.put_u8(0);
    b.put_u32(u32::try_from(message.len()).context("message too long")?);
    b.put_slice(message);
    Ok(b.freeze())
}

/// The message inside one gRPC frame.
pub fn unframe(bytes: &[u8]) -> Result<&[u8]> {
    match bytes {
        [0, a, b, c, d, rest @ ..]
            if u32::from_be_bytes([*a, *b, *c, *d]) as usize == rest.len() =>
        {
            Ok(rest)
        }
        _ => bail!("not one uncompressed gRPC frame ({} bytes)", bytes.len()),
    }
}

/// Reads a whole HTTP/2 body, releasing flow-control capacity as it goes.
pub async fn read_body(body: &mut h2::RecvStream) -> Result<BytesMut> {
    let mut buf = BytesMut::new();
    while let Some(chunk) = body.data().await {
        let chunk = chunk?;
        body.flow_control().release_capacity(chunk.len())?;
        buf.extend_from_slice(&chunk);
    }
    Ok(buf)
}

/// A running `fleet-plugin-h2` process and an HTTP/2 connection to it.
#[derive(Debug)]
pub struct H2PluginClient {
    child: Child,
    send: h2::client::SendRequest<Bytes>,
    _dir: tempfile::TempDir,
}

impl H2PluginClient {
    /// Spawns the plugin binary at `path` on a fresh socket and connects
    /// (the connection task runs on the current tokio runtime).
    pub async fn spawn(path: &Path) -> Result<Self> {
        let dir = tempfile::tempdir()?;
        let socket = dir.path().join("plugin.sock");
        let mut child = Command::new(path)
            .arg(&socket)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("spawning {}", path.display()))?;
        // Like go-plugin's handshake line: the plugin says where it listens.
        let stdout = child.stdout.take().context("plugin stdout")?;
        let line = tokio::task::spawn_blocking(move || {
            let mut line = String::new();
            std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line)
                .map(|_| line)
        })
        .await??;
        if line.trim() != "ready" {
            bail!("unexpected handshake {line:?}");
        }
        let io = tokio::net::UnixStream::connect(&socket).await?;
        let (send, conn) = h2::client::handshake(io).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(H2PluginClient {
            child,
            send,
            _dir: dir,
        })
    }

    async fn call(&self, req: &Request) -> Result<Response> {
        let body = frame(&serde_json::to_vec(req)?)?;
        let mut send = self.send.clone().ready().await?;
        let request = http::Request::post("http://plugin/plugin.Fleet/Call")
            .header("content-type", "application/grpc")
            .body(())?;
        let (response, mut stream) = send.send_request(request, false)?;
        stream.send_data(body, true)?;
        let mut body = response.await?.into_body();
        let bytes = read_body(&mut body).await?;
        Ok(serde_json::from_slice(unframe(&bytes)?)?)
    }

    /// `provider.version`.
    pub async fn version(&self) -> Result<u32> {
        version_of(self.call(&Request::Version).await?)
    }

    /// `environ.instances`: every id found, in request order.
    pub async fn instances(&self, ids: &[String]) -> Result<Vec<Instance>> {
        let req = Request::Instances { ids: ids.to_vec() };
        instances_of(self.call(&req).await?, ids)
    }

    /// `environ.start-instance`.
    pub async fn start_instance(&self, p: StartInstanceParams) -> Result<StartInstanceResult> {
        let spec = Box::new(native::start_spec(p));
        started_of(self.call(&Request::Start { spec }).await?)
    }
}

impl Drop for H2PluginClient {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
