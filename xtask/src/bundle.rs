//! `cargo xtask bundle`: the runner as an AWS Lambda `bootstrap`, and the provider beside it.
//!
//! Lambda's `provided.al2023` runtime has glibc 2.34, and a binary linked against a newer glibc
//! (this machine's, most likely) may not start there. cargo-zigbuild links against the glibc
//! named in its target (`x86_64-unknown-linux-gnu.2.34`) with the Zig toolchain, both from the
//! tools' venv. The provider looks for the bootstrap next to its own executable, so both are
//! copied into one folder: `<target dir>/dist/` with the tests' debug provider,
//! `<target dir>/dist-release/` with the release provider (`--release`, what the demo deploys).
//! Cargo's own incremental builds keep a repeat run cheap.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::{cmd, tools};

/// The glibc of Lambda's `provided.al2023` runtime, which cargo-zigbuild links against when it
/// is the suffix of the target triple.
const LAMBDA_GLIBC: &str = "2.34";
/// `[profile.lambda]` in the workspace Cargo.toml.
const PROFILE: &str = "lambda";
pub const RUNNER: &str = "tinesaudit-runner";
const BOOTSTRAP: &str = "tinesaudit-runner-bootstrap";
pub const PROVIDER: &str = "terraform-provider-tinesaudit";

/// A CPU architecture the runner is built for: Lambda offers both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arch {
    X86_64,
    Arm64,
}

impl Arch {
    /// The first part of Rust's target triples.
    pub fn rust(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Arm64 => "aarch64",
        }
    }

    /// Lambda's name, as in the function's `Architectures`.
    pub fn lambda(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::Arm64 => "arm64",
        }
    }
}

/// Which build of the provider goes beside the bootstrap.
#[derive(Clone, Copy)]
pub enum Provider {
    /// The tests' (dev) profile, into `dist/`: the test suite builds it anyway.
    Debug,
    /// The release profile, into `dist-release/`: what users install and the demo deploys.
    Release,
}

impl Provider {
    fn profile_dir(self) -> &'static str {
        match self {
            Provider::Debug => "debug",
            Provider::Release => "release",
        }
    }

    fn dist_dir(self) -> &'static str {
        match self {
            Provider::Debug => "dist",
            Provider::Release => "dist-release",
        }
    }
}

pub fn run(repo: &Path, provider: Provider) -> Result<()> {
    let tools_dir = tools::install(repo)?;
    build(repo, &tools_dir, provider).map(drop)
}

/// Builds the bootstrap and the provider, copies both into the provider's dist folder, prints them
/// and returns the bootstrap's path.
pub fn build(repo: &Path, tools_dir: &Path, provider: Provider) -> Result<PathBuf> {
    let target_dir = target_dir(repo);
    let bootstrap = build_bootstrap(repo, tools_dir, Arch::X86_64)?;
    let built_provider = build_provider(repo, provider)?;

    let dist = target_dir.join(provider.dist_dir());
    fs::create_dir_all(&dist).with_context(|| format!("could not create {}", dist.display()))?;
    let copies = [(bootstrap, BOOTSTRAP), (built_provider, PROVIDER)];
    println!("{}:", dist.display());
    for (built, name) in copies {
        let shipped = dist.join(name);
        copy(&built, &shipped)?;
        let size = fs::metadata(&shipped)
            .with_context(|| format!("could not read {}", shipped.display()))?
            .len();
        println!("  {name}  {:.1} MiB", size as f64 / 1_048_576.0);
    }
    Ok(dist.join(BOOTSTRAP))
}

/// Builds the runner for Lambda's `provided.al2023` on `arch` and returns the executable's path.
pub fn build_bootstrap(repo: &Path, tools_dir: &Path, arch: Arch) -> Result<PathBuf> {
    let target = format!("{}-unknown-linux-gnu", arch.rust());
    let mut runner = zigbuild(tools_dir);
    runner
        .current_dir(repo)
        .args(["--target", &format!("{target}.{LAMBDA_GLIBC}")])
        .args(["--profile", PROFILE, "-p", RUNNER]);
    let what = format!("building the {} Lambda bootstrap", arch.lambda());
    println!("{what}: {}", cmd::describe(&runner));
    cmd::run_building(&mut runner, &what).with_context(|| format!("{what} failed"))?;
    Ok(target_dir(repo).join(target).join(PROFILE).join(RUNNER))
}

/// `cargo zigbuild`, with the Zig of the tools' venv.
pub fn zigbuild(tools_dir: &Path) -> Command {
    let venv_bin = tools_dir.join("venv/bin");
    let mut command = Command::new(venv_bin.join("cargo-zigbuild"));
    command
        .arg("zigbuild")
        // cargo-zigbuild runs `python3 -m ziglang` when it can, else a `zig` on PATH; naming the
        // venv's Python makes it the pinned Zig whatever else is installed.
        .env("CARGO_ZIGBUILD_PYTHON_PATH", venv_bin.join("python"));
    command
}

/// Builds the provider and returns its executable's path.
///
/// The debug build is in the tests' profile but not their artifact: their build adds the
/// dev-dependencies' features (tokio's `test-util`), so the tokio-based crates build twice.
pub fn build_provider(repo: &Path, provider: Provider) -> Result<PathBuf> {
    let mut build = crate::cargo(repo);
    build.args(["build", "-p", PROVIDER]);
    if let Provider::Release = provider {
        build.arg("--release");
    }
    let what = format!("building the {} provider", provider.profile_dir());
    println!("{what}: {}", cmd::describe(&build));
    cmd::run_building(&mut build, &what).with_context(|| format!("{what} failed"))?;
    Ok(target_dir(repo).join(provider.profile_dir()).join(PROVIDER))
}

/// The target dir the nested cargo runs use: they start in the repository root, where a relative
/// `CARGO_TARGET_DIR` is resolved.
pub fn target_dir(repo: &Path) -> PathBuf {
    repo.join(std::env::var_os("CARGO_TARGET_DIR").unwrap_or_else(|| "target".into()))
}

/// Copies through a temporary file renamed into place: a copy onto a file that is running (a
/// test's function process) fails, and an interrupted copy must never look like a binary.
fn copy(from: &Path, to: &Path) -> Result<()> {
    let tmp = to.with_extension("tmp");
    fs::copy(from, &tmp)
        .with_context(|| format!("could not copy {} to {}", from.display(), tmp.display()))?;
    fs::rename(&tmp, to).with_context(|| format!("could not move {} into place", to.display()))
}
