//! Values as resources see them: a [`SchemaValue`] holds a configuration, plan or state together with its
//! schema, and reads into and writes from plain serde models. [`Known`] marks what may be unknown in a plan.
//!
//! The cty [`Value`], [`Type`] and [`Number`] are the protocol crate's; they are re-exported here so that
//! resource code needs nothing but this crate.
//!
//! | module | what |
//! |---|---|
//! | `known` | [`Known`] |
//! | `de` / `ser` | serde over [`Value`] |
//! | `conform` | fitting a model's value to the schema type |
//! | `schema_value` | [`SchemaValue`] |
//! | `sensitive` | [`Sensitive`]: a secret in a model |

mod conform;
mod de;
mod known;
mod schema_value;
mod sensitive;
mod ser;

use std::fmt;

pub use known::Known;
pub use schema_value::SchemaValue;
pub use sensitive::Sensitive;
pub use tfplugin_proto::value::{Number, Refinements, Type, Value};

pub(crate) use conform::conform;

use crate::diag::Diagnostic;
use crate::path::{AttrPath, PathStep};

/// Reads a model from a value at `path` (the path is only used to name where errors are).
pub fn from_value<T: serde::de::DeserializeOwned>(
    value: &Value,
    path: AttrPath,
) -> Result<T, ModelError> {
    de::from_value(value, path)
}

/// Writes a model as an untyped value; [`SchemaValue::set`] also fits it to the schema.
pub fn to_value<T: serde::Serialize + ?Sized>(model: &T) -> Result<Value, ModelError> {
    ser::to_value(model)
}

/// A model did not fit a value: the attribute where, and what was wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelError {
    path: Option<AttrPath>,
    message: String,
}

impl ModelError {
    pub(crate) fn new(message: impl Into<String>) -> ModelError {
        ModelError {
            path: None,
            message: message.into(),
        }
    }

    pub(crate) fn at(path: AttrPath, message: impl Into<String>) -> ModelError {
        ModelError {
            path: Some(path),
            message: message.into(),
        }
    }

    /// Sets the path unless a deeper one is already known.
    pub(crate) fn or_at(mut self, path: &AttrPath) -> ModelError {
        if self.path.is_none() {
            self.path = Some(path.clone());
        }
        self
    }

    /// For errors raised while writing the value of attribute `name`: the serializer learns paths from the
    /// inside out.
    pub(crate) fn under_attribute(self, name: &str) -> ModelError {
        self.under(PathStep::Attribute(name.to_owned()))
    }

    pub(crate) fn under_key(self, key: &str) -> ModelError {
        self.under(PathStep::Key(key.to_owned()))
    }

    fn under(mut self, step: PathStep) -> ModelError {
        let path = self.path.take().unwrap_or_default();
        self.path = Some(path.prepend(step));
        self
    }

    /// Where in the value; `None` or the root for the value as a whole.
    pub fn path(&self) -> Option<&AttrPath> {
        self.path.as_ref()
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// As an error diagnostic with `summary`, pointing at the attribute.
    pub fn to_diagnostic(&self, summary: &str) -> Diagnostic {
        let detail = match &self.path {
            Some(path) if !path.is_root() => format!("{path}: {}", self.message),
            _ => self.message.clone(),
        };
        let diagnostic = Diagnostic::error(summary, detail);
        match &self.path {
            Some(path) if !path.is_root() => diagnostic.at(path.clone()),
            _ => diagnostic,
        }
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(path) if !path.is_root() => write!(f, "{path}: {}", self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ModelError {}

impl serde::de::Error for ModelError {
    fn custom<T: fmt::Display>(msg: T) -> ModelError {
        ModelError::new(msg.to_string())
    }
}

impl serde::ser::Error for ModelError {
    fn custom<T: fmt::Display>(msg: T) -> ModelError {
        ModelError::new(msg.to_string())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Serialize};

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Model {
        id: Known<String>,
        name: String,
        note: Option<String>,
        count: Option<i64>,
        tags: Option<BTreeMap<String, String>>,
        planned: Known<Option<String>>,
    }

    fn object(entries: &[(&str, Value)]) -> Value {
        Value::Object(
            entries
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        )
    }

    fn s(text: &str) -> Value {
        Value::String(text.into())
    }

    #[test]
    fn reads_unknowns_nulls_and_collections() {
        let value = object(&[
            ("id", Value::unknown()),
            ("name", s("x")),
            ("note", Value::Null),
            ("count", Value::Number(Number::from(3))),
            ("tags", Value::Map(BTreeMap::from([("a".into(), s("b"))]))),
            ("planned", Value::Null),
        ]);
        let model: Model = from_value(&value, AttrPath::root()).unwrap();
        assert_eq!(
            model,
            Model {
                id: Known::Unknown,
                name: "x".into(),
                note: None,
                count: Some(3),
                tags: Some(BTreeMap::from([("a".into(), "b".into())])),
                planned: Known::Value(None),
            }
        );
        let back = to_value(&model).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn errors_name_the_attribute() {
        let value = object(&[
            ("id", s("i")),
            ("name", Value::unknown()),
            ("note", Value::Null),
            ("count", Value::Null),
            ("tags", Value::Null),
            ("planned", Value::Null),
        ]);
        let err = from_value::<Model>(&value, AttrPath::root()).unwrap_err();
        assert_eq!(err.path(), Some(&AttrPath::attr("name")));
        assert!(err.message().contains("unknown"), "{err}");

        let value = object(&[
            ("id", s("i")),
            ("count", Value::Number("1.5".parse().unwrap())),
        ]);
        let err = from_value::<Model>(&value, AttrPath::root()).unwrap_err();
        assert_eq!(err.path(), Some(&AttrPath::attr("count")));
    }

    #[test]
    fn missing_required_field_is_reported() {
        let value = object(&[("id", s("i"))]);
        let err = from_value::<Model>(&value, AttrPath::root()).unwrap_err();
        assert!(err.message().contains("name"), "{err}");
    }

    #[test]
    fn nested_errors_keep_the_deepest_path() {
        #[derive(Debug, Deserialize)]
        struct Rule {
            #[allow(dead_code)]
            port: u16,
        }
        let value = Value::List(vec![object(&[(
            "port",
            Value::Number(Number::from(70000)),
        )])]);
        let err = from_value::<Vec<Rule>>(&value, AttrPath::attr("rule")).unwrap_err();
        assert_eq!(
            err.path(),
            Some(&AttrPath::attr("rule").index(0).attribute("port"))
        );
    }
}
