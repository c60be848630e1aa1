//! Reading a [`Value`] into a Rust type through serde, so models are plain `#[derive(Deserialize)]` structs.
//!
//! Mapping: null → `None`/`()`; unknown → [`Known::Unknown`](super::Known) (an error anywhere else); bool;
//! numbers → any integer type that holds them exactly, or floats; strings (and unit enum variants);
//! lists, sets and tuples → sequences; maps and objects → maps and structs; a dynamic value → its content.

use std::collections::btree_map;

use serde::de::{
    self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};

use super::known::KNOWN_TOKEN;
use super::{ModelError, Value};
use crate::path::AttrPath;

/// Deserializes `T` from `value`; errors name the attribute path where they happened.
pub(crate) fn from_value<'a, T: de::Deserialize<'a>>(
    value: &'a Value,
    path: AttrPath,
) -> Result<T, ModelError> {
    T::deserialize(ValueDeserializer { value, path })
}

struct ValueDeserializer<'a> {
    value: &'a Value,
    path: AttrPath,
}

impl<'a> ValueDeserializer<'a> {
    fn error(&self, message: impl Into<String>) -> ModelError {
        ModelError::at(self.path.clone(), message)
    }

    fn unexpected(&self, expected: &str) -> ModelError {
        let found = match self.value {
            Value::Null => "null",
            Value::Unknown(_) => {
                return self.error(format!(
                    "the value is unknown (known only after apply) where {expected} was expected; \
                     use Known<T> for attributes that can be unknown"
                ));
            }
            Value::Bool(_) => "a bool",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::List(_) | Value::Tuple(_) => "a list",
            Value::Set(_) => "a set",
            Value::Map(_) => "a map",
            Value::Object(_) => "an object",
            Value::Dynamic(..) => "a dynamic value",
        };
        self.error(format!("expected {expected}, found {found}"))
    }

    /// The value with dynamic wrappers removed: a model reads the content, whatever its type.
    fn content(&self) -> &'a Value {
        let mut v = self.value;
        while let Value::Dynamic(_, inner) = v {
            v = inner;
        }
        v
    }

    fn integer(&self) -> Result<&'a tfplugin_proto::value::Number, ModelError> {
        match self.content() {
            Value::Number(n) if n.is_integer() => Ok(n),
            Value::Number(n) => Err(self.error(format!("expected a whole number, found {n}"))),
            _ => Err(self.unexpected("a number")),
        }
    }
}

/// Attaches the path of the value being read to errors raised by visitors (`missing field`, `invalid
/// value`), which do not know where they are.
fn located<T>(result: Result<T, ModelError>, path: &AttrPath) -> Result<T, ModelError> {
    result.map_err(|e| e.or_at(path))
}

