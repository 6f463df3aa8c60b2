//! The WASI subset the sandbox links: `wasi:cli` (no arguments, no
//! environment, stdin closed, output to the log), `wasi:io`, `wasi:clocks`,
//! `wasi:random`, `wasi:filesystem` (which sees only the granted state
//! directory) and `wasi:http` outgoing requests (every one decided by the
//! network capability's send hook). `wasi:sockets`, name lookup included,
//! is deliberately absent: a component importing it gets functions that
//! trap (`Runtime::link`), so no socket is ever created.
//!
//! This mirrors `wasmtime_wasi::p2::add_to_linker_async` minus sockets.

use wasmtime::component::{HasData, Linker, ResourceTable};
use wasmtime_wasi::cli::WasiCli;
use wasmtime_wasi::clocks::WasiClocks;
use wasmtime_wasi::filesystem::WasiFilesystem;
use wasmtime_wasi::random::WasiRandom;
use wasmtime_wasi::{WasiView, p2::bindings as wasi};

use crate::store::StoreState;

/// `wasi:io` needs only the resource table.
struct HasIo;

impl HasData for HasIo {
    type Data<'a> = &'a mut ResourceTable;
}

/// Adds the offered WASI interfaces (async variants) to `linker`.
pub(crate) fn add_to_linker(l: &mut Linker<StoreState>) -> wasmtime::Result<()> {
    use wasmtime_wasi::cli::WasiCliView;
    use wasmtime_wasi::clocks::WasiClocksView;
    use wasmtime_wasi::filesystem::WasiFilesystemView;
    use wasmtime_wasi::random::WasiRandomView;

    type T = StoreState;
    wasmtime_wasi_io::bindings::wasi::io::error::add_to_linker::<T, HasIo>(l, |t| t.ctx().table)?;
    wasmtime_wasi_io::bindings::wasi::io::poll::add_to_linker::<T, HasIo>(l, |t| t.ctx().table)?;
    wasmtime_wasi_io::bindings::wasi::io::streams::add_to_linker::<T, HasIo>(l, |t| t.ctx().table)?;

    wasi::clocks::wall_clock::add_to_linker::<T, WasiClocks>(l, T::clocks)?;
    wasi::clocks::monotonic_clock::add_to_linker::<T, WasiClocks>(l, T::clocks)?;
    wasi::random::random::add_to_linker::<T, WasiRandom>(l, T::random)?;
    wasi::random::insecure::add_to_linker::<T, WasiRandom>(l, T::random)?;
    wasi::random::insecure_seed::add_to_linker::<T, WasiRandom>(l, T::random)?;
    wasi::filesystem::types::add_to_linker::<T, WasiFilesystem>(l, T::filesystem)?;
    wasi::filesystem::preopens::add_to_linker::<T, WasiFilesystem>(l, T::filesystem)?;
    wasi::cli::exit::add_to_linker::<T, WasiCli>(l, T::cli)?;
    wasi::cli::environment::add_to_linker::<T, WasiCli>(l, T::cli)?;
    wasi::cli::stdin::add_to_linker::<T, WasiCli>(l, T::cli)?;
    wasi::cli::stdout::add_to_linker::<T, WasiCli>(l, T::cli)?;
    wasi::cli::stderr::add_to_linker::<T, WasiCli>(l, T::cli)?;
    wasi::cli::terminal_input::add_to_linker::<T, WasiCli>(l, T::cli)?;
    wasi::cli::terminal_output::add_to_linker::<T, WasiCli>(l, T::cli)?;
    wasi::cli::terminal_stdin::add_to_linker::<T, WasiCli>(l, T::cli)?;
    wasi::cli::terminal_stdout::add_to_linker::<T, WasiCli>(l, T::cli)?;
    wasi::cli::terminal_stderr::add_to_linker::<T, WasiCli>(l, T::cli)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(l)?;
    Ok(())
}

/// Links the `wasi:sockets` 0.2 instances `component` imports to functions
/// that trap with the import's name (and to host resources nothing can
/// create), so the component links but can never open a socket. Only those
/// instances: every other import must be offered by the linker already.
pub(crate) fn stub_sockets(
    l: &mut Linker<StoreState>,
    engine: &wasmtime::Engine,
    component: &wasmtime::component::Component,
) -> wasmtime::Result<()> {
    use wasmtime::component::types::ComponentItem;
    use wasmtime::component::{ResourceType, Val};
    /// The representation of the stubbed socket resources (never created).
    struct NoSocket;
    let ty = component.component_type();
    // Resources an instance re-exports (`pollable` in `wasi:sockets/tcp`,
    // `network` in `wasi:sockets/tcp`) are already defined by the import
    // that introduced them: only new ones get a stub.
    let mut seen = Vec::new();
    for (name, item) in ty.imports(engine) {
        let ComponentItem::ComponentInstance(instance) = item.ty else {
            continue;
        };
        if !crate::inspect::is_stubbed(name) {
            for (_, item) in instance.exports(engine) {
                if let ComponentItem::Resource(resource) = item.ty {
                    seen.push(resource);
                }
            }
            continue;
        }
        let mut stubs = l.instance(name)?;
        for (export, item) in instance.exports(engine) {
            match item.ty {
                ComponentItem::ComponentFunc(_) => {
                    let what = format!("{name}#{export}");
                    stubs.func_new(export, move |_, _, _: &[Val], _: &mut [Val]| {
                        wasmtime::bail!(
                            "{what}: the sandbox has no sockets (wasi:sockets is not offered)"
                        )
                    })?;
                }
                ComponentItem::Resource(resource) if !seen.contains(&resource) => {
                    stubs.resource(export, ResourceType::host::<NoSocket>(), |_, _| Ok(()))?;
                    seen.push(resource);
                }
                _ => {}
            }
        }
    }
    Ok(())
}
