//! The state object: how far delivery has come, the window in flight, and the lease.
//!
//! Every change goes through a compare-and-swap on the object's ETag, so a run that lost its
//! lease (paused past expiry, or a second copy started by a duplicate delivery) can never move
//! the checkpoint, and the checkpoint can never move backwards.

use std::collections::BTreeSet;
use std::time::Duration;

use bytes::Bytes;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::store::{Created, ObjectStore, StoreError, Swapped};

const STATE_VERSION: u32 = 1;

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

    fn is_behind(&self, other: &Position) -> bool {
        self.created_at < other.created_at
            || (self.created_at == other.created_at
                && !self.delivered_ids.is_superset(&other.delivered_ids))
    }
}

/// Tenant URLs as people write them: the host's case and a trailing slash make no difference.
fn same_tenant(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
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
}

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "another run changed the state object s3://{bucket}/{key}; this run lost its lease and stopped without moving the checkpoint"
    )]
    LeaseLost { bucket: String, key: String },
    #[error("the state object s3://{bucket}/{key} is not a valid tinesaudit state: {detail}")]
    Unreadable {
        bucket: String,
        key: String,
        detail: String,
    },
    #[error(
        "the state object s3://{bucket}/{key} holds the checkpoint of tenant {recorded}, not of {configured}; \
         moving on from it would skip {configured}'s records. Give this job a state key of its own, or \
         delete the object to start from the lookback"
    )]
    OtherTenant {
        bucket: String,
        key: String,
        recorded: String,
        configured: String,
    },
    #[error("refusing to move the checkpoint backwards (from {from} to {to})")]
    Regression { from: Timestamp, to: Timestamp },
}

/// What happened when a run asked for the lease.
pub enum Acquired {
    Held(Box<Checkpoint>),
    /// Another run holds an unexpired lease; this run should do nothing.
    Busy(Lease),
}

/// The state object, held under this run's lease.
pub struct Checkpoint {
    store: ObjectStore,
    key: String,
    etag: String,
    state: State,
    owner: String,
    lease_for: Duration,
}

impl Checkpoint {
    /// Reads the state of `tenant` (creating it from `first_position` on a first run) and takes the
    /// lease.
    pub async fn acquire(
        store: ObjectStore,
        key: &str,
        tenant: &str,
        owner: &str,
        lease_for: Duration,
        first_position: impl FnOnce() -> Position,
    ) -> Result<Acquired, CheckpointError> {
        let now = Timestamp::now();
        let lease = Lease {
            owner: owner.to_owned(),
            expires_at: now + lease_for,
        };
        let Some(current) = store.get(key).await? else {
            let state = State {
                version: STATE_VERSION,
                position: first_position(),
                window_end: None,
                lease: Some(lease),
                updated_at: now,
                tenant: Some(tenant.to_owned()),
            };
            return match store
                .create(key, encode(&state), "application/json")
                .await?
            {
                Created::New { etag } => Ok(Acquired::Held(Box::new(Self::held(
                    store, key, etag, state, owner, lease_for,
                )))),
                // Another first run created it a moment ago: it holds the lease now.
                Created::AlreadyExists => Err(CheckpointError::LeaseLost {
                    bucket: store.bucket().to_owned(),
                    key: key.to_owned(),
                }),
            };
        };
        let mut state: State =
            serde_json::from_slice(&current.body).map_err(|e| CheckpointError::Unreadable {
                bucket: store.bucket().to_owned(),
                key: key.to_owned(),
                detail: e.to_string(),
            })?;
        if state.version != STATE_VERSION {
            return Err(CheckpointError::Unreadable {
                bucket: store.bucket().to_owned(),
                key: key.to_owned(),
                detail: format!(
                    "version {} is not the supported version {STATE_VERSION}",
                    state.version
                ),
            });
        }
        match &state.tenant {
            Some(recorded) if !same_tenant(recorded, tenant) => {
                return Err(CheckpointError::OtherTenant {
                    bucket: store.bucket().to_owned(),
                    key: key.to_owned(),
                    recorded: recorded.clone(),
                    configured: tenant.to_owned(),
                });
            }
            Some(_) => {}
            None => state.tenant = Some(tenant.to_owned()),
        }
        if let Some(held) = state
            .lease
            .as_ref()
            .filter(|l| l.owner != owner && l.expires_at > now)
        {
            return Ok(Acquired::Busy(held.clone()));
        }
        state.lease = Some(lease);
        let mut checkpoint = Self::held(store, key, current.etag, state, owner, lease_for);
        checkpoint.write().await?;
        Ok(Acquired::Held(Box::new(checkpoint)))
    }

