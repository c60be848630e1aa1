//! The source: one frozen window of audit logs, read oldest first, whatever order Tines serves.
//!
//! Both window bounds are fixed before the first request, so records created meanwhile land
//! outside it and cannot shift the pages. Tines does not document its sort order, so the order
//! is read off the first page; with newest first, the walk starts at the last page and turns
//! every page around. A few pages are fetched at once, and handed out strictly in order.
//!
//! Each fetch runs as a task of its own, so requests keep going out at the client's pace while
//! the engine is busy writing an object; a walk dropped early (deadline, error) aborts them.

use std::future::Future;
use std::ops::RangeInclusive;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::StreamExt;
use futures_util::stream::FuturesOrdered;
use jiff::Timestamp;
use tines_client::{AuditLogPage, AuditLogQuery, AuditLogRecord, Client, PageOrder, SortOrder};

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("reading audit logs from Tines failed: {0}")]
    Tines(#[from] tines_client::Error),
    #[error(
        "Tines returned audit logs that are not sorted by created_at on page {page}; stopping rather than guessing which records were seen"
    )]
    Unsorted { page: u64 },
    #[error(
        "the window changed while it was read (page {page} counts {now} records, page 1 counted {before}); records were committed late or deleted, so the window is read again from the checkpoint"
    )]
    WindowChanged { page: u64, before: u64, now: u64 },
    #[error(
        "Tines answered page {page} with the records of page {same_as} (ids {first} to {last}): it ignores the page parameter, so paging would never end; stopping before writing anything of this window"
    )]
    RepeatedPage {
        page: u64,
        same_as: u64,
        first: u64,
        last: u64,
    },
}

/// The first and last record ids of a page with records: two pages of a frozen window never share
/// both.
fn page_ids(page: &AuditLogPage) -> Option<(u64, u64)> {
    Some((page.records().first()?.id(), page.records().last()?.id()))
}

type Fetched = (u64, Result<AuditLogPage, tines_client::Error>);

/// A page being fetched by a task of its own, aborted when dropped unfinished.
struct Fetch(tokio::task::JoinHandle<Fetched>);

impl Future for Fetch {
    type Output = Fetched;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Fetched> {
        Pin::new(&mut self.0).poll(cx).map(|joined| match joined {
            Ok(fetched) => fetched,
            Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
            // Only `Drop` aborts a fetch, and then nothing polls it any more.
            Err(error) => unreachable!("a page fetch was cancelled while awaited: {error}"),
        })
    }
}

impl Drop for Fetch {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A window being read, page by page, oldest first.
pub struct WindowWalk {
    client: Client,
    query: AuditLogQuery,
    order: SortOrder,
    count: Option<u64>,
    /// Page numbers still to request, taken from the front oldest first and from the back newest
    /// first. A range, not a list: the page count is the server's word, and any number fits.
    to_request: RangeInclusive<u64>,
    /// Page 1, fetched to learn the order; delivered in its turn.
    first_page: Option<AuditLogPage>,
    in_flight: FuturesOrdered<Fetch>,
    /// The ids of page 1 and of the page fetched last, with their numbers, to notice a server
    /// that answers every page alike.
    seen: [Option<(u64, (u64, u64))>; 2],
    concurrency: usize,
    requests_left: u64,
    requests: u64,
}

impl WindowWalk {
    /// Reads page 1 of `[after, before)` and plans the walk; `budget` caps the requests.
    pub async fn open(
        client: &Client,
        after: Timestamp,
        before: Timestamp,
        per_page: u32,
        concurrency: usize,
        budget: u64,
    ) -> Result<Self, SourceError> {
        let query = AuditLogQuery {
            after: Some(after),
            before: Some(before),
            per_page: Some(per_page),
            ..AuditLogQuery::default()
        };
        let first = client.audit_logs_page(&query.at_page(1)).await?;
        let mut requests = 1;
        let last_page = first.meta().last_page().unwrap_or(1).max(1);
        let order = match first.order() {
            PageOrder::Sorted(order) => order,
            PageOrder::Unsorted => return Err(SourceError::Unsorted { page: 1 }),
            PageOrder::Undetermined if last_page == 1 => SortOrder::OldestFirst,
            PageOrder::Undetermined => {
                // One record per page: compare page 1 with page 2 instead.
                let second = client.audit_logs_page(&query.at_page(2)).await?;
                requests += 1;
                match (first.records().first(), second.records().first()) {
                    (Some(a), Some(b)) if (a.created_at(), a.id()) > (b.created_at(), b.id()) => {
                        SortOrder::NewestFirst
                    }
                    _ => SortOrder::OldestFirst,
                }
            }
        };
        Ok(Self {
            client: client.clone(),
            query,
            order,
            count: first.meta().count,
            to_request: 2..=last_page,
            seen: [page_ids(&first).map(|ids| (1, ids)), None],
            first_page: Some(first),
            in_flight: FuturesOrdered::new(),
            concurrency: concurrency.max(1),
            requests_left: budget.saturating_sub(requests),
            requests,
        })
    }

