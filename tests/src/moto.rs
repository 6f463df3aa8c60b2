//! moto as an EC2 endpoint that checks signatures, for the SigV4 tests.
//!
//! [`Moto::start`] runs moto's server from the project's virtualenv
//! (`.venv`, made by `scripts/setup`; another one with `STRATO_VENV`) on a
//! free port of 127.0.0.1, with `INITIAL_NO_AUTH_ACTION_COUNT` set so that
//! the first calls, which create an IAM user allowed `ec2:*` and an access
//! key for it, are free, and every later call has its SigV4 signature
//! verified (a wrong secret gets `401 AuthFailure`). One signed
//! `DescribeRegions` warms EC2 up before `start` returns.
//!
//! The server is a child process driven by a small Python script; it exits
//! when the [`Moto`] is dropped, and also when the test process dies (the
//! script ends when its standard input closes).
//!
//! [`Moto::start_failing_zones`] adds the one fault moto lacks: a zone out
//! of capacity for `RunInstances`.
//!
//! [`Moto::cloud_spec`] gives the cloud spec of an `ec2` cloud at this
//! server, with the user's credential (or a wrong secret), for the EC2
//! provider's tests.
//!
//! ```no_run
//! let moto = strato_tests::moto::Moto::start().expect("moto");
//! let out = moto.boto3("print(len(ec2.describe_regions()['Regions']))").expect("boto3");
//! assert!(out.trim().parse::<u32>().unwrap() > 0);
//! ```

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use strato_runtime::types::{CloudSpec, Credential};

/// The region the access key is used in.
pub const REGION: &str = "us-east-1";

/// Calls moto takes without checking signatures: create-user,
/// put-user-policy, create-access-key.
const FREE_CALLS: u32 = 3;

/// How long moto may take to come up and be set up.
const START_TIMEOUT: Duration = Duration::from_secs(90);

/// Bytes of moto's log kept for error messages.
const LOG_TAIL: usize = 16 << 10;

/// Starts moto, creates the user and key, warms EC2 up, prints one JSON
/// line, then serves until its standard input closes.
const DRIVER: &str = r#"
import json, logging, os, sys
logging.getLogger("werkzeug").setLevel(logging.ERROR)
from moto.server import ThreadedMotoServer
import boto3

server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()

# Fault injection (moto never runs out of capacity): RunInstances placed in
# one of STRATO_MOTO_FAIL_ZONES gets EC2's InsufficientInstanceCapacity.
FAIL_ZONES = [z for z in os.environ.get("STRATO_MOTO_FAIL_ZONES", "").split(",") if z]

def inject_faults(app):
    import io
    from urllib.parse import parse_qs
    def wrapped(environ, start_response):
        if environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
            form = parse_qs(body.decode("utf-8", "replace"))
            zone = form.get("Placement.AvailabilityZone", [""])[0]
            if form.get("Action") == ["RunInstances"] and zone in FAIL_ZONES:
                xml = ('<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error>'
                       '<Code>InsufficientInstanceCapacity</Code><Message>We currently do not '
                       'have sufficient capacity in the Availability Zone you requested (%s).'
                       '</Message></Error></Errors><RequestID>strato-fault</RequestID></Response>'
                       % zone)
                start_response("500 Internal Server Error", [("Content-Type", "text/xml")])
                return [xml.encode()]
        return app(environ, start_response)
    return wrapped

if FAIL_ZONES:
    server._server.app = inject_faults(server._server.app)
host, port = server.get_host_and_port()
endpoint = f"http://{host}:{port}"
region = os.environ["STRATO_MOTO_REGION"]
boot = dict(endpoint_url=endpoint, region_name=region,
            aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
iam = boto3.client("iam", **boot)
iam.create_user(UserName="strato")
iam.put_user_policy(UserName="strato", PolicyName="ec2", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]}))
key = iam.create_access_key(UserName="strato")["AccessKey"]
ec2 = boto3.client("ec2", endpoint_url=endpoint, region_name=region,
                   aws_access_key_id=key["AccessKeyId"],
                   aws_secret_access_key=key["SecretAccessKey"])
