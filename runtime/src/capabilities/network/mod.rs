//! Network capability policy: where a provider's outgoing HTTP(S) may go.
//!
//! Two checks, both pure and both fail-closed:
//!
//! 1. [`AllowedHosts`], before anything else: the request's scheme, host
//!    and port must match an entry built from the cloud spec's endpoints
//!    ([`AllowedHosts::from_endpoint`]) or an operator pattern in Spin's
//!    grammar ([`AllowedHosts::parse`]). An empty list denies everything.
//! 2. [`EgressPolicy`], after DNS: every resolved address is checked again,
//!    so an allowed name cannot resolve to loopback, link-local, the cloud
//!    metadata service, multicast and the like (also in IPv4-mapped and
//!    NAT64 forms) unless the operator granted that exact address.
//!
//! The second check exists because names are not addresses: a permitted
//! `*.example.com` may point anywhere, including at the host itself.
//! Private ranges (10/8, 172.16/12, 192.168/16, fc00::/7) stay allowed,
//! since clouds serve their APIs there.

mod allowed_hosts;
mod body;
mod egress;
mod hooks;
mod pattern;
mod send;
mod tls;

pub use allowed_hosts::AllowedHosts;
pub use egress::{DeniedRange, EgressDenied, EgressPolicy};
pub(crate) use hooks::{HttpHooks, NetContext};
pub use pattern::{PatternError, PatternErrorKind, covers};
pub(crate) use tls::client_config;
