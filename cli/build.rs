//! Builds the dummy provider component (a nested cargo into target/guests)
//! so `strato demo` can embed it with `include_bytes!`.

fn main() {
    let components = match strato_guest_build::build_components(&["strato-dummy"]) {
        Ok(components) => components,
        Err(e) => {
            // A build script reports failure by panicking; cargo shows the message.
            panic!("strato-cli needs the dummy provider component: {e}");
        }
    };
    let Some(dummy) = components.into_iter().find(|c| c.package == "strato-dummy") else {
        panic!("strato-cli: the guest build produced no strato-dummy component");
    };
    println!("cargo:rustc-env=STRATO_DUMMY_WASM={}", dummy.path.display());
}
