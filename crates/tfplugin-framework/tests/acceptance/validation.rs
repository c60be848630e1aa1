//! Errors under the attribute they are about, read-only attributes refused before any plan, and write-only
//! attributes: applied without a trace in plan or state on Terraform 1.11+, refused with a clear error on
//! older CLIs.

use tfplugin_harness::{Action, PlanCheck, StateCheck, Step};
use tinesaudit_testkit::test_case;

use crate::{
    THING, TestStore, assert_old_and_new, assert_passed, gone, in_process, null_in_state,
    planned_null,
};

#[test]
fn an_invalid_name_is_reported_under_its_line() {
    let store = TestStore::new();
    let summary = test_case(in_process())
        // Terraform shows an attribute's diagnostic with the resource, the file and line, and the line itself.
        .step(
            Step::config(store.config(&["name = \"Not_Valid\""], "")).expect_error(
                r#"(?s)with testfw_thing\.a,.*on main\.tf line 12, in resource "testfw_thing" "a":.*12:\s+name\s+=\s+"Not_Valid".*must be lowercase letters, digits and dashes"#,
            ),
        )
        .step(
            Step::plan_only(store.config(&["name = \"ok\"", "secret_wo_version = 0"], ""))
                .expect_error(r#"(?s)on main\.tf line 13, in resource "testfw_thing" "a":.*13:\s+secret_wo_version\s+=\s+0"#),
        )
        .try_run()
        .unwrap_or_else(|failure| panic!("{failure}"));
    assert_passed(&summary, 2);
}

/// Runs one step that must fail on every CLI with `error`, old and new CLIs among them.
fn refused(hcl: String, error: &str) {
    let summary = test_case(in_process())
        .step(Step::config(hcl).expect_error(error))
        .try_run()
        .unwrap_or_else(|failure| panic!("{failure}"));
    assert_passed(&summary, 1);
    assert_old_and_new(&summary);
}

// Without the framework's check, Terraform 1.0 fails the plan as a provider bug, and later CLIs create the
// thing before failing the apply.
#[test]
fn a_read_only_resource_attribute_is_refused_under_its_line() {
    let store = TestStore::new();
    refused(
        store.config(&["name = \"ro\"", "id = \"chosen\""], ""),
        r#"(?s)Error: Read-only attribute.*with testfw_thing\.a,.*on main\.tf line 13, in resource "testfw_thing" "a":.*13:\s+id\s+=\s+"chosen".*id is read-only: the provider sets its value.*Remove id from the configuration"#,
    );
}

// Without the framework's check, the data source drops the value without a word.
#[test]
fn a_read_only_data_source_attribute_is_refused_under_its_line() {
    let store = TestStore::new();
    let echo = "\ndata \"testfw_echo\" \"e\" {\n  text   = \"hi\"\n  result = \"mine\"\n}\n";
    refused(
        store.config(&["name = \"ro\""], echo),
        r#"(?s)Error: Read-only attribute.*with data\.testfw_echo\.e,.*in data "testfw_echo" "e":.*\d+:\s+result\s+=\s+"mine".*Remove result from the configuration"#,
    );
}

#[test]
fn write_only_values_reach_the_store_but_never_the_state() {
    let store = TestStore::new();
    let with_secret = |secret: &str, version: u32| {
        store.config(
            &[
                "name = \"secretive\"",
                &format!("secret_wo = {secret:?}"),
                &format!("secret_wo_version = {version}"),
            ],
            "",
        )
    };
    let (first, second) = (store.store(), store.store());
    let raw_state = |secret: &'static str| {
        move |ctx: &tfplugin_harness::Context<'_>| -> Result<(), tfplugin_harness::BoxError> {
            let text = std::fs::read_to_string(ctx.work_dir().join("terraform.tfstate"))?;
            if text.contains(secret) {
                return Err(format!("the secret is in terraform.tfstate:\n{text}").into());
            }
            Ok(())
        }
    };
    let summary = test_case(in_process())
        .step(
            Step::config(with_secret("hunter2", 1))
                .expect_error_below(
                    1,
                    11,
                    r#"(?s)Write-only attribute not supported.*on main\.tf line \d+.*secret_wo\s+=\s+"hunter2".*Terraform 1\.11 or later"#,
                )
                .plan_check(PlanCheck::action(THING, Action::Create))
                .plan_check(planned_null(THING, "secret_wo"))
                .state_check(null_in_state(THING, "secret_wo"))
                .state_check(StateCheck::attr(THING, "secret_wo_version", 1))
                .state_check(StateCheck::custom("the store got the secret", move |state| {
                    let id = state.attr_str(THING, "id")?;
                    let thing = first.get(id)?.ok_or("not in the store")?;
                    match thing.secret.as_deref() {
                        Some("hunter2") => Ok(()),
                        other => Err(format!("the store has secret {other:?}").into()),
                    }
                })),
        )
        // A new version sends the new secret.
        .step(
            Step::config(with_secret("hunter3", 2))
                .min_version(1, 11)
                .pre_config(raw_state("hunter2"))
                .plan_check(PlanCheck::action(THING, Action::Update))
                .plan_check(planned_null(THING, "secret_wo"))
                .state_check(null_in_state(THING, "secret_wo"))
                .state_check(StateCheck::custom("the store got the new secret", move |state| {
                    let id = state.attr_str(THING, "id")?;
                    let thing = second.get(id)?.ok_or("not in the store")?;
                    match thing.secret.as_deref() {
                        Some("hunter3") => Ok(()),
                        other => Err(format!("the store has secret {other:?}").into()),
                    }
                })),
        )
        .step(
            Step::plan_only(with_secret("hunter3", 2))
                .min_version(1, 11)
                .pre_config(raw_state("hunter3"))
                .plan_check(PlanCheck::empty()),
        )
        .check_destroy(gone(store.store()))
        .try_run()
        .unwrap_or_else(|failure| panic!("{failure}"));
    assert_passed(&summary, 3);
    assert_old_and_new(&summary);
    for run in &summary.runs {
        let skipped = if run.version.starts_with("1.0.") {
            2
        } else {
            0
        };
        assert_eq!(run.steps_skipped, skipped, "{summary}");
    }
}
