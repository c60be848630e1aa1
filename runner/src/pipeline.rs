//! The one place the stages are wired: source → checkpoint and lease → sink.
//!
//! A run takes the lease and freezes its window in one write (or resumes the one in flight),
//! then walks the window oldest first. Records are cut into objects of a fixed number of
//! records, counted from the checkpoint, so a rerun after a crash cuts exactly the objects the
//! dead run cut; each object is written create-only, and only then does the checkpoint move
//! past it. Past the run's last object, it moves in the write that gives the lease back.
//!
//! A run that spends its page budget writes its last, shorter object. A rerun from the same
//! checkpoint with the same settings fetches the same pages and cuts it the same way; a run
//! that died after writing it and before recording it leaves a checkpoint from which the cut
//! would differ, so a run that resumes a window in flight looks for an object in S3 starting at
//! its first record and, when there is one, cuts its first object where that one ends. A run
//! that runs out of time drops its unfinished object instead, since where time runs out is never
//! the same twice.
//!
//! The run deadline bounds the Tines client too: no request starts, no retry waits and no
//! response is awaited past it. A request cut short by the deadline ends the run as `partial`
//! (with what was written kept and checkpointed), not as a failure.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use tines_client::{AuditLogRecord, Client, ErrorKind};

use crate::checkpoint::{Acquired, Checkpoint, CheckpointError, Position, whole_second};
use crate::delivered::{self, ReadBackError};
use crate::lag::Behind;
use crate::settings::{Settings, StartPoint};
use crate::sink::{ObjectBody, keys_starting_at, last_id, object_key};
use crate::source::{SourceError, WindowWalk};
use crate::store::{Created, ObjectStore, StoreError};
use crate::window::{ExplicitWindow, RequestedWindow, Settled};

/// How often a window is read again when records change under it, before giving up.
const WINDOW_ATTEMPTS: u32 = 3;

/// The most records an object holds: `RECORDS_PER_OBJECT`'s upper limit.
const MAX_CUT: usize = 100_000;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("encoding an object failed: {0}")]
    Encode(#[from] std::io::Error),
    #[error(transparent)]
    ReadBack(#[from] ReadBackError),
}

impl RunError {
    pub fn lease_lost(&self) -> bool {
        matches!(
            self,
            RunError::Checkpoint(CheckpointError::LeaseLost { .. })
        )
    }

    /// Tines refused the API key (401): revoked, or rotated since the client was built.
    fn key_rejected(&self) -> bool {
        matches!(self, RunError::Source(SourceError::Tines(error)) if error.is_unauthorized())
    }
}

/// What a run did, printed as one JSON line at its end.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// `completed`: the window is delivered; `partial`: budget or time ran out, the next run
    /// goes on; `skipped`: another run holds the lease; `failed`: see `error`.
    pub outcome: &'static str,
    pub window_after: Option<Timestamp>,
    pub window_before: Option<Timestamp>,
    pub pages: u64,
    pub records: u64,
    pub objects: u64,
    /// Objects an earlier, interrupted attempt had already written.
    pub objects_already_present: u64,
    pub duplicates_dropped: u64,
    /// For a backfill: records of its window that S3 already held (delivered by the sync or an
    /// earlier backfill), so not written again.
    #[serde(skip_serializing_if = "is_zero")]
    pub records_already_in_s3: u64,
    /// Records whose `updated_at` differs from `created_at`. Tines pages by `created_at`, so a
    /// later change to a record already delivered would never be seen; this counts how often
    /// that could matter.
    pub records_updated_after_creation: u64,
    /// How far the checkpoint is behind now, in seconds.
    pub lag_seconds: Option<i64>,
    pub duration_ms: u64,
    /// S3 requests sent again after `SlowDown`, a 5xx or a network failure.
    #[serde(skip_serializing_if = "is_zero")]
    pub s3_retries: u64,
    /// Why a `partial` run stopped: `deadline` (the run's time was up) or `page_budget`
    /// (`MAX_PAGES` pages were fetched).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_by: Option<&'static str>,
    /// For a run stopped by its page budget: the records of its window left, and the budget or
    /// schedule that would keep up (also said as a warning on stderr).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub behind: Option<Behind>,
    /// For `failed`, what went wrong; for a `partial` run stopped by its deadline in the middle
    /// of a request, the request that was cut short.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// A `failed` run whose API key Tines refused: a long-lived process should read the key again.
    #[serde(skip)]
    pub key_rejected: bool,
}

