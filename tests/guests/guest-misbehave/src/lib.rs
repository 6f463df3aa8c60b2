//! A provider whose environ misbehaves on request, for the runtime's limit
//! tests. `instances(ids)` looks at each id:
//!
//! | id | what the guest does |
//! |---|---|
//! | `loop` | spins forever (the host's deadline must stop it) |
//! | `trap` | panics, which traps |
//! | `oom` | allocates until linear memory runs out |
//! | `recurse` | recurses without bound until the stack is exhausted |
//! | `chatty` | says [`CHATTY_LINES`] lines through `bootstrap-context.infof` |
//! | anything else | returns a slot with that id |
//!
//! `version()` returns [`VERSION`] (7) so a test can check that the next call
//! after a misbehaving one works.

wit_bindgen::generate!({
    world: "juju:environs/base-provider@0.2.0",
    path: "../../../wit",
    generate_all,
});

#[path = "../../shared/stub.rs"]
mod stub;

use std::hint::black_box;

use juju::environs::common::{Error, Instance, InstanceState, InstanceStatus};

/// What `version()` answers.
pub const VERSION: u32 = 7;

/// How many lines a `chatty` id makes the guest say.
pub const CHATTY_LINES: u32 = 100_000;

fn ping(_endpoint: String) -> Result<(), Error> {
    Err(stub::not_implemented("ping"))
}

fn instances(ids: Vec<String>) -> Result<Vec<Option<Instance>>, Error> {
    let mut slots = Vec::with_capacity(ids.len());
    for id in ids {
        match id.as_str() {
            "loop" => spin(),
            "trap" => panic!("guest-misbehave: trap requested"),
            "oom" => exhaust_memory(),
            "recurse" => {
                black_box(recurse(black_box(1)));
            }
            "chatty" => {
                for i in 0..CHATTY_LINES {
                    juju::environs::bootstrap_context::infof(&format!("chatty line {i}"));
                }
            }
            _ => {}
        }
        slots.push(Some(Instance {
            id,
            status: InstanceStatus {
                state: InstanceState::Running,
                message: String::new(),
            },
            addresses: Vec::new(),
            hardware: None,
        }));
    }
    Ok(slots)
}

/// Busy loop with an opaque counter so the optimiser cannot remove it.
fn spin() {
    let mut n: u64 = 0;
    while black_box(n) != u64::MAX {
        n = black_box(n.wrapping_add(1) % (u64::MAX - 1));
    }
}

/// Leaks 1 MiB blocks until an allocation fails.
fn exhaust_memory() {
    let mut total: usize = 0;
    loop {
        let block = vec![black_box(1u8); 1 << 20];
        total = total.wrapping_add(black_box(block.len()));
        std::mem::forget(black_box(block));
        if black_box(total) == 0 {
            break;
        }
    }
}

/// Recursion with a frame that must live on the stack.
fn recurse(depth: u64) -> u64 {
    let frame = black_box([depth; 32]);
    if black_box(depth) == 0 {
        return frame[0];
    }
    recurse(black_box(depth + 1)).wrapping_add(frame[31])
}

use stub::Stub;
export!(Stub);