    fn held(
        store: ObjectStore,
        key: &str,
        etag: String,
        state: State,
        owner: &str,
        lease_for: Duration,
    ) -> Self {
        Self {
            store,
            key: key.to_owned(),
            etag,
            state,
            owner: owner.to_owned(),
            lease_for,
        }
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    /// Freezes the window end before anything in it is written.
    pub async fn begin_window(&mut self, end: Timestamp) -> Result<(), CheckpointError> {
        self.state.window_end = Some(end);
        self.write().await
    }

    /// Records delivery up to `position`, renewing the lease.
    pub async fn advance(&mut self, position: Position) -> Result<(), CheckpointError> {
        if position.is_behind(&self.state.position) {
            return Err(CheckpointError::Regression {
                from: self.state.position.created_at,
                to: position.created_at,
            });
        }
        self.state.position = position;
        self.write().await
    }

    /// The window is fully delivered; the next run freezes a new one.
    pub async fn end_window(&mut self) -> Result<(), CheckpointError> {
        self.state.window_end = None;
        self.write().await
    }

    /// Gives the lease back so the next run need not wait for it to expire.
    pub async fn release(mut self) -> Result<State, CheckpointError> {
        self.state.lease = None;
        self.write().await?;
        Ok(self.state)
    }

    async fn write(&mut self) -> Result<(), CheckpointError> {
        let now = Timestamp::now();
        self.state.updated_at = now;
        if let Some(lease) = &mut self.state.lease {
            lease.owner.clone_from(&self.owner);
            lease.expires_at = now + self.lease_for;
        }
        match self
            .store
            .swap(&self.key, encode(&self.state), &self.etag)
            .await?
        {
            Swapped::Done { etag } => {
                self.etag = etag;
                Ok(())
            }
            Swapped::Conflict => Err(CheckpointError::LeaseLost {
                bucket: self.store.bucket().to_owned(),
                key: self.key.clone(),
            }),
        }
    }
}

fn encode(state: &State) -> Bytes {
    // Serializing plain data with string keys cannot fail.
    Bytes::from(serde_json::to_vec_pretty(state).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn position_covers_earlier_seconds_and_delivered_ids_of_its_second() {
        let mut position = Position::start_of(at("2024-05-01T00:00:05.700Z"));
        assert_eq!(position.created_at, at("2024-05-01T00:00:05Z"));
        assert!(position.covers(at("2024-05-01T00:00:04Z"), 1));
        assert!(!position.covers(at("2024-05-01T00:00:05Z"), 1));
        position.pass(at("2024-05-01T00:00:05Z"), 1);
        position.pass(at("2024-05-01T00:00:05Z"), 3);
        assert!(position.covers(at("2024-05-01T00:00:05Z"), 3));
        assert!(
            !position.covers(at("2024-05-01T00:00:05Z"), 2),
            "a late record of the boundary second"
        );
        position.pass(at("2024-05-01T00:00:06Z"), 2);
        assert_eq!(position.delivered_ids, BTreeSet::from([2]));
        assert!(position.covers(at("2024-05-01T00:00:05Z"), 2));
    }

    #[test]
    fn behind_compares_seconds_then_delivered_ids() {
        let mut older = Position::start_of(at("2024-05-01T00:00:05Z"));
        older.pass(at("2024-05-01T00:00:05Z"), 1);
        let mut newer = older.clone();
        newer.pass(at("2024-05-01T00:00:05Z"), 2);
        assert!(older.is_behind(&newer));
        assert!(!newer.is_behind(&older));
        assert!(!newer.is_behind(&newer.clone()));
    }
}
