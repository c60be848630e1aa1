//! End-to-end scenarios, one module per area.

mod ingestion_job;
mod interrupted;
mod quickstart;
mod smoke;
