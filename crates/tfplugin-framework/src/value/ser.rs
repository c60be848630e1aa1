//! Writing a Rust value as a [`Value`] through serde. The result is untyped (a struct becomes an object, a
//! `Vec` a list); [`conform`](super::conform) then fits it to the schema's type, which turns lists into sets
//! where the schema says set and checks every attribute is present.

use std::collections::BTreeMap;

use serde::ser::{self, Serialize};

use super::known::UNKNOWN_TOKEN;
use super::{ModelError, Number, Value};

pub(crate) fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value, ModelError> {
    value.serialize(ValueSerializer)
}

struct ValueSerializer;

fn unsupported(what: &str) -> ModelError {
    ModelError::new(format!("{what} cannot be written as a Terraform value"))
}

impl ser::Serializer for ValueSerializer {
    type Ok = Value;
    type Error = ModelError;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = ser::Impossible<Value, ModelError>;
    type SerializeMap = MapBuilder;
    type SerializeStruct = MapBuilder;
    type SerializeStructVariant = ser::Impossible<Value, ModelError>;

    fn serialize_bool(self, v: bool) -> Result<Value, ModelError> {
        Ok(Value::Bool(v))
    }

    fn serialize_i8(self, v: i8) -> Result<Value, ModelError> {
        self.serialize_i64(v.into())
    }

    fn serialize_i16(self, v: i16) -> Result<Value, ModelError> {
        self.serialize_i64(v.into())
    }

    fn serialize_i32(self, v: i32) -> Result<Value, ModelError> {
        self.serialize_i64(v.into())
    }

    fn serialize_i64(self, v: i64) -> Result<Value, ModelError> {
        Ok(Value::Number(Number::from(v)))
    }

    fn serialize_u8(self, v: u8) -> Result<Value, ModelError> {
        self.serialize_u64(v.into())
    }

    fn serialize_u16(self, v: u16) -> Result<Value, ModelError> {
        self.serialize_u64(v.into())
    }

    fn serialize_u32(self, v: u32) -> Result<Value, ModelError> {
        self.serialize_u64(v.into())
    }

    fn serialize_u64(self, v: u64) -> Result<Value, ModelError> {
        Ok(Value::Number(Number::from(v)))
    }

    fn serialize_f32(self, v: f32) -> Result<Value, ModelError> {
        self.serialize_f64(v.into())
    }

    fn serialize_f64(self, v: f64) -> Result<Value, ModelError> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| ModelError::new("NaN is not a Terraform number"))
    }

    fn serialize_char(self, v: char) -> Result<Value, ModelError> {
        Ok(Value::String(v.to_string()))
    }

    fn serialize_str(self, v: &str) -> Result<Value, ModelError> {
        Ok(Value::String(v.to_owned()))
    }

    fn serialize_bytes(self, _v: &[u8]) -> Result<Value, ModelError> {
        Err(unsupported("a byte array"))
    }

    fn serialize_none(self) -> Result<Value, ModelError> {
        Ok(Value::Null)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, ModelError> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<Value, ModelError> {
        Ok(Value::Null)
    }

    fn serialize_unit_struct(self, name: &'static str) -> Result<Value, ModelError> {
        if name == UNKNOWN_TOKEN {
            return Ok(Value::unknown());
        }
        Ok(Value::Null)
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Value, ModelError> {
        Ok(Value::String(variant.to_owned()))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Value, ModelError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<Value, ModelError> {
        Err(unsupported("an enum variant with data"))
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder, ModelError> {
        Ok(SeqBuilder(Vec::with_capacity(len.unwrap_or(0))))
    }

    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder, ModelError> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SeqBuilder, ModelError> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, ModelError> {
        Err(unsupported("an enum variant with data"))
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<MapBuilder, ModelError> {
        Ok(MapBuilder {
            entries: BTreeMap::new(),
            key: None,
            object: false,
        })
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<MapBuilder, ModelError> {
        Ok(MapBuilder {
            entries: BTreeMap::new(),
            key: None,
            object: true,
        })
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, ModelError> {
        Err(unsupported("an enum variant with data"))
    }
}

pub(crate) struct SeqBuilder(Vec<Value>);

impl ser::SerializeSeq for SeqBuilder {
    type Ok = Value;
    type Error = ModelError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ModelError> {
        self.0.push(value.serialize(ValueSerializer)?);
        Ok(())
    }

    fn end(self) -> Result<Value, ModelError> {
        Ok(Value::List(self.0))
    }
}

impl ser::SerializeTuple for SeqBuilder {
    type Ok = Value;
    type Error = ModelError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ModelError> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<Value, ModelError> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for SeqBuilder {
    type Ok = Value;
    type Error = ModelError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ModelError> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<Value, ModelError> {
        ser::SerializeSeq::end(self)
    }
}

/// Builds a map (from a Rust map) or an object (from a struct); `conform` converts between the two where the
/// schema asks for the other.
pub(crate) struct MapBuilder {
    entries: BTreeMap<String, Value>,
    key: Option<String>,
    object: bool,
}

impl ser::SerializeMap for MapBuilder {
    type Ok = Value;
    type Error = ModelError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), ModelError> {
        match key.serialize(ValueSerializer)? {
            Value::String(s) => {
                self.key = Some(s);
                Ok(())
            }
            _ => Err(ModelError::new("map keys must be strings")),
        }
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ModelError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| ModelError::new("a map value was written before its key"))?;
        let value = value
            .serialize(ValueSerializer)
            .map_err(|e| e.under_key(&key))?;
        self.entries.insert(key, value);
        Ok(())
    }

    fn end(self) -> Result<Value, ModelError> {
        Ok(if self.object {
            Value::Object(self.entries)
        } else {
            Value::Map(self.entries)
        })
    }
}

impl ser::SerializeStruct for MapBuilder {
    type Ok = Value;
    type Error = ModelError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), ModelError> {
        let value = value
            .serialize(ValueSerializer)
            .map_err(|e| e.under_attribute(key))?;
        self.entries.insert(key.to_owned(), value);
        Ok(())
    }

    fn end(self) -> Result<Value, ModelError> {
        Ok(Value::Object(self.entries))
    }
}
