//! The msgpack encoding of cty values (go-cty `cty/msgpack`), used for every `DynamicValue` Terraform sends.
//!
//! Shapes: null is nil; an unknown is any extension (Terraform < 1.6 writes `d4 00 00`; later versions write
//! extension 12 holding a map of refinements when there are any); numbers are ints, floats or decimal strings;
//! lists, sets and tuples are arrays; maps and objects are maps; a value in a `dynamic` position is the array
//! `[type constraint JSON as bin, value]`.

use std::collections::BTreeMap;

use rmp::encode::ByteBuf;
use rmpv::Value as Mp;

use super::{
    Number, NumberBound, Path, Refinements, Step, Type, Value, ValueError, check_attributes,
    type_mismatch,
};

/// The extension code go-cty uses for an unknown value that carries refinements.
const REFINED_UNKNOWN_EXT: i8 = 12;
/// The payload bytes of a plain unknown (`d4 00 00`): extension 0 with a single zero byte, the shortest
/// extension msgpack has.
const PLAIN_UNKNOWN_EXT: i8 = 0;
/// go-cty refuses larger refinement payloads as abusive; so do we.
const MAX_REFINEMENT_BYTES: usize = 1024;

const REFINE_NULLNESS: i64 = 1;
const REFINE_STRING_PREFIX: i64 = 2;
const REFINE_NUMBER_LOWER: i64 = 3;
const REFINE_NUMBER_UPPER: i64 = 4;
const REFINE_LENGTH_LOWER: i64 = 5;
const REFINE_LENGTH_UPPER: i64 = 6;

pub(super) fn decode(bytes: &[u8], ty: &Type) -> Result<Value, ValueError> {
    let mut path = Path::default();
    let mut rest = bytes;
    let tree = rmpv::decode::read_value(&mut rest)
        .map_err(|e| ValueError::new(&path, format!("malformed msgpack: {e}")))?;
    if !rest.is_empty() {
        return Err(ValueError::new(
            &path,
            format!("{} unexpected bytes after the msgpack value", rest.len()),
        ));
    }
    from_tree(&tree, ty, &mut path)
}

pub(super) fn encode(value: &Value, ty: &Type) -> Result<Vec<u8>, ValueError> {
    let mut out = Writer(ByteBuf::new());
    write(&mut out, value, ty, &mut Path::default())?;
    Ok(out.0.into_vec())
}

fn kind(v: &Mp) -> &'static str {
    match v {
        Mp::Nil => "nil",
        Mp::Boolean(_) => "a msgpack bool",
        Mp::Integer(_) => "a msgpack integer",
        Mp::F32(_) | Mp::F64(_) => "a msgpack float",
        Mp::String(_) => "a msgpack string",
        Mp::Binary(_) => "msgpack binary data",
        Mp::Array(_) => "a msgpack array",
        Mp::Map(_) => "a msgpack map",
        Mp::Ext(..) => "a msgpack extension",
    }
}

fn mismatch(path: &Path, expected: &Type, found: &Mp) -> ValueError {
    ValueError::new(path, format!("expected {expected}, found {}", kind(found)))
}

