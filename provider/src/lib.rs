//! The `tinesaudit` Terraform provider: the Tines side of the audit-log pipeline in code review.
//!
//! Built on `tfplugin-framework`: every resource and data source is a plain serde model, a schema and
//! handlers; the framework turns them into the plugin protocol. All Tines traffic goes through
//! `tines-client`; AWS traffic goes through one module per service under `aws/`. The job file and
//! the runner's state object are the contract crate's types (`tinesaudit-job`).
//!
//! | where | what |
//! |---|---|
//! | `provider.rs` | `provider "tinesaudit"`: its schema, and configure (settings, environment fallbacks) |
//! | `clients.rs` | what configure hands to resources: the Tines client, AWS access, per-user locks |
//! | `resources/` | one module per resource; `ingestion_job/` and `schedule/` are folders with their helpers |
//! | `data_sources/` | one module per data source |
//! | `aws/` | one thin wrapper per AWS service (Secrets Manager, S3, IAM, Lambda, Scheduler) and what they share |
//! | `validators.rs` | validators shared by resources and data sources: S3 names, RFC 3339 times |
//! | `tines/` | Tines' published permission names, and its errors as diagnostics users can act on |
//!
//! **Architecture invariants:** resources never see msgpack, prost or gRPC types (only the framework's);
//! only `tines-client` builds Tines URLs; the provider never imports the runner. Secrets (the provider's
//! key, a managed key's value) are never formatted into a diagnostic or a log line, and the AWS SDK runs
//! with logging switched off, because at trace level it would print request bodies.

mod aws;
mod clients;
mod data_sources;
mod provider;
mod resources;
mod tines;
mod validators;

pub use provider::{ADDRESS, TYPE_NAME, TinesAuditProvider};
pub use resources::schedule::package::{
    Architecture, BOOTSTRAP_FILE_NAME, Package, RunnerPackages,
};
pub use tines::permissions::KNOWN_PERMISSIONS;
