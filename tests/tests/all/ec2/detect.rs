//! detect-credentials of the EC2 provider, through the `env` and `read`
//! grants only: from the AWS variables, from a `~/.aws` with two profiles,
//! and nothing at all without the grants. No moto: detection does no I/O
//! beyond what the host lends.

use std::time::Duration;

use strato_runtime::audit::{Capability, Decision};
use strato_runtime::types::{CloudCredential, ErrorKind};
use strato_runtime::{AuditEvent, Error, Grants, ProviderHandle, Runtime};
use strato_tests::guests;
use tokio::sync::broadcast;

use crate::{load, runtime};

const ENV_SECRET: &str = "env/Secret+Key-0123456789abcdefghijklmn";
const OPS_SECRET: &str = "ops/Secret+Key-9876543210zyxwvutsrqponm";

const CREDENTIALS: &str = "\
[default]
aws_access_key_id = AKIADEFAULTEXAMPLE
aws_secret_access_key = default/Secret+Key-abcdefghijklmnopqrstuv

[ops]
aws_access_key_id = AKIAOPSEXAMPLE
aws_secret_access_key = ops/Secret+Key-9876543210zyxwvutsrqponm
";

const CONFIG: &str = "\
[default]
region = eu-west-1

[profile ops]
region = ap-southeast-2
";

/// What the EC2 component's manifest asks to read.
const AWS_DIR: &str = "~/.aws";

struct Detect {
    _runtime: Runtime,
    provider: ProviderHandle,
    events: broadcast::Receiver<AuditEvent>,
}

impl Detect {
    async fn with(grants: Grants) -> Detect {
        let rt = runtime(Duration::from_secs(30));
        let events = rt.audit().subscribe();
        let provider = load(&rt, guests::STRATO_EC2_COMPONENT)
            .await
            .instantiate(Grants {
                name: Some("ec2".into()),
                ..grants
            })
            .await
            .unwrap_or_else(|e| panic!("instantiating the EC2 provider: {e}"));
        Detect {
            _runtime: rt,
            provider,
            events,
        }
    }

    async fn detect(&self) -> Result<CloudCredential, Error> {
        self.provider.detect_credentials().await
    }

    fn events(&mut self) -> Vec<AuditEvent> {
        let mut out = Vec::new();
        while let Ok(e) = self.events.try_recv() {
            out.push(e);
        }
        out
    }
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn names(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// `name`'s attribute `key` in what was found.
fn attr<'a>(found: &'a CloudCredential, name: &str, key: &str) -> &'a str {
    let (_, credential) = found
        .auth_credentials
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no credential {name:?} in {:?}", labels(found)));
    credential
        .attributes
        .iter()
        .find(|(k, _)| k == key)
        .map_or("", |(_, v)| v.as_str())
}

fn labels(found: &CloudCredential) -> Vec<(String, String)> {
    found
        .auth_credentials
        .iter()
        .map(|(n, c)| (n.clone(), c.label.clone()))
        .collect()
}

/// A home directory holding `.aws/credentials` and `.aws/config`.
fn aws_home() -> tempfile::TempDir {
    let home = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(home.path().join(".aws")).expect(".aws");
    std::fs::write(home.path().join(".aws/credentials"), CREDENTIALS).expect("credentials");
    std::fs::write(home.path().join(".aws/config"), CONFIG).expect("config");
    home
}

/// No event may carry a secret, whatever its field.
fn assert_no_value(events: &[AuditEvent], secrets: &[&str]) {
    for e in events {
        let json = serde_json::to_string(e).expect("json");
        for secret in secrets {
            assert!(!json.contains(secret), "a secret in the audit trail: {e}");
        }
    }
}

