//! Providers written in other languages, built by their own tool chains
//! (installed by `scripts/setup` into project-local environments): the
//! Python dummy with componentize-py from `.venv`, the JavaScript dummy
//! with componentize-qjs from its `node_modules`. Each is rebuilt only when
//! a source is newer than the component.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

/// One provider built by a script.
pub struct Scripted {
    /// Package name as listed in `ALL` (`strato-dummy-py`).
    pub package: &'static str,
    /// Constant written to gen.rs.
    pub constant: &'static str,
    /// What the doc comment of the constant says.
    pub doc: &'static str,
    /// The provider's directory, relative to the repository.
    pub dir: &'static str,
    /// Where the component goes, relative to the repository.
    pub output: &'static str,
    /// Files (relative to the provider) that are sources besides the
    /// directories below.
    pub files: &'static [&'static str],
    /// Directories (relative to the provider) and the extension of the
    /// sources in them; the contract (`wit/*.wit`) is always a source.
    pub dirs: &'static [(&'static str, &'static str)],
    /// A file or directory (relative to the repository) that exists once
    /// the tool is installed.
    pub tool: &'static str,
    /// The interpreter and the build script (relative to the provider);
    /// the script takes `-o <output>`.
    pub program: &'static str,
    pub script: &'static str,
}

/// The Python and JavaScript dummy providers.
pub const PROVIDERS: &[Scripted] = &[
    Scripted {
        package: "strato-dummy-py",
        constant: "STRATO_DUMMY_PY_COMPONENT",
        doc: "`providers/dummy-py` built with componentize-py.",
        dir: "providers/dummy-py",
        output: "target/guests/python/dummy_py.wasm",
        files: &["build.py", "app.py"],
        dirs: &[("dummy", "py"), ("wit", "wit")],
        tool: ".venv/bin/componentize-py",
        program: ".venv/bin/python",
        script: "build.py",
    },
    Scripted {
        package: "strato-dummy-js",
        constant: "STRATO_DUMMY_JS_COMPONENT",
        doc: "`providers/dummy-js` built with componentize-qjs (QuickJS).",
        dir: "providers/dummy-js",
        output: "target/guests/js/dummy_js.wasm",
        files: &[
            "build.mjs",
            "package.json",
            "package-lock.json",
            "node_modules/.package-lock.json",
        ],
        dirs: &[("src", "js"), ("wit", "wit")],
        tool: "providers/dummy-js/node_modules/componentize-qjs",
        program: "node",
        script: "build.mjs",
    },
];

impl Scripted {
    /// Builds the component if a source is newer, and returns its path.
    pub fn build(&self, root: &Path) -> PathBuf {
        let provider = root.join(self.dir);
        let output = root.join(self.output);
        if !root.join(self.tool).exists() {
            panic!(
                "{} is missing: run ./scripts/setup to install the tools that build {}",
                self.tool, self.dir
            );
        }
        let sources = self.sources(root, &provider);
        for source in &sources {
            println!("cargo:rerun-if-changed={}", source.display());
        }
        let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        let newest = sources.iter().filter_map(|p| modified(p)).max();
        if let Some(built) = modified(&output)
            && built >= newest.unwrap_or(SystemTime::UNIX_EPOCH)
        {
            return output;
        }
        if let Some(dir) = output.parent() {
            std::fs::create_dir_all(dir)
                .unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
        }
        let program = match self.program {
            p if p.contains('/') => root.join(p),
            p => PathBuf::from(p),
        };
        let status = Command::new(&program)
            .arg(provider.join(self.script))
            .arg("-o")
            .arg(&output)
            .status()
            .unwrap_or_else(|e| {
                panic!(
                    "running {}: {e} (run ./scripts/setup; {} needs it)",
                    program.display(),
                    self.dir
                )
            });
        if !status.success() {
            let _ = std::fs::remove_file(&output);
            panic!(
                "building {} failed ({status}); its output is above. Reproduce with: {} {}/{} -o {}",
                self.dir, self.program, self.dir, self.script, self.output
            );
        }
        output
    }

    /// Every file the component is built from; the directories too, so an
    /// added module triggers a rebuild.
    fn sources(&self, root: &Path, provider: &Path) -> Vec<PathBuf> {
        let mut sources: Vec<PathBuf> = self.files.iter().map(|f| provider.join(f)).collect();
        let dirs = self
            .dirs
            .iter()
            .map(|(d, ext)| (provider.join(d), *ext))
            .chain([(root.join("wit"), "wit")]);
        for (dir, wanted) in dirs {
            sources.push(dir.clone());
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.extension().and_then(|e| e.to_str()) == Some(wanted) {
                    sources.push(path);
                }
            }
        }
        sources.sort();
        sources
    }
}
