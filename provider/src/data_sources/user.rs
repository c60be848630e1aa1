//! Data source `tinesaudit_user`: one Tines user, by id or by email.
//!
//! ```hcl
//! data "tinesaudit_user" "pipeline" {
//!   email = "secops-audit-pipeline@service-accounts.example.com"
//! }
//! ```
//!
//! Reads the admin API, so the provider's key must be a tenant owner's. An email matches case-insensitively.

use std::collections::BTreeSet;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tfplugin_framework::datasource::{
    Capabilities, DataSource, ReadDataSourceRequest, ReadDataSourceResponse,
};
use tfplugin_framework::diag::Diagnostics;
use tfplugin_framework::path::AttrPath;
use tfplugin_framework::schema::{Attribute, Schema};
use tfplugin_framework::value::Type;
use tfplugin_framework::{Configure, ProviderData, validator};
use tines_client::User;

use crate::clients::{ProviderClients, configured};
use crate::tines::errors::push_admin_api_error;
use crate::tines::permissions::can_read_audit_logs;

#[derive(Default)]
pub struct UserDataSource {
    clients: Option<Arc<ProviderClients>>,
}

#[derive(Serialize, Deserialize)]
struct UserModel {
    id: Option<i64>,
    email: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    admin: Option<bool>,
    tenant_permissions: Option<BTreeSet<String>>,
    can_read_audit_logs: Option<bool>,
    is_active: Option<bool>,
    scim_uid: Option<String>,
    created_at: Option<String>,
    updated_at: Option<String>,
    last_seen: Option<String>,
}

impl UserModel {
    fn from_user(user: &User) -> Self {
        Self {
            id: Some(user.id as i64),
            email: Some(user.email.clone()),
            first_name: Some(user.first_name.clone()),
            last_name: Some(user.last_name.clone()),
            admin: Some(user.admin),
            tenant_permissions: Some(user.tenant_permissions.iter().cloned().collect()),
            can_read_audit_logs: Some(can_read_audit_logs(user.admin, &user.tenant_permissions)),
            is_active: Some(user.is_active),
            scim_uid: user.scim_uid.clone(),
            created_at: Some(user.created_at.to_string()),
            updated_at: Some(user.updated_at.to_string()),
            last_seen: user.last_seen.map(|t| t.to_string()),
        }
    }
}

impl DataSource for UserDataSource {
    fn type_name(&self, provider_type_name: &str) -> String {
        format!("{provider_type_name}_user")
    }

    fn schema(&self) -> Schema {
        let computed = |text: &str| Attribute::string().computed().description(text);
        Schema::new()
            .description(
                "One Tines user, by id or by email, with their tenant permissions. Needs a tenant-owner key.",
            )
            .attribute(
                "id",
                Attribute::int64()
                    .optional()
                    .computed()
                    .description("The user's id. Set either `id` or `email`.")
                    .validator(validator::int_between(1, i64::MAX)),
            )
            .attribute(
                "email",
                Attribute::string()
                    .optional()
                    .computed()
                    .description("The user's email, matched case-insensitively. Set either `id` or `email`.")
                    .validator(validator::string_length(3, 320)),
            )
            .attribute("first_name", computed("First name; a service account's is its key's name."))
            .attribute("last_name", computed("Last name; empty for service accounts."))
            .attribute(
                "admin",
                Attribute::bool()
                    .computed()
                    .description("Whether the user is a tenant owner."),
            )
            .attribute(
                "tenant_permissions",
                Attribute::set(Type::String)
                    .computed()
                    .description("The user's tenant permissions, e.g. AUDIT_LOG_READ."),
            )
            .attribute(
                "can_read_audit_logs",
                Attribute::bool()
                    .computed()
                    .description("Whether the user may read audit logs: a tenant owner, or AUDIT_LOG_READ."),
            )
            .attribute(
                "is_active",
                Attribute::bool()
                    .computed()
                    .description("Whether the user is active."),
            )
            .attribute("scim_uid", computed("The SCIM id; null unless SCIM provisioned the user."))
            .attribute("created_at", computed("When the user was created (RFC 3339)."))
            .attribute("updated_at", computed("When the user last changed (RFC 3339)."))
            .attribute("last_seen", computed("When the user was last seen (RFC 3339); null if never."))
    }

    async fn read(&self, request: ReadDataSourceRequest, response: &mut ReadDataSourceResponse) {
        let diags = &mut response.diagnostics;
        let Some(clients) = configured(&self.clients, diags) else {
            return;
        };
        let Some(config) = request.config.get::<UserModel>(diags) else {
            return;
        };
        let Some(tines) = clients.tines(diags) else {
            return;
        };
        let user = match (config.id, config.email.as_deref()) {
            (Some(_), Some(_)) | (None, None) => {
                return diags.error(
                    "Set either id or email",
                    "tinesaudit_user looks a user up by exactly one of id and email.",
                );
            }
            (Some(id), None) => {
                let id = id.max(0) as u64;
                match tines.admin().get_user(id).await {
                    Ok(user) => user,
                    Err(e) if e.is_not_found() => {
                        return diags.attribute_error(
                            AttrPath::attr("id"),
                            "User not found",
                            format!("Tines has no user {id}."),
                        );
                    }
                    Err(e) => return push_admin_api_error(diags, &format!("read user {id}"), &e),
                }
            }
            (None, Some(email)) => {
                let users = match tines.admin().list_users().await {
                    Ok(users) => users,
                    Err(e) => return push_admin_api_error(diags, "list users", &e),
                };
                match users
                    .into_iter()
                    .find(|u| u.email.eq_ignore_ascii_case(email.trim()))
                {
                    Some(user) => user,
                    None => {
                        return diags.attribute_error(
                            AttrPath::attr("email"),
                            "User not found",
                            format!("No Tines user has the email {email:?}."),
                        );
                    }
                }
            }
        };
        response
            .state
            .set(&UserModel::from_user(&user), &mut response.diagnostics);
    }

    fn capabilities(capabilities: Capabilities<Self>) -> Capabilities<Self> {
        capabilities.configure()
    }
}

impl Configure for UserDataSource {
    fn configure(&mut self, data: &ProviderData, diags: &mut Diagnostics) {
        self.clients = ProviderClients::from_data(data, diags);
    }
}
