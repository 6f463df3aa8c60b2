//! autoload-credentials: the provider's detection through read-only grants.

use crate::{Data, SECRET, path};

#[test]
fn autoload_asks_for_the_grant_and_saves_what_ec2_finds() -> anyhow::Result<()> {
    let data = Data::new()?;
    data.install_ec2()?;
    let clouds = data.write(
        "clouds.yaml",
        "clouds:\n  aws:\n    type: ec2\n    auth-types: [access-key]\n    \
         endpoint: https://ec2.us-east-1.amazonaws.com\n    regions:\n      us-east-1: {}\n",
    )?;
    data.ok(&["add-cloud", "aws", "-f", path(&clouds)])?;
    let home = data.dir.path().join("home");
    std::fs::create_dir_all(&home)?;
    let detect = |extra: &[&str]| {
        let mut cmd = data.strato();
        cmd.args(["autoload-credentials", "ec2"])
            .args(extra)
            .env("HOME", &home)
            .env("AWS_ACCESS_KEY_ID", "AKIAAUTOLOADTEST")
            .env("AWS_SECRET_ACCESS_KEY", SECRET)
            .env_remove("AWS_PROFILE")
            .write_stdin("");
        cmd.output()
    };
    // stdin is not a terminal: the grant must be given with --yes.
    let refused = detect(&[])?;
    let text = String::from_utf8_lossy(&refused.stdout).into_owned();
    let err = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert_eq!(refused.status.code(), Some(2), "{text}\n{err}");
    assert!(
        text.contains("AWS_ACCESS_KEY_ID"),
        "the grant is shown:\n{text}"
    );
    assert!(text.contains("~/.aws"), "{text}");
    assert!(err.contains("--yes"), "{err}");
    assert!(!data.root().join("credentials.yaml").exists());

    let granted = detect(&["--yes"])?;
    let text = String::from_utf8_lossy(&granted.stdout).into_owned();
    let err = String::from_utf8_lossy(&granted.stderr).into_owned();
    assert!(granted.status.success(), "{text}\n{err}");
    assert!(text.contains("saved for cloud aws"), "{text}");
    assert!(!text.contains(SECRET) && !err.contains(SECRET));
    let json = data.json(&["credentials", "aws"])?;
    let creds = json["aws"]["credentials"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    assert_eq!(creds.len(), 1, "{json}");
    let cred = creds.values().next().cloned().unwrap_or_default();
    assert_eq!(cred["auth-type"], "access-key");
    assert_eq!(cred["attributes"]["access-key"], "AKIAAUTOLOADTEST");
    assert_eq!(cred["attributes"]["secret-key"], "<hidden>");

    // The audit log has the variables' names, never their values.
    let audit = data.ok(&[
        "audit",
        "--provider",
        "ec2",
        "--format",
        "json",
        "--limit",
        "1000",
    ])?;
    assert!(audit.contains("AWS_ACCESS_KEY_ID"), "{audit}");
    assert!(!audit.contains(SECRET) && !audit.contains("AKIAAUTOLOADTEST"));
    Ok(())
}

#[test]
fn autoload_with_nothing_to_find() -> anyhow::Result<()> {
    let data = Data::new()?;
    // The dummy needs no access and finds nothing to save.
    let out = data.ok(&["autoload-credentials", "dummy"])?;
    assert!(out.contains("no credentials"), "{out}");
    let (code, _, err) = data.run(&["autoload-credentials", "openstack"])?;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("copy the component to"), "{err}");
    Ok(())
}

#[test]
fn autoload_reads_aws_profiles_through_the_read_grant() -> anyhow::Result<()> {
    let data = Data::new()?;
    data.install_ec2()?;
    let clouds = data.write(
        "clouds.yaml",
        "clouds:\n  aws:\n    type: ec2\n    auth-types: [access-key]\n    \
         endpoint: https://ec2.us-east-1.amazonaws.com\n    regions:\n      us-east-1: {}\n      \
         eu-west-1: {}\n",
    )?;
    data.ok(&["add-cloud", "aws", "-f", path(&clouds)])?;
    let home = data.dir.path().join("home");
    std::fs::create_dir_all(home.join(".aws"))?;
    std::fs::write(
        home.join(".aws/credentials"),
        format!(
            "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = {SECRET}\n\n\
             [ops]\naws_access_key_id = AKIAOPS\naws_secret_access_key = {SECRET}-ops\n"
        ),
    )?;
    std::fs::write(home.join(".aws/config"), "[default]\nregion = eu-west-1\n")?;
    let mut cmd = data.strato();
    for var in [
        "AWS_ACCESS_KEY_ID",
        "AWS_ACCESS_KEY",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SECRET_KEY",
        "EC2_ACCESS_KEY",
        "EC2_SECRET_KEY",
        "AWS_PROFILE",
    ] {
        cmd.env_remove(var);
    }
    let out = cmd
        .args(["autoload-credentials", "--yes"])
        .env("HOME", &home)
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains(SECRET), "{text}");
    let json = data.json(&["credentials", "aws"])?;
    let aws = &json["aws"];
    let mut names: Vec<&String> = aws["credentials"]
        .as_object()
        .map(|o| o.keys().collect())
        .unwrap_or_default();
    names.sort();
    assert_eq!(names, ["default", "ops"], "{json}");
    assert_eq!(aws["default-credential"], "default", "{json}");
    assert_eq!(aws["default-region"], "eu-west-1", "{json}");
    assert_eq!(
        aws["credentials"]["ops"]["attributes"]["access-key"],
        "AKIAOPS"
    );
    // The directory was read through a read-only grant, and audited.
    let audit = data.ok(&["audit", "--provider", "ec2", "--format", "json"])?;
    assert!(audit.contains("\"read\""), "{audit}");
    assert!(audit.contains(".aws"), "{audit}");
    assert!(!audit.contains(SECRET));
    Ok(())
}
