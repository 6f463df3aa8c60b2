//! `capabilities!`: the component's declared capabilities as JSON in a
//! `strato:capabilities` custom section.

use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::quote;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Ident, LitBool, LitByteStr, LitStr, Token, bracketed};

/// The custom section the host reads (`strato_runtime::read_manifest`).
const SECTION: &str = "strato:capabilities";
const KEYS: &str = "network, reveal, state_dir, env, read";

/// What the macro was given, checked.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Declared {
    network: Option<Vec<String>>,
    reveal: Option<Vec<String>>,
    state_dir: Option<bool>,
    env: Option<Vec<String>>,
    read: Option<Vec<String>>,
}

impl Parse for Declared {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut declared = Declared::default();
        while !input.is_empty() {
            let key: Ident = input.parse()?;
            input.parse::<Token![:]>()?;
            let twice = || syn::Error::new(key.span(), format!("`{key}` is given twice"));
            match key.to_string().as_str() {
                "network" => {
                    if declared.network.is_some() {
                        return Err(twice());
                    }
                    let list = strings(input)?;
                    for (text, span) in &list {
                        check_pattern(text, *span)?;
                    }
                    declared.network = Some(list.into_iter().map(|(s, _)| s).collect());
                }
                "reveal" => {
                    if declared.reveal.is_some() {
                        return Err(twice());
                    }
                    let list = strings(input)?;
                    for (text, span) in &list {
                        if !is_attribute_name(text) {
                            return Err(syn::Error::new(
                                *span,
                                format!(
                                    "{text:?} is not a credential attribute name (letters, \
                                     digits, `-`, `_`, `.`)"
                                ),
                            ));
                        }
                    }
                    declared.reveal = Some(list.into_iter().map(|(s, _)| s).collect());
                }
                "env" => {
                    if declared.env.is_some() {
                        return Err(twice());
                    }
                    let list = strings(input)?;
                    for (text, span) in &list {
                        if !is_env_name(text) {
                            return Err(syn::Error::new(
                                *span,
                                format!(
                                    "{text:?} is not an environment variable name (letters, \
                                     digits and `_`, not starting with a digit)"
                                ),
                            ));
                        }
                    }
                    declared.env = Some(list.into_iter().map(|(s, _)| s).collect());
                }
                "read" => {
                    if declared.read.is_some() {
                        return Err(twice());
                    }
                    let list = strings(input)?;
                    for (text, span) in &list {
                        check_read_path(text, *span)?;
                    }
                    declared.read = Some(list.into_iter().map(|(s, _)| s).collect());
                }
                "state_dir" => {
                    if declared.state_dir.is_some() {
                        return Err(twice());
                    }
                    let value: LitBool = input.parse()?;
                    declared.state_dir = Some(value.value);
                }
                other => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("unknown capability `{other}`; expected one of: {KEYS}"),
                    ));
                }
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(declared)
    }
}

/// `["a", "b"]`, each string with its span.
fn strings(input: ParseStream<'_>) -> syn::Result<Vec<(String, Span)>> {
    let content;
    bracketed!(content in input);
    let list = Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?;
    Ok(list.into_iter().map(|l| (l.value(), l.span())).collect())
}

/// A light check of the pattern grammar; the host parses it fully at load.
fn check_pattern(text: &str, span: Span) -> syn::Result<()> {
    let scheme = text.split_once("://").map(|(s, _)| s);
    let ok = matches!(scheme, Some("http" | "https" | "*"))
        && !text.contains(|c: char| c.is_whitespace() || c == '"' || c == '\\');
    if ok {
        Ok(())
    } else {
        Err(syn::Error::new(
            span,
            format!(
                "{text:?} is not a network pattern: write `scheme://host[:port]` with scheme \
                 http, https or * (e.g. \"https://*.example.com\")"
            ),
        ))
    }
}

fn is_attribute_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

fn is_env_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 128
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// A directory to read: `~`, `~/…` or `/…`, without `.` or `..`
/// components (the host checks the rest at load).
fn check_read_path(text: &str, span: Span) -> syn::Result<()> {
    let rest = if text == "~" {
        Some("")
    } else {
        text.strip_prefix("~/")
            .or_else(|| text.starts_with('/').then_some(text))
    };
    let why = match rest {
        None => Some("is not absolute: write `/…`, `~` or `~/…` (`~` = the host user's home)"),
        Some(rest) if rest.split('/').any(|p| p == "." || p == "..") => {
            Some("has a `.` or `..` component")
        }
        Some(_) if text.chars().any(char::is_control) => Some("holds a control character"),
        Some(rest) if text.starts_with('/') && rest.split('/').all(str::is_empty) => {
            Some("is the root: name a directory")
        }
        Some(_) => None,
    };
    match why {
        None => Ok(()),
        Some(why) => Err(syn::Error::new(span, format!("{text:?} {why}"))),
    }
}

