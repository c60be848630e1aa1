//! Defaults.

use super::{Body, attr, elements_mut, lookup, nested_parts};
use crate::path::AttrPath;
use crate::value::{Value, conform};

/// Where the configuration leaves an attribute with a default out, plans the default.
pub(crate) fn apply_defaults(body: Body<'_>, config: &Value, plan: &mut Value) {
    let Value::Object(planned) = plan else { return };
    for (name, a) in body.attributes {
        let Some(Ok(default)) = &a.default else {
            continue;
        };
        if !attr(config, name).is_null() {
            continue;
        }
        // The schema check proved the default fits; a default that does not is reported there.
        if let (Some(slot), Ok(v)) = (
            planned.get_mut(name),
            conform(default.clone(), &a.value_type(), &AttrPath::root()),
        ) {
            *slot = v;
        }
    }
    for (name, nesting, inner) in nested_parts(body) {
        let config = attr(config, name);
        if let Some(slot) = planned.get_mut(name) {
            for (key, element) in elements_mut(nesting, slot) {
                apply_defaults(inner, lookup(config, &key), element);
            }
        }
    }
}
