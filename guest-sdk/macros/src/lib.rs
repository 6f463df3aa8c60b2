//! The proc macro behind `strato_guest::export_provider!`. Use it through
//! `strato-guest`, which documents it; this crate exists only because a
//! proc macro needs a crate of its own.
//!
//! Why a proc macro: wit-bindgen embeds the component type of the world it
//! is given, and the component must then export all of that world. Each
//! provider exports a different set of optional interfaces, so each needs
//! its own world — an inline WIT string built from the interface list, which
//! `macro_rules!` cannot assemble.

mod capabilities;

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, LitStr, Token, Type};

/// The WIT package the SDK was built against (`juju:environs@0.2.0`).
const WIT_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../wit");
const PACKAGE: &str = "juju:environs";
const VERSION: &str = "0.2.0";

/// The optional interfaces, by their Rust name (the WIT name in snake_case).
const OPTIONAL: [&str; 16] = [
    "firewaller",
    "instance_firewaller",
    "networking",
    "instance_tagger",
    "upgrader",
    "lxd_profiler",
    "default_constraints_checker",
    "availability_zones",
    "cloud_detector",
    "cloud_region_detector",
    "cloud_finalizer",
    "credentials_register",
    "request_finalize_credential",
    "model_config_upgrader",
    "provider_schema",
    "volume_source",
];

struct Input {
    provider: Type,
    optional: Vec<Ident>,
}

impl Parse for Input {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let provider: Type = input.parse()?;
        let mut optional = Vec::new();
        if input.peek(Ident) {
            let with: Ident = input.parse()?;
            if with != "with" {
                return Err(syn::Error::new(with.span(), "expected `with`"));
            }
            let list = Punctuated::<Ident, Token![,]>::parse_terminated(input)?;
            optional.extend(list);
        } else if !input.is_empty() {
            return Err(input.error("expected `with` and a list of optional interfaces"));
        }
        for (i, name) in optional.iter().enumerate() {
            if !OPTIONAL.contains(&name.to_string().as_str()) {
                return Err(syn::Error::new(
                    name.span(),
                    format!(
                        "`{name}` is not an optional interface of {PACKAGE}@{VERSION}; expected one of: {}",
                        OPTIONAL.join(", ")
                    ),
                ));
            }
            if optional[..i].contains(name) {
                return Err(syn::Error::new(
                    name.span(),
                    format!("`{name}` is listed twice"),
                ));
            }
        }
        Ok(Input { provider, optional })
    }
}

/// Exports a provider type as the component's `juju:environs@0.2.0`
/// implementation.
///
/// ```text
/// strato_guest::export_provider!(MyProvider);
/// strato_guest::export_provider!(MyProvider with firewaller, availability_zones);
/// ```
///
/// `MyProvider` implements `strato_guest::EnvironProvider`; its `Environ`
/// implements `strato_guest::Environ`. Each name after `with` is an optional
/// interface (the WIT name in snake_case) that the component will export; it
/// needs the SDK trait of the same name (in CamelCase), implemented on the
/// environ type for environ-level interfaces (`firewaller`,
/// `instance_firewaller`, `networking`, `instance_tagger`, `upgrader`,
/// `lxd_profiler`, `default_constraints_checker`, `availability_zones`,
/// `volume_source`) or on the provider type for provider-level ones
/// (`cloud_detector`, `cloud_region_detector`, `cloud_finalizer`,
/// `credentials_register`, `request_finalize_credential`,
/// `model_config_upgrader`, `provider_schema`).
///
/// It generates the bindings for the world
/// `include juju:environs/base-provider@0.2.0` plus one `export` per listed
/// interface, sharing the SDK's types and host imports, and the glue from
/// the generated traits to the SDK traits. Invoke it once per crate.
#[proc_macro]
pub fn export_provider(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as Input);
    expand(&input).into()
}

