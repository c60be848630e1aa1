//! PlanResourceChange: from Terraform's proposed new state to a plan Terraform accepts.
//!
//! The steps follow terraform-plugin-framework: defaults for what the configuration leaves out →
//! write-only attributes planned null → if anything changes, computed attributes the configuration leaves
//! out become unknown → the attributes' plan modifiers → the resource's ModifyPlan → the plan is checked
//! against the configuration as Terraform will check it → replacement is requested only for attributes
//! whose planned value differs from the prior state. A destroy plans null.

use std::sync::Arc;

use tfplugin_proto::wire::plan_resource_change;

use super::walk::{
    Body, Modified, apply_defaults, check_plan, mark_computed_unknown, null_write_only,
    run_plan_modifiers,
};
use super::{FrameworkServer, convert};
use crate::diag::Diagnostics;
use crate::path::AttrPath;
use crate::private::Private;
use crate::provider::Provider;
use crate::resource::{ModifyPlanRequest, ModifyPlanResponse, ResourceInstance};
use crate::schema::Schema;
use crate::value::{SchemaValue, Value};

/// A plan, ready to encode.
struct Planned {
    state: Value,
    requires_replace: Vec<AttrPath>,
    private: Private,
}

impl<P: Provider> FrameworkServer<P> {
    pub(super) async fn plan_resource_change_rpc(
        &self,
        request: plan_resource_change::Request,
    ) -> plan_resource_change::Response {
        let mut diags = Diagnostics::new();
        let planned = self.plan(request, &mut diags).await;
        let mut response = plan_resource_change::Response::default();
        if let Some((planned, schema)) = planned.filter(|_| !diags.has_error()) {
            response.planned_state = convert::encode(&planned.state, &schema, "plan", &mut diags);
            response.requires_replace = planned
                .requires_replace
                .iter()
                .map(convert::attribute_path)
                .collect();
            response.planned_private = planned.private.encode();
        }
        response.diagnostics = convert::diagnostics(&diags);
        response
    }

    async fn plan(
        &self,
        request: plan_resource_change::Request,
        diags: &mut Diagnostics,
    ) -> Option<(Planned, Arc<Schema>)> {
        let resource = self.resource(&request.type_name, diags)?;
        let schema = &resource.schema;
        let prior = convert::decode(request.prior_state.as_ref(), schema, "prior state", diags);
        let proposed = convert::decode(
            request.proposed_new_state.as_ref(),
            schema,
            "proposed new state",
            diags,
        );
        let config = convert::decode(request.config.as_ref(), schema, "configuration", diags);
        let private = Private::decode(&request.prior_private, diags);
        let (prior, proposed, config) = (prior?, proposed?, config?);
        if diags.has_error() {
            return None;
        }
        let instance = resource.kind.instance(self.provider_data().as_ref(), diags);
        if diags.has_error() {
            return None;
        }
        let planned = if proposed.is_null() {
            plan_destroy(&instance, config, prior, private, diags).await
        } else {
            plan_change(&instance, config, prior, proposed, private, diags).await
        };
        Some((planned, schema.clone()))
    }
}

/// Destroy: the plan is null. ModifyPlan still runs, so a resource can warn or refuse.
async fn plan_destroy(
    instance: &ResourceInstance,
    config: SchemaValue,
    prior: SchemaValue,
    private: Private,
    diags: &mut Diagnostics,
) -> Planned {
    let mut response = ModifyPlanResponse {
        plan: SchemaValue::null(prior.shared_schema()),
        requires_replace: Vec::new(),
        private,
        diagnostics: Diagnostics::new(),
    };
    let plan = response.plan.clone();
    if let Some(modify) = instance.modify_plan(
        ModifyPlanRequest {
            config,
            state: prior,
            plan,
        },
        &mut response,
    ) {
        modify.await;
    }
    diags.extend(response.diagnostics);
    if !response.plan.is_null() {
        diags.error(
            "Provider produced an invalid plan",
            "The resource is being destroyed, so its plan must be null, but ModifyPlan set a value. This is a bug in the provider.",
        );
    }
    Planned {
        state: Value::Null,
        requires_replace: Vec::new(),
        private: response.private,
    }
}

