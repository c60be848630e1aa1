//! One audit record as it travels from a Tines page to an S3 object.

use jiff::Timestamp;
use serde_json::value::RawValue;

/// The record's bytes exactly as Tines sent them, plus the two fields the runner orders and
/// deduplicates on.
#[derive(Debug, Clone)]
pub struct Record {
    pub id: u64,
    pub created_at: Timestamp,
    pub json: Box<RawValue>,
}

impl Record {
    /// The order records are delivered in: oldest first, ties broken by id.
    pub fn sort_key(&self) -> (Timestamp, u64) {
        (self.created_at, self.id)
    }
}