    /// Requests made so far.
    pub fn requests(&self) -> u64 {
        self.requests
    }

    /// How many records Tines counts in the window, when it says.
    pub fn count(&self) -> Option<u64> {
        self.count
    }

    /// The next page's records, oldest first; `None` when the window is done or the request
    /// budget ran out (see [`WindowWalk::finished`]).
    pub async fn next_page(&mut self) -> Result<Option<Vec<AuditLogRecord>>, SourceError> {
        if self.order == SortOrder::OldestFirst
            && let Some(first) = self.first_page.take()
        {
            return Ok(Some(first.into_records()));
        }
        self.fill();
        match self.in_flight.next().await {
            Some((number, page)) => {
                let page = page?;
                self.check(number, &page)?;
                Ok(Some(page.into_oldest_first(self.order)))
            }
            // Newest first: page 1 holds the newest records and comes last.
            None if self.to_request.is_empty() => Ok(self
                .first_page
                .take()
                .map(|p| p.into_oldest_first(self.order))),
            None => Ok(None),
        }
    }

    /// Gives back the budget of one page that turned out to hold nothing new.
    pub fn refund_request(&mut self) {
        self.requests_left += 1;
    }

    /// Whether every page of the window was delivered (rather than the budget running out).
    pub fn finished(&self) -> bool {
        self.to_request.is_empty() && self.in_flight.is_empty() && self.first_page.is_none()
    }

    fn fill(&mut self) {
        while self.in_flight.len() < self.concurrency && self.requests_left > 0 {
            let next = match self.order {
                SortOrder::NewestFirst => self.to_request.next_back(),
                SortOrder::OldestFirst => self.to_request.next(),
            };
            let Some(number) = next else {
                break;
            };
            self.requests_left -= 1;
            self.requests += 1;
            let client = self.client.clone();
            let query = self.query.at_page(number);
            self.in_flight.push_back(Fetch(tokio::spawn(async move {
                (number, client.audit_logs_page(&query).await)
            })));
        }
    }

    fn check(&mut self, number: u64, page: &AuditLogPage) -> Result<(), SourceError> {
        if matches!(page.order(), PageOrder::Unsorted) {
            return Err(SourceError::Unsorted { page: number });
        }
        if let Some(ids) = page_ids(page) {
            if let Some((same_as, _)) = self.seen.iter().flatten().find(|(_, seen)| *seen == ids) {
                return Err(SourceError::RepeatedPage {
                    page: number,
                    same_as: *same_as,
                    first: ids.0,
                    last: ids.1,
                });
            }
            self.seen[1] = Some((number, ids));
        }
        match (self.count, page.meta().count) {
            (Some(before), Some(now)) if before != now => Err(SourceError::WindowChanged {
                page: number,
                before,
                now,
            }),
            _ => Ok(()),
        }
    }
}
