//! Reading a component's type without compiling it.
//!
//! `inspect` walks the top-level import and export sections with
//! `wasmparser` (a few milliseconds even for large components) and checks
//! that the component is a provider this runtime can run: it exports
//! `juju:environs/provider` and `juju:environs/model` (0.1.0:
//! `juju:environs/environ`) of one supported WIT version, and imports only
//! what the sandbox offers.

use std::fmt;
use std::time::Duration;

use sha2::{Digest, Sha256};
use wasmparser::{Encoding, Parser, Payload};

use crate::bindings;
use crate::error::{Error, Result};

/// What a component is, read from its binary (and, once loaded, how it was
/// compiled).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct ComponentInfo {
    /// The `juju:environs` version the component was built against
    /// ("0.2.0", or "0.1.0" for a component built before the 0.2.0 contract).
    pub wit_version: String,
    /// The optional interfaces it exports, in [`OptionalInterface::ALL`] order.
    pub optional: Vec<OptionalInterface>,
    /// Every import name, e.g. `wasi:cli/environment@0.2.6`.
    pub imports: Vec<String>,
    /// Every export name, e.g. `juju:environs/provider@0.1.0`.
    pub exports: Vec<String>,
    /// Size of the component in bytes.
    pub size: usize,
    /// SHA-256 of the component bytes, lowercase hex.
    pub sha256: String,
    /// The capabilities it declares (its `strato:capabilities` section).
    pub declared: crate::grants::Manifest,
    /// How long compilation took; `None` when loaded from a cache or not
    /// compiled (see [`crate::inspect`]).
    pub compile_time: Option<Duration>,
    /// True when the compiled form came from the memory or disk cache.
    pub from_cache: bool,
}

impl ComponentInfo {
    /// True when the component exports `i`.
    pub fn supports(&self, i: OptionalInterface) -> bool {
        self.optional.contains(&i)
    }

    /// The world the component implements, named from its exports: one of
    /// the contract's worlds when it matches (`juju:environs/base-provider@0.1.0`,
    /// `juju:environs/full-provider@0.1.0`), else the provider's own world as
    /// the base world plus what it exports beyond it:
    /// `juju:environs/base-provider@0.1.0 + firewaller, availability-zones`.
    pub fn world(&self) -> String {
        let base = bindings::interface_name("base-provider", &self.wit_version);
        if self.optional.is_empty() {
            return base;
        }
        if self.optional.len() == OptionalInterface::ALL.len() {
            return bindings::interface_name("full-provider", &self.wit_version);
        }
        let names: Vec<&str> = self.optional.iter().map(|i| i.wit_name()).collect();
        format!("{base} + {}", names.join(", "))
    }

    /// The imports the sandbox links to functions that trap (`wasi:sockets`
    /// 0.2): the component loads, and a call that uses one fails.
    pub fn stubbed_imports(&self) -> impl Iterator<Item = &str> {
        self.imports
            .iter()
            .map(String::as_str)
            .filter(|name| is_stubbed(name))
    }
}

macro_rules! optional_interfaces {
    ($($variant:ident => $wit:literal,)*) => {
        /// The optional interfaces of the contract: a provider exports only
        /// those its cloud supports (Juju finds them by type assertion).
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        pub enum OptionalInterface {
            $(
                #[doc = concat!("`juju:environs/", $wit, "`.")]
                $variant,
            )*
        }

        impl OptionalInterface {
            /// Every optional interface, in WIT order.
            pub const ALL: [Self; 16] = [$(Self::$variant,)*];

            /// The WIT interface name, e.g. `"firewaller"`.
            pub fn wit_name(self) -> &'static str {
                match self {
                    $(Self::$variant => $wit,)*
                }
            }
        }
    };
}

optional_interfaces! {
    Firewaller => "firewaller",
    InstanceFirewaller => "instance-firewaller",
    Networking => "networking",
    InstanceTagger => "instance-tagger",
    Upgrader => "upgrader",
    LxdProfiler => "lxd-profiler",
    DefaultConstraintsChecker => "default-constraints-checker",
    AvailabilityZones => "availability-zones",
    CloudDetector => "cloud-detector",
    CloudRegionDetector => "cloud-region-detector",
    CloudFinalizer => "cloud-finalizer",
    CredentialsRegister => "credentials-register",
    RequestFinalizeCredential => "request-finalize-credential",
    ModelConfigUpgrader => "model-config-upgrader",
    ProviderSchema => "provider-schema",
    VolumeSource => "volume-source",
}

