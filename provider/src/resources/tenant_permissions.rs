//! Resource `tinesaudit_tenant_permissions`: tenant permissions of one Tines user, such as the
//! `AUDIT_LOG_READ` a pipeline's service account needs.
//!
//! ```hcl
//! resource "tinesaudit_tenant_permissions" "pipeline" {
//!   user_id     = tinesaudit_api_key.pipeline.user_id
//!   permissions = ["AUDIT_LOG_READ"]
//! }
//! ```
//!
//! The lifecycle below is also the resource's documentation page (`provider/docs/`).
#![doc = include_str!("../../templates/resources/tenant_permissions.md")]

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tfplugin_framework::diag::Diagnostics;
use tfplugin_framework::path::AttrPath;
use tfplugin_framework::resource::{
    Capabilities, CreateRequest, CreateResponse, DeleteRequest, DeleteResponse, ImportState,
    ImportStateRequest, ImportStateResponse, ModifyPlan, ModifyPlanRequest, ModifyPlanResponse,
    Prior, ReadRequest, ReadResponse, UpdateRequest, UpdateResponse,
};
use tfplugin_framework::schema::{Attribute, Schema};
use tfplugin_framework::value::Type;
use tfplugin_framework::{Configure, Known, ProviderData, Resource, plan_modifier, validator};
use tines_client::{User, UserUpdate};

use crate::clients::{ProviderClients, configured};
use crate::tines::errors::push_admin_api_error;
use crate::tines::permissions::{KNOWN_PERMISSIONS, permission_names};

#[derive(Default)]
pub struct TenantPermissionsResource {
    clients: Option<Arc<ProviderClients>>,
}

/// The resource's attributes in a plan, and in a state after create or update.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct TenantPermissionsModel {
    id: Known<String>,
    user_id: i64,
    permissions: BTreeSet<String>,
    authoritative: bool,
}

impl TenantPermissionsModel {
    /// The planned grant once applied to user `user_id`: its id follows from what it manages.
    fn granted(self, user_id: u64) -> Self {
        TenantPermissionsModel {
            id: Known::Value(resource_id(user_id, &self.permissions, self.authoritative)),
            ..self
        }
    }
}

impl Resource for TenantPermissionsResource {
    fn type_name(&self, provider_type_name: &str) -> String {
        format!("{provider_type_name}_tenant_permissions")
    }

    fn schema(&self) -> Schema {
        Schema::new()
            .description(
                "Tenant permissions of one Tines user, such as the AUDIT_LOG_READ a pipeline's service account \
                 needs to read audit logs. Refresh shows permissions removed in Tines as drift, so a plan puts \
                 them back.",
            )
            .attribute(
                "id",
                Attribute::string()
                    .computed()
                    .description(
                        "What the resource manages, as `terraform import` takes it: `USER_ID:PERMISSION,…` \
                         (e.g. `42:AUDIT_LOG_READ`), or `USER_ID` alone when `authoritative`.",
                    ),
            )
            .attribute(
                "user_id",
                Attribute::int64()
                    .required()
                    .description(
                        "The id of the Tines user, e.g. `tinesaudit_api_key.pipeline.user_id` or \
                         `data.tinesaudit_user.jane.id`. Changing it moves the permissions to the new user.",
                    )
                    .validator(validator::int_between(1, i64::MAX))
                    .plan_modifier(plan_modifier::requires_replace()),
            )
            .attribute(
                "permissions",
                Attribute::set(Type::String)
                    .required()
                    .description(format!(
                        "The tenant permissions this resource manages. Tines publishes {}; other upper-case \
                         names get a warning and are sent as written, since the published list may be \
                         incomplete.",
                        KNOWN_PERMISSIONS.join(", ")
                    ))
                    .validator(permission_names()),
            )
            .attribute(
                "authoritative",
                Attribute::bool()
                    .optional()
                    .computed()
                    .default(false)
                    .description(
                        "`false` (default): manage only the listed permissions and leave the user's others \
                         alone; destroying removes only the listed ones. `true`: the user's permissions must \
                         be exactly the list; others, including ones added in Tines later, are removed, and \
                         destroying removes all.",
                    ),
            )
    }

