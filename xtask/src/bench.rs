//! `cargo xtask bench plan`: the provider's cost in `terraform plan` and `apply`, next to Terraform's
//! own resources, measured with the provider as it ships (a release build).

use std::path::Path;

use anyhow::{Context, Result};

use crate::{bundle, cmd, tools};

pub fn plan(repo: &Path, args: &[&str]) -> Result<()> {
    let tools_dir = tools::install(repo)?;
    let mut build = crate::cargo(repo);
    build.args(["build", "--release", "-p", "terraform-provider-tinesaudit"]);
    println!(
        "==> building the release provider: {}",
        cmd::describe(&build)
    );
    cmd::run(&mut build).context("building the release provider failed")?;
    let provider = bundle::target_dir(repo).join("release");
    let mut bench = crate::cargo(repo);
    bench
        .args([
            "run",
            "--quiet",
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
