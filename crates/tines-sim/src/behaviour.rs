//! The switches for what the Tines documentation leaves open, and the documented limits.

use serde::{Deserialize, Serialize};

/// How the simulator behaves where the Tines API documentation is silent or unconfirmed.
///
/// Every field can be changed at run time through `PATCH /_sim/config` with a partial object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Behaviour {
    /// Order of `GET /api/v1/audit_logs`. Undocumented; everything seen points at newest first.
    pub order: Order,
    /// Whether `after` also matches records created at exactly that second. Undocumented; the
    /// wording "created after" reads as strict, so strict is the default.
    pub after_inclusive: bool,
    /// Whether a 429 carries a `Retry-After` header (seconds until the window frees up).
    pub retry_after: bool,
    /// The shape of error bodies, which Tines' own SDK calls inconsistent between endpoints.
    pub error_body: ErrorBodyStyle,
    /// Requests per minute per (client IP, key), by endpoint group.
    pub rate_limits: RateLimits,
    /// With SCIM on, Tines refuses user changes through the API.
    pub scim_enabled: bool,
    /// Whether the service-account users behind service, tenant-owner and team keys appear in
    /// `GET /api/v1/admin/users`. Unconfirmed; listed by default.
    pub list_service_accounts: bool,
    /// The numeric tenant id stamped on every audit record.
    pub tenant_id: u64,
    /// Seed of the pseudo-random choices (event contents, fault selection), for repeatable runs.
    pub random_seed: u64,
}

impl Default for Behaviour {
    fn default() -> Self {
        Self {
            order: Order::NewestFirst,
            after_inclusive: false,
            retry_after: true,
            error_body: ErrorBodyStyle::ErrorsObject,
            rate_limits: RateLimits::default(),
            scim_enabled: false,
            list_service_accounts: true,
            tenant_id: 1234,
            random_seed: 42,
        }
    }
}

/// Sort order of audit-log pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    NewestFirst,
    OldestFirst,
}

/// The three error-body shapes Tines' Go SDK is prepared to parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorBodyStyle {
    /// `{"errors": [{"message": "...", "details": "..."}]}`
    ErrorsObject,
    /// `[{"message": "...", "details": "..."}]`
    ErrorsArray,
    /// The message as plain text.
    Text,
}

/// Per-minute request limits; `null` turns a limit off (for benchmarks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimits {
    pub audit_logs: Option<u32>,
    pub admin_users: Option<u32>,
    pub default: Option<u32>,
}

impl Default for RateLimits {
    /// The documented limits: audit logs 1000, admin users 500, everything else 5000 per minute.
    fn default() -> Self {
        Self {
            audit_logs: Some(1000),
            admin_users: Some(500),
            default: Some(5000),
        }
    }
}

impl Behaviour {
    /// Applies a partial JSON object on top of the current switches, rejecting unknown fields.
    pub(crate) fn patched(&self, patch: serde_json::Value) -> Result<Self, String> {
        let mut merged = serde_json::to_value(self).map_err(|e| e.to_string())?;
        merge_json(&mut merged, patch);
        serde_json::from_value(merged).map_err(|e| e.to_string())
    }
}

fn merge_json(target: &mut serde_json::Value, patch: serde_json::Value) {
    match (target, patch) {
        (serde_json::Value::Object(target), serde_json::Value::Object(patch)) => {
            for (key, value) in patch {
                match target.get_mut(&key) {
                    Some(existing) if existing.is_object() && value.is_object() => {
                        merge_json(existing, value)
                    }
                    _ => {
                        target.insert(key, value);
                    }
                }
            }
        }
        (target, patch) => *target = patch,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patch_changes_only_the_named_switches() {
        let patched = Behaviour::default()
            .patched(
                serde_json::json!({"order": "oldest_first", "rate_limits": {"audit_logs": null}}),
            )
            .unwrap();
        assert_eq!(patched.order, Order::OldestFirst);
        assert_eq!(patched.rate_limits.audit_logs, None);
        assert_eq!(patched.rate_limits.admin_users, Some(500));
        assert!(!patched.after_inclusive);
    }

    #[test]
    fn patch_rejects_unknown_switches() {
        let err = Behaviour::default()
            .patched(serde_json::json!({"ordre": "oldest_first"}))
            .unwrap_err();
        assert!(err.contains("ordre"), "{err}");
    }
}
