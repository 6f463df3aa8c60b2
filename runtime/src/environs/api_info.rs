//! The controller's API addresses and a provider health check: Juju's
//! `environs.APIInfo`, `AddressesRefreshAttempt`, `CheckProviderAPI` and
//! `DefaultSpaceInfo` (`environs/utils.go`, `environs/networking.go`).
//!
//! ```no_run
//! use strato_runtime::environs::api_info::{ADDRESSES_REFRESH_ATTEMPT, api_info};
//!
//! # async fn demo(env: strato_runtime::Environ, ca_cert: &str) -> strato_runtime::Result<()> {
//! // Waits (up to 3 minutes) until a controller instance has an address.
//! let info = api_info("ctrl-uuid", "model-uuid", ca_cert, 17070, &env, ADDRESSES_REFRESH_ATTEMPT)
//!     .await?;
//! println!("connect to {:?} ({})", info.addrs, info.model_tag);
//! # Ok(()) }
//! ```

use std::time::Duration;

use tokio::time::Instant;

use crate::environ::Environ;
use crate::error::{Error, Result};
use crate::types::{ApiInfo, Instance, ProviderAddress, SpaceInfo};

/// `environs.AddressesRefreshAttempt`'s type: Juju's
/// `utils.AttemptStrategy` without `Min`. The first attempt is immediate;
/// each next one starts `delay` after the previous one started, and only if
/// it would start before `total` has elapsed since the first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressesRefreshAttempt {
    /// How long to keep trying, from the first attempt.
    pub total: Duration,
    /// The time between the starts of two attempts.
    pub delay: Duration,
}

/// `environs.AddressesRefreshAttempt`: 3 minutes in total, 1 second apart.
pub const ADDRESSES_REFRESH_ATTEMPT: AddressesRefreshAttempt = AddressesRefreshAttempt {
    total: Duration::from_secs(180),
    delay: Duration::from_secs(1),
};

impl Default for AddressesRefreshAttempt {
    /// [`ADDRESSES_REFRESH_ATTEMPT`].
    fn default() -> Self {
        ADDRESSES_REFRESH_ATTEMPT
    }
}

/// `environs.DefaultSpaceInfo`: the space to ask
/// [`Environ::provider_space_info`] (`networking.provider-space-info`)
/// about for the default space, as `DEFAULT_SPACE_INFO.as_ref()`. It is
/// `None`, as Juju's is `nil`.
pub const DEFAULT_SPACE_INFO: Option<SpaceInfo> = None;

/// `environs.APIInfo`: the API info of the controller `controller_uuid`
/// for model `model_uuid`, with addresses and CA certificate but no tag or
/// password.
///
/// It asks the environ for the controller's instances
/// (`controller-instances`: errors, including [`Error::NotBootstrapped`]
/// and [`Error::NoInstances`], are returned as they are), then polls
/// `instances` for them under `attempt` until at least one address
/// appears. Instances that are missing ([`Error::PartialInstances`]) are
/// skipped; any other error of `instances` ends the wait and is returned.
/// Every address of every instance found becomes `host:api_port` (IPv6 in
/// brackets), in instance then address order. If no address appeared in
/// time the result is [`Error::NotFound`] `addresses for [id …] not found`.
///
/// `model_tag` is `model-<model_uuid>`; `tag`, `password` and `nonce` are
/// empty.
pub async fn api_info(
    controller_uuid: &str,
    model_uuid: &str,
    ca_cert: &str,
    api_port: u16,
    env: &Environ,
    attempt: AddressesRefreshAttempt,
) -> Result<ApiInfo> {
    let ids = env.controller_instances(controller_uuid).await?;
    tracing::debug!(target: "strato::environs", ?ids, "controller instances");
    let addrs = wait_any_instance_addresses(env, &ids, attempt).await?;
    Ok(ApiInfo {
        addrs: addrs
            .iter()
            .map(|a| join_host_port(&a.value, api_port))
            .collect(),
        ca_cert: ca_cert.to_string(),
        tag: String::new(),
        password: String::new(),
        nonce: String::new(),
        model_tag: format!("model-{model_uuid}"),
    })
}

/// Juju's `waitAnyInstanceAddresses`.
async fn wait_any_instance_addresses(
    env: &Environ,
    ids: &[String],
    attempt: AddressesRefreshAttempt,
) -> Result<Vec<ProviderAddress>> {
    let start = Instant::now();
    let end = start + attempt.total;
    let mut last = start;
    let mut tries = 0u32;
    loop {
        if tries > 0 {
            // utils.Attempt.Next: stop unless the next start is before the end.
            let next = last + attempt.delay;
            if next >= end {
                break;
            }
            tokio::time::sleep_until(next).await;
            last = Instant::now();
        }
        tries += 1;
        let instances: Vec<Instance> = match env.instances(ids).await {
            Ok(found) => found,
            Err(Error::PartialInstances(slots)) => slots.into_iter().flatten().collect(),
            Err(e) => {
                tracing::debug!(target: "strato::environs", error = %e, "error getting state instances");
                return Err(e);
            }
        };
        let addrs: Vec<ProviderAddress> = instances.into_iter().flat_map(|i| i.addresses).collect();
        if !addrs.is_empty() {
            tracing::debug!(target: "strato::environs", tries, "controller addresses found");
            return Ok(addrs);
        }
    }
    Err(Error::NotFound(format!(
        "addresses for [{}] not found",
        ids.join(" ")
    )))
}

/// Go's `net.JoinHostPort`: IPv6 literals (any host with a `:`) in brackets.
fn join_host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// `environs.CheckProviderAPI`: makes one simple call (`all-instances`) to
/// check that the provider's cloud answers. No instances or only some
/// ([`Error::NoInstances`], [`Error::PartialInstances`]) count as an
/// answer; any other error is returned (Juju annotates it with "cannot
/// make API call to provider"; that context is logged here).
pub async fn check_provider_api(env: &Environ) -> Result<()> {
    match env.all_instances().await {
        Ok(_) | Err(Error::NoInstances) | Err(Error::PartialInstances(_)) => Ok(()),
        Err(e) => {
            tracing::debug!(target: "strato::environs", error = %e, "cannot make API call to provider");
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // net.JoinHostPort brackets IPv6 literals only.
    #[test]
    fn join_host_port_table() {
        let rows = [
            ("10.0.0.1", "10.0.0.1:17070"),
            ("localhost", "localhost:17070"),
            ("i-1.dns", "i-1.dns:17070"),
            ("::1", "[::1]:17070"),
            ("fe80::1%eth0", "[fe80::1%eth0]:17070"),
        ];
        for (host, want) in rows {
            assert_eq!(join_host_port(host, 17070), want);
        }
    }

    // Juju's AddressesRefreshAttempt: 3 minutes, 1 second apart.
    #[test]
    fn default_attempt() {
        assert_eq!(
            AddressesRefreshAttempt::default(),
            AddressesRefreshAttempt {
                total: Duration::from_secs(180),
                delay: Duration::from_secs(1)
            }
        );
        assert!(DEFAULT_SPACE_INFO.is_none());
    }
}
