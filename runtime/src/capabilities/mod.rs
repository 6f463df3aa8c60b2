//! Capabilities: what a provider may reach outside its sandbox, and the
//! policy that decides it.
//!
//! Every capability follows the same shape (see DESIGN "Capability model"):
//! typed configuration from the operator, a policy built once per loaded
//! provider, and per-store state. Fail-closed defaults: an empty policy
//! grants nothing.
//!
//! Today this module holds pure policy only, with no I/O and no wasmtime
//! types, so it can be tested with tables:
//!
//! - [`network`]: the outbound-host allow-list (Spin's pattern grammar) and
//!   the post-DNS address policy.
//! - [`credentials`]: the credential the host holds for an instance, which
//!   attributes are secret, reveal grants, and signing of marked requests.
//!
//! The enforcement side (the `wasi:http` send hook that checks, in a fixed
//! order, allow-list → credential signing → DNS → address policy → limits →
//! transport) comes with the sandbox issue.

pub mod credentials;
pub mod network;
