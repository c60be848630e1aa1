//! A Tines API simulator, following the documented API field by field, for tests and demos.
//!
//! No Tines tenant is reachable from where this project is built and tested, so every test of the
//! client, the runner and the provider talks to this simulator instead. It serves the parts of the
//! API the project uses, with the documented behaviour, and makes every point the documentation
//! leaves open (UNCONFIRMED) switchable, so that callers are tested against each possibility.
//!
//! # Tines paths
//!
//! | method | path | notes |
//! |---|---|---|
//! | GET | `/api/v1/audit_logs` | `after`, `before`, `page`, `per_page`, `user_id[]`, `operation_name[]` |
//! | GET, POST | `/api/v1/admin/users` | list key `admin/users`; tenant-owner keys only |
//! | GET, PUT, DELETE | `/api/v1/admin/users/{id}` | PUT replaces `tenant_permissions` when present |
//! | GET | `/api/v1/info` | any valid key |
//!
//! Requests authenticate with `Authorization: Bearer <key>` or `X-User-Token: <key>`, are limited
//! per minute per (client IP, key) as documented, and pass through the injected faults first.
//!
//! # Control paths (tests only)
//!
//! Everything under `/_sim/` drives the simulator and is never mixed with the Tines paths:
//!
//! | method | path | does |
//! |---|---|---|
//! | GET, PATCH | `/_sim/config` | read or change the behaviour switches ([`Behaviour`]) |
//! | POST | `/_sim/reset` | forget every key, user, event, fault and counter |
//! | POST | `/_sim/keys` | create an API key of any kind ([`control::NewKey`]) |
//! | DELETE | `/_sim/keys/{id}` | revoke a key |
//! | POST | `/_sim/users` | create a user |
//! | PATCH, DELETE | `/_sim/users/{id}` | change or delete a user behind Tines' back |
//! | POST | `/_sim/events` | seed N events over a time span ([`control::Seed`]) |
//! | PUT, DELETE | `/_sim/events/stream` | keep events arriving at R per second, or stop |
//! | GET | `/_sim/events/ids` | every stored event id, oldest first |
//! | PUT, DELETE | `/_sim/faults` | replace or clear the injected faults ([`FaultRule`]) |
//! | GET | `/_sim/stats` | requests seen and responses sent, by route and status |
//!
//! # Using it from a test
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let sim = tines_sim::spawn(tines_sim::Behaviour::default()).await?;
//! println!("Tines API at {}", sim.base_url());
//! # Ok(())
//! # }
//! ```

mod api;
mod app;
mod auth;
mod behaviour;
pub mod control;
mod events;
mod faults;
mod generate;
mod pages;
mod ratelimit;
mod state;
mod time;
mod users;

pub use app::{RunningSimulator, app, serve, spawn};
pub use behaviour::{Behaviour, ErrorBodyStyle, Order, RateLimits};
pub use faults::{FaultKind, FaultRule};
pub use users::KNOWN_TENANT_PERMISSIONS;
