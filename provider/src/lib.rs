//! The `tinesaudit` Terraform provider: the Tines side of the audit-log pipeline in code review.
//!
//! Built on `tfplugin-framework`: every resource and data source is a plain serde model, a schema and
//! handlers; the framework turns them into the plugin protocol. All Tines traffic goes through
//! `tines-client`; AWS traffic goes through one module per service (`secret_store.rs`, `s3.rs`,
//! `iam_roles.rs`, `lambda_functions.rs`, `schedules.rs`).
//!
//! | file | what |
//! |---|---|
//! | `provider.rs` | `provider "tinesaudit"`: its schema, and configure (settings, environment fallbacks) |
//! | `clients.rs` | what configure hands to resources: the Tines client, AWS access, per-user locks |
//! | `tines_errors.rs` | Tines client errors as diagnostics users can act on (SCIM, not a tenant owner, ...) |
//! | `aws_calls.rs` | what the AWS modules share: quiet SDK calls, one error type, ARNs, managed-by tags |
//! | `secret_store.rs` | AWS Secrets Manager: where `tinesaudit_api_key` keeps the key |
//! | `s3.rs` | S3 naming rules, `s3://` URLs, and the object calls for the job file and the runner's state |
//! | `iam_roles.rs` | AWS IAM: the roles `tinesaudit_schedule` creates, with their inline policies |
//! | `lambda_functions.rs` | AWS Lambda: the runner's function, and waiting for Lambda's asynchronous changes |
//! | `schedules.rs` | EventBridge Scheduler: the schedule that invokes the function |
//! | `runner_job.rs` | the runner's job file in S3: the function's timeout and least-privilege policy from it |
//! | `runner_package.rs` | the runner's deployment zip, built deterministically around the shipped bootstrap |
//! | `schedule_expression.rs` | `rate(...)`, `cron(...)` and `at(...)` checked at plan time |
//! | `permissions.rs` | the published tenant-permission names and the validator that warns on others |
//! | `tenant_permissions_resource.rs` | resource `tinesaudit_tenant_permissions` |
//! | `api_key_resource.rs` | resource `tinesaudit_api_key` |
//! | `ingestion_job_resource.rs` | resource `tinesaudit_ingestion_job` |
//! | `schedule_resource.rs` | resource `tinesaudit_schedule` |
//! | `user_data_source.rs` | data source `tinesaudit_user` |
//! | `users_data_source.rs` | data source `tinesaudit_users` |
//! | `tenant_data_source.rs` | data source `tinesaudit_tenant` |
//! | `audit_logs_data_source.rs` | data source `tinesaudit_audit_logs` |
//! | `secops_reader_policy_data_source.rs` | data source `tinesaudit_secops_reader_policy` |
//!
//! **Architecture invariants:** resources never see msgpack, prost or gRPC types (only the framework's);
//! only `tines-client` builds Tines URLs; the provider never imports the runner. Secrets (the provider's
//! key, a managed key's value) are never formatted into a diagnostic or a log line, and the AWS SDK runs
//! with logging switched off, because at trace level it would print request bodies.

mod api_key_resource;
mod audit_logs_data_source;
mod aws_calls;
mod clients;
mod iam_roles;
mod ingestion_job_resource;
mod lambda_functions;
mod permissions;
mod provider;
mod runner_job;
mod runner_package;
mod s3;
mod schedule_expression;
mod schedule_resource;
mod schedules;
mod secops_reader_policy_data_source;
mod secret_store;
mod tenant_data_source;
mod tenant_permissions_resource;
mod tines_errors;
mod user_data_source;
mod users_data_source;

pub use permissions::KNOWN_PERMISSIONS;
pub use provider::{ADDRESS, TYPE_NAME, TinesAuditProvider};
pub use runner_package::{BOOTSTRAP_FILE_NAME, Package, RunnerPackages};