impl<'de> Deserializer<'de> for ValueDeserializer<'de> {
    type Error = ModelError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        let path = self.path.clone();
        let result = match self.content() {
            Value::Null => visitor.visit_unit(),
            Value::Unknown(_) => return Err(self.unexpected("a known value")),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    visitor.visit_i64(i)
                } else if let Some(u) = n.as_u64() {
                    visitor.visit_u64(u)
                } else {
                    visitor.visit_f64(n.to_f64_lossy())
                }
            }
            Value::String(s) => visitor.visit_borrowed_str(s),
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                visitor.visit_seq(Seq::new(items, self.path.clone()))
            }
            Value::Map(items) => visitor.visit_map(Entries::new(items, self.path.clone(), false)),
            Value::Object(items) => visitor.visit_map(Entries::new(items, self.path.clone(), true)),
            Value::Dynamic(..) => unreachable!("content() unwraps dynamic values"),
        };
        located(result, &path)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        match self.content() {
            Value::Bool(b) => located(visitor.visit_bool(*b), &self.path),
            _ => Err(self.unexpected("a bool")),
        }
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        let n = self.integer()?;
        match n.as_i64() {
            Some(i) => located(visitor.visit_i64(i), &self.path),
            None => Err(self.error(format!("{n} does not fit in a 64-bit integer"))),
        }
    }

    fn deserialize_i8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_i32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        self.deserialize_i64(visitor)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        let n = self.integer()?;
        match n.as_u64() {
            Some(u) => located(visitor.visit_u64(u), &self.path),
            None => Err(self.error(format!("{n} does not fit in an unsigned 64-bit integer"))),
        }
    }

    fn deserialize_u8<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_u16<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_u32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        self.deserialize_u64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        match self.content() {
            Value::Number(n) => located(visitor.visit_f64(n.to_f64_lossy()), &self.path),
            _ => Err(self.unexpected("a number")),
        }
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        match self.content() {
            Value::String(s) => located(visitor.visit_borrowed_str(s), &self.path),
            _ => Err(self.unexpected("a string")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        match self.content() {
            Value::Null => located(visitor.visit_none(), &self.path),
            Value::Unknown(_) => Err(self.unexpected("a value or null")),
            _ => {
                let path = self.path.clone();
                located(visitor.visit_some(self), &path)
            }
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        match self.content() {
            Value::Null => located(visitor.visit_unit(), &self.path),
            _ => Err(self.unexpected("null")),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ModelError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ModelError> {
        let path = self.path.clone();
        if name == KNOWN_TOKEN && self.content().is_unknown() {
            return located(visitor.visit_unit(), &path);
        }
        located(visitor.visit_newtype_struct(self), &path)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        match self.content() {
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => located(
                visitor.visit_seq(Seq::new(items, self.path.clone())),
                &self.path,
            ),
            _ => Err(self.unexpected("a list or set")),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ModelError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ModelError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        match self.content() {
            Value::Map(items) => located(
                visitor.visit_map(Entries::new(items, self.path.clone(), false)),
                &self.path,
            ),
            Value::Object(items) => located(
                visitor.visit_map(Entries::new(items, self.path.clone(), true)),
                &self.path,
            ),
            _ => Err(self.unexpected("a map or object")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ModelError> {
        self.deserialize_map(visitor)
    }

    /// Enums with unit variants read from strings, as `one_of`-style attributes are usually modelled.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ModelError> {
        match self.content() {
            Value::String(s) => located(
                visitor.visit_enum(s.as_str().into_deserializer()),
                &self.path,
            ),
            _ => Err(self.unexpected("a string")),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value, ModelError> {
        Err(self.error("Terraform values have no bytes type; use a string"))
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        self.deserialize_str(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ModelError> {
        visitor.visit_unit()
    }
}

struct Seq<'a> {
    items: std::iter::Enumerate<std::slice::Iter<'a, Value>>,
    path: AttrPath,
}

impl<'a> Seq<'a> {
    fn new(items: &'a [Value], path: AttrPath) -> Seq<'a> {
        Seq {
            items: items.iter().enumerate(),
            path,
        }
    }
}

impl<'de> SeqAccess<'de> for Seq<'de> {
    type Error = ModelError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ModelError> {
        let Some((i, value)) = self.items.next() else {
            return Ok(None);
        };
        let path = self.path.clone().index(i as u64);
        let result = seed.deserialize(ValueDeserializer {
            value,
            path: path.clone(),
        });
        located(result, &path).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

/// The entries of a map or an object; `attributes` decides how child paths are written.
struct Entries<'a> {
    items: btree_map::Iter<'a, String, Value>,
    pending: Option<(&'a String, &'a Value)>,
    path: AttrPath,
    attributes: bool,
}

impl<'a> Entries<'a> {
    fn new(
        items: &'a std::collections::BTreeMap<String, Value>,
        path: AttrPath,
        attributes: bool,
    ) -> Entries<'a> {
        Entries {
            items: items.iter(),
            pending: None,
            path,
            attributes,
        }
    }
}

impl<'de> MapAccess<'de> for Entries<'de> {
    type Error = ModelError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ModelError> {
        let Some((key, value)) = self.items.next() else {
            return Ok(None);
        };
        self.pending = Some((key, value));
        let key_de: de::value::BorrowedStrDeserializer<'de, ModelError> =
            de::value::BorrowedStrDeserializer::new(key);
        seed.deserialize(key_de).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ModelError> {
        let Some((key, value)) = self.pending.take() else {
            return Err(ModelError::at(
                self.path.clone(),
                "a map value was read before its key",
            ));
        };
        let path = if self.attributes {
            self.path.clone().attribute(key.as_str())
        } else {
            self.path.clone().key(key.as_str())
        };
        let deserializer = ValueDeserializer {
            value,
            path: path.clone(),
        };
        located(seed.deserialize(deserializer), &path)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}
