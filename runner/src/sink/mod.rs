//! Turning records into S3 objects: encoding (`encode`) and naming (`keys`).

mod encode;
mod keys;

pub use encode::{Compression, Format, ObjectBody};
pub use keys::{first_record_time, keys_starting_at, last_id, object_key};