fn from_tree(v: &Mp, ty: &Type, path: &mut Path) -> Result<Value, ValueError> {
    match v {
        Mp::Ext(code, payload) => return unknown_from_ext(*code, payload, ty, path),
        Mp::Nil => return Ok(Value::Null),
        _ => {}
    }
    match ty {
        Type::Dynamic => dynamic_from_tree(v, path),
        Type::Bool => match v {
            Mp::Boolean(b) => Ok(Value::Bool(*b)),
            other => Err(mismatch(path, ty, other)),
        },
        Type::Number => number_from_tree(v, path).map(Value::Number),
        Type::String => string_from_tree(v, path).map(Value::String),
        Type::List(element) => elements(v, ty, element, path).map(Value::List),
        Type::Set(element) => elements(v, ty, element, path).map(Value::Set),
        Type::Map(element) => {
            let Mp::Map(entries) = v else {
                return Err(mismatch(path, ty, v));
            };
            let mut map = BTreeMap::new();
            for (key, item) in entries {
                let key = map_key(key, path)?;
                let value = path.with(Step::Key(key.clone()), |p| from_tree(item, element, p))?;
                map.insert(key, value);
            }
            Ok(Value::Map(map))
        }
        Type::Tuple(types) => {
            let Mp::Array(items) = v else {
                return Err(mismatch(path, ty, v));
            };
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
                .iter()
                .zip(types)
                .enumerate()
                .map(|(i, (item, t))| path.with(Step::Index(i), |p| from_tree(item, t, p)))
                .collect::<Result<_, _>>()?;
            Ok(Value::Tuple(values))
        }
        Type::Object { attributes, .. } => {
            let Mp::Map(entries) = v else {
                return Err(mismatch(path, ty, v));
            };
            // Terraform always writes every attribute, so a different count means the schema and the value
            // disagree; go-cty refuses that too.
            if entries.len() != attributes.len() {
                return Err(ValueError::new(
                    path,
                    format!(
                        "expected an object with {} attributes, found {}",
                        attributes.len(),
                        entries.len()
                    ),
                ));
            }
            let mut object = BTreeMap::new();
            for (key, item) in entries {
                let name = map_key(key, path)?;
                let Some(attr_ty) = attributes.get(&name) else {
                    return Err(ValueError::new(
                        path,
                        format!("unsupported attribute {name:?}"),
                    ));
                };
                let value = path.with(Step::Attribute(name.clone()), |p| {
                    from_tree(item, attr_ty, p)
                })?;
                if object.insert(name.clone(), value).is_some() {
                    return Err(ValueError::new(
                        path,
                        format!("attribute {name:?} appears twice"),
                    ));
                }
            }
            Ok(Value::Object(object))
        }
    }
}

fn elements(v: &Mp, ty: &Type, element: &Type, path: &mut Path) -> Result<Vec<Value>, ValueError> {
    let Mp::Array(items) = v else {
        return Err(mismatch(path, ty, v));
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| path.with(Step::Index(i), |p| from_tree(item, element, p)))
        .collect()
}

fn map_key(key: &Mp, path: &Path) -> Result<String, ValueError> {
    string_from_tree(key, path).map_err(|_| {
        ValueError::new(
            path,
            format!("map keys must be strings, found {}", kind(key)),
        )
    })
}

fn string_from_tree(v: &Mp, path: &Path) -> Result<String, ValueError> {
    let bytes = match v {
        Mp::String(s) => s.as_bytes(),
        // go-cty's decoder takes binary data for strings too.
        Mp::Binary(b) => b.as_slice(),
        other => return Err(mismatch(path, &Type::String, other)),
    };
    String::from_utf8(bytes.to_vec())
        .map_err(|_| ValueError::new(path, "string is not valid UTF-8"))
}

fn number_from_tree(v: &Mp, path: &Path) -> Result<Number, ValueError> {
    let not_a_number = || ValueError::new(path, "NaN is not a number");
    match v {
        Mp::Integer(i) => match (i.as_i64(), i.as_u64()) {
            (Some(n), _) => Ok(Number::from(n)),
            (None, Some(n)) => Ok(Number::from(n)),
            (None, None) => Err(ValueError::new(path, "integer out of range")),
        },
        Mp::F32(f) => Number::from_f64(f64::from(*f)).ok_or_else(not_a_number),
        Mp::F64(f) => Number::from_f64(*f).ok_or_else(not_a_number),
        Mp::String(_) | Mp::Binary(_) => {
            let text = string_from_tree(v, path)?;
            text.parse()
                .map_err(|e| ValueError::new(path, format!("{e}")))
        }
        other => Err(mismatch(path, &Type::Number, other)),
    }
}

fn dynamic_from_tree(v: &Mp, path: &mut Path) -> Result<Value, ValueError> {
    let Mp::Array(parts) = v else {
        return Err(ValueError::new(
            path,
            format!(
                "expected a [type, value] pair for a dynamic value, found {}",
                kind(v)
            ),
        ));
    };
    let [type_json, inner] = parts.as_slice() else {
        return Err(ValueError::new(
            path,
            format!(
                "a dynamic value must be a [type, value] pair, found {} elements",
                parts.len()
            ),
        ));
    };
    let type_bytes: &[u8] = match type_json {
        Mp::Binary(b) => b,
        Mp::String(s) => s.as_bytes(),
        other => {
            return Err(ValueError::new(
                path,
                format!(
                    "the type of a dynamic value must be JSON bytes, found {}",
                    kind(other)
                ),
            ));
        }
    };
    let ty = Type::from_json(type_bytes).map_err(|e| ValueError::new(path, e.to_string()))?;
    if ty == Type::Dynamic {
        return Err(ValueError::new(
            path,
            "a dynamic value must name a concrete type",
        ));
    }
    let value = from_tree(inner, &ty, path)?;
    Ok(Value::Dynamic(Box::new(ty), Box::new(value)))
}

