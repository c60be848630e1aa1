//! `cargo xtask bench plan`: the provider's cost in `terraform plan` and `apply`, next to Terraform's
//! own resources, measured with the provider as it ships (a release build).
//!
//! `cargo xtask bench drop-in`: the release runner with the reference Lambda's settings against
//! the reference Lambda, in one run (`runner/examples/drop_in/`).

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
    let mut bench = crate::cargo(repo);
    bench
        .args([
            "run",
            "--quiet",
            "--release",
            "-p",
            "tinesaudit-runner",
            "--example",
            "drop_in",
            "--",
        ])
        .args(args)
        .env("TINESAUDIT_TOOLS", &tools_dir);
    cmd::run(&mut bench).context("the drop-in benchmark failed")
}
