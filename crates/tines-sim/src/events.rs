//! The audit-log store: records kept oldest first, each serialized once when it is created.
//!
//! Pages are assembled by concatenating the stored JSON, which is what keeps the simulator far
//! faster than any client reading from it.

use std::ops::Range;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::value::RawValue;

/// One stored audit record and the fields the API filters on.
pub(crate) struct StoredEvent {
    pub id: u64,
    pub created_at: i64,
    pub user_id: u64,
    pub operation_name: Box<str>,
    pub json: Box<RawValue>,
}

/// An audit record as the API serializes it, in the documented field order.
#[derive(Serialize)]
pub(crate) struct AuditLog<'a> {
    pub id: u64,
    pub created_at: &'a str,
    pub updated_at: &'a str,
    pub operation_name: &'a str,
    pub inputs: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outputs: Option<serde_json::Value>,
    pub request_ip: &'a str,
    pub request_user_agent: &'a str,
    pub tenant_id: u64,
    pub user_email: &'a str,
    pub user_id: u64,
    pub user_name: &'a str,
    #[serde(skip_serializing_if = "StoryId::is_absent")]
    pub story_id: StoryId,
}

/// `story_id` is undocumented; whether it can be null or absent is unconfirmed, so the
/// simulator produces all three forms.
#[derive(Serialize, Clone, Copy)]
#[serde(untagged)]
pub(crate) enum StoryId {
    Present(u64),
    Null(()),
    #[serde(skip)]
    Absent,
}

impl StoryId {
    fn is_absent(&self) -> bool {
        matches!(self, StoryId::Absent)
    }
}

/// What an audit-log query selects, before paging.
pub(crate) struct Filter {
    pub after: Option<Timestamp>,
    pub after_inclusive: bool,
    pub before: Option<Timestamp>,
    pub user_ids: Vec<u64>,
    pub operation_names: Vec<String>,
}

#[derive(Default)]
pub(crate) struct EventStore {
    /// Sorted by (`created_at`, `id`).
    events: Vec<StoredEvent>,
    next_id: u64,
}

impl EventStore {
    pub fn new() -> Self {
        // Real ids are large integers; starting high catches clients that assume small ones.
        Self {
            events: Vec::new(),
            next_id: 19_990_840,
        }
    }

    pub fn allocate_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Adds records; they may be older than records already stored (a seed into the past).
    pub fn insert(&mut self, mut batch: Vec<StoredEvent>) {
        let appends_in_order = match (self.events.last(), batch.first()) {
            (Some(last), Some(first)) => (last.created_at, last.id) <= (first.created_at, first.id),
            _ => true,
        };
        batch.sort_by_key(|e| (e.created_at, e.id));
        self.events.append(&mut batch);
        if !appends_in_order {
            self.events.sort_by_key(|e| (e.created_at, e.id));
        }
    }

    pub fn ids(&self, range: Range<usize>) -> impl Iterator<Item = u64> + '_ {
        self.events[range].iter().map(|e| e.id)
    }

    /// The index range of records inside the time bounds, oldest first.
    pub fn time_range(
        &self,
        after: Option<Timestamp>,
        inclusive: bool,
        before: Option<Timestamp>,
    ) -> Range<usize> {
        let start = match after {
            None => 0,
            Some(after) => self.events.partition_point(|e| {
                let at = second_timestamp(e.created_at);
                if inclusive { at < after } else { at <= after }
            }),
        };
        let end = match before {
            None => self.events.len(),
            Some(before) => self
                .events
                .partition_point(|e| second_timestamp(e.created_at) < before),
        };
        start..end.max(start)
    }

    /// Indexes of the records the filter selects, oldest first.
    pub fn select(&self, filter: &Filter) -> Selection {
        let range = self.time_range(filter.after, filter.after_inclusive, filter.before);
        if filter.user_ids.is_empty() && filter.operation_names.is_empty() {
            return Selection::Contiguous(range);
        }
        let matching = range
            .filter(|&i| {
                let e = &self.events[i];
                (filter.user_ids.is_empty() || filter.user_ids.contains(&e.user_id))
                    && (filter.operation_names.is_empty()
                        || filter
                            .operation_names
                            .iter()
                            .any(|n| **n == *e.operation_name))
            })
            .collect();
        Selection::Sparse(matching)
    }

    pub fn json(&self, index: usize) -> &RawValue {
        &self.events[index].json
    }
}

fn second_timestamp(second: i64) -> Timestamp {
    Timestamp::from_second(second).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// Records selected by a query, oldest first.
pub(crate) enum Selection {
    Contiguous(Range<usize>),
    Sparse(Vec<usize>),
}

impl Selection {
    pub fn len(&self) -> usize {
        match self {
            Selection::Contiguous(range) => range.len(),
            Selection::Sparse(indexes) => indexes.len(),
        }
    }

    /// The store index of the `position`-th selected record, oldest first.
    pub fn get(&self, position: usize) -> usize {
        match self {
            Selection::Contiguous(range) => range.start + position,
            Selection::Sparse(indexes) => indexes[position],
        }
    }
}

impl StoredEvent {
    /// Serializes a record once, keeping the fields the API filters on beside it.
    pub fn new(created_at: i64, log: &AuditLog<'_>) -> serde_json::Result<Self> {
        Ok(Self {
            id: log.id,
            created_at,
            user_id: log.user_id,
            operation_name: log.operation_name.into(),
            json: serde_json::value::to_raw_value(log)?,
        })
    }
}
