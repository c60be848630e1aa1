//! The JSON encoding of cty values (go-cty `cty/json`): how Terraform stores state, and so what
//! `RawState.json` holds. A value in a `dynamic` position is `{"value": …, "type": …}`; unknowns cannot be
//! represented.
//!
//! Parsing goes through `serde_json::value::RawValue` so that every number is read from its original text:
//! state can hold integers beyond `u64` and decimals no float represents, and those must not be rounded.

use std::collections::BTreeMap;

use serde_json::value::RawValue;

use super::{Path, Step, Type, Value, ValueError, check_attributes, type_mismatch};

pub(super) fn decode(bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
    let mut path = Path::default();
    let raw: &RawValue = serde_json::from_slice(bytes)
        .map_err(|e| ValueError::new(&path, format!("malformed JSON: {e}")))?;
    from_raw(raw, ty, &mut path)
}

pub(super) fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, ValueError> {
    let mut out = Vec::new();
    write(&mut out, value, ty, &mut Path::default())?;
    Ok(out)
}

fn kind(text: &str) -> &'static str {
    match text.as_bytes().first() {
        Some(b'{') => "a JSON object",
        Some(b'[') => "a JSON array",
        Some(b'"') => "a JSON string",
        Some(b't' | b'f') => "a JSON bool",
        _ => "a JSON number",
    }
}

fn mismatch(path: &Path, expected: &Type, text: &str) -> ValueError {
    ValueError::new(path, format!("expected {expected}, found {}", kind(text)))
}

/// Parses one piece of already-validated JSON into `T`; failures can only be shape mismatches.
fn parse<'a, T: serde::Deserialize<'a>>(
    text: &'a str,
    ty: &Type,
    path: &Path,
) -> Result<T, ValueError> {
    serde_json::from_str(text).map_err(|_| mismatch(path, ty, text))
}

fn from_raw(raw: &RawValue, ty: &Type, path: &mut Path) -> Result<Value, ValueError> {
    let text = raw.get().trim();
    if text == "null" {
        return Ok(Value::Null);
    }
    let first = text.as_bytes().first().copied();
    match ty {
        Type::Dynamic => dynamic_from_raw(text, path),
        // go-cty converts between primitives when reading JSON, so states written with a looser type still
        // load: "true" reads as a bool, numbers and bools read as strings, numeric strings read as numbers.
        Type::Bool => match text {
            "true" | r#""true""# => Ok(Value::Bool(true)),
            "false" | r#""false""# => Ok(Value::Bool(false)),
            _ => Err(mismatch(path, ty, text)),
        },
        Type::Number => {
            let digits: String = if first == Some(b'"') {
                parse(text, ty, path)?
            } else {
                text.to_owned()
            };
            if matches!(first, Some(b'{' | b'[' | b't' | b'f')) {
                return Err(mismatch(path, ty, text));
            }
            digits
                .parse()
                .map(Value::Number)
                .map_err(|e| ValueError::new(path, e.to_string()))
        }
        Type::String => match first {
            Some(b'"') => Ok(Value::String(parse(text, ty, path)?)),
            Some(b'{' | b'[') => Err(mismatch(path, ty, text)),
            _ => Ok(Value::String(text.to_owned())),
        },
        Type::List(element) => elements(text, ty, element, path).map(Value::List),
        Type::Set(element) => elements(text, ty, element, path).map(Value::Set),
        Type::Map(element) => {
            let entries: BTreeMap<String, &RawValue> = parse(text, ty, path)?;
            let mut map = BTreeMap::new();
            for (key, item) in entries {
                let value = path.with(Step::Key(key.clone()), |p| from_raw(item, element, p))?;
                map.insert(key, value);
            }
            Ok(Value::Map(map))
        }
        Type::Tuple(types) => {
            let items: Vec<&RawValue> = parse(text, ty, path)?;
            if items.len() != types.len() {
                return Err(ValueError::new(
                    path,
                    format!(
                        "expected {ty} with {} elements, found {}",
                        types.len(),
                        items.len()
                    ),
                ));
            }
            let values = items
                .into_iter()
                .zip(types)
                .enumerate()
                .map(|(i, (item, t))| path.with(Step::Index(i), |p| from_raw(item, t, p)))
                .collect::<Result<_, _>>()?;
            Ok(Value::Tuple(values))
        }
        Type::Object { attributes, .. } => {
            let mut entries: BTreeMap<String, &RawValue> = parse(text, ty, path)?;
            let mut object = BTreeMap::new();
            for (name, attr_ty) in attributes {
                let value = match entries.remove(name) {
                    Some(item) => path.with(Step::Attribute(name.clone()), |p| {
                        from_raw(item, attr_ty, p)
                    })?,
                    None => Value::Null,
                };
                object.insert(name.clone(), value);
            }
            if let Some(extra) = entries.keys().next() {
                return Err(ValueError::new(
                    path,
                    format!("unsupported attribute {extra:?}"),
                ));
            }
            Ok(Value::Object(object))
        }
    }
}

