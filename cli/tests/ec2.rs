//! `strato` against the EC2 provider on moto (with signature checking on):
//! the demo and the conformance kit, given a Juju-style `clouds.yaml` and
//! `credentials.yaml`, or a fixture, whose endpoint is moto's.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use strato_tests::guests;
use strato_tests::moto::{Moto, REGION};

/// moto's built-in Ubuntu image (the demo sends no image metadata).
const IMAGE: &str = "ami-785db401";

fn strato(cache: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_strato"));
    cmd.env("XDG_CACHE_HOME", cache).env_remove("RUST_LOG");
    cmd
}

fn start_moto() -> Moto {
    Moto::start().unwrap_or_else(|e| panic!("moto: {e}"))
}

fn write(dir: &Path, name: &str, text: &str) -> anyhow::Result<PathBuf> {
    let path = dir.join(name);
    std::fs::write(&path, text)?;
    Ok(path)
}

/// `clouds.yaml` with an `ec2` cloud `moto` (plus another cloud, so
/// `--cloud` matters) and `credentials.yaml` with the moto user's key.
fn cloud_files(dir: &Path, moto: &Moto) -> anyhow::Result<(PathBuf, PathBuf)> {
    let clouds = write(
        dir,
        "clouds.yaml",
        &format!(
            "clouds:\n  \
               moto:\n    \
                 type: ec2\n    \
                 auth-types: [access-key]\n    \
                 endpoint: {endpoint}\n    \
                 regions:\n      \
                   {REGION}: {{}}\n    \
                 config:\n      \
                   image-id: {IMAGE}\n  \
               moto-global:\n    \
                 type: ec2\n    \
                 endpoint: {endpoint}\n    \
                 regions: [{REGION}]\n    \
                 config: {{ image-id: {IMAGE}, firewall-mode: global }}\n  \
               elsewhere:\n    \
                 type: ec2\n    \
                 endpoint: http://127.0.0.1:9\n",
            endpoint = moto.endpoint()
        ),
    )?;
    let credentials = write(
        dir,
        "credentials.yaml",
        &format!(
            "credentials:\n  \
               moto:\n    \
                 default-region: {REGION}\n    \
                 moto-user:\n      \
                   auth-type: access-key\n      \
                   access-key: {key}\n      \
                   secret-key: {secret}\n  \
               moto-global:\n    \
                 moto-user: {{ auth-type: access-key, access-key: {key}, secret-key: {secret} }}\n",
            key = moto.access_key(),
            secret = moto.secret_key()
        ),
    )?;
    Ok((clouds, credentials))
}

/// Instances moto still has running or pending.
fn live_instances(moto: &Moto) -> usize {
    let out = moto
        .boto3(
            "r = ec2.describe_instances(Filters=[{'Name': 'instance-state-name', \
             'Values': ['pending', 'running']}])\n\
             print(sum(len(x['Instances']) for x in r['Reservations']))",
        )
        .unwrap_or_else(|e| panic!("boto3: {e}"));
    out.trim()
        .parse()
        .unwrap_or_else(|e| panic!("{out:?}: {e}"))
}

/// Runs the demo on `cloud`; its standard output and error.
fn demo(dir: &Path, moto: &Moto, cloud: &str) -> anyhow::Result<(String, String)> {
    let (clouds, credentials) = cloud_files(dir, moto)?;
    let out = strato(dir)
        .args([
            "--audit",
            "demo",
            "--provider",
            guests::STRATO_EC2_COMPONENT,
        ])
        .arg("--clouds")
        .arg(&clouds)
        .arg("--credentials")
        .arg(&credentials)
        .args(["--cloud", cloud])
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "demo on {cloud} failed:\n{text}\n{err}\nmoto:\n{}",
        moto.log()
    );
    for expected in [
        "the provider strato_ec2",
        &format!("cloud {cloud}/{REGION} at {}", moto.endpoint()),
        "credential moto-user",
        "state directory: none",
        "common.Bootstrap",
        "start machine 3 in us-east-1",
        "80/tcp from 0.0.0.0/0",
        "8080-8081/tcp from 0.0.0.0/0",
        "stop machine 2",
        "destroy the model",
        "0 instances left",
    ] {
        assert!(
            text.contains(expected),
            "demo output lacks {expected:?}:\n{text}"
        );
    }
    // The component reached moto and nothing else.
    let network: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("audit: ") && l.contains("http"))
        .collect();
    assert!(
        network
            .iter()
            .any(|l| l.starts_with("audit: ALLOWED network"))
            && network.iter().any(|l| l.starts_with("audit: ALLOWED sign")),
        "no signed requests audited:\n{err}"
    );
    for line in &network {
        assert!(
            line.contains(moto.endpoint()) && line.starts_with("audit: ALLOWED"),
            "a request beyond moto's endpoint: {line}\n{err}"
        );
    }
    assert_eq!(live_instances(moto), 0, "the demo left instances behind");
    Ok((text, err))
}

// Both firewall modes: per instance (the provider exports an instance
// firewaller), and global when the cloud's config says so.
#[test]
fn demo_runs_the_ec2_provider_on_moto_from_clouds_yaml() -> anyhow::Result<()> {
    let moto = start_moto();
    let dir = tempfile::tempdir()?;
    let (text, _) = demo(dir.path(), &moto, "moto")?;
    assert!(text.contains("firewall-mode instance"), "{text}");
    assert!(text.contains("open 80/tcp 443/tcp on i-"), "{text}");
    let (text, _) = demo(dir.path(), &moto, "moto-global")?;
    assert!(text.contains("firewall-mode global"), "{text}");
    assert!(text.contains("open 80/tcp 443/tcp on the model"), "{text}");
    Ok(())
}

#[test]
fn demo_names_an_unknown_cloud_as_bad_input() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let clouds = write(
        dir.path(),
        "clouds.yaml",
        "clouds:\n  a: { type: ec2 }\n  b: { type: ec2 }\n",
    )?;
    let out = strato(dir.path())
        .args(["demo", "--provider", guests::STRATO_EC2_COMPONENT])
        .arg("--clouds")
        .arg(&clouds)
        .output()?;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("several clouds, pass --cloud NAME"), "{err}");
    // --clouds without --provider is a usage error.
    let out = strato(dir.path())
        .args(["demo", "--clouds"])
        .arg(&clouds)
        .output()?;
    assert_eq!(out.status.code(), Some(2));
    Ok(())
}

#[test]
fn conformance_runs_the_ec2_provider_on_moto_with_a_fixture() -> anyhow::Result<()> {
    let moto = start_moto();
    let dir = tempfile::tempdir()?;
    let shipped =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance/fixtures/ec2-moto.yaml");
    let fixture = std::fs::read_to_string(shipped)?
        .replace("http://127.0.0.1:1", moto.endpoint())
        .replace("moto-access-key", moto.access_key())
        .replace("moto-secret-key", moto.secret_key());
    let fixture = write(dir.path(), "ec2.yaml", &fixture)?;
    let out = strato(dir.path())
        .args(["conformance", guests::STRATO_EC2_COMPONENT, "--fixture"])
        .arg(&fixture)
        .args([
            "--only",
            "bootstrap,bootstrap-twice,destroy-controller,start-stop",
        ])
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "conformance failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("4 passed, 0 failed"), "{text}");
    assert_eq!(live_instances(&moto), 0, "the contracts left instances");
    Ok(())
}