impl OptionalInterface {
    /// The interface for a WIT name (`"firewaller"`), if it is one.
    pub fn from_wit_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.wit_name() == name)
    }
}

impl fmt::Display for OptionalInterface {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.wit_name())
    }
}

/// The interface families the sandbox offers, with the versions it links.
/// Anything else a component imports is rejected at load, except
/// `wasi:sockets` 0.2 (see [`is_stubbed`]).
const OFFERED: &[(&str, &[&str], &str)] = &[
    (
        "wasi:cli",
        &[
            "environment",
            "exit",
            "stdin",
            "stdout",
            "stderr",
            "terminal-input",
            "terminal-output",
            "terminal-stdin",
            "terminal-stdout",
            "terminal-stderr",
        ],
        "0.2.",
    ),
    ("wasi:io", &["error", "poll", "streams"], "0.2."),
    ("wasi:clocks", &["wall-clock", "monotonic-clock"], "0.2."),
    (
        "wasi:random",
        &["random", "insecure", "insecure-seed"],
        "0.2.",
    ),
    ("wasi:filesystem", &["types", "preopens"], "0.2."),
    ("wasi:http", &["types", "outgoing-handler"], "0.2."),
];

/// The `juju:environs` host interfaces every version offers, besides its
/// record interface (`types` in 0.1.0, `common` since 0.2.0).
const HOST_INTERFACES: &[&str] = &[
    "call-context",
    "log",
    "bootstrap-context",
    "credential",
    "instance-types",
];

/// Reads a component's imports, exports and optional interfaces, and checks
/// that it is a provider this runtime can run, without compiling it.
///
/// ```
/// let err = strato_runtime::inspect(b"definitely not wasm").unwrap_err();
/// assert!(err.to_string().contains("not a WebAssembly binary"));
/// ```
pub fn inspect(bytes: &[u8]) -> Result<ComponentInfo> {
    let (imports, exports) = read_names(bytes)?;
    let wit_version = check_exports(&exports)?;
    check_imports(&imports, &wit_version)?;
    let optional = OptionalInterface::ALL
        .into_iter()
        .filter(|i| {
            let name = bindings::interface_name(i.wit_name(), &wit_version);
            exports.contains(&name)
        })
        .collect();
    Ok(ComponentInfo {
        wit_version,
        optional,
        imports,
        exports,
        size: bytes.len(),
        sha256: sha256_hex(bytes),
        declared: crate::manifest::read_manifest(bytes).map_err(Error::InvalidComponent)?,
        compile_time: None,
        from_cache: false,
    })
}

/// Lowercase hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::InvalidComponent(msg.into())
}

/// Top-level import and export names of a component.
fn read_names(bytes: &[u8]) -> Result<(Vec<String>, Vec<String>)> {
    if bytes.len() < 8 || &bytes[..4] != b"\0asm" {
        return Err(invalid(
            "not a WebAssembly binary (it does not start with the \\0asm header)",
        ));
    }
    let (mut imports, mut exports) = (Vec::new(), Vec::new());
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(|e| invalid(format!("malformed component: {e}")))?;
        match payload {
            Payload::Version { encoding, .. } => {
                depth += 1;
                if depth == 1 && encoding == Encoding::Module {
                    return Err(invalid(
                        "this is a core WebAssembly module, not a component \
                         (build it as a component, e.g. for wasm32-wasip2)",
                    ));
                }
            }
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(reader) if depth == 1 => {
                for import in reader {
                    let import =
                        import.map_err(|e| invalid(format!("malformed import section: {e}")))?;
                    imports.push(import.name.name.to_string());
                }
            }
            Payload::ComponentExportSection(reader) if depth == 1 => {
                for export in reader {
                    let export =
                        export.map_err(|e| invalid(format!("malformed export section: {e}")))?;
                    exports.push(export.name.name.to_string());
                }
            }
            _ => {}
        }
    }
    Ok((imports, exports))
}

