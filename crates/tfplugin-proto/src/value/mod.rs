//! cty values as Terraform puts them on the wire: the msgpack encoding of `DynamicValue` (every request value)
//! and the JSON encoding of `RawState` (stored state handed to UpgradeResourceState).
//!
//! Both encodings are type-directed: the same bytes mean different things under different types, so every
//! decode and encode takes the [`Type`] the value is meant to have (for a resource, the object type implied by
//! its schema block). Wire shapes follow go-cty, which is what Terraform uses on its side.
//!
//! | module | what |
//! |---|---|
//! | `types` | [`Type`] and its JSON type-constraint form |
//! | `number` | [`Number`], exact decimals |
//! | `msgpack` | msgpack codec, unknowns and refinements |
//! | `json` | JSON codec (no unknowns) |

mod json;
mod msgpack;
mod number;
mod types;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

pub use number::{Number, ParseNumberError};
pub use types::{Type, TypeError};

use crate::wire::{DynamicValue, RawState};

/// A cty value. Which variants may appear where is decided by the [`Type`] it is encoded or decoded with.
#[derive(Clone, Debug)]
pub enum Value {
    /// Null of whatever type the position has.
    Null,
    /// Not known until apply, possibly with refinements Terraform knows about its eventual value.
    Unknown(Refinements),
    Bool(bool),
    Number(Number),
    String(String),
    List(Vec<Value>),
    /// Elements in no particular order; equality ignores order.
    Set(Vec<Value>),
    Map(BTreeMap<String, Value>),
    /// Every attribute of the object type, null where unset.
    Object(BTreeMap<String, Value>),
    Tuple(Vec<Value>),
    /// A value in a position of type `dynamic`, with the concrete type it was sent with. The type is part of
    /// the wire encoding there, and cannot be recovered from the value alone (a null, an empty list).
    Dynamic(Box<Type>, Box<Value>),
}

/// What Terraform knows about an unknown value (go-cty refinements, sent since Terraform 1.6). The default
/// is a plain unknown. An applied value must satisfy every refinement that was planned.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Refinements {
    /// The value will not be null.
    pub not_null: bool,
    /// For strings: the value will start with this.
    pub string_prefix: Option<String>,
    /// For numbers: the value will be at least (or, when not inclusive, above) this.
    pub number_lower: Option<NumberBound>,
    /// For numbers: the value will be at most (or, when not inclusive, below) this.
    pub number_upper: Option<NumberBound>,
    /// For lists, sets and maps: the least number of elements.
    pub length_lower: Option<u64>,
    /// For lists, sets and maps: the greatest number of elements.
    pub length_upper: Option<u64>,
}

/// One end of a refined number range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumberBound {
    pub value: Number,
    pub inclusive: bool,
}

impl Refinements {
    pub fn is_empty(&self) -> bool {
        *self == Refinements::default()
    }
}

impl Value {
    /// A plain unknown value.
    pub fn unknown() -> Value {
        Value::Unknown(Refinements::default())
    }

    /// What kind of value this is, in words, for error messages ("a string", "null", ...).
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Unknown(_) => "an unknown value",
            Value::Bool(_) => "a bool",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::List(_) => "a list",
            Value::Set(_) => "a set",
            Value::Map(_) => "a map",
            Value::Object(_) => "an object",
            Value::Tuple(_) => "a tuple",
            Value::Dynamic(..) => "a dynamic value",
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// True when this value itself is unknown (its elements may still be unknown when this is false).
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown(_))
    }

    /// True when neither this value nor anything inside it is unknown, as a state after apply must be.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
                items.iter().all(Value::is_wholly_known)
            }
            Value::Map(items) | Value::Object(items) => items.values().all(Value::is_wholly_known),
            Value::Dynamic(_, inner) => inner.is_wholly_known(),
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => true,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// An attribute of an object value.
    pub fn attribute(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Object(attrs) => attrs.get(name),
            _ => None,
        }
    }

    /// Decodes msgpack bytes as a value of type `ty`.
    pub fn from_msgpack(bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
        msgpack::decode(bytes, ty)
    }

    /// Encodes this value as msgpack under type `ty`, checking that it conforms.
    pub fn to_msgpack(&self, ty: &Type) -> Result<Vec<u8>, ValueError> {
        msgpack::encode(self, ty)
    }

    /// Decodes cty JSON (stored state, JSON-form dynamic values) as a value of type `ty`. Numbers keep their
    /// full precision; object attributes missing from the JSON are null.
    pub fn from_json(bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
        json::decode(bytes, ty)
    }

    /// Encodes this value as cty JSON under type `ty`. Fails for unknown values and infinities, which JSON
    /// cannot carry.
    pub fn to_json(&self, ty: &Type) -> Result<Vec<u8>, ValueError> {
        json::encode(self, ty)
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) => true,
            (Value::Unknown(a), Value::Unknown(b)) => a == b,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::List(a), Value::List(b)) | (Value::Tuple(a), Value::Tuple(b)) => a == b,
            (Value::Set(a), Value::Set(b)) => {
                a.len() == b.len()
                    && a.iter().all(|x| b.contains(x))
                    && b.iter().all(|y| a.contains(y))
            }
            (Value::Map(a), Value::Map(b)) | (Value::Object(a), Value::Object(b)) => a == b,
            (Value::Dynamic(ta, va), Value::Dynamic(tb, vb)) => ta == tb && va == vb,
            _ => false,
        }
    }
}

