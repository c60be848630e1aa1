//! Project tasks, run as `cargo xtask <task>` (the alias lives in `.cargo/config.toml`).

mod bench;
mod bundle;
mod cmd;
mod demo;
mod release;
mod test;
mod tools;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Result, bail};

const USAGE: &str = "usage: cargo xtask <task>

tasks:
  demo [--keep]
          the main job end to end on a simulated tenant, local S3 and AWS: apply, drift repaired,
          scheduled runs, verify; --keep leaves it all running, with commands to try, until Ctrl-C
  tools   install the test tools into .tools/ (idempotent; offline after the first run)
  bundle [--release]
          build the runner as a Lambda bootstrap (glibc 2.34) and the provider beside it, into
          <target>/dist/ (the tests' debug provider) or <target>/dist-release/ (release)
  release [--platforms LIST]
          build, checksum and sign release VERSION into <target>/releases/VERSION/: provider
          archives in the registry layout, the runner's Lambda zips and static binaries
          (`cargo xtask release --help` lists every file)
  test    install the tools, then check formatting and lints, bundle, and run every test
  bench plan [--baseline-provider DIR] [--runs N]
          plans and an apply of 50 tinesaudit objects against 50 of Terraform's own, on the newest
          CLI and 1.0.3, with the release provider (and DIR's, e.g. an earlier commit's, beside it)
  bench drop-in [--records N] [--max-pages N] [--runner PATH]
          the release runner with the reference Lambda's settings (MAX_PAGES=20, PAGE_SIZE=500,
          300 ms pages, 1000 requests/min) against the reference Lambda itself, run after run
          until each is caught up: records/s of both, their ratio, and peak RSS of both
  bench cold-start [--runs N] [--bootstrap PATH]
          bundle, then the Lambda bootstrap's size and its cold start (process start to the first
          invocation's answer) under cargo-lambda's runtime emulator";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        // The cause chain alone, one cause a line: a backtrace (RUST_BACKTRACE is often set)
        // would bury the message a user needs.
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let repo = repo_root();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["tools"] => tools::install(&repo).map(drop),
        ["bundle"] => bundle::run(&repo, bundle::Provider::Debug),
        ["bundle", "--release"] => bundle::run(&repo, bundle::Provider::Release),
        ["release", "-h" | "--help"] => {
            println!("{}", release::HELP);
            Ok(())
        }
        ["release", rest @ ..] => release::run(&repo, &release::Options::parse(rest)?).map(drop),
        ["test"] => test::run(&repo),
        ["demo", rest @ ..] => demo::run(&repo, rest),
        ["bench", "plan", rest @ ..] => bench::plan(&repo, rest),
        ["bench", "drop-in", rest @ ..] => bench::drop_in(&repo, rest),
        ["bench", "cold-start", rest @ ..] => bench::cold_start(&repo, rest),
        ["help" | "-h" | "--help"] => {
            println!("{USAGE}");
            Ok(())
        }
        [] => bail!("no task given\n\n{USAGE}"),
        other => bail!("unknown task `{}`\n\n{USAGE}", other.join(" ")),
    }
}

/// The workspace root: xtask is always built from its own folder inside it, so this holds for any
/// working directory `cargo xtask` is called from.
fn repo_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}

/// A nested cargo run in the workspace root, with the cargo that runs xtask (cargo tells the
/// programs it runs which one it is in `CARGO`).
fn cargo(repo: &Path) -> Command {
    let mut command =
        Command::new(std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo")));
    command.current_dir(repo);
    command
}
