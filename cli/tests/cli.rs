//! The `strato` binary, run as a user would run it: demo, inspect, help,
//! policy and audit (conformance: `conformance.rs`).

mod common;

use std::path::Path;

use common::{dummy_component, stderr_of, stdout_of, strato};

#[test]
fn demo_runs_the_lifecycle_and_caches_the_compiled_component() -> anyhow::Result<()> {
    let cache = tempfile::tempdir()?;
    let first = strato(cache.path()).arg("demo").output()?;
    let text = stdout_of(&first);
    assert!(
        first.status.success(),
        "demo failed:\n{text}\n{}",
        stderr_of(&first)
    );

    for expected in [
        "bootstrap a controller",
        "finalize the bootstrap",
        "zone2  unavailable: skipped",
        "open 80/tcp 443/tcp on",
        "open 8080-8081/tcp on",
        "80/tcp from 0.0.0.0/0",
        "8080-8081/tcp from 0.0.0.0/0",
        "stop machine 2",
        "destroy the model",
        "compiled in",
    ] {
        assert!(
            text.contains(expected),
            "demo output lacks {expected:?}:\n{text}"
        );
    }
    let zones: Vec<&str> = text
        .lines()
        .filter_map(|l| {
            l.trim_start()
                .split_once(". start machine ")
                .map(|(_, rest)| rest)
        })
        .filter_map(|rest| rest.split_whitespace().nth(2))
        .collect();
    assert_eq!(zones.len(), 3, "three machines started:\n{text}");
    assert!(
        !zones.contains(&"zone2"),
        "a machine landed in zone2: {zones:?}"
    );

    let second = strato(cache.path()).arg("demo").output()?;
    let text = stdout_of(&second);
    assert!(
        second.status.success(),
        "second demo failed:\n{text}\n{}",
        stderr_of(&second)
    );
    assert!(
        text.contains("from the compile cache"),
        "second run did not use the cache:\n{text}"
    );
    Ok(())
}

#[test]
fn demo_keeps_a_given_state_dir() -> anyhow::Result<()> {
    let cache = tempfile::tempdir()?;
    let state = tempfile::tempdir()?;
    let out = strato(cache.path())
        .args(["--quiet", "demo", "--state-dir"])
        .arg(state.path())
        .output()?;
    assert!(out.status.success(), "{}", stderr_of(&out));
    // --quiet: only the instance tables.
    let text = stdout_of(&out);
    assert!(
        text.contains("ZONE") && !text.contains("bootstrap"),
        "{text}"
    );
    assert!(state.path().exists());
    Ok(())
}

#[test]
fn demo_reports_a_failed_step_in_one_line() -> anyhow::Result<()> {
    let cache = tempfile::tempdir()?;
    // The dummy's `broken` attribute makes StartInstance fail.
    let out = strato(cache.path())
        .args(["demo", "--broken", "StartInstance"])
        .output()?;
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: start-instance failed: "), "{err}");
    assert!(
        err.contains("StartInstance is broken") && err.trim_end().ends_with(')'),
        "{err}"
    );
    assert!(stdout_of(&out).contains("FAILED"));
    Ok(())
}

#[test]
fn inspect_lists_what_the_dummy_exports() -> anyhow::Result<()> {
    let cache = tempfile::tempdir()?;
    let wasm = cache.path().join("dummy.wasm");
    let out = strato(cache.path())
        .arg("dummy-component")
        .arg(&wasm)
        .output()?;
    assert!(out.status.success(), "{}", stderr_of(&out));

    let out = strato(cache.path()).arg("inspect").arg(&wasm).output()?;
    let text = stdout_of(&out);
    assert!(out.status.success(), "{text}\n{}", stderr_of(&out));
    for name in [
        "firewaller",
        "instance-firewaller",
        "networking",
        "availability-zones",
    ] {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} not listed:\n{text}"));
        assert!(
            line.trim_end().ends_with("yes"),
            "{name} not exported: {line}"
        );
    }
    for expected in [
        "juju:environs",
        "contract",
        "juju:environs@0.2.0",
        "sha256",
        "compile time",
        "imports",
    ] {
        assert!(
            text.contains(expected),
            "inspect output lacks {expected:?}:\n{text}"
        );
    }

    let out = strato(cache.path())
        .args(["inspect", "--no-compile", "--format", "json"])
        .arg(&wasm)
        .output()?;
    assert!(out.status.success(), "{}", stderr_of(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(json["wit_version"], "0.2.0");
    assert!(json["compile_time_ms"].is_null());
    let exported = |name: &str| {
        json["optional_interfaces"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|e| e["name"] == name && e["exported"] == true)
    };
    assert!(exported("firewaller") && exported("networking") && exported("availability-zones"));
    Ok(())
}

/// Runs `strato inspect` on `bytes` and checks the bad-input contract:
/// exit 2 and one line `error: <path>: <what>`.
fn assert_rejected(bytes: &[u8], what: &str) -> anyhow::Result<String> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("input.wasm");
    std::fs::write(&path, bytes)?;
    let out = strato(dir.path()).arg("inspect").arg(&path).output()?;
    let err = stderr_of(&out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{what}: exit status; stderr:\n{err}"
    );
    assert_eq!(err.lines().count(), 1, "{what}: not one line:\n{err}");
    let prefix = format!("error: {}: ", path.display());
    assert!(err.starts_with(&prefix), "{what}: {err}");
    Ok(err)
}