/// Declares the capabilities the provider needs beyond its cloud's
/// endpoints, for the host to show and grant at load.
///
/// ```text
/// strato_guest::capabilities! {
///     network: ["https://*.example.com", "http://10.0.0.0/8:8000-8999"],
///     reveal: ["secret-key"],
///     state_dir: true,
///     env: ["AWS_ACCESS_KEY_ID"],
///     read: ["~/.aws"],
/// }
/// ```
///
/// Every key is optional:
///
/// - `network`: destinations besides the cloud spec's endpoints (which need
///   no declaration), in Spin's pattern grammar: `scheme://host[:port]`,
///   scheme `http`, `https` or `*`, host a name, `*.suffix`, `*`, an IP or a
///   CIDR block, port a number, a range or `*`.
/// - `reveal`: secret credential attributes the provider reads with
///   `credential::reveal` (each read is audited).
/// - `state_dir`: the provider keeps state in `/state`.
/// - `env`: host environment variables (names) the provider reads with
///   `std::env::var`, e.g. to detect credentials.
/// - `read`: host directories the provider reads (never writes): absolute,
///   or `~/…` for the host user's home, which the guest sees as `/home/…`
///   with `HOME=/home`.
///
/// The instance gets what it declares *and* the operator grants; `strato
/// inspect` shows both. The declaration is JSON in the component's
/// `strato:capabilities` custom section. Invoke the macro once per
/// component (two declarations make the component fail to load).
#[proc_macro]
pub fn capabilities(input: TokenStream) -> TokenStream {
    let declared = syn::parse_macro_input!(input as capabilities::Declared);
    capabilities::expand(&declared).into()
}

fn expand(input: &Input) -> TokenStream2 {
    let mut world = format!(
        "package strato:provider;\n\nworld strato-provider {{\n    include {PACKAGE}/base-provider@{VERSION};\n"
    );
    for name in &input.optional {
        let wit = name.to_string().replace('_', "-");
        world.push_str(&format!("    export {PACKAGE}/{wit}@{VERSION};\n"));
    }
    world.push_str("}\n");
    let world = LitStr::new(&world, Span::call_site());
    let wit_dir = LitStr::new(WIT_DIR, Span::call_site());
    let iface = |name: &str| LitStr::new(&format!("{PACKAGE}/{name}@{VERSION}"), Span::call_site());
    let (common, call_context, log, bootstrap_context, credential, instance_types) = (
        iface("common"),
        iface("call-context"),
        iface("log"),
        iface("bootstrap-context"),
        iface("credential"),
        iface("instance-types"),
    );
    let provider = &input.provider;
    let optional = &input.optional;

    quote! {
        #[doc(hidden)]
        type __StratoProvider = #provider;

        /// Bindings for this provider's world, generated by `export_provider!`.
        #[doc(hidden)]
        #[allow(warnings, clippy::all, clippy::pedantic, missing_docs, unreachable_pub)]
        mod __strato_export {
            ::strato_guest::__private::wit_bindgen::generate!({
                inline: #world,
                path: #wit_dir,
                with: {
                    #common: ::strato_guest::types,
                    #call_context: ::strato_guest::__private::call_context,
                    #log: ::strato_guest::__private::log,
                    #bootstrap_context: ::strato_guest::__private::bootstrap_context,
                    #credential: ::strato_guest::__private::credential,
                    #instance_types: ::strato_guest::__private::instance_types,
                },
                runtime_path: "::strato_guest::__private::wit_bindgen::rt",
            });

            pub(super) type Provider = super::__StratoProvider;
            pub(super) type Env = <Provider as ::strato_guest::EnvironProvider>::Environ;
            pub(super) struct Export;
            pub(super) struct EnvironRep(Env);
            pub(super) struct FinalizerRep(<Env as ::strato_guest::Environ>::Finalizer);

            ::strato_guest::__forward!(base);
            #( ::strato_guest::__forward!(#optional); )*

            // Only a wasm component exports the functions: the export names
            // (`juju:environs/…#…`) are not valid symbols for native linkers,
            // and natively the crate is only type-checked and unit-tested.
            #[cfg(target_arch = "wasm32")]
            export!(Export with_types_in self);
        }
    }
}
