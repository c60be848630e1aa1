//! Fitting a value written from a Rust model to the schema's type: serde knows sequences and maps, Terraform
//! knows lists, sets, maps and objects. Also where a model that does not match its schema is caught, with the
//! attribute named, instead of Terraform rejecting the encoded value.

use std::collections::BTreeMap;

use super::{ModelError, Type, Value};
use crate::path::AttrPath;

pub(crate) fn conform(value: Value, ty: &Type, path: &AttrPath) -> Result<Value, ModelError> {
    let mismatch =
        |found: &str| ModelError::at(path.clone(), format!("expected {ty}, found {found}"));
    match (value, ty) {
        (v @ (Value::Null | Value::Unknown(_)), _) => Ok(v),
        (Value::Dynamic(t, v), Type::Dynamic) => Ok(Value::Dynamic(t, v)),
        (v, Type::Dynamic) => {
            // Only primitives carry their own type; for anything else the concrete type is ambiguous (a
            // Rust Vec could be a list, a set or a tuple).
            let inner = match &v {
                Value::String(_) => Type::String,
                Value::Number(_) => Type::Number,
                Value::Bool(_) => Type::Bool,
                _ => {
                    return Err(ModelError::at(
                        path.clone(),
                        "a dynamic attribute can only be written from a model as a string, number or \
                         bool; write other values with SchemaValue::set_value",
                    ));
                }
            };
            Ok(Value::Dynamic(Box::new(inner), Box::new(v)))
        }
        (v @ Value::String(_), Type::String)
        | (v @ Value::Number(_), Type::Number)
        | (v @ Value::Bool(_), Type::Bool) => Ok(v),
        (Value::List(items) | Value::Set(items), Type::List(element)) => {
            Ok(Value::List(conform_items(items, element, path)?))
        }
        (Value::List(items) | Value::Set(items), Type::Set(element)) => {
            let mut unique: Vec<Value> = Vec::new();
            for item in conform_items(items, element, path)? {
                if !unique.contains(&item) {
                    unique.push(item);
                }
            }
            Ok(Value::Set(unique))
        }
        (Value::List(items) | Value::Tuple(items), Type::Tuple(elements)) => {
            if items.len() != elements.len() {
                return Err(mismatch(&format!("{} elements", items.len())));
            }
            let items = items
                .into_iter()
                .zip(elements)
                .enumerate()
                .map(|(i, (item, t))| conform(item, t, &path.clone().index(i as u64)))
                .collect::<Result<_, _>>()?;
            Ok(Value::Tuple(items))
        }
        (Value::Map(items) | Value::Object(items), Type::Map(element)) => {
            let items = items
                .into_iter()
                .map(|(k, v)| {
                    let child = path.clone().key(k.as_str());
                    Ok((k, conform(v, element, &child)?))
                })
                .collect::<Result<_, ModelError>>()?;
            Ok(Value::Map(items))
        }
        (Value::Map(mut items) | Value::Object(mut items), Type::Object { attributes, .. }) => {
            let mut object = BTreeMap::new();
            for (name, attr_ty) in attributes {
                let child = path.clone().attribute(name.as_str());
                let Some(v) = items.remove(name) else {
                    return Err(ModelError::at(
                        child,
                        "the model has no field for this attribute (use an Option for attributes that can be null)",
                    ));
                };
                object.insert(name.clone(), conform(v, attr_ty, &child)?);
            }
            if let Some(extra) = items.keys().next() {
                return Err(ModelError::at(
                    path.clone(),
                    format!(
                        "the model has a field {extra:?} that is not an attribute of the schema"
                    ),
                ));
            }
            Ok(Value::Object(object))
        }
        (v, _) => Err(mismatch(v.kind_name())),
    }
}

fn conform_items(
    items: Vec<Value>,
    element: &Type,
    path: &AttrPath,
) -> Result<Vec<Value>, ModelError> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| conform(item, element, &path.clone().index(i as u64)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_become_sets_without_duplicates() {
        let v = Value::List(vec![
            Value::String("a".into()),
            Value::String("a".into()),
            Value::String("b".into()),
        ]);
        let out = conform(v, &Type::set(Type::String), &AttrPath::attr("s")).unwrap();
        assert_eq!(
            out,
            Value::Set(vec![Value::String("b".into()), Value::String("a".into())])
        );
    }

    #[test]
    fn missing_attribute_is_named() {
        let ty = Type::object([("id", Type::String), ("name", Type::String)]);
        let v = Value::Object(BTreeMap::from([("id".into(), Value::Null)]));
        let err = conform(v, &ty, &AttrPath::root()).unwrap_err();
        assert_eq!(err.path(), Some(&AttrPath::attr("name")));
    }

    #[test]
    fn primitive_in_dynamic_is_wrapped() {
        let out = conform(Value::Bool(true), &Type::Dynamic, &AttrPath::root()).unwrap();
        assert_eq!(
            out,
            Value::Dynamic(Box::new(Type::Bool), Box::new(Value::Bool(true)))
        );
    }
}
