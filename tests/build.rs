//! Builds the dummy provider and the test guests as components (nested
//! cargo, see `strato-guest-build`), the Python and JavaScript providers
//! with their own tools (`build/scripted.rs`), and writes `$OUT_DIR/gen.rs`
//! with one path constant per component.

use std::fmt::Write as _;
use std::path::Path;

#[path = "build/scripted.rs"]
mod scripted;

const GUESTS: &[&str] = &[
    "strato-dummy",
    "strato-ec2",
    "guest-misbehave",
    "guest-command",
    "guest-sockets",
    "guest-attack",
    "guest-fleet",
    "guest-v0-1",
];

fn main() {
    let components = strato_guest_build::build_components(GUESTS).unwrap_or_else(|e| panic!("{e}"));
    let mut code = String::new();
    let mut all = String::new();
    for c in &components {
        let name = c.const_name();
        let _ = writeln!(
            code,
            "/// `{}` built for wasm32-wasip2 (`{}`).\npub const {name}: &str = {:?};",
            c.package,
            c.target_name,
            c.path.display().to_string()
        );
        let _ = write!(all, "({:?}, {name}), ", c.package);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new(".."));
    for p in scripted::PROVIDERS {
        let path = p.build(root);
        let _ = writeln!(
            code,
            "/// {}\npub const {}: &str = {:?};",
            p.doc,
            p.constant,
            path.display().to_string()
        );
        let _ = write!(all, "({:?}, {}), ", p.package, p.constant);
    }
    let _ = writeln!(
        code,
        "/// Every component built for the tests: (package, path).\npub const ALL: &[(&str, &str)] = &[{all}];"
    );
    let out = std::env::var_os("OUT_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_default();
    std::fs::write(out.join("gen.rs"), code).unwrap_or_else(|e| panic!("writing gen.rs: {e}"));
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build");
}
