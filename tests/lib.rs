//! End-to-end scenarios across the project's binaries. They live in `e2e/`, one module per area,
//! compiled into a single test binary. The library holds what the e2e suite and the demo share: the
//! quickstart example run for real, and the story the demo tells with it.

pub mod quickstart;
pub mod story;
