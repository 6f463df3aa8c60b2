//! A WASI command (`wasi:cli/run`): a component of another world than
//! `juju:environs/base-provider`, which the runtime must refuse to load.

fn main() {
    println!("guest-command: a command, not a provider");
}
