//! The client against the real simulator over HTTP, one module per area.

mod audit_logs;
mod auth;
mod error_bodies;
mod fuzz;
mod harness;
mod rate_limiter;
mod retries;
mod retry_after;
mod secrets;
mod transport;
mod users;
