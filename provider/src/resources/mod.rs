//! The provider's resources, one module each, named as the user's docs name them: each opens with
//! what the resource manages and its lifecycle, then its model, schema and CRUD. What only one
//! resource needs (the schedule's deployment, drift and validators) lives in its folder beside it.

pub mod api_key;
pub mod ingestion_job;
pub mod schedule;
pub mod tenant_permissions;
