//! Property tests: any value of any type survives encode → decode, in msgpack and (without unknowns) JSON,
//! and the type constraint of any type survives its JSON form. Also checks that arbitrary bytes never panic
//! the decoders.
//!
//! The fuzz targets (`fuzz_*`, budget from `tinesaudit_testkit::fuzz::config`) feed the decoders what a
//! broken or hostile peer sends: valid encodings damaged byte by byte, encodings of one type read as
//! another, and JSON documents of any shape. A decoder answers each with an error, or with a value that
//! conforms to the type: one that encodes and decodes back to itself.

use std::collections::BTreeMap;

use proptest::prelude::*;
use tfplugin_proto::value::{Number, NumberBound, Refinements, Type, Value};
use tinesaudit_testkit::fuzz::{self, damaged};

fn attribute_name() -> impl Strategy<Value = String> {
    "[a-z_][a-z0-9_]{0,8}"
}

fn arb_type() -> impl Strategy<Value = Type> {
    let leaf = prop_oneof![
        Just(Type::Bool),
        Just(Type::Number),
        Just(Type::String),
        Just(Type::Dynamic)
    ];
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(Type::list),
            inner.clone().prop_map(Type::set),
            inner.clone().prop_map(Type::map),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Type::Tuple),
            (
                prop::collection::btree_map(attribute_name(), inner, 0..4),
                any::<prop::sample::Index>()
            )
                .prop_map(|(attributes, pick)| {
                    // Optional attributes only matter to the type's JSON form; mark one now and then.
                    let optional = if attributes.is_empty() || pick.index(3) > 0 {
                        Default::default()
                    } else {
                        attributes
                            .keys()
                            .nth(pick.index(attributes.len()))
                            .cloned()
                            .into_iter()
                            .collect()
                    };
                    Type::Object {
                        attributes,
                        optional,
                    }
                }),
        ]
    })
}

fn concrete_type() -> impl Strategy<Value = Type> {
    arb_type().prop_filter("a dynamic value names a concrete type", |t| {
        *t != Type::Dynamic
    })
}

fn arb_number() -> impl Strategy<Value = Number> {
    prop_oneof![
        any::<i64>().prop_map(Number::from),
        any::<u64>().prop_map(Number::from),
        any::<f64>().prop_filter_map("NaN is not a number", Number::from_f64),
        // Decimals no float holds, and integers beyond 64 bits, as Terraform sends them in strings.
        ("-?[1-9][0-9]{0,40}", "[0-9]{0,30}", -400i64..400).prop_map(|(int, frac, exp)| format!(
            "{int}.{frac}e{exp}"
        )
        .parse()
        .unwrap()),
    ]
}

fn arb_string() -> impl Strategy<Value = String> {
    prop_oneof![any::<String>(), "[a-z]{0,12}"]
}

fn refinements(ty: &Type) -> BoxedStrategy<Refinements> {
    let base = any::<bool>().prop_map(|not_null| Refinements {
        not_null,
        ..Refinements::default()
    });
    match ty {
        Type::Dynamic => Just(Refinements::default()).boxed(),
        Type::String => (base, prop::option::of("[a-z]{1,8}"))
            .prop_map(|(r, string_prefix)| Refinements { string_prefix, ..r })
            .boxed(),
        Type::Number => {
            let bound = || {
                (
                    arb_number().prop_filter("finite", |n| !n.is_infinite()),
                    any::<bool>(),
                )
                    .prop_map(|(value, inclusive)| NumberBound { value, inclusive })
            };
            (base, prop::option::of(bound()), prop::option::of(bound()))
                .prop_map(|(r, number_lower, number_upper)| Refinements {
                    number_lower,
                    number_upper,
                    ..r
                })
                .boxed()
        }
        Type::List(_) | Type::Set(_) | Type::Map(_) => (
            base,
            prop::option::of(1u64..100),
            prop::option::of(0u64..100),
        )
            .prop_map(|(r, length_lower, length_upper)| Refinements {
                length_lower,
                length_upper,
                ..r
            })
            .boxed(),
        _ => base.boxed(),
    }
}