fn elements(
    text: &str,
    ty: &Type,
    element: &Type,
    path: &mut Path,
) -> Result<Vec<Value>, ValueError> {
    let items: Vec<&RawValue> = parse(text, ty, path)?;
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| path.with(Step::Index(i), |p| from_raw(item, element, p)))
        .collect()
}

fn dynamic_from_raw(text: &str, path: &mut Path) -> Result<Value, ValueError> {
    let wrong_shape = || {
        ValueError::new(
            path,
            format!(
                r#"expected {{"value": …, "type": …}} for a dynamic value, found {}"#,
                kind(text)
            ),
        )
    };
    let Ok(mut parts) = serde_json::from_str::<BTreeMap<String, &RawValue>>(text) else {
        return Err(wrong_shape());
    };
    let (Some(ty), Some(value)) = (parts.remove("type"), parts.remove("value")) else {
        return Err(wrong_shape());
    };
    if let Some(extra) = parts.keys().next() {
        return Err(ValueError::new(
            path,
            format!("unexpected key {extra:?} in a dynamic value"),
        ));
    }
    let ty =
        Type::from_json(ty.get().as_bytes()).map_err(|e| ValueError::new(path, e.to_string()))?;
    if ty == Type::Dynamic {
        return Err(ValueError::new(
            path,
            "a dynamic value must name a concrete type",
        ));
    }
    let value = from_raw(value, &ty, path)?;
    Ok(Value::Dynamic(Box::new(ty), Box::new(value)))
}

fn write_str(out: &mut Vec<u8>, s: &str, path: &Path) -> Result<(), ValueError> {
    serde_json::to_writer(out, s)
        .map_err(|e| ValueError::new(path, format!("cannot write string: {e}")))
}

fn write(out: &mut Vec<u8>, value: &Value, ty: &Type, path: &mut Path) -> Result<(), ValueError> {
    match (value, ty) {
        (Value::Null, _) => out.extend_from_slice(b"null"),
        (Value::Unknown(_), _) => {
            return Err(ValueError::new(
                path,
                "an unknown value cannot be written as JSON",
            ));
        }
        (Value::Dynamic(inner_ty, inner), Type::Dynamic) => {
            if **inner_ty == Type::Dynamic {
                return Err(ValueError::new(
                    path,
                    "a dynamic value must name a concrete type",
                ));
            }
            out.extend_from_slice(br#"{"value":"#);
            write(out, inner, inner_ty, path)?;
            out.extend_from_slice(br#","type":"#);
            out.extend_from_slice(&inner_ty.to_json());
            out.push(b'}');
        }
        (Value::Bool(b), Type::Bool) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        (Value::Number(n), Type::Number) => {
            if n.is_infinite() {
                return Err(ValueError::new(
                    path,
                    "an infinite number cannot be written as JSON",
                ));
            }
            out.extend_from_slice(n.to_string().as_bytes());
        }
        (Value::String(s), Type::String) => write_str(out, s, path)?,
        (Value::List(items), Type::List(element)) | (Value::Set(items), Type::Set(element)) => {
            write_array(out, items.iter().map(|item| (item, &**element)), path)?;
        }
        (Value::Tuple(items), Type::Tuple(types)) => {
            if items.len() != types.len() {
                return Err(ValueError::new(
                    path,
                    format!(
                        "expected {ty} with {} elements, found {}",
                        types.len(),
                        items.len()
                    ),
                ));
            }
            write_array(out, items.iter().zip(types), path)?;
        }
        (Value::Map(entries), Type::Map(element)) => {
            write_object(
                out,
                entries.iter().map(|(k, v)| (k, v, &**element)),
                Step::Key,
                path,
            )?;
        }
        (Value::Object(attrs), Type::Object { attributes, .. }) => {
            check_attributes(attrs, attributes, path)?;
            write_object(
                out,
                attrs
                    .iter()
                    .zip(attributes.values())
                    .map(|((k, v), t)| (k, v, t)),
                Step::Attribute,
                path,
            )?;
        }
        (value, ty) => return Err(type_mismatch(path, ty, value)),
    }
    Ok(())
}

fn write_array<'a>(
    out: &mut Vec<u8>,
    items: impl Iterator<Item = (&'a Value, &'a Type)>,
    path: &mut Path,
) -> Result<(), ValueError> {
    out.push(b'[');
    for (i, (item, t)) in items.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        path.with(Step::Index(i), |p| write(out, item, t, p))?;
    }
    out.push(b']');
    Ok(())
}

