//! Builds guest crates of this workspace as WebAssembly components, from a
//! build script.
//!
//! A build script (of `strato-tests`, of `strato-cli`) calls
//! [`build_components`] with the packages it needs. That runs a nested
//!
//! ```text
//! cargo build --target wasm32-wasip2 --profile guest -p <package>…
//! ```
//!
//! with `CARGO_TARGET_DIR=<workspace>/target/guests`: a target directory of
//! its own, so the nested cargo never waits for the lock the outer build
//! holds. The nested cargo runs with the environment of the outer one minus
//! the variables that would change what it builds (flags for the host,
//! clippy as a wrapper, the outer jobserver …), prints
//! `cargo:rerun-if-changed` for every workspace file the guests were built
//! from, and the function returns where each component landed:
//! `target/guests/wasm32-wasip2/guest/<name>.wasm`.
//!
//! ```no_run
//! // build.rs
//! let components = strato_guest_build::build_components(&["strato-dummy"])
//!     .unwrap_or_else(|e| panic!("{e}"));
//! for c in &components {
//!     println!("{} = {}", c.const_name(), c.path.display());
//! }
//! ```

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The target guests are built for (WASI 0.2 components, no adapter).
pub const TARGET: &str = "wasm32-wasip2";
/// The cargo profile guests are built with (see the workspace `Cargo.toml`).
pub const PROFILE: &str = "guest";

/// One component the nested build produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Component {
    /// The cargo package it was built from (`strato-dummy`).
    pub package: String,
    /// The name of the cdylib or bin target (`strato_dummy`, `guest-command`).
    pub target_name: String,
    /// Absolute path of the `.wasm` file.
    pub path: PathBuf,
}

impl Component {
    /// A Rust constant name for this component's path: the package name in
    /// upper case with `_COMPONENT` appended (`STRATO_DUMMY_COMPONENT`).
    pub fn const_name(&self) -> String {
        let mut name: String = self
            .package
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect();
        name.push_str("_COMPONENT");
        name
    }
}

/// Why the guests could not be built.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The `wasm32-wasip2` standard library is not installed.
    #[error(
        "the Rust target `{TARGET}` is not installed (no standard library at {libdir}); \
         install it with `rustup target add {TARGET}` (./scripts/setup does this)"
    )]
    TargetMissing {
        /// Where rustc looked for it.
        libdir: String,
    },
    /// `cargo` or `rustc` could not be started.
    #[error("could not run `{program}`: {source}")]
    Spawn {
        /// The program.
        program: String,
        /// Why.
        source: std::io::Error,
    },
    /// The nested cargo build failed; its diagnostics are above this message.
    #[error(
        "building the guest components {packages:?} for {TARGET} failed ({status}); \
         the compiler output is above. Reproduce with: \
         CARGO_TARGET_DIR=target/guests cargo build --target {TARGET} --profile {PROFILE} {args}"
    )]
    BuildFailed {
        /// The packages asked for.
        packages: Vec<String>,
        /// The exit status of cargo.
        status: std::process::ExitStatus,
        /// `-p a -p b` for the reproduction line.
        args: String,
    },
    /// A package built but produced no component.
    #[error(
        "package `{package}` built for {TARGET} but produced no .wasm file: \
         is it a cdylib or a bin crate?"
    )]
    NoComponent {
        /// The package.
        package: String,
    },
    /// No `Cargo.toml` with a `[workspace]` table above `CARGO_MANIFEST_DIR`.
    #[error("no workspace root found above {0}")]
    NoWorkspace(PathBuf),
    /// Reading a file failed.
    #[error("reading {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Build `packages` of the workspace containing the calling build script as
/// components, print `cargo:rerun-if-changed` lines for their sources, and
/// return one [`Component`] per `.wasm` produced, in the order of `packages`.
pub fn build_components(packages: &[&str]) -> Result<Vec<Component>, Error> {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."));
    let root = workspace_root(&manifest_dir)?;
    build_components_in(&root, packages)
}

