//! Reading what a component declares it needs: the JSON of its
//! `strato:capabilities` custom section.
//!
//! The section may sit at the top level of the component or inside any
//! nested core module or component: a Rust guest built with
//! `strato_guest::capabilities!` puts it in its core module, and tools that
//! wrap a core module into a component keep the module's custom sections.
//! No section means the component asks for nothing beyond its cloud's
//! endpoints.

use wasmparser::{Parser, Payload};

use crate::grants::{Manifest, local};

/// The name of the custom section holding a component's declared
/// capabilities.
pub const MANIFEST_SECTION: &str = "strato:capabilities";

/// The largest manifest accepted: a declaration is a few patterns and
/// names, so anything bigger is a mistake or an attack on the parser.
pub const MANIFEST_MAX_BYTES: usize = 64 << 10;

/// Reads the capabilities `bytes` (a component) declares: the JSON of its
/// one `strato:capabilities` custom section, wherever it is nested, parsed
/// with [`Manifest::from_json`]. No such section gives
/// [`Manifest::default()`] (nothing asked). Two sections, a section larger
/// than 64 KiB, text that is not UTF-8 or JSON that is not a manifest are
/// errors, as is a binary `wasmparser` cannot read.
///
/// ```
/// let component = wat::parse_str("(component)").unwrap();
/// let declared = strato_runtime::read_manifest(&component).unwrap();
/// assert_eq!(declared, strato_runtime::Manifest::default());
/// ```
pub fn read_manifest(bytes: &[u8]) -> Result<Manifest, String> {
    let Some(data) = find_section(bytes)? else {
        return Ok(Manifest::default());
    };
    if data.len() > MANIFEST_MAX_BYTES {
        return Err(format!(
            "the {MANIFEST_SECTION} section is {} bytes, more than the {} allowed",
            data.len(),
            MANIFEST_MAX_BYTES
        ));
    }
    let text = std::str::from_utf8(data)
        .map_err(|e| format!("the {MANIFEST_SECTION} section is not UTF-8 text: {e}"))?;
    let manifest = Manifest::from_json(text)
        .map_err(|e| format!("the {MANIFEST_SECTION} section is not valid: {e}"))?;
    check(&manifest)?;
    Ok(manifest)
}

/// The data of the one `strato:capabilities` section, if any.
fn find_section(bytes: &[u8]) -> Result<Option<&[u8]>, String> {
    let mut found = None;
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(|e| format!("malformed component: {e}"))?;
        if let Payload::CustomSection(reader) = payload
            && reader.name() == MANIFEST_SECTION
        {
            if found.is_some() {
                return Err(format!(
                    "more than one {MANIFEST_SECTION} section (declare capabilities once per \
                     component)"
                ));
            }
            found = Some(reader.data());
        }
    }
    Ok(found)
}

/// Every declared pattern must parse, every attribute and environment
/// variable name be a name and every `read` path absolute or under `~`: an
/// unreadable declaration is refused at load, not silently ignored.
fn check(manifest: &Manifest) -> Result<(), String> {
    crate::capabilities::network::AllowedHosts::parse(&manifest.network)
        .map_err(|e| format!("the {MANIFEST_SECTION} section declares an {e}"))?;
    for name in &manifest.reveal {
        let ok = !name.is_empty()
            && name.len() <= 128
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.');
        if !ok {
            return Err(format!(
                "the {MANIFEST_SECTION} section asks to reveal {name:?}, which is not a \
                 credential attribute name"
            ));
        }
    }
    if let Some(name) = manifest.env.iter().find(|n| !local::is_env_name(n)) {
        return Err(format!(
            "the {MANIFEST_SECTION} section asks for the environment variable {name:?}, which \
             is not a variable name (letters, digits and `_`)"
        ));
    }
    for path in &manifest.read {
        local::check_read_path(path)
            .map_err(|e| format!("the {MANIFEST_SECTION} section asks to read {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A component whose nested core module carries `sections` as custom
    /// sections (name, JSON).
    fn component_with(sections: &[(&str, &str)], top_level: &[(&str, &str)]) -> Vec<u8> {
        let custom = |list: &[(&str, &str)]| {
            list.iter()
                .map(|(name, data)| format!("(@custom {name:?} {data:?})"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let wat = format!(
            "(component {} (core module $m {} (func (export \"f\"))) \
             (core instance (instantiate $m)))",
            custom(top_level),
            custom(sections),
        );
        wat::parse_str(wat).unwrap()
    }

    #[test]
    fn no_section_asks_for_nothing() {
        let bytes = component_with(&[("other", "x")], &[]);
        assert_eq!(read_manifest(&bytes).unwrap(), Manifest::default());
    }

    #[test]
    fn finds_the_section_in_a_nested_core_module() {
        let json = r#"{"network": ["https://*.example.com"], "reveal": ["secret-key"], "state-dir": true,
                       "env": ["AWS_PROFILE"], "read": ["~/.aws"]}"#;
        let bytes = component_with(&[(MANIFEST_SECTION, json)], &[]);
        let m = read_manifest(&bytes).unwrap();
        assert_eq!(m.env, ["AWS_PROFILE"]);
        assert_eq!(m.read, ["~/.aws"]);
        assert_eq!(m.network, ["https://*.example.com"]);
        assert_eq!(m.reveal, ["secret-key"]);
        assert!(m.state_dir);
    }

    #[test]
    fn finds_the_section_at_the_top_level() {
        let bytes = component_with(&[], &[(MANIFEST_SECTION, r#"{"state-dir": true}"#)]);
        assert!(read_manifest(&bytes).unwrap().state_dir);
    }

    #[test]
    fn two_sections_are_an_error() {
        let one = r#"{"state-dir": true}"#;
        let bytes = component_with(&[(MANIFEST_SECTION, one)], &[(MANIFEST_SECTION, one)]);
        let err = read_manifest(&bytes).unwrap_err();
        assert!(err.contains("more than one strato:capabilities"), "{err}");
    }

    #[test]
    fn bad_declarations_are_errors() {
        for (json, expect) in [
            (r#"{"netwrok": []}"#, "netwrok"),
            ("not json", "not valid"),
            (r#"{"network": ["example.com"]}"#, "missing scheme"),
            (r#"{"reveal": ["a b"]}"#, "not a credential attribute name"),
            (r#"{"state-dir": true}{"state-dir": true}"#, "not valid"),
            (r#"{"env": ["A=B"]}"#, "not a variable name"),
            (r#"{"read": [".aws"]}"#, "not absolute"),
            (r#"{"read": ["~/../etc"]}"#, "`..`"),
        ] {
            let bytes = component_with(&[(MANIFEST_SECTION, json)], &[]);
            let err = read_manifest(&bytes).unwrap_err();
            assert!(err.contains(expect), "{json}: {err}");
        }
        let big = format!(r#"{{"reveal": [{}"x"]}}"#, "\"x\",".repeat(20_000));
        let bytes = component_with(&[(MANIFEST_SECTION, &big)], &[]);
        assert!(read_manifest(&bytes).unwrap_err().contains("more than the"));
        let not_utf8 = r#"(component (core module (@custom "strato:capabilities" "\ff\fe")))"#;
        let err = read_manifest(&wat::parse_str(not_utf8).unwrap()).unwrap_err();
        assert!(err.contains("not UTF-8"), "{err}");
    }
}
