//! cty types and their JSON type-constraint encoding, the form schemas and dynamic values carry them in
//! (`"string"`, `["list","string"]`, `["object",{"a":"number"}]`, `"dynamic"`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde_json::Value as Json;

/// A cty type.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Bool,
    Number,
    String,
    /// The `dynamic` pseudo-type: any type, chosen by the value. Values in such a position are
    /// [`Value::Dynamic`](super::Value::Dynamic) (or null or wholly unknown).
    Dynamic,
    List(Box<Type>),
    Set(Box<Type>),
    Map(Box<Type>),
    Object {
        attributes: BTreeMap<String, Type>,
        /// Attributes a caller may omit; only meaningful in type constraints of functions and variables,
        /// never in resource schemas.
        optional: BTreeSet<String>,
    },
    Tuple(Vec<Type>),
}

/// A JSON type constraint could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid type constraint: {0}")]
pub struct TypeError(String);

impl Type {
    pub fn list(element: Type) -> Type {
        Type::List(Box::new(element))
    }

    pub fn set(element: Type) -> Type {
        Type::Set(Box::new(element))
    }

    pub fn map(element: Type) -> Type {
        Type::Map(Box::new(element))
    }

    /// An object type without optional attributes, as every schema block implies.
    pub fn object<K: Into<String>>(attributes: impl IntoIterator<Item = (K, Type)>) -> Type {
        Type::Object {
            attributes: attributes.into_iter().map(|(k, t)| (k.into(), t)).collect(),
            optional: BTreeSet::new(),
        }
    }

    /// Parses a JSON type constraint, e.g. the bytes of `Schema.Attribute.type`.
    pub fn from_json(bytes: &[u8]) -> Result<Type, TypeError> {
        let json: Json =
            serde_json::from_slice(bytes).map_err(|e| TypeError(format!("not JSON: {e}")))?;
        Type::from_json_value(&json)
    }

    /// The JSON type constraint, as Terraform writes it (object attributes sorted, no whitespace).
    pub fn to_json(&self) -> Vec<u8> {
        self.to_json_value().to_string().into_bytes()
    }

    pub(crate) fn from_json_value(json: &Json) -> Result<Type, TypeError> {
        match json {
            Json::String(name) => match name.as_str() {
                "bool" => Ok(Type::Bool),
                "number" => Ok(Type::Number),
                "string" => Ok(Type::String),
                "dynamic" => Ok(Type::Dynamic),
                other => Err(TypeError(format!("unknown primitive type {other:?}"))),
            },
            Json::Array(parts) => {
                let kind = parts.first().and_then(Json::as_str).ok_or_else(|| {
                    TypeError("a complex type must be an array starting with its kind".to_owned())
                })?;
                match (kind, &parts[1..]) {
                    ("list", [element]) => Ok(Type::list(Type::from_json_value(element)?)),
                    ("set", [element]) => Ok(Type::set(Type::from_json_value(element)?)),
                    ("map", [element]) => Ok(Type::map(Type::from_json_value(element)?)),
                    ("tuple", [Json::Array(elements)]) => Ok(Type::Tuple(
                        elements
                            .iter()
                            .map(Type::from_json_value)
                            .collect::<Result<_, _>>()?,
                    )),
                    ("object", [Json::Object(attrs)]) => Type::object_from_json(attrs, None),
                    ("object", [Json::Object(attrs), Json::Array(optional)]) => {
                        Type::object_from_json(attrs, Some(optional))
                    }
                    (kind, _) => Err(TypeError(format!("malformed {kind:?} type: {json}"))),
                }
            }
            other => Err(TypeError(format!(
                "expected a string or an array, found {other}"
            ))),
        }
    }

