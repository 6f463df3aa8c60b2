//! `strato conformance`: one line per contract, exit status, `--only`,
//! JSON, and the bad inputs.

mod common;

use common::{dummy_component, stderr_of, stdout_of, strato};

/// The dummy's fixture (Juju's dummy.SampleConfig()) with `broken: Instances`.
const BROKEN_FIXTURE: &str = r#"
config:
  name: testmodel
  type: dummy
  uuid: deadbeef-0bad-400d-8000-4b1d0d06f00d
  firewall-mode: instance
  controller: true
  broken: Instances
  secret: pork
cloud:
  type: dummy
  name: dummy
  region: dummy-region
  endpoint: dummy-endpoint
credential:
  auth-type: userpass
  attributes: { username: dummy, password: secret }
controller-uuid: deadbeef-1bad-500d-9000-4b1d0d06f00d
expect:
  auth-types: [empty, userpass]
  hidden-attributes: { userpass: [password] }
"#;

#[test]
fn conformance_passes_on_the_dummy() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let wasm = dummy_component(dir.path())?;
    let out = strato(dir.path()).arg("conformance").arg(&wasm).output()?;
    let text = stdout_of(&out);
    assert!(out.status.success(), "{text}\n{}", stderr_of(&out));
    assert!(text.contains("dummy provider's fixture"), "{text}");
    assert!(text.contains("pass  instances-partial"), "{text}");
    assert!(text.contains(" 0 failed"), "{text}");
    Ok(())
}

#[test]
fn conformance_only_and_json() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let wasm = dummy_component(dir.path())?;
    let out = strato(dir.path())
        .arg("conformance")
        .arg(&wasm)
        .args([
            "--only",
            "instances-empty,instances-none",
            "--format",
            "json",
        ])
        .output()?;
    assert!(out.status.success(), "{}", stderr_of(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(json["passed"], 2, "{json}");
    assert_eq!(json["failed"], 0, "{json}");
    assert_eq!(json["results"][0]["id"], "instances-empty", "{json}");
    Ok(())
}

#[test]
fn conformance_reports_a_broken_provider() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let wasm = dummy_component(dir.path())?;
    let fixture = dir.path().join("broken.yaml");
    std::fs::write(&fixture, BROKEN_FIXTURE)?;
    let out = strato(dir.path())
        .arg("conformance")
        .arg(&wasm)
        .arg("--fixture")
        .arg(&fixture)
        .output()?;
    let text = stdout_of(&out);
    assert_eq!(out.status.code(), Some(1), "{text}\n{}", stderr_of(&out));
    assert!(text.contains("FAIL  instances-partial"), "{text}");
    assert!(text.contains("dummy.Instances is broken"), "{text}");
    assert_eq!(stderr_of(&out).lines().count(), 1, "{}", stderr_of(&out));
    Ok(())
}

#[test]
fn conformance_rejects_a_missing_fixture() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let wasm = dummy_component(dir.path())?;
    let out = strato(dir.path())
        .arg("conformance")
        .arg(&wasm)
        .arg("--fixture")
        .arg(dir.path().join("nope.yaml"))
        .output()?;
    assert_eq!(out.status.code(), Some(2));
    let err = stderr_of(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("nope.yaml"), "{err}");
    Ok(())
}

#[test]
fn conformance_rejects_an_unknown_contract_id() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let wasm = dummy_component(dir.path())?;
    let out = strato(dir.path())
        .arg("conformance")
        .arg(&wasm)
        .args(["--only", "no-such-contract"])
        .output()?;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("no-such-contract"));
    Ok(())
}
