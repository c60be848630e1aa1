//! `cargo xtask demo`: the main job end to end, on embedded defaults.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use crate::{cmd, tools};

pub fn run(repo: &Path) -> Result<()> {
    let tools_dir = tools::install(repo)?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let mut build = Command::new(&cargo);
    build
        .current_dir(repo)
        .args(["build", "--quiet", "-p", "tinesaudit-runner"]);
    cmd::run(&mut build).context("building the runner failed")?;
    let mut demo = Command::new(&cargo);
    demo.current_dir(repo)
        .args([
            "run",
            "--quiet",
            "-p",
            "tinesaudit-e2e",
            "--example",
            "demo",
        ])
        .env("TINESAUDIT_TOOLS", &tools_dir);
    cmd::run(&mut demo).context("the demo failed")
}
