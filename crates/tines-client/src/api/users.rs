//! `/api/v1/admin/users`: users and their tenant permissions. Tenant-owner keys only.

use jiff::Timestamp;
use reqwest::Method;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::client::Client;
use crate::error::{Error, ErrorKind};
use crate::paginate::Meta;

/// A user as the admin API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct User {
    pub id: u64,
    #[serde(default)]
    pub scim_uid: Option<String>,
    pub email: String,
    /// Tenant owner.
    #[serde(default)]
    pub admin: bool,
    /// Permission names such as `AUDIT_LOG_READ`; older API versions omit the field.
    #[serde(default, deserialize_with = "null_as_default")]
    pub tenant_permissions: Vec<String>,
    /// Older API versions omit the field; users are active by default.
    #[serde(default = "active_by_default")]
    pub is_active: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    #[serde(default, deserialize_with = "null_as_default")]
    pub first_name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub last_name: String,
    #[serde(default)]
    pub last_seen: Option<Timestamp>,
}

fn active_by_default() -> bool {
    true
}

fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Option::unwrap_or_default)
}

/// The body of `POST /api/v1/admin/users`. Fields left `None` are not sent, so the server's
/// defaults apply (not an owner, active, no permissions).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NewUser {
    pub email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_permissions: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
}

impl NewUser {
    pub fn new(email: impl Into<String>) -> Self {
        Self {
            email: email.into(),
            ..Self::default()
        }
    }
}

/// The body of `PUT /api/v1/admin/users/{id}`: only the fields that are `Some` are sent, and
/// the server leaves the others alone.
///
/// `tenant_permissions` replaces the user's whole set (`Some(vec![])` clears it). To grant one
/// permission, read the user, add it to what they have, and send the result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UserUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub admin: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_permissions: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_active: Option<bool>,
}

/// A page of the user list. The docs name its array `admin/users` (with a slash); a
/// third-party script reads `admin_users`. Which one is live is unconfirmed, so both are read.
#[derive(Deserialize)]
struct UserPage {
    #[serde(rename = "admin/users")]
    slash: Option<Vec<User>>,
    admin_users: Option<Vec<User>>,
    meta: Option<Value>,
}

/// The largest page the API documents; fewest requests against the 500 per minute limit.
const USERS_PER_PAGE: u64 = 500;

fn parse_user(body: &[u8]) -> Result<User, String> {
    serde_json::from_slice(body).map_err(|e| format!("the user object is not as documented: {e}"))
}

fn parse_user_page(body: &[u8]) -> Result<(Vec<User>, Meta), String> {
    let page: UserPage = serde_json::from_slice(body)
        .map_err(|e| format!("the user list is not as documented: {e}"))?;
    let users = page
        .slash
        .or(page.admin_users)
        .ok_or("the user list has neither an `admin/users` nor an `admin_users` array")?;
    Ok((users, Meta::from_json(page.meta.as_ref())))
}

fn to_body(value: &impl Serialize) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(value).map_err(|e| {
        Error::new(
            ErrorKind::InvalidConfig,
            "could not encode the request body",
        )
        .with_source(e)
    })
}

impl Client {
    /// Every user, reading all pages.
    pub async fn list_users(&self) -> Result<Vec<User>, Error> {
        let mut users = Vec::new();
        let mut page = 1;
        loop {
            let mut url = self.url("api/v1/admin/users")?;
            url.query_pairs_mut()
                .append_pair("per_page", &USERS_PER_PAGE.to_string())
                .append_pair("page", &page.to_string());
            let (batch, meta) = self
                .execute(Method::GET, url, None, parse_user_page)
                .await?;
            // An empty page ends the list whatever `meta` says, so a confused server cannot
            // keep the loop going.
            if batch.is_empty() {
                break;
            }
            users.extend(batch);
            match meta.next_page() {
                None => break,
                Some(next) if next > page => page = next,
                Some(next) => {
                    return Err(Error::new(
                        ErrorKind::InvalidResponse,
                        format!("page {page} of the user list points back to page {next}"),
                    ));
                }
            }
        }
        Ok(users)
    }

