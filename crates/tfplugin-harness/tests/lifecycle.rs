//! What a correct provider (the fixture, served in-process) passes on every installed CLI: the lifecycle,
//! drift, refresh steps, and steps limited to newer CLIs.

mod support;

use support::fixture::{Remote, RemoteThing};
use support::{THING, config, delete_remotely, gone, in_process};
use tfplugin_harness::{Action, PlanCheck, StateCheck, Step, Summary, TestCase};

/// The resource block of `config("beta", None, None)`.
const RESOURCE_BLOCK: &str = "resource \"fixture_thing\" \"a\" {\n  name = \"beta\"\n}";

fn assert_all_passed(summary: &Summary, steps: usize) {
    eprintln!("{summary}");
    assert!(summary.runs.len() >= 2, "{summary}");
    for run in &summary.runs {
        assert!(run.passed, "{summary}");
        assert_eq!(run.steps_run + run.steps_skipped, steps, "{summary}");
    }
}

#[test]
fn a_correct_provider_passes_create_update_replace_import_and_destroy() {
    let remote = Remote::memory();
    let summary = TestCase::new(in_process(&remote))
        .step(
            Step::config(config("alpha", Some("first"), Some("s3cret")))
                .plan_check(PlanCheck::action(THING, Action::Create))
                .plan_check(PlanCheck::unknown(THING, "id"))
                .plan_check(PlanCheck::known(THING, "name", "alpha"))
                .plan_check(PlanCheck::sensitive(THING, "secret"))
                .state_check(StateCheck::attr_set(THING, "id"))
                .state_check(StateCheck::attr(THING, "note", "first")),
        )
        .step(
            Step::config(config("alpha", Some("second"), Some("s3cret")))
                .plan_check(PlanCheck::action(THING, Action::Update))
                .plan_check(PlanCheck::known(THING, "note", "second"))
                .state_check(StateCheck::attr(THING, "note", "second")),
        )
        .step(
            Step::config(config("beta", Some("second"), Some("s3cret")))
                .plan_check(PlanCheck::action(THING, Action::DestroyBeforeCreate))
                .plan_check(PlanCheck::unknown(THING, "id"))
                .expect_plan_output("forces replacement")
                .state_check(StateCheck::attr(THING, "name", "beta")),
        )
        // The API never returns `secret`, so an import cannot know it.
        .step(Step::import(THING).verify_ignoring(&["secret"]))
        .step(
            Step::import(THING)
                .with_import_block()
                .verify_ignoring(&["secret"])
                .state_check(StateCheck::attr(THING, "name", "beta")),
        )
        .step(
            Step::plan_only(config("beta", Some("second"), Some("s3cret")))
                .plan_check(PlanCheck::empty())
                .plan_check(PlanCheck::action(THING, Action::NoOp)),
        )
        // Without the resource in the configuration, Terraform plans to delete it.
        .step(
            Step::plan_only(config("beta", None, None).replace(RESOURCE_BLOCK, "# removed"))
                .expect_non_empty_plan()
                .plan_check(PlanCheck::action(THING, Action::Delete)),
        )
        .check_destroy(gone(&remote))
        .try_run()
        .unwrap_or_else(|failure| panic!("{failure}"));
    assert_all_passed(&summary, 7);
    assert_eq!(remote.len(), 0, "every thing was destroyed");
}

#[test]
fn drift_shows_a_deleted_object_and_a_remote_change() {
    let remote = Remote::memory();
    let changed = remote.clone();
    let hcl = config("alpha", Some("mine"), None);
    let summary = TestCase::new(in_process(&remote))
        .step(Step::config(&hcl))
        // Deleted behind Terraform's back: the refreshing plan reports it and creates it again.
        .step(
            Step::plan_only(&hcl)
                .pre_config(delete_remotely(&remote))
                .expect_non_empty_plan()
                .plan_check(PlanCheck::drift(THING, Action::Delete))
                .plan_check(PlanCheck::action(THING, Action::Create)),
        )
        .step(Step::config(&hcl).plan_check(PlanCheck::action(THING, Action::Create)))
        // Changed behind Terraform's back: the plan sees it and changes it back ...
        .step(
            Step::plan_only(&hcl)
                .pre_config(move |ctx| {
                    let id = ctx.state()?.attr_str(THING, "id")?;
                    let thing = RemoteThing {
                        name: "alpha".to_owned(),
                        note: Some("theirs".to_owned()),
                    };
                    Ok(changed.put(id, thing)?)
                })
                .expect_non_empty_plan()
                .expect_plan_output(r#"note += "theirs" -> "mine""#)
                .plan_check(PlanCheck::drift(THING, Action::Update))
                .plan_check(PlanCheck::action(THING, Action::Update)),
        )
        // ... and a refresh takes the remote value into the state.
        .step(
            Step::refresh()
                .state_check(StateCheck::attr(THING, "note", "theirs"))
                .expect_non_empty_plan()
                .plan_check(PlanCheck::action(THING, Action::Update))
                .plan_check(PlanCheck::known(THING, "note", "mine")),
        )
        .step(Step::config(&hcl).state_check(StateCheck::attr(THING, "note", "mine")))
        .check_destroy(gone(&remote))
        .try_run()
        .unwrap_or_else(|failure| panic!("{failure}"));
    assert_all_passed(&summary, 6);
    assert_eq!(remote.len(), 0);
}

/// `terraform_data` arrived in Terraform 1.4: a step can be skipped on older CLIs, or required to fail there.
#[test]
fn steps_can_be_limited_to_newer_clis_or_expected_to_fail_on_older_ones() {
    let remote = Remote::memory();
    let with_data = format!(
        "{}\nresource \"terraform_data\" \"d\" {{\n  input = \"x\"\n}}\n",
        config("alpha", None, None)
    );
    let summary = TestCase::new(in_process(&remote))
        .step(Step::config(config("alpha", None, None)))
        .step(
            Step::config(&with_data)
                .min_version(1, 4)
                .state_check(StateCheck::attr("terraform_data.d", "input", "x")),
        )
        .step(Step::config(&with_data).expect_error_below(
            1,
            4,
            r#"(?i)(invalid|unsupported) resource type.*terraform_data"#,
        ))
        .check_destroy(gone(&remote))
        .try_run()
        .unwrap_or_else(|failure| panic!("{failure}"));
    assert_all_passed(&summary, 3);
    let old: Vec<_> = summary
        .runs
        .iter()
        .filter(|run| run.version.starts_with("1.0."))
        .collect();
    assert!(
        !old.is_empty(),
        "Terraform 1.0 is one of the CLIs: {summary}"
    );
    assert!(old.iter().all(|run| run.steps_skipped == 1), "{summary}");
    assert!(
        summary
            .runs
            .iter()
            .filter(|run| !run.version.starts_with("1.0."))
            .all(|run| run.steps_skipped == 0),
        "{summary}"
    );
    assert_eq!(remote.len(), 0);
}

#[test]
fn a_case_for_newer_clis_is_skipped_on_older_ones() {
    let remote = Remote::memory();
    let summary = TestCase::new(in_process(&remote))
        .min_version(99, 0)
        .step(Step::config(config("alpha", None, None)))
        .try_run()
        .unwrap_or_else(|failure| panic!("{failure}"));
    assert!(!summary.runs.is_empty());
    assert!(
        summary
            .runs
            .iter()
            .all(|run| run.skipped && run.passed && run.commands == 0),
        "{summary}"
    );
    assert_eq!(remote.len(), 0);
}
