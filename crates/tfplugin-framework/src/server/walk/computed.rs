//! Computed attributes marked unknown.

use super::{Body, attr, elements_mut, lookup, nested_parts};
use crate::value::Value;

/// Marks computed attributes the configuration leaves out (and that have no default) as unknown: the
/// provider decides their values during apply. Only called when the plan changes something.
pub(crate) fn mark_computed_unknown(body: Body<'_>, config: &Value, plan: &mut Value) {
    let Value::Object(planned) = plan else { return };
    let mut marked = Vec::new();
    for (name, a) in body.attributes {
        if a.computed && a.default.is_none() && attr(config, name).is_null() {
            if let Some(slot) = planned.get_mut(name) {
                *slot = Value::unknown();
            }
            marked.push(name);
        }
    }
    for (name, nesting, inner) in nested_parts(body) {
        if marked.contains(&name) {
            continue;
        }
        let config = attr(config, name);
        if let Some(slot) = planned.get_mut(name) {
            for (key, element) in elements_mut(nesting, slot) {
                mark_computed_unknown(inner, lookup(config, &key), element);
            }
        }
    }
}
