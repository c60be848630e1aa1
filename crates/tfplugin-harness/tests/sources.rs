//! The fixture as a real binary: started with `--debug` and attached, and installed into a filesystem
//! mirror for Terraform to launch with AutoMTLS. A full lifecycle through each on every installed CLI.

mod support;

use support::fixture::{ADDRESS, LAUNCH_LOG_ENV, REMOTE_DIR_ENV, Remote};
use support::{THING, config, delete_remotely, gone};
use tempfile::TempDir;
use tfplugin_harness::{Action, PlanCheck, ProviderSource, StateCheck, Step, TestCase};

const FIXTURE_BINARY: &str = env!("CARGO_BIN_EXE_tfplugin-harness-fixture");

/// Create, update in place and import with verify; the case's destroy and destroy check follow.
fn short_lifecycle(source: ProviderSource, remote_dir: &TempDir) -> TestCase {
    let remote = Remote::dir(remote_dir.path());
    TestCase::new(source)
        .env(REMOTE_DIR_ENV, remote_dir.path().to_string_lossy())
        .step(
            Step::config(config("alpha", Some("first"), Some("s3cret")))
                .plan_check(PlanCheck::action(THING, Action::Create))
                .state_check(StateCheck::attr(THING, "note", "first")),
        )
        .step(
            Step::config(config("alpha", Some("second"), Some("s3cret")))
                .plan_check(PlanCheck::action(THING, Action::Update)),
        )
        .step(Step::import(THING).verify_ignoring(&["secret"]))
        .check_destroy(gone(&remote))
}

/// Create, update in place, replace, import with verify, drift (remote delete), and destroy.
fn full_lifecycle(source: ProviderSource, remote_dir: &TempDir) -> TestCase {
    let remote = Remote::dir(remote_dir.path());
    let last = config("beta", Some("second"), Some("s3cret"));
    TestCase::new(source)
        .env(REMOTE_DIR_ENV, remote_dir.path().to_string_lossy())
        .step(
            Step::config(config("alpha", Some("first"), Some("s3cret")))
                .plan_check(PlanCheck::action(THING, Action::Create))
                .state_check(StateCheck::attr(THING, "note", "first")),
        )
        .step(
            Step::config(config("alpha", Some("second"), Some("s3cret")))
                .plan_check(PlanCheck::action(THING, Action::Update)),
        )
        .step(Step::config(&last).plan_check(PlanCheck::action(THING, Action::Replace)))
        .step(Step::import(THING).verify_ignoring(&["secret"]))
        .step(
            Step::plan_only(&last)
                .pre_config(delete_remotely(&remote))
                .expect_non_empty_plan()
                .plan_check(PlanCheck::drift(THING, Action::Delete))
                .plan_check(PlanCheck::action(THING, Action::Create)),
        )
        .step(Step::config(&last).state_check(StateCheck::attr(THING, "name", "beta")))
        .check_destroy(gone(&remote))
}

fn assert_passed_everywhere(case: &TestCase, remote_dir: &TempDir, steps: usize) {
    let summary = case.try_run().unwrap_or_else(|failure| panic!("{failure}"));
    assert!(summary.runs.len() >= 2, "{summary}");
    assert!(
        summary
            .runs
            .iter()
            .all(|run| run.passed && run.steps_run == steps),
        "{summary}"
    );
    assert_eq!(
        Remote::dir(remote_dir.path()).len(),
        0,
        "every thing was destroyed"
    );
    eprintln!("{summary}");
}

#[test]
fn a_debug_binary_attached_through_reattach() {
    let remote_dir = tempfile::tempdir().unwrap();
    let case = short_lifecycle(ProviderSource::debug_binary(FIXTURE_BINARY), &remote_dir);
    assert_passed_everywhere(&case, &remote_dir, 3);
}

#[test]
fn a_binary_installed_from_a_filesystem_mirror_with_automtls() {
    let remote_dir = tempfile::tempdir().unwrap();
    let launches = tempfile::tempdir().unwrap();
    let launch_log = launches.path().join("launches");
    let case = full_lifecycle(
        ProviderSource::mirror(FIXTURE_BINARY, ADDRESS, "0.1.0"),
        &remote_dir,
    )
    .env(LAUNCH_LOG_ENV, launch_log.to_string_lossy());
    assert_passed_everywhere(&case, &remote_dir, 6);
    // Terraform started the provider itself, every time with a client certificate for AutoMTLS.
    let log = std::fs::read_to_string(&launch_log).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert!(lines.len() > 10, "{log}");
    assert!(lines.iter().all(|line| *line == "mtls"), "{log}");
}

#[test]
fn a_binary_that_does_not_start_is_reported_with_its_output() {
    // Without the remote directory's variable the fixture refuses to start.
    let failure = TestCase::new(ProviderSource::debug_binary(FIXTURE_BINARY))
        .step(Step::config(config("alpha", None, None)))
        .try_run()
        .unwrap_err();
    let report = failure.to_string();
    assert!(!failure.failures.is_empty(), "{report}");
    assert!(report.contains("setup: "), "{report}");
    assert!(
        report.contains(REMOTE_DIR_ENV),
        "the provider's stderr is shown:\n{report}"
    );
}
