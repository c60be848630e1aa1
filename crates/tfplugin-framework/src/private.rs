//! [`Private`]: data a resource keeps with its state that users never see, such as an ETag or the API
//! version that created an object. Terraform stores the bytes opaquely and hands them back on the next
//! plan, apply and read.

use std::collections::BTreeMap;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::diag::Diagnostics;

/// Private state as named JSON values. On the wire it is one JSON object, so what one version of the
/// provider wrote the next one can still read key by key.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Private {
    entries: BTreeMap<String, serde_json::Value>,
}

impl Private {
    /// Decodes the bytes Terraform sent. Empty bytes are no private state; anything that is not a JSON
    /// object is reported (Terraform only ever returns what the provider stored).
    pub(crate) fn decode(bytes: &[u8], diags: &mut Diagnostics) -> Private {
        if bytes.is_empty() {
            return Private::default();
        }
        match serde_json::from_slice(bytes) {
            Ok(entries) => Private { entries },
            Err(e) => {
                diags.error(
                    "Invalid private state",
                    format!(
                        "The private data stored with this resource is not a JSON object ({e}); it was not written by this provider."
                    ),
                );
                Private::default()
            }
        }
    }

    /// The bytes for Terraform; empty when there is nothing to keep.
    pub(crate) fn encode(&self) -> Vec<u8> {
        if self.entries.is_empty() {
            return Vec::new();
        }
        serde_json::to_vec(&self.entries).unwrap_or_default()
    }

    /// The value stored under `key`, read as `T`; `None` when absent or (with an error added) unreadable.
    pub fn get<T: DeserializeOwned>(&self, key: &str, diags: &mut Diagnostics) -> Option<T> {
        let value = self.entries.get(key)?;
        match T::deserialize(value) {
            Ok(v) => Some(v),
            Err(e) => {
                diags.error(
                    "Invalid private state",
                    format!("The private value {key:?} cannot be read: {e}."),
                );
                None
            }
        }
    }

    /// Stores `value` under `key`.
    pub fn set<T: Serialize>(&mut self, key: &str, value: &T, diags: &mut Diagnostics) {
        match serde_json::to_value(value) {
            Ok(v) => {
                self.entries.insert(key.to_owned(), v);
            }
            Err(e) => diags.error(
                "Invalid private state",
                format!("The private value {key:?} cannot be written as JSON: {e}."),
            ),
        }
    }

    pub fn remove(&mut self, key: &str) {
        self.entries.remove(key);
    }

    pub fn contains(&self, key: &str) -> bool {
        self.entries.contains_key(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_bytes() {
        let mut diags = Diagnostics::new();
        let mut private = Private::default();
        assert!(private.encode().is_empty());
        private.set("etag", &"abc", &mut diags);
        private.set("generation", &3u32, &mut diags);
        let back = Private::decode(&private.encode(), &mut diags);
        assert_eq!(
            back.get::<String>("etag", &mut diags).as_deref(),
            Some("abc")
        );
        assert_eq!(back.get::<u32>("generation", &mut diags), Some(3));
        assert_eq!(back.get::<u32>("missing", &mut diags), None);
        assert!(diags.is_empty());
    }

    #[test]
    fn garbage_is_a_diagnostic() {
        let mut diags = Diagnostics::new();
        let private = Private::decode(b"not json", &mut diags);
        assert!(diags.has_error());
        assert_eq!(private, Private::default());
    }
}