    async fn create(&self, request: CreateRequest, response: &mut CreateResponse) {
        let diags = &mut response.diagnostics;
        let Some(clients) = configured(&self.clients, diags) else {
            return;
        };
        let Some(plan) = request.plan.get::<TenantPermissionsModel>(diags) else {
            return;
        };
        let Some(user_id) = user_id(plan.user_id, diags) else {
            return;
        };
        let change = Change {
            previously_managed: &BTreeSet::new(),
            managed: &plan.permissions,
            authoritative: plan.authoritative,
        };
        if !apply_change(clients, user_id, &change, diags).await {
            return;
        }
        response
            .state
            .set(&plan.granted(user_id), &mut response.diagnostics);
    }

    async fn read(&self, request: ReadRequest, response: &mut ReadResponse) {
        let diags = &mut response.diagnostics;
        let Some(clients) = configured(&self.clients, diags) else {
            return;
        };
        // What the state says: after an import, only the user and what import read from its ID.
        let (user_id, managed, authoritative) = match request.prior::<TenantPermissionsModel>() {
            Prior::Stored(stored) => (
                Some(stored.user_id),
                Some(stored.permissions),
                stored.authoritative,
            ),
            Prior::Imported => {
                let attr = |name: &str| AttrPath::attr(name);
                (
                    request
                        .state
                        .get_attr::<Option<i64>>(&attr("user_id"), diags)
                        .flatten(),
                    request
                        .state
                        .get_attr::<Option<BTreeSet<String>>>(&attr("permissions"), diags)
                        .flatten(),
                    request
                        .state
                        .get_attr::<Option<bool>>(&attr("authoritative"), diags)
                        .flatten()
                        .unwrap_or(false),
                )
            }
        };
        let Some(user_id) = user_id else {
            return diags.error(
                "Invalid state",
                "The state has no user_id. This is a bug in the provider.",
            );
        };
        let Some(user_id) = self::user_id(user_id, diags) else {
            return;
        };
        let Some(tines) = clients.tines(diags) else {
            return;
        };
        let user = match tines.admin().get_user(user_id).await {
            Ok(user) => user,
            Err(e) if e.is_not_found() => return response.state.remove(),
            Err(e) => return push_admin_api_error(diags, &format!("read user {user_id}"), &e),
        };
        let permissions = managed_view(&user.tenant_permissions, managed.as_ref(), authoritative);
        let refreshed = TenantPermissionsModel {
            id: Known::Value(resource_id(user_id, &permissions, authoritative)),
            user_id: user_id as i64,
            permissions,
            authoritative,
        };
        response.state.set(&refreshed, &mut response.diagnostics);
    }

    async fn update(&self, request: UpdateRequest, response: &mut UpdateResponse) {
        let diags = &mut response.diagnostics;
        let Some(clients) = configured(&self.clients, diags) else {
            return;
        };
        let (Some(plan), Some(prior)) = (
            request.plan.get::<TenantPermissionsModel>(diags),
            request.state.get::<TenantPermissionsModel>(diags),
        ) else {
            return;
        };
        let Some(user_id) = user_id(plan.user_id, diags) else {
            return;
        };
        // An authoritative resource owned everything; switching that off releases what it no longer lists
        // rather than removing it.
        let released = BTreeSet::new();
        let change = Change {
            previously_managed: if prior.authoritative {
                &released
            } else {
                &prior.permissions
            },
            managed: &plan.permissions,
            authoritative: plan.authoritative,
        };
        if !apply_change(clients, user_id, &change, diags).await {
            return;
        }
        response
            .state
            .set(&plan.granted(user_id), &mut response.diagnostics);
    }