fn unknown_from_ext(code: i8, payload: &[u8], ty: &Type, path: &Path) -> Result<Value, ValueError> {
    // Any extension of at most one byte is a plain unknown, whatever its code: that is how every Terraform
    // version writes one, and the payload of such a short extension carries nothing.
    if payload.len() <= 1 {
        return Ok(Value::unknown());
    }
    if code != REFINED_UNKNOWN_EXT {
        return Err(ValueError::new(
            path,
            format!(
                "unsupported msgpack extension {code} of {} bytes",
                payload.len()
            ),
        ));
    }
    if payload.len() > MAX_REFINEMENT_BYTES {
        return Err(ValueError::new(
            path,
            format!(
                "refinements of {} bytes exceed the {MAX_REFINEMENT_BYTES}-byte limit",
                payload.len()
            ),
        ));
    }
    let bad =
        |what: &str| ValueError::new(path, format!("malformed unknown-value refinements: {what}"));
    // Bytes after the map are ignored on purpose, as go-cty does, to leave room for later additions.
    let Ok(Mp::Map(entries)) = rmpv::decode::read_value(&mut &payload[..]) else {
        return Err(bad("not a map"));
    };
    // Refinements of a wholly unknown dynamic value are not defined yet; go-cty drops them, and so do we.
    if *ty == Type::Dynamic {
        return Ok(Value::unknown());
    }
    let mut refinements = Refinements::default();
    for (key, value) in &entries {
        let Some(key) = key.as_i64() else {
            return Err(bad("non-integer key"));
        };
        match key {
            REFINE_NULLNESS => match value.as_bool() {
                // "Definitely null" makes the value a known null, as in cty itself.
                Some(true) => return Ok(Value::Null),
                Some(false) => refinements.not_null = true,
                None => return Err(bad("nullness is not a bool")),
            },
            REFINE_STRING_PREFIX => {
                if *ty != Type::String {
                    return Err(bad(&format!("string prefix for {ty}")));
                }
                let prefix = string_from_tree(value, path)
                    .map_err(|_| bad("string prefix is not a string"))?;
                refinements.string_prefix = Some(prefix).filter(|p| !p.is_empty());
            }
            REFINE_NUMBER_LOWER | REFINE_NUMBER_UPPER => {
                if *ty != Type::Number {
                    return Err(bad(&format!("number bound for {ty}")));
                }
                let bound = match value {
                    Mp::Array(pair) => match pair.as_slice() {
                        [n, Mp::Boolean(inclusive)] => NumberBound {
                            value: number_from_tree(n, path)
                                .map_err(|_| bad("bound is not a number"))?,
                            inclusive: *inclusive,
                        },
                        _ => return Err(bad("number bound is not a [number, bool] pair")),
                    },
                    _ => return Err(bad("number bound is not a [number, bool] pair")),
                };
                if key == REFINE_NUMBER_LOWER {
                    refinements.number_lower = Some(bound);
                } else {
                    refinements.number_upper = Some(bound);
                }
            }
            REFINE_LENGTH_LOWER | REFINE_LENGTH_UPPER => {
                if !matches!(ty, Type::List(_) | Type::Set(_) | Type::Map(_)) {
                    return Err(bad(&format!("length bound for {ty}")));
                }
                let Some(bound) = value.as_u64() else {
                    return Err(bad("length bound is not a non-negative integer"));
                };
                if key == REFINE_LENGTH_LOWER {
                    refinements.length_lower = Some(bound).filter(|&b| b > 0);
                } else {
                    refinements.length_upper = Some(bound);
                }
            }
            // Unknown keys are future refinements; skipping them keeps old readers working, as go-cty intends.
            _ => {}
        }
    }
    Ok(Value::Unknown(refinements))
}

/// Writes to a growable buffer; its error type is uninhabited, which the `let Ok(_)` patterns rely on.
struct Writer(ByteBuf);

impl Writer {
    fn nil(&mut self) {
        let Ok(()) = rmp::encode::write_nil(&mut self.0);
    }

    fn bool(&mut self, b: bool) {
        let Ok(()) = rmp::encode::write_bool(&mut self.0, b);
    }

    fn int(&mut self, i: i64) {
        let Ok(_) = rmp::encode::write_sint(&mut self.0, i);
    }

    fn uint(&mut self, u: u64) {
        let Ok(_) = rmp::encode::write_uint(&mut self.0, u);
    }