/// Progress reports for a terminal or a log (see the `progress` module).
pub trait Progress: Send {
    /// A window opens, with the records Tines counts in it when it says.
    fn window(&mut self, _expected_records: Option<u64>) {}
    /// A page of `records` was read (duplicates included).
    fn page(&mut self, _records: u64) {}
    /// The run is over.
    fn finish(&mut self) {}
}

impl Progress for () {}

pub struct Engine {
    pub client: Client,
    pub store: ObjectStore,
    pub settings: Settings,
    /// Who holds the lease: unique per run.
    pub run_id: String,
    pub lease_for: Duration,
}

impl Engine {
    /// One run: deliver the window in flight, or a new one ending `settle` before now.
    ///
    /// With `backfill`, the run works on the backfill's own state object instead of the
    /// sync's: the requested window, cut off where the sync's checkpoint stands (what lies
    /// beyond is the sync's to deliver), and only the records S3 does not hold yet.
    pub async fn run(
        &self,
        backfill: Option<RequestedWindow>,
        deadline: Instant,
        progress: &mut dyn Progress,
    ) -> Summary {
        let started = Instant::now();
        let retried_before = self.store.retries();
        let mut summary = Summary::default();
        let result = self
            .deliver(backfill, deadline, progress, &mut summary)
            .await;
        summary.duration_ms = started.elapsed().as_millis() as u64;
        summary.s3_retries = self.store.retries() - retried_before;
        match result {
            Ok(outcome) => summary.outcome = outcome,
            Err(error) => {
                summary.outcome = "failed";
                summary.key_rejected = error.key_rejected();
                summary.error = Some(error.to_string());
            }
        }
        summary
    }

    /// Where the sync's first run starts.
    fn sync_start(&self) -> Timestamp {
        match self.settings.start {
            StartPoint::From(at) => at,
            StartPoint::Lookback(back) => Timestamp::now() - back,
        }
    }

    async fn deliver(
        &self,
        backfill: Option<RequestedWindow>,
        deadline: Instant,
        progress: &mut dyn Progress,
        summary: &mut Summary,
    ) -> Result<&'static str, RunError> {
        let settings = &self.settings;
        // The sync's next window is known before its state is read, so taking the lease freezes
        // it in the same write; a backfill's window depends on the sync's state, read below.
        let (state_key, start, new_window_end) = match backfill {
            None => (
                settings.state_key.clone(),
                self.sync_start(),
                Some(self.window_end(None, None)),
            ),
            Some(requested) => (
                backfill_state_key(&settings.state_key),
                requested.from,
                None,
            ),
        };
        let acquired = Checkpoint::acquire(
            self.store.clone(),
            &state_key,
            &settings.tenant,
            &self.run_id,
            self.lease_for,
            || Position::start_of(start),
            new_window_end,
        )
        .await?;
        let mut checkpoint = match acquired {
            Acquired::Held(checkpoint) => checkpoint,
            Acquired::Busy(_) => return Ok("skipped"),
        };
        if let Some(requested) = backfill {
            let state = checkpoint.state();
            if state.backfill != Some(requested) {
                if let (Some(previous), Some(_)) = (state.backfill, state.window_end) {
                    tracing::warn!(
                        "the backfill from {} was unfinished (delivered up to {}); this one replaces it. \
                         Run that one again to finish it: it writes only what S3 does not hold yet",
                        previous.from,
                        state.position.created_at
                    );
                }
                checkpoint.start_backfill(requested).await?;
            }
        }

        // Read at every run of a backfill: the sync only moves on, and whatever it covers by
        // now, it will never write again.
        let sync_frontier = match backfill {
            Some(_) => Some(
                Checkpoint::sync_frontier(
                    &self.store,
                    &settings.state_key,
                    &settings.tenant,
                    Position::start_of(self.sync_start()),
                )
                .await?
                .0,
            ),
            None => None,
        };
        let end = match checkpoint.state().window_end {
            Some(end) => end,
            None => {
                let end = self.window_end(backfill, sync_frontier.as_ref());
                checkpoint.begin_window(end).await?;
                end
            }
        };
        // Read once per run, not per walk of the window: a walk read again after records
        // changed under it starts at or after this position, and what this run writes itself
        // is behind its own position.
        let scope = match sync_frontier {
            Some(sync) => {
                let from = checkpoint.state().position.created_at;
                Some(BackfillScope {
                    already_in_s3: self.held_by_s3(from, end).await?,
                    sync,
                })
            }
            None => None,
        };
        summary.window_after = Some(checkpoint.state().position.created_at);
        summary.window_before = Some(end);

