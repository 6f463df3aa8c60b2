//! Builds the dummy provider and the test guests as components (nested
//! cargo, see `strato-guest-build`) and writes `$OUT_DIR/gen.rs` with one
//! path constant per component.

use std::fmt::Write as _;

const GUESTS: &[&str] = &[
    "strato-dummy",
    "strato-ec2",
    "guest-misbehave",
    "guest-command",
    "guest-sockets",
    "guest-attack",
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
    let _ = writeln!(
        code,
        "/// Every component built for the tests: (package, path).\npub const ALL: &[(&str, &str)] = &[{all}];"
    );
    let out = std::env::var_os("OUT_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_default();
    std::fs::write(out.join("gen.rs"), code).unwrap_or_else(|e| panic!("writing gen.rs: {e}"));
    println!("cargo:rerun-if-changed=build.rs");
}
