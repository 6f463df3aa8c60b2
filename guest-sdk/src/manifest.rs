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
//! }
//! ```
//!
//! The declaration lands in the component as JSON in the custom section
//! [`SECTION`]. At load the host compares it with what the operator grants:
//! the instance gets the intersection, and `strato inspect` shows what was
//! asked, granted and refused.

/// The custom section holding the declaration.
pub const SECTION: &str = "strato:capabilities";
