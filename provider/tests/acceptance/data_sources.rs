//! The four data sources in one configuration, on every CLI.

use serde_json::json;
use tfplugin_harness::{BoxError, StateCheck, Step};
use tinesaudit_testkit::test_case;

use crate::support::{Tines, in_process, provider_hcl};

#[test]
fn tenant_user_users_and_audit_logs() {
    let tines = Tines::start();
    tines
        .new_user("jane@example.com", &["AUDIT_LOG_READ"])
        .unwrap();
    tines
        .control(
            "POST",
            "/_sim/events",
            Some(json!({"count": 12, "operation_names": ["Login", "UserEdit"]})),
        )
        .unwrap();
    let hcl = format!(
        r#"{}
data "tinesaudit_tenant" "this" {{}}

data "tinesaudit_user" "jane" {{
  email = "JANE@example.com"
}}

data "tinesaudit_users" "readers" {{
  with_permission = "AUDIT_LOG_READ"
}}

data "tinesaudit_audit_logs" "logins" {{
  operation_names = ["Login"]
  limit           = 4
}}

output "readers" {{
  value = data.tinesaudit_users.readers.ids
}}
"#,
        provider_hcl(&tines, None)
    );
    let count_records = |state: &tfplugin_harness::State| -> Result<(), BoxError> {
        let records = state.attr("data.tinesaudit_audit_logs.logins", "records")?;
        match records.as_array().map(Vec::len) {
            Some(4) => Ok(()),
            other => Err(format!("expected 4 records, found {other:?}").into()),
        }
    };
    test_case(in_process())
        .step(
            Step::config(hcl)
                .state_check(StateCheck::attr(
                    "data.tinesaudit_tenant.this",
                    "stack_name",
                    "tines-sim",
                ))
                .state_check(StateCheck::attr(
                    "data.tinesaudit_user.jane",
                    "tenant_permissions",
                    json!(["AUDIT_LOG_READ"]),
                ))
                .state_check(StateCheck::attr(
                    "data.tinesaudit_user.jane",
                    "can_read_audit_logs",
                    true,
                ))
                .state_check(StateCheck::attr(
                    "data.tinesaudit_users.readers",
                    "users.0.email",
                    "jane@example.com",
                ))
                .state_check(StateCheck::attr(
                    "data.tinesaudit_audit_logs.logins",
                    "records.0.operation_name",
                    "Login",
                ))
                .state_check(StateCheck::custom("four records", count_records)),
        )
        .run();
}
