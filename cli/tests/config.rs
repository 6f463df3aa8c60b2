//! The data directory's commands, run as a user would run them, each test
//! with its own `STRATO_DATA`: clouds, regions, add-cloud, credentials,
//! providers, audit, autoload-credentials and shell completions.

mod config {
    mod audit;
    mod autoload;
    mod credentials;
}

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use strato_tests::guests;

/// A temporary data directory and compile cache.
pub struct Data {
    pub dir: tempfile::TempDir,
}

impl Data {
    pub fn new() -> anyhow::Result<Data> {
        Ok(Data {
            dir: tempfile::tempdir()?,
        })
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn strato(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_strato"));
        cmd.env("STRATO_DATA", self.root())
            .env("XDG_CACHE_HOME", self.dir.path().join("cache"))
            .env_remove("RUST_LOG");
        cmd
    }

    /// Runs `args`; (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> anyhow::Result<(i32, String, String)> {
        let out = self.strato().args(args).output()?;
        Ok((
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ))
    }

    /// Runs `args`, which must succeed; stdout.
    pub fn ok(&self, args: &[&str]) -> anyhow::Result<String> {
        let (code, out, err) = self.run(args)?;
        assert_eq!(code, 0, "strato {args:?} failed:\n{out}\n{err}");
        Ok(out)
    }

    /// Runs `args` with `--format json`; the parsed output.
    pub fn json(&self, args: &[&str]) -> anyhow::Result<Value> {
        let mut all = args.to_vec();
        all.extend(["--format", "json"]);
        let out = self.ok(&all)?;
        Ok(serde_json::from_str(&out)?)
    }

    pub fn write(&self, name: &str, text: &str) -> anyhow::Result<PathBuf> {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text)?;
        Ok(path)
    }

    /// Copies the EC2 component into the providers directory.
    pub fn install_ec2(&self) -> anyhow::Result<()> {
        let dir = self.root().join("providers");
        std::fs::create_dir_all(&dir)?;
        std::fs::copy(guests::STRATO_EC2_COMPONENT, dir.join("ec2.wasm"))?;
        Ok(())
    }
}

pub fn path(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

pub const LAB_CLOUDS: &str = "\
clouds:
  lab:
    type: dummy
    description: a lab
    auth-types: [userpass]
    endpoint: http://10.0.0.1:8080
    regions:
      west: {}
      east: { endpoint: http://10.0.0.2 }
    config: { firewall-mode: global }
  other:
    type: dummy
";

/// A secret no output may show.
pub const SECRET: &str = "s3cret-value-never-shown";

#[test]
fn add_cloud_from_a_file_then_list_it() -> anyhow::Result<()> {
    let data = Data::new()?;
    // Before anything is added, the built-in cloud is there.
    let clouds = data.json(&["clouds"])?;
    assert_eq!(clouds["dummy"]["type"], "dummy");
    assert_eq!(clouds["dummy"]["defined"], "built-in");
    assert_eq!(clouds["dummy"]["default-region"], "dummy-region");

    let file = data.write("clouds.yaml", LAB_CLOUDS)?;
    let out = data.ok(&["add-cloud", "lab", "-f", path(&file)])?;
    assert!(out.contains("cloud lab added"), "{out}");

    let clouds = data.json(&["clouds"])?;
    let lab = &clouds["lab"];
    assert_eq!(lab["type"], "dummy");
    assert_eq!(lab["defined"], "local");
    assert_eq!(lab["endpoint"], "http://10.0.0.1:8080");
    assert_eq!(lab["auth-types"], serde_json::json!(["userpass"]));
    // The first region in the file is the default, as in Juju.
    assert_eq!(lab["default-region"], "west");
    assert!(
        clouds.get("other").is_none(),
        "only the named cloud is added"
    );

    let table = data.ok(&["clouds"])?;
    let row = table
        .lines()
        .find(|l| l.starts_with("lab "))
        .unwrap_or_default();
    for cell in ["2", "west", "dummy", "local", "a lab"] {
        assert!(row.contains(cell), "{cell:?} in {row:?}\n{table}");
    }
    assert_eq!(data.ok(&["regions", "lab"])?, "west\neast\n");
    let regions = data.json(&["regions", "lab"])?;
    assert_eq!(regions["east"]["endpoint"], "http://10.0.0.2");

    // Adding it again needs --replace.
    let (code, _, err) = data.run(&["add-cloud", "lab", "-f", path(&file)])?;
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("already exists") && err.contains("--replace"),
        "{err}"
    );
    data.ok(&["add-cloud", "lab", "-f", path(&file), "--replace"])?;
    // The built-in name is taken.
    let dummy = data.write("dummy.yaml", "clouds:\n  dummy:\n    type: dummy\n")?;
    let (code, _, err) = data.run(&["add-cloud", "-f", path(&dummy)])?;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("built in"), "{err}");
    Ok(())
}

