//! `tinesaudit-runner`: syncs Tines audit logs into S3.

use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!("tinesaudit-runner: the sync engine is not implemented yet");
    ExitCode::FAILURE
}
