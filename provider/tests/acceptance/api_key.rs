//! `tinesaudit_api_key` through Terraform: with `secret_wo` on 1.11 and later, with `secret` on every CLI.
//!
//! Each run: store key 1 with a grant for its service account; refresh sees the grant; import-verify both
//! resources; rotate to key 2 (its own service account, so the grant moves); key 2 revoked → the plan
//! creates the resource again; key 3 takes over the secret.

use std::sync::Arc;

use serde_json::Value as Json;
use tfplugin_harness::{Action, BoxError, Context, PlanCheck, StateCheck, Step, TestCase};
use tinesaudit_testkit::AwsEmulator;
use tinesaudit_testkit::test_case;

use crate::support::{Tines, in_process, moto, provider_hcl, stored_secret};

const KEY: &str = "tinesaudit_api_key.pipeline";
const GRANT: &str = "tinesaudit_tenant_permissions.pipeline";
const SECRET_NAME: &str = "tinesaudit/acc-pipeline";

fn token(n: u32) -> String {
    format!("acc-pipeline-key-{n}-abcdefghijklmnop")
}

fn key_name(n: u32) -> String {
    format!("secops-pipeline-{n}")
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// `secret_wo` from an ephemeral variable (Terraform 1.11+).
    WriteOnly,
    /// `secret` from a sensitive variable (every CLI).
    Legacy,
}

fn config(tines: &Tines, aws: &AwsEmulator, mode: Mode, n: u32) -> String {
    let variables: String = (1..=3)
        .map(|i| {
            let ephemeral = if mode == Mode::WriteOnly {
                "  ephemeral = true\n"
            } else {
                ""
            };
            format!(
                "variable \"key_{i}\" {{\n  type      = string\n  sensitive = true\n{ephemeral}}}\n"
            )
        })
        .collect();
    let secret = match mode {
        Mode::WriteOnly => {
            format!("  secret_wo         = var.key_{n}\n  secret_wo_version = {n}\n")
        }
        Mode::Legacy => format!("  secret = var.key_{n}\n"),
    };
    format!(
        r#"{provider}
{variables}
resource "tinesaudit_api_key" "pipeline" {{
  name                    = "{name}"
{secret}  secret_name             = "{SECRET_NAME}"
  recovery_window_in_days = 0
}}

resource "tinesaudit_tenant_permissions" "pipeline" {{
  user_id     = tinesaudit_api_key.pipeline.user_id
  permissions = ["AUDIT_LOG_READ"]
}}
"#,
        provider = provider_hcl(tines, Some(aws)),
        name = key_name(n),
    )
}

type Hook = Box<dyn Fn(&Context<'_>) -> Result<(), BoxError> + Send + Sync>;

fn hook(
    tines: &Arc<Tines>,
    f: impl Fn(&Tines) -> Result<(), BoxError> + Send + Sync + 'static,
) -> Hook {
    let tines = Arc::clone(tines);
    Box::new(move |_| f(&tines))
}

fn lifecycle(mode: Mode) -> TestCase {
    let tines = Tines::start();
    let aws = Arc::new(moto());
    let config = |n| config(&tines, &aws, mode, n);
    let secret_attribute = match mode {
        Mode::WriteOnly => "secret_wo_version",
        Mode::Legacy => "secret",
    };
    let aws_for_check = Arc::clone(&aws);
    let aws_for_rotation = Arc::clone(&aws);
    let tines_for_check = Arc::clone(&tines);

    let mut case = test_case(in_process()).sequential();
    for n in 1..=3 {
        case = case.env(format!("TF_VAR_key_{n}"), token(n));
    }
    let first = hook(&tines, |t| {
        t.reset()?;
        t.new_key("service", &key_name(1), &token(1))?;
        Ok(())
    });
    let mut store = Step::config(config(1))
        .pre_config(first)
        .plan_check(PlanCheck::action(KEY, Action::Create))
        .plan_check(PlanCheck::unknown(KEY, "user_id"))
        // The key is checked before the grant exists.
        .state_check(StateCheck::attr(KEY, "can_read_audit_logs", false))
        .state_check(StateCheck::attr_set(KEY, "user_id"))
        .state_check(StateCheck::attr_set(KEY, "secret_arn"));
    store = match mode {
        Mode::WriteOnly => store
            .state_check(StateCheck::attr(KEY, "secret_wo", Json::Null))
            .state_check(StateCheck::attr(KEY, "secret", Json::Null)),
        Mode::Legacy => store.plan_check(PlanCheck::sensitive(KEY, "secret")),
    };
    case.step(store)
        // The grant shows on the next refresh.
        .step(Step::refresh().state_check(StateCheck::attr(KEY, "can_read_audit_logs", true)))
        .step(Step::import(KEY).verify_ignoring(&[secret_attribute]))
        .step(Step::import(GRANT).verify())
        // Rotation to key 2, which has its own service account: the key is updated in place, the grant
        // follows the new user.
        .step(
            Step::config(config(2))
                .pre_config(hook(&tines, move |t| {
                    if stored_secret(t, &aws_for_rotation, SECRET_NAME) != Some(token(1)) {
                        return Err("Secrets Manager does not hold key 1".into());
                    }
                    t.new_key("service", &key_name(2), &token(2))?;
                    Ok(())
                }))
                .plan_check(PlanCheck::action(KEY, Action::Update))
                .plan_check(PlanCheck::action(GRANT, Action::Replace)),
        )
        // Key 2 revoked in Tines: refresh makes the resource gone with a warning; the plan creates it again.
        .step(
            Step::plan_only(config(2))
                .pre_config(hook(&tines, |t| t.revoke(&key_name(2))))
                .expect_non_empty_plan()
                .expect_plan_output("Tines API key revoked")
                .plan_check(PlanCheck::drift(KEY, Action::Delete))
                .plan_check(PlanCheck::action(KEY, Action::Create)),
        )
        // Key 3 takes over the secret this provider made.
        .step(
            Step::config(config(3))
                .pre_config(hook(&tines, |t| {
                    t.new_key("service", &key_name(3), &token(3))?;
                    Ok(())
                }))
                .plan_check(PlanCheck::action(KEY, Action::Create))
                .state_check(StateCheck::attr(KEY, "can_read_audit_logs", false)),
        )
        .check_destroy(move |_| {
            match stored_secret(&tines_for_check, &aws_for_check, SECRET_NAME) {
                None => Ok(()),
                Some(_) => Err("the secret still exists after destroy".into()),
            }
        })
}

#[test]
fn write_only_secret_lifecycle() {
    lifecycle(Mode::WriteOnly).min_version(1, 11).run();
}

#[test]
fn legacy_secret_lifecycle() {
    lifecycle(Mode::Legacy).run();
}
