//! providers and audit.

use serde_json::Value;
use strato_tests::guests;

use crate::Data;

#[test]
fn providers_json_lists_the_dummy_and_installed_components() -> anyhow::Result<()> {
    let data = Data::new()?;
    data.install_ec2()?;
    std::fs::write(data.root().join("providers/garbage.wasm"), b"not wasm")?;
    let json = data.json(&["providers"])?;
    let list = json.as_array().cloned().unwrap_or_default();
    let names: Vec<&str> = list.iter().filter_map(|p| p["name"].as_str()).collect();
    assert_eq!(names, ["dummy", "ec2", "garbage"], "{json}");

    let dummy = &list[0];
    let fields: Vec<&str> = dummy
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let mut expected = vec![
        "aliases",
        "capabilities",
        "error",
        "interfaces",
        "name",
        "sha256",
        "size",
        "source",
        "version",
        "wit-version",
    ];
    expected.sort();
    let mut sorted = fields.clone();
    sorted.sort();
    assert_eq!(sorted, expected, "stable field names");
    assert_eq!(dummy["source"], "built-in");
    assert_eq!(dummy["wit-version"], "0.2.0");
    assert!(dummy["version"].is_u64(), "{dummy}");
    assert_eq!(dummy["sha256"].as_str().map(str::len), Some(64));
    assert!(dummy["error"].is_null());
    let interfaces = dummy["interfaces"].as_array().cloned().unwrap_or_default();
    assert!(interfaces.contains(&Value::from("firewaller")), "{dummy}");
    assert_eq!(dummy["capabilities"]["state-dir"], true);

    let ec2 = &list[1];
    assert!(
        ec2["source"]
            .as_str()
            .unwrap_or("")
            .ends_with("providers/ec2.wasm")
    );
    assert!(ec2["error"].is_null(), "{ec2}");
    let interfaces = ec2["interfaces"].as_array().cloned().unwrap_or_default();
    assert!(
        interfaces.contains(&Value::from("instance-firewaller")),
        "{ec2}"
    );
    // A file that is no component is listed with why, not fatal.
    assert!(list[2]["error"].as_str().is_some_and(|e| !e.is_empty()));

    let table = data.ok(&["providers"])?;
    assert!(table.starts_with("NAME"), "{table}");
    assert!(
        table.contains("garbage") && table.contains("error:"),
        "{table}"
    );
    Ok(())
}

#[test]
fn audit_shows_the_events_of_a_demo_run_and_filters() -> anyhow::Result<()> {
    let data = Data::new()?;
    let (code, _, err) = data.run(&["audit"])?;
    assert_eq!(code, 0, "{err}");
    data.ok(&["demo"])?;

    let all = data.json(&["audit", "--limit", "1000"])?;
    let events = all.as_array().cloned().unwrap_or_default();
    assert!(!events.is_empty(), "the demo's events were recorded");
    let caps: Vec<&str> = events
        .iter()
        .filter_map(|e| e["capability"].as_str())
        .collect();
    assert!(caps.contains(&"load"), "{caps:?}");
    assert!(events.iter().all(|e| e["command"] == "demo"), "{all}");
    // The demo grants the dummy a temporary state directory.
    assert!(
        events.iter().any(|e| e["provider"] == "dummy"
            && e["capability"] == "grant"
            && e["decision"] == "allowed"
            && e["destination"]
                .as_str()
                .is_some_and(|d| d.contains("state-dir"))),
        "{all}"
    );

    let two = data.json(&["audit", "--limit", "2"])?;
    assert_eq!(two.as_array().map(Vec::len), Some(2));
    // The most recent ones, oldest first.
    assert_eq!(two[1]["time"], events[events.len() - 1]["time"]);

    let dummy = data.json(&["audit", "--provider", "dummy", "--limit", "1000"])?;
    let dummy = dummy.as_array().cloned().unwrap_or_default();
    assert!(!dummy.is_empty() && dummy.iter().all(|e| e["provider"] == "dummy"));
    // Loading happens before the component has a name; it is recorded
    // under the name anyway.
    assert!(dummy.iter().any(|e| e["capability"] == "load"), "{dummy:?}");
    let none = data.json(&["audit", "--provider", "nobody"])?;
    assert_eq!(none, serde_json::json!([]));
    for decision in ["allowed", "denied"] {
        let got = data.json(&["audit", "--decision", decision, "--limit", "1000"])?;
        let got = got.as_array().cloned().unwrap_or_default();
        assert!(got.iter().all(|e| e["decision"] == decision), "{decision}");
        let expect = events.iter().filter(|e| e["decision"] == decision).count();
        assert_eq!(got.len(), expect, "{decision}");
    }
    let (code, _, err) = data.run(&["audit", "--decision", "maybe"])?;
    assert_eq!(code, 2, "{err}");

    let table = data.ok(&["audit", "--provider", "dummy"])?;
    assert!(table.starts_with("TIME"), "{table}");
    assert!(table.contains(" dummy "), "{table}");
    Ok(())
}

#[test]
fn audit_records_a_moto_run_with_names_never_secrets() -> anyhow::Result<()> {
    use strato_tests::moto::{Moto, REGION};
    let moto = Moto::start().map_err(anyhow::Error::msg)?;
    let data = Data::new()?;
    let clouds = data.write(
        "clouds.yaml",
        &format!(
            "clouds:\n  moto:\n    type: ec2\n    auth-types: [access-key]\n    \
             endpoint: {}\n    regions:\n      {REGION}: {{}}\n    \
             config: {{ image-id: ami-785db401 }}\n",
            moto.endpoint()
        ),
    )?;
    let creds = data.write(
        "credentials.yaml",
        &format!(
            "credentials:\n  moto:\n    moto-user:\n      auth-type: access-key\n      \
             access-key: {}\n      secret-key: {}\n",
            moto.access_key(),
            moto.secret_key()
        ),
    )?;
    let out = data
        .strato()
        .args(["demo", "--provider", guests::STRATO_EC2_COMPONENT])
        .arg("--clouds")
        .arg(&clouds)
        .arg("--credentials")
        .arg(&creds)
        .output()?;
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = data.ok(&["audit", "--limit", "10000", "--format", "json"])?;
    assert!(
        !text.contains(moto.secret_key()),
        "a secret in the audit log"
    );
    let events: Vec<Value> = serde_json::from_str(&text)?;
    let network: Vec<&Value> = events
        .iter()
        .filter(|e| e["capability"] == "network")
        .collect();
    assert!(!network.is_empty(), "no requests recorded: {text}");
    for e in &network {
        assert_eq!(e["provider"], "ec2", "{e}");
        assert_eq!(e["cloud"], "moto", "{e}");
        assert_eq!(e["credential"], "moto-user", "{e}");
        assert!(
            e["destination"]
                .as_str()
                .is_some_and(|d| d.starts_with(moto.endpoint())),
            "{e}"
        );
    }
    assert!(events.iter().any(|e| e["capability"] == "sign"), "{text}");
    // The table shows the same requests.
    let table = data.ok(&["audit", "--provider", "ec2", "--decision", "allowed"])?;
    assert!(table.contains(" network ") && table.contains(moto.endpoint()));
    Ok(())
}
