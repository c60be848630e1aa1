//! The state object (its shape is the contract's, `tinesaudit_job::State`): how far delivery has
//! come, the window in flight, and the lease.
//!
//! Every change goes through a compare-and-swap on the object's ETag, so a run that lost its
//! lease (paused past expiry, or a second copy started by a duplicate delivery) can never move
//! the checkpoint, and the checkpoint can never move backwards.

use std::time::Duration;

use bytes::Bytes;
use jiff::Timestamp;
pub use tinesaudit_job::{Lease, Position, RequestedWindow, STATE_VERSION, State, whole_second};

use crate::store::{Created, ObjectStore, StoreError, Swapped};

/// Tenant URLs as people write them: the host's case and a trailing slash make no difference.
fn same_tenant(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
}

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(
        "another run changed the state object s3://{bucket}/{key}; this run lost its lease and stopped without moving the checkpoint"
    )]
    LeaseLost { bucket: String, key: String },
    #[error(
        "the state object s3://{bucket}/{key} is not a valid tinesaudit state: {detail}. {advice}"
    )]
    Unreadable {
        bucket: String,
        key: String,
        detail: String,
        advice: String,
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
    #[error(
        "S3 did not confirm the write of the state object s3://{bucket}/{key}, and reading it back failed too \
         ({detail}), so whether it holds this run's checkpoint is unknown; nothing after it was written. \
         The next run reads the object again and goes on from whatever it holds"
    )]
    Unconfirmed {
        bucket: String,
        key: String,
        detail: String,
    },
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
    /// Whether the window was in flight before this run took the lease: an earlier run ended
    /// partial, or died, or failed, maybe after writing an object it never recorded.
    window_resumed: bool,
}

impl Checkpoint {
    /// Reads the state of `tenant` (creating it from `first_position` on a first run) and takes the
    /// lease. When no window is in flight, `new_window_end` (if given) freezes the next one in
    /// the same write.
    pub async fn acquire(
        store: ObjectStore,
        key: &str,
        tenant: &str,
        owner: &str,
        lease_for: Duration,
        first_position: impl FnOnce() -> Position,
        new_window_end: Option<Timestamp>,
    ) -> Result<Acquired, CheckpointError> {
        let now = Timestamp::now();
        let lease = Lease {
            owner: owner.to_owned(),
            expires_at: now + lease_for,
        };
        let first = || State {
            position: first_position(),
            lease: Some(lease.clone()),
            window_end: new_window_end,
            ..State::new(tenant, now)
        };
        let (mut state, etag, created) = read_or_create(&store, key, tenant, first).await?;
        if created {
            return Ok(Acquired::Held(Box::new(Self::held(
                store, key, etag, state, owner, lease_for,
            ))));
        }
        if let Some(held) = state
            .lease
            .as_ref()
            .filter(|l| l.owner != owner && l.expires_at > now)
        {
            return Ok(Acquired::Busy(held.clone()));
        }
        state.lease = Some(lease);
        let window_resumed = state.window_end.is_some();
        if !window_resumed {
            state.window_end = new_window_end;
        }
        let mut checkpoint = Self::held(store, key, etag, state, owner, lease_for);
        checkpoint.window_resumed = window_resumed;
        checkpoint.write().await?;
        Ok(Acquired::Held(Box::new(checkpoint)))
    }

    /// Where the sync of `tenant` stands. What its position covers, the sync will never write
    /// again; everything else is the sync's to deliver, never a backfill's. When no sync has
    /// run yet, its state is created at `first` (no lease, no window), so the first sync begins
    /// exactly there and a backfill can end there without a gap or an overlap between them
    /// (`adopt-state` creates it where another tool stopped). Also says whether it was created.
    pub async fn sync_frontier(
        store: &ObjectStore,
        key: &str,
        tenant: &str,
        first: Position,
    ) -> Result<(Position, bool), CheckpointError> {
        let first = || State {
            position: first,
            ..State::new(tenant, Timestamp::now())
        };
        let (state, _, created) = read_or_create(store, key, tenant, first).await?;
        Ok((state.position, created))
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
            window_resumed: false,
        }
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    /// Whether this run goes on with a window frozen by an earlier run (see `acquire`).
    pub fn window_resumed(&self) -> bool {
        self.window_resumed
    }

    /// Starts the state over for another backfill request: nothing of it delivered yet.
    pub async fn start_backfill(
        &mut self,
        requested: RequestedWindow,
    ) -> Result<(), CheckpointError> {
        self.state.position = Position::start_of(requested.from);
        self.state.window_end = None;
        self.state.backfill = Some(requested);
        self.window_resumed = false;
        self.write().await
    }

    /// Freezes the window end before anything in it is written.
    pub async fn begin_window(&mut self, end: Timestamp) -> Result<(), CheckpointError> {
        self.state.window_end = Some(end);
        self.write().await
    }

    /// Records delivery up to `position`, renewing the lease.
    pub async fn advance(&mut self, position: Position) -> Result<(), CheckpointError> {
        self.stage(position)?;
        self.write().await
    }

    /// Moves to `position` here only; the next write (the release at the latest) records it.
    /// For the run's last object, so that moving past it and giving the lease back are one write.
    pub fn stage(&mut self, position: Position) -> Result<(), CheckpointError> {
        if position.is_behind(&self.state.position) {
            return Err(CheckpointError::Regression {
                from: self.state.position.created_at,
                to: position.created_at,
            });
        }
        self.state.position = position;
        Ok(())
    }