/// Any value that conforms to `ty`, unknowns included when `unknowns` is set.
fn arb_value(ty: &Type, unknowns: bool) -> BoxedStrategy<Value> {
    let known: BoxedStrategy<Value> = match ty {
        Type::Bool => any::<bool>().prop_map(Value::Bool).boxed(),
        Type::Number => {
            let numbers = arb_number();
            if unknowns {
                numbers.prop_map(Value::Number).boxed()
            } else {
                // JSON has no infinities.
                numbers
                    .prop_filter("finite", |n| !n.is_infinite())
                    .prop_map(Value::Number)
                    .boxed()
            }
        }
        Type::String => arb_string().prop_map(Value::String).boxed(),
        Type::Dynamic => concrete_type()
            .prop_flat_map(move |t| {
                arb_value(&t, unknowns)
                    .prop_map(move |v| Value::Dynamic(Box::new(t.clone()), Box::new(v)))
            })
            .boxed(),
        Type::List(e) => prop::collection::vec(arb_value(e, unknowns), 0..4)
            .prop_map(Value::List)
            .boxed(),
        Type::Set(e) => prop::collection::vec(arb_value(e, unknowns), 0..4)
            .prop_map(Value::Set)
            .boxed(),
        Type::Map(e) => prop::collection::btree_map(arb_string(), arb_value(e, unknowns), 0..4)
            .prop_map(Value::Map)
            .boxed(),
        Type::Tuple(types) => types
            .iter()
            .map(|t| arb_value(t, unknowns))
            .collect::<Vec<_>>()
            .prop_map(Value::Tuple)
            .boxed(),
        Type::Object { attributes, .. } => attributes
            .iter()
            .map(|(name, t)| {
                arb_value(t, unknowns).prop_map({
                    let name = name.clone();
                    move |v| (name.clone(), v)
                })
            })
            .collect::<Vec<_>>()
            .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<BTreeMap<_, _>>()))
            .boxed(),
    };
    if unknowns {
        prop_oneof![1 => Just(Value::Null), 1 => refinements(ty).prop_map(Value::Unknown), 6 => known].boxed()
    } else {
        prop_oneof![1 => Just(Value::Null), 6 => known].boxed()
    }
}

