//! The runner's job file as far as the provider writes (`tinesaudit_ingestion_job`) and reads
//! (`tinesaudit_schedule`) it: the runner's defaults and ranges for its keys (`runner/src/settings.rs`),
//! repeated here because the provider never imports the runner. The end-to-end tests check that the runner
//! accepts what the provider writes.

/// The folder the runner writes records under.
pub const DEFAULT_PREFIX: &str = "tines/audit/";
/// The runner's state object when the job file names none.
pub const DEFAULT_STATE_KEY: &str = "tines/state/audit.json";
pub const DEFAULT_LOOKBACK_SECONDS: i64 = 3600;
/// Tines keeps audit logs two years; the runner refuses to look back further.
pub const MAX_LOOKBACK_SECONDS: i64 = 2 * 366 * 24 * 3600;
pub const DEFAULT_PAGE_SIZE: i64 = 500;
pub const MAX_PAGE_SIZE: i64 = 500;
pub const DEFAULT_MAX_PAGES: i64 = 1000;
pub const MAX_MAX_PAGES: i64 = 1_000_000;
pub const DEFAULT_REQUESTS_PER_MINUTE: i64 = 1000;
pub const MAX_REQUESTS_PER_MINUTE: i64 = 100_000;
/// The first of each is the runner's default.
pub const FORMATS: [&str; 2] = ["ndjson", "raw_page"];
pub const COMPRESSIONS: [&str; 2] = ["none", "gzip"];

/// A job file is a small JSON object; anything much larger is something else.
pub const MAX_BYTES: i64 = 1024 * 1024;
