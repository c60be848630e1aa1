//! Users, their tenant permissions, and the API keys that act as them.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::time::user_timestamp;

/// The tenant permission names Tines publishes. The list may be incomplete upstream; the
/// simulator rejects any other name, as a strict tenant would.
pub const KNOWN_TENANT_PERMISSIONS: [&str; 3] =
    ["AUDIT_LOG_READ", "FEATURE_FLAG_MANAGE", "TUNNEL_MANAGE"];

pub(crate) const AUDIT_LOG_READ: &str = "AUDIT_LOG_READ";

#[derive(Debug, Clone)]
pub(crate) struct User {
    pub id: u64,
    pub scim_uid: Option<String>,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub admin: bool,
    pub tenant_permissions: Vec<String>,
    pub is_active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub last_seen: Option<Timestamp>,
    /// Set for the user Tines creates behind a service, tenant-owner or team key.
    pub service_account: bool,
}

impl User {
    /// The user object as `GET /api/v1/admin/users/{id}` returns it.
    pub fn to_json(&self, with_team_memberships: bool) -> Value {
        let mut object = Map::new();
        object.insert("id".into(), self.id.into());
        object.insert("scim_uid".into(), self.scim_uid.clone().into());
        object.insert("email".into(), self.email.clone().into());
        object.insert("admin".into(), self.admin.into());
        object.insert(
            "tenant_permissions".into(),
            self.tenant_permissions.clone().into(),
        );
        object.insert("is_active".into(), self.is_active.into());
        object.insert("created_at".into(), user_timestamp(self.created_at).into());
        object.insert("updated_at".into(), user_timestamp(self.updated_at).into());
        object.insert("first_name".into(), self.first_name.clone().into());
        object.insert("last_name".into(), self.last_name.clone().into());
        object.insert(
            "last_seen".into(),
            self.last_seen.map(user_timestamp).into(),
        );
        if with_team_memberships {
            object.insert("team_memberships".into(), Value::Array(Vec::new()));
        }
        Value::Object(object)
    }

    pub fn display_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
            .trim()
            .to_owned()
    }

    pub fn can_read_audit_logs(&self) -> bool {
        self.admin || self.tenant_permissions.iter().any(|p| p == AUDIT_LOG_READ)
    }
}

/// The four key types of the authentication docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyKind {
    /// Acts as the user who made it; stops working when that user is deactivated or deleted.
    Personal,
    /// Tied to its own service-account user, which a tenant owner grants tenant permissions.
    Service,
    /// Tied to a service-account user with full tenant-owner access.
    TenantOwner,
    /// Tied to a service-account user with access to one team.
    Team,
}

#[derive(Debug, Clone)]
pub(crate) struct ApiKey {
    pub id: u64,
    pub token: String,
    pub kind: KeyKind,
    pub name: String,
    pub user_id: u64,
}

/// A user change as `POST` and `PUT /api/v1/admin/users` take it: every field optional.
#[derive(Debug, Default)]
pub(crate) struct UserChange {
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub admin: Option<bool>,
    pub tenant_permissions: Option<Vec<String>>,
    pub is_active: Option<bool>,
}

impl UserChange {
    /// Reads a request body, naming the offending field in the error.
    pub fn from_json(body: &Value) -> Result<Self, String> {
        let object = body
            .as_object()
            .ok_or("the request body must be a JSON object")?;
        let mut change = UserChange::default();
        for (field, value) in object {
            match field.as_str() {
                "email" => change.email = Some(string_field(field, value)?),
                "first_name" => change.first_name = Some(string_field(field, value)?),
                "last_name" => change.last_name = Some(string_field(field, value)?),
                "admin" => change.admin = Some(bool_field(field, value)?),
                "is_active" => change.is_active = Some(bool_field(field, value)?),
                "tenant_permissions" => change.tenant_permissions = Some(permissions_field(value)?),
                other => return Err(format!("unknown field '{other}'")),
            }
        }
        Ok(change)
    }

    pub fn apply(self, user: &mut User, now: Timestamp) {
        if let Some(email) = self.email {
            user.email = email;
        }
        if let Some(first_name) = self.first_name {
            user.first_name = first_name;
        }
        if let Some(last_name) = self.last_name {
            user.last_name = last_name;
        }
        if let Some(admin) = self.admin {
            user.admin = admin;
        }
        if let Some(permissions) = self.tenant_permissions {
            user.tenant_permissions = permissions;
        }
        if let Some(is_active) = self.is_active {
            user.is_active = is_active;
        }
        user.updated_at = now;
    }
}

fn string_field(field: &str, value: &Value) -> Result<String, String> {
    value
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| format!("'{field}' must be a string"))
}

fn bool_field(field: &str, value: &Value) -> Result<bool, String> {
    value
        .as_bool()
        .ok_or_else(|| format!("'{field}' must be true or false"))
}

fn permissions_field(value: &Value) -> Result<Vec<String>, String> {
    let items = value
        .as_array()
        .ok_or("'tenant_permissions' must be an array of permission names")?;
    let mut names = Vec::with_capacity(items.len());
    for item in items {
        let name = item
            .as_str()
            .ok_or("'tenant_permissions' must be an array of permission names")?;
        if !KNOWN_TENANT_PERMISSIONS.contains(&name) {
            return Err(format!(
                "'{name}' is not a tenant permission; accepted: {}",
                KNOWN_TENANT_PERMISSIONS.join(", ")
            ));
        }
        if !names.iter().any(|n| n == name) {
            names.push(name.to_owned());
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn change_names_the_bad_field() {
        let err = UserChange::from_json(&json!({"admin": "yes"})).unwrap_err();
        assert!(err.contains("'admin'"), "{err}");
        let err =
            UserChange::from_json(&json!({"tenant_permissions": ["AUDIT_LOG_READ", "GOD_MODE"]}))
                .unwrap_err();
        assert!(
            err.contains("GOD_MODE") && err.contains("AUDIT_LOG_READ"),
            "{err}"
        );
        let err = UserChange::from_json(&json!({"role": "admin"})).unwrap_err();
        assert!(err.contains("'role'"), "{err}");
    }

    #[test]
    fn permissions_replace_and_deduplicate() {
        let change = UserChange::from_json(
            &json!({"tenant_permissions": ["TUNNEL_MANAGE", "TUNNEL_MANAGE"]}),
        )
        .unwrap();
        assert_eq!(
            change.tenant_permissions,
            Some(vec!["TUNNEL_MANAGE".to_owned()])
        );
    }
}