/// [`build_components`] for an explicit workspace root.
pub fn build_components_in(root: &Path, packages: &[&str]) -> Result<Vec<Component>, Error> {
    check_target_installed()?;
    let target_dir = root.join("target").join("guests");

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let mut cmd = Command::new(&cargo);
    cmd.current_dir(root)
        .args(["build", "--target", TARGET, "--profile", PROFILE])
        .arg("--message-format=json-render-diagnostics");
    for p in packages {
        cmd.args(["-p", p]);
    }
    clean_env(&mut cmd);
    cmd.env("CARGO_TARGET_DIR", &target_dir)
        .stdout(Stdio::piped())
        // Diagnostics go to the build script's stderr, which cargo shows
        // when the build script fails.
        .stderr(Stdio::inherit());

    let mut child = cmd.spawn().map_err(|source| Error::Spawn {
        program: cargo.to_string_lossy().into_owned(),
        source,
    })?;
    let mut artifacts = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if let Some(a) = parse_artifact(&line) {
                artifacts.push(a);
            }
        }
    }
    let status = child.wait().map_err(|source| Error::Spawn {
        program: cargo.to_string_lossy().into_owned(),
        source,
    })?;
    if !status.success() {
        return Err(Error::BuildFailed {
            packages: packages.iter().map(|p| p.to_string()).collect(),
            status,
            args: packages
                .iter()
                .map(|p| format!("-p {p}"))
                .collect::<Vec<_>>()
                .join(" "),
        });
    }

    let mut rerun = BTreeSet::new();
    rerun.insert(root.join("wit"));
    rerun.insert(root.join("Cargo.toml"));
    rerun.insert(root.join("Cargo.lock"));
    let mut components = Vec::new();
    for package in packages {
        let mut found = false;
        for a in artifacts.iter().filter(|a| a.package == *package) {
            found = true;
            rerun.insert(a.manifest_path.clone());
            // A new file in src/ (cargo scans a directory recursively);
            // a missing path would make cargo rerun the script every time.
            if let Some(src) = a.manifest_path.parent().map(|d| d.join("src"))
                && src.is_dir()
            {
                rerun.insert(src);
            }
            for dep in read_dep_info(&a.wasm.with_extension("d")) {
                if dep.starts_with(root) && !dep.starts_with(root.join("target")) {
                    rerun.insert(dep);
                }
            }
            components.push(Component {
                package: a.package.clone(),
                target_name: a.target_name.clone(),
                path: a.wasm.clone(),
            });
        }
        if !found {
            return Err(Error::NoComponent {
                package: package.to_string(),
            });
        }
    }
    for path in rerun {
        println!("cargo:rerun-if-changed={}", path.display());
    }
    Ok(components)
}

/// The nearest directory at or above `start` whose `Cargo.toml` has a
/// `[workspace]` table.
pub fn workspace_root(start: &Path) -> Result<PathBuf, Error> {
    for dir in start.ancestors() {
        let manifest = dir.join("Cargo.toml");
        if let Ok(text) = std::fs::read_to_string(&manifest)
            && text.lines().any(|l| l.trim() == "[workspace]")
        {
            return Ok(dir.to_path_buf());
        }
    }
    Err(Error::NoWorkspace(start.to_path_buf()))
}

/// Fails with the `rustup target add` hint when rustc has no standard
/// library for [`TARGET`]: better than cargo's "can't find crate for `core`".
fn check_target_installed() -> Result<(), Error> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| OsString::from("rustc"));
    let out = Command::new(&rustc)
        .args(["--print", "target-libdir", "--target", TARGET])
        .env_remove("RUSTC_WRAPPER")
        .output()
        .map_err(|source| Error::Spawn {
            program: rustc.to_string_lossy().into_owned(),
            source,
        })?;
    let libdir = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let has_std = out.status.success()
        && std::fs::read_dir(&libdir)
            .map(|entries| {
                entries
                    .flatten()
                    .any(|e| e.file_name().to_string_lossy().starts_with("libstd-"))
            })
            .unwrap_or(false);
    if has_std {
        Ok(())
    } else {
        Err(Error::TargetMissing { libdir })
    }
}

