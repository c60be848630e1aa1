//! State upgrade: a state written at schema version 0 (when `note` was `description`) is upgraded to
//! version 1 by every CLI, with no change planned.

use serde_json::json;
use tfplugin_harness::{Action, PlanCheck, StateCheck, Step};
use tinesaudit_testkit::test_case;

use crate::store::RemoteThing;
use crate::{ADDRESS, THING, TestStore, assert_passed, gone, in_process};

#[test]
fn a_version_0_state_is_upgraded_to_version_1() {
    let store = TestStore::new();
    let hcl = store.config(&["name = \"old\"", "note = \"from v0\""], "");
    let remote = store.store();
    let summary = test_case(in_process())
        .step(
            Step::config(&hcl)
                // The thing exists in the store, and a state from an older provider version knows it.
                .pre_config(move |ctx| {
                    let thing = RemoteThing {
                        name: "old".to_owned(),
                        note: Some("from v0".to_owned()),
                        updated_at: crate::store::now(),
                        ..RemoteThing::default()
                    };
                    let id = remote.create(thing)?;
                    let state = json!({
                        "version": 4,
                        "terraform_version": "1.0.0",
                        "serial": 1,
                        "lineage": "6f1b8a7e-0d4c-4a57-9a39-5b7c1d2e3f40",
                        "outputs": {},
                        "resources": [{
                            "mode": "managed",
                            "type": "testfw_thing",
                            "name": "a",
                            "provider": format!("provider[\"{ADDRESS}\"]"),
                            "instances": [{
                                "schema_version": 0,
                                "attributes": {
                                    "id": id,
                                    "name": "old",
                                    "description": "from v0",
                                    "tags": null
                                },
                                "sensitive_attributes": []
                            }]
                        }]
                    });
                    std::fs::write(
                        ctx.work_dir().join("terraform.tfstate"),
                        serde_json::to_vec_pretty(&state)?,
                    )?;
                    Ok(())
                })
                .plan_check(PlanCheck::action(THING, Action::NoOp))
                .plan_check(PlanCheck::known(THING, "note", "from v0"))
                .plan_check(upgraded_before_refresh())
                .state_check(StateCheck::attr(THING, "note", "from v0"))
                .state_check(StateCheck::attr_set(THING, "updated_at"))
                .state_check(StateCheck::custom(
                    "the state is at schema version 1",
                    |state| {
                        let resources = state.json()["values"]["root_module"]["resources"]
                            .as_array()
                            .ok_or("no resources")?;
                        let thing = resources
                            .iter()
                            .find(|r| r["address"] == THING)
                            .ok_or("no testfw_thing.a")?;
                        match thing["schema_version"].as_u64() {
                            Some(1) => Ok(()),
                            other => Err(format!("schema_version is {other:?}").into()),
                        }
                    },
                )),
        )
        .check_destroy(gone(store.store()))
        .try_run()
        .unwrap_or_else(|failure| panic!("{failure}"));
    assert_passed(&summary, 1);
}

/// The refresh after the upgrade reads `note` from the store again, which would hide an upgrader that lost
/// it; the plan's `resource_drift` shows the state as upgraded (`before`) against the refreshed one. The
/// upgrader leaves `updated_at` empty for the refresh to fill, so there is drift to look at.
fn upgraded_before_refresh() -> PlanCheck {
    PlanCheck::custom(
        "the upgraded state, before the refresh, has note = description",
        |plan| {
            let drift = plan.json()["resource_drift"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|r| r["address"] == THING)
                .ok_or("no resource_drift for testfw_thing.a: cannot see the state as upgraded")?;
            let before = &drift["change"]["before"];
            if before["note"] == "from v0"
                && before["name"] == "old"
                && before.get("description").is_none()
            {
                Ok(())
            } else {
                Err(format!("the state as upgraded is {before}").into())
            }
        },
    )
}