#[test]
fn inspect_rejects_random_bytes() -> anyhow::Result<()> {
    // Fixed "random" bytes: a test must not depend on luck.
    let bytes: Vec<u8> = (0u32..4096)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert_rejected(&bytes, "random bytes")?;
    Ok(())
}

#[test]
fn inspect_rejects_a_core_module() -> anyhow::Result<()> {
    let module = wat::parse_str("(module)")?;
    assert_rejected(&module, "core module")?;
    Ok(())
}

#[test]
fn inspect_rejects_a_component_of_another_world() -> anyhow::Result<()> {
    let component = wat::parse_str(
        r#"(component
             (core module $m (func (export "run")))
             (core instance $i (instantiate $m))
             (func (export "run") (canon lift (core func $i "run"))))"#,
    )?;
    assert_rejected(&component, "component of another world")?;
    assert_rejected(&wat::parse_str("(component)")?, "empty component")?;
    Ok(())
}

#[test]
fn inspect_names_the_components_own_world_and_marks_stubbed_imports() -> anyhow::Result<()> {
    // Names only: `--no-compile` reads the import and export sections.
    let component = wat::parse_str(
        r#"(component
             (import "wasi:sockets/tcp@0.2.9" (instance))
             (import "wasi:filesystem/preopens@0.2.9" (instance))
             (instance $p) (export "juju:environs/provider@0.1.0" (instance $p))
             (instance $e) (export "juju:environs/environ@0.1.0" (instance $e))
             (instance $z) (export "juju:environs/availability-zones@0.1.0" (instance $z))
             (instance $f) (export "juju:environs/firewaller@0.1.0" (instance $f)))"#,
    )?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("own-world.wasm");
    std::fs::write(&path, component)?;
    let out = strato(dir.path())
        .args(["inspect", "--no-compile"])
        .arg(&path)
        .output()?;
    let text = stdout_of(&out);
    assert!(out.status.success(), "{text}\n{}", stderr_of(&out));
    let world = "juju:environs/base-provider@0.1.0 + firewaller, availability-zones";
    assert!(
        text.lines()
            .any(|l| l.trim() == format!("world         {world}")),
        "{text}"
    );
    assert!(text.contains("1 stubbed: calls trap"), "{text}");
    let sockets = text.lines().find(|l| l.contains("wasi:sockets@0.2.9"));
    assert!(
        sockets.is_some_and(|l| l.ends_with("tcp  [stubbed: calls trap]")),
        "{text}"
    );
    let filesystem = text.lines().find(|l| l.contains("wasi:filesystem@0.2.9"));
    assert!(filesystem.is_some_and(|l| !l.contains("stubbed")), "{text}");

    let out = strato(dir.path())
        .args(["inspect", "--no-compile", "--format", "json"])
        .arg(&path)
        .output()?;
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    assert_eq!(json["world"], world);
    assert_eq!(
        json["stubbed_imports"],
        serde_json::json!(["wasi:sockets/tcp@0.2.9"])
    );
    Ok(())
}

#[test]
fn inspect_rejects_a_missing_file() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let out = strato(dir.path())
        .arg("inspect")
        .arg(dir.path().join("nope.wasm"))
        .output()?;
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr_of(&out).lines().count(), 1);
    Ok(())
}

#[test]
fn help_documents_exit_codes_and_examples() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    for args in [
        &["inspect", "--help"][..],
        &["demo", "--help"][..],
        &["conformance", "--help"][..],
    ] {
        let out = strato(dir.path()).args(args).output()?;
        assert!(out.status.success());
        let text = stdout_of(&out);
        assert!(
            text.contains("Examples:") && text.contains("Exit status"),
            "{text}"
        );
    }
    Ok(())
}

/// Writes `text` as `policy.yaml` in `dir` and returns its path.
fn policy_file(dir: &Path, text: &str) -> anyhow::Result<std::path::PathBuf> {
    let path = dir.join("policy.yaml");
    std::fs::write(&path, text)?;
    Ok(path)
}

/// The capability table's row for `capability` (its cells, trimmed).
fn capability_row(text: &str, capability: &str) -> Vec<String> {
    let line = text
        .lines()
        .find(|l| {
            l.trim_start_matches([' ', '│'])
                .starts_with(&format!("{capability} "))
        })
        .unwrap_or_else(|| panic!("no {capability} row:\n{text}"));
    line.split(['│', '┆'])
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .collect()
}

