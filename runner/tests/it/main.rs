//! Runner integration tests: the real binary against the Tines simulator and SeaweedFS.

mod bad_input;
mod bundle;
mod deadline;
mod fuzz;
mod guarantees;
mod lambda;
mod lost_answers;
mod messages;
mod migration;
mod secrets;
mod support;
mod sync;
mod windows;
