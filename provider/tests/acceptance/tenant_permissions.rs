//! `tinesaudit_tenant_permissions` through Terraform on every CLI.

use std::sync::Arc;

use serde_json::json;
use tfplugin_harness::{Action, PlanCheck, StateCheck, Step};
use tinesaudit_testkit::test_case;

use crate::support::{Tines, expect_permissions, in_process, provider_hcl};

const GRANT: &str = "tinesaudit_tenant_permissions.pipeline";

/// The user each run grants to: after a reset the owner key's service account is user 101, and the first
/// user made is 102 (the first step's hook checks it), so the configuration can name it.
const USER: u64 = 102;

fn config(tines: &Tines, authoritative: bool) -> String {
    format!(
        r#"{}
resource "tinesaudit_tenant_permissions" "pipeline" {{
  user_id       = {USER}
  permissions   = ["AUDIT_LOG_READ"]
  authoritative = {authoritative}
}}
"#,
        provider_hcl(tines, None)
    )
}

#[test]
fn grant_import_drift_authoritative_and_a_deleted_user() {
    let tines = Tines::start();
    let loose = config(&tines, false);
    let strict = config(&tines, true);
    let t = Arc::clone(&tines);
    let hook = move |f: fn(&Tines) -> Result<(), tfplugin_harness::BoxError>| {
        let t = Arc::clone(&t);
        move |_: &tfplugin_harness::Context<'_>| f(&t)
    };

    test_case(in_process())
        .sequential()
        // Create: the grant leaves the user's TUNNEL_MANAGE alone; the plans after apply are empty.
        .step(
            Step::config(&loose)
                .pre_config(hook(|t| {
                    t.reset()?;
                    let user = t.new_user("pipeline@example.com", &["TUNNEL_MANAGE"])?;
                    if user != USER {
                        return Err(format!(
                            "the simulator made user {user}, the configuration names {USER}"
                        )
                        .into());
                    }
                    Ok(())
                }))
                .plan_check(PlanCheck::action(GRANT, Action::Create))
                .plan_check(PlanCheck::known(
                    GRANT,
                    "id",
                    format!("{USER}:AUDIT_LOG_READ"),
                ))
                .state_check(StateCheck::attr(
                    GRANT,
                    "id",
                    format!("{USER}:AUDIT_LOG_READ"),
                ))
                .state_check(StateCheck::attr(
                    GRANT,
                    "permissions",
                    json!(["AUDIT_LOG_READ"]),
                )),
        )
        .step(Step::import(GRANT).verify())
        // Drift: AUDIT_LOG_READ unticked in the UI; the plan re-adds it.
        .step(
            Step::plan_only(&loose)
                .pre_config(hook(|t| {
                    expect_permissions(t, USER, &["AUDIT_LOG_READ", "TUNNEL_MANAGE"])?;
                    t.set_permissions(USER, &["TUNNEL_MANAGE"])
                }))
                .expect_non_empty_plan()
                .plan_check(PlanCheck::drift(GRANT, Action::Update))
                .plan_check(PlanCheck::action(GRANT, Action::Update))
                .plan_check(PlanCheck::known(
                    GRANT,
                    "permissions",
                    json!(["AUDIT_LOG_READ"]),
                )),
        )
        // Apply restores it, and the plans after are empty.
        .step(Step::config(&loose).plan_check(PlanCheck::action(GRANT, Action::Update)))
        // Authoritative: TUNNEL_MANAGE, which the resource does not list, goes.
        .step(
            Step::config(&strict)
                .pre_config(hook(|t| {
                    expect_permissions(t, USER, &["AUDIT_LOG_READ", "TUNNEL_MANAGE"])
                }))
                .plan_check(PlanCheck::action(GRANT, Action::Update))
                .state_check(StateCheck::attr(GRANT, "id", USER.to_string())),
        )
        .step(Step::import(GRANT).verify())
        // Added again in the UI: drift, and the plan removes it.
        .step(
            Step::plan_only(&strict)
                .pre_config(hook(|t| {
                    expect_permissions(t, USER, &["AUDIT_LOG_READ"])?;
                    t.set_permissions(USER, &["AUDIT_LOG_READ", "TUNNEL_MANAGE"])
                }))
                .expect_non_empty_plan()
                .plan_check(PlanCheck::drift(GRANT, Action::Update))
                .plan_check(PlanCheck::action(GRANT, Action::Update)),
        )
        .step(Step::config(&strict))
        // The user deleted: the resource is gone, and the plan creates it again.
        .step(
            Step::plan_only(&strict)
                .pre_config(hook(|t| {
                    expect_permissions(t, USER, &["AUDIT_LOG_READ"])?;
                    t.control("DELETE", &format!("/_sim/users/{USER}"), None)?;
                    Ok(())
                }))
                .expect_non_empty_plan()
                .plan_check(PlanCheck::drift(GRANT, Action::Delete))
                .plan_check(PlanCheck::action(GRANT, Action::Create)),
        )
        .run();
}

#[test]
fn destroy_removes_only_the_grant_unless_authoritative() {
    let tines = Tines::start();
    let loose = config(&tines, false);
    let (setup, check) = (Arc::clone(&tines), Arc::clone(&tines));
    test_case(in_process())
        .sequential()
        .step(Step::config(&loose).pre_config(move |_| {
            setup.reset()?;
            let user = setup.new_user("pipeline@example.com", &["TUNNEL_MANAGE"])?;
            assert_eq!(user, USER);
            Ok(())
        }))
        .check_destroy(move |_| expect_permissions(&check, USER, &["TUNNEL_MANAGE"]))
        .run();

    let strict = config(&tines, true);
    let (setup, check) = (Arc::clone(&tines), Arc::clone(&tines));
    test_case(in_process())
        .sequential()
        .step(Step::config(&strict).pre_config(move |_| {
            setup.reset()?;
            setup.new_user("pipeline@example.com", &["TUNNEL_MANAGE"])?;
            Ok(())
        }))
        .check_destroy(move |_| expect_permissions(&check, USER, &[]))
        .run();
}
