//! Create, update in place, replace, import-verify, a no-op plan, and the data source, on every CLI.

use tfplugin_harness::{Action, PlanCheck, StateCheck, Step};
use tinesaudit_testkit::test_case;

use crate::{THING, TestStore, assert_passed, gone, id_kept, in_process};

const ECHO: &str = "data.testfw_echo.e";

#[test]
fn create_update_replace_import_no_op_and_the_data_source() {
    let store = TestStore::new();
    let first = store.config(
        &[
            "name = \"alpha\"",
            "note = \"first\"",
            "tags = { env = \"test\" }",
        ],
        "",
    );
    let second = store.config(
        &[
            "name = \"alpha\"",
            "note = \"second\"",
            "tags = { env = \"test\" }",
        ],
        "",
    );
    let replaced = store.config(
        &[
            "name = \"beta\"",
            "note = \"second\"",
            "tags = { env = \"test\" }",
        ],
        "",
    );
    let with_echo = store.config(
        &["name = \"beta\"", "note = \"second\"", "tags = { env = \"test\" }"],
        "\ndata \"testfw_echo\" \"e\" {\n  text     = \"hello\"\n  thing_id = testfw_thing.a.id\n}\n",
    );
    let summary = test_case(in_process())
        // Create; the harness then requires an empty plan, without and with a refresh.
        .step(
            Step::config(&first)
                .plan_check(PlanCheck::action(THING, Action::Create))
                .plan_check(PlanCheck::unknown(THING, "id"))
                .plan_check(PlanCheck::unknown(THING, "updated_at"))
                .plan_check(PlanCheck::known(THING, "name", "alpha"))
                .plan_check(PlanCheck::known(THING, "tags.env", "test"))
                .state_check(StateCheck::attr_set(THING, "id"))
                .state_check(StateCheck::attr_set(THING, "updated_at"))
                .state_check(StateCheck::attr(THING, "note", "first")),
        )
        // In place: `id` stays known (use_state_for_unknown), `updated_at` becomes unknown.
        .step(
            Step::config(&second)
                .plan_check(PlanCheck::action(THING, Action::Update))
                .plan_check(id_kept(THING))
                .plan_check(PlanCheck::unknown(THING, "updated_at"))
                .plan_check(PlanCheck::known(THING, "note", "second"))
                .state_check(StateCheck::attr(THING, "note", "second")),
        )
        // `name` requires replacement.
        .step(
            Step::config(&replaced)
                .plan_check(PlanCheck::action(THING, Action::Replace))
                .plan_check(PlanCheck::unknown(THING, "id"))
                .expect_plan_output("forces replacement")
                .state_check(StateCheck::attr(THING, "name", "beta")),
        )
        // Everything the thing has comes back from the store, so nothing needs ignoring.
        .step(Step::import(THING).verify())
        .step(
            Step::import(THING)
                .with_import_block()
                .verify()
                .state_check(StateCheck::attr(THING, "name", "beta")),
        )
        .step(
            Step::plan_only(&replaced)
                .plan_check(PlanCheck::empty())
                .plan_check(PlanCheck::action(THING, Action::NoOp)),
        )
        // The data source echoes its text and looks the thing up by ID.
        .step(
            Step::config(&with_echo)
                .state_check(StateCheck::attr(ECHO, "result", "echo:hello"))
                .state_check(StateCheck::attr(ECHO, "thing_name", "beta"))
                .state_check(StateCheck::attr(ECHO, "text", "hello")),
        )
        .check_destroy(gone(store.store()))
        .try_run()
        .unwrap_or_else(|failure| panic!("{failure}"));
    assert_passed(&summary, 7);
    crate::assert_old_and_new(&summary);
}
