//! Read: look the data up.

use crate::diag::Diagnostics;
use crate::value::SchemaValue;

/// What [`DataSource::read`](super::DataSource::read) gets.
pub struct ReadDataSourceRequest {
    pub config: SchemaValue,
}

/// What [`DataSource::read`](super::DataSource::read) returns.
pub struct ReadDataSourceResponse {
    /// Starts as the configuration; set every computed attribute.
    pub state: SchemaValue,
    pub diagnostics: Diagnostics,
}
