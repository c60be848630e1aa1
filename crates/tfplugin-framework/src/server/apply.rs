//! ApplyResourceChange: create, update or delete, then check the result as Terraform will, so that a
//! resource that breaks the rules gets an error naming the attribute instead of Terraform's generic
//! "Provider produced inconsistent result after apply".

use std::sync::Arc;

use tfplugin_proto::wire::apply_resource_change;

use super::walk::{Body, check_apply_result, null_write_only, require_known};
use super::{FrameworkServer, convert};
use crate::diag::Diagnostics;
use crate::path::AttrPath;
use crate::private::Private;
use crate::provider::Provider;
use crate::resource::{
    CreateRequest, CreateResponse, DeleteRequest, DeleteResponse, UpdateRequest, UpdateResponse,
};
use crate::schema::Schema;
use crate::value::Value;

impl<P: Provider> FrameworkServer<P> {
    pub(super) async fn apply_resource_change_rpc(
        &self,
        request: apply_resource_change::Request,
    ) -> apply_resource_change::Response {
        let mut diags = Diagnostics::new();
        let mut response = apply_resource_change::Response::default();
        if let Some((state, private, schema)) = self.apply(request, &mut diags).await {
            response.new_state = convert::encode(&state, &schema, "new state", &mut diags);
            response.private = private.encode();
        }
        response.diagnostics = convert::diagnostics(&diags);
        response
    }

    async fn apply(
        &self,
        request: apply_resource_change::Request,
        diags: &mut Diagnostics,
    ) -> Option<(Value, Private, Arc<Schema>)> {
        let resource = self.resource(&request.type_name, diags)?;
        let schema = resource.schema.clone();
        let prior = convert::decode(request.prior_state.as_ref(), &schema, "prior state", diags);
        let planned = convert::decode(
            request.planned_state.as_ref(),
            &schema,
            "planned state",
            diags,
        );
        let config = convert::decode(request.config.as_ref(), &schema, "configuration", diags);
        let private = Private::decode(&request.planned_private, diags);
        let (prior, planned, config) = (prior?, planned?, config?);
        if diags.has_error() {
            return None;
        }
        let instance = resource.kind.instance(self.provider_data().as_ref(), diags);
        if diags.has_error() {
            return None;
        }

        if planned.is_null() {
            let mut response = DeleteResponse::default();
            let request = DeleteRequest {
                state: prior.clone(),
                private: private.clone(),
            };
            instance.delete(request, &mut response).await;
            diags.extend(response.diagnostics);
            // A failed delete keeps the object in state so the next run tries again.
            return Some(if diags.has_error() {
                (prior.into_value(), private, schema)
            } else {
                (Value::Null, Private::default(), schema)
            });
        }

        let creating = prior.is_null();
        let (new, private) = if creating {
            let mut response = CreateResponse {
                state: planned.clone(),
                private,
                diagnostics: Diagnostics::new(),
            };
            let request = CreateRequest {
                config,
                plan: planned.clone(),
            };
            instance.create(request, &mut response).await;
            let failed = response.diagnostics.has_error();
            diags.extend(response.diagnostics);
            let state = response.state.into_value();
            // A failed create that left the plan as it was, or unknowns in it, made nothing Terraform
            // could track: record nothing, rather than the plan or an error about unknown values.
            if failed && (!state.is_wholly_known() || state == *planned.value()) {
                (Value::Null, response.private)
            } else {
                (state, response.private)
            }
        } else {
            let mut response = UpdateResponse {
                state: planned.clone(),
                private,
                diagnostics: Diagnostics::new(),
            };
            let request = UpdateRequest {
                config,
                plan: planned.clone(),
                state: prior.clone(),
            };
            instance.update(request, &mut response).await;
            let failed = response.diagnostics.has_error();
            diags.extend(response.diagnostics);
            let state = response.state.into_value();
            // Likewise a failed update that left the plan as it was changed nothing the resource could
            // say: the prior state stands, and the next plan shows what is still to do.
            if failed && (!state.is_wholly_known() || state == *planned.value()) {
                (prior.into_value(), response.private)
            } else {
                (state, response.private)
            }
        };
        Some((
            checked_result(&schema, planned.value(), new, creating, diags),
            private,
            schema,
        ))
    }
}

/// The new state with write-only values dropped, checked against the plan.
fn checked_result(
    schema: &Schema,
    planned: &Value,
    mut new: Value,
    creating: bool,
    diags: &mut Diagnostics,
) -> Value {
    let action = if creating { "create" } else { "update" };
    if new.is_null() {
        // With errors, a null result means "nothing happened" and Terraform keeps the prior state.
        if !diags.has_error() {
            diags.error(
                "Provider returned no object after apply",
                format!("The resource's {action} returned no state. It must set the state of the object it {action}d. This is a bug in the provider."),
            );
        }
        return new;
    }
    null_write_only(Body::of(schema.body()), &mut new);
    require_known(&mut new, action, diags);
    // Like Terraform, only check consistency when nothing else went wrong: the other errors explain it.
    if !diags.has_error() {
        check_apply_result(schema, &AttrPath::root(), planned, &new, diags);
    }
    new
}