/// Create (prior null) or update.
async fn plan_change(
    instance: &ResourceInstance,
    config: SchemaValue,
    prior: SchemaValue,
    proposed: SchemaValue,
    private: Private,
    diags: &mut Diagnostics,
) -> Planned {
    let schema = prior.shared_schema();
    let body = Body::of(schema.body());
    let creating = prior.is_null();

    let mut plan = proposed.into_value();
    apply_defaults(body, config.value(), &mut plan);
    null_write_only(body, &mut plan);
    if plan != *prior.value() {
        mark_computed_unknown(body, config.value(), &mut plan);
    }
    let mut modified = Modified {
        requires_replace: Vec::new(),
        diagnostics: Diagnostics::new(),
    };
    run_plan_modifiers(
        body,
        &AttrPath::root(),
        config.value(),
        prior.value(),
        &mut plan,
        creating,
        &mut modified,
    );
    diags.extend(modified.diagnostics);
    let mut requires_replace = modified.requires_replace;

    let mut response = ModifyPlanResponse {
        plan: SchemaValue::new(schema.clone(), plan),
        requires_replace: Vec::new(),
        private,
        diagnostics: Diagnostics::new(),
    };
    let request = ModifyPlanRequest {
        config: config.clone(),
        state: prior.clone(),
        plan: response.plan.clone(),
    };
    if let Some(modify) = instance.modify_plan(request, &mut response) {
        modify.await;
    }
    diags.extend(response.diagnostics);
    requires_replace.extend(response.requires_replace);
    let mut plan = response.plan.into_value();

    if plan.is_null() {
        diags.error(
            "Provider produced an invalid plan",
            "ModifyPlan planned null, which means destroy, for a resource that is being created or updated. This is a bug in the provider.",
        );
    }
    // A write-only value must never reach the plan, whatever ModifyPlan did.
    null_write_only(body, &mut plan);
    check_plan(
        body,
        &AttrPath::root(),
        config.value(),
        prior.value(),
        &plan,
        false,
        diags,
    );

    Planned {
        requires_replace: replacements(requires_replace, prior.value(), &plan, creating),
        state: plan,
        private: response.private,
    }
}

/// Terraform only honours replacement for paths whose value differs between prior state and plan (or is
/// unknown), errors on paths that exist in neither, and ignores it on create. Keep what it will honour,
/// sorted and without duplicates so the plan is stable.
fn replacements(
    mut paths: Vec<AttrPath>,
    prior: &Value,
    planned: &Value,
    creating: bool,
) -> Vec<AttrPath> {
    if creating {
        return Vec::new();
    }
    paths.retain(|path| match (path.get(prior), path.get(planned)) {
        (None, None) => false,
        (_, Some(p)) if p.is_unknown() => true,
        (before, after) => before.unwrap_or(&Value::Null) != after.unwrap_or(&Value::Null),
    });
    paths.sort();
    paths.dedup();
    paths
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[test]
    fn replacement_only_where_values_differ() {
        let object = |name: &str, note: &str| {
            Value::Object(BTreeMap::from([
                ("name".to_owned(), Value::String(name.into())),
                ("note".to_owned(), Value::String(note.into())),
            ]))
        };
        let paths = vec![
            AttrPath::attr("note"),
            AttrPath::attr("name"),
            AttrPath::attr("name"),
            AttrPath::attr("missing"),
        ];
        let out = replacements(paths.clone(), &object("a", "n"), &object("b", "n"), false);
        assert_eq!(out, vec![AttrPath::attr("name")]);
        assert!(replacements(paths, &Value::Null, &object("b", "n"), true).is_empty());
    }
}
