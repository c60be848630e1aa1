//! End-to-end scenarios across the project's binaries. They live in `e2e/`, one module per area,
//! compiled into a single test binary; this library holds no code of its own.