/// Splits `ns:pkg/iface@version` into (`ns:pkg`, `iface`, `version`).
fn split_name(name: &str) -> Option<(&str, &str, &str)> {
    let (path, version) = name.split_once('@')?;
    let (package, iface) = path.split_once('/')?;
    Some((package, iface, version))
}

/// The supported versions, for messages: `0.1.0 and 0.2.0`.
fn supported() -> String {
    match bindings::SUPPORTED_VERSIONS.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => bindings::SUPPORTED_VERSIONS.join(""),
    }
}

/// Checks the required exports; returns the WIT version they carry. A
/// component implements one version of the contract: exports of two
/// versions are refused, naming both.
fn check_exports(exports: &[String]) -> Result<String> {
    let ours: Vec<(&str, &str)> = exports
        .iter()
        .filter_map(|e| split_name(e))
        .filter(|(package, _, _)| *package == bindings::PACKAGE)
        .map(|(_, iface, version)| (iface, version))
        .collect();
    let Some(&(_, version)) = ours.iter().find(|(iface, _)| *iface == "provider") else {
        let exported = if exports.is_empty() {
            "nothing".to_string()
        } else {
            exports.join(", ")
        };
        return Err(invalid(format!(
            "does not export {}/provider (juju:environs {}), so it is not a Strato provider; \
             it exports {exported}",
            bindings::PACKAGE,
            supported()
        )));
    };
    if let Some(&(iface, other)) = ours.iter().find(|(_, v)| *v != version) {
        return Err(invalid(format!(
            "exports two versions of the contract, {} and {}: a provider implements one \
             version (this runtime supports juju:environs {})",
            bindings::interface_name("provider", version),
            bindings::interface_name(iface, other),
            supported()
        )));
    }
    if !bindings::is_supported_version(version) {
        return Err(invalid(format!(
            "exports {}, but this runtime supports juju:environs {} only",
            bindings::interface_name("provider", version),
            supported()
        )));
    }
    let model = bindings::model_interface(version);
    if !ours.contains(&(model, version)) {
        return Err(invalid(format!(
            "exports {} but not {}",
            bindings::interface_name("provider", version),
            bindings::interface_name(model, version)
        )));
    }
    Ok(version.to_string())
}

/// Rejects every import the sandbox does not offer, naming all of them.
/// `juju:environs` imports must be of `version`, the one the component
/// exports.
fn check_imports(imports: &[String], version: &str) -> Result<()> {
    let refused: Vec<&str> = imports
        .iter()
        .map(String::as_str)
        .filter(|name| !is_offered(name, version))
        .collect();
    if refused.is_empty() {
        return Ok(());
    }
    let network = refused.iter().any(|n| n.starts_with("wasi:sockets/"));
    let why = if network {
        "no sockets in the sandbox, outgoing HTTP goes through wasi:http; "
    } else {
        ""
    };
    Err(invalid(format!(
        "imports {}, which the sandbox does not offer ({why}offered: wasi:cli, wasi:io, \
         wasi:clocks, wasi:random, wasi:filesystem, wasi:http/{{types, outgoing-handler}}, \
         juju:environs/{{call-context, log, bootstrap-context, credential, instance-types}}@{version})",
        refused.join(", ")
    )))
}

/// `wasi:sockets` 0.2 imports are linked to functions that trap, so the
/// sandbox still has no sockets: toolchains whose libc links the sockets
/// API whether or not it is used (componentize-py, Rust's `std::net`) load,
/// and the first socket call fails the call, naming the import.
pub(crate) fn is_stubbed(name: &str) -> bool {
    split_name(name).is_some_and(|(package, _, version)| {
        package == "wasi:sockets" && version.starts_with("0.2.")
    })
}

fn is_offered(name: &str, contract: &str) -> bool {
    if is_stubbed(name) {
        return true;
    }
    let Some((package, iface, version)) = split_name(name) else {
        return false;
    };
    if package == bindings::PACKAGE {
        let records = if contract == bindings::v0_1_0::WIT_VERSION {
            "types"
        } else {
            "common"
        };
        return version == contract && (iface == records || HOST_INTERFACES.contains(&iface));
    }
    OFFERED.iter().any(|(p, ifaces, prefix)| {
        *p == package && ifaces.contains(&iface) && version.starts_with(prefix)
    })
}

#[cfg(test)]
#[path = "inspect_tests.rs"]
mod tests;
