//! Acceptance tests: real Terraform CLIs (every installed one) against the provider, the Tines simulator and
//! moto (and SeaweedFS for S3), through `tfplugin-harness`.
//!
//! The cases run their CLIs one after another (`sequential`) against one simulator, and the first step of
//! each run starts from a reset simulator with fixed keys: Terraform configurations are the same for every
//! CLI, so every run must find the same tenant.
//!
//! | module | what |
//! |---|---|
//! | `tenant_permissions` | create → empty plan; import-verify; drift re-add; authoritative vs not; user deleted |
//! | `aws_production` | the quickstart's resources through a proxy answering as production AWS does (throttling, role propagation, Lambda's Pending/InProgress): create, a provider upgrade, a trust policy repaired, destroy, on 1.11+ |
//! | `bad_input` | the bad-input table's HCL rows (`docs/bad-input.md`): each refused at validate under its attribute, on every CLI |
//! | `api_key` | store, import-verify, rotation, revoked key, on `secret_wo` (1.11+) and `secret` (every CLI) |
//! | `schedule` | `tinesaudit_schedule` on moto and SeaweedFS: lifecycle, runner upgrade, every drift, import-verify, given vs created roles, nothing left after destroy |
//! | `data_sources` | the four data sources in one configuration |
//! | `ingestion_job` | the job file: create, update, drift (edited, deleted), the runner's checkpoint on refresh, import-verify, refused applies; the reader policy |
//! | `read_only` | a read-only attribute set on a resource and on a data source: refused at validate, under its line |
//! | `examples` | every file in `examples/` passes `terraform validate` (1.11+) |
//! | `saved_plans` | the owner and pipeline keys in saved plans and state: nowhere on 1.11+ (ephemeral variables, `secret_wo`); where 1.0 keeps them |
//! | `secret_leak` | the provider binary launched by Terraform at `TF_LOG=trace`: no key in any file of the run |

mod api_key;
mod aws_production;
mod bad_input;
mod data_sources;
mod examples;
mod ingestion_job;
mod read_only;
mod saved_plans;
mod schedule;
mod secret_leak;
mod support;
mod tenant_permissions;