    pub async fn get_user(&self, id: u64) -> Result<User, Error> {
        let url = self.url(&format!("api/v1/admin/users/{id}"))?;
        self.execute(Method::GET, url, None, parse_user).await
    }

    /// Creates a user. Never retried once the request may have reached the server, so a
    /// failure here may still have created the user: look it up by email before trying again.
    pub async fn create_user(&self, user: &NewUser) -> Result<User, Error> {
        let url = self.url("api/v1/admin/users")?;
        self.execute(Method::POST, url, Some(to_body(user)?), parse_user)
            .await
    }

    /// Changes the fields given in `update` and returns the user as the server now has it.
    pub async fn update_user(&self, id: u64, update: &UserUpdate) -> Result<User, Error> {
        let url = self.url(&format!("api/v1/admin/users/{id}"))?;
        self.execute(Method::PUT, url, Some(to_body(update)?), parse_user)
            .await
    }

    /// Deletes a user. The response body is undocumented and ignored. A delete retried after
    /// a lost response can answer 404 for a user that is in fact gone.
    pub async fn delete_user(&self, id: u64) -> Result<(), Error> {
        let url = self.url(&format!("api/v1/admin/users/{id}"))?;
        self.execute(Method::DELETE, url, None, |_| Ok(())).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOCUMENTED: &str = r#"{
        "id": 1, "scim_uid": null, "email": "jane@example.com", "admin": false,
        "tenant_permissions": ["AUDIT_LOG_READ"], "is_active": true,
        "created_at": "2019-07-08T14:16:11.967Z", "updated_at": "2019-07-08T14:16:11.967Z",
        "first_name": "Jane", "last_name": "Doe", "last_seen": null
    }"#;

    #[test]
    fn the_documented_user_object_reads_completely() {
        let user = parse_user(DOCUMENTED.as_bytes()).unwrap();
        assert_eq!(user.id, 1);
        assert_eq!(user.tenant_permissions, ["AUDIT_LOG_READ"]);
        assert_eq!(user.created_at.to_string(), "2019-07-08T14:16:11.967Z");
        assert_eq!(user.last_seen, None);
        assert!(user.is_active && !user.admin);
    }

    #[test]
    fn older_and_sparser_user_objects_still_read() {
        let old = r#"{"id": 2, "email": "a@b.c", "admin": true, "first_name": null,
            "created_at": "2019-07-08T14:16:11Z", "updated_at": "2019-07-08T14:16:11Z",
            "last_seen": "2024-01-01T00:00:00.000Z", "team_memberships": []}"#;
        let user = parse_user(old.as_bytes()).unwrap();
        assert!(user.tenant_permissions.is_empty());
        assert!(user.is_active);
        assert_eq!(user.first_name, "");
        assert!(user.last_seen.is_some());
        let error = parse_user(br#"{"id": 3}"#).unwrap_err();
        assert!(error.contains("email"), "{error}");
    }

    #[test]
    fn both_list_keys_are_accepted() {
        for key in ["admin/users", "admin_users"] {
            let body = format!(
                r#"{{"{key}": [{DOCUMENTED}], "meta": {{"next_page": "null", "pages": 1}}}}"#
            );
            let (users, meta) = parse_user_page(body.as_bytes()).unwrap();
            assert_eq!(users.len(), 1, "{key}");
            assert_eq!(meta.next_page(), None);
        }
        let error = parse_user_page(br#"{"users": []}"#).unwrap_err();
        assert!(error.contains("admin/users") && error.contains("admin_users"));
    }

    #[test]
    fn updates_send_only_the_given_fields() {
        let update = UserUpdate {
            tenant_permissions: Some(vec![]),
            last_name: Some("Lopez".into()),
            ..UserUpdate::default()
        };
        assert_eq!(
            serde_json::to_string(&update).unwrap(),
            r#"{"last_name":"Lopez","tenant_permissions":[]}"#
        );
        assert_eq!(
            serde_json::to_string(&NewUser::new("x@example.com")).unwrap(),
            r#"{"email":"x@example.com"}"#
        );
    }
}
