//! Write-only attributes.

use super::{Body, elements_mut, nested_parts};
use crate::value::Value;

/// Nulls every write-only attribute: Terraform requires them null in plans and state.
pub(crate) fn null_write_only(body: Body<'_>, value: &mut Value) {
    let Value::Object(attributes) = value else {
        return;
    };
    for (name, a) in body.attributes {
        if a.write_only
            && let Some(slot) = attributes.get_mut(name)
        {
            *slot = Value::Null;
        }
    }
    for (name, nesting, inner) in nested_parts(body) {
        if let Some(slot) = attributes.get_mut(name) {
            for (_, element) in elements_mut(nesting, slot) {
                null_write_only(inner, element);
            }
        }
    }
}
