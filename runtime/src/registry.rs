//! The provider registry of the environs package (`RegisterProvider`,
//! `UnregisterProvider`, `RegisteredProviders`, `Provider`), returning
//! errors where Go panics.

use std::collections::{BTreeMap, HashMap};

use crate::error::{Error, Result};
use crate::handle::ProviderHandle;

/// Names and aliases → providers.
///
/// ```no_run
/// # async fn demo(dummy: strato_runtime::ProviderHandle) -> strato_runtime::Result<()> {
/// let mut registry = strato_runtime::ProviderRegistry::new();
/// registry.register("dummy", dummy, &["dummy-alias"])?;
/// let p = registry.provider("dummy-alias")?;
/// assert_eq!(registry.registered_providers(), ["dummy"]);
/// # Ok(()) }
/// ```
#[derive(Default, Debug)]
pub struct ProviderRegistry {
    map: NameMap<ProviderHandle>,
}

impl ProviderRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// `RegisterProvider`: registers `provider` under `name` and `aliases`.
    /// A name or alias already in use (as a name or an alias, or twice in
    /// this call) is [`Error::AlreadyRegistered`]; nothing is registered then.
    pub fn register(
        &mut self,
        name: &str,
        provider: ProviderHandle,
        aliases: &[&str],
    ) -> Result<()> {
        self.map.register(name, provider, aliases)
    }

    /// `UnregisterProvider`: removes `name` and its aliases; an unknown name
    /// is a no-op.
    pub fn unregister(&mut self, name: &str) {
        self.map.unregister(name)
    }

    /// `RegisteredProviders`: the names (not aliases), sorted.
    pub fn registered_providers(&self) -> Vec<String> {
        self.map.names()
    }

    /// `Provider`: the provider registered under a name or alias;
    /// [`Error::ProviderNotFound`] otherwise.
    pub fn provider(&self, name_or_alias: &str) -> Result<ProviderHandle> {
        self.map.get(name_or_alias).cloned()
    }
}

/// The registry logic, independent of what is registered.
#[derive(Debug)]
struct NameMap<T> {
    entries: BTreeMap<String, T>,
    /// Alias → name.
    aliases: HashMap<String, String>,
}

impl<T> Default for NameMap<T> {
    fn default() -> Self {
        NameMap {
            entries: BTreeMap::new(),
            aliases: HashMap::new(),
        }
    }
}

impl<T> NameMap<T> {
    fn taken(&self, name: &str) -> bool {
        self.entries.contains_key(name) || self.aliases.contains_key(name)
    }

    fn register(&mut self, name: &str, value: T, aliases: &[&str]) -> Result<()> {
        if self.taken(name) {
            return Err(Error::AlreadyRegistered(name.to_string()));
        }
        for (i, alias) in aliases.iter().enumerate() {
            if self.taken(alias) || *alias == name || aliases[..i].contains(alias) {
                return Err(Error::AlreadyRegistered(alias.to_string()));
            }
        }
        self.entries.insert(name.to_string(), value);
        for alias in aliases {
            self.aliases.insert(alias.to_string(), name.to_string());
        }
        Ok(())
    }

    fn unregister(&mut self, name: &str) {
        if self.entries.remove(name).is_some() {
            self.aliases.retain(|_, target| target != name);
        }
    }

    fn names(&self) -> Vec<String> {
        self.entries.keys().cloned().collect()
    }

    fn get(&self, name_or_alias: &str) -> Result<&T> {
        let name = self
            .aliases
            .get(name_or_alias)
            .map(String::as_str)
            .unwrap_or(name_or_alias);
        self.entries
            .get(name)
            .ok_or_else(|| Error::ProviderNotFound(name_or_alias.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn already(r: Result<()>) -> String {
        match r {
            Err(Error::AlreadyRegistered(n)) => n,
            other => panic!("expected AlreadyRegistered, got {other:?}"),
        }
    }

    #[test]
    fn lookup_by_name_and_alias() {
        let mut m = NameMap::default();
        m.register("ec2", 1, &["aws", "amazon"]).unwrap();
        m.register("dummy", 2, &[]).unwrap();
        assert_eq!(*m.get("ec2").unwrap(), 1);
        assert_eq!(*m.get("aws").unwrap(), 1);
        assert_eq!(*m.get("amazon").unwrap(), 1);
        assert_eq!(*m.get("dummy").unwrap(), 2);
        let err = m.get("gce").unwrap_err();
        assert!(matches!(err, Error::ProviderNotFound(ref n) if n == "gce"));
        assert_eq!(err.to_string(), "no registered provider for \"gce\"");
    }

    #[test]
    fn names_are_sorted_and_exclude_aliases() {
        let mut m = NameMap::default();
        m.register("openstack", 1, &["os"]).unwrap();
        m.register("azure", 2, &[]).unwrap();
        m.register("ec2", 3, &["aws"]).unwrap();
        assert_eq!(m.names(), ["azure", "ec2", "openstack"]);
    }

    #[test]
    fn duplicates_are_errors_and_register_nothing() {
        let mut m = NameMap::default();
        m.register("ec2", 1, &["aws"]).unwrap();
        assert_eq!(already(m.register("ec2", 2, &[])), "ec2");
        assert_eq!(already(m.register("aws", 2, &[])), "aws");
        assert_eq!(already(m.register("x", 2, &["ec2"])), "ec2");
        assert_eq!(already(m.register("y", 2, &["aws"])), "aws");
        assert_eq!(already(m.register("z", 2, &["z"])), "z");
        assert_eq!(already(m.register("w", 2, &["a", "a"])), "a");
        assert_eq!(m.names(), ["ec2"]);
        assert!(m.get("x").is_err() && m.get("a").is_err() && m.get("w").is_err());
    }

    #[test]
    fn unregister_removes_aliases() {
        let mut m = NameMap::default();
        m.register("ec2", 1, &["aws"]).unwrap();
        m.register("gce", 2, &["google"]).unwrap();
        m.unregister("ec2");
        assert!(m.get("ec2").is_err());
        assert!(m.get("aws").is_err());
        assert_eq!(*m.get("google").unwrap(), 2);
        m.unregister("nope");
        m.unregister("google"); // an alias is not a name: no-op
        assert_eq!(*m.get("google").unwrap(), 2);
        // Freed names and aliases can be registered again.
        m.register("aws", 3, &["ec2"]).unwrap();
        assert_eq!(*m.get("ec2").unwrap(), 3);
    }
}
