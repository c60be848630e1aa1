//! Runner integration tests: the real binary against the Tines simulator and SeaweedFS.

mod deadline;
mod guarantees;
mod lambda;
mod secrets;
mod support;
mod sync;
