//! Acceptance tests for Terraform providers, in the spirit of HashiCorp's terraform-plugin-testing: a
//! [`TestCase`] runs [`Step`]s of HCL through real Terraform CLIs — those given to
//! [`TestCase::clis`], else every one `TF_ACC_TERRAFORM_PATH` names (separated like `PATH`), else the
//! `terraform` on `PATH` — each in its own scratch directory, in parallel, and fails with a report naming
//! the CLI version, the step, the command and its full output. It knows nothing of any one provider
//! or project.
//!
//! # Writing a case
//!
//! ```no_run
//! use tfplugin_harness::{Action, PlanCheck, ProviderSource, StateCheck, Step, TestCase};
//! use tfplugin_proto::ProviderServer;
//!
//! const CONFIG: &str = r#"
//! terraform {
//!   required_providers {
//!     example = { source = "example/example" }
//!   }
//! }
//! resource "example_thing" "a" {
//!   name = "alpha"
//! }
//! "#;
//!
//! fn thing_lifecycle<P: ProviderServer>(new_provider: impl Fn() -> P + Send + Sync + 'static) {
//!     TestCase::new(ProviderSource::in_process("registry.terraform.io/example/example", new_provider))
//!         // plan -> plan checks -> apply -> state checks -> the plan must be empty, also after a refresh
//!         .step(
//!             Step::config(CONFIG)
//!                 .plan_check(PlanCheck::action("example_thing.a", Action::Create))
//!                 .plan_check(PlanCheck::unknown("example_thing.a", "id"))
//!                 .state_check(StateCheck::attr("example_thing.a", "name", "alpha")),
//!         )
//!         // import by the `id` in the state; the result must equal what was applied
//!         .step(Step::import("example_thing.a").verify_ignoring(&["password"]))
//!         // drift: delete the remote object behind Terraform's back, then expect a plan to create it again
//!         .step(
//!             Step::plan_only(CONFIG)
//!                 .pre_config(|ctx| {
//!                     let id = ctx.state()?.attr_str("example_thing.a", "id")?;
//!                     // ... delete the object with this id through the API ...
//!                     # let _ = id;
//!                     Ok(())
//!                 })
//!                 .expect_non_empty_plan()
//!                 .plan_check(PlanCheck::drift("example_thing.a", Action::Delete))
//!                 .plan_check(PlanCheck::action("example_thing.a", Action::Create)),
//!         )
//!         // a value the provider rejects: the step must fail with a matching error
//!         .step(Step::config(CONFIG.replace("alpha", "-bad-")).expect_error(r#"(?i)invalid name "-bad-""#))
//!         // a write-only attribute (Terraform 1.11+): required to fail on older CLIs, applied on the others
//!         .step(
//!             Step::config(CONFIG.replace("name = \"alpha\"", "name = \"alpha\"\n  password_wo = \"x\""))
//!                 .expect_error_below(1, 11, "write-only|Unsupported argument"),
//!         )
//!         // only where `terraform_data` exists (1.4+)
//!         .step(
//!             Step::config(format!("{CONFIG}\nresource \"terraform_data\" \"d\" {{}}\n"))
//!                 .min_version(1, 4),
//!         )
//!         // after the steps: terraform destroy, then this check
//!         .check_destroy(|ctx| {
//!             let id = ctx.state()?.attr_str("example_thing.a", "id")?;
//!             // ... return Err(...) if the API still has an object with this id ...
//!             # let _ = id;
//!             Ok(())
//!         })
//!         .run(); // panics with the full report of every CLI that failed
//! }
//! ```
//!
//! # Provider sources
//!
//! * [`ProviderSource::in_process`]: any [`ProviderServer`](tfplugin_proto::ProviderServer) served inside
//!   the test process in debug mode, attached with `TF_REATTACH_PROVIDERS` — the fastest, and hooks can
//!   share memory with the provider.
//! * [`ProviderSource::debug_binary`]: a provider binary started with `--debug`, attached the same way.
//! * [`ProviderSource::mirror`]: a provider binary installed into a filesystem mirror and
//!   `terraform init -plugin-dir`; Terraform launches it for every command, with AutoMTLS, as for a real
//!   install. Use it for at least one full lifecycle.
//!
//! # Steps
//!
//! | step | runs | then |
//! |---|---|---|
//! | [`Step::config`] | `init` (first, and when modules or providers may have changed), `plan -out`, plan checks, `apply` | state checks; `plan -refresh=false` and a refreshing `plan` must be empty (or non-empty with [`Step::expect_non_empty_plan`]) |
//! | [`Step::plan_only`] | `plan -out` | plan checks; the plan must be empty (or not) |
//! | [`Step::refresh`] | `apply -refresh-only` | state checks; `plan`: plan checks, must be empty (or not) |
//! | [`Step::import`] | `terraform import` in a separate directory (or an `import` block and `plan` on 1.5+) | state checks on the imported state; [`Step::verify`] compares it with the applied one |
//!
//! Any step can have a [`pre_config`](Step::pre_config) hook (e.g. to change the remote object: a drift
//! test), expect an error ([`Step::expect_error`], [`Step::expect_error_below`]), or be limited to newer
//! CLIs ([`Step::min_version`]). After the steps the harness runs `terraform destroy` and the case's
//! [`check_destroy`](TestCase::check_destroy).
//!
//! Every command runs with an explicit, empty CLI configuration, `CHECKPOINT_DISABLE=1`, no `TF_*` variables
//! from the caller (give them with [`TestCase::env`], e.g. `TF_LOG`), `-no-color` and `-input=false`.
//!
//! Run cases from plain `#[test]` functions: the harness runs its own tokio runtime for in-process
//! providers, and runs CLIs in threads (so hooks must tolerate running concurrently for different CLIs, or
//! the case must be [`sequential`](TestCase::sequential)).

mod check;
mod cli;
mod error;
mod json;
mod run;
mod source;
mod step;
mod terraform;

pub use check::{Action, PlanCheck, StateCheck};
pub use cli::{TERRAFORM_PATH_ENV, TerraformCli};
pub use error::{BoxError, CaseFailure, CliFailure, Phase};
pub use json::{CheckError, Plan, State};
pub use run::{Context, RunSummary, Summary, TestCase};
pub use source::ProviderSource;
pub use step::Step;
pub use terraform::CommandOutput;
