//! Runner integration tests: the real binary against the Tines simulator and SeaweedFS.

mod bundle;
mod deadline;
mod guarantees;
mod lambda;
mod messages;
mod secrets;
mod support;
mod sync;
