//! The call benchmark's other alternative: the `strato-fleet` logic in a
//! separate process (`fleet-plugin`), spoken to over stdin/stdout with one
//! JSON object per line — the architecture of Terraform's and Pulumi's
//! plugins, minus gRPC. The client converts `strato_runtime::types` ↔ fleet
//! types exactly like [`crate::native`] and serialises with serde_json.

use std::io::{BufRead as _, BufReader, BufWriter, Write as _};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use anyhow::{Context as _, Result, anyhow, bail};
use serde::{Deserialize, Serialize};
use strato_fleet::{FleetError, Machine, StartSpec, Started};
use strato_runtime::types::{Instance, StartInstanceParams, StartInstanceResult};

use crate::native;

/// One request line.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Request {
    /// `provider.version`.
    Version,
    /// `environ.instances`.
    Instances {
        /// Ids in request order.
        ids: Vec<String>,
    },
    /// `environ.start-instance`.
    Start {
        /// What to start.
        spec: Box<StartSpec>,
    },
}

/// One response line.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Response {
    /// Answer to [`Request::Version`].
    Version(u32),
    /// Answer to [`Request::Instances`].
    Instances(Vec<Option<Machine>>),
    /// Answer to [`Request::Start`].
    Started(Started),
    /// The fleet refused.
    Refused(FleetError),
    /// The request line did not parse.
    BadRequest(String),
}

/// A running `fleet-plugin` process.
#[derive(Debug)]
pub struct PluginClient {
    child: Child,
    stdin: BufWriter<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    line: String,
}

impl PluginClient {
    /// Spawns the plugin binary at `path`.
    pub fn spawn(path: &Path) -> Result<Self> {
        let mut child = Command::new(path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("spawning {}", path.display()))?;
        let stdin = child.stdin.take().context("plugin stdin")?;
        let stdout = child.stdout.take().context("plugin stdout")?;
        Ok(PluginClient {
            child,
            stdin: BufWriter::new(stdin),
            stdout: BufReader::new(stdout),
            line: String::new(),
        })
    }

    fn call(&mut self, req: &Request) -> Result<Response> {
        serde_json::to_writer(&mut self.stdin, req)?;
        self.stdin.write_all(b"\n")?;
        self.stdin.flush()?;
        self.line.clear();
        if self.stdout.read_line(&mut self.line)? == 0 {
            bail!("the plugin closed its stdout");
        }
        Ok(serde_json::from_str(&self.line)?)
    }

    /// `provider.version`.
    pub fn version(&mut self) -> Result<u32> {
        version_of(self.call(&Request::Version)?)
    }

    /// `environ.instances`: every id found, in request order.
    pub fn instances(&mut self, ids: &[String]) -> Result<Vec<Instance>> {
        let req = Request::Instances { ids: ids.to_vec() };
        instances_of(self.call(&req)?, ids)
    }

    /// `environ.start-instance`.
    pub fn start_instance(&mut self, p: StartInstanceParams) -> Result<StartInstanceResult> {
        let spec = Box::new(native::start_spec(p));
        started_of(self.call(&Request::Start { spec })?)
    }
}

/// The answer to [`Request::Version`].
pub(crate) fn version_of(r: Response) -> Result<u32> {
    match r {
        Response::Version(v) => Ok(v),
        other => Err(unexpected(other)),
    }
}

/// The answer to [`Request::Instances`] for `ids`, converted.
pub(crate) fn instances_of(r: Response, ids: &[String]) -> Result<Vec<Instance>> {
    match r {
        Response::Instances(slots) => slots
            .into_iter()
            .zip(ids)
            .map(|(m, id)| {
                m.map(native::instance)
                    .ok_or_else(|| anyhow!("{id} not found"))
            })
            .collect(),
        other => Err(unexpected(other)),
    }
}

/// The answer to [`Request::Start`], converted.
pub(crate) fn started_of(r: Response) -> Result<StartInstanceResult> {
    match r {
        Response::Started(s) => {
            let hardware = native::hardware(&s.machine);
            Ok(StartInstanceResult {
                display_name: s.display_name,
                instance: native::instance(s.machine),
                config: None,
                hardware: Some(hardware),
                network_info: Vec::new(),
                volumes: Vec::new(),
                volume_attachments: Vec::new(),
            })
        }
        other => Err(unexpected(other)),
    }
}

/// Serves one request with `fleet` (both plugin binaries).
pub fn serve(fleet: &mut strato_fleet::Fleet, request: &[u8]) -> Response {
    match serde_json::from_slice::<Request>(request) {
        Ok(Request::Version) => Response::Version(strato_fleet::Fleet::version()),
        Ok(Request::Instances { ids }) => Response::Instances(fleet.instances(&ids)),
        Ok(Request::Start { spec }) => match fleet.start(&spec) {
            Ok(s) => Response::Started(s),
            Err(e) => Response::Refused(e),
        },
        Err(e) => Response::BadRequest(e.to_string()),
    }
}

fn unexpected(r: Response) -> anyhow::Error {
    match r {
        Response::Refused(e) => anyhow!("refused: {e}"),
        Response::BadRequest(m) => anyhow!("bad request: {m}"),
        other => anyhow!("unexpected answer {other:?}"),
    }
}

impl Drop for PluginClient {
    fn drop(&mut self) {
        // Closing stdin ends the plugin's loop; reap it.
        let _ = self.stdin.flush();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
