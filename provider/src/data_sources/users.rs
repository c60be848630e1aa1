//! Data source `tinesaudit_users`: every Tines user, optionally only tenant owners or holders of a permission.
//!
//! ```hcl
//! data "tinesaudit_users" "audit_readers" {
//!   with_permission = "AUDIT_LOG_READ"
//! }
//! ```
//!
//! Reads every page of the admin API's user list (tenant-owner key), then filters. Users are sorted by id.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tfplugin_framework::datasource::{
    Capabilities, DataSource, ReadDataSourceRequest, ReadDataSourceResponse,
};
use tfplugin_framework::diag::Diagnostics;
use tfplugin_framework::schema::{Attribute, Schema};
use tfplugin_framework::value::Type;
use tfplugin_framework::{Configure, ProviderData};

use crate::clients::{ProviderClients, configured};
use crate::tines::errors::push_admin_api_error;
use crate::tines::permissions::can_read_audit_logs;

#[derive(Default)]
pub struct UsersDataSource {
    clients: Option<Arc<ProviderClients>>,
}

#[derive(Serialize, Deserialize)]
struct UsersModel {
    tenant_owners_only: Option<bool>,
    with_permission: Option<String>,
    ids: Option<Vec<i64>>,
    users: Option<Vec<UserEntry>>,
}

#[derive(Serialize, Deserialize)]
struct UserEntry {
    id: i64,
    email: String,
    first_name: String,
    last_name: String,
    admin: bool,
    tenant_permissions: BTreeSet<String>,
    can_read_audit_logs: bool,
    is_active: bool,
    scim_uid: Option<String>,
}

impl DataSource for UsersDataSource {
    fn type_name(&self, provider_type_name: &str) -> String {
        format!("{provider_type_name}_users")
    }

    fn schema(&self) -> Schema {
        let computed_string = |text: &str| Attribute::string().computed().description(text);
        let computed_bool = |text: &str| Attribute::bool().computed().description(text);
        Schema::new()
            .description("Every Tines user, optionally filtered. Needs a tenant-owner key.")
            .attribute(
                "tenant_owners_only",
                Attribute::bool()
                    .optional()
                    .description("Only tenant owners. Default false."),
            )
            .attribute(
                "with_permission",
                Attribute::string()
                    .optional()
                    .description("Only users holding this tenant permission, e.g. AUDIT_LOG_READ."),
            )
            .attribute(
                "ids",
                Attribute::list(Type::Number)
                    .computed()
                    .description("The ids of the users found, ascending."),
            )
            .attribute(
                "users",
                Attribute::list_nested([
                    (
                        "id",
                        Attribute::int64().computed().description("The user's id."),
                    ),
                    ("email", computed_string("The user's email.")),
                    (
                        "first_name",
                        computed_string("First name; a service account's is its key's name."),
                    ),
                    (
                        "last_name",
                        computed_string("Last name; empty for service accounts."),
                    ),
                    (
                        "admin",
                        computed_bool("Whether the user is a tenant owner."),
                    ),
                    (
                        "tenant_permissions",
                        Attribute::set(Type::String)
                            .computed()
                            .description("The user's tenant permissions."),
                    ),
                    (
                        "can_read_audit_logs",
                        computed_bool("A tenant owner, or holds AUDIT_LOG_READ."),
                    ),
                    ("is_active", computed_bool("Whether the user is active.")),
                    (
                        "scim_uid",
                        computed_string("The SCIM id; null unless SCIM provisioned the user."),
                    ),
                ])
                .computed()
                .description("The users found, by ascending id."),
            )
    }

    async fn read(&self, request: ReadDataSourceRequest, response: &mut ReadDataSourceResponse) {
        let diags = &mut response.diagnostics;
        let Some(clients) = configured(&self.clients, diags) else {
            return;
        };
        let Some(config) = request.config.get::<UsersModel>(diags) else {
            return;
        };
        let Some(tines) = clients.tines(diags) else {
            return;
        };
        let mut users = match tines.admin().list_users().await {
            Ok(users) => users,
            Err(e) => return push_admin_api_error(diags, "list users", &e),
        };
        let owners_only = config.tenant_owners_only.unwrap_or(false);
        users.retain(|u| !owners_only || u.admin);
        if let Some(permission) = &config.with_permission {
            users.retain(|u| u.tenant_permissions.iter().any(|p| p == permission));
        }
        users.sort_by_key(|u| u.id);
        let entries: Vec<UserEntry> = users
            .iter()
            .map(|u| UserEntry {
                id: u.id as i64,
                email: u.email.clone(),
                first_name: u.first_name.clone(),
                last_name: u.last_name.clone(),
                admin: u.admin,
                tenant_permissions: u.tenant_permissions.iter().cloned().collect(),
                can_read_audit_logs: can_read_audit_logs(u.admin, &u.tenant_permissions),
                is_active: u.is_active,
                scim_uid: u.scim_uid.clone(),
            })
            .collect();
        let state = UsersModel {
            ids: Some(entries.iter().map(|u| u.id).collect()),
            users: Some(entries),
            ..config
        };
        response.state.set(&state, &mut response.diagnostics);
    }

    fn capabilities(capabilities: Capabilities<Self>) -> Capabilities<Self> {
        capabilities.configure()
    }
}

impl Configure for UsersDataSource {
    fn configure(&mut self, data: &ProviderData, diags: &mut Diagnostics) {
        self.clients = ProviderClients::from_data(data, diags);
    }
}
