//! End-to-end scenarios, one module per area.

mod ingestion_job;
mod install;
mod interrupted;
mod quickstart;
mod shipping;
mod smoke;