    async fn delete(&self, request: DeleteRequest, response: &mut DeleteResponse) {
        let diags = &mut response.diagnostics;
        let Some(clients) = configured(&self.clients, diags) else {
            return;
        };
        let Some(state) = request.state.get::<TenantPermissionsModel>(diags) else {
            return;
        };
        let Some(user_id) = user_id(state.user_id, diags) else {
            return;
        };
        let Some(tines) = clients.tines(diags) else {
            return;
        };
        let _held = clients.lock_user(user_id).await;
        let user = match tines.admin().get_user(user_id).await {
            Ok(user) => user,
            // The user is gone, and their permissions with them.
            Err(e) if e.is_not_found() => return,
            Err(e) => return push_admin_api_error(diags, &format!("read user {user_id}"), &e),
        };
        let remaining = after_delete(
            &user.tenant_permissions,
            &state.permissions,
            state.authoritative,
        );
        if same_set(&remaining, &user.tenant_permissions) {
            return;
        }
        let update = UserUpdate {
            tenant_permissions: Some(remaining),
            ..UserUpdate::default()
        };
        match tines.admin().update_user(user_id, &update).await {
            Ok(_) => {}
            Err(e) if e.is_not_found() => {}
            Err(e) => push_admin_api_error(
                diags,
                &format!("remove tenant permissions from user {user_id}"),
                &e,
            ),
        }
    }

    fn capabilities(capabilities: Capabilities<Self>) -> Capabilities<Self> {
        capabilities.configure().import_state().modify_plan()
    }
}

impl Configure for TenantPermissionsResource {
    fn configure(&mut self, data: &ProviderData, diags: &mut Diagnostics) {
        self.clients = ProviderClients::from_data(data, diags);
    }
}

impl ImportState for TenantPermissionsResource {
    async fn import_state(&self, request: ImportStateRequest, response: &mut ImportStateResponse) {
        let diags = &mut response.diagnostics;
        let (id, listed) = match request.id.split_once(':') {
            Some((id, list)) => (id, Some(list)),
            None => (request.id.as_str(), None),
        };
        let Some(user_id) = id.trim().parse::<i64>().ok().filter(|id| *id > 0) else {
            return diags.error(
                "Invalid import ID",
                format!(
                    "Expected 42:AUDIT_LOG_READ,TUNNEL_MANAGE (user 42, those permissions, not \
                     authoritative) or 42 (user 42, authoritative: everything the user holds); got {:?}.",
                    request.id
                ),
            );
        };
        let authoritative = listed.is_none();
        response
            .state
            .set_attr(&AttrPath::attr("user_id"), &user_id, diags);
        response
            .state
            .set_attr(&AttrPath::attr("authoritative"), &authoritative, diags);
        // The authoritative form leaves `permissions` to the refresh: everything the user holds.
        if let Some(list) = listed {
            let names: BTreeSet<String> = list
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
                .collect();
            response
                .state
                .set_attr(&AttrPath::attr("permissions"), &names, diags);
        }
        response
            .state
            .set_attr(&AttrPath::attr("id"), &request.id, diags);
    }
}

impl ModifyPlan for TenantPermissionsResource {
    /// The `id` follows from the configuration, so the plan shows it rather than "known after apply".
    async fn modify_plan(&self, request: ModifyPlanRequest, response: &mut ModifyPlanResponse) {
        if request.plan.is_null() {
            return;
        }
        let known = |name: &str| {
            request
                .plan
                .value_at(&AttrPath::attr(name))
                .is_some_and(|v| v.is_wholly_known())
        };
        if !(known("user_id") && known("permissions") && known("authoritative")) {
            return;
        }
        let diags = &mut response.diagnostics;
        let Some(plan) = request.plan.get::<TenantPermissionsModel>(diags) else {
            return;
        };
        let id = resource_id(
            plan.user_id.max(0) as u64,
            &plan.permissions,
            plan.authoritative,
        );
        response.plan.set_attr(&AttrPath::attr("id"), &id, diags);
    }
}

