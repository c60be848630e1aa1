//! The framework through real Terraform: the `testfw` example provider (`examples/testprovider/`) driven by
//! `tfplugin-harness` on every installed CLI (1.0.3, 1.15 and the `terraform` on PATH), served in-process
//! through `TF_REATTACH_PROVIDERS`, and once per CLI installed from a filesystem mirror with AutoMTLS.
//!
//! | module | what |
//! |---|---|
//! | `lifecycle` | create, in-place update, replace, import-verify (command and block), no-op plan, data source |
//! | `drift` | remote delete ("has been deleted", then a create) and remote change (an update back) |
//! | `validation` | errors under the attribute's line; read-only attributes refused (resource and data source); write-only on 1.11+ and a clear error on 1.0.3 |
//! | `upgrade` | a hand-written schema-version-0 state upgraded to version 1 |
//! | `mirror` | a full lifecycle with the provider binary Terraform launches itself; `providers schema -json` |
//!
//! The provider's "remote system" is a JSON file (`store_path`). In-process cases share one file across
//! CLIs: the store's lock is in this process, and IDs are unique. Hooks change it through the same `Store`.

#[path = "../../examples/testprovider/echo.rs"]
mod echo;
#[path = "../../examples/testprovider/provider.rs"]
mod provider;
#[path = "../../examples/testprovider/store.rs"]
mod store;
#[path = "../../examples/testprovider/thing.rs"]
mod thing;

mod drift;
mod lifecycle;
mod mirror;
mod upgrade;
mod validation;

use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use tfplugin_framework::FrameworkServer;
use tfplugin_harness::{BoxError, Context, PlanCheck, ProviderSource, StateCheck, Summary};
use tinesaudit_testkit::ScratchDir;

use crate::provider::TestProvider;
use crate::store::Store;

pub const ADDRESS: &str = "registry.terraform.io/tinesaudit/testfw";
/// The one resource every configuration has.
pub const THING: &str = "testfw_thing.a";

/// A store file in a scratch directory of its own, removed with it.
pub struct TestStore {
    _dir: ScratchDir,
    path: PathBuf,
}

impl Default for TestStore {
    fn default() -> TestStore {
        TestStore::new()
    }
}

impl TestStore {
    pub fn new() -> TestStore {
        let dir = ScratchDir::new("testfw-store").expect("scratch dir");
        let path = dir.path().join("store.json");
        TestStore { _dir: dir, path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn store(&self) -> Store {
        Store::new(self.path.clone())
    }

    /// A configuration of the provider on this store and one `testfw_thing.a` with `attributes` (HCL lines),
    /// followed by `extra` (more blocks).
    pub fn config(&self, attributes: &[&str], extra: &str) -> String {
        config(self.path(), attributes, extra)
    }
}

pub fn config(store: &Path, attributes: &[&str], extra: &str) -> String {
    let store = store.to_str().expect("a UTF-8 path");
    let mut body = String::new();
    for line in attributes {
        body.push_str("  ");
        body.push_str(line);
        body.push('\n');
    }
    format!(
        r#"terraform {{
  required_providers {{
    testfw = {{ source = "tinesaudit/testfw" }}
  }}
}}

provider "testfw" {{
  store_path = {store:?}
}}

resource "testfw_thing" "a" {{
{body}}}
{extra}"#
    )
}

/// The example provider served in-process, a fresh instance per CLI.
pub fn in_process() -> ProviderSource {
    ProviderSource::in_process(ADDRESS, || FrameworkServer::new(TestProvider))
}

/// The destroy check: the thing the state named is gone from the store. A state without it (a CLI on which
/// the first step was expected to fail) has nothing to check.
pub fn gone(store: Store) -> impl Fn(&Context<'_>) -> Result<(), BoxError> + Send + Sync + 'static {
    move |ctx| {
        let state = ctx.state()?;
        if state.resource(THING).is_none() {
            return Ok(());
        }
        let id = state.attr_str(THING, "id")?;
        match store.get(id)? {
            None => Ok(()),
            Some(thing) => Err(format!("{id} still exists in the store: {thing:?}").into()),
        }
    }
}

/// Every CLI ran every step (or skipped the ones limited to newer CLIs) and passed.
pub fn assert_passed(summary: &Summary, steps: usize) {
    eprintln!("{summary}");
    assert!(!summary.runs.is_empty(), "{summary}");
    for run in &summary.runs {
        assert!(run.passed, "{summary}");
        assert_eq!(run.steps_run + run.steps_skipped, steps, "{summary}");
    }
}

/// Terraform 1.0 is among the CLIs, and one from 1.11 on: the cases below claim to cover both.
pub fn assert_old_and_new(summary: &Summary) {
    assert!(
        summary.runs.iter().any(|r| r.version.starts_with("1.0.")),
        "{summary}"
    );
    assert!(
        summary.runs.iter().any(|r| {
            let minor = r
                .version
                .split('.')
                .nth(1)
                .and_then(|m| m.parse::<u64>().ok());
            r.version.starts_with("1.") && minor.is_some_and(|m| m >= 11)
        }),
        "{summary}"
    );
}

/// The value at `key` of a plan's `after` is null or absent (write-only attributes).
pub fn planned_null(address: &'static str, key: &'static str) -> PlanCheck {
    PlanCheck::custom(&format!("{address}.{key} is planned null"), move |plan| {
        let change = plan.change(address)?;
        match change["after"].get(key) {
            None | Some(Json::Null) => Ok(()),
            Some(v) => Err(format!("{key} is planned as {v}").into()),
        }
    })
}

/// The attribute is null or absent in the state.
pub fn null_in_state(address: &'static str, key: &'static str) -> StateCheck {
    StateCheck::custom(&format!("{address}.{key} is null"), move |state| {
        let values = state
            .resource(address)
            .ok_or_else(|| format!("{address} is not in the state"))?;
        match values.get(key) {
            None | Some(Json::Null) => Ok(()),
            Some(v) => Err(format!("{key} is {v} in the state").into()),
        }
    })
}

/// An update in place that keeps `id` known (use_state_for_unknown) and leaves `updated_at` unknown.
pub fn id_kept(address: &'static str) -> PlanCheck {
    PlanCheck::custom(
        &format!("{address}.id is known and unchanged"),
        move |plan| {
            let change = plan.change(address)?;
            if change["after_unknown"]["id"] == Json::Bool(true) {
                return Err("id is unknown in the plan".into());
            }
            let (before, after) = (&change["before"]["id"], &change["after"]["id"]);
            if before.is_string() && before == after {
                Ok(())
            } else {
                Err(format!("id is planned as {after}, was {before}").into())
            }
        },
    )
}
