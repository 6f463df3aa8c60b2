//! add-credential, credentials, remove-credential.

use crate::{Data, LAB_CLOUDS, SECRET, path};

#[test]
fn credentials_are_saved_private_and_never_shown() -> anyhow::Result<()> {
    let data = Data::new()?;
    let clouds = data.write("clouds.yaml", LAB_CLOUDS)?;
    data.ok(&["add-cloud", "lab", "-f", path(&clouds)])?;
    let creds = data.write(
        "credentials.yaml",
        &format!(
            "credentials:\n  lab:\n    default-credential: mine\n    default-region: east\n    \
             mine:\n      auth-type: userpass\n      username: me\n      password: {SECRET}\n"
        ),
    )?;
    let out = data.ok(&["add-credential", "lab", "-f", path(&creds)])?;
    assert!(out.contains("credential mine added for cloud lab"), "{out}");

    // A second one, answered on stdin (name, auth type, username, password).
    let answered = data
        .strato()
        .args(["add-credential", "lab"])
        .write_stdin(format!("bob\nuserpass\nbobby\n{SECRET}\n"))
        .output()?;
    assert!(
        answered.status.success(),
        "{}",
        String::from_utf8_lossy(&answered.stderr)
    );

    let saved = data.root().join("credentials.yaml");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&saved)?.permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "credentials.yaml mode {mode:o}");
        let db = std::fs::metadata(data.root().join("strato.db"))?;
        assert_eq!(db.permissions().mode() & 0o777, 0o600, "strato.db mode");
    }
    assert!(std::fs::read_to_string(&saved)?.contains(SECRET));

    let table = data.ok(&["credentials"])?;
    assert!(!table.contains(SECRET), "{table}");
    assert!(table.contains("mine*"), "default marked:\n{table}");
    assert!(table.contains("username=bobby"), "{table}");
    assert!(table.contains("password=<hidden>"), "{table}");
    for format in ["json", "yaml"] {
        let out = data.ok(&["credentials", "--format", format])?;
        assert!(!out.contains(SECRET), "{format}:\n{out}");
    }
    let json = data.json(&["credentials"])?;
    assert_eq!(json["lab"]["default-credential"], "mine");
    assert_eq!(json["lab"]["default-region"], "east");
    let mine = &json["lab"]["credentials"]["mine"];
    assert_eq!(mine["auth-type"], "userpass");
    assert_eq!(mine["default"], true);
    assert_eq!(mine["attributes"]["username"], "me");
    assert_eq!(mine["attributes"]["password"], "<hidden>");

    // Same name again: refused without --replace.
    let (code, _, err) = data.run(&["add-credential", "lab", "-f", path(&creds)])?;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("already exists"), "{err}");

    // Checked against the provider's schema.
    let missing = data.write(
        "missing.yaml",
        "credentials:\n  lab:\n    nopass: { auth-type: userpass, username: x }\n",
    )?;
    let (code, _, err) = data.run(&["add-credential", "lab", "-f", path(&missing)])?;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("missing attribute \"password\""), "{err}");
    let wrong = data.write(
        "wrong.yaml",
        "credentials:\n  lab:\n    x: { auth-type: userpass, username: x, password: y, colour: red }\n",
    )?;
    let (code, _, err) = data.run(&["add-credential", "lab", "-f", path(&wrong)])?;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown attribute \"colour\""), "{err}");

    // Remove one; the default goes with it.
    let out = data.ok(&["remove-credential", "lab", "mine"])?;
    assert!(out.contains("credential mine removed"), "{out}");
    let json = data.json(&["credentials"])?;
    assert!(json["lab"]["credentials"].get("mine").is_none(), "{json}");
    assert!(json["lab"].get("default-credential").is_none(), "{json}");
    assert!(json["lab"]["credentials"].get("bob").is_some(), "{json}");
    let (code, _, err) = data.run(&["remove-credential", "lab", "mine"])?;
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("no credential \"mine\" for cloud \"lab\" (it has bob)"),
        "{err}"
    );
    Ok(())
}
