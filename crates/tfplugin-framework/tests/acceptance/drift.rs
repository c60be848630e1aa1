//! Drift: the thing deleted or changed in the store behind Terraform's back. Every CLI lists it in the
//! plan's `resource_drift`; the human-readable plan says "has been deleted" only on Terraform 1.0 and 1.1
//! (from 1.2 on it shows only drift that explains no planned change, and a create explains itself).

use tfplugin_harness::{Action, PlanCheck, StateCheck, Step};
use tinesaudit_testkit::Tools;
use tinesaudit_testkit::test_case;

use crate::{THING, TestStore, assert_passed, gone, in_process};

#[test]
fn a_remote_delete_plans_a_create_and_a_remote_change_an_update_back() {
    let store = TestStore::new();
    let hcl = store.config(&["name = \"drifty\"", "note = \"mine\""], "");
    let (deleter, changer) = (store.store(), store.store());
    let summary = test_case(in_process())
        .step(Step::config(&hcl))
        .step(
            Step::plan_only(&hcl)
                .pre_config(move |ctx| {
                    let id = ctx.state()?.attr_str(THING, "id")?;
                    Ok(deleter.delete(id)?)
                })
                .expect_non_empty_plan()
                .plan_check(PlanCheck::drift(THING, Action::Delete))
                .plan_check(PlanCheck::action(THING, Action::Create)),
        )
        .step(Step::config(&hcl).plan_check(PlanCheck::action(THING, Action::Create)))
        .step(
            Step::plan_only(&hcl)
                .pre_config(move |ctx| {
                    let id = ctx.state()?.attr_str(THING, "id")?;
                    let mut thing = changer
                        .get(id)?
                        .ok_or_else(|| format!("{id} is not in the store"))?;
                    thing.note = Some("theirs".to_owned());
                    if changer.put(id, thing)? {
                        Ok(())
                    } else {
                        Err(format!("{id} vanished").into())
                    }
                })
                .expect_non_empty_plan()
                .expect_plan_output(r#"note\s+=\s+"theirs" -> "mine""#)
                .plan_check(PlanCheck::drift(THING, Action::Update))
                .plan_check(PlanCheck::action(THING, Action::Update))
                .plan_check(PlanCheck::known(THING, "note", "mine")),
        )
        .step(
            Step::config(&hcl)
                .plan_check(PlanCheck::action(THING, Action::Update))
                .state_check(StateCheck::attr(THING, "note", "mine")),
        )
        .check_destroy(gone(store.store()))
        .try_run()
        .unwrap_or_else(|failure| panic!("{failure}"));
    assert_passed(&summary, 5);
}

#[test]
fn terraform_1_0_says_a_remotely_deleted_thing_has_been_deleted() {
    let old: Vec<_> = Tools::locate()
        .and_then(|tools| tools.terraform_clis())
        .expect("the Terraform CLIs")
        .into_iter()
        .filter(|cli| !cli.at_least(1, 2))
        .collect();
    assert!(!old.is_empty(), "Terraform 1.0 is installed");
    let store = TestStore::new();
    let hcl = store.config(&["name = \"gone\""], "");
    let deleter = store.store();
    let summary = test_case(in_process())
        .clis(old)
        .step(Step::config(&hcl))
        .step(
            Step::plan_only(&hcl)
                .pre_config(move |ctx| {
                    let id = ctx.state()?.attr_str(THING, "id")?;
                    Ok(deleter.delete(id)?)
                })
                .expect_non_empty_plan()
                .expect_plan_output(r"testfw_thing\.a has been deleted")
                .plan_check(PlanCheck::action(THING, Action::Create)),
        )
        .check_destroy(gone(store.store()))
        .try_run()
        .unwrap_or_else(|failure| panic!("{failure}"));
    assert_passed(&summary, 2);
}