        let mut outcome = "partial";
        for attempt in 1..=WINDOW_ATTEMPTS {
            match self
                .walk(
                    &mut checkpoint,
                    end,
                    scope.as_ref(),
                    deadline,
                    progress,
                    summary,
                )
                .await
            {
                Ok(true) => {
                    checkpoint.end_window();
                    outcome = "completed";
                    break;
                }
                Ok(false) => break,
                Err(RunError::Source(SourceError::WindowChanged { .. }))
                    if attempt < WINDOW_ATTEMPTS =>
                {
                    continue;
                }
                Err(error) => {
                    summary.lag_seconds = Some(lag(&checkpoint.state().position));
                    // Give the lease back when we still hold it, so the next run need not wait.
                    if !error.lease_lost() {
                        let _ = checkpoint.release().await;
                    }
                    return Err(error);
                }
            }
        }
        let state = checkpoint.release().await?;
        summary.lag_seconds = Some(lag(&state.position));
        if let Some(behind) = &summary.behind {
            tracing::warn!(
                "{}",
                behind.advice(summary.lag_seconds, self.settings.max_pages)
            );
        }
        Ok(outcome)
    }

    /// The end of a new window: what has settled, and for a backfill also no later than its
    /// requested end and the second the sync's checkpoint stands in.
    fn window_end(
        &self,
        backfill: Option<RequestedWindow>,
        sync_frontier: Option<&Position>,
    ) -> Timestamp {
        let settings = &self.settings;
        let now = Timestamp::now();
        let (Some(requested), Some(frontier)) = (backfill, sync_frontier) else {
            return whole_second(now - settings.settle);
        };
        let wanted = whole_second(requested.fixed(settings.settle, now).to);
        // The frontier's own second is included: the records of it that the sync delivered
        // are the backfill's to repair, the others are skipped in `walk`.
        let frontier_end = frontier.created_at + SignedDuration::from_secs(1);
        if frontier_end < wanted {
            tracing::warn!(
                "this backfill ends at {frontier_end} instead of {wanted}: later records are the sync's to \
                 deliver (from its checkpoint, or where its first run starts), and `tinesaudit-runner sync` \
                 delivers them once"
            );
        }
        wanted.min(frontier_end)
    }

    /// The ids of the records created in `[from, end)` that S3 already holds.
    async fn held_by_s3(&self, from: Timestamp, end: Timestamp) -> Result<BTreeSet<u64>, RunError> {
        if from >= end {
            return Ok(BTreeSet::new());
        }
        let window = ExplicitWindow { from, to: end };
        Ok(
            delivered::count_in_window(&self.store, &self.settings.prefix, window)
                .await?
                .into_keys()
                .collect(),
        )
    }

    /// Walks `[checkpoint, end)`; `Ok(true)` when the whole window was delivered.
    ///
    /// A backfill (given its scope) writes only what the sync's position covers and S3 does not
    /// hold yet: what the sync delivered and was lost, or what lies before its start.
    async fn walk(
        &self,
        checkpoint: &mut Checkpoint,
        end: Timestamp,
        backfill: Option<&BackfillScope>,
        deadline: Instant,
        progress: &mut dyn Progress,
        summary: &mut Summary,
    ) -> Result<bool, RunError> {
        let settings = &self.settings;
        let committed = checkpoint.state().position.clone();
        if committed.created_at >= end {
            return Ok(true);
        }
        let sync_delivers =
            |at: Timestamp, id: u64| backfill.is_some_and(|b| !b.sync.covers(at, id));
        let already_in_s3 = |id: u64| backfill.is_some_and(|b| b.already_in_s3.contains(&id));
        // Ask for the checkpoint's whole second again, whether Tines reads `after` as strict
        // or inclusive; what was already delivered is dropped below.
        let after = committed.created_at - SignedDuration::from_secs(1);
        let budget = settings.max_pages.saturating_sub(summary.pages);
        if budget == 0 {
            summary.stopped_by = Some("page_budget");
            return Ok(false);
        }
        // Retries and backoff of the client end at the deadline too, and a response still
        // awaited then is given up.
        let client = self.client.with_deadline(deadline);
        let opened = WindowWalk::open(
            &client,
            after,
            end,
            settings.page_size,
            settings.concurrency,
            budget,
        )
        .await;
        let mut walk = match opened {
            Ok(walk) => walk,
            Err(error) => return self.stop_at_deadline(error, deadline, summary),
        };
        progress.window(walk.count());
        let span = end.as_second() - after.as_second();
        let mut position = committed;
        let mut object = Cut::new(settings);
        let counted = summary.pages;
        let mut read = 0;
        // Only the object right after the checkpoint can be in S3 unrecorded: every other one
        // was recorded before the next was cut.
        let mut look_for_unrecorded = backfill.is_none() && checkpoint.window_resumed();
        loop {
            if Instant::now() >= deadline {
                summary.pages = counted + walk.requests();
                summary.stopped_by = Some("deadline");
                return Ok(false);
            }
            let page = walk.next_page().await;
            summary.pages = counted + walk.requests();
            let records = match page {
                Ok(Some(records)) => records,
                Ok(None) => break,
                // The unfinished object is dropped: a rerun cuts it afresh from the checkpoint.
                Err(error) => return self.stop_at_deadline(error, deadline, summary),
            };
            progress.page(records.len() as u64);
            read += records.len() as u64;
            let empty = records.is_empty();
            let mut fresh = false;
            for record in records {
                if position.covers(record.created_at(), record.id()) || record.created_at() >= end {
                    summary.duplicates_dropped += 1;
                    continue;
                }
                if sync_delivers(record.created_at(), record.id()) {
                    continue;
                }
                fresh = true;
                if already_in_s3(record.id()) {
                    summary.records_already_in_s3 += 1;
                    position.pass(record.created_at(), record.id());
                    continue;
                }
                if record.updated_after_creation() {
                    summary.records_updated_after_creation += 1;
                    tracing::warn!(
                        id = record.id(),
                        "Audit record was updated after it was created"
                    );
                }
                position.pass(record.created_at(), record.id());
                if look_for_unrecorded {
                    look_for_unrecorded = false;
                    object.ends_at = self
                        .unrecorded_object_from((record.created_at(), record.id()))
                        .await?;
                }
                object.push(record)?;
                if object.is_full() {
                    self.put(object, summary).await?;
                    checkpoint.advance(position.clone()).await?;
                    object = Cut::new(settings);
                }
            }
            if !fresh && !empty {
                // Every run re-reads the checkpoint's second from its start; when that second
                // alone holds more pages than the budget, counting those pages would stall the
                // sync forever. A page of records already delivered costs no budget; an empty
                // one does, or a server claiming endless empty pages would hold the run forever.
                walk.refund_request();
            }
        }
        // The window is done, or the page budget is spent. Either way the last object is cut
        // where a rerun with the same settings would cut it too, so it is written now. The
        // checkpoint moves past it with the release that ends the run: one write for both.
        // A budget spent inside an unrecorded object (only when MAX_PAGES was lowered since
        // the run that wrote it) leaves it to the next run, neither written nor passed:
        // written shorter, its records would be in S3 twice.
        if object.ends_at.is_some() && !walk.finished() {
            tracing::warn!(
                "this run's page budget ended inside an object an earlier run wrote and did not \
                 record; the next run cuts it again, and needs a MAX_PAGES at least as large as \
                 the one that wrote it"
            );
        } else {
            if !object.is_empty() {
                self.put(object, summary).await?;
            }
            checkpoint.stage(position)?;
        }
        if !walk.finished() {
            summary.stopped_by = Some("page_budget");
            summary.behind = walk.count().and_then(|counted| {
                Behind::of(counted, read, span, settings.page_size, settings.max_pages)
            });
        }
        Ok(walk.finished())
    }

    /// A source error ends the run as `partial` when the deadline cut it short, and as a
    /// failure otherwise.
    fn stop_at_deadline(
        &self,
        error: SourceError,
        deadline: Instant,
        summary: &mut Summary,
    ) -> Result<bool, RunError> {
        match &error {
            SourceError::Tines(tines) if cut_by_deadline(tines, deadline, &self.settings) => {
                summary.stopped_by = Some("deadline");
                summary.error = Some(tines.to_string());
                Ok(false)
            }
            _ => Err(error.into()),
        }
    }

    /// The last record's id of an object in S3 that starts with the record `first`: one that a
    /// run wrote and died (or failed) before recording. Its cut depended on where that run
    /// began, so this run ends its first object there too, and writing it again is a 412.
    async fn unrecorded_object_from(
        &self,
        first: (Timestamp, u64),
    ) -> Result<Option<u64>, RunError> {
        let settings = &self.settings;
        let extension = settings.format.extension(settings.compression);
        let keys = self
            .store
            .list(&keys_starting_at(&settings.prefix, &first))
            .await?;
        let last = keys.iter().find_map(|key| last_id(key, extension));
        if let Some(last) = last {
            tracing::info!(
                first = first.1,
                last,
                "an object from the checkpoint on is in S3 already (a run ended before recording                  it); the first object of this run ends where it does"
            );
        }
        Ok(last)
    }

    /// Writes one object, create-only; the caller moves the checkpoint past it.
    async fn put(&self, object: Cut, summary: &mut Summary) -> Result<(), RunError> {
        let settings = &self.settings;
        let (first, last, records) = (object.first_key(), object.last_key(), object.len() as u64);
        let key = object_key(
            &settings.prefix,
            &first,
            &last,
            settings.format.extension(settings.compression),
        );
        let body = object.body.finish()?;
        match self
            .store
            .create(
                &key,
                body,
                settings.format.content_type(settings.compression),
            )
            .await?
        {
            Created::New { .. } => summary.objects += 1,
            Created::AlreadyExists => summary.objects_already_present += 1,
        }
        summary.records += records;
        Ok(())
    }
}