    /// The window is fully delivered, so the next run freezes a new one; recorded by the
    /// release that follows.
    pub fn end_window(&mut self) {
        self.state.window_end = None;
    }

    /// Gives the lease back so the next run need not wait for it to expire, with whatever was
    /// staged.
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
        let body = encode(&self.state);
        let sent = self.store.swap(&self.key, body.clone(), &self.etag).await;
        let unconfirmed = match sent {
            Ok(Swapped::Done { etag }) => {
                self.etag = etag;
                return Ok(());
            }
            Ok(Swapped::Conflict) => None,
            Err(error) => Some(error),
        };
        // A 412 or an error may answer our own write: S3 applied it, the answer was lost (a
        // 500 or a cut connection), and the SDK's retry then found the object changed. Every
        // write carries a fresh `updated_at`, so the object holding exactly our bytes means
        // the write was ours.
        match self.store.get(&self.key).await {
            Ok(Some(current)) if current.body == body => {
                tracing::warn!(
                    key = %self.key,
                    "S3 lost its answer to the state write, but the object holds this run's write; carrying on"
                );
                self.etag = current.etag;
                Ok(())
            }
            // Unchanged: the write did not land, and the lease is still ours to give back.
            Ok(Some(current)) if current.etag == self.etag => Err(unconfirmed.map_or_else(
                || lease_lost(&self.store, &self.key),
                CheckpointError::Store,
            )),
            Ok(_) => Err(lease_lost(&self.store, &self.key)),
            Err(read) => Err(CheckpointError::Unconfirmed {
                bucket: self.store.bucket().to_owned(),
                key: self.key.clone(),
                detail: unconfirmed.map_or_else(|| read.to_string(), |e| e.to_string()),
            }),
        }
    }
}

fn lease_lost(store: &ObjectStore, key: &str) -> CheckpointError {
    CheckpointError::LeaseLost {
        bucket: store.bucket().to_owned(),
        key: key.to_owned(),
    }
}

/// Reads and checks the state object of `tenant`, with its ETag; `None` when there is none.
async fn read(
    store: &ObjectStore,
    key: &str,
    tenant: &str,
) -> Result<Option<(State, String)>, CheckpointError> {
    let Some(current) = store.get(key).await? else {
        return Ok(None);
    };
    let unreadable = |detail: String| CheckpointError::Unreadable {
        bucket: store.bucket().to_owned(),
        key: key.to_owned(),
        advice: advice(&current.body),
        detail,
    };
    let mut state: State =
        serde_json::from_slice(&current.body).map_err(|e| unreadable(e.to_string()))?;
    if state.version != STATE_VERSION {
        return Err(unreadable(format!(
            "version {} is not the supported version {STATE_VERSION}",
            state.version
        )));
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
    Ok(Some((state, current.etag)))
}

/// The state object of `tenant`, created as `first()` makes it when there is none: the state, its
/// ETag, and whether this call created it. When another run creates it first, theirs is read.
async fn read_or_create(
    store: &ObjectStore,
    key: &str,
    tenant: &str,
    first: impl FnOnce() -> State,
) -> Result<(State, String, bool), CheckpointError> {
    if let Some((state, etag)) = read(store, key, tenant).await? {
        return Ok((state, etag, false));
    }
    let state = first();
    if let Some(etag) = create(store, key, &state).await? {
        return Ok((state, etag, true));
    }
    let (state, etag) = read(store, key, tenant)
        .await?
        .ok_or_else(|| lease_lost(store, key))?;
    Ok((state, etag, false))
}

/// What to do about a state object this runner cannot read.
fn advice(body: &[u8]) -> String {
    let since = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|value| value.get("since").cloned());
    match since {
        Some(since) => format!(
            "It looks like the reference Lambda's state ({{\"since\": {since}}}), which this runner does not \
             continue: give the runner a STATE_KEY of its own (the default is tines/state/audit.json) and run \
             `tinesaudit-runner adopt-state --reference-state KEY` once, so its first run starts where the \
             Lambda stopped"
        ),
        None => "Restore an earlier version of the object if the bucket keeps versions; otherwise delete it, \
                 and the next run starts from LOOKBACK_SECONDS or BACKFILL_FROM: `tinesaudit-runner verify` \
                 then shows any gap, and `tinesaudit-runner backfill` over it delivers only what is missing"
            .to_owned(),
    }
}

/// Creates the state object; `None` when another run created it first. A lost answer to our
/// own create is recognised by reading back exactly our bytes.
async fn create(
    store: &ObjectStore,
    key: &str,
    state: &State,
) -> Result<Option<String>, CheckpointError> {
    let body = encode(state);
    let unconfirmed = match store.create(key, body.clone(), "application/json").await {
        Ok(Created::New { etag }) => return Ok(Some(etag)),
        Ok(Created::AlreadyExists) => None,
        Err(error) => Some(error),
    };
    match store.get(key).await? {
        Some(current) if current.body == body => {
            tracing::warn!(
                key,
                "S3 lost its answer to the state object's create, but the object holds this run's write; carrying on"
            );
            Ok(Some(current.etag))
        }
        Some(_) => Ok(None),
        None => Err(unconfirmed.map_or_else(|| lease_lost(store, key), CheckpointError::Store)),
    }
}

fn encode(state: &State) -> Bytes {
    // Serializing plain data with string keys cannot fail.
    Bytes::from(serde_json::to_vec_pretty(state).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

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
