//! The runner's state object: how far delivery has come, the window in flight, and the lease.
//!
//! The runner owns it (every change a compare-and-swap on its ETag); the provider reads
//! `position.created_at` for `tinesaudit_ingestion_job`'s `last_checkpoint`.

use std::collections::BTreeSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// The shape's version, written into every state object.
pub const STATE_VERSION: u32 = 1;

/// Where delivery stands: every record created before `created_at` is delivered, and of the
/// records created in that very second, exactly `delivered_ids`.
///
/// Keeping the ids of the boundary second is what makes the next query safe whether Tines
/// treats `after` as strict or inclusive: the runner asks for the whole second again and drops
/// what it already delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Position {
    pub created_at: Timestamp,
    pub delivered_ids: BTreeSet<u64>,
}

impl Position {
    /// Nothing delivered at or after `second`.
    pub fn start_of(second: Timestamp) -> Self {
        Self {
            created_at: whole_second(second),
            delivered_ids: BTreeSet::new(),
        }
    }

    /// Whether a record is already behind this position.
    pub fn covers(&self, created_at: Timestamp, id: u64) -> bool {
        created_at < self.created_at
            || (created_at == self.created_at && self.delivered_ids.contains(&id))
    }

    /// Moves past one more delivered record; records must come oldest first.
    pub fn pass(&mut self, created_at: Timestamp, id: u64) {
        if created_at > self.created_at {
            self.created_at = created_at;
            self.delivered_ids.clear();
        }
        self.delivered_ids.insert(id);
    }

    /// Whether `other` has delivered something this position has not.
    pub fn is_behind(&self, other: &Position) -> bool {
        self.created_at < other.created_at
            || (self.created_at == other.created_at
                && !self.delivered_ids.is_superset(&other.delivered_ids))
    }
}

pub fn whole_second(at: Timestamp) -> Timestamp {
    Timestamp::from_second(at.as_second()).unwrap_or(at)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lease {
    pub owner: String,
    pub expires_at: Timestamp,
}

/// A window as a person asked for it. `to: None` means "up to what has settled".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestedWindow {
    pub from: Timestamp,
    pub to: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    pub version: u32,
    pub position: Position,
    /// The frozen end of the window being delivered, recorded before its first object is
    /// written so that a rerun after a crash cuts exactly the same objects.
    pub window_end: Option<Timestamp>,
    pub lease: Option<Lease>,
    pub updated_at: Timestamp,
    /// The tenant whose records `position` counts: another tenant's checkpoint would skip records.
    /// A state written before this was recorded takes the tenant of the next run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant: Option<String>,
    /// For a backfill's state object, the window it was asked for: a rerun with the same
    /// request resumes it, another request starts over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backfill: Option<RequestedWindow>,
}

impl State {
    /// A fresh state of `tenant`: nothing delivered from `start` on, no window, no lease.
    pub fn new(tenant: &str, start: Timestamp) -> Self {
        Self {
            version: STATE_VERSION,
            position: Position::start_of(start),
            window_end: None,
            lease: None,
            updated_at: start,
            tenant: Some(tenant.to_owned()),
            backfill: None,
        }
    }
}
