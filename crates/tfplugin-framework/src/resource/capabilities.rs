//! [`Capabilities`]: the opt-in traits a resource implements, as function pointers the server can call
//! without knowing the resource's type.

use futures_util::future::BoxFuture;

use super::{
    ImportState, ImportStateRequest, ImportStateResponse, ModifyPlan, ModifyPlanRequest,
    ModifyPlanResponse, Resource, StateUpgrader, UpgradeState, ValidateConfig,
    ValidateConfigRequest, ValidateConfigResponse,
};
use crate::diag::Diagnostics;
use crate::provider::{Configure, ProviderData};
use std::collections::BTreeMap;

pub(crate) type ImportFn<R> =
    for<'a> fn(&'a R, ImportStateRequest, &'a mut ImportStateResponse) -> BoxFuture<'a, ()>;
pub(crate) type ModifyPlanFn<R> =
    for<'a> fn(&'a R, ModifyPlanRequest, &'a mut ModifyPlanResponse) -> BoxFuture<'a, ()>;
pub(crate) type UpgradersFn<R> = fn(&R) -> BTreeMap<i64, StateUpgrader>;
pub(crate) type ValidateFn<R> = fn(&R, &ValidateConfigRequest, &mut ValidateConfigResponse);
pub(crate) type ConfigureFn<R> = fn(&mut R, &ProviderData, &mut Diagnostics);

/// The opt-in capabilities of resource `R`. Each method only compiles when `R` implements the trait it
/// names, so a declared capability is always real.
pub struct Capabilities<R> {
    pub(crate) import_state: Option<ImportFn<R>>,
    pub(crate) modify_plan: Option<ModifyPlanFn<R>>,
    pub(crate) upgrade_state: Option<UpgradersFn<R>>,
    pub(crate) validate_config: Option<ValidateFn<R>>,
    pub(crate) configure: Option<ConfigureFn<R>>,
}

impl<R> Capabilities<R> {
    pub(crate) fn none() -> Capabilities<R> {
        Capabilities {
            import_state: None,
            modify_plan: None,
            upgrade_state: None,
            validate_config: None,
            configure: None,
        }
    }
}

impl<R: Resource> Capabilities<R> {
    /// `R` implements [`ImportState`].
    pub fn import_state(mut self) -> Self
    where
        R: ImportState,
    {
        self.import_state = Some(call_import::<R>);
        self
    }

    /// `R` implements [`ModifyPlan`].
    pub fn modify_plan(mut self) -> Self
    where
        R: ModifyPlan,
    {
        self.modify_plan = Some(call_modify_plan::<R>);
        self
    }

    /// `R` implements [`UpgradeState`].
    pub fn upgrade_state(mut self) -> Self
    where
        R: UpgradeState,
    {
        self.upgrade_state = Some(R::state_upgraders);
        self
    }

    /// `R` implements [`ValidateConfig`].
    pub fn validate_config(mut self) -> Self
    where
        R: ValidateConfig,
    {
        self.validate_config = Some(R::validate_config);
        self
    }

    /// `R` implements [`Configure`].
    pub fn configure(mut self) -> Self
    where
        R: Configure,
    {
        self.configure = Some(R::configure);
        self
    }
}

fn call_import<'a, R: ImportState>(
    resource: &'a R,
    request: ImportStateRequest,
    response: &'a mut ImportStateResponse,
) -> BoxFuture<'a, ()> {
    Box::pin(resource.import_state(request, response))
}

fn call_modify_plan<'a, R: ModifyPlan>(
    resource: &'a R,
    request: ModifyPlanRequest,
    response: &'a mut ModifyPlanResponse,
) -> BoxFuture<'a, ()> {
    Box::pin(resource.modify_plan(request, response))
}
