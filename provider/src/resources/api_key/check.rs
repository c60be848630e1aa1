//! What Tines says about a key: `/api/v1/info` proves it works, one audit-log page whether it may read
//! them (also how `tinesaudit_ingestion_job` checks its runner's key), and the key's service-account user.

use tfplugin_framework::diag::{Diagnostic, Diagnostics};
use tfplugin_framework::path::AttrPath;
use tines_client::AuditLogQuery;

use crate::aws::secrets::SecretValue;
use crate::clients::{ClientBudget, TinesAccess};
use crate::tines::errors::admin_api_error;

/// What Tines says about a key.
pub(crate) enum KeyCheck {
    Accepted {
        can_read_audit_logs: bool,
    },
    /// 401: unknown to the tenant, or revoked.
    Rejected,
}

/// Asks `tenant` about `key`: `/api/v1/info` proves it works, one audit-log page whether it may read them.
/// Also how `tinesaudit_ingestion_job` checks the key its runner will use.
pub(crate) async fn check_key(
    budget: &ClientBudget,
    tenant: &str,
    key: &SecretValue,
) -> Result<KeyCheck, tines_client::Error> {
    let client = budget.client_with_key(tenant, key.expose())?;
    match client.info().await {
        Ok(_) => {}
        Err(e) if e.is_unauthorized() => return Ok(KeyCheck::Rejected),
        Err(e) => return Err(e),
    }
    let one_record = AuditLogQuery {
        per_page: Some(1),
        page: Some(1),
        ..AuditLogQuery::default()
    };
    match client.audit_logs_page(&one_record).await {
        Ok(_) => Ok(KeyCheck::Accepted {
            can_read_audit_logs: true,
        }),
        Err(e) if e.is_forbidden() => Ok(KeyCheck::Accepted {
            can_read_audit_logs: false,
        }),
        Err(e) if e.is_unauthorized() => Ok(KeyCheck::Rejected),
        Err(e) => Err(e),
    }
}

/// Checks a key about to be stored; an error under `attribute` when Tines rejects it.
pub(super) async fn check_new_key(
    tines: &TinesAccess,
    key: &SecretValue,
    attribute: &str,
    diags: &mut Diagnostics,
) -> Option<bool> {
    match check_key(tines.budget(), tines.tenant(), key).await {
        Ok(KeyCheck::Accepted {
            can_read_audit_logs,
        }) => Some(can_read_audit_logs),
        Ok(KeyCheck::Rejected) => {
            diags.attribute_error(
                AttrPath::attr(attribute),
                "Tines rejected the API key",
                format!(
                    "Tines answered 401 to the key in {attribute}: it is not a key of {}, or it was revoked. \
                     Nothing was stored.",
                    tines.tenant()
                ),
            );
            None
        }
        Err(e) if e.is_invalid_config() => {
            diags.attribute_error(
                AttrPath::attr(attribute),
                "Invalid API key",
                format!(
                    "{attribute} is not an API key: it may contain only visible ASCII characters."
                ),
            );
            None
        }
        Err(e) => {
            diags.error("Cannot check the API key", e.to_string());
            None
        }
    }
}

/// The key's service-account user, or null with a warning when it cannot be found.
pub(super) async fn find_user_id(
    tines: &TinesAccess,
    name: &str,
    diags: &mut Diagnostics,
) -> Option<i64> {
    match lookup_user_id(tines, name).await {
        Ok(found) => {
            if found.is_none() {
                diags.attribute_warning(
                    AttrPath::attr("name"),
                    "Service-account user not found",
                    format!(
                        "No Tines user is named {name:?}, so user_id is null. Service, tenant-owner and team \
                         keys have a service-account user named after the key; check that name matches the \
                         key's name in Tines."
                    ),
                );
            }
            found
        }
        Err(warning) => {
            diags.push(warning);
            None
        }
    }
}

/// The one user whose first name is `name` (service accounts have no last name, which settles a tie);
/// `Err` is a warning to show, since the key itself works without it.
pub(super) async fn lookup_user_id(
    tines: &TinesAccess,
    name: &str,
) -> Result<Option<i64>, Diagnostic> {
    let users = match tines.admin().list_users().await {
        Ok(users) => users,
        Err(e) => {
            let mut diagnostic =
                admin_api_error("list users to find the key's service-account user", &e);
            diagnostic.severity = tfplugin_framework::Severity::Warning;
            return Err(diagnostic);
        }
    };
    let named: Vec<_> = users.iter().filter(|u| u.first_name == name).collect();
    let pick = match named.as_slice() {
        [one] => Some(*one),
        [] => None,
        many => {
            let service: Vec<_> = many.iter().filter(|u| u.last_name.is_empty()).collect();
            match service.as_slice() {
                [one] => Some(**one),
                _ => {
                    return Err(Diagnostic::warning(
                        "Several users match the key's name",
                        format!(
                            "{} Tines users are named {name:?}, so user_id is null. Give the key a unique name.",
                            many.len()
                        ),
                    )
                    .at(AttrPath::attr("name")));
                }
            }
        }
    };
    Ok(pick.map(|u| u.id as i64))
}
