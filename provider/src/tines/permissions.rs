//! Tenant permission names: the published ones, and a validator that refuses malformed names but only
//! warns about unknown ones, since Tines may have more than it documents.

use tfplugin_framework::diag::Diagnostics;
use tfplugin_framework::validator::{ValidateRequest, Validator};
use tfplugin_framework::value::Value;

/// The tenant permissions Tines documents (user administration docs, 2025-10). The list may be incomplete.
pub const KNOWN_PERMISSIONS: [&str; 3] = ["AUDIT_LOG_READ", "FEATURE_FLAG_MANAGE", "TUNNEL_MANAGE"];

/// The permission that lets a key read audit logs.
pub const AUDIT_LOG_READ: &str = "AUDIT_LOG_READ";

/// Whether a user with these permissions can read audit logs: tenant owners can, others need
/// AUDIT_LOG_READ.
pub fn can_read_audit_logs(admin: bool, permissions: &[String]) -> bool {
    admin || permissions.iter().any(|p| p == AUDIT_LOG_READ)
}

/// Each element of a set of permission names: an error when empty or not `UPPER_SNAKE_CASE` (with the
/// known name it probably meant), a warning when well formed but not published.
pub fn permission_names() -> impl Validator {
    PermissionNames
}

struct PermissionNames;

impl Validator for PermissionNames {
    fn validate(&self, request: &ValidateRequest<'_>, diags: &mut Diagnostics) {
        let names: Vec<&str> = match request.value {
            Value::Set(items) | Value::List(items) => {
                items.iter().filter_map(Value::as_str).collect()
            }
            _ => return,
        };
        for name in names {
            if let Some(problem) = malformed(name) {
                diags.attribute_error(request.path.clone(), "Invalid tenant permission", problem);
            } else if !KNOWN_PERMISSIONS.contains(&name) {
                diags.attribute_warning(
                    request.path.clone(),
                    "Unknown tenant permission",
                    format!(
                        "{name:?} is not one of the tenant permissions Tines publishes ({}). It is sent as \
                         written; Tines refuses it if it does not exist.",
                        KNOWN_PERMISSIONS.join(", ")
                    ),
                );
            }
        }
    }
}

fn malformed(name: &str) -> Option<String> {
    if name.is_empty() {
        return Some("A tenant permission name cannot be empty.".to_owned());
    }
    let well_formed = name
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    if well_formed {
        return None;
    }
    let upper = name.trim().to_ascii_uppercase().replace(['-', ' '], "_");
    let hint = if KNOWN_PERMISSIONS.contains(&upper.as_str()) {
        format!(" Did you mean {upper:?}? Names are case-sensitive.")
    } else {
        String::new()
    };
    Some(format!(
        "{name:?} is not a tenant permission name: names are upper-case letters, digits and \
         underscores, like AUDIT_LOG_READ.{hint}"
    ))
}

#[cfg(test)]
mod tests {
    use tfplugin_framework::diag::Severity;
    use tfplugin_framework::path::AttrPath;

    use super::*;

    fn check(names: &[&str]) -> Diagnostics {
        let value = Value::Set(names.iter().map(|n| Value::String((*n).into())).collect());
        let path = AttrPath::attr("permissions");
        let mut diags = Diagnostics::new();
        permission_names().validate(
            &ValidateRequest {
                path: &path,
                value: &value,
                config: &Value::Null,
                sensitive: false,
            },
            &mut diags,
        );
        diags
    }

    #[test]
    fn known_names_pass() {
        assert!(check(&KNOWN_PERMISSIONS).is_empty());
    }

    #[test]
    fn unknown_names_only_warn() {
        let diags = check(&["AUDIT_LOG_READ", "STORY_EXPORT"]);
        assert_eq!(diags.len(), 1);
        let d = diags.iter().next().unwrap();
        assert_eq!(d.severity, Severity::Warning);
        assert!(d.detail.contains("STORY_EXPORT"), "{d}");
    }

    #[test]
    fn malformed_names_are_errors_with_a_hint() {
        let diags = check(&["audit_log_read", ""]);
        assert_eq!(diags.errors().count(), 2);
        assert!(
            diags
                .to_string()
                .contains("Did you mean \"AUDIT_LOG_READ\""),
            "{diags}"
        );
    }
}
