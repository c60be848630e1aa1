//! Runner integration tests: the real binary against the Tines simulator and SeaweedFS.

mod deadline;
mod lambda;
mod secrets;
mod support;
mod sync;
