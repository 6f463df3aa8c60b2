//! Loading: what is not a provider component is refused with an error that
//! names the problem; the dummy loads and reports its optional interfaces.

use std::path::Path;
use std::time::Duration;

use strato_runtime::{Error, OptionalInterface};
use strato_tests::guests;

use crate::{load, runtime};

/// The message of an `InvalidComponent` error; anything else fails the test.
fn invalid_component(result: Result<strato_runtime::Component, Error>, what: &str) -> String {
    match result {
        Err(Error::InvalidComponent(message)) => {
            println!("{what}: {message}");
            message
        }
        Err(other) => panic!("{what}: expected InvalidComponent, got {other:?}"),
        Ok(_) => panic!("{what}: expected InvalidComponent, got a loaded component"),
    }
}

/// Deterministic noise (xorshift), so a failure reproduces.
fn random_bytes(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

#[tokio::test]
async fn random_bytes_are_refused() {
    let rt = runtime(Duration::from_secs(10));
    let message = invalid_component(rt.load_bytes(&random_bytes(4096)).await, "random bytes");
    assert!(!message.is_empty());
    assert!(
        strato_runtime::inspect(&random_bytes(4096)).is_err(),
        "inspect accepted random bytes"
    );
}

#[tokio::test]
async fn core_module_is_refused() {
    let module = wat::parse_str(r#"(module (func (export "version") (result i32) i32.const 0))"#)
        .expect("wat");
    let rt = runtime(Duration::from_secs(10));
    let message = invalid_component(rt.load_bytes(&module).await, "core module");
    assert!(
        message.to_lowercase().contains("module"),
        "the error should say it is a core module: {message}"
    );
}

#[tokio::test]
async fn command_component_is_refused() {
    let rt = runtime(Duration::from_secs(10));
    let message = invalid_component(
        rt.load_file(Path::new(guests::GUEST_COMMAND_COMPONENT))
            .await,
        "wasi:cli command",
    );
    assert!(
        message.contains("juju:environs"),
        "the error should name the missing provider exports: {message}"
    );
}

/// `wasi:sockets` imports load (libcs such as componentize-py's link them
/// whether or not they are used) but every socket function traps: the
/// guest's TCP connect to a listening loopback port fails, naming the
/// import, and nothing reaches the listener.
#[tokio::test]
async fn sockets_calls_trap() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("listener");
    listener.set_nonblocking(true).expect("nonblocking");
    let endpoint = listener.local_addr().expect("address").to_string();
    let rt = runtime(Duration::from_secs(10));
    let component = load(&rt, guests::GUEST_SOCKETS_COMPONENT).await;
    let provider = component
        .instantiate(strato_runtime::Grants::default())
        .await
        .expect("instantiate");
    let err = provider
        .ping(&endpoint)
        .await
        .expect_err("a TCP connect from the guest must fail");
    assert!(
        err.to_string().contains("wasi:sockets"),
        "the error should name the socket import that trapped: {err}"
    );
    assert!(
        listener.accept().is_err(),
        "the guest reached the listener at {endpoint}"
    );
    // The trap poisons that instance only: a fresh one works.
    let again = component
        .instantiate(strato_runtime::Grants::default())
        .await
        .expect("instantiate again");
    assert_eq!(again.version().await.expect("version"), 1);
}

#[tokio::test]
async fn dummy_loads_and_reports_its_interfaces() {
    let rt = runtime(Duration::from_secs(30));
    let component = load(&rt, guests::STRATO_DUMMY_COMPONENT).await;
    let info = component.info();
    assert_eq!(info.wit_version, "0.2.0");
    for i in [
        OptionalInterface::Firewaller,
        OptionalInterface::InstanceFirewaller,
        OptionalInterface::Networking,
        OptionalInterface::InstanceTagger,
        OptionalInterface::Upgrader,
        OptionalInterface::AvailabilityZones,
    ] {
        assert!(
            info.optional.contains(&i),
            "dummy should export {}: {:?}",
            i.wit_name(),
            info.optional
        );
    }
    assert!(!info.imports.iter().any(|i| i.starts_with("wasi:sockets")));
    assert_eq!(info.sha256.len(), 64);
    let handle = component
        .instantiate(Default::default())
        .await
        .expect("instantiate");
    handle.version().await.expect("version");
}

#[tokio::test]
async fn misbehave_guest_exports_no_optional_interface() {
    let rt = runtime(Duration::from_secs(10));
    let component = load(&rt, guests::GUEST_MISBEHAVE_COMPONENT).await;
    assert!(
        component.info().optional.is_empty(),
        "{:?}",
        component.info().optional
    );
    let handle = component
        .instantiate(Default::default())
        .await
        .expect("instantiate");
    assert!(!handle.supports(OptionalInterface::Firewaller));
    assert_eq!(handle.version().await.expect("version"), 7);
}
