//! Tines client errors as diagnostics a user can act on. The admin API refuses for reasons that need
//! different fixes (SCIM owns the users; the provider's key is not a tenant owner; the key was revoked), so
//! each gets its own summary and says what to do. Client errors never contain the key.

use tfplugin_framework::diag::{Diagnostic, Diagnostics};
use tines_client::Error;

/// Whether a 403 is Tines saying that SCIM manages this tenant's users.
pub fn is_scim_refusal(error: &Error) -> bool {
    error.is_forbidden() && error.message().to_ascii_lowercase().contains("scim")
}

/// An error from a call the provider made with its own key to the admin API (`/api/v1/admin/users`).
/// `action` completes "Cannot …", e.g. "read user 42".
pub fn admin_api_error(action: &str, error: &Error) -> Diagnostic {
    if is_scim_refusal(error) {
        return Diagnostic::error(
            "Users are managed by SCIM",
            format!(
                "Cannot {action}: this tenant manages its users through SCIM, so Tines refuses changes to users \
                 through its API, tenant permissions included. Change them in the identity provider, or turn \
                 SCIM off in Tines. Tines said: {}",
                error.message()
            ),
        );
    }
    if error.is_forbidden() {
        return Diagnostic::error(
            "Provider API key is not a tenant owner",
            format!(
                "Cannot {action}: the Tines admin API takes only tenant-owner API keys, and refused the \
                 provider's api_key (TINES_API_KEY). Use a tenant-owner key (Settings › API keys › Tenant \
                 owner). Tines said: {}",
                error.message()
            ),
        );
    }
    provider_key_error(action, error)
}

/// An error from any call with the provider's key.
pub fn provider_key_error(action: &str, error: &Error) -> Diagnostic {
    if error.is_unauthorized() {
        return Diagnostic::error(
            "Tines rejected the provider's API key",
            format!(
                "Cannot {action}: Tines answered 401 to the provider's api_key (TINES_API_KEY): the key is \
                 unknown to this tenant, was revoked, or belongs to a deactivated user. Check `tenant` and \
                 `api_key`."
            ),
        );
    }
    if error.is_rejected() {
        return Diagnostic::error(
            "Tines refused the request",
            format!("Cannot {action}: {error}"),
        );
    }
    Diagnostic::error(format!("Cannot {action}"), error.to_string())
}

/// Adds [`admin_api_error`] to `diags`.
pub fn push_admin_api_error(diags: &mut Diagnostics, action: &str, error: &Error) {
    diags.push(admin_api_error(action, error));
}
