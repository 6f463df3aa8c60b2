//! Loading hostile bytes: random bytes, and a real provider rewritten to
//! declare absurd sizes (a 4 GiB memory, a table of 100 million entries).
//! Each is refused with a clear error and an audit event, without the host
//! reserving what was declared, and the runtime goes on loading and running
//! other components.

use std::path::Path;

use strato_runtime::audit::{Capability, Decision};
use strato_runtime::{AuditEvent, Error, Grants, Runtime};
use strato_tests::guests;
use tokio::sync::broadcast;
use wasm_encoder::reencode::{Error as ReencodeError, Reencode, ReencodeComponent};

use super::config;

/// Deterministic noise (xorshift), so a failure reproduces.
fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

/// Rewrites every core memory and table type of a component.
struct Absurd {
    memory_pages: Option<u64>,
    table_elements: Option<u64>,
}

impl Reencode for Absurd {
    type Error = std::convert::Infallible;

    fn memory_type(
        &mut self,
        ty: wasmparser::MemoryType,
    ) -> Result<wasm_encoder::MemoryType, ReencodeError<Self::Error>> {
        let mut out = wasm_encoder::reencode::utils::memory_type(self, ty);
        if let Some(pages) = self.memory_pages {
            out.minimum = pages;
            out.maximum = out.maximum.map(|m| m.max(pages));
        }
        Ok(out)
    }

    fn table_type(
        &mut self,
        ty: wasmparser::TableType,
    ) -> Result<wasm_encoder::TableType, ReencodeError<Self::Error>> {
        let mut out = wasm_encoder::reencode::utils::table_type(self, ty)?;
        if let Some(elements) = self.table_elements {
            out.minimum = elements;
            out.maximum = out.maximum.map(|m| m.max(elements));
        }
        Ok(out)
    }
}

impl ReencodeComponent for Absurd {}

fn rewrite(bytes: &[u8], mut absurd: Absurd) -> Vec<u8> {
    let mut component = wasm_encoder::Component::new();
    absurd
        .parse_component(&mut component, wasmparser::Parser::new(0), bytes)
        .expect("re-encoding guest-attack");
    component.finish()
}

/// Waits (briefly) for a load event about a component of `len` bytes.
async fn load_event(events: &mut broadcast::Receiver<AuditEvent>, len: usize) -> AuditEvent {
    let destination = format!("{len} bytes");
    let wait = std::time::Duration::from_secs(5);
    loop {
        match tokio::time::timeout(wait, events.recv()).await {
            Ok(Ok(e)) if e.capability == Capability::Load && e.destination == destination => {
                println!("audit: {e}");
                return e;
            }
            Ok(Ok(_) | Err(broadcast::error::RecvError::Lagged(_))) => {}
            _ => panic!("no load audit event for the {len}-byte component"),
        }
    }
}

/// After the refusals, the same runtime loads and runs a real provider.
async fn runtime_still_works(rt: &Runtime) {
    let component = rt
        .load_file(Path::new(guests::GUEST_ATTACK_COMPONENT))
        .await
        .expect("loading guest-attack after the refusals");
    let handle = component
        .instantiate(Grants::default())
        .await
        .expect("instantiate after the refusals");
    assert_eq!(handle.version().await.expect("version"), super::VERSION);
}

#[tokio::test]
async fn random_bytes_are_refused_and_audited() {
    let rt = Runtime::new(config()).expect("runtime");
    let mut events = rt.audit().subscribe();
    for (len, seed) in [(0, 1), (8, 2), (4096, 3), (1 << 20, 4)] {
        let bytes = random_bytes(len, seed);
        match rt.load_bytes(&bytes).await {
            Err(e @ Error::InvalidComponent(_)) => println!("{len} random bytes: {e}"),
            Err(other) => panic!("{len} random bytes: expected InvalidComponent, got {other:?}"),
            Ok(_) => panic!("{len} random bytes loaded"),
        }
        let event = load_event(&mut events, len).await;
        assert_eq!(event.decision, Decision::Denied);
        assert!(!event.reason.is_empty());
    }
    runtime_still_works(&rt).await;
}

#[tokio::test]
async fn absurd_declared_sizes_are_refused_and_audited() {
    let original = std::fs::read(guests::GUEST_ATTACK_COMPONENT).expect("guest-attack");
    let rt = Runtime::new(config()).expect("runtime");
    let mut events = rt.audit().subscribe();
    let variants = [
        (
            "a 4 GiB memory",
            Absurd {
                memory_pages: Some(65_536),
                table_elements: None,
            },
        ),
        (
            "a table of 100 million entries",
            Absurd {
                memory_pages: None,
                table_elements: Some(100_000_000),
            },
        ),
    ];
    for (what, absurd) in variants {
        let bytes = rewrite(&original, absurd);
        let started = std::time::Instant::now();
        let result = rt.load_bytes(&bytes).await;
        match &result {
            Err(e @ (Error::InvalidComponent(_) | Error::MemoryLimit { .. })) => {
                println!("{what}: {e}")
            }
            Err(other) => panic!("{what}: expected a clear refusal, got {other:?}"),
            Ok(_) => panic!("{what}: the component loaded"),
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "{what}: refusing took {:?}",
            started.elapsed()
        );
        let event = load_event(&mut events, bytes.len()).await;
        assert_eq!(event.decision, Decision::Denied, "{what}: {event}");
    }
    runtime_still_works(&rt).await;
}
