//! Typed access to configuration attributes ([`Attrs`], Juju's
//! `map[string]interface{}`) and conversions into [`Value`].
//!
//! Getters coerce the way Juju's config schema does: a boolean or an integer
//! may arrive as text (`"true"`, `"42"`), so they accept both; any other type
//! is a `not-valid` error naming the key.
//!
//! ```
//! use strato_guest::config::AttrsExt;
//! use strato_guest::types::Attrs;
//!
//! let mut cfg = Attrs::new();
//! cfg.set("controller", true);
//! cfg.set("secret", "pork");
//! assert_eq!(cfg.get_bool("controller").unwrap(), Some(true));
//! assert_eq!(cfg.text_or("broken", "").unwrap(), "");
//! assert!(cfg.get_int("secret").is_err());
//! cfg.unset("secret");
//! assert!(!cfg.contains_key("secret"));
//! ```

use crate::types::{Attrs, Value};
use crate::{Error, Result};

/// Typed getters and setters on [`Attrs`].
pub trait AttrsExt {
    /// The raw value of `key`.
    fn get(&self, key: &str) -> Option<&Value>;
    /// True when `key` is present.
    fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }
    /// `key` as text; `None` when absent.
    fn get_text(&self, key: &str) -> Result<Option<&str>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Text(s)) => Ok(Some(s)),
            Some(other) => Err(wrong_type(key, "string", other)),
        }
    }
    /// `key` as a boolean (also from the text `true` / `false`).
    fn get_bool(&self, key: &str) -> Result<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Boolean(b)) => Ok(Some(*b)),
            Some(Value::Text(s)) => match s.as_str() {
                "true" => Ok(Some(true)),
                "false" => Ok(Some(false)),
                _ => Err(Error::not_valid(format!("{key}: expected bool, got {s:?}"))),
            },
            Some(other) => Err(wrong_type(key, "bool", other)),
        }
    }
    /// `key` as an integer (also from decimal text).
    fn get_int(&self, key: &str) -> Result<Option<i64>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Int(i)) => Ok(Some(*i)),
            Some(Value::Text(s)) => s
                .parse()
                .map(Some)
                .map_err(|_| Error::not_valid(format!("{key}: expected int, got {s:?}"))),
            Some(other) => Err(wrong_type(key, "int", other)),
        }
    }
    /// `key` as text, or `default` when absent.
    fn text_or(&self, key: &str, default: &str) -> Result<String> {
        Ok(self.get_text(key)?.unwrap_or(default).to_string())
    }
    /// `key` as a boolean, or `default` when absent.
    fn bool_or(&self, key: &str, default: bool) -> Result<bool> {
        Ok(self.get_bool(key)?.unwrap_or(default))
    }
    /// `key` as an integer, or `default` when absent.
    fn int_or(&self, key: &str, default: i64) -> Result<i64> {
        Ok(self.get_int(key)?.unwrap_or(default))
    }
    /// Sets `key`, replacing its value in place or appending it.
    fn set(&mut self, key: &str, value: impl Into<Value>);
    /// Sets `key` only when it is absent (a default).
    fn set_default(&mut self, key: &str, value: impl Into<Value>) {
        if !self.contains_key(key) {
            self.set(key, value);
        }
    }
    /// Removes `key`, returning its value.
    fn unset(&mut self, key: &str) -> Option<Value>;
}

impl AttrsExt for Attrs {
    fn get(&self, key: &str) -> Option<&Value> {
        self.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn set(&mut self, key: &str, value: impl Into<Value>) {
        let value = value.into();
        match self.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => self.push((key.to_string(), value)),
        }
    }

    fn unset(&mut self, key: &str) -> Option<Value> {
        let at = self.iter().position(|(k, _)| k == key)?;
        Some(Vec::remove(self, at).1)
    }
}

fn wrong_type(key: &str, want: &str, got: &Value) -> Error {
    Error::not_valid(format!("{key}: expected {want}, got {}", got.type_name()))
}

impl Value {
    /// The name of the value's case, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Boolean(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Text(_) => "string",
            Value::TextList(_) => "list",
            Value::TextMap(_) => "map",
            Value::Json(_) => "json",
        }
    }

    /// The text, when the value is text.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Boolean(v)
    }
}
impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int(v.into())
    }
}
impl From<u32> for Value {
    fn from(v: u32) -> Self {
        Value::Int(v.into())
    }
}
impl From<f64> for Value {
    fn from(v: f64) -> Self {
        Value::Float(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_string())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<Vec<String>> for Value {
    fn from(v: Vec<String>) -> Self {
        Value::TextList(v)
    }
}