#[test]
fn add_cloud_is_validated() -> anyhow::Result<()> {
    let data = Data::new()?;
    // An auth type the dummy provider has no schema for.
    let bad_auth = data.write(
        "a.yaml",
        "clouds:\n  lab:\n    type: dummy\n    auth-types: [oauth2]\n",
    )?;
    let (code, _, err) = data.run(&["add-cloud", "lab", "-f", path(&bad_auth)])?;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("auth type \"oauth2\""), "{err}");
    assert!(err.contains("empty, userpass"), "{err}");

    // A type with no provider component: where to put one.
    let ec2 = data.write(
        "b.yaml",
        "clouds:\n  aws:\n    type: ec2\n    endpoint: ec2.amazonaws.com\n",
    )?;
    let (code, _, err) = data.run(&["add-cloud", "aws", "-f", path(&ec2)])?;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown cloud type"), "{err}");
    assert!(err.contains("copy the component to"), "{err}");
    assert!(err.contains("providers/ec2.wasm"), "{err}");

    // With the component, the endpoint must be a URL.
    data.install_ec2()?;
    let (code, _, err) = data.run(&["add-cloud", "aws", "-f", path(&ec2)])?;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("\"ec2.amazonaws.com\" is not a URL"), "{err}");
    // Nothing was written.
    assert!(!data.root().join("clouds.yaml").exists());
    Ok(())
}

#[test]
fn add_cloud_by_answering_questions() -> anyhow::Result<()> {
    let data = Data::new()?;
    // type, endpoint, auth types, regions, then each region's endpoint.
    let out = data
        .strato()
        .args(["add-cloud", "asked"])
        .write_stdin("dummy\nhttp://192.0.2.1:17070\nuserpass\nr1, r2\n\nhttp://192.0.2.2\n")
        .output()?;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let clouds = data.json(&["clouds"])?;
    let asked = &clouds["asked"];
    assert_eq!(asked["endpoint"], "http://192.0.2.1:17070");
    assert_eq!(asked["auth-types"], serde_json::json!(["userpass"]));
    assert_eq!(asked["default-region"], "r1");
    assert_eq!(asked["regions"]["r2"]["endpoint"], "http://192.0.2.2");
    // Running out of answers is an error naming the question.
    let out = data
        .strato()
        .args(["add-cloud", "half"])
        .write_stdin("dummy\n")
        .output()?;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("stdin ended before"), "{err}");
    Ok(())
}

#[test]
fn malformed_clouds_yaml_names_the_file_and_line() -> anyhow::Result<()> {
    let data = Data::new()?;
    std::fs::create_dir_all(data.root())?;
    let clouds = data.root().join("clouds.yaml");
    std::fs::write(
        &clouds,
        "clouds:\n  lab:\n    type: dummy\n    endpont: http://x\n",
    )?;
    for args in [&["clouds"][..], &["regions", "lab"], &["credentials"]] {
        let (code, _, err) = data.run(args)?;
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(path(&clouds)), "{args:?}: {err}");
        assert!(err.contains("line 4"), "{args:?}: {err}");
        assert!(err.contains("endpont"), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
    }
    // A file given with -f: the same.
    let bad = data.write("bad.yaml", "clouds:\n  lab:\n    type: [dummy\n")?;
    let (code, _, err) = data.run(&["add-cloud", "lab", "-f", path(&bad)])?;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(path(&bad)) && err.contains("line"), "{err}");
    Ok(())
}

#[test]
fn unknown_cloud_is_bad_input_with_a_hint() -> anyhow::Result<()> {
    let data = Data::new()?;
    for args in [
        &["regions", "nowhere"][..],
        &["add-credential", "nowhere"],
        &["credentials", "nowhere"],
    ] {
        let (code, _, err) = data.run(args)?;
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("cloud \"nowhere\" not found"), "{err}");
        assert!(err.contains("known: dummy"), "{err}");
        assert!(err.contains("strato add-cloud nowhere"), "{err}");
    }
    Ok(())
}

#[test]
fn completion_prints_a_script() -> anyhow::Result<()> {
    let data = Data::new()?;
    let bash = data.ok(&["completion", "bash"])?;
    assert!(bash.contains("_strato()"), "{bash}");
    for command in [
        "add-cloud",
        "add-credential",
        "autoload-credentials",
        "audit",
    ] {
        assert!(bash.contains(command), "{command} in the bash script");
    }
    let zsh = data.ok(&["completion", "zsh"])?;
    assert!(zsh.starts_with("#compdef strato"), "{zsh}");
    let fish = data.ok(&["completion", "fish"])?;
    assert!(fish.contains("complete -c strato"), "{fish}");
    Ok(())
}

#[test]
fn the_data_directory_policy_applies_without_the_option() -> anyhow::Result<()> {
    let data = Data::new()?;
    std::fs::create_dir_all(data.root())?;
    let wasm = data.dir.path().join("mine.wasm");
    data.ok(&["dummy-component", path(&wasm)])?;
    let policy = data.root().join("policy.yaml");
    let state = data.dir.path().join("state");
    std::fs::write(
        &policy,
        format!("providers:\n  mine:\n    state-dir: {}\n", state.display()),
    )?;
    let out = data.ok(&["inspect", path(&wasm)])?;
    assert!(
        out.contains(&format!("policy {}", policy.display())),
        "{out}"
    );
    let row = out
        .lines()
        .find(|l| l.contains("state-dir"))
        .unwrap_or_default();
    assert!(
        row.contains("yes") && !row.contains("no state directory"),
        "{out}"
    );

    // A bad one stops every command, naming the file and line.
    std::fs::write(&policy, "providers:\n  mine:\n    stat-dir: 1\n")?;
    let (code, _, err) = data.run(&["clouds"])?;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&format!("{}:3", policy.display())), "{err}");
    // --policy wins over it.
    let other = data.write("other.yaml", "providers: {}\n")?;
    data.ok(&["--policy", path(&other), "clouds"])?;
    Ok(())
}