/// A value could not be decoded or encoded; names where in the value and what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if path.is_empty() { String::new() } else { format!("at {path}: ") })]
pub struct ValueError {
    path: String,
    message: String,
}

impl ValueError {
    fn new(path: &Path, message: impl Into<String>) -> ValueError {
        ValueError {
            path: path.to_string(),
            message: message.into(),
        }
    }

    /// Where in the value, in Terraform's notation (`.tags["env"]`, `.rule[0].name`); empty for the root.
    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

/// The position inside a value while walking it, for error messages.
#[derive(Default)]
struct Path(Vec<Step>);

enum Step {
    Attribute(String),
    Key(String),
    Index(usize),
}

impl Path {
    /// Runs `f` with `step` pushed, so every return path pops it again.
    fn with<T>(&mut self, step: Step, f: impl FnOnce(&mut Path) -> T) -> T {
        self.0.push(step);
        let result = f(self);
        self.0.pop();
        result
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for step in &self.0 {
            match step {
                Step::Attribute(name) => write!(f, ".{name}")?,
                Step::Key(key) => write!(f, "[{key:?}]")?,
                Step::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

fn type_mismatch(path: &Path, ty: &Type, value: &Value) -> ValueError {
    if *ty == Type::Dynamic {
        return ValueError::new(
            path,
            format!(
                "found {} where the type is dynamic; wrap it in Value::Dynamic with its type",
                value.kind_name()
            ),
        );
    }
    ValueError::new(path, format!("expected {ty}, found {}", value.kind_name()))
}

/// Checks that an object value has exactly the attributes of its type; both codecs need every attribute.
fn check_attributes(
    attrs: &BTreeMap<String, Value>,
    types: &BTreeMap<String, Type>,
    path: &Path,
) -> Result<(), ValueError> {
    if let Some(extra) = attrs.keys().find(|k| !types.contains_key(*k)) {
        return Err(ValueError::new(
            path,
            format!("unsupported attribute {extra:?}"),
        ));
    }
    let missing: BTreeSet<_> = types.keys().filter(|k| !attrs.contains_key(*k)).collect();
    if !missing.is_empty() {
        return Err(ValueError::new(
            path,
            format!("missing attributes {missing:?} (use Value::Null for unset ones)"),
        ));
    }
    Ok(())
}

impl DynamicValue {
    /// Decodes the value as Terraform sent it: msgpack when present, else JSON, else (both empty) null.
    pub fn decode(&self, ty: &Type) -> Result<Value, ValueError> {
        if !self.msgpack.is_empty() {
            Value::from_msgpack(&self.msgpack, ty)
        } else if !self.json.is_empty() {
            Value::from_json(&self.json, ty)
        } else {
            Ok(Value::Null)
        }
    }

    /// Encodes a value for a response. Always msgpack: Terraform reads both, but only msgpack carries unknowns.
    pub fn encode(value: &Value, ty: &Type) -> Result<DynamicValue, ValueError> {
        Ok(DynamicValue {
            msgpack: value.to_msgpack(ty)?,
            json: Vec::new(),
        })
    }
}

impl RawState {
    /// Decodes stored state as a value of `ty`, the type of the schema version that wrote it.
    pub fn decode(&self, ty: &Type) -> Result<Value, ValueError> {
        if self.json.is_empty() && !self.flatmap.is_empty() {
            return Err(ValueError::new(
                &Path::default(),
                "state in the flatmap format of Terraform 0.11 and older is not supported",
            ));
        }
        if self.json.is_empty() {
            return Ok(Value::Null);
        }
        Value::from_json(&self.json, ty)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_equality_ignores_order() {
        let a = Value::Set(vec![Value::String("x".into()), Value::String("y".into())]);
        let b = Value::Set(vec![Value::String("y".into()), Value::String("x".into())]);
        assert_eq!(a, b);
        assert_ne!(a, Value::Set(vec![Value::String("x".into())]));
        assert_ne!(
            a,
            Value::List(vec![Value::String("x".into()), Value::String("y".into())])
        );
    }

    #[test]
    fn errors_name_the_path() {
        let mut path = Path::default();
        let err = path.with(Step::Attribute("rule".into()), |p| {
            p.with(Step::Index(0), |p| {
                p.with(Step::Key("env".into()), |p| {
                    ValueError::new(p, "expected string")
                })
            })
        });
        assert_eq!(err.to_string(), r#"at .rule[0]["env"]: expected string"#);
        assert_eq!(err.path(), r#".rule[0]["env"]"#);
        assert!(path.0.is_empty());
    }

    #[test]
    fn empty_dynamic_value_is_null() {
        assert_eq!(
            DynamicValue::default().decode(&Type::String).unwrap(),
            Value::Null
        );
    }

    #[test]
    fn flatmap_state_is_refused() {
        let raw = RawState {
            json: Vec::new(),
            flatmap: [("id".to_owned(), "x".to_owned())].into(),
        };
        assert!(raw.decode(&Type::object([("id", Type::String)])).is_err());
    }
}