#[tokio::test]
async fn detects_the_aws_variables_when_they_are_granted() {
    let mut d = Detect::with(Grants {
        env: names(&["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "USER"]),
        env_values: Some(pairs(&[
            ("AWS_ACCESS_KEY_ID", "AKIAENVEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", ENV_SECRET),
            ("USER", "ada"),
        ])),
        ..Grants::default()
    })
    .await;
    let found = d.detect().await.expect("detect-credentials");
    assert_eq!(
        labels(&found),
        [("ada".to_string(), "aws credential \"ada\"".to_string())]
    );
    assert_eq!(attr(&found, "ada", "access-key"), "AKIAENVEXAMPLE");
    assert_eq!(attr(&found, "ada", "secret-key"), ENV_SECRET);
    assert_eq!(found.auth_credentials[0].1.auth_type, "access-key");

    let events = d.events();
    for name in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "USER"] {
        assert!(
            events.iter().any(|e| e.capability == Capability::Env
                && e.decision == Decision::Allowed
                && e.destination == name),
            "no env event for {name}"
        );
    }
    assert_no_value(&events, &[ENV_SECRET, "AKIAENVEXAMPLE"]);
}

#[tokio::test]
async fn detects_every_profile_of_a_granted_aws_directory() {
    let home = aws_home();
    let mut d = Detect::with(Grants {
        env: names(&["AWS_PROFILE"]),
        env_values: Some(pairs(&[("AWS_PROFILE", "ops")])),
        read: names(&[AWS_DIR]),
        home: Some(home.path().to_path_buf()),
        ..Grants::default()
    })
    .await;
    let found = d.detect().await.expect("detect-credentials");
    assert_eq!(
        labels(&found),
        [
            (
                "default".to_string(),
                "aws credential \"default\"".to_string()
            ),
            ("ops".to_string(), "aws credential \"ops\"".to_string()),
        ]
    );
    assert_eq!(attr(&found, "ops", "access-key"), "AKIAOPSEXAMPLE");
    assert_eq!(attr(&found, "ops", "secret-key"), OPS_SECRET);
    // `$AWS_PROFILE` picks the default credential and its region.
    assert_eq!(found.default_credential, "ops");
    assert_eq!(found.default_region, "ap-southeast-2");

    let events = d.events();
    let dir = home.path().join(".aws").display().to_string();
    assert!(
        events.iter().any(|e| e.capability == Capability::Read
            && e.decision == Decision::Allowed
            && e.destination == dir
            && e.reason.contains("read-only as /home/.aws")),
        "no read event for {dir}: {events:#?}"
    );
    assert_no_value(&events, &[OPS_SECRET, "default/Secret"]);
    // The provider only read: the files are as they were.
    let after = std::fs::read_to_string(home.path().join(".aws/credentials")).expect("read");
    assert_eq!(after, CREDENTIALS);
}

#[tokio::test]
async fn without_the_grants_nothing_is_detected() {
    // Variables and files are there, but the operator granted nothing.
    let home = aws_home();
    let d = Detect::with(Grants {
        env_values: Some(pairs(&[
            ("AWS_ACCESS_KEY_ID", "AKIAENVEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", ENV_SECRET),
        ])),
        home: Some(home.path().to_path_buf()),
        ..Grants::default()
    })
    .await;
    match d.detect().await {
        Err(Error::Provider(e)) => assert_eq!(e.kind, ErrorKind::NotFound, "{e:?}"),
        other => panic!("expected not-found, got {other:?}"),
    }
    // Granting the directory but not declaring more is not enough either:
    // a directory the component did not ask for is not lent.
    let d = Detect::with(Grants {
        read: vec![home.path().display().to_string()],
        home: Some(home.path().to_path_buf()),
        ..Grants::default()
    })
    .await;
    match d.detect().await {
        Err(Error::Provider(e)) => assert_eq!(e.kind, ErrorKind::NotFound, "{e:?}"),
        other => panic!("expected not-found, got {other:?}"),
    }
}

#[tokio::test]
async fn the_grant_report_shows_what_detection_asks_for() {
    let home = aws_home();
    let d = Detect::with(Grants::default()).await;
    let report = d.provider.component().grant_report(&Grants {
        env: names(&["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]),
        read: names(&[AWS_DIR]),
        home: Some(home.path().to_path_buf()),
        ..Grants::default()
    });
    let effective: Vec<String> = report
        .lines
        .iter()
        .filter(|l| l.effective())
        .map(|l| format!("{} {}", l.capability, l.what))
        .collect();
    assert_eq!(
        effective,
        [
            "env AWS_ACCESS_KEY_ID",
            "env AWS_SECRET_ACCESS_KEY",
            "read ~/.aws"
        ]
    );
    let refused: Vec<String> = report.refused().map(|l| l.what.clone()).collect();
    for name in [
        "AWS_ACCESS_KEY",
        "EC2_ACCESS_KEY",
        "EC2_SECRET_KEY",
        "AWS_PROFILE",
    ] {
        assert!(
            refused.iter().any(|r| r == name),
            "{name} not in {refused:?}"
        );
    }
}
