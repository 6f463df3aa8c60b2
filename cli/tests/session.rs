//! A whole Juju-style session with the dummy provider, one `strato`
//! process per step, sharing a data directory: what one command records
//! (controllers, models, machines, the provider's state) the next one
//! finds.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

/// `strato` with its own data directory and compile cache.
fn strato(data: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_strato"));
    cmd.env("STRATO_DATA", data.join("data"))
        .env("XDG_CACHE_HOME", data.join("cache"))
        .env_remove("RUST_LOG");
    cmd
}

/// Runs `args`; its stdout, failing the test (with stderr) if it fails.
fn ok(data: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = strato(data).args(args).output()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "strato {args:?} failed ({:?}):\n{text}\n{err}",
        out.status.code()
    );
    Ok(text)
}

/// Runs `args`, expecting failure; its exit code and stderr.
fn fails(data: &Path, args: &[&str]) -> anyhow::Result<(Option<i32>, String)> {
    let out = strato(data).args(args).output()?;
    assert!(
        !out.status.success(),
        "strato {args:?} succeeded:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    Ok((
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

fn status_json(data: &Path) -> anyhow::Result<Value> {
    Ok(serde_json::from_str(&ok(
        data,
        &["status", "--format", "json"],
    )?)?)
}

fn machine_ids(status: &Value) -> Vec<String> {
    status["machines"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|m| m["id"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn a_dummy_session_from_bootstrap_to_destroy() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let d = dir.path();

    // Bootstrap: plain progress lines (stdout is not a terminal), then the result.
    let text = ok(d, &["bootstrap", "dummy", "c1"])?;
    for expected in [
        "Creating Juju controller \"c1\" on dummy/dummy-region",
        "Bootstrap complete, controller \"c1\" is now available",
        "Initial model \"default\" added",
    ] {
        assert!(
            text.contains(expected),
            "bootstrap lacks {expected:?}:\n{text}"
        );
    }
    let controllers = ok(d, &["controllers"])?;
    assert!(controllers.contains("c1*"), "{controllers}");
    let models = ok(d, &["models"])?;
    assert!(
        models.contains("default*") && models.contains("controller"),
        "{models}"
    );
    // The controller model's machine 0 is the bootstrap instance.
    let ctl: Value = serde_json::from_str(&ok(
        d,
        &["machines", "-m", "c1:controller", "--format", "json"],
    )?)?;
    assert_eq!(machine_ids(&ctl), ["0"], "{ctl}");

    // Two machines in the default model, numbered from 0 as Juju does.
    let text = ok(d, &["add-machine", "-n", "2"])?;
    assert!(
        text.contains("created machine 0") && text.contains("created machine 1"),
        "{text}"
    );
    let status = status_json(d)?;
    assert_eq!(status["model"]["name"], "default", "{status}");
    assert_eq!(status["model"]["controller"], "c1", "{status}");
    assert_eq!(status["model"]["cloud"], "dummy", "{status}");
    assert_eq!(status["model"]["region"], "dummy-region", "{status}");
    assert_eq!(status["model"]["firewall-mode"], "instance", "{status}");
    assert_eq!(machine_ids(&status), ["0", "1"], "{status}");
    let machines = status["machines"].as_array().cloned().unwrap_or_default();
    let mut zones = Vec::new();
    for m in &machines {
        for key in ["instance-id", "status", "zone", "hardware"] {
            assert!(
                m[key].as_str().is_some_and(|v| !v.is_empty()),
                "machine lacks {key}: {m}"
            );
        }
        assert!(
            m["addresses"].as_array().is_some_and(|a| !a.is_empty()),
            "{m}"
        );
        zones.push(m["zone"].as_str().unwrap_or("").to_string());
    }
    // Spread over zones, never the unavailable zone2.
    assert_ne!(zones[0], zones[1], "{zones:?}");
    assert!(!zones.contains(&"zone2".to_string()), "{zones:?}");
    let yaml = ok(d, &["status", "--format", "yaml"])?;
    assert!(yaml.contains("firewall-mode: instance"), "{yaml}");
    assert!(yaml.contains("instance-id:"), "{yaml}");
    let table = ok(d, &["status"])?;
    for column in [
        "MACHINE",
        "INSTANCE ID",
        "STATUS",
        "ZONE",
        "ADDRESSES",
        "HARDWARE",
    ] {
        assert!(table.contains(column), "{table}");
    }

    // Ports on machine 0, seen by a later process, then closed.
    let text = ok(d, &["open-port", "80", "--machine", "0"])?;
    assert!(text.contains("opened 80/tcp on machine 0"), "{text}");
    let ports: Value = serde_json::from_str(&ok(d, &["ports", "--format", "json"])?)?;
    assert_eq!(ports["firewall-mode"], "instance", "{ports}");
    assert_eq!(ports["rules"][0]["machine"], "0", "{ports}");
    assert_eq!(
        ports["rules"][0]["ports"][0], "80/tcp from 0.0.0.0/0",
        "{ports}"
    );
    assert_eq!(ports["rules"][1]["ports"], Value::Array(vec![]), "{ports}");
    ok(d, &["close-port", "80", "--machine", "0"])?;
    let ports = ok(d, &["ports"])?;
    assert!(!ports.contains("80/tcp"), "{ports}");

    // Remove machine 1: the provider no longer has it, the store forgets it.
    let text = ok(d, &["remove-machine", "1"])?;
    assert!(text.contains("removed machine 1"), "{text}");
    assert_eq!(machine_ids(&status_json(d)?), ["0"]);
    // The next machine gets a new number.
    ok(d, &["add-machine"])?;
    assert_eq!(machine_ids(&status_json(d)?), ["0", "2"]);

    // A model with machines keeps the controller alive, as in Juju.
    let (code, err) = fails(d, &["destroy-controller", "c1", "-y"])?;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--destroy-all-models"), "{err}");
    assert!(err.contains("default (2 machines)"), "{err}");
    let text = ok(
        d,
        &["destroy-controller", "c1", "-y", "--destroy-all-models"],
    )?;
    assert!(text.contains("Controller \"c1\" destroyed"), "{text}");

    // Nothing left: status says how to start again.
    let (code, err) = fails(d, &["status"])?;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no current controller"), "{err}");
    assert!(err.contains("strato bootstrap"), "{err}");
    assert!(ok(d, &["controllers"])?.contains("No controllers"));
    // The dummy's state directory holds no model any more.
    let state = d.join("data/state/dummy/dummy");
    let left: Vec<_> = std::fs::read_dir(&state)?.filter_map(|e| e.ok()).collect();
    assert!(left.is_empty(), "state left behind: {left:?}");
    Ok(())
}

#[test]
fn global_firewall_mode_destroy_model_and_switch() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    ok(
        d,
        &[
            "bootstrap",
            "dummy",
            "g",
            "--config",
            "firewall-mode=global",
        ],
    )?;
    // --quiet: the results only, no progress.
    let text = ok(d, &["--quiet", "bootstrap", "dummy", "other"])?;
    assert!(!text.contains("Creating Juju controller"), "{text}");
    assert!(text.contains("Initial model \"default\" added"), "{text}");
    // The last bootstrap is current; switch back.
    let text = ok(d, &["switch", "g"])?;
    assert!(text.contains("-> g:default"), "{text}");
    ok(d, &["add-machine", "--to", "zone=zone4"])?;
    let status = status_json(d)?;
    assert_eq!(status["model"]["firewall-mode"], "global", "{status}");
    assert_eq!(status["machines"][0]["zone"], "zone4", "{status}");
    // Model-wide rules, without a machine.
    let text = ok(d, &["open-port", "443"])?;
    assert!(text.contains("for model \"default\""), "{text}");
    let ports: Value = serde_json::from_str(&ok(d, &["ports", "--format", "json"])?)?;
    assert_eq!(ports["rules"][0]["machine"], Value::Null, "{ports}");
    assert_eq!(
        ports["rules"][0]["ports"][0], "443/tcp from 0.0.0.0/0",
        "{ports}"
    );

    // The controller model only goes with its controller.
    let (code, err) = fails(d, &["destroy-model", "controller", "-y"])?;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("destroy-controller g"), "{err}");
    // Without a terminal, destroying asks for --yes.
    let (_, err) = fails(d, &["destroy-model", "default"])?;
    assert!(err.contains("--yes"), "{err}");
    let text = ok(d, &["destroy-model", "default", "-y"])?;
    assert!(text.contains("Model \"default\" destroyed"), "{text}");
    let (_, err) = fails(d, &["status"])?;
    assert!(err.contains("has no current model"), "{err}");
    // Nothing hosted is left: destroy-controller needs no flag.
    ok(d, &["destroy-controller", "g", "-y"])?;
    // kill-controller forgets the other one.
    let text = ok(d, &["kill-controller", "other", "-y"])?;
    assert!(text.contains("Controller \"other\" forgotten"), "{text}");
    assert!(ok(d, &["controllers"])?.contains("No controllers"));
    Ok(())
}

#[test]
fn bad_input_names_what_is_wrong_with_a_hint() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    let (code, err) = fails(d, &["bootstrap", "nosuchcloud", "c"])?;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("\"nosuchcloud\" not found"), "{err}");
    assert!(err.contains("add-cloud"), "{err}");

    let (code, err) = fails(d, &["bootstrap", "dummy/nowhere", "c"])?;
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("no region \"nowhere\"") && err.contains("dummy-region"),
        "{err}"
    );

    // A cloud whose auth types need a credential, with none added.
    let data = d.join("data");
    std::fs::create_dir_all(&data)?;
    std::fs::write(
        data.join("clouds.yaml"),
        "clouds:\n  mycloud:\n    type: ec2\n    auth-types: [access-key]\n    endpoint: http://127.0.0.1:9\n    regions:\n      us-east-1: {}\n",
    )?;
    let (code, err) = fails(d, &["bootstrap", "mycloud", "c"])?;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no credential for cloud \"mycloud\""), "{err}");
    assert!(err.contains("strato add-credential mycloud"), "{err}");

    // With a credential, a provider component that does not load.
    std::fs::write(
        data.join("credentials.yaml"),
        "credentials:\n  mycloud:\n    me: { auth-type: access-key, access-key: A, secret-key: S }\n",
    )?;
    let (code, err) = fails(d, &["bootstrap", "mycloud", "c"])?;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("copy the component to"), "{err}");
    std::fs::create_dir_all(data.join("providers"))?;
    std::fs::write(data.join("providers/ec2.wasm"), b"not a component")?;
    let (code, err) = fails(d, &["bootstrap", "mycloud", "c"])?;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("loading the ec2 provider"), "{err}");
    assert!(ok(d, &["controllers"])?.contains("No controllers"));

    // No controller yet; an unknown one; bad flags.
    let (code, err) = fails(d, &["add-machine"])?;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no current controller"), "{err}");
    let (_, err) = fails(d, &["destroy-controller", "ghost", "-y"])?;
    assert!(err.contains("controller \"ghost\" not found"), "{err}");

    ok(d, &["bootstrap", "dummy", "c", "--constraints", "mem=2G"])?;
    let (code, err) = fails(d, &["bootstrap", "dummy", "c"])?;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("already exists"), "{err}");
    let (code, err) = fails(d, &["add-machine", "--constraints", "mem=lots"])?;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--constraints"), "{err}");
    let (code, err) = fails(d, &["remove-machine", "7"])?;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("machine 7 not found"), "{err}");
    let (code, err) = fails(d, &["remove-machine", "0", "-m", "controller"])?;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("controller's machine"), "{err}");
    let (code, err) = fails(d, &["open-port", "99999", "--machine", "0"])?;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("invalid port range"), "{err}");
    let (_, err) = fails(d, &["status", "-m", "c:nomodel"])?;
    assert!(err.contains("model \"nomodel\" not found"), "{err}");
    // A zone the provider refuses up front is bad input.
    let (code, err) = fails(d, &["add-machine", "--to", "zone=zone2"])?;
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("zone2"), "{err}");
    ok(d, &["kill-controller", "c", "-y"])?;

    // A provider failure is exit 1, names the failure and points at the log.
    ok(
        d,
        &[
            "bootstrap",
            "dummy",
            "b",
            "--config",
            "broken=StartInstance",
        ],
    )?;
    let (code, err) = fails(d, &["add-machine", "--retries", "0", "--retry-delay", "0"])?;
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("dummy.StartInstance is broken"), "{err}");
    assert!(err.contains("--verbose"), "{err}");
    assert!(machine_ids(&status_json(d)?).is_empty());
    ok(d, &["destroy-controller", "b", "-y"])?;
    Ok(())
}

