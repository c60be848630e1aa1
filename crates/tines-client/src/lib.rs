//! The one crate in tinesaudit that speaks HTTP to Tines.
//!
//! The runner uses it to read audit logs in bulk, the Terraform provider to manage users and
//! their tenant permissions; neither builds a request of its own. Everything about talking to
//! Tines lives here: the tenant URL and the key, the request budget, retries, client-side rate
//! limits, error bodies and paging.
//!
//! # The main types
//!
//! A [`Config`] names the tenant and holds the key as a [`Secret`], whose `Debug` and `Display`
//! print `<redacted>`. [`Client::new`] checks it (https only, except plain http to a loopback
//! host for the simulator; no path) and builds a [`Client`]. Clones of a client share one
//! connection pool and one set of rate limiters ([`RateLimits`]: by default the documented
//! 1000 audit-log, 500 admin-user and 5000 other requests per minute), so parallel tasks stay
//! under the server's limits together.
//!
//! Every call follows one [`RetryPolicy`]: idempotent requests (GET, PUT, DELETE) are sent
//! again on 429, 5xx, transport failures and malformed bodies, up to `max_attempts` and never
//! past `deadline`; a POST is sent again only when it provably never left. A `Retry-After`
//! header is honoured exactly, and without one the client backs off exponentially with jitter.
//! A wait that would end past the deadline is not started; the call fails at once.
//! [`Client::with_deadline`] adds an absolute stop for callers with a hard end, like a Lambda.
//!
//! [`Client::audit_logs_page`] fetches one [`AuditLogPage`] for an [`AuditLogQuery`]. Each
//! [`AuditLogRecord`] keeps the exact bytes the server sent, field order and escapes untouched,
//! next to the two fields parsed out of it, `id` and `created_at`; [`Meta`] holds the page's
//! paging facts, read tolerantly since the published samples disagree. Tines does not document
//! its sort order, so [`AuditLogPage::order`] reads it off each page ([`PageOrder`]), and
//! [`AuditLogPage::into_oldest_first`] turns a page around when needed.
//!
//! The admin API calls ([`Client::list_users`], [`Client::get_user`], [`Client::create_user`],
//! [`Client::update_user`], [`Client::delete_user`]) work with [`User`], [`NewUser`] and
//! [`UserUpdate`]; an update sends only the fields that are set, and `tenant_permissions`
//! replaces the whole set. [`Client::info`] is the cheapest call that proves a key works.
//!
//! Every failure is an [`Error`] with an [`ErrorKind`]: the HTTP statuses the caller decides on
//! (401, 403, 404, other 4xx, 429, 5xx) plus a malformed response, a transport failure and a
//! refused configuration. The server's message is kept, whichever of the three error-body
//! shapes Tines used, and a body that is no API answer at all (an empty body, a proxy's HTML
//! page) is described by its content type and a few sanitized words. A 403 from the audit-log
//! endpoint names the `AUDIT_LOG_READ` permission and how to grant it; a transport failure names
//! the host and port and the reason found down the source chain ([`connection_failure`]: DNS,
//! refused, timed out, TLS). No error, `Debug` output or log event ever contains the key.
//!
//! # Example: every audit log in a window, oldest first
//!
//! ```no_run
//! use tines_client::{AuditLogQuery, Client, Config, PageOrder, Secret, SortOrder, Timestamp};
//!
//! # async fn run(from: Timestamp, to: Timestamp) -> Result<(), Box<dyn std::error::Error>> {
//! let client = Client::new(Config::new("https://example.tines.com", Secret::new("…")))?;
//! // Both bounds fixed, so that records arriving meanwhile do not shift the pages.
//! let query = AuditLogQuery {
//!     after: Some(from),
//!     before: Some(to),
//!     per_page: Some(500),
//!     ..AuditLogQuery::default()
//! };
//! let first = client.audit_logs_page(&query.at_page(1)).await?;
//! let order = match first.order() {
//!     PageOrder::Sorted(order) => order,
//!     // One record or none: either way round reads the same.
//!     PageOrder::Undetermined => SortOrder::OldestFirst,
//!     PageOrder::Unsorted => return Err("audit logs are not sorted by created_at".into()),
//! };
//! let last = first.meta().last_page().unwrap_or(1);
//! let pages: Vec<u64> = match order {
//!     SortOrder::NewestFirst => (1..=last).rev().collect(),
//!     SortOrder::OldestFirst => (1..=last).collect(),
//! };
//! for number in pages {
//!     let page = client.audit_logs_page(&query.at_page(number)).await?;
//!     for record in page.into_oldest_first(order) {
//!         println!("{}", record.json());
//!     }
//! }
//! # Ok(())
//! # }
//! ```

mod api;
mod client;
mod config;
mod error;
mod net;
mod paginate;
mod ratelimit;
mod retry;
mod secret;

pub use api::audit_logs::{
    AuditLogPage, AuditLogQuery, AuditLogRecord, MAX_PER_PAGE, PageOrder, SortOrder,
};
pub use api::info::{Info, Stack};
pub use api::users::{NewUser, User, UserUpdate};
pub use client::Client;
pub use config::{Config, RateLimits, RetryPolicy};
pub use error::{Error, ErrorKind};
/// The timestamp type of [`AuditLogQuery`] bounds and record fields.
pub use jiff::Timestamp;
pub use net::connection_failure;
pub use paginate::Meta;
pub use secret::Secret;