    fn float(&mut self, f: f64) {
        let Ok(()) = rmp::encode::write_f64(&mut self.0, f);
    }

    fn str(&mut self, s: &str, path: &Path) -> Result<(), ValueError> {
        let len = length(s.len(), path)?;
        let Ok(_) = rmp::encode::write_str_len(&mut self.0, len);
        self.raw(s.as_bytes());
        Ok(())
    }

    fn bin(&mut self, b: &[u8], path: &Path) -> Result<(), ValueError> {
        let len = length(b.len(), path)?;
        let Ok(_) = rmp::encode::write_bin_len(&mut self.0, len);
        self.raw(b);
        Ok(())
    }

    fn array_len(&mut self, len: usize, path: &Path) -> Result<(), ValueError> {
        let len = length(len, path)?;
        let Ok(_) = rmp::encode::write_array_len(&mut self.0, len);
        Ok(())
    }

    fn map_len(&mut self, len: usize, path: &Path) -> Result<(), ValueError> {
        let len = length(len, path)?;
        let Ok(_) = rmp::encode::write_map_len(&mut self.0, len);
        Ok(())
    }

    fn ext(&mut self, code: i8, payload: &[u8], path: &Path) -> Result<(), ValueError> {
        let len = length(payload.len(), path)?;
        let Ok(_) = rmp::encode::write_ext_meta(&mut self.0, len, code);
        self.raw(payload);
        Ok(())
    }

    fn raw(&mut self, bytes: &[u8]) {
        let Ok(()) = rmp::encode::RmpWrite::write_bytes(&mut self.0, bytes);
    }
}

fn length(len: usize, path: &Path) -> Result<u32, ValueError> {
    u32::try_from(len)
        .map_err(|_| ValueError::new(path, format!("{len} items or bytes exceed msgpack's limit")))
}

fn write(out: &mut Writer, value: &Value, ty: &Type, path: &mut Path) -> Result<(), ValueError> {
    match (value, ty) {
        (Value::Null, _) => out.nil(),
        (Value::Unknown(refinements), _) => write_unknown(out, refinements, ty, path)?,
        (Value::Dynamic(inner_ty, inner), Type::Dynamic) => {
            if **inner_ty == Type::Dynamic {
                return Err(ValueError::new(
                    path,
                    "a dynamic value must name a concrete type",
                ));
            }
            out.array_len(2, path)?;
            out.bin(&inner_ty.to_json(), path)?;
            write(out, inner, inner_ty, path)?;
        }
        (Value::Bool(b), Type::Bool) => out.bool(*b),
        (Value::Number(n), Type::Number) => write_number(out, n, path)?,
        (Value::String(s), Type::String) => out.str(s, path)?,
        (Value::List(items), Type::List(element)) | (Value::Set(items), Type::Set(element)) => {
            out.array_len(items.len(), path)?;
            for (i, item) in items.iter().enumerate() {
                path.with(Step::Index(i), |p| write(out, item, element, p))?;
            }
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
            out.array_len(items.len(), path)?;
            for (i, (item, t)) in items.iter().zip(types).enumerate() {
                path.with(Step::Index(i), |p| write(out, item, t, p))?;
            }
        }
        (Value::Map(entries), Type::Map(element)) => {
            out.map_len(entries.len(), path)?;
            for (key, item) in entries {
                out.str(key, path)?;
                path.with(Step::Key(key.clone()), |p| write(out, item, element, p))?;
            }
        }
        (Value::Object(attrs), Type::Object { attributes, .. }) => {
            check_attributes(attrs, attributes, path)?;
            out.map_len(attributes.len(), path)?;
            // Both maps are sorted and hold the same keys, so this writes attributes in Terraform's order.
            for ((name, item), attr_ty) in attrs.iter().zip(attributes.values()) {
                out.str(name, path)?;
                path.with(Step::Attribute(name.clone()), |p| {
                    write(out, item, attr_ty, p)
                })?;
            }
        }
        (value, ty) => return Err(type_mismatch(path, ty, value)),
    }
    Ok(())
}

/// go-cty's choice: an int when exact, else a float64 when exact, else the decimal string.
fn write_number(out: &mut Writer, n: &Number, path: &Path) -> Result<(), ValueError> {
    if n.is_infinite() {
        out.float(n.to_f64_lossy());
    } else if let Some(i) = n.as_i64() {
        out.int(i);
    } else if let Some(f) = n.as_f64_exact() {
        out.float(f);
    } else {
        out.str(&n.to_string(), path)?;
    }
    Ok(())
}