ec2.describe_regions()
print(json.dumps({"endpoint": endpoint, "access_key": key["AccessKeyId"],
                  "secret_key": key["SecretAccessKey"]}), flush=True)
sys.stdin.read()
server.stop()
"#;

/// Defines `ec2` (signed with the key) and `bad` (wrong secret) around a
/// snippet run by [`Moto::boto3`].
const PRELUDE: &str = r#"
import os, boto3
_kw = dict(endpoint_url=os.environ["STRATO_MOTO_ENDPOINT"], region_name=os.environ["STRATO_MOTO_REGION"],
           aws_access_key_id=os.environ["STRATO_MOTO_ACCESS_KEY"])
ec2 = boto3.client("ec2", aws_secret_access_key=os.environ["STRATO_MOTO_SECRET_KEY"], **_kw)
bad = boto3.client("ec2", aws_secret_access_key="not-the-secret", **_kw)
"#;

/// A running moto server with an IAM user allowed `ec2:*`.
pub struct Moto {
    child: Child,
    stdin: Option<ChildStdin>,
    endpoint: String,
    access_key: String,
    secret_key: String,
    log: Arc<Mutex<String>>,
}

impl std::fmt::Debug for Moto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Moto")
            .field("endpoint", &self.endpoint)
            .field("access_key", &self.access_key)
            .finish_non_exhaustive()
    }
}

/// The virtualenv with moto: `$STRATO_VENV`, else `<workspace>/.venv`.
pub fn venv() -> PathBuf {
    match std::env::var_os("STRATO_VENV") {
        Some(v) => PathBuf::from(v),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(".venv"),
    }
}

/// The virtualenv's python.
pub fn python() -> PathBuf {
    venv().join("bin").join("python")
}

/// A python command with an environment that cannot reach real AWS
/// configuration or the metadata service.
fn python_command() -> Command {
    let mut cmd = Command::new(python());
    for var in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_ENDPOINT_URL",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("STRATO_MOTO_REGION", REGION)
        .env("PYTHONUNBUFFERED", "1");
    cmd
}

impl Moto {
    /// Starts moto and sets it up (a few seconds). Errors say what is
    /// missing, e.g. that `./scripts/setup` has not been run.
    pub fn start() -> Result<Moto, String> {
        Moto::start_failing_zones(&[])
    }

    /// [`Moto::start`] with a fault: `RunInstances` placed in any of
    /// `zones` fails as EC2 does when a zone is out of capacity (HTTP 500,
    /// `InsufficientInstanceCapacity`), before moto sees it.
    pub fn start_failing_zones(zones: &[&str]) -> Result<Moto, String> {
        let py = python();
        if !py.exists() {
            return Err(format!(
                "{} not found: run ./scripts/setup to install moto into .venv",
                py.display()
            ));
        }
        let mut child = python_command()
            .args(["-c", DRIVER])
            .env("INITIAL_NO_AUTH_ACTION_COUNT", FREE_CALLS.to_string())
            .env("STRATO_MOTO_FAIL_ZONES", zones.join(","))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("starting {}: {e}", py.display()))?;
        let log = Arc::new(Mutex::new(String::new()));
        if let Some(stderr) = child.stderr.take() {
            let log = log.clone();
            std::thread::spawn(move || drain(stderr, &log));
        }
        let stdin = child.stdin.take();
        let (tx, rx) = std::sync::mpsc::channel();
        if let Some(stdout) = child.stdout.take() {
            std::thread::spawn(move || {
                let mut lines = BufReader::new(stdout).lines();
                let _ = tx.send(lines.next());
                // Keep reading so the child never blocks on a full pipe.
                for _ in lines {}
            });
        }
        let mut moto = Moto {
            child,
            stdin,
            endpoint: String::new(),
            access_key: String::new(),
            secret_key: String::new(),
            log,
        };
        let line = match rx.recv_timeout(START_TIMEOUT) {
            Ok(Some(Ok(line))) => line,
            Ok(_) => return Err(moto.failure("moto exited before it was ready")),
            Err(_) => {
                return Err(moto.failure(&format!("moto was not ready within {START_TIMEOUT:?}")));
            }
        };
        let ready: serde_json::Value = serde_json::from_str(&line)
            .map_err(|e| moto.failure(&format!("moto said {line:?} ({e})")))?;
        let field = |k: &str| ready[k].as_str().unwrap_or_default().to_string();
        moto.endpoint = field("endpoint");
        moto.access_key = field("access_key");
        moto.secret_key = field("secret_key");
        if moto.endpoint.is_empty() || moto.access_key.is_empty() || moto.secret_key.is_empty() {
            return Err(moto.failure(&format!("moto said {line:?}")));
        }
        Ok(moto)
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The access key id of the IAM user.
    pub fn access_key(&self) -> &str {
        &self.access_key
    }

