//! Attribute plan modifiers.

use super::{Body, attr, element_path, elements_mut, lookup, nested_parts};
use crate::diag::Diagnostics;
use crate::path::AttrPath;
use crate::plan_modifier::{PlanModifierRequest, PlanModifierResponse};
use crate::value::Value;

/// What running the attributes' plan modifiers produced.
pub(crate) struct Modified {
    pub(crate) requires_replace: Vec<AttrPath>,
    pub(crate) diagnostics: Diagnostics,
}

/// Runs every attribute's plan modifiers, outer attributes before the attributes nested in them.
pub(crate) fn run_plan_modifiers(
    body: Body<'_>,
    path: &AttrPath,
    config: &Value,
    prior: &Value,
    plan: &mut Value,
    creating: bool,
    out: &mut Modified,
) {
    let Value::Object(planned) = plan else { return };
    for (name, a) in body.attributes {
        if a.plan_modifiers.is_empty() {
            continue;
        }
        let Some(slot) = planned.get_mut(name) else {
            continue;
        };
        let here = path.clone().attribute(name.as_str());
        let mut response = PlanModifierResponse {
            plan: slot.clone(),
            requires_replace: false,
            diagnostics: Diagnostics::new(),
        };
        for modifier in &a.plan_modifiers {
            let current = response.plan.clone();
            let request = PlanModifierRequest {
                path: &here,
                config: attr(config, name),
                state: attr(prior, name),
                plan: &current,
                creating,
            };
            modifier.modify(&request, &mut response);
        }
        *slot = response.plan;
        if response.requires_replace {
            out.requires_replace.push(here);
        }
        out.diagnostics.extend(response.diagnostics);
    }
    for (name, nesting, inner) in nested_parts(body) {
        let here = path.clone().attribute(name.as_str());
        let (config, prior) = (attr(config, name), attr(prior, name));
        if let Some(slot) = planned.get_mut(name) {
            for (key, element) in elements_mut(nesting, slot) {
                run_plan_modifiers(
                    inner,
                    &element_path(&here, nesting, &key),
                    lookup(config, &key),
                    lookup(prior, &key),
                    element,
                    creating,
                    out,
                );
            }
        }
    }
}