/// Variables a build script inherits from the outer cargo that must not
/// reach the nested one: flags meant for the host target, the outer target
/// directory, the outer jobserver, clippy as compiler wrapper, and the
/// per-package variables cargo sets for build scripts.
const STRIPPED_VARS: &[&str] = &[
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "RUSTDOCFLAGS",
    "CARGO_ENCODED_RUSTDOCFLAGS",
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET_DIR",
    "CARGO_BUILD_BUILD_DIR",
    "CARGO_BUILD_TARGET",
    "CARGO_MAKEFLAGS",
    "MAKEFLAGS",
    "MFLAGS",
    "CARGO_PRIMARY_PACKAGE",
    "CARGO_CRATE_NAME",
    "CARGO_MANIFEST_DIR",
    "CARGO_MANIFEST_PATH",
    "CARGO_MANIFEST_LINKS",
    "CLIPPY_ARGS",
    "CLIPPY_CONF_DIR",
    "OUT_DIR",
    "TARGET",
    "HOST",
    "NUM_JOBS",
    "OPT_LEVEL",
    "PROFILE",
    "DEBUG",
    "RUSTC_LINKER",
    "RUSTDOC",
    "__CARGO_FIX_PLZ",
];

fn clean_env(cmd: &mut Command) {
    for var in STRIPPED_VARS {
        cmd.env_remove(var);
    }
    for (key, value) in std::env::vars_os() {
        let key_str = key.to_string_lossy();
        let per_package = ["CARGO_CFG_", "CARGO_FEATURE_", "CARGO_PKG_", "DEP_"]
            .iter()
            .any(|p| key_str.starts_with(p));
        // `cargo clippy` runs the compiler through clippy-driver; the guests
        // are built, not linted, by the nested cargo.
        let wrapper = (key_str == "RUSTC_WRAPPER" || key_str == "RUSTC_WORKSPACE_WRAPPER")
            && (value.is_empty() || value.to_string_lossy().contains("clippy-driver"));
        if per_package || wrapper {
            cmd.env_remove(&key);
        }
    }
}

/// A `.wasm` artifact from cargo's JSON messages.
#[derive(Debug)]
struct Artifact {
    package: String,
    target_name: String,
    manifest_path: PathBuf,
    wasm: PathBuf,
}

fn parse_artifact(line: &str) -> Option<Artifact> {
    let msg: serde_json::Value = serde_json::from_str(line).ok()?;
    if msg.get("reason")?.as_str()? != "compiler-artifact" {
        return None;
    }
    let target = msg.get("target")?;
    let kinds = target.get("kind")?.as_array()?;
    if !kinds
        .iter()
        .any(|k| matches!(k.as_str(), Some("cdylib" | "bin")))
    {
        return None;
    }
    let wasm = msg
        .get("filenames")?
        .as_array()?
        .iter()
        .filter_map(|f| f.as_str())
        .find(|f| f.ends_with(".wasm"))?;
    let manifest_path = PathBuf::from(msg.get("manifest_path")?.as_str()?);
    Some(Artifact {
        package: package_name(msg.get("package_id")?.as_str()?, &manifest_path)?,
        target_name: target.get("name")?.as_str()?.to_string(),
        manifest_path,
        wasm: PathBuf::from(wasm),
    })
}

/// The package name from a package id: `path+file:///…/dummy#strato-dummy@0.1.0`,
/// `path+file:///…/guest-misbehave#0.1.0` (name = directory) or the old
/// `name 0.1.0 (path+file://…)` form.
fn package_name(id: &str, manifest_path: &Path) -> Option<String> {
    if let Some((url, frag)) = id.rsplit_once('#') {
        if let Some((name, _version)) = frag.split_once('@') {
            return Some(name.to_string());
        }
        let _ = url;
        // Fragment is only a version: the name is the last path segment.
        return manifest_path
            .parent()?
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
    }
    id.split_whitespace().next().map(str::to_string)
}