    /// Its secret.
    pub fn secret_key(&self) -> &str {
        &self.secret_key
    }

    /// An `ec2` cloud named `moto` at this server in [`REGION`], with an
    /// `access-key` credential labelled `moto-user`: the user's secret, or
    /// `secret` when given (e.g. a wrong one).
    pub fn cloud_spec(&self, secret: Option<&str>) -> CloudSpec {
        let attributes = [
            ("access-key", self.access_key.as_str()),
            ("secret-key", secret.unwrap_or(&self.secret_key)),
        ];
        CloudSpec {
            cloud_type: "ec2".into(),
            name: "moto".into(),
            region: REGION.into(),
            endpoint: self.endpoint.clone(),
            identity_endpoint: String::new(),
            storage_endpoint: String::new(),
            credential: Some(Credential {
                auth_type: "access-key".into(),
                attributes: attributes
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
                revoked: false,
                label: "moto-user".into(),
                invalid: false,
                invalid_reason: String::new(),
            }),
            ca_certificates: Vec::new(),
        }
    }

    /// What moto wrote to stderr (the last 16 KiB).
    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Runs a Python snippet with boto3 clients `ec2` (signed with the
    /// user's key) and `bad` (same key id, wrong secret) bound to this
    /// server; returns its standard output, or an error with its stderr.
    pub fn boto3(&self, code: &str) -> Result<String, String> {
        let mut child = python_command()
            .args(["-c", &format!("{PRELUDE}\n{code}")])
            .env("STRATO_MOTO_ENDPOINT", &self.endpoint)
            .env("STRATO_MOTO_ACCESS_KEY", &self.access_key)
            .env("STRATO_MOTO_SECRET_KEY", &self.secret_key)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("running python: {e}"))?;
        let mut out = String::new();
        if let Some(mut stdout) = child.stdout.take() {
            let _ = stdout.read_to_string(&mut out);
        }
        let mut err = String::new();
        if let Some(mut stderr) = child.stderr.take() {
            let _ = stderr.read_to_string(&mut err);
        }
        let status = child
            .wait()
            .map_err(|e| format!("waiting for python: {e}"))?;
        if status.success() {
            Ok(out)
        } else {
            Err(format!("python failed ({status}):\n{err}{out}"))
        }
    }

    fn failure(&mut self, what: &str) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // Give the stderr reader a moment to catch the last lines.
        std::thread::sleep(Duration::from_millis(100));
        format!("{what}; its output:\n{}", self.log())
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        if let Some(mut stdin) = self.stdin.take() {
            let _ = stdin.flush();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn drain(stderr: impl Read, log: &Mutex<String>) {
    for line in BufReader::new(stderr).lines() {
        let Ok(line) = line else { break };
        let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
        log.push_str(&line);
        log.push('\n');
        if log.len() > LOG_TAIL {
            let cut = log.len() - LOG_TAIL;
            let cut = (cut..log.len())
                .find(|&i| log.is_char_boundary(i))
                .unwrap_or(log.len());
            log.drain(..cut);
        }
    }
}
