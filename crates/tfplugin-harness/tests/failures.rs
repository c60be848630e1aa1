//! The harness must fail when the provider is wrong or an expectation does not hold — on every CLI, with a
//! report that names the CLI, the step and the command with its output — and must still clean up.

mod support;

use support::fixture::Remote;
use support::{THING, config, gone, in_process, in_process_with};
use tfplugin_harness::{Action, CaseFailure, Phase, PlanCheck, StateCheck, Step, TestCase};

/// Every CLI failed, at `phase`, with a message containing `message`; returns the report.
fn assert_failed_everywhere(failure: &CaseFailure, phase: &Phase, message: &str) -> String {
    let report = failure.to_string();
    assert!(failure.summary.runs.len() >= 2, "{report}");
    assert_eq!(
        failure.failures.len(),
        failure.summary.runs.len(),
        "{report}"
    );
    for run in &failure.summary.runs {
        let failed = failure
            .for_version(&run.version)
            .unwrap_or_else(|| panic!("no failure on Terraform {}:\n{report}", run.version));
        assert_eq!(&failed.phase, phase, "{report}");
        assert!(
            failed.message.contains(message),
            "{message:?} not in:\n{report}"
        );
        assert!(
            report.contains(&format!("Terraform {}", run.version)),
            "{report}"
        );
    }
    report
}

#[test]
fn a_perpetual_diff_fails_the_step_with_the_plan_in_the_report() {
    let remote = Remote::memory();
    let failure = TestCase::new(in_process_with(&remote, |f| f.with_perpetual_diff()))
        .step(Step::config(config("alpha", Some("lower case"), None)))
        .step(Step::config(config("never", None, None)))
        .check_destroy(gone(&remote))
        .try_run()
        .unwrap_err();
    let report = assert_failed_everywhere(
        &failure,
        &Phase::Step(1, "config".to_owned()),
        "After applying this step and refreshing, the plan was not empty",
    );
    for failed in &failure.failures {
        let output = failed.output.as_ref().expect("the plan's output");
        assert!(output.command.contains("terraform plan"), "{report}");
        assert_eq!(output.exit_code, Some(2), "{report}");
        assert!(
            output.stdout.contains("\"LOWER CASE\" -> \"lower case\""),
            "{report}"
        );
    }
    assert!(report.contains("step 1 (config)"), "{report}");
    // The failed step ends the run, but the destroy still happens.
    assert!(failure.summary.runs.iter().all(|run| run.steps_run == 1));
    assert_eq!(remote.len(), 0, "destroyed despite the failure");
}

#[test]
fn expect_error_passes_on_the_right_error_and_fails_otherwise() {
    let remote = Remote::memory();
    // The diagnostic is about `name`, so Terraform shows it under that line of the configuration.
    let invalid = config("invalid-x", None, None);
    TestCase::new(in_process(&remote))
        .step(
            Step::config(&invalid).expect_error(
                r#"names starting with "invalid" are refused.*name\s+=\s+"invalid-x""#,
            ),
        )
        .step(Step::config(config("alpha", None, None)))
        .step(Step::plan_only(&invalid).expect_error("are refused"))
        .check_destroy(gone(&remote))
        .run();
    assert_eq!(remote.len(), 0);

    let no_error = TestCase::new(in_process(&remote))
        .step(Step::config(config("alpha", None, None)).expect_error("are refused"))
        .try_run()
        .unwrap_err();
    assert_failed_everywhere(
        &no_error,
        &Phase::Step(1, "config".to_owned()),
        "expected an error matching /are refused/, but the step succeeded",
    );

    let other_error = TestCase::new(in_process(&remote))
        .step(Step::config(&invalid).expect_error("quota exceeded"))
        .try_run()
        .unwrap_err();
    let report = assert_failed_everywhere(
        &other_error,
        &Phase::Step(1, "config".to_owned()),
        "failed, but not with the expected error /quota exceeded/",
    );
    assert!(
        report.contains("are refused"),
        "the actual error is shown:\n{report}"
    );
    assert_eq!(remote.len(), 0);
}

#[test]
fn import_verify_reports_each_differing_attribute() {
    let remote = Remote::memory();
    for import in [Step::import(THING), Step::import(THING).with_import_block()] {
        let failure = TestCase::new(in_process(&remote))
            .step(Step::config(config("alpha", Some("n"), Some("s3cret"))))
            .step(import.verify())
            .check_destroy(gone(&remote))
            .try_run()
            .unwrap_err();
        assert_failed_everywhere(
            &failure,
            &Phase::Step(2, "import".to_owned()),
            "secret: applied \"s3cret\", imported null",
        );
    }
    assert_eq!(remote.len(), 0);
}

#[test]
fn failed_plan_and_state_checks_name_what_was_expected() {
    let remote = Remote::memory();
    let plan = TestCase::new(in_process(&remote))
        .step(
            Step::config(config("alpha", None, None))
                .plan_check(PlanCheck::action(THING, Action::Update)),
        )
        .try_run()
        .unwrap_err();
    assert_failed_everywhere(
        &plan,
        &Phase::Step(1, "config".to_owned()),
        "expected fixture_thing.a to be planned for update, but its actions are [\"create\"]",
    );
    // A plan check runs before apply: nothing was created.
    assert_eq!(remote.len(), 0);

    let state = TestCase::new(in_process(&remote))
        .step(
            Step::config(config("alpha", None, None))
                .state_check(StateCheck::attr(THING, "name", "beta")),
        )
        .try_run()
        .unwrap_err();
    assert_failed_everywhere(
        &state,
        &Phase::Step(1, "config".to_owned()),
        "expected fixture_thing.a.name to be \"beta\" in the state, but it is \"alpha\"",
    );
    assert_eq!(remote.len(), 0);
}

#[test]
fn a_destroy_that_leaves_the_object_fails_the_destroy_check() {
    let remote = Remote::memory();
    let failure = TestCase::new(in_process_with(&remote, |f| f.with_leaky_delete()))
        .step(Step::config(config("alpha", None, None)))
        .check_destroy(gone(&remote))
        .try_run()
        .unwrap_err();
    assert_failed_everywhere(&failure, &Phase::Destroy, "the destroy check failed: thing");
    assert_eq!(remote.len(), failure.summary.runs.len());
}

#[test]
fn a_failing_or_panicking_hook_fails_its_step() {
    let remote = Remote::memory();
    let failure = TestCase::new(in_process(&remote))
        .step(Step::config(config("alpha", None, None)))
        .step(Step::refresh().pre_config(|_| Err("the API is down".into())))
        .step(Step::refresh().pre_config(|_| panic!("not reached")))
        .check_destroy(gone(&remote))
        .try_run()
        .unwrap_err();
    assert_failed_everywhere(
        &failure,
        &Phase::Step(2, "refresh".to_owned()),
        "the pre_config hook failed: the API is down",
    );

    let panicked = TestCase::new(in_process(&remote))
        .step(Step::config(config("alpha", None, None)))
        .step(Step::refresh().pre_config(|_| panic!("boom in a hook")))
        .check_destroy(gone(&remote))
        .try_run()
        .unwrap_err();
    assert_failed_everywhere(
        &panicked,
        &Phase::Step(2, "refresh".to_owned()),
        "panicked: boom in a hook",
    );
    assert_eq!(remote.len(), 0, "destroyed after the panic");
}
