//! Test support: locates the tools installed under `.tools/` and runs servers on loopback.
