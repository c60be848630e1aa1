//! `cargo xtask test`: the one command that checks everything, as CI runs it.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use crate::bundle::{self, Provider};
use crate::{cmd, release, tools};

pub fn run(repo: &Path) -> Result<()> {
    let tools_dir = tools::install(repo)?;
    let cargo = || crate::cargo(repo);

    step("formatting", cargo().args(["fmt", "--all", "--check"]))?;
    step(
        "lints",
        cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    println!("==> bundle");
    let bootstrap = bundle::build(repo, &tools_dir, Provider::Debug)?;
    // The install tests put what a release publishes through `terraform init`: built here with
    // the dev profile, as optimising it would cost CI more than the whole test suite.
    println!("==> release --dev");
    let release = release::run(repo, &release::Options::for_tests())?;

    let mut tests = cargo();
    if cmd::succeeds(cargo().args(["nextest", "--version"])) {
        tests.args(["nextest", "run", "--workspace", "--no-fail-fast"]);
    } else {
        tests.args(["test", "--workspace", "--no-fail-fast"]);
    }
    // The acceptance-test harness knows no project's tools: its own tests run on the CLIs named here.
    let mut clis = vec![
        tools_dir.join("terraform/1.0.3/terraform"),
        tools_dir.join("terraform/1.15/terraform"),
    ];
    clis.extend(cmd::on_path("terraform"));
    tests
        .env("TINESAUDIT_TOOLS", &tools_dir)
        .env("TINESAUDIT_RUNNER_BOOTSTRAP", bootstrap)
        .env("TINESAUDIT_RELEASE_DIR", release)
        .env("TF_ACC_TERRAFORM_PATH", std::env::join_paths(clis)?);
    step("tests", &mut tests)
}

fn step(name: &str, command: &mut Command) -> Result<()> {
    println!("==> {name}: {}", cmd::describe(command));
    cmd::run(command).with_context(|| format!("{name} check failed"))
}
