//! The example provider as a real binary installed from a filesystem mirror: Terraform launches it for
//! every command, with AutoMTLS. One case per CLI (each provider process writes the store on its own, so
//! every CLI gets a store of its own), run in parallel. The same working directory then answers
//! `terraform providers schema -json`.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value as Json;
use tfplugin_harness::{Action, BoxError, PlanCheck, ProviderSource, StateCheck, Step, TestCase};
use tinesaudit_testkit::test_case;
use tinesaudit_testkit::{TerraformCli, Tools};

use crate::{ADDRESS, THING, TestStore, assert_passed, gone};

const PROVIDER_BINARY: &str = env!("CARGO_BIN_EXE_tfplugin-framework-testprovider");

/// Every attribute of `testfw_thing`: the schema check also fails on one it does not know.
const THING_ATTRIBUTES: [&str; 7] = [
    "id",
    "name",
    "note",
    "tags",
    "secret_wo",
    "secret_wo_version",
    "updated_at",
];

fn lifecycle(cli: TerraformCli, store: &TestStore) -> TestCase {
    let first = store.config(&["name = \"alpha\"", "note = \"first\""], "");
    let second = store.config(&["name = \"alpha\"", "note = \"second\""], "");
    let last = store.config(
        &[
            "name = \"beta\"",
            "note = \"second\"",
            "tags = { env = \"test\" }",
        ],
        "",
    );
    let deleter = store.store();
    test_case(ProviderSource::mirror(PROVIDER_BINARY, ADDRESS, "0.1.0"))
        .clis(vec![cli])
        .step(
            Step::config(&first)
                .plan_check(PlanCheck::action(THING, Action::Create))
                .state_check(StateCheck::attr(THING, "note", "first")),
        )
        .step(
            Step::config(&second)
                .pre_config(|ctx| check_schema(ctx.cli(), ctx.work_dir()))
                .plan_check(PlanCheck::action(THING, Action::Update))
                .plan_check(crate::id_kept(THING)),
        )
        .step(Step::config(&last).plan_check(PlanCheck::action(THING, Action::Replace)))
        .step(Step::import(THING).verify())
        .step(
            Step::plan_only(&last)
                .pre_config(move |ctx| {
                    let id = ctx.state()?.attr_str(THING, "id")?;
                    Ok(deleter.delete(id)?)
                })
                .expect_non_empty_plan()
                .plan_check(PlanCheck::drift(THING, Action::Delete))
                .plan_check(PlanCheck::action(THING, Action::Create)),
        )
        .step(Step::config(&last).state_check(StateCheck::attr(THING, "name", "beta")))
        .check_destroy(gone(store.store()))
}

#[test]
fn a_full_lifecycle_with_the_provider_binary_from_a_filesystem_mirror() {
    let clis = Tools::locate()
        .and_then(|tools| tools.terraform_clis())
        .expect("the Terraform CLIs");
    assert!(clis.len() >= 2, "{clis:?}");
    let summaries: Vec<_> = std::thread::scope(|scope| {
        let runs: Vec<_> = clis
            .into_iter()
            .map(|cli| {
                scope.spawn(move || {
                    let store = TestStore::new();
                    lifecycle(cli, &store).try_run()
                })
            })
            .collect();
        runs.into_iter()
            .map(|run| run.join().expect("the run panicked"))
            .collect()
    });
    for summary in summaries {
        let summary = summary.unwrap_or_else(|failure| panic!("{failure}"));
        assert_passed(&summary, 6);
    }
}

/// `terraform providers schema -json` in the initialised working directory lists every attribute of
/// `testfw_thing` with a description, and no other.
fn check_schema(cli: &TerraformCli, work_dir: &Path) -> Result<(), BoxError> {
    let output = cli
        .command("/dev/null")
        .args(["providers", "schema", "-json"])
        .current_dir(work_dir)
        .output()?;
    if !output.status.success() {
        return Err(format!(
            "terraform providers schema -json failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let schema: Json = serde_json::from_slice(&output.stdout)?;
    let provider = &schema["provider_schemas"][ADDRESS];
    let thing = &provider["resource_schemas"]["testfw_thing"];
    if thing["version"] != 1 {
        return Err(format!("testfw_thing has schema version {}", thing["version"]).into());
    }
    let attributes = thing["block"]["attributes"]
        .as_object()
        .ok_or_else(|| format!("no testfw_thing attributes in {schema}"))?;
    let names: BTreeSet<&str> = attributes.keys().map(String::as_str).collect();
    if names != BTreeSet::from(THING_ATTRIBUTES) {
        return Err(format!(
            "testfw_thing has attributes {names:?}, expected {THING_ATTRIBUTES:?}"
        )
        .into());
    }
    let undescribed: Vec<&str> = attributes
        .iter()
        .filter(|(_, a)| a["description"].as_str().is_none_or(str::is_empty))
        .map(|(name, _)| name.as_str())
        .collect();
    let mut undescribed: Vec<String> = undescribed
        .iter()
        .map(|n| format!("testfw_thing.{n}"))
        .collect();
    for (kind, block) in [
        ("provider", &provider["provider"]["block"]),
        (
            "testfw_echo",
            &provider["data_source_schemas"]["testfw_echo"]["block"],
        ),
    ] {
        for (name, a) in block["attributes"].as_object().into_iter().flatten() {
            if a["description"].as_str().is_none_or(str::is_empty) {
                undescribed.push(format!("{kind}.{name}"));
            }
        }
    }
    if !undescribed.is_empty() {
        return Err(format!("attributes without a description: {undescribed:?}").into());
    }
    let description = thing["block"]["description"].as_str().unwrap_or_default();
    if !description.contains("test store") {
        return Err(format!("testfw_thing is described as {description:?}").into());
    }
    // Terraform 1.11 and later know write-only attributes and show them as such.
    if cli.at_least(1, 11) && attributes["secret_wo"]["write_only"] != true {
        return Err(format!("secret_wo is not write-only: {}", attributes["secret_wo"]).into());
    }
    if attributes["secret_wo"]["sensitive"] != true {
        return Err(format!("secret_wo is not sensitive: {}", attributes["secret_wo"]).into());
    }
    Ok(())
}