#[test]
fn instance_types_spaces_and_subnets() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let d = dir.path();
    ok(
        d,
        &["bootstrap", "dummy", "c", "--constraints", "mem=4G cores=2"],
    )?;
    // The model's constraints, under each machine's own.
    ok(d, &["add-machine"])?;
    ok(d, &["add-machine", "--constraints", "mem=8G"])?;
    let status = status_json(d)?;
    let hw = |i: usize| {
        status["machines"][i]["hardware"]
            .as_str()
            .unwrap_or("")
            .to_string()
    };
    assert!(
        hw(0).contains("mem=4G") && hw(0).contains("cores=2"),
        "{status}"
    );
    assert!(
        hw(1).contains("mem=8G") && hw(1).contains("cores=2"),
        "{status}"
    );
    let types: Value = serde_json::from_str(&ok(
        d,
        &[
            "instance-types",
            "--constraints",
            "mem=8G",
            "--format",
            "json",
        ],
    )?)?;
    let list = types.as_array().cloned().unwrap_or_default();
    assert!(!list.is_empty(), "{types}");
    for t in &list {
        assert!(t["mem"].as_u64().is_some_and(|m| m >= 8192), "{t}");
        assert!(t["cost"].as_f64().is_some_and(|c| c > 0.0), "{t}");
        assert_eq!(t["cost-unit"], "USD/h", "{t}");
    }
    let table = ok(d, &["instance-types"])?;
    assert!(table.contains("COST") && table.contains("USD/h"), "{table}");
    let spaces = ok(d, &["spaces"])?;
    assert!(spaces.contains("192.168.1.0/24"), "{spaces}");
    let subnets: Value = serde_json::from_str(&ok(d, &["subnets", "--format", "json"])?)?;
    assert!(
        subnets.as_array().is_some_and(|s| s
            .iter()
            .any(|n| n["zones"].as_array().is_some_and(|z| !z.is_empty()))),
        "{subnets}"
    );
    ok(
        d,
        &["destroy-controller", "c", "-y", "--destroy-all-models"],
    )?;
    Ok(())
}
