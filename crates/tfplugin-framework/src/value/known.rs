//! [`Known`]: a value that may not be known until apply.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, Visitor};
use serde::ser::{Serialize, Serializer};

/// The newtype name through which [`Known`] asks this crate's deserializer whether a value is unknown.
/// Other deserializers (serde_json, for private state) just see a transparent newtype.
pub(crate) const KNOWN_TOKEN: &str = "$tfplugin_framework::Known";
/// The unit-struct name through which [`Known::Unknown`] tells this crate's serializer to write an unknown.
/// Other serializers write it as a unit (JSON `null`).
pub(crate) const UNKNOWN_TOKEN: &str = "$tfplugin_framework::Unknown";

/// A value in a plan, which Terraform may not know yet ("known after apply"): computed attributes while they
/// change, and configuration that refers to other resources' computed attributes.
///
/// Use it in a model for every attribute that can be unknown where the model is read; combine it with
/// `Option` for attributes that can also be null: `Known<Option<String>>`. Config and state after apply are
/// wholly known, so reading them into `Known` always gives [`Known::Value`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Known<T> {
    /// The value.
    Value(T),
    /// Not known until apply.
    Unknown,
}

impl<T> Known<T> {
    pub fn is_unknown(&self) -> bool {
        matches!(self, Known::Unknown)
    }

    /// The value when known.
    pub fn value(&self) -> Option<&T> {
        match self {
            Known::Value(v) => Some(v),
            Known::Unknown => None,
        }
    }

    /// The value when known.
    pub fn into_value(self) -> Option<T> {
        match self {
            Known::Value(v) => Some(v),
            Known::Unknown => None,
        }
    }

    pub fn as_ref(&self) -> Known<&T> {
        match self {
            Known::Value(v) => Known::Value(v),
            Known::Unknown => Known::Unknown,
        }
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Known<U> {
        match self {
            Known::Value(v) => Known::Value(f(v)),
            Known::Unknown => Known::Unknown,
        }
    }
}

impl<T> From<T> for Known<T> {
    fn from(value: T) -> Known<T> {
        Known::Value(value)
    }
}

impl<T: Serialize> Serialize for Known<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Known::Value(v) => v.serialize(serializer),
            Known::Unknown => serializer.serialize_unit_struct(UNKNOWN_TOKEN),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Known<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(KNOWN_TOKEN, KnownVisitor(std::marker::PhantomData))
    }
}

struct KnownVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for KnownVisitor<T> {
    type Value = Known<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value or an unknown")
    }

    /// This crate's deserializer calls this for an unknown value.
    fn visit_unit<E: de::Error>(self) -> Result<Known<T>, E> {
        Ok(Known::Unknown)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Known<T>, D::Error> {
        T::deserialize(d).map(Known::Value)
    }
}
