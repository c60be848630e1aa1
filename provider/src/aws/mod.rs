//! Thin wrappers around the AWS SDKs, one module per service, and what they share (`calls`). They
//! know AWS and nothing of Terraform's schemas or plans: resources decide, these call. Every call
//! ends at once on Ctrl-C (the framework's `StopSignal`), never lets the SDK log (at trace level it
//! prints request bodies, keys included), and fails with one `AwsError` that names the operation,
//! AWS's code and request id, and what to do.

pub mod calls;
pub mod iam;
pub mod lambda;
pub mod s3;
pub mod scheduler;
pub mod secrets;
