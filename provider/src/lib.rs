//! The `tinesaudit` Terraform provider: the Tines side of the audit-log pipeline in code review.
//!
//! Built on `tfplugin-framework`: every resource and data source is a plain serde model, a schema and
//! handlers; the framework turns them into the plugin protocol. All Tines traffic goes through
//! `tines-client`, all AWS traffic through `secret_store.rs` and `s3.rs`.
//!
//! | file | what |
//! |---|---|
//! | `provider.rs` | `provider "tinesaudit"`: its schema, and configure (settings, environment fallbacks) |
//! | `clients.rs` | what configure hands to resources: the Tines client, AWS access, per-user locks |
//! | `tines_errors.rs` | Tines client errors as diagnostics users can act on (SCIM, not a tenant owner, ...) |
//! | `secret_store.rs` | AWS Secrets Manager: where `tinesaudit_api_key` keeps keys |
//! | `s3.rs` | S3 naming rules, and the job file's object calls |
//! | `permissions.rs` | the published tenant-permission names and the validator that warns on others |
//! | `tenant_permissions_resource.rs` | resource `tinesaudit_tenant_permissions` |
//! | `api_key_resource.rs` | resource `tinesaudit_api_key` |
//! | `ingestion_job_resource.rs` | resource `tinesaudit_ingestion_job` |
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
mod clients;
mod ingestion_job_resource;
mod permissions;
mod provider;
mod s3;
mod secops_reader_policy_data_source;
mod secret_store;
mod tenant_data_source;
mod tenant_permissions_resource;
mod tines_errors;
mod user_data_source;
mod users_data_source;

pub use permissions::KNOWN_PERMISSIONS;
pub use provider::{ADDRESS, TYPE_NAME, TinesAuditProvider};
