//! The sync engine behind `tinesaudit-runner`: Tines audit logs into S3, exactly once.
//!
//! A small pipeline in the spirit of Vector, each stage a module with one job:
//!
//! ```text
//!  source (Tines pages, oldest first) ──► checkpoint + lease (S3 state object) ──► sink (S3 objects)
//! ```
//!
//! - [`record`]: one audit record, its bytes untouched.
//! - [`sink`]: records into object bodies (NDJSON or page-shaped, optionally gzip) and keys.
//! - [`store`]: the S3 calls, with create-only and compare-and-swap writes.
//! - [`checkpoint`]: the state object: position, window in flight, lease.

pub mod checkpoint;
pub mod record;
pub mod settings;
pub mod sink;
pub mod store;