fn typed_value(unknowns: bool) -> impl Strategy<Value = (Type, Value)> {
    arb_type().prop_flat_map(move |t| arb_value(&t, unknowns).prop_map(move |v| (t.clone(), v)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn msgpack_round_trips((ty, value) in typed_value(true)) {
        let bytes = value.to_msgpack(&ty).unwrap();
        prop_assert_eq!(Value::from_msgpack(&bytes, &ty).unwrap(), value);
    }

    #[test]
    fn json_round_trips((ty, value) in typed_value(false)) {
        let bytes = value.to_json(&ty).unwrap();
        prop_assert_eq!(Value::from_json(&bytes, &ty).unwrap(), value, "{}", String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn type_constraints_round_trip(ty in arb_type()) {
        prop_assert_eq!(Type::from_json(&ty.to_json()).unwrap(), ty);
    }

    #[test]
    fn numbers_round_trip_through_text(n in arb_number()) {
        prop_assume!(!n.is_infinite());
        prop_assert_eq!(n.to_string().parse::<Number>().unwrap(), n);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic(ty in arb_type(), bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = Value::from_msgpack(&bytes, &ty);
        let _ = Value::from_json(&bytes, &ty);
    }

    #[test]
    fn truncated_msgpack_is_an_error((ty, value) in typed_value(true), cut in any::<prop::sample::Index>()) {
        let bytes = value.to_msgpack(&ty).unwrap();
        let cut = cut.index(bytes.len());
        prop_assert!(Value::from_msgpack(&bytes[..cut], &ty).is_err());
    }
}

/// A decoded value conforms to its type: it encodes, and the encoding decodes back to it.
fn assert_conforms(
    value: &Value,
    ty: &Type,
    encode: fn(&Value, &Type) -> Result<Vec<u8>, tfplugin_proto::value::ValueError>,
    decode: fn(&[u8], &Type) -> Result<Value, tfplugin_proto::value::ValueError>,
) -> Result<(), TestCaseError> {
    let bytes = encode(value, ty).map_err(|e| {
        TestCaseError::fail(format!("decoded {value:?}, which does not encode: {e}"))
    })?;
    let again = decode(&bytes, ty).map_err(|e| {
        TestCaseError::fail(format!("{value:?} encoded, then failed to decode: {e}"))
    })?;
    prop_assert_eq!(&again, value);
    Ok(())
}

fn damaged_msgpack() -> impl Strategy<Value = (Type, Vec<u8>)> {
    typed_value(true).prop_flat_map(|(ty, value)| {
        let bytes = value.to_msgpack(&ty).unwrap();
        damaged(bytes).prop_map(move |bytes| (ty.clone(), bytes))
    })
}

fn damaged_json() -> impl Strategy<Value = (Type, Vec<u8>)> {
    typed_value(false).prop_flat_map(|(ty, value)| {
        let bytes = value.to_json(&ty).unwrap();
        damaged(bytes).prop_map(move |bytes| (ty.clone(), bytes))
    })
}

/// JSON documents of any shape, as text: with the numbers serde_json's own values cannot hold (beyond
/// float64, or more digits than it keeps) and the strings that break naive decoders.
fn any_json() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        prop::sample::select(vec![
            "null",
            "true",
            "false",
            "1e400",
            "-1e-400",
            "0.1",
            "-0",
            "123456789012345678901234567890",
            "1E+2147483648",
            "1e-9223372036854775809",
            "\"\\u0000\""
        ])
        .prop_map(str::to_owned),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|n| serde_json::Value::from(n).to_string()),
        arb_string().prop_map(|s| serde_json::Value::from(s).to_string()),
    ];
    leaf.prop_recursive(6, 48, 5, |inner| {
        let key = prop_oneof![
            attribute_name(),
            Just("type".to_owned()),
            Just("value".to_owned())
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5)
                .prop_map(|items| format!("[{}]", items.join(","))),
            prop::collection::vec((key, inner), 0..5).prop_map(|members| {
                let members: Vec<String> = members
                    .into_iter()
                    .map(|(key, value)| format!("{}:{value}", serde_json::Value::from(key)))
                    .collect();
                format!("{{{}}}", members.join(","))
            }),
        ]
    })
}

proptest! {
    #![proptest_config(fuzz::config())]

    #[test]
    fn fuzz_damaged_msgpack((ty, bytes) in damaged_msgpack(), other in arb_type()) {
        for ty in [&ty, &other] {
            if let Ok(value) = Value::from_msgpack(&bytes, ty) {
                assert_conforms(&value, ty, Value::to_msgpack, Value::from_msgpack)?;
            }
        }
    }

    #[test]
    fn fuzz_damaged_json((ty, bytes) in damaged_json(), other in arb_type()) {
        for ty in [&ty, &other] {
            if let Ok(value) = Value::from_json(&bytes, ty) {
                assert_conforms(&value, ty, Value::to_json, Value::from_json)?;
            }
        }
    }

    #[test]
    fn fuzz_json_of_any_shape(json in any_json(), ty in arb_type()) {
        if let Ok(value) = Value::from_json(json.as_bytes(), &ty) {
            assert_conforms(&value, &ty, Value::to_json, Value::from_json)?;
        }
    }

    #[test]
    fn fuzz_damaged_type_constraints(bytes in arb_type().prop_flat_map(|ty| damaged(ty.to_json()))) {
        if let Ok(ty) = Type::from_json(&bytes) {
            prop_assert_eq!(Type::from_json(&ty.to_json()).unwrap(), ty);
        }
    }
}

#[test]
fn terraform_1_0_plain_unknown() {
    let ty = Type::object([("id", Type::String), ("note", Type::String)]);
    // {"id": unknown, "note": null} as Terraform 1.0.3 encodes a planned create.
    let bytes = [
        0x82, 0xa2, b'i', b'd', 0xd4, 0x00, 0x00, 0xa4, b'n', b'o', b't', b'e', 0xc0,
    ];
    let value = Value::from_msgpack(&bytes, &ty).unwrap();
    assert_eq!(value.attribute("id"), Some(&Value::unknown()));
    assert_eq!(value.attribute("note"), Some(&Value::Null));
    assert_eq!(value.to_msgpack(&ty).unwrap(), bytes);
}

#[test]
fn terraform_1_15_refined_unknown() {
    // note = "pre-${…id}": Ext(12, {1: false, 2: "pre-"}).
    let bytes = [
        0xc7, 0x09, 0x0c, 0x82, 0x01, 0xc2, 0x02, 0xa4, b'p', b'r', b'e', b'-',
    ];
    let value = Value::from_msgpack(&bytes, &Type::String).unwrap();
    let Value::Unknown(refinements) = &value else {
        panic!("{value:?} is not unknown")
    };
    assert!(refinements.not_null);
    assert_eq!(refinements.string_prefix.as_deref(), Some("pre-"));
    assert_eq!(value.to_msgpack(&Type::String).unwrap(), bytes);
}