impl Declared {
    /// The manifest JSON:
    /// `{"network":[…],"reveal":[…],"state-dir":true,"env":[…],"read":[…]}`
    /// with only the keys given.
    pub fn to_json(&self) -> String {
        let list = |items: &[String]| {
            let quoted: Vec<String> = items.iter().map(|s| json_string(s)).collect();
            format!("[{}]", quoted.join(","))
        };
        let mut fields = Vec::new();
        if let Some(network) = &self.network {
            fields.push(format!("\"network\":{}", list(network)));
        }
        if let Some(reveal) = &self.reveal {
            fields.push(format!("\"reveal\":{}", list(reveal)));
        }
        if let Some(state_dir) = self.state_dir {
            fields.push(format!("\"state-dir\":{state_dir}"));
        }
        if let Some(env) = &self.env {
            fields.push(format!("\"env\":{}", list(env)));
        }
        if let Some(read) = &self.read {
            fields.push(format!("\"read\":{}", list(read)));
        }
        format!("{{{}}}", fields.join(","))
    }
}

fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The static holding the JSON, placed in the custom section on wasm.
pub fn expand(declared: &Declared) -> TokenStream2 {
    let json = declared.to_json();
    let len = json.len();
    let bytes = LitByteStr::new(json.as_bytes(), Span::call_site());
    let section = LitStr::new(SECTION, Span::call_site());
    quote! {
        const _: () = {
            // Natively (unit tests) the static is plain data; in a wasm
            // component it is the custom section the host reads at load.
            #[cfg_attr(target_arch = "wasm32", unsafe(link_section = #section))]
            #[used]
            static STRATO_CAPABILITIES: [u8; #len] = *#bytes;
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> syn::Result<Declared> {
        syn::parse_str(text)
    }

    #[test]
    fn builds_the_json() {
        let d = parse(
            r#"network: ["https://*.example.com", "http://10.0.0.0/8:8000-8999"],
               reveal: ["secret-key"], state_dir: true,"#,
        )
        .unwrap();
        assert_eq!(
            d.to_json(),
            r#"{"network":["https://*.example.com","http://10.0.0.0/8:8000-8999"],"reveal":["secret-key"],"state-dir":true}"#
        );
        assert_eq!(
            parse("state_dir: true").unwrap().to_json(),
            r#"{"state-dir":true}"#
        );
        assert_eq!(parse("").unwrap().to_json(), "{}");
        assert_eq!(
            parse(r#"read: ["~/.aws", "/etc/juju"], env: ["AWS_PROFILE"]"#)
                .unwrap()
                .to_json(),
            r#"{"env":["AWS_PROFILE"],"read":["~/.aws","/etc/juju"]}"#
        );
        assert_eq!(json_string("a\"b\\c\n"), r#""a\"b\\c\u000a""#);
    }

    #[test]
    fn refuses_mistakes() {
        for (text, words) in [
            ("netwrok: []", "unknown capability `netwrok`"),
            ("state_dir: true, state_dir: false", "given twice"),
            (r#"network: ["example.com"]"#, "not a network pattern"),
            (r#"network: ["ftp://example.com"]"#, "not a network pattern"),
            (r#"reveal: ["a b"]"#, "not a credential attribute name"),
            ("state_dir: 1", "expected boolean literal"),
            ("state_dir true", "expected `:`"),
            (r#"env: ["A=B"]"#, "not an environment variable name"),
            (r#"env: ["1A"]"#, "not an environment variable name"),
            (r#"env: [], env: []"#, "given twice"),
            (r#"read: [".aws"]"#, "not absolute"),
            (r#"read: ["~user/.aws"]"#, "not absolute"),
            (r#"read: ["~/../etc"]"#, "`..`"),
            (r#"read: ["/"]"#, "the root"),
        ] {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.contains(words), "{text}: {err}");
        }
    }

    #[test]
    fn expands_to_a_sized_static() {
        let tokens = expand(&parse("state_dir: true").unwrap()).to_string();
        assert!(
            tokens.contains("link_section = \"strato:capabilities\""),
            "{tokens}"
        );
        assert!(tokens.contains("[u8 ; 18usize]"), "{tokens}");
    }
}
