//! The isolation domain of a provider handle: the one cloud and the one
//! credential its instances serve.
//!
//! The first cloud spec the handle sees (in [`crate::Grants::cloud`], or the
//! first `open` / `prepare-config`) binds it. From then on the host keeps
//! the whole credential, the guest sees only its non-secret attributes,
//! outgoing requests may reach the cloud's endpoints, and signing works
//! only toward them. Another region of the same cloud and credential adds
//! its endpoints; another cloud or another credential is refused, so one
//! instance never serves two credentials.

use std::net::IpAddr;
use std::sync::{Arc, RwLock};

use crate::capabilities::credentials::HostCredential;
use crate::capabilities::network::AllowedHosts;
use crate::error::{Error, Result};
use crate::types::{CloudSpec, CredentialSchema};

#[derive(Default)]
struct Bound {
    cloud: String,
    /// The full spec of the last binding, credential removed.
    spec: Option<CloudSpec>,
    credential: Option<Arc<HostCredential>>,
    endpoints: AllowedHosts,
    /// Every endpoint URL, for messages.
    urls: Vec<String>,
    /// IP-literal endpoint hosts: the operator named these addresses.
    exact: Vec<IpAddr>,
    ca_certificates: Vec<String>,
}

/// The cloud and credential a handle serves (see the module docs).
#[derive(Default)]
pub(crate) struct Domain {
    bound: RwLock<Bound>,
    /// Attribute names the operator declared secret.
    extra_secret: Vec<String>,
}

impl Domain {
    pub fn new(extra_secret: Vec<String>) -> Domain {
        Domain {
            bound: RwLock::new(Bound::default()),
            extra_secret,
        }
    }

    /// Binds `spec` (whose credential still holds its secrets) and returns
    /// the spec the guest may see: the same, with only the non-secret
    /// credential attributes. `schemas` = the provider's credential
    /// schemas: an attribute they hide or do not declare stays secret.
    pub fn bind(&self, spec: &CloudSpec, schemas: &[CredentialSchema]) -> Result<CloudSpec> {
        let mut b = self.bound.write().unwrap_or_else(|e| e.into_inner());
        if b.spec.is_some() && !b.cloud.is_empty() && b.cloud != spec.name {
            return Err(Error::Domain(format!(
                "this provider instance serves cloud {:?}; cloud {:?} needs an instance of its own",
                b.cloud, spec.name
            )));
        }
        let credential = match (&spec.credential, &b.credential) {
            (Some(new), Some(old)) if !old.same_as(new) => {
                return Err(Error::Domain(format!(
                    "this provider instance serves credential {:?}; credential {:?} needs an instance of its own",
                    old.label(),
                    new.label
                )));
            }
            (Some(new), None) => Some(Arc::new(HostCredential::with_schemas(
                new,
                schemas,
                &self.extra_secret,
            ))),
            (_, old) => old.clone(),
        };
        for url in [
            &spec.endpoint,
            &spec.identity_endpoint,
            &spec.storage_endpoint,
        ] {
            if url.is_empty() || b.urls.contains(url) {
                continue;
            }
            // Juju lets a cloud's endpoint be any string (a region name, a
            // host, a URL); only a URL names somewhere to connect to.
            match AllowedHosts::from_endpoint(url) {
                Ok(allowed) => b.endpoints.extend(allowed),
                Err(e) => {
                    tracing::debug!(target: "strato::runtime", cloud = %spec.name, endpoint = %url, error = %e, "endpoint is not a URL; it opens no destination");
                }
            }
            b.urls.push(url.clone());
            if let Some(ip) = endpoint_ip(url) {
                b.exact.push(ip);
            }
        }
        for pem in &spec.ca_certificates {
            if !b.ca_certificates.contains(pem) {
                b.ca_certificates.push(pem.clone());
            }
        }
        b.cloud = spec.name.clone();
        let mut visible = spec.clone();
        visible.credential = credential.as_ref().map(|c| c.visible());
        let mut stored = spec.clone();
        stored.credential = None;
        b.spec = Some(stored);
        b.credential = credential;
        Ok(visible)
    }

    /// The cloud's name, empty before binding.
    pub fn cloud(&self) -> String {
        self.read(|b| b.cloud.clone())
    }

    /// The credential the host holds, if any.
    pub fn credential(&self) -> Option<Arc<HostCredential>> {
        self.read(|b| b.credential.clone())
    }

    /// Where the guest may always go: the bound cloud's endpoints.
    pub fn cloud_endpoints(&self) -> AllowedHosts {
        self.read(|b| b.endpoints.clone())
    }

    /// Where a request may be signed: the endpoints of the credential's
    /// cloud (the same cloud, since a domain has one).
    pub fn sign_targets(&self) -> AllowedHosts {
        self.read(|b| {
            if b.credential.is_some() {
                b.endpoints.clone()
            } else {
                AllowedHosts::default()
            }
        })
    }

    /// Addresses the operator named as endpoint hosts (exempt from the
    /// post-DNS address checks, like an exact IP grant).
    pub fn exact_addresses(&self) -> Vec<IpAddr> {
        self.read(|b| b.exact.clone())
    }

    /// The cloud's CA certificates (PEM), trusted besides the system roots.
    pub fn ca_certificates(&self) -> Vec<String> {
        self.read(|b| b.ca_certificates.clone())
    }

    fn read<R>(&self, f: impl FnOnce(&Bound) -> R) -> R {
        f(&self.bound.read().unwrap_or_else(|e| e.into_inner()))
    }
}

/// The IP address of an endpoint URL whose host is an IP literal.
pub(crate) fn endpoint_ip(url: &str) -> Option<IpAddr> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(v6) = host.strip_prefix('[') {
        return v6.split(']').next()?.parse().ok();
    }
    host.split(':').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_ips_are_read_from_literals_only() {
        assert_eq!(
            endpoint_ip("http://127.0.0.1:5000/"),
            Some("127.0.0.1".parse().unwrap())
        );
        assert_eq!(
            endpoint_ip("https://[::1]:8443"),
            Some("::1".parse().unwrap())
        );
        assert_eq!(endpoint_ip("https://ec2.us-east-1.amazonaws.com"), None);
    }
}