fn write_object<'a>(
    out: &mut Vec<u8>,
    entries: impl Iterator<Item = (&'a String, &'a Value, &'a Type)>,
    step: fn(String) -> Step,
    path: &mut Path,
) -> Result<(), ValueError> {
    out.push(b'{');
    for (i, (key, item, t)) in entries.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(out, key, path)?;
        out.push(b':');
        path.with(step(key.clone()), |p| write(out, item, t, p))?;
    }
    out.push(b'}');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_full_precision() {
        let v = decode(
            br#"123456789012345678901234567890.000000000000000000001"#,
            &Type::Number,
        )
        .unwrap();
        assert_eq!(
            encode(&v, &Type::Number).unwrap(),
            b"123456789012345678901234567890.000000000000000000001"
        );
    }

    #[test]
    fn state_object_with_missing_attribute_reads_as_null() {
        let ty = Type::object([
            ("id", Type::String),
            ("size", Type::Number),
            ("tags", Type::map(Type::String)),
        ]);
        let v = decode(br#"{"id":"abc","tags":{"k":"v"}}"#, &ty).unwrap();
        assert_eq!(v.attribute("size"), Some(&Value::Null));
        assert_eq!(v.attribute("id").and_then(Value::as_str), Some("abc"));
    }

    #[test]
    fn primitives_convert_like_go_cty() {
        assert_eq!(
            decode(b"12", &Type::String).unwrap(),
            Value::String("12".into())
        );
        assert_eq!(
            decode(b"true", &Type::String).unwrap(),
            Value::String("true".into())
        );
        assert_eq!(
            decode(br#""false""#, &Type::Bool).unwrap(),
            Value::Bool(false)
        );
        assert_eq!(
            decode(br#""1.5""#, &Type::Number).unwrap(),
            Value::Number("1.5".parse().unwrap())
        );
    }

    #[test]
    fn dynamic_values_have_type_and_value() {
        let v = decode(
            br#"{"type":["list","number"],"value":[1,2]}"#,
            &Type::Dynamic,
        )
        .unwrap();
        let expected = Value::Dynamic(
            Box::new(Type::list(Type::Number)),
            Box::new(Value::List(vec![
                Value::Number(1i64.into()),
                Value::Number(2i64.into()),
            ])),
        );
        assert_eq!(v, expected);
        assert_eq!(
            encode(&v, &Type::Dynamic).unwrap(),
            br#"{"value":[1,2],"type":["list","number"]}"#
        );
    }

    #[test]
    fn errors_say_what_and_where() {
        let ty = Type::object([("rules", Type::list(Type::object([("port", Type::Number)])))]);
        let cases: [(&[u8], &str); 5] = [
            (b"{", "malformed JSON"),
            (
                br#"{"rules":[{"port":"eighty"}]}"#,
                r#"at .rules[0].port: "eighty" is not a decimal number"#,
            ),
            (
                br#"{"rules":{}}"#,
                "at .rules: expected list(object({port=number})), found a JSON object",
            ),
            (br#"{"other":1}"#, r#"unsupported attribute "other""#),
            (
                br#"[1]"#,
                "expected object({rules=list(object({port=number}))}), found a JSON array",
            ),
        ];
        for (bytes, expected) in cases {
            let err = decode(bytes, &ty).unwrap_err().to_string();
            assert!(
                err.contains(expected),
                "{err:?} does not contain {expected:?}"
            );
        }
        assert!(encode(&Value::unknown(), &Type::String).is_err());
    }
}
