//! `cargo xtask test`: the one command that checks everything, as CI runs it.

use std::ffi::OsString;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use crate::{cmd, tools};

pub fn run(repo: &Path) -> Result<()> {
    let tools_dir = tools::install(repo)?;
    // Cargo tells the programs it runs which cargo it is; use the same one for the nested runs.
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo"));
    let cargo = || {
        let mut command = Command::new(&cargo);
        command.current_dir(repo);
        command
    };

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

    let mut tests = cargo();
    if cmd::succeeds(cargo().args(["nextest", "--version"])) {
        tests.args(["nextest", "run", "--workspace", "--no-fail-fast"]);
    } else {
        tests.args(["test", "--workspace", "--no-fail-fast"]);
    }
    step("tests", tests.env("TINESAUDIT_TOOLS", &tools_dir))
}

fn step(name: &str, command: &mut Command) -> Result<()> {
    println!("==> {name}: {}", cmd::describe(command));
    cmd::run(command).with_context(|| format!("{name} check failed"))
}
