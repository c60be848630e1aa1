//! The provider's data sources, one module each, named as the user's docs name them.

pub mod audit_logs;
pub mod secops_reader_policy;
pub mod tenant;
pub mod user;
pub mod users;
