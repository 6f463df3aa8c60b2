//! `strato` against the EC2 provider on moto (with signature checking on):
//! the demo and the conformance kit, given a Juju-style `clouds.yaml` and
//! `credentials.yaml`, or a fixture, whose endpoint is moto's.

use std::path::{Path, PathBuf};

mod common;

use assert_cmd::Command;
use common::strato;
use strato_tests::guests;
use strato_tests::moto::{Moto, REGION};

/// moto's built-in Ubuntu image (the demo sends no image metadata).
const IMAGE: &str = "ami-785db401";

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

/// `strato` with `dir/data` as its data directory.
fn in_home(dir: &Path) -> Command {
    let mut cmd = strato(dir);
    cmd.env("STRATO_DATA", dir.join("data"));
    cmd
}

/// Runs a lifecycle step; its stdout (the test fails with moto's log if
/// the step fails).
fn step(dir: &Path, moto: &Moto, args: &[&str]) -> anyhow::Result<String> {
    let out = in_home(dir).args(args).output()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "strato {args:?} failed:\n{text}\n{}\nmoto:\n{}",
        String::from_utf8_lossy(&out.stderr),
        moto.log()
    );
    Ok(text)
}

// A Juju-style session on EC2-on-moto, each step its own process: the
// clouds and credentials in the data directory, the EC2 component in its
// providers directory.
#[test]
fn lifecycle_session_on_moto() -> anyhow::Result<()> {
    let moto = start_moto();
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let data = d.join("data");
    std::fs::create_dir_all(data.join("providers"))?;
    let (clouds, credentials) = cloud_files(d, &moto)?;
    std::fs::copy(&clouds, data.join("clouds.yaml"))?;
    std::fs::copy(&credentials, data.join("credentials.yaml"))?;
    std::fs::copy(
        guests::STRATO_EC2_COMPONENT,
        data.join("providers/ec2.wasm"),
    )?;

    let text = step(d, &moto, &["bootstrap", &format!("moto/{REGION}"), "ctl"])?;
    assert!(
        text.contains(&format!(
            "Launching controller instance(s) on moto/{REGION}"
        )),
        "{text}"
    );
    assert!(text.contains("Initial model \"default\" added"), "{text}");
    assert_eq!(live_instances(&moto), 1, "the bootstrap instance");
    let controllers = step(d, &moto, &["controllers", "--format", "json"])?;
    let controllers: serde_json::Value = serde_json::from_str(&controllers)?;
    assert_eq!(controllers[0]["provider"], "ec2", "{controllers}");
    assert_eq!(controllers[0]["credential"], "moto-user", "{controllers}");

    let text = step(d, &moto, &["add-machine", "-n", "2"])?;
    assert!(text.contains("created machine 1 (i-"), "{text}");
    assert_eq!(live_instances(&moto), 3);

    let status: serde_json::Value =
        serde_json::from_str(&step(d, &moto, &["status", "--format", "json"])?)?;
    assert_eq!(status["model"]["cloud"], "moto", "{status}");
    assert_eq!(status["model"]["region"], REGION, "{status}");
    let machines = status["machines"].as_array().cloned().unwrap_or_default();
    assert_eq!(machines.len(), 2, "{status}");
    for m in &machines {
        assert!(
            m["instance-id"]
                .as_str()
                .is_some_and(|i| i.starts_with("i-")),
            "{m}"
        );
        assert!(
            m["zone"].as_str().is_some_and(|z| z.starts_with(REGION)),
            "{m}"
        );
        assert_eq!(m["status"], "running", "{m}");
        assert!(
            m["hardware"].as_str().is_some_and(|h| h.contains("mem=")),
            "{m}"
        );
    }
    let table = step(d, &moto, &["status"])?;
    assert!(
        table.contains("MACHINE") && table.contains(REGION),
        "{table}"
    );

    let text = step(d, &moto, &["open-port", "80", "--machine", "0"])?;
    assert!(text.contains("opened 80/tcp on machine 0"), "{text}");
    let ports: serde_json::Value =
        serde_json::from_str(&step(d, &moto, &["ports", "--format", "json"])?)?;
    assert_eq!(ports["firewall-mode"], "instance", "{ports}");
    assert_eq!(
        ports["rules"][0]["ports"][0], "80/tcp from 0.0.0.0/0",
        "{ports}"
    );

    let types: serde_json::Value = serde_json::from_str(&step(
        d,
        &moto,
        &[
            "instance-types",
            "--constraints",
            "mem=8G",
            "--format",
            "json",
        ],
    )?)?;
    let types = types.as_array().cloned().unwrap_or_default();
    assert!(!types.is_empty(), "no EC2 instance types");
    for t in &types {
        assert!(t["mem"].as_u64().is_some_and(|m| m >= 8192), "{t}");
        assert!(t["cost"].as_f64().is_some_and(|c| c > 0.0), "{t}");
    }

    let text = step(d, &moto, &["remove-machine", "1"])?;
    assert!(text.contains("removed machine 1"), "{text}");
    assert_eq!(live_instances(&moto), 2);

    let out = in_home(d)
        .args(["destroy-controller", "ctl", "-y"])
        .output()?;
    assert_eq!(
        out.status.code(),
        Some(2),
        "refused while default has a machine"
    );
    step(
        d,
        &moto,
        &["destroy-controller", "ctl", "-y", "--destroy-all-models"],
    )?;
    assert_eq!(
        live_instances(&moto),
        0,
        "destroy-controller left instances"
    );
    let out = in_home(d).arg("status").output()?;
    assert_eq!(out.status.code(), Some(2));

    // firewall-mode global from the cloud's config: rules for the model.
    step(d, &moto, &["bootstrap", "moto-global", "glob"])?;
    step(d, &moto, &["add-machine"])?;
    let text = step(d, &moto, &["open-port", "443"])?;
    assert!(
        text.contains("opened 443/tcp for model \"default\""),
        "{text}"
    );
    let ports: serde_json::Value =
        serde_json::from_str(&step(d, &moto, &["ports", "--format", "json"])?)?;
    assert_eq!(ports["firewall-mode"], "global", "{ports}");
    assert_eq!(
        ports["rules"][0]["ports"][0], "443/tcp from 0.0.0.0/0",
        "{ports}"
    );
    step(
        d,
        &moto,
        &["destroy-controller", "glob", "-y", "--destroy-all-models"],
    )?;
    assert_eq!(
        live_instances(&moto),
        0,
        "destroy-controller left instances"
    );

    // The cloud gone: kill-controller still forgets the controller.
    step(d, &moto, &["bootstrap", "moto", "gone"])?;
    drop(moto);
    let out = in_home(d)
        .args(["kill-controller", "gone", "-y", "--timeout", "20"])
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("WARNING could not destroy"), "{text}");
    assert!(text.contains("Controller \"gone\" forgotten"), "{text}");
    let out = in_home(d).arg("controllers").output()?;
    assert!(String::from_utf8_lossy(&out.stdout).contains("No controllers"));
    Ok(())
}