#[test]
fn inspect_shows_what_is_asked_granted_and_effective() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let wasm = dummy_component(dir.path())?;

    // No policy: the dummy asks for a state directory and gets none.
    let out = strato(dir.path())
        .args(["inspect", "--no-compile"])
        .arg(&wasm)
        .output()?;
    let text = stdout_of(&out);
    assert!(out.status.success(), "{text}\n{}", stderr_of(&out));
    assert!(text.contains("no --policy: nothing granted"), "{text}");
    let row = capability_row(&text, "state-dir");
    assert_eq!(row[1..4], ["/state", "yes", "no"], "{text}");
    assert!(row[4].starts_with("no: "), "{row:?}");

    // A policy granting the state directory and more than the dummy asks.
    let state = dir.path().join("state");
    let policy = policy_file(
        dir.path(),
        &format!(
            "providers:\n  dummy:\n    state-dir: {}\n    network: [\"https://*.example.com\"]\n    \
             limits: {{ memory: 128MiB, call-timeout: 10s }}\n",
            state.display()
        ),
    )?;
    let out = strato(dir.path())
        .arg("--policy")
        .arg(&policy)
        .args(["inspect", "--no-compile"])
        .arg(&wasm)
        .output()?;
    let text = stdout_of(&out);
    assert!(out.status.success(), "{text}\n{}", stderr_of(&out));
    let row = capability_row(&text, "state-dir");
    assert_eq!(
        row[1..],
        [
            state.display().to_string(),
            "yes".into(),
            "yes".into(),
            "yes".into()
        ],
        "{text}"
    );
    let row = capability_row(&text, "network");
    assert_eq!(row[1..4], ["https://*.example.com", "no", "yes"], "{text}");
    assert!(row[4].contains("not declared"), "{row:?}");
    assert!(
        text.contains("128.0 MiB") && text.contains("10.00 s"),
        "{text}"
    );

    // --name picks another entry: none here, so nothing is granted.
    let out = strato(dir.path())
        .arg("--policy")
        .arg(&policy)
        .args([
            "inspect",
            "--no-compile",
            "--format",
            "json",
            "--name",
            "other",
        ])
        .arg(&wasm)
        .output()?;
    assert!(out.status.success(), "{}", stderr_of(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let caps = &json["capabilities"];
    assert_eq!(caps["provider"], "other", "{caps}");
    assert_eq!(caps["declared"]["state-dir"], true, "{caps}");
    assert_eq!(caps["lines"][0]["capability"], "state-dir", "{caps}");
    assert_eq!(caps["lines"][0]["asked"], true, "{caps}");
    assert_eq!(caps["lines"][0]["granted"], false, "{caps}");
    assert_eq!(caps["lines"][0]["effective"], false, "{caps}");
    assert_eq!(caps["limits"]["memory_bytes"], 256 << 20, "{caps}");
    Ok(())
}

#[test]
fn a_bad_policy_is_bad_input_naming_file_line_and_key() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let wasm = dummy_component(dir.path())?;
    let policy = policy_file(
        dir.path(),
        "providers:\n  dummy:\n    limits:\n      memory: 12 parsecs\n",
    )?;
    let out = strato(dir.path())
        .arg("--policy")
        .arg(&policy)
        .arg("inspect")
        .arg(&wasm)
        .output()?;
    let err = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    let at = format!("{}:4: providers.dummy.limits.memory:", policy.display());
    assert!(err.contains(&at) && err.contains("not a size"), "{err}");

    let out = strato(dir.path())
        .arg("--policy")
        .arg(dir.path().join("nope.yaml"))
        .arg("demo")
        .output()?;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_of(&out).contains("nope.yaml: cannot read"));
    Ok(())
}

#[test]
fn audit_prints_each_decision_on_stderr() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let wasm = dummy_component(dir.path())?;
    let out = strato(dir.path())
        .args(["--audit", "inspect"])
        .arg(&wasm)
        .output()?;
    let err = stderr_of(&out);
    assert!(out.status.success(), "{err}");
    assert!(
        err.lines()
            .any(|l| l.starts_with("audit: ALLOWED load ") && l.contains("juju:environs@0.2.0")),
        "{err}"
    );
    // Without --audit nothing is printed there.
    let out = strato(dir.path()).arg("inspect").arg(&wasm).output()?;
    assert!(!stderr_of(&out).contains("audit:"));
    Ok(())
}

#[test]
fn demo_runs_with_only_what_the_dummy_declares_and_audits_it() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let state = dir.path().join("policy-state");
    let policy = policy_file(
        dir.path(),
        &format!(
            "providers:\n  dummy:\n    state-dir: {}\n    reveal: [password]\n",
            state.display()
        ),
    )?;
    let out = strato(dir.path())
        .args(["--audit", "--policy"])
        .arg(&policy)
        .arg("demo")
        .output()?;
    let (text, err) = (stdout_of(&out), stderr_of(&out));
    assert!(out.status.success(), "{text}\n{err}");
    // The policy's state directory is used and kept.
    assert!(
        text.contains(&format!("state directory: {}", state.display())),
        "{text}"
    );
    assert!(state.exists());
    assert!(text.contains("granted  state directory"), "{text}");
    // Asked and granted: one audit line; granted but not asked: no effect.
    assert!(
        err.lines().any(
            |l| l.starts_with("audit: ALLOWED grant state-dir") && l.contains("provider dummy")
        ),
        "{err}"
    );
    assert!(!err.contains("reveal password"), "{err}");
    Ok(())
}
