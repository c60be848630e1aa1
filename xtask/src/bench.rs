//! `cargo xtask bench plan`: the provider's cost in `terraform plan` and `apply`, next to Terraform's
//! own resources, measured with the provider as it ships (a release build).
//!
//! `cargo xtask bench drop-in`: the release runner with the reference Lambda's settings against
//! the reference Lambda, in one run (`runner/examples/drop_in/`).
//!
//! `cargo xtask bench cold-start`: the shipped Lambda bootstrap's size and cold start under
//! cargo-lambda's emulator (`runner/examples/cold_start.rs`), after `bundle`.

use std::path::Path;

use anyhow::{Context, Result};

use crate::{bundle, cmd, tools};

pub fn plan(repo: &Path, args: &[&str]) -> Result<()> {
    let tools_dir = tools::install(repo)?;
    let provider = bundle::build_provider(repo, bundle::Provider::Release)?;
    let provider = provider.parent().context("the provider has no folder")?;
    let mut bench = crate::cargo(repo);
    bench
        // Release, for the simulated tenant inside it: a debug build's answers would be part of what
        // the plans are measured to wait for.
        .args([
            "run",
            "--quiet",
            "--release",
            "-p",
            "tinesaudit-e2e",
            "--example",
            "plan_bench",
            "--",
        ])
        .arg(provider)
        .args(args)
        .env("TINESAUDIT_TOOLS", &tools_dir);
    cmd::run(&mut bench).context("the plan benchmark failed")
}

pub fn drop_in(repo: &Path, args: &[&str]) -> Result<()> {
    let tools_dir = tools::install(repo)?;
    runner_example(repo, &tools_dir, "drop_in", args).context("the drop-in benchmark failed")
}

pub fn cold_start(repo: &Path, args: &[&str]) -> Result<()> {
    let tools_dir = tools::install(repo)?;
    bundle::build(repo, &tools_dir, bundle::Provider::Debug)?;
    runner_example(repo, &tools_dir, "cold_start", args).context("the cold-start benchmark failed")
}

/// Runs one of the runner's benchmark examples, a release build.
fn runner_example(repo: &Path, tools_dir: &Path, example: &str, args: &[&str]) -> Result<()> {
    let mut bench = crate::cargo(repo);
    bench
        .args([
            "run",
            "--quiet",
            "--release",
            "-p",
            "tinesaudit-runner",
            "--example",
            example,
            "--",
        ])
        .args(args)
        .env("TINESAUDIT_TOOLS", tools_dir);
    cmd::run(&mut bench)
}