/// `42` for an authoritative resource on user 42, `42:AUDIT_LOG_READ,TUNNEL_MANAGE` otherwise.
fn resource_id(user_id: u64, permissions: &BTreeSet<String>, authoritative: bool) -> String {
    if authoritative {
        user_id.to_string()
    } else {
        let names: Vec<&str> = permissions.iter().map(String::as_str).collect();
        format!("{user_id}:{}", names.join(","))
    }
}

fn user_id(value: i64, diags: &mut Diagnostics) -> Option<u64> {
    match u64::try_from(value) {
        Ok(id) if id > 0 => Some(id),
        _ => {
            diags.attribute_error(
                AttrPath::attr("user_id"),
                "Invalid user id",
                format!("Tines user ids are positive whole numbers; got {value}."),
            );
            None
        }
    }
}

/// What one create or update asks of a user's permissions.
struct Change<'a> {
    /// What the resource managed before (empty when creating).
    previously_managed: &'a BTreeSet<String>,
    managed: &'a BTreeSet<String>,
    authoritative: bool,
}

/// Reads the user, works out the new array, sends it if it differs, and checks Tines kept it. False (with
/// errors added) when it did not work.
async fn apply_change(
    clients: &ProviderClients,
    user_id: u64,
    change: &Change<'_>,
    diags: &mut Diagnostics,
) -> bool {
    let Some(tines) = clients.tines(diags) else {
        return false;
    };
    let _held = clients.lock_user(user_id).await;
    let user = match tines.admin().get_user(user_id).await {
        Ok(user) => user,
        Err(e) if e.is_not_found() => {
            diags.attribute_error(
                AttrPath::attr("user_id"),
                "User not found",
                format!("Tines has no user {user_id}."),
            );
            return false;
        }
        Err(e) => {
            push_admin_api_error(diags, &format!("read user {user_id}"), &e);
            return false;
        }
    };
    let wanted = desired(
        &user.tenant_permissions,
        change.previously_managed,
        change.managed,
        change.authoritative,
    );
    if same_set(&wanted, &user.tenant_permissions) {
        return true;
    }
    let update = UserUpdate {
        tenant_permissions: Some(wanted.clone()),
        ..UserUpdate::default()
    };
    let updated = match tines.admin().update_user(user_id, &update).await {
        Ok(updated) => updated,
        Err(e) => {
            push_admin_api_error(
                diags,
                &format!("change the tenant permissions of user {user_id}"),
                &e,
            );
            return false;
        }
    };
    check_kept(&updated, &wanted, diags)
}

/// Tines answers a PUT with the user as it now is; a name it dropped silently would come back as drift on
/// every plan, so say so now.
fn check_kept(updated: &User, wanted: &[String], diags: &mut Diagnostics) -> bool {
    let held: BTreeSet<&str> = updated
        .tenant_permissions
        .iter()
        .map(String::as_str)
        .collect();
    let missing: Vec<&str> = wanted
        .iter()
        .map(String::as_str)
        .filter(|p| !held.contains(p))
        .collect();
    if missing.is_empty() {
        return true;
    }
    diags.attribute_error(
        AttrPath::attr("permissions"),
        "Tines did not keep the tenant permissions",
        format!(
            "Tines accepted the change to user {} but does not list {} among the user's permissions \
             afterwards. The name may not exist on this tenant.",
            updated.id,
            missing.join(", ")
        ),
    );
    false
}

/// The user's new permission array: with `authoritative`, exactly the managed set; otherwise the current
/// array without what this resource stopped managing, plus what it manages. Current order is kept, new
/// names are appended in order.
fn desired(
    current: &[String],
    previously_managed: &BTreeSet<String>,
    managed: &BTreeSet<String>,
    authoritative: bool,
) -> Vec<String> {
    if authoritative {
        return managed.iter().cloned().collect();
    }
    let mut out: Vec<String> = current
        .iter()
        .filter(|p| managed.contains(*p) || !previously_managed.contains(*p))
        .cloned()
        .collect();
    for name in managed {
        if !out.contains(name) {
            out.push(name.clone());
        }
    }
    out
}