/// Whether the run deadline, rather than Tines, ended a failed request.
///
/// The client gives up at the deadline in two ways: a request running when it passes is cut
/// off, and a retry whose wait would end past it is not started. The first leaves the deadline
/// behind us; the second returns early with a retryable error and attempts to spare. The
/// client's own per-call deadline can end a call early too, but only once the run deadline is
/// further away than that per-call deadline, so it is told apart by the time left.
fn cut_by_deadline(error: &tines_client::Error, deadline: Instant, settings: &Settings) -> bool {
    let now = Instant::now();
    if now >= deadline {
        return true;
    }
    let retryable = matches!(
        error.kind(),
        ErrorKind::RateLimited
            | ErrorKind::Server
            | ErrorKind::Transport
            | ErrorKind::InvalidResponse
    );
    let policy = settings.retry_policy();
    let attempts_left = error.attempts() < policy.max_attempts;
    retryable && attempts_left && deadline - now < policy.deadline
}

/// What a backfill run leaves to others: the records the sync's position does not cover yet
/// (the sync delivers them), and those S3 already holds.
struct BackfillScope {
    sync: Position,
    already_in_s3: BTreeSet<u64>,
}

/// A backfill's state object, beside the sync's. There is one per job, so that its lease
/// keeps two backfills from writing the same records at once.
fn backfill_state_key(sync_state_key: &str) -> String {
    format!("{}.backfill.json", sync_state_key.trim_end_matches(".json"))
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn lag(position: &Position) -> i64 {
    Timestamp::now().as_second() - position.created_at.as_second()
}

/// One object being cut: its body and its first and last record.
struct Cut {
    body: ObjectBody,
    first: Option<(Timestamp, u64)>,
    last: Option<(Timestamp, u64)>,
    limit: usize,
    /// The id of the last record of an object S3 already holds from the same first record:
    /// this one ends there instead of at `limit`.
    ends_at: Option<u64>,
}

impl Cut {
    fn new(settings: &Settings) -> Self {
        Self {
            body: ObjectBody::new(settings.format, settings.compression),
            first: None,
            last: None,
            limit: settings.records_per_object,
            ends_at: None,
        }
    }

    fn push(&mut self, record: AuditLogRecord) -> std::io::Result<()> {
        let key = (record.created_at(), record.id());
        self.first.get_or_insert(key);
        self.last = Some(key);
        self.body.push(record.json())
    }

    fn len(&self) -> usize {
        self.body.len()
    }

    fn is_empty(&self) -> bool {
        self.body.is_empty()
    }

    fn is_full(&self) -> bool {
        match self.ends_at {
            // Bounded all the same, should that record never come (Tines lost it).
            Some(id) => self.last.is_some_and(|(_, last)| last == id) || self.len() >= MAX_CUT,
            None => self.len() >= self.limit,
        }
    }

    fn first_key(&self) -> (Timestamp, u64) {
        self.first.unwrap_or((Timestamp::UNIX_EPOCH, 0))
    }

    fn last_key(&self) -> (Timestamp, u64) {
        self.last.unwrap_or((Timestamp::UNIX_EPOCH, 0))
    }
}
