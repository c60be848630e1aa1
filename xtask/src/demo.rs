//! `cargo xtask demo`: the main job end to end, on embedded defaults.

use std::path::Path;

use anyhow::{Context, Result};

use crate::{bundle, cmd, tools};

pub fn run(repo: &Path) -> Result<()> {
    let tools_dir = tools::install(repo)?;
    // What ships: the provider and the runner's Lambda bootstrap beside it, which the demo deploys.
    let bootstrap = bundle::build(repo, &tools_dir)?;
    let mut demo = crate::cargo(repo);
    demo.args([
        "run",
        "--quiet",
        "-p",
        "tinesaudit-e2e",
        "--example",
        "demo",
    ])
    .env("TINESAUDIT_TOOLS", &tools_dir)
    .env("TINESAUDIT_RUNNER_BOOTSTRAP", bootstrap);
    cmd::run(&mut demo).context("the demo failed")
}
