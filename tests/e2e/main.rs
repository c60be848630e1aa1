//! End-to-end scenarios, one module per area.

mod smoke;
