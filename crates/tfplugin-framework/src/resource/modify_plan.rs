//! Resource-level plan modification, after the attributes' own plan modifiers.

use std::future::Future;

use super::Resource;
use crate::diag::Diagnostics;
use crate::path::AttrPath;
use crate::private::Private;
use crate::value::SchemaValue;

/// Opt-in capability: adjust the whole plan. Declare it in [`Resource::capabilities`] with `.modify_plan()`.
///
/// Also called when the resource is being destroyed (the plan is null then, and must stay null), so a
/// resource can warn or refuse. The server checks the result like Terraform does: a non-computed attribute
/// must stay as configured.
pub trait ModifyPlan: Resource {
    fn modify_plan(
        &self,
        request: ModifyPlanRequest,
        response: &mut ModifyPlanResponse,
    ) -> impl Future<Output = ()> + Send;
}

/// What [`ModifyPlan::modify_plan`] gets.
pub struct ModifyPlanRequest {
    /// The configuration; null when destroying.
    pub config: SchemaValue,
    /// The prior state; null when creating.
    pub state: SchemaValue,
    /// The plan so far; null when destroying.
    pub plan: SchemaValue,
}

/// What [`ModifyPlan::modify_plan`] returns.
pub struct ModifyPlanResponse {
    /// Starts as the request's plan.
    pub plan: SchemaValue,
    /// Attributes whose change needs replacement; kept only where the planned value differs from the
    /// prior state.
    pub requires_replace: Vec<AttrPath>,
    /// Starts as the prior private data.
    pub private: Private,
    pub diagnostics: Diagnostics,
}