/// The files listed in a make-style dep-info file (`out: dep dep …`), with
/// `\ ` unescaped. A missing file gives an empty list.
fn read_dep_info(path: &Path) -> Vec<PathBuf> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    let mut deps = Vec::new();
    for line in text.lines() {
        let Some((_out, rest)) = split_rule(line) else {
            continue;
        };
        let mut current = String::new();
        let mut chars = rest.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' if chars.peek() == Some(&' ') => {
                    current.push(' ');
                    chars.next();
                }
                ' ' | '\t' => {
                    if !current.is_empty() {
                        deps.push(PathBuf::from(std::mem::take(&mut current)));
                    }
                }
                _ => current.push(c),
            }
        }
        if !current.is_empty() {
            deps.push(PathBuf::from(current));
        }
    }
    deps
}

/// Splits `target: deps` at the first `: ` that is not escaped.
fn split_rule(line: &str) -> Option<(&str, &str)> {
    let idx = line
        .find(": ")
        .or_else(|| line.strip_suffix(':').map(|s| s.len()))?;
    Some((&line[..idx], line.get(idx + 1..).unwrap_or("")))
}

#[cfg(test)]
mod tests {
    use super::*;

    // A cdylib artifact message is turned into its package, target and .wasm.
    #[test]
    fn parses_cdylib_artifact() {
        let line = r#"{"reason":"compiler-artifact","package_id":"path+file:///w/providers/dummy#strato-dummy@0.1.0","manifest_path":"/w/providers/dummy/Cargo.toml","target":{"kind":["cdylib"],"name":"strato_dummy"},"filenames":["/w/target/guests/wasm32-wasip2/guest/strato_dummy.wasm"],"fresh":true}"#;
        let a = parse_artifact(line).expect("artifact");
        assert_eq!(a.package, "strato-dummy");
        assert_eq!(a.target_name, "strato_dummy");
        assert!(a.wasm.ends_with("strato_dummy.wasm"));
    }

    // Library dependencies (rlib) are not components.
    #[test]
    fn ignores_rlibs() {
        let line = r#"{"reason":"compiler-artifact","package_id":"registry+https://github.com/rust-lang/crates.io-index#wit-bindgen@0.63.0","manifest_path":"/r/Cargo.toml","target":{"kind":["lib"],"name":"wit_bindgen"},"filenames":["/w/x.rlib"]}"#;
        assert!(parse_artifact(line).is_none());
    }

    // The package name is the directory when the id fragment is a version.
    #[test]
    fn package_name_forms() {
        let m = Path::new("/w/tests/guests/guest-misbehave/Cargo.toml");
        assert_eq!(
            package_name("path+file:///w/tests/guests/guest-misbehave#0.1.0", m).as_deref(),
            Some("guest-misbehave")
        );
        assert_eq!(
            package_name("guest-misbehave 0.1.0 (path+file:///w)", m).as_deref(),
            Some("guest-misbehave")
        );
    }

    // Dep-info lines list escaped paths after the colon.
    #[test]
    fn reads_dep_info() {
        let dir = std::env::temp_dir().join(format!("sgb-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("tmp dir");
        let file = dir.join("x.d");
        std::fs::write(
            &file,
            "/t/x.wasm: /w/src/lib.rs /w/my\\ dir/a.rs\n\n/w/src/lib.rs:\n",
        )
        .expect("write");
        let deps = read_dep_info(&file);
        assert_eq!(
            deps,
            vec![
                PathBuf::from("/w/src/lib.rs"),
                PathBuf::from("/w/my dir/a.rs")
            ]
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn const_names() {
        let c = Component {
            package: "guest-misbehave".into(),
            target_name: "guest_misbehave".into(),
            path: PathBuf::new(),
        };
        assert_eq!(c.const_name(), "GUEST_MISBEHAVE_COMPONENT");
    }
}