fn write_unknown(
    out: &mut Writer,
    refinements: &Refinements,
    ty: &Type,
    path: &Path,
) -> Result<(), ValueError> {
    let refinement_error =
        |what: &str| ValueError::new(path, format!("{what} cannot refine an unknown {ty}"));
    let mut body = Writer(ByteBuf::new());
    let mut count = 0;
    if refinements.not_null {
        body.int(REFINE_NULLNESS);
        body.bool(false);
        count += 1;
    }
    if let Some(prefix) = refinements
        .string_prefix
        .as_deref()
        .filter(|p| !p.is_empty())
    {
        if *ty != Type::String {
            return Err(refinement_error("a string prefix"));
        }
        body.int(REFINE_STRING_PREFIX);
        body.str(prefix, path)?;
        count += 1;
    }
    for (key, bound) in [
        (REFINE_NUMBER_LOWER, &refinements.number_lower),
        (REFINE_NUMBER_UPPER, &refinements.number_upper),
    ] {
        if let Some(bound) = bound {
            if *ty != Type::Number {
                return Err(refinement_error("a number bound"));
            }
            body.int(key);
            body.array_len(2, path)?;
            write_number(&mut body, &bound.value, path)?;
            body.bool(bound.inclusive);
            count += 1;
        }
    }
    let lengths = [
        (
            REFINE_LENGTH_LOWER,
            refinements.length_lower.filter(|&b| b > 0),
        ),
        (REFINE_LENGTH_UPPER, refinements.length_upper),
    ];
    for (key, bound) in lengths {
        if let Some(bound) = bound {
            if !matches!(ty, Type::List(_) | Type::Set(_) | Type::Map(_)) {
                return Err(refinement_error("a length bound"));
            }
            body.int(key);
            body.uint(bound);
            count += 1;
        }
    }
    if count == 0 {
        return out.ext(PLAIN_UNKNOWN_EXT, &[0], path);
    }
    if *ty == Type::Dynamic {
        return Err(refinement_error("a refinement"));
    }
    let mut payload = Writer(ByteBuf::new());
    payload.map_len(count, path)?;
    payload.raw(&body.0.into_vec());
    out.ext(REFINED_UNKNOWN_EXT, &payload.0.into_vec(), path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn plain_unknown_from_terraform_1_0() {
        let value = decode(&[0xd4, 0x00, 0x00], &Type::String).unwrap();
        assert_eq!(value, Value::unknown());
        assert_eq!(encode(&value, &Type::String).unwrap(), [0xd4, 0x00, 0x00]);
    }

    #[test]
    fn refined_unknown_from_terraform_1_15() {
        // `note = "pre-${…id}"` as Terraform 1.15.5 sent it: not null, prefix "pre-".
        let bytes = [
            0xc7, 0x09, 0x0c, 0x82, 0x01, 0xc2, 0x02, 0xa4, b'p', b'r', b'e', b'-',
        ];
        let value = decode(&bytes, &Type::String).unwrap();
        let expected = Refinements {
            not_null: true,
            string_prefix: Some("pre-".into()),
            ..Refinements::default()
        };
        assert_eq!(value, Value::Unknown(expected));
        assert_eq!(hex(&encode(&value, &Type::String).unwrap()), hex(&bytes));
    }

    #[test]
    fn definitely_null_refinement_is_null() {
        let bytes = [0xc7, 0x03, 0x0c, 0x81, 0x01, 0xc3];
        assert_eq!(decode(&bytes, &Type::String).unwrap(), Value::Null);
    }

    #[test]
    fn numbers_use_the_narrowest_exact_encoding() {
        let n = |s: &str| Value::Number(s.parse().unwrap());
        assert_eq!(hex(&encode(&n("5"), &Type::Number).unwrap()), "05");
        assert_eq!(hex(&encode(&n("-1"), &Type::Number).unwrap()), "ff");
        assert_eq!(
            hex(&encode(&n("0.5"), &Type::Number).unwrap()),
            "cb3fe0000000000000"
        );
        // 2^64 is beyond int64 but exact as a float64, so go-cty writes a float.
        assert_eq!(
            hex(&encode(&n("18446744073709551616"), &Type::Number).unwrap()),
            "cb43f0000000000000"
        );
        assert_eq!(
            encode(&n("0.1"), &Type::Number).unwrap(),
            [&[0xa3][..], b"0.1"].concat(),
            "0.1 has no exact float, so it goes as a decimal string"
        );
        assert_eq!(
            decode(&[0xa3, b'1', b'e', b'3'], &Type::Number).unwrap(),
            n("1000")
        );
        assert_eq!(
            decode(
                &[0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                &Type::Number
            )
            .unwrap(),
            n("18446744073709551615")
        );
    }

    #[test]
    fn dynamic_values_carry_their_type() {
        let value = Value::Dynamic(
            Box::new(Type::list(Type::String)),
            Box::new(Value::List(vec![Value::String("a".into())])),
        );
        let bytes = encode(&value, &Type::Dynamic).unwrap();
        assert_eq!(
            hex(&bytes),
            format!("92c411{}91a161", hex(br#"["list","string"]"#))
        );
        assert_eq!(decode(&bytes, &Type::Dynamic).unwrap(), value);
        // Terraform also accepts the type as a msgpack string.
        let as_str = [&[0x92, 0xa8][..], br#""string""#, &[0xa1, b'x']].concat();
        assert_eq!(
            decode(&as_str, &Type::Dynamic).unwrap(),
            Value::Dynamic(Box::new(Type::String), Box::new(Value::String("x".into())))
        );
    }

    #[test]
    fn malformed_input_is_an_error_that_says_where() {
        let object = Type::object([("name", Type::String), ("tags", Type::map(Type::String))]);
        let cases: Vec<(Vec<u8>, &Type, &str)> = vec![
            (vec![], &Type::String, "malformed msgpack"),
            (vec![0xdc, 0x00], &Type::String, "malformed msgpack"),
            (vec![0xa5, b'a'], &Type::String, "malformed msgpack"),
            (vec![0x01, 0x02], &Type::Number, "unexpected bytes"),
            (
                vec![0x01],
                &Type::String,
                "expected string, found a msgpack integer",
            ),
            (
                vec![0x81, 0xa4, b'n', b'a', b'm', b'e', 0xc0],
                &object,
                "expected an object with 2 attributes",
            ),
            (
                vec![
                    0x82, 0xa4, b'n', b'a', b'm', b'e', 0xc0, 0xa4, b't', b'a', b'g', b's', 0x81,
                    0xa1, b'k', 0x07,
                ],
                &object,
                r#"at .tags["k"]: expected string"#,
            ),
            (
                vec![0x82, 0xa1, b'x', 0xc0, 0xa1, b'y', 0xc0],
                &object,
                "unsupported attribute \"x\"",
            ),
            (
                vec![0xc7, 0x03, 0x05, 0x81, 0x01, 0xc2],
                &Type::String,
                "unsupported msgpack extension 5",
            ),
            (
                vec![0xc7, 0x03, 0x0c, 0x81, 0x02, 0x01],
                &Type::Number,
                "string prefix for number",
            ),
            (vec![0x91, 0xc0], &Type::Dynamic, "[type, value] pair"),
            (
                vec![0x92, 0xa4, b'b', b'o', b'o', b'l', 0xc3],
                &Type::Dynamic,
                "invalid type constraint",
            ),
            (vec![0xa2, 0xff, 0xfe], &Type::String, "not valid UTF-8"),
            (
                vec![0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0],
                &Type::Number,
                "NaN",
            ),
        ];
        for (bytes, ty, expected) in cases {
            let err = decode(&bytes, ty).expect_err(&hex(&bytes)).to_string();
            assert!(
                err.contains(expected),
                "{}: {err:?} does not mention {expected:?}",
                hex(&bytes)
            );
        }
    }

    #[test]
    fn encoding_checks_conformance() {
        let object = Type::object([("a", Type::String), ("b", Type::Bool)]);
        let partial = Value::Object([("a".to_owned(), Value::Null)].into());
        assert!(
            encode(&partial, &object)
                .unwrap_err()
                .to_string()
                .contains("missing attributes")
        );
        assert!(
            encode(&Value::Bool(true), &Type::String)
                .unwrap_err()
                .to_string()
                .contains("expected string, found a bool")
        );
        assert!(
            encode(&Value::String("x".into()), &Type::Dynamic)
                .unwrap_err()
                .to_string()
                .contains("Value::Dynamic")
        );
        let prefixed = Value::Unknown(Refinements {
            string_prefix: Some("x".into()),
            ..Refinements::default()
        });
        assert!(encode(&prefixed, &Type::Number).is_err());
    }
}
