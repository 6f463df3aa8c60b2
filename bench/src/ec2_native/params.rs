//! The Query API's form: flattened parameters, encoded as botocore (and
//! the provider) sends them.

use super::API_VERSION;

/// The Query API's parameters, flattened.
#[derive(Debug, Default)]
pub(super) struct Params(Vec<(String, String)>);

impl Params {
    pub(super) fn set(&mut self, name: &str, value: &str) -> &mut Params {
        self.0.push((name.to_string(), value.to_string()));
        self
    }

    /// `Filter.N.Name` and its `Filter.N.Value.M`.
    pub(super) fn filter(&mut self, name: &str, values: &[&str]) -> &mut Params {
        let n = 1
            + (self.0.iter())
                .filter(|(k, _)| k.starts_with("Filter.") && k.ends_with(".Name"))
                .count();
        self.set(&format!("Filter.{n}.Name"), name);
        for (i, v) in values.iter().enumerate() {
            self.set(&format!("Filter.{n}.Value.{}", i + 1), v);
        }
        self
    }

    pub(super) fn body(&self, action: &str) -> String {
        let mut out = format!("Action={}&Version={API_VERSION}", encode(action));
        for (k, v) in &self.0 {
            out.push('&');
            out.push_str(&encode(k));
            out.push('=');
            out.push_str(&encode(v));
        }
        out
    }
}

/// Form encoding as botocore (and the provider) sends it.
pub(super) fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else if b == b' ' {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
