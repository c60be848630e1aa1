//! The contract between `terraform-provider-tinesaudit` and `tinesaudit-runner`.
//!
//! The provider writes a job file (`tinesaudit_ingestion_job`), deploys a runner that reads it
//! (`tinesaudit_schedule`, which also derives the function's timeout and policy from it), and reads
//! back the runner's state object for `last_checkpoint`. The runner reads the job file and owns the
//! state object. Both sides use the types here, so a change to either shape is a compile error on the
//! other side rather than an end-to-end test failing late. The provider still never imports the
//! runner.
//!
//! | module | what |
//! |---|---|
//! | `settings` | every runner setting under its three names (job-file key, environment variable, flag), with defaults, ranges and the messages that refuse a value |
//! | `job_file` | the job file as the provider writes it and reads it back |
//! | `state` | the runner's state object: position, window in flight, lease |
//! | `package` | (feature `package`) the deterministic zips whose hash is `runner_sha256` |

mod job_file;
#[cfg(feature = "package")]
pub mod package;
pub mod settings;
mod state;

pub use job_file::{JobFile, MAX_JOB_FILE_BYTES};
pub use state::{Lease, Position, RequestedWindow, STATE_VERSION, State, whole_second};

use sha2::{Digest, Sha256};

/// Lowercase hex SHA-256 of `data`: the job file's `content_sha256`, which the schedule passes to the
/// runner as `JOB_FILE_SHA256`, and the runner package's `runner_sha256`.
pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}
