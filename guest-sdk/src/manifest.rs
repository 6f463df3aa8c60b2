//! Declaring what the provider needs beyond its cloud:
//! [`capabilities!`](crate::capabilities).
//!
//! A provider reaches its cloud's endpoints (endpoint, identity and storage
//! endpoints of the cloud spec) without declaring anything. Everything else
//! it declares once, in its crate root:
//!
//! ```text
//! strato_guest::capabilities! {
//!     network: ["https://*.example.com"],
//!     reveal: ["secret-key"],
//!     state_dir: true,
//!     env: ["AWS_ACCESS_KEY_ID"],
//!     read: ["~/.aws"],
//! }
//! ```
//!
//! `env` lends host environment variables by name, `read` host directories
//! read-only (`~` = the host user's home, seen by the guest as
//! [`GUEST_HOME`] with `HOME` set to it). Both are for client-side work
//! such as `detect-credentials`.
//!
//! The declaration lands in the component as JSON in the custom section
//! [`SECTION`]. At load the host compares it with what the operator grants:
//! the instance gets the intersection, and `strato inspect` shows what was
//! asked, granted and refused.

/// The custom section holding the declaration.
pub const SECTION: &str = "strato:capabilities";

/// Where the host lends `~` of a `read` declaration; the guest's `HOME`.
pub const GUEST_HOME: &str = "/home";
