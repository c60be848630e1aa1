//! The harness against a real provider (the fixture, served in-process) on every installed CLI: what a
//! correct provider passes, and what the harness must catch.

#[path = "fixture/provider.rs"]
mod fixture;

use fixture::{ADDRESS, Fixture, RESOURCE, Remote};
use tfplugin_harness::{Action, PlanCheck, ProviderSource, StateCheck, Step, TestCase};

const THING: &str = "fixture_thing.a";

/// A configuration with one `fixture_thing.a`.
fn config(name: &str, note: Option<&str>, secret: Option<&str>) -> String {
    let mut attributes = format!("  name = {name:?}\n");
    if let Some(note) = note {
        attributes.push_str(&format!("  note = {note:?}\n"));
    }
    if let Some(secret) = secret {
        attributes.push_str(&format!("  secret = {secret:?}\n"));
    }
    format!(
        r#"terraform {{
  required_providers {{
    fixture = {{ source = "tinesaudit/fixture" }}
  }}
}}

resource "{RESOURCE}" "a" {{
{attributes}}}
"#
    )
}

fn in_process(remote: &Remote) -> ProviderSource {
    let remote = remote.clone();
    ProviderSource::in_process(ADDRESS, move || Fixture::new(remote.clone()))
}

/// The destroy check: the object the state named is gone from the remote.
fn gone(
    remote: &Remote,
) -> impl Fn(&tfplugin_harness::Context<'_>) -> Result<(), tfplugin_harness::BoxError>
+ Send
+ Sync
+ 'static {
    let remote = remote.clone();
    move |ctx| {
        let id = ctx.state()?.attr_str(THING, "id")?;
        match remote.get(id) {
            None => Ok(()),
            Some(thing) => Err(format!("thing {id} still exists: {thing:?}").into()),
        }
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
                .plan_check(PlanCheck::empty()),
        )
        .check_destroy(gone(&remote))
        .try_run()
        .unwrap_or_else(|failure| panic!("{failure}"));
    assert!(summary.runs.len() >= 2, "{summary}");
    assert!(
        summary.runs.iter().all(|r| r.passed && r.steps_run == 6),
        "{summary}"
    );
    assert_eq!(remote.len(), 0, "every thing was destroyed");
}
