//! Test support: locates the tools that `cargo xtask tools` installs under `.tools/` and the
//! artifacts `cargo xtask bundle` ships, and runs servers from there on free loopback ports.
//!
//! - [`Tools::locate`] finds the `.tools/` folder.
//! - [`Tools::terraform_clis`] lists every Terraform CLI to test against, as the harness's
//!   [`TerraformCli`]; [`test_case`] is a harness case that runs on all of them.
//! - [`S3Server::start`] runs SeaweedFS as a real S3 server (SigV4 enforced, atomic conditional
//!   writes); [`AwsEmulator::start`] runs moto for the AWS control plane (IAM, Lambda, Scheduler,
//!   STS), which also speaks S3. [`S3Server::client`] and [`AwsEmulator::sdk_config`] give the
//!   SDK clients for them.
//! - [`LambdaEmulator::start`] runs cargo-lambda's Lambda runtime API emulator, for running a
//!   `bootstrap` as Lambda does and invoking it.
//!
//! - [`FaultProxy::start`] forwards to an emulator and loses the answers a test names (a 500
//!   after the request was applied, or a cut connection), as real networks sometimes do.
//!   [`FaultProxy::start_aws`] also makes moto answer as production AWS does, with the
//!   [`AwsFaults`] a test switches on (throttling, IAM propagation, Lambda's Pending and
//!   InProgress), and counts what it gave ([`AwsCounts`]).
//!
//! - [`StaticHttps::serve`] serves a folder over HTTPS with a CA made for it, which Terraform
//!   trusts through `SSL_CERT_FILE`: the provider registry and network mirror of the install tests.
//! - [`release_dir`] is the folder `cargo xtask release` filled; [`glibc_versions_needed`] reads what
//!   a Lambda bootstrap needs of glibc.
//! - [`fuzz`] has the fuzz targets' input strategies and budget (proptest, on stable Rust).
//! - [`saved_plan_files`] unpacks a saved plan, to search what it holds.
//! - [`runner_bootstrap`] is the runner built for AWS Lambda, as shipped (`cargo xtask bundle`).
//! - [`ScratchDir`] is a temporary folder for a test's files.
//!
//! Servers are synchronous to start (about a second) and stop when dropped, so they work the same
//! from plain and async tests.

mod aws;
mod aws_faults;
mod dist;
mod elf;
mod fault_proxy;
pub mod fuzz;
mod http;
mod https;
mod lambda;
mod process;
mod s3;
mod terraform;
mod tools;

pub use aws::AwsEmulator;
pub use aws_faults::{AwsCall, AwsCounts, AwsFault, AwsFaults};
pub use dist::{release_dir, runner_bootstrap};
pub use elf::glibc_versions_needed;
pub use fault_proxy::{FaultProxy, LostAnswer};
pub use https::StaticHttps;
pub use lambda::{Invocation, LambdaEmulator};
pub use process::ScratchDir;
pub use s3::S3Server;
pub use terraform::saved_plan_files;
pub use tfplugin_harness::TerraformCli;
pub use tools::{Tools, test_case};
