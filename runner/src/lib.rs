//! The sync engine behind `tinesaudit-runner`: Tines audit logs into S3, exactly once.
//!
//! A small pipeline in the spirit of Vector, each stage a module with one job:
//!
//! ```text
//!  source (Tines pages, oldest first) ──► checkpoint + lease (S3 state object) ──► sink (S3 objects)
//! ```
//!
//! - [`source`]: one frozen window of Tines pages, read oldest first.
//! - [`sink`]: records into object bodies (NDJSON or page-shaped, optionally gzip) and keys.
//! - [`store`]: the S3 calls, with create-only and compare-and-swap writes; [`aws_error`]: what
//!   a failed AWS call says (the endpoint and the cause when the service did not answer).
//! - [`checkpoint`]: the state object: position, window in flight, lease.
//! - [`delivered`]: what S3 already holds, read back (for `verify` and backfills).
//! - [`window`]: windows a person types, refused or clamped before any work.
//! - [`lag`]: how far behind a run that spent its page budget left the sync, and what keeps up.
//! - [`pipeline`]: the stages wired together, one run at a time.
//! - [`settings`]: flags, environment, event payload and job file, checked before any work.
//! - [`adopt`]: `adopt-state`, the sync's start where the vendor guide's Lambda stopped.
//! - [`cli`]: the command line; [`lambda`]: the same engine serving the Lambda runtime API,
//!   with a run's figures as CloudWatch metrics ([`metrics`]);
//!   [`progress`]: a backfill's progress bar or log lines.

pub mod adopt;
pub mod aws_error;
pub mod checkpoint;
pub mod cli;
pub mod delivered;
pub mod lag;
pub mod lambda;
pub mod metrics;
pub mod pipeline;
pub mod progress;
pub mod settings;
pub mod sink;
pub mod source;
pub mod store;
pub mod verify;
pub mod window;