/// The user's permissions once the resource is destroyed.
fn after_delete(
    current: &[String],
    managed: &BTreeSet<String>,
    authoritative: bool,
) -> Vec<String> {
    if authoritative {
        return Vec::new();
    }
    current
        .iter()
        .filter(|p| !managed.contains(*p))
        .cloned()
        .collect()
}

/// What the state should say the resource manages, given what Tines holds: with `authoritative` (or after
/// an import of everything) all of it; otherwise the previously managed names that are still held, so a
/// removed one shows as drift.
fn managed_view(
    current: &[String],
    previously_managed: Option<&BTreeSet<String>>,
    authoritative: bool,
) -> BTreeSet<String> {
    match previously_managed {
        Some(managed) if !authoritative => current
            .iter()
            .filter(|p| managed.contains(*p))
            .cloned()
            .collect(),
        _ => current.iter().cloned().collect(),
    }
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.iter().collect::<BTreeSet<_>>() == b.iter().collect::<BTreeSet<_>>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    fn list(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| (*n).to_owned()).collect()
    }

    #[test]
    fn non_authoritative_adds_and_removes_only_its_own() {
        let current = list(&["TUNNEL_MANAGE", "FEATURE_FLAG_MANAGE"]);
        let out = desired(&current, &set(&[]), &set(&["AUDIT_LOG_READ"]), false);
        assert_eq!(
            out,
            list(&["TUNNEL_MANAGE", "FEATURE_FLAG_MANAGE", "AUDIT_LOG_READ"])
        );

        // Stops managing FEATURE_FLAG_MANAGE: removed; TUNNEL_MANAGE was never managed: kept.
        let current = list(&["TUNNEL_MANAGE", "FEATURE_FLAG_MANAGE", "AUDIT_LOG_READ"]);
        let out = desired(
            &current,
            &set(&["AUDIT_LOG_READ", "FEATURE_FLAG_MANAGE"]),
            &set(&["AUDIT_LOG_READ"]),
            false,
        );
        assert_eq!(out, list(&["TUNNEL_MANAGE", "AUDIT_LOG_READ"]));
    }

    #[test]
    fn authoritative_sets_exactly_the_list() {
        let current = list(&["TUNNEL_MANAGE"]);
        let out = desired(&current, &set(&[]), &set(&["AUDIT_LOG_READ"]), true);
        assert_eq!(out, list(&["AUDIT_LOG_READ"]));
    }

    #[test]
    fn delete_removes_its_own_or_everything() {
        let current = list(&["TUNNEL_MANAGE", "AUDIT_LOG_READ"]);
        assert_eq!(
            after_delete(&current, &set(&["AUDIT_LOG_READ"]), false),
            list(&["TUNNEL_MANAGE"])
        );
        assert!(after_delete(&current, &set(&["AUDIT_LOG_READ"]), true).is_empty());
    }

    #[test]
    fn refresh_shows_removed_permissions_and_with_authoritative_added_ones() {
        let managed = set(&["AUDIT_LOG_READ", "FEATURE_FLAG_MANAGE"]);
        // FEATURE_FLAG_MANAGE removed in the UI, TUNNEL_MANAGE added.
        let current = list(&["AUDIT_LOG_READ", "TUNNEL_MANAGE"]);
        assert_eq!(
            managed_view(&current, Some(&managed), false),
            set(&["AUDIT_LOG_READ"])
        );
        assert_eq!(
            managed_view(&current, Some(&managed), true),
            set(&["AUDIT_LOG_READ", "TUNNEL_MANAGE"])
        );
        // After an import of everything.
        assert_eq!(
            managed_view(&current, None, false),
            set(&["AUDIT_LOG_READ", "TUNNEL_MANAGE"])
        );
    }
}
