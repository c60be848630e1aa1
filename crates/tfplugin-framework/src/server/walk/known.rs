//! Unknown values left in results that must be wholly known.

use crate::diag::Diagnostics;
use crate::path::AttrPath;
use crate::value::Value;

/// Every path under `path` where `value` is unknown.
pub(crate) fn unknown_paths(value: &Value, path: &AttrPath, out: &mut Vec<AttrPath>) {
    match value {
        Value::Unknown(_) => out.push(path.clone()),
        Value::Object(items) => {
            for (k, v) in items {
                unknown_paths(v, &path.clone().attribute(k.as_str()), out);
            }
        }
        Value::Map(items) => {
            for (k, v) in items {
                unknown_paths(v, &path.clone().key(k.as_str()), out);
            }
        }
        Value::List(items) | Value::Tuple(items) => {
            for (i, v) in items.iter().enumerate() {
                unknown_paths(v, &path.clone().index(i as u64), out);
            }
        }
        Value::Set(items) => {
            for v in items {
                unknown_paths(v, path, out);
            }
        }
        Value::Dynamic(_, v) => unknown_paths(v, path, out),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

/// Replaces unknowns with nulls, as Terraform does with a result that should have been wholly known.
pub(crate) fn unknown_as_null(value: &mut Value) {
    match value {
        Value::Unknown(_) => *value = Value::Null,
        Value::Object(items) | Value::Map(items) => items.values_mut().for_each(unknown_as_null),
        Value::List(items) | Value::Set(items) | Value::Tuple(items) => {
            items.iter_mut().for_each(unknown_as_null)
        }
        Value::Dynamic(_, v) => unknown_as_null(v),
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {}
    }
}

/// Reports unknown values in a result that must be wholly known (after apply, read or import) and nulls
/// them, so Terraform stores what is known and shows the provider's message rather than its own.
pub(crate) fn require_known(value: &mut Value, what: &str, diags: &mut Diagnostics) {
    let mut unknown = Vec::new();
    unknown_paths(value, &AttrPath::root(), &mut unknown);
    for path in unknown {
        diags.attribute_error(
            path.clone(),
            format!("Provider returned an unknown value after {what}"),
            format!(
                "{path} is still unknown after {what}; every value must be known by then. The resource must set it. This is a bug in the provider."
            ),
        );
    }
    unknown_as_null(value);
}