    fn object_from_json(
        attrs: &serde_json::Map<String, Json>,
        optional: Option<&Vec<Json>>,
    ) -> Result<Type, TypeError> {
        let attributes = attrs
            .iter()
            .map(|(name, ty)| Ok((name.clone(), Type::from_json_value(ty)?)))
            .collect::<Result<BTreeMap<_, _>, TypeError>>()?;
        let mut names = BTreeSet::new();
        for name in optional.into_iter().flatten() {
            let name = name
                .as_str()
                .ok_or_else(|| TypeError("optional attribute names must be strings".to_owned()))?;
            if !attributes.contains_key(name) {
                return Err(TypeError(format!(
                    "optional attribute {name:?} is not an attribute of the object"
                )));
            }
            names.insert(name.to_owned());
        }
        Ok(Type::Object {
            attributes,
            optional: names,
        })
    }

    pub(crate) fn to_json_value(&self) -> Json {
        match self {
            Type::Bool => Json::from("bool"),
            Type::Number => Json::from("number"),
            Type::String => Json::from("string"),
            Type::Dynamic => Json::from("dynamic"),
            Type::List(e) => Json::Array(vec![Json::from("list"), e.to_json_value()]),
            Type::Set(e) => Json::Array(vec![Json::from("set"), e.to_json_value()]),
            Type::Map(e) => Json::Array(vec![Json::from("map"), e.to_json_value()]),
            Type::Tuple(elements) => Json::Array(vec![
                Json::from("tuple"),
                Json::Array(elements.iter().map(Type::to_json_value).collect()),
            ]),
            Type::Object {
                attributes,
                optional,
            } => {
                let attrs = attributes
                    .iter()
                    .map(|(k, t)| (k.clone(), t.to_json_value()))
                    .collect();
                let mut parts = vec![Json::from("object"), Json::Object(attrs)];
                if !optional.is_empty() {
                    parts.push(Json::Array(
                        optional.iter().map(|n| Json::from(n.as_str())).collect(),
                    ));
                }
                Json::Array(parts)
            }
        }
    }
}

impl fmt::Display for Type {
    /// Terraform's type-expression syntax, e.g. `list(object({id=string}))`, for messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Bool => f.write_str("bool"),
            Type::Number => f.write_str("number"),
            Type::String => f.write_str("string"),
            Type::Dynamic => f.write_str("dynamic"),
            Type::List(e) => write!(f, "list({e})"),
            Type::Set(e) => write!(f, "set({e})"),
            Type::Map(e) => write!(f, "map({e})"),
            Type::Tuple(elements) => {
                f.write_str("tuple([")?;
                for (i, e) in elements.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{e}")?;
                }
                f.write_str("])")
            }
            Type::Object {
                attributes,
                optional,
            } => {
                f.write_str("object({")?;
                for (i, (name, ty)) in attributes.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if optional.contains(name) {
                        write!(f, "{name}=optional({ty})")?;
                    } else {
                        write!(f, "{name}={ty}")?;
                    }
                }
                f.write_str("})")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_terraform_type_constraints() {
        let cases = [
            r#""string""#,
            r#""dynamic""#,
            r#"["list","string"]"#,
            r#"["set",["object",{"a":"string","b":"number"}]]"#,
            r#"["map","number"]"#,
            r#"["tuple",["string","bool"]]"#,
            r#"["object",{"a":"string","b":"number"},["b"]]"#,
            r#"["object",{}]"#,
        ];
        for case in cases {
            let ty = Type::from_json(case.as_bytes()).unwrap();
            assert_eq!(String::from_utf8(ty.to_json()).unwrap(), case);
        }
    }

    #[test]
    fn rejects_malformed_constraints() {
        for bad in [
            "",
            r#""str""#,
            "[]",
            r#"["list"]"#,
            r#"["list","string","x"]"#,
            r#"["object",{"a":"string"},["b"]]"#,
            r#"["tuple","string"]"#,
            "42",
        ] {
            assert!(Type::from_json(bad.as_bytes()).is_err(), "{bad} parsed");
        }
    }

    #[test]
    fn displays_as_type_expression() {
        let ty = Type::list(Type::object([
            ("id", Type::String),
            ("tags", Type::map(Type::String)),
        ]));
        assert_eq!(
            ty.to_string(),
            "list(object({id=string, tags=map(string)}))"
        );
    }
}
