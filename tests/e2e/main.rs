//! End-to-end scenarios, one module per area.

mod quickstart;
mod smoke;
